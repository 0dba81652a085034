"""The bus interface and its in-process backend (Redis Streams / NATS would implement the same)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from kefu.bus.events import Envelope

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]


class Bus(Protocol):
    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Hand committed events to the bus; safe to call from any thread, never blocks."""

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` for every event, in publish order; returns an unsubscribe function."""


class InProcessBus:
    """Delivers events to async handlers on one event loop, in the order they were published.

    ``publish`` may be called from worker threads (database work runs there); events are queued
    thread-safely and one consumer task delivers them, so handlers never run concurrently and a
    conversation's events arrive in commit order.
    """

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Sequence[Envelope]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = threading.Lock()
        self._early: list[Sequence[Envelope]] = []
        self.delivered: Callable[[Sequence[Envelope]], Awaitable[None]] | None = None

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        self._handlers.append(handler)
        return lambda: self._handlers.remove(handler)

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        with self._lock:
            loop, queue = self._loop, self._queue
            if loop is None or queue is None:
                self._early.append(envelopes)
                return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            queue.put_nowait(envelopes)
        else:
            loop.call_soon_threadsafe(queue.put_nowait, envelopes)

    async def start(self) -> None:
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue()
            for batch in self._early:
                self._queue.put_nowait(batch)
            self._early.clear()
        self._task = asyncio.create_task(self._consume(), name="kefu-bus")

    async def drain(self) -> None:
        """Wait until every event published so far has been handed to every handler."""
        if self._queue is not None:
            await self._queue.join()

    async def stop(self) -> None:
        if self._queue is not None:
            await self._queue.join()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with self._lock:
            self._loop = None
            self._queue = None

    async def _consume(self) -> None:
        assert self._queue is not None
        while True:
            batch = await self._queue.get()
            try:
                for envelope in batch:
                    for handler in list(self._handlers):
                        try:
                            await handler(envelope)
                        except Exception:
                            log.exception("event handler failed for %s", envelope.event.type)
                if self.delivered is not None:
                    try:
                        await self.delivered(batch)
                    except Exception:
                        log.exception("marking events delivered failed")
            finally:
                self._queue.task_done()
