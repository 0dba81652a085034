"""Live staffing: agents needed now, from the last hour's observed arrivals and handle times.

Fed by the engine (or any event source) with arrivals, answers, abandons and handle times; keeps
a sliding window and turns it into an Erlang recommendation:

* arrival rate = arrivals in the window / the window (or the time observed, if shorter);
* AHT = mean handle time of conversations finished in the window;
* patience: if anyone abandoned, the exponential maximum-likelihood estimate with censoring,
  mean patience = total time everyone spent waiting / number of abandons; then Erlang A,
  otherwise Erlang C.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from kefu.core.errors import InvalidInput
from kefu.routing.erlang import QueuePrediction, SlBasis, required_agents


@dataclass(frozen=True, slots=True)
class StaffingRecommendation:
    agents: int
    arrival_rate_per_hour: float
    aht_seconds: float
    patience_seconds: float | None
    window_seconds: float
    arrivals: int
    handled: int
    abandoned: int
    prediction: QueuePrediction


class StaffingAdvisor:
    """Sliding-window estimator of load, handle time and patience, and the staff they need."""

    def __init__(
        self,
        *,
        sl_seconds: float,
        target_service_level: float,
        started_at: float,
        window_seconds: float = 3600.0,
        min_observed_seconds: float = 60.0,
        basis: SlBasis = "offered",
    ) -> None:
        if window_seconds <= 0:
            raise InvalidInput("window must be positive")
        self.sl_seconds = sl_seconds
        self.target_service_level = target_service_level
        self.window_seconds = window_seconds
        self.min_observed_seconds = min_observed_seconds
        self.basis: SlBasis = basis
        self._started_at = started_at
        self._arrivals: deque[float] = deque()
        self._handles: deque[tuple[float, float]] = deque()
        self._waits: deque[tuple[float, float, bool]] = deque()  # (at, wait, abandoned)
        self._handle_sum = 0.0
        self._wait_sum = 0.0
        self._abandons = 0

    def record_arrival(self, at: float) -> None:
        self._arrivals.append(at)
        if self._arrivals[0] < at - self.window_seconds:
            self._prune(at)

    def record_handle(self, at: float, seconds: float) -> None:
        self._handles.append((at, seconds))
        self._handle_sum += seconds
        if self._handles[0][0] < at - self.window_seconds:
            self._prune(at)

    def record_answer(self, at: float, wait: float) -> None:
        self._waits.append((at, wait, False))
        self._wait_sum += wait
        if self._waits[0][0] < at - self.window_seconds:
            self._prune(at)

    def record_abandon(self, at: float, wait: float) -> None:
        self._waits.append((at, wait, True))
        self._wait_sum += wait
        self._abandons += 1
        if self._waits[0][0] < at - self.window_seconds:
            self._prune(at)

    def _prune(self, now: float) -> None:
        horizon = now - self.window_seconds
        while self._arrivals and self._arrivals[0] < horizon:
            self._arrivals.popleft()
        while self._handles and self._handles[0][0] < horizon:
            self._handle_sum -= self._handles.popleft()[1]
        while self._waits and self._waits[0][0] < horizon:
            _, wait, abandoned = self._waits.popleft()
            self._wait_sum -= wait
            self._abandons -= abandoned
        if not self._handles:
            self._handle_sum = 0.0  # no float drift once the window empties
        if not self._waits:
            self._wait_sum = 0.0

    def recommend(self, now: float) -> StaffingRecommendation | None:
        """The recommendation for ``now``; None until there is enough to estimate from."""
        self._prune(now)
        observed = min(self.window_seconds, now - self._started_at)
        if observed < self.min_observed_seconds or not self._arrivals or not self._handles:
            return None
        rate = len(self._arrivals) / observed * 3600.0
        aht = self._handle_sum / len(self._handles)
        patience = (
            self._wait_sum / self._abandons if self._abandons and self._wait_sum > 0 else None
        )
        prediction = required_agents(
            rate,
            aht,
            self.sl_seconds,
            self.target_service_level,
            patience,
            basis=self.basis,
        )
        return StaffingRecommendation(
            agents=prediction.agents,
            arrival_rate_per_hour=rate,
            aht_seconds=aht,
            patience_seconds=patience,
            window_seconds=observed,
            arrivals=len(self._arrivals),
            handled=len(self._handles),
            abandoned=self._abandons,
            prediction=prediction,
        )
