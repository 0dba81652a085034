"""Agent events."""

from __future__ import annotations

from typing import Literal

from kefu.bus.events import Event, event_type


@event_type
class AgentPresenceChanged(Event):
    type: Literal["agent.presence"] = "agent.presence"
    agent_id: str
    presence: str
