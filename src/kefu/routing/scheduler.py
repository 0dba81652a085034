"""Time for the routing engine: one small interface, a simulated clock and an asyncio clock.

The engine never sleeps and never polls. Everything that happens later (an offer expiring, a
wrap-up ending, a skill-widening step, a sticky reservation running out, a position update) is a
timer set through a :class:`Scheduler`. Two real implementations exist:

* :class:`SimulationScheduler` keeps a heap of timers and a virtual clock; the discrete-event
  simulator, the tests and the benchmarks drive it with :meth:`SimulationScheduler.run_until`.
* :class:`AsyncioScheduler` maps timers onto ``loop.call_at``; the server runs the engine on its
  event loop with it.

Times are float seconds on the Unix epoch (so enqueue times loaded from the database and business
hours in a time zone mean the same thing under both schedulers).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from kefu.core.errors import InvalidInput


@runtime_checkable
class TimerHandle(Protocol):
    """What :meth:`Scheduler.call_at` returns; pass it back to :meth:`Scheduler.cancel`."""

    @property
    def when(self) -> float: ...


class Scheduler(Protocol):
    """The engine's only source of time."""

    def now(self) -> float:
        """Current time, Unix epoch seconds."""
        ...

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` once at ``when`` (or as soon as possible if ``when`` is past)."""
        ...

    def cancel(self, handle: TimerHandle) -> None:
        """Forget a timer; cancelling a timer that already ran or was cancelled is a no-op."""
        ...


class SimTimer:
    """A timer in a :class:`SimulationScheduler`; cancelled timers stay in the heap, skipped."""

    __slots__ = ("_when", "callback", "cancelled")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self._when = when
        self.callback = callback
        self.cancelled = False

    @property
    def when(self) -> float:
        return self._when


class SimulationScheduler:
    """Discrete-event clock: timers fire in time order (ties in the order they were set)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._heap: list[tuple[float, int, SimTimer]] = []
        self._seq = itertools.count()
        self._cancelled = 0
        self.fired = 0

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, callback: Callable[[], None]) -> SimTimer:
        timer = SimTimer(max(when, self._now), callback)
        heapq.heappush(self._heap, (timer.when, next(self._seq), timer))
        return timer

    def cancel(self, handle: TimerHandle) -> None:
        if not isinstance(handle, SimTimer):
            raise InvalidInput("this timer does not belong to a SimulationScheduler")
        if not handle.cancelled:
            handle.cancelled = True
            self._cancelled += 1
            # Cancelled entries are skipped lazily; compact when they dominate the heap.
            if self._cancelled > 1024 and self._cancelled * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].cancelled]
                heapq.heapify(self._heap)
                self._cancelled = 0

    @property
    def pending(self) -> int:
        """Timers still due to fire."""
        return len(self._heap) - self._cancelled

    def next_time(self) -> float | None:
        """When the next live timer fires, or None when nothing is scheduled."""
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
            self._cancelled -= 1
        return self._heap[0][0] if self._heap else None

    def step(self) -> bool:
        """Fire the next live timer (advancing the clock to it); False when none is left."""
        while self._heap:
            when, _, timer = heapq.heappop(self._heap)
            if timer.cancelled:
                self._cancelled -= 1
                continue
            self._now = when
            timer.cancelled = True  # a handle cancelled after it ran must stay a no-op
            self.fired += 1
            timer.callback()
            return True
        return False

    def run_until(self, until: float) -> None:
        """Fire every timer due at or before ``until``, then set the clock to ``until``."""
        while True:
            nxt = self.next_time()
            if nxt is None or nxt > until:
                break
            self.step()
        self._now = max(self._now, until)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``, firing what falls due."""
        if seconds < 0:
            raise InvalidInput("cannot move the clock backwards")
        self.run_until(self._now + seconds)


class AsyncioTimer:
    """A timer on an asyncio loop."""

    __slots__ = ("_handle", "_when")

    def __init__(self, when: float, handle: asyncio.TimerHandle) -> None:
        self._when = when
        self._handle = handle

    @property
    def when(self) -> float:
        return self._when

    def cancel(self) -> None:
        self._handle.cancel()


class AsyncioScheduler:
    """Timers on an asyncio event loop; ``now()`` is wall-clock epoch time.

    ``loop.call_at`` takes the loop's monotonic clock, so an epoch deadline is converted with
    the offset measured when the timer is set; a wall-clock jump only shifts timers set
    afterwards, never reorders the ones already pending.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._loop = loop
        self._clock = clock

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def now(self) -> float:
        return self._clock()

    def call_at(self, when: float, callback: Callable[[], None]) -> AsyncioTimer:
        loop = self._get_loop()
        delay = max(0.0, when - self._clock())
        return AsyncioTimer(when, loop.call_at(loop.time() + delay, callback))

    def cancel(self, handle: TimerHandle) -> None:
        if not isinstance(handle, AsyncioTimer):
            raise InvalidInput("this timer does not belong to an AsyncioScheduler")
        handle.cancel()
