"""Queue position and estimated wait for customers, sent in batches and only when changed.

Every departure from a queue moves everyone behind it, so announcing each move at once would cost
as many messages as there are people waiting, per decision. Instead a queue that changed arms one
timer (``position_update_seconds``); when it fires, the queue is walked once in service order and
a customer hears about it only if their position or rounded estimate differs from what they were
last told. The timer is armed by a change, so an idle queue costs nothing: there is no polling.

Estimated wait for position ``p``: ``p`` slots must free up, and with ``s`` staffed slots (online
or wrapping-up members' capacity for the queue's media) each handling ``AHT`` on average, one frees
every ``AHT / s``; so ``ETA = p * AHT / s``, rounded up to ``eta_granularity_seconds``. AHT starts
at the queue's ``expected_handle_seconds`` and follows observed handle times (moving average).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from kefu.routing.scheduler import Scheduler
from kefu.routing.state import WAITING, ConvState, QueueState

Notify = Callable[[str, str, int, float | None], None]


class PositionBoard:
    def __init__(
        self,
        *,
        interval: float | None,
        granularity: float,
        scheduler: Scheduler,
        notify: Notify,
        as_operation: Callable[[Callable[[], None]], None],
    ) -> None:
        self._interval = interval
        self._granularity = granularity
        self._scheduler = scheduler
        self._notify = notify
        self._as_operation = as_operation

    def mark(self, queue: QueueState) -> None:
        """The queue changed: make sure one update is due (None interval: updates are off)."""
        if self._interval is None or queue.flush_timer is not None:
            return
        queue.flush_timer = self._scheduler.call_at(
            self._scheduler.now() + self._interval,
            functools.partial(self._as_operation, functools.partial(self._flush, queue)),
        )

    def _flush(self, queue: QueueState) -> None:
        queue.flush_timer = None
        slots = staffed_slots(queue)
        for position, conv in enumerate(queue.ordered(), start=1):
            eta = self.eta(queue, position, slots)
            if position != conv.last_position or eta != conv.last_eta:
                conv.last_position = position
                conv.last_eta = eta
                self._notify(conv.id, queue.id, position, eta)

    def eta(self, queue: QueueState, position: int, slots: int) -> float | None:
        if slots <= 0:
            return None
        grain = self._granularity
        return math.ceil(position * queue.aht_estimate / slots / grain) * grain

    def position(self, conv: ConvState) -> tuple[int, float | None] | None:
        """Position and estimate of one waiting conversation, counted now (O(waiting))."""
        if conv.state != WAITING:
            return None
        queue = conv.queue
        mine = (conv.key0, conv.enqueued_at, conv.seq)
        ahead = sum(
            1
            for heap in queue.heaps
            for entry in heap
            if entry[4].token == entry[3] and (entry[0], entry[1], entry[2]) < mine
        )
        return ahead + 1, self.eta(queue, ahead + 1, staffed_slots(queue))


def staffed_slots(queue: QueueState) -> int:
    return sum(
        agent.capacity.get(queue.media, 0)
        for agent in queue.members.values()
        if agent.presence in ("online", "wrap_up")
    )
