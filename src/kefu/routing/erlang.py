"""Erlang C and Erlang A (Palm's M/M/n+M) queue models, and staffing to a service level.

Erlang C (M/M/n, nobody hangs up), with offered load ``a = lambda * AHT`` erlangs:

* Erlang B by the stable recursion ``1/B(k) = 1 + (k / a) / B(k-1)``, kept in log space so that
  thousands of agents neither overflow nor underflow;
* ``P(wait) = C = n B / (n - a (1 - B))``;
* ``SL(t) = 1 - C exp(-(n - a) t / AHT)``; ``ASA = C AHT / (n - a)``.

Erlang A (M/M/n+M: exponential patience with mean ``1/theta``), from the birth-death chain of the
number in system (Palm 1943; Garnett, Mandelbaum and Reiman 2002; Mandelbaum and Zeltyn 2007):
``pi(n+j) = pi(n) * prod_{i=1..j} lambda / (n mu + i theta)`` and ``sum_{k<=n} pi(k) = pi(n) / B``.
An arrival that finds ``j`` waiting ahead of it is answered with probability
``n mu / (n mu + (j+1) theta)`` after a wait made of ``j+1`` exponential phases with rates
``n mu + theta, ..., n mu + (j+1) theta`` (in each phase the line ahead shrinks at
``n mu + i theta`` and the customer itself gives up at ``theta``). Such a sum of phases is the
``(j+1)``-th order statistic of ``n mu / theta + j + 1`` exponentials, so
``P(phases <= t) = 1 - I_x(n mu / theta + 1, j + 1)`` with ``x = exp(-theta t)``: a regularized
incomplete beta with integer second argument, i.e. a negative-binomial tail summed term by term
(every term positive, so no cancellation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kefu.core.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SlBasis = Literal["answered", "offered"]
MAX_AGENTS = 200_000


@dataclass(frozen=True, slots=True)
class QueuePrediction:
    """What a queue model predicts for ``agents`` at one arrival rate and handle time.

    ``service_level`` is answered within T / answered; ``service_level_offered`` is answered
    within T / all arrivals (the two differ only when customers abandon).
    """

    model: Literal["erlang_c", "erlang_a"]
    agents: int
    offered_load: float
    p_wait: float
    service_level: float
    service_level_offered: float
    asa_seconds: float
    abandon_rate: float
    occupancy: float


def _check_inputs(arrival_rate_per_hour: float, aht_seconds: float, sl_seconds: float) -> None:
    if not (arrival_rate_per_hour > 0 and math.isfinite(arrival_rate_per_hour)):
        raise InvalidInput("arrival rate must be a positive number of contacts per hour")
    if not (aht_seconds > 0 and math.isfinite(aht_seconds)):
        raise InvalidInput("average handle time must be a positive number of seconds")
    if not (sl_seconds >= 0 and math.isfinite(sl_seconds)):
        raise InvalidInput("service level threshold must be zero or more seconds")


def log_inverse_erlang_b(agents: int, load: float) -> float:
    """``log(1 / B(agents, load))``, stable for any number of agents."""
    if agents < 0:
        raise InvalidInput("agents must be zero or more")
    log_inv = 0.0  # 1/B(0) = 1
    log_load = math.log(load)
    for k in range(1, agents + 1):
        x = math.log(k) - log_load + log_inv
        log_inv = x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))
    return log_inv


def _step_log_inverse_b(log_inv: float, k: int, load: float) -> float:
    x = math.log(k / load) + log_inv
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/n/n (Erlang B)."""
    return math.exp(-log_inverse_erlang_b(agents, load))


def _erlang_c_from_b(
    agents: int, load: float, b: float, sl_seconds: float, aht: float
) -> QueuePrediction:
    if load >= agents:
        return QueuePrediction("erlang_c", agents, load, 1.0, 0.0, 0.0, math.inf, 0.0, 1.0)
    p_wait = agents * b / (agents - load * (1.0 - b))
    p_wait = min(1.0, max(0.0, p_wait))
    sl = 1.0 - p_wait * math.exp(-(agents - load) * sl_seconds / aht)
    asa = p_wait * aht / (agents - load)
    return QueuePrediction("erlang_c", agents, load, p_wait, sl, sl, asa, 0.0, load / agents)


def erlang_c(
    agents: int, arrival_rate_per_hour: float, aht_seconds: float, sl_seconds: float
) -> QueuePrediction:
    """Erlang C prediction for ``agents`` agents."""
    _check_inputs(arrival_rate_per_hour, aht_seconds, sl_seconds)
    if agents < 1:
        raise InvalidInput("agents must be at least 1")
    load = arrival_rate_per_hour / 3600.0 * aht_seconds
    b = math.exp(-log_inverse_erlang_b(agents, load))
    return _erlang_c_from_b(agents, load, b, sl_seconds, aht_seconds)


def erlang_a(
    agents: int,
    arrival_rate_per_hour: float,
    aht_seconds: float,
    sl_seconds: float,
    patience_seconds: float,
) -> QueuePrediction:
    """Erlang A (M/M/n+M) prediction for ``agents`` agents and mean patience."""
    _check_inputs(arrival_rate_per_hour, aht_seconds, sl_seconds)
    if not (patience_seconds > 0 and math.isfinite(patience_seconds)):
        raise InvalidInput("patience must be a positive number of seconds")
    if agents < 1:
        raise InvalidInput("agents must be at least 1")
    load = arrival_rate_per_hour / 3600.0 * aht_seconds
    return _erlang_a(
        agents, load, log_inverse_erlang_b(agents, load), aht_seconds, sl_seconds, patience_seconds
    )


def _erlang_a(
    agents: int,
    load: float,
    log_inv_b: float,
    aht: float,
    sl_seconds: float,
    patience: float,
) -> QueuePrediction:
    import numpy as np

    mu = 1.0 / aht
    lam = load * mu
    theta = 1.0 / patience
    n_mu = agents * mu
    log_lam = math.log(lam)
    # How far the queue-length distribution reaches: past its peak until terms are negligible.
    length = int(max(0.0, (lam - n_mu) / theta)) + 256
    while True:
        j = np.arange(1, length, dtype=np.float64)
        log_ratio = log_lam - np.log(n_mu + j * theta)
        log_r = np.concatenate(([0.0], np.cumsum(log_ratio)))
        peak = float(log_r.max())
        if log_r[-1] < peak - 50.0 and log_ratio[-1] < 0:
            break
        length *= 2
    log_sum_r = peak + math.log(float(np.exp(log_r - peak).sum()))
    # 1 / pi(n) = 1/B - 1 + sum_j r_j
    if log_inv_b > 30:
        log_below = log_inv_b + math.log(-math.expm1(-log_inv_b))
    elif log_inv_b > 0:
        log_below = math.log(math.expm1(log_inv_b))
    else:
        log_below = -math.inf
    log_norm = float(np.logaddexp(log_below, log_sum_r))
    pi_queue = np.exp(log_r - log_norm)  # P(arrival finds n + j in system), j = 0, 1, ...
    p_wait = float(pi_queue.sum())
    ahead = np.arange(1, length + 1, dtype=np.float64)  # j + 1
    exit_rates = n_mu + ahead * theta
    served_if_wait = n_mu / exit_rates
    served_joint = pi_queue * served_if_wait
    p_abandon = float((pi_queue * (1.0 - served_if_wait)).sum())
    p_served = 1.0 - p_abandon
    mean_phase_sum = np.cumsum(1.0 / exit_rates)
    asa = float((served_joint * mean_phase_sum).sum()) / p_served
    within = (1.0 - p_wait) + float(
        (served_joint * _phases_cdf(n_mu, theta, length, sl_seconds)).sum()
    )
    occupancy = min(1.0, lam * p_served / n_mu)
    return QueuePrediction(
        "erlang_a",
        agents,
        load,
        min(1.0, p_wait),
        min(1.0, within / p_served),
        min(1.0, within),
        asa,
        p_abandon,
        occupancy,
    )


def _phases_cdf(n_mu: float, theta: float, length: int, t: float) -> npt.NDArray[np.float64]:
    """``P(sum of phases n_mu + theta, ..., n_mu + m theta <= t)`` for m = 1..length."""
    import numpy as np

    if t <= 0:
        return np.zeros(length)
    a = n_mu / theta + 1.0
    log_x = -theta * t
    log_1mx = math.log(-math.expm1(log_x))
    k = np.arange(1, length, dtype=np.float64)
    increments = log_1mx + np.log(a + k - 1.0) - np.log(k)
    log_terms = np.concatenate(([a * log_x], a * log_x + np.cumsum(increments)))
    beta_tail = np.cumsum(np.exp(log_terms))  # I_x(a, m)
    return np.clip(1.0 - beta_tail, 0.0, 1.0)


def predict(
    agents: int,
    arrival_rate_per_hour: float,
    aht_seconds: float,
    sl_seconds: float,
    patience_seconds: float | None = None,
) -> QueuePrediction:
    """Erlang C without patience, Erlang A with it."""
    if patience_seconds is None:
        return erlang_c(agents, arrival_rate_per_hour, aht_seconds, sl_seconds)
    return erlang_a(agents, arrival_rate_per_hour, aht_seconds, sl_seconds, patience_seconds)


def required_agents(
    arrival_rate_per_hour: float,
    aht_seconds: float,
    sl_seconds: float,
    target_service_level: float,
    patience_seconds: float | None = None,
    *,
    max_occupancy: float | None = None,
    basis: SlBasis = "answered",
) -> QueuePrediction:
    """The fewest agents whose predicted service level reaches the target.

    ``basis="offered"`` measures answered-within-T against every arrival, which with patience
    counts abandons against the target (the answered basis can look good precisely because the
    impatient have hung up). ``max_occupancy`` adds agents until ``load / agents`` is at most it.
    """
    _check_inputs(arrival_rate_per_hour, aht_seconds, sl_seconds)
    if not 0 < target_service_level < 1:
        raise InvalidInput("target service level must be between 0 and 1 (exclusive)")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise InvalidInput("max occupancy must be in (0, 1]")
    if basis not in ("answered", "offered"):
        raise InvalidInput("basis must be 'answered' or 'offered'")
    load = arrival_rate_per_hour / 3600.0 * aht_seconds
    if load / MAX_AGENTS > 0.9:
        raise InvalidInput(f"offered load {load:.0f} erlangs is beyond {MAX_AGENTS} agents")

    def good(p: QueuePrediction) -> bool:
        sl = p.service_level if basis == "answered" else p.service_level_offered
        occupancy_ok = max_occupancy is None or p.offered_load / p.agents <= max_occupancy
        return sl >= target_service_level and occupancy_ok

    if patience_seconds is None:
        agents = max(1, math.floor(load) + 1)
        log_inv = log_inverse_erlang_b(agents, load)
        while True:
            prediction = _erlang_c_from_b(agents, load, math.exp(-log_inv), sl_seconds, aht_seconds)
            if good(prediction):
                return prediction
            agents += 1
            if agents > MAX_AGENTS:
                raise InvalidInput("the target cannot be met with a realistic number of agents")
            log_inv = _step_log_inverse_b(log_inv, agents, load)
    if not (patience_seconds > 0 and math.isfinite(patience_seconds)):
        raise InvalidInput("patience must be a positive number of seconds")

    def at(n: int) -> QueuePrediction:
        return _erlang_a(
            n, load, log_inverse_erlang_b(n, load), aht_seconds, sl_seconds, patience_seconds
        )

    # Service level rises with the number of agents: grow an upper bound, then bisect.
    low, high = 0, max(1, math.floor(load))
    best = at(high)
    while not good(best):
        low, high = high, high * 2
        if high > MAX_AGENTS:
            raise InvalidInput("the target cannot be met with a realistic number of agents")
        best = at(high)
    while high - low > 1:
        mid = (low + high) // 2
        candidate = at(mid)
        if good(candidate):
            high, best = mid, candidate
        else:
            low = mid
    return best
