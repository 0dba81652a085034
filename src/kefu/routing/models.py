"""Tables: each workspace's routing configuration (queues, rules, business hours) as data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.clock import utcnow
from kefu.store.db import Base, UtcDateTime


class RoutingSettings(Base):
    __tablename__ = "routing_settings"

    workspace_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.id"), primary_key=True
    )
    # What kefu.routing.load_config accepts; validated before it is stored.
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
