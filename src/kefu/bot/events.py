"""Bot events, published after commit."""

from __future__ import annotations

from typing import Literal

from kefu.bus.events import Event, event_type


@event_type
class KnowledgeChanged(Event):
    """A new knowledge version serves the workspace (edit, import or rollback): rebuild."""

    type: Literal["bot.knowledge_changed"] = "bot.knowledge_changed"
    version: int
