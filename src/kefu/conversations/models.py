"""Tables: conversations, their messages (the transcript), tags and canned responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kefu.compliance.columns import EncryptedText
from kefu.core.clock import utcnow
from kefu.store.db import Base, UtcDateTime

STATES = ("bot", "queued", "assigned", "resolved")
SENDER_KINDS = ("contact", "bot", "agent", "system")
DELIVERY_STATUSES = ("received", "pending", "sent", "delivered", "read", "failed")


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    inbox_id: Mapped[str] = mapped_column(ForeignKey("inboxes.id"))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    # Last allocated message sequence number; bumped under the row lock, so seq is gap-free.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    handoff_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # What the bot last recognised (routing rules and the console read it).
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_conversations_ws_activity", "workspace_id", "last_message_at"),
        Index("ix_conversations_inbox_contact", "inbox_id", "contact_id"),
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    inbox_id: Mapped[str] = mapped_column(ForeignKey("inboxes.id"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(3))
    sender_kind: Mapped[str] = mapped_column(String(8))
    sender_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Sealed with the workspace keyring when encryption at rest is on (kefu.compliance.columns).
    text: Mapped[str] = mapped_column(EncryptedText("messages.text"))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Structured parts beside the text: quick-reply buttons and a card (bot messages), or the
    # payload of the button a customer pressed (inbound). Never HTML.
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    client_message_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Platform's id for inbound messages: the idempotency key of ingest.
    channel_message_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    delivery_status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("inbox_id", "channel_message_id"),
    )


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class ConversationTag(Base):
    __tablename__ = "conversation_tags"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    tag_id: Mapped[str] = mapped_column(ForeignKey("tags.id"), primary_key=True)


class CannedResponse(Base):
    __tablename__ = "canned_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    short_code: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("workspace_id", "short_code"),)
