"""Transactional outbox: an event is stored in the same transaction as the change it describes,
and handed to the bus only after that transaction commits.

A row left unpublished (the process died between commit and publish) is published again at
start-up, so subscribers see every event at least once and must be idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kefu.bus.backend import Bus
from kefu.bus.events import Envelope, Event
from kefu.core.clock import utcnow
from kefu.store.db import Base, UtcDateTime

_PENDING = "kefu_pending_events"
_BUS = "kefu_bus"
_REGISTRY = "kefu_event_types"


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    workspace_id: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)


def record(session: Session, ev: Event) -> None:
    """Store ``ev`` in the outbox within the session's transaction; it is published after commit."""
    row = OutboxRow(workspace_id=ev.workspace_id, topic=ev.type, payload=ev.model_dump(mode="json"))
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


def unpublished(session: Session, *, limit: int = 1000) -> list[OutboxRow]:
    stmt = (
        select(OutboxRow)
        .where(OutboxRow.published_at.is_(None))
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
