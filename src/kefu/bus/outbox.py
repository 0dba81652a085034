"""Transactional outbox: an event is stored in the same transaction as the change it describes,
and handed to the bus only after that transaction commits.

A row left unpublished (the process died between commit and publish) is published again at
start-up, so subscribers see every event at least once and must be idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from anyio import to_thread
from sqlalchemy import BigInteger, Index, Integer, String, delete, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kefu.bus.backend import Bus
from kefu.bus.events import Envelope, Event
from kefu.compliance.columns import EncryptedText
from kefu.core.clock import utcnow
from kefu.store.db import Base, UtcDateTime

log = logging.getLogger(__name__)
_PENDING = "kefu_pending_events"
_BUS = "kefu_bus"
_REGISTRY = "kefu_event_types"


class OutboxRow(Base):
    """One event; ``payload`` is the event's JSON."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    workspace_id: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64))
    # Events carry message text and contact names: sealed at rest like the tables they mirror.
    payload_json: Mapped[str] = mapped_column("payload", EncryptedText("outbox.payload"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.payload_json)
        return data


def record(session: Session, ev: Event) -> None:
    """Store ``ev`` in the outbox within the session's transaction; it is published after commit."""
    row = OutboxRow(workspace_id=ev.workspace_id, topic=ev.type, payload_json=ev.model_dump_json())
    session.add(row)
    session.info.setdefault(_PENDING, []).append((row, ev))


def bind(factory: sessionmaker[Session], bus: Bus) -> None:
    """Make every session of ``factory`` publish its recorded events to ``bus`` after commit."""
    factory.kw.setdefault("info", {})[_BUS] = bus

    @event.listens_for(factory, "after_commit")
    def _publish(session: Session) -> None:
        pending = session.info.pop(_PENDING, None)
        if not pending:
            return
        envelopes = [Envelope(outbox_id=row.id, event=ev) for row, ev in pending]
        session.info[_BUS].publish(envelopes)

    @event.listens_for(factory, "after_rollback")
    def _discard(session: Session) -> None:
        session.info.pop(_PENDING, None)


def mark_published(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(
            update(OutboxRow).where(OutboxRow.id.in_(ids)).values(published_at=utcnow())
        )


def purge_published(session: Session, *, older_than_seconds: float) -> int:
    """Delete published rows older than the given age: the outbox is not an archive."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    result = session.execute(
        delete(OutboxRow).where(
            OutboxRow.published_at.is_not(None), OutboxRow.published_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unpublished(session: Session, *, limit: int = 1000) -> list[OutboxRow]:
    stmt = (
        select(OutboxRow)
        .where(OutboxRow.published_at.is_(None))
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


class PublishedMarker:
    """Marks delivered events as published in one UPDATE per interval, not one per event:
    marking is bookkeeping for crash recovery and must not compete with message writes."""

    def __init__(self, factory: sessionmaker[Session], *, interval_seconds: float = 1.0) -> None:
        self._factory = factory
        self._interval = interval_seconds
        self.retention_seconds = 3600.0
        self._ids: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def delivered(self, batch: Sequence[Envelope]) -> None:
        self._ids.extend(e.outbox_id for e in batch)

    async def flush(self) -> None:
        ids, self._ids = self._ids, []
        if not ids:
            return

        def _mark() -> None:
            with self._factory() as session, session.begin():
                mark_published(session, ids)
                purge_published(session, older_than_seconds=self.retention_seconds)

        await to_thread.run_sync(_mark)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:
                log.exception("marking outbox rows published failed; will retry")

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kefu-outbox-marker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
