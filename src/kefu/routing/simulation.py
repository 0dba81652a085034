"""Discrete-event simulation that drives the real routing engine on a virtual clock.

Arrivals are Poisson per stream, handle times come from a function of (agent, queue) so that a
scenario can make proficient agents faster, and customers optionally abandon after an
exponential patience. Offers are accepted at once; conversations end after their handle time.
Statistics exclude a warm-up period, and the measured period is cut into batches whose spread
gives a confidence interval (batch means: the waits of neighbouring customers are correlated,
so the per-customer binomial error would be far too optimistic).
"""

from __future__ import annotations

import functools
import itertools
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kefu.core.errors import InvalidInput
from kefu.routing.config import STRATEGIES, AgentSpec, QueueConfig, RoutingConfig
from kefu.routing.engine import RoutingEngine
from kefu.routing.erlang import QueuePrediction, predict
from kefu.routing.listener import ListenerBase
from kefu.routing.metrics import QueueMetrics
from kefu.routing.model import ConversationRequest
from kefu.routing.scheduler import SimTimer, SimulationScheduler

HandleTime = Callable[[random.Random, str, str], float]  # (service rng, agent id, queue id)
MAX_ARRIVALS = 20_000_000


@dataclass(frozen=True, slots=True)
class ArrivalStream:
    queue_id: str
    rate_per_hour: float
    channel: str = "web"
    priority: int = 0


@dataclass(frozen=True, slots=True)
class QueueOutcome:
    """One queue's figures over the measured period, with 95 % batch-means half-widths."""

    metrics: QueueMetrics
    service_level_ci95: float | None
    abandon_rate_ci95: float | None


class Simulator(ListenerBase):
    """Feeds one engine with random arrivals, handle times and abandons."""

    def __init__(
        self,
        config: RoutingConfig,
        agents: Sequence[AgentSpec],
        streams: Sequence[ArrivalStream],
        *,
        handle_time: HandleTime,
        patience_seconds: float | None = None,
        seed: int = 0,
        start: float = 0.0,
    ) -> None:
        if patience_seconds is not None and not patience_seconds > 0:
            raise InvalidInput("patience must be positive")
        self.scheduler = SimulationScheduler(start)
        self.engine = RoutingEngine(config, self.scheduler, self)
        # Separate streams: arrivals and patience stay identical whatever the strategy does,
        # so strategies compared with one seed face exactly the same customers.
        self.rng = random.Random(f"{seed}/service")
        self._arrival_rng = random.Random(f"{seed}/arrivals")
        self._patience_rng = random.Random(f"{seed}/patience")
        self._handle_time = handle_time
        self._patience = patience_seconds
        self._abandon_timers: dict[str, SimTimer] = {}
        self._streams = list(streams)
        self._count = 0
        for spec in agents:
            self.engine.add_agent(spec)
        for stream in self._streams:
            if not stream.rate_per_hour > 0:
                raise InvalidInput("arrival rates must be positive")
            self._schedule_arrival(stream)

    def _schedule_arrival(self, stream: ArrivalStream) -> None:
        gap = self._arrival_rng.expovariate(stream.rate_per_hour / 3600.0)
        self.scheduler.call_at(self.scheduler.now() + gap, functools.partial(self._arrive, stream))

    def _arrive(self, stream: ArrivalStream) -> None:
        self._count += 1
        conv_id = f"c{self._count}"
        if self._patience is not None:
            patience = self._patience_rng.expovariate(1.0 / self._patience)
            self._abandon_timers[conv_id] = self.scheduler.call_at(
                self.scheduler.now() + patience, functools.partial(self._abandon, conv_id)
            )
        self.engine.enqueue(
            ConversationRequest(
                id=conv_id,
                channel=stream.channel,
                queue_id=stream.queue_id,
                priority=stream.priority,
            )
        )
        self._schedule_arrival(stream)

    def _abandon(self, conv_id: str) -> None:
        del self._abandon_timers[conv_id]
        self.engine.abandon(conv_id)

    def on_offer(self, conversation_id: str, agent_id: str, expires_at: float | None) -> None:
        self.scheduler.call_at(
            self.scheduler.now(),
            functools.partial(self.engine.accept, conversation_id, agent_id),
        )

    def on_assigned(
        self, conversation_id: str, agent_id: str, queue_id: str, wait_seconds: float
    ) -> None:
        timer = self._abandon_timers.pop(conversation_id, None)
        if timer is not None:
            self.scheduler.cancel(timer)
        seconds = self._handle_time(self.rng, agent_id, queue_id)
        self.scheduler.call_at(
            self.scheduler.now() + seconds,
            functools.partial(self.engine.release, conversation_id),
        )

    def run(
        self, *, hours: float, warmup_hours: float, batches: int = 20
    ) -> dict[str, QueueOutcome]:
        """Warm up, reset the counters, then measure ``hours`` in ``batches`` equal parts."""
        if not hours > 0 or warmup_hours < 0:
            raise InvalidInput("hours must be positive and warm-up zero or more")
        start = self.scheduler.now()
        self.scheduler.run_until(start + warmup_hours * 3600.0)
        self.engine.reset_metrics()
        queue_ids = self.engine.queue_ids()
        measured_start = self.scheduler.now()
        marks: list[dict[str, QueueMetrics]] = [
            {q: self.engine.queue_metrics(q) for q in queue_ids}
        ]
        for batch in range(1, batches + 1):
            self.scheduler.run_until(measured_start + hours * 3600.0 * batch / batches)
            marks.append({q: self.engine.queue_metrics(q) for q in queue_ids})
        return {q: _outcome(q, marks) for q in queue_ids}


def _outcome(queue_id: str, marks: list[dict[str, QueueMetrics]]) -> QueueOutcome:
    final = marks[-1][queue_id]
    sl_values: list[float] = []
    ab_values: list[float] = []
    for before, after in itertools.pairwise(marks):
        b, a = before[queue_id], after[queue_id]
        answered = a.answered - b.answered
        finished = answered + a.abandoned - b.abandoned
        if answered:
            sl_values.append((a.answered_within_sl - b.answered_within_sl) / answered)
        if finished:
            ab_values.append((a.abandoned - b.abandoned) / finished)
    return QueueOutcome(
        metrics=final,
        service_level_ci95=_half_width(sl_values),
        abandon_rate_ci95=_half_width(ab_values),
    )


def _half_width(values: list[float]) -> float | None:
    if len(values) < 2:
        return None
    return 1.96 * statistics.stdev(values) / math.sqrt(len(values))


@dataclass(frozen=True, slots=True)
class ErlangComparison:
    """A single-skill simulation next to what Erlang C (or A, with patience) predicts."""

    agents: int
    arrival_rate_per_hour: float
    aht_seconds: float
    patience_seconds: float | None
    sl_seconds: float
    hours: float
    warmup_hours: float
    strategy: str
    seed: int
    outcome: QueueOutcome
    prediction: QueuePrediction


def simulate_single_queue(
    *,
    agents: int,
    arrival_rate_per_hour: float,
    aht_seconds: float,
    sl_seconds: float,
    hours: float,
    patience_seconds: float | None = None,
    strategy: str = "longest_idle",
    seed: int = 0,
    warmup_hours: float | None = None,
) -> ErlangComparison:
    """One queue, identical agents with one slot each: the Erlang C / Erlang A setting."""
    if agents < 1:
        raise InvalidInput("at least one agent is needed")
    if strategy not in STRATEGIES:
        raise InvalidInput(f"strategy must be one of {', '.join(STRATEGIES)}")
    if not (aht_seconds > 0 and arrival_rate_per_hour > 0 and hours > 0 and sl_seconds >= 0):
        raise InvalidInput("arrival rate, AHT and hours must be positive; SL seconds not negative")
    warmup = min(1.0, hours / 10.0) if warmup_hours is None else warmup_hours
    if arrival_rate_per_hour * (hours + warmup) > MAX_ARRIVALS:
        raise InvalidInput(f"that is more than {MAX_ARRIVALS:,} simulated arrivals; shorten it")
    queue = QueueConfig(
        id="main",
        strategy=strategy,
        sticky_seconds=60.0 if strategy == "sticky" else 0.0,
        auto_accept=True,
        offer_timeout_seconds=None,
        sl_seconds=sl_seconds,
        expected_handle_seconds=aht_seconds,
    )
    config = RoutingConfig(queues=(queue,), default_queue="main", position_update_seconds=None)
    specs = [
        AgentSpec(id=f"a{i}", skills={"main": 5}, capacity={"chat": 1}, presence="online")
        for i in range(agents)
    ]
    rate = 1.0 / aht_seconds

    def handle_time(rng: random.Random, agent_id: str, queue_id: str) -> float:
        return rng.expovariate(rate)

    simulator = Simulator(
        config,
        specs,
        [ArrivalStream("main", arrival_rate_per_hour)],
        handle_time=handle_time,
        patience_seconds=patience_seconds,
        seed=seed,
    )
    outcome = simulator.run(hours=hours, warmup_hours=warmup)["main"]
    prediction = predict(agents, arrival_rate_per_hour, aht_seconds, sl_seconds, patience_seconds)
    return ErlangComparison(
        agents=agents,
        arrival_rate_per_hour=arrival_rate_per_hour,
        aht_seconds=aht_seconds,
        patience_seconds=patience_seconds,
        sl_seconds=sl_seconds,
        hours=hours,
        warmup_hours=warmup,
        strategy=strategy,
        seed=seed,
        outcome=outcome,
        prediction=prediction,
    )
