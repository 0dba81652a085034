"""Tables: outbound webhook deliveries of the API channel (retried, then dead-lettered)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.compliance.columns import EncryptedText
from kefu.core.clock import utcnow
from kefu.store.db import Base, UtcDateTime

DELIVERY_STATES = ("pending", "delivered", "dead")


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), index=True)
    inbox_id: Mapped[str] = mapped_column(ForeignKey("inboxes.id"))
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    body: Mapped[str] = mapped_column(EncryptedText("deliveries.body"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)
