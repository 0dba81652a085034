"""Real-time counters per queue and per agent, and the contact-center figures derived from them.

Definitions (``T`` is the queue's ``sl_seconds``; a wait counts as "within" when ``wait <= T``):

* service level        = answered within T / answered
* service level (offered basis) = answered within T / (answered + abandoned)
* SL2 (Asterisk ``app_queue``)  = (answered within T + abandoned within T) / (answered + abandoned)
* ASA                  = sum of waits of answered conversations / answered
* mean wait            = sum of waits of answered and abandoned / (answered + abandoned)
* AHT                  = (sum of accept-to-release times + wrap-up actually spent) / handled
* abandon rate         = abandoned / (answered + abandoned)
* P(wait)              = conversations that waited at all / (answered + abandoned)
* occupancy (agent)    = integral of utilisation dt / staffed time, where staffed means online or
  in wrap-up, and utilisation is 1 in wrap-up, else the largest used share of a media capacity
  (1 of 1 voice call = 1.0; 2 of 3 chats = 0.67)
* occupancy (queue)    = sum of busy time / sum of staffed time over the agents who serve it

Waits run from the moment the conversation first entered a queue (overflow keeps the clock) to
the moment an agent accepted it; a conversation is counted in the queue it was in when it was
answered or abandoned. Counters cover the interval since the last ``reset``.
"""

from __future__ import annotations

from dataclasses import dataclass


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


class QueueStats:
    """Counters for one queue over the current interval."""

    __slots__ = (
        "abandoned",
        "abandoned_in_sl",
        "answered",
        "answered_in_sl",
        "entered",
        "handle_total",
        "handled",
        "interval_start",
        "overflowed_out",
        "sl_seconds",
        "wait_abandoned_total",
        "wait_answered_total",
        "waited",
        "wrap_total",
    )

    def __init__(self, sl_seconds: float, start: float) -> None:
        self.sl_seconds = sl_seconds
        self.reset(start)

    def reset(self, start: float) -> None:
        self.interval_start = start
        self.entered = 0
        self.overflowed_out = 0
        self.answered = 0
        self.answered_in_sl = 0
        self.abandoned = 0
        self.abandoned_in_sl = 0
        self.waited = 0
        self.wait_answered_total = 0.0
        self.wait_abandoned_total = 0.0
        self.handled = 0
        self.handle_total = 0.0
        self.wrap_total = 0.0

    def record_answer(self, wait: float) -> None:
        self.answered += 1
        self.wait_answered_total += wait
        if wait <= self.sl_seconds:
            self.answered_in_sl += 1
        if wait > 0:
            self.waited += 1

    def record_abandon(self, wait: float) -> None:
        self.abandoned += 1
        self.wait_abandoned_total += wait
        if wait <= self.sl_seconds:
            self.abandoned_in_sl += 1
        self.waited += 1

    def record_handle(self, seconds: float) -> None:
        self.handled += 1
        self.handle_total += seconds


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """A queue's figures at one instant (``None`` where the denominator is still zero)."""

    queue_id: str
    interval_seconds: float
    sl_seconds: float
    entered: int
    overflowed_out: int
    answered: int
    answered_within_sl: int
    abandoned: int
    abandoned_within_sl: int
    handled: int
    waiting_now: int
    longest_wait_now: float
    service_level: float | None
    service_level_offered: float | None
    sl2: float | None
    asa_seconds: float | None
    mean_wait_seconds: float | None
    aht_seconds: float | None
    abandon_rate: float | None
    p_wait: float | None
    occupancy: float | None


def queue_metrics(
    queue_id: str,
    stats: QueueStats,
    *,
    now: float,
    waiting_now: int,
    longest_wait_now: float,
    busy_seconds: float,
    staffed_seconds: float,
) -> QueueMetrics:
    finished = stats.answered + stats.abandoned
    return QueueMetrics(
        queue_id=queue_id,
        interval_seconds=now - stats.interval_start,
        sl_seconds=stats.sl_seconds,
        entered=stats.entered,
        overflowed_out=stats.overflowed_out,
        answered=stats.answered,
        answered_within_sl=stats.answered_in_sl,
        abandoned=stats.abandoned,
        abandoned_within_sl=stats.abandoned_in_sl,
        handled=stats.handled,
        waiting_now=waiting_now,
        longest_wait_now=longest_wait_now,
        service_level=_ratio(stats.answered_in_sl, stats.answered),
        service_level_offered=_ratio(stats.answered_in_sl, finished),
        sl2=_ratio(stats.answered_in_sl + stats.abandoned_in_sl, finished),
        asa_seconds=_ratio(stats.wait_answered_total, stats.answered),
        mean_wait_seconds=_ratio(stats.wait_answered_total + stats.wait_abandoned_total, finished),
        aht_seconds=_ratio(stats.handle_total + stats.wrap_total, stats.handled),
        abandon_rate=_ratio(stats.abandoned, finished),
        p_wait=_ratio(stats.waited, finished),
        occupancy=_ratio(busy_seconds, staffed_seconds),
    )


class AgentStats:
    """Counters and time integrals for one agent over the current interval."""

    __slots__ = (
        "accepted",
        "busy_seconds",
        "handle_total",
        "handled",
        "interval_start",
        "offered",
        "rejected",
        "staffed_seconds",
        "timed_out",
    )

    def __init__(self, start: float) -> None:
        self.reset(start)

    def reset(self, start: float) -> None:
        self.interval_start = start
        self.offered = 0
        self.accepted = 0
        self.rejected = 0
        self.timed_out = 0
        self.handled = 0
        self.handle_total = 0.0
        self.busy_seconds = 0.0
        self.staffed_seconds = 0.0


@dataclass(frozen=True, slots=True)
class AgentMetrics:
    agent_id: str
    presence: str
    interval_seconds: float
    active_conversations: int
    offered: int
    accepted: int
    rejected: int
    timed_out: int
    handled: int
    aht_seconds: float | None
    occupancy: float | None
    busy_seconds: float
    staffed_seconds: float
