"""Erlang C and Erlang A against the issue's reference point, pyworkforce, and an independent
numerical solution of the same Markov chains.

pyworkforce (0.5.1, the latest release) implements Erlang C only, so Erlang A is checked against
a direct numerical solution: the truncated birth-death generator solved as a linear system for
the state probabilities, and uniformization of the waiting customer's absorbing chain for the
service level. Neither shares code or formulas with kefu.routing.erlang.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyworkforce.queuing import ErlangC

from kefu.core.errors import InvalidInput
from kefu.routing.erlang import erlang_a, erlang_b, erlang_c, predict, required_agents


def test_issue_reference_point() -> None:
    p = erlang_c(14, 200, 180, 20)
    assert p.offered_load == pytest.approx(10.0)
    assert p.service_level == pytest.approx(0.888, abs=0.001)
    assert p.p_wait == pytest.approx(0.174, abs=0.001)
    assert p.asa_seconds == pytest.approx(7.84, abs=0.01)
    assert p.occupancy == pytest.approx(10 / 14)


def test_erlang_b_table_value() -> None:
    # Standard Erlang B table: 10 erlangs offered to 10 lines block 21.46 % of calls.
    assert erlang_b(10, 10.0) == pytest.approx(0.2146, abs=0.0001)
    assert erlang_b(0, 3.0) == 1.0


GRID = [
    (rate, aht, t) for rate in (30, 200, 750, 2400) for aht in (45, 180, 600) for t in (10, 20, 60)
]


@pytest.mark.parametrize(("rate", "aht", "sl_seconds"), GRID)
def test_erlang_c_matches_pyworkforce(rate: int, aht: int, sl_seconds: int) -> None:
    reference = ErlangC(transactions=rate, aht=aht / 60, asa=sl_seconds / 60, interval=60)
    ours = required_agents(rate, aht, sl_seconds, 0.8)
    theirs = reference.required_positions(service_level=0.8)
    # pyworkforce starts its search at round(load + 1), one above the smallest stable staff
    # when the load's fraction is >= 0.5; everywhere else the answers must be identical.
    load = rate * aht / 3600
    if ours.agents == math.floor(load) + 1 < round(load + 1):
        assert theirs["raw_positions"] == ours.agents + 1
    else:
        assert theirs["raw_positions"] == ours.agents
    for agents in (ours.agents, ours.agents + 2):
        mine = erlang_c(agents, rate, aht, sl_seconds)
        assert mine.service_level == pytest.approx(reference.service_level(agents), abs=1e-9)
        assert mine.p_wait == pytest.approx(reference.waiting_probability(agents), abs=1e-9)
        assert mine.occupancy == pytest.approx(reference.achieved_occupancy(agents), abs=1e-12)


def _birth_death(agents: int, lam: float, mu: float, theta: float, size: int) -> np.ndarray:
    """Stationary distribution of M/M/n+M by solving pi Q = 0 on a truncated state space."""
    q = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, agents) * mu + max(0, k - agents) * theta
        q[k, k] = -q[k].sum()
    a = np.vstack([q.T, np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1.0
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    return pi


def _served_within(agents: int, mu: float, theta: float, ahead: int, t: float) -> float:
    """P(answered within t | `ahead` in line) by uniformizing the waiting customer's chain."""
    # States 0..ahead: customers still ahead; then 'served' and 'abandoned' (absorbing).
    served, gone = ahead + 1, ahead + 2
    size = ahead + 3
    q = np.zeros((size, size))
    for j in range(ahead + 1):
        q[j, j - 1 if j else served] = agents * mu + j * theta
        q[j, gone] = theta
        q[j, j] = -(agents * mu + j * theta + theta)
    rate = float(-q.diagonal().min())
    step = np.eye(size) + q / rate
    v = np.zeros(size)
    v[ahead] = 1.0
    total, weight, k = 0.0, math.exp(-rate * t), 0
    while k < rate * t + 12 * math.sqrt(rate * t) + 20:
        total += weight * v[served]
        v = v @ step
        k += 1
        weight *= rate * t / k
    return total


@pytest.mark.parametrize(
    ("agents", "rate", "aht", "patience", "sl_seconds"),
    [
        (14, 200, 180, 120, 20),  # under-loaded, few abandons
        (14, 280, 180, 60, 20),  # over-loaded: stable only thanks to abandonment
        (5, 90, 240, 300, 30),
        (40, 900, 150, 45, 15),
    ],
)
def test_erlang_a_matches_numerical_chain(
    agents: int, rate: float, aht: float, patience: float, sl_seconds: float
) -> None:
    mu, theta, lam = 1 / aht, 1 / patience, rate / 3600
    pi = _birth_death(agents, lam, mu, theta, size=agents + 400)
    in_queue = pi[agents:]
    p_wait = in_queue.sum()
    mean_queue = float((np.arange(len(in_queue)) * in_queue).sum())
    p_abandon = theta * mean_queue / lam  # abandonment flux / arrival rate
    within = pi[:agents].sum() + sum(
        pi[agents + j] * _served_within(agents, mu, theta, j, sl_seconds)
        for j in range(120)
        if pi[agents + j] > 1e-12
    )
    ours = erlang_a(agents, rate, aht, sl_seconds, patience)
    assert ours.p_wait == pytest.approx(p_wait, abs=1e-6)
    assert ours.abandon_rate == pytest.approx(p_abandon, abs=1e-6)
    assert ours.service_level_offered == pytest.approx(within, abs=1e-6)
    assert ours.service_level == pytest.approx(within / (1 - p_abandon), abs=1e-6)
    assert ours.occupancy == pytest.approx(lam * (1 - p_abandon) * aht / agents, abs=1e-6)


def test_erlang_a_tends_to_erlang_c_with_endless_patience() -> None:
    c = erlang_c(14, 200, 180, 20)
    a = erlang_a(14, 200, 180, 20, 1e9)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-6)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-5)
    assert a.abandon_rate < 1e-6


def test_overloaded_erlang_c_is_reported_unstable() -> None:
    p = erlang_c(9, 200, 180, 20)  # 10 erlangs on 9 agents
    assert p.p_wait == 1.0
    assert p.service_level == 0.0
    assert math.isinf(p.asa_seconds)
    # With patience the same staff is a stable (if poor) queue.
    a = erlang_a(9, 200, 180, 20, 60)
    assert 0 < a.service_level < 1
    assert 0 < a.abandon_rate < 0.5


def test_large_systems_stay_finite() -> None:
    big = erlang_c(5000, 4900 * 3600 / 180, 180, 20)
    assert 0 < big.p_wait < 1
    assert 0 < big.service_level < 1
    staffed = required_agents(100_000, 180, 20, 0.8)
    assert 5000 < staffed.agents < 5100
    assert staffed.service_level >= 0.8
    with_patience = required_agents(100_000, 180, 20, 0.8, 120, basis="offered")
    assert with_patience.service_level_offered >= 0.8


@pytest.mark.parametrize("basis", ["answered", "offered"])
def test_erlang_a_staffing_is_the_smallest_that_meets_the_target(basis: str) -> None:
    result = required_agents(300, 240, 20, 0.85, 90, basis=basis)  # type: ignore[arg-type]

    def level(agents: int) -> float:
        p = erlang_a(agents, 300, 240, 20, 90)
        return p.service_level if basis == "answered" else p.service_level_offered

    assert level(result.agents) >= 0.85
    assert level(result.agents - 1) < 0.85


def test_offered_basis_needs_at_least_as_many_agents() -> None:
    answered = required_agents(600, 200, 20, 0.8, 40)
    offered = required_agents(600, 200, 20, 0.8, 40, basis="offered")
    assert offered.agents >= answered.agents


def test_max_occupancy_adds_agents() -> None:
    plain = required_agents(2400, 180, 20, 0.8)
    capped = required_agents(2400, 180, 20, 0.8, max_occupancy=0.85)
    assert plain.occupancy > 0.85
    assert capped.occupancy <= 0.85
    assert capped.agents > plain.agents


@pytest.mark.parametrize(
    "kwargs",
    [
        {"arrival_rate_per_hour": 0},
        {"arrival_rate_per_hour": float("nan")},
        {"aht_seconds": -1},
        {"sl_seconds": -5},
        {"target_service_level": 1.0},
        {"patience_seconds": 0},
    ],
)
def test_bad_staffing_input_is_refused(kwargs: dict[str, float]) -> None:
    args: dict[str, float] = {
        "arrival_rate_per_hour": 200,
        "aht_seconds": 180,
        "sl_seconds": 20,
        "target_service_level": 0.8,
    }
    args.update(kwargs)
    with pytest.raises(InvalidInput):
        required_agents(**args)  # type: ignore[arg-type]


def test_predict_picks_the_model() -> None:
    assert predict(14, 200, 180, 20).model == "erlang_c"
    assert predict(14, 200, 180, 20, 120).model == "erlang_a"
