"""Events are stored with the change, published only after commit, and recovered after a crash."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Literal

import pytest
from sqlalchemy import select

from kefu.bus import outbox
from kefu.bus.events import Envelope, Event, event_type, parse_event
from kefu.store.db import make_engine, make_session_factory


@event_type
class Pinged(Event):
    type: Literal["test.pinged"] = "test.pinged"
    n: int


class CollectingBus:
    """A real Bus implementation that keeps what it is given."""

    def __init__(self) -> None:
        self.published: list[Envelope] = []

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        self.published.extend(envelopes)

    def subscribe(self, handler: Any) -> Any:
        return lambda: None


def _factory(factory: Any, bus: CollectingBus) -> Any:
    f = make_session_factory(
        make_engine(str(factory.kw["bind"].url.render_as_string(hide_password=False)))
    )
    outbox.bind(f, bus)
    return f


def test_published_after_commit_only(factory: Any) -> None:
    bus = CollectingBus()
    f = _factory(factory, bus)
    with f() as s, s.begin():
        outbox.record(s, Pinged(workspace_id="w", n=1))
        assert bus.published == []  # not before commit
    assert [e.event for e in bus.published] == [Pinged(workspace_id="w", n=1)]
    assert bus.published[0].outbox_id > 0

    def failing_change() -> None:
        with f() as s, s.begin():
            outbox.record(s, Pinged(workspace_id="w", n=2))
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        failing_change()
    assert len(bus.published) == 1  # a rolled-back change publishes nothing
    with f() as s:
        assert [r.payload["n"] for r in s.scalars(select(outbox.OutboxRow))] == [1]


def test_unpublished_rows_come_back_typed_and_marking_is_batched(factory: Any) -> None:
    bus = CollectingBus()
    f = _factory(factory, bus)
    with f() as s, s.begin():
        for n in range(3):
            outbox.record(s, Pinged(workspace_id="w", n=n))
    with f() as s:
        rows = outbox.unpublished(s)
    assert [parse_event(r.payload) for r in rows] == [
        Pinged(workspace_id="w", n=n) for n in range(3)
    ]

    marker = outbox.PublishedMarker(f)
    asyncio.run(marker.delivered(bus.published[:2]))
    asyncio.run(marker.flush())
    with f() as s:
        assert [r.payload["n"] for r in outbox.unpublished(s)] == [2]
