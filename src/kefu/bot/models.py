"""Tables: each workspace's bot knowledge (versioned), the dialogue state of each conversation,
the questions the bot could not answer (the learning loop's input) and CSAT ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.compliance.columns import EncryptedText
from kefu.core.clock import utcnow
from kefu.store.db import Base, UtcDateTime


class BotProfile(Base):
    """Which knowledge version serves a workspace now."""

    __tablename__ = "bot_profiles"

    workspace_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.id"), primary_key=True
    )
    current_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class KnowledgeVersion(Base):
    """One saved state of a workspace's knowledge base; never changed once written, so the
    history is exact and a rollback is a new version with an old content."""

    __tablename__ = "bot_knowledge_versions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    version: Mapped[int] = mapped_column(Integer)
    # kefu.bot.knowledge.Knowledge as JSON: packs per language and FAQ pairs.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("workspace_id", "version"),)


class BotConversationState(Base):
    """The dialogue engine's state for one conversation (``DialogueState.to_dict``)."""

    __tablename__ = "bot_conversation_states"

    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class UnansweredQuestion(Base):
    """A customer message the bot did not understand, or handed off on."""

    __tablename__ = "bot_unanswered"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    conversation_id: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(32), unique=True)
    # Customer text: sealed like message bodies when encryption at rest is on.
    text: Mapped[str] = mapped_column(EncryptedText("bot_unanswered.text"))
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index("ix_bot_unanswered_ws_created", "workspace_id", "created_at"),)


class CsatRating(Base):
    """A customer's 1-5 rating of a conversation, asked by the bot after it was resolved."""

    __tablename__ = "csat_ratings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
