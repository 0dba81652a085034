"""Tables: contacts (customers) and their identities on each inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.compliance.columns import EncryptedText
from kefu.core.clock import utcnow
from kefu.store.db import Base, UtcDateTime


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    # Personal fields are sealed at rest; equality search goes through the keyed blind indexes.
    name: Mapped[str | None] = mapped_column(EncryptedText("contacts.name"), nullable=True)
    email: Mapped[str | None] = mapped_column(EncryptedText("contacts.email"), nullable=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText("contacts.phone"), nullable=True)
    email_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # The shop's own customer id, set by verified identity: merges a customer's channels.
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)


class ContactIdentity(Base):
    """How an inbox knows a contact: widget visitor id, API sender id or platform user id."""

    __tablename__ = "contact_identities"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    inbox_id: Mapped[str] = mapped_column(ForeignKey("inboxes.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("inbox_id", "external_id"),)
