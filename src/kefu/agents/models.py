"""Tables: agents, their login sessions and which inboxes they may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.clock import utcnow
from kefu.store.db import Base, UtcDateTime

ROLES = ("admin", "supervisor", "agent")
PRESENCES = ("online", "away", "offline")
LOCALES = ("zh-CN", "zh-TW", "en", "pl")


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    presence_changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    # Skill group → proficiency 1-10, for the ACD (kefu.routing).
    skills: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @property
    def sees_all_inboxes(self) -> bool:
        return self.role in ("admin", "supervisor")


class AgentSession(Base):
    __tablename__ = "agent_sessions"

    # SHA-256 of the bearer token: a stolen database does not yield usable sessions.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AgentInbox(Base):
    __tablename__ = "agent_inboxes"

    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    inbox_id: Mapped[str] = mapped_column(ForeignKey("inboxes.id"), primary_key=True)
