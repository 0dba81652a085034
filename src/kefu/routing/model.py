"""Plain data passed into and out of the engine: requests, and the snapshot it is rebuilt from."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.routing.config import AgentSpec, Presence


@dataclass(frozen=True, slots=True)
class ConversationRequest:
    """A conversation asking for an agent.

    ``queue_id`` skips the routing rules; ``last_agent_id`` is the agent who last served this
    contact (for the sticky strategy; the engine also remembers it by ``contact_id``).
    ``enqueued_at`` keeps the original wait when a conversation is re-queued or restored.
    """

    id: str
    channel: str = "web"
    contact_id: str | None = None
    language: str | None = None
    intent: str | None = None
    text: str = ""
    tags: frozenset[str] = frozenset()
    priority: int | None = None
    queue_id: str | None = None
    last_agent_id: str | None = None
    enqueued_at: float | None = None


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """An agent at a point in time: the spec, its presence and its idle bookkeeping.

    ``wrap_up_until`` is set when ``presence`` is ``wrap_up``; ``presence_after_wrap_up`` is the
    presence it returns to then.
    """

    spec: AgentSpec
    presence: Presence
    free_since: float
    last_assigned_at: float
    wrap_up_until: float | None = None
    presence_after_wrap_up: Presence = "online"


@dataclass(frozen=True, slots=True)
class WaitingConversation:
    """A conversation still waiting (or offered but not accepted) when the snapshot was taken."""

    id: str
    queue_id: str
    channel: str
    enqueued_at: float
    queue_entered_at: float
    priority: int
    contact_id: str | None = None
    last_agent_id: str | None = None
    declined_by: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Assignment:
    """A conversation an agent is handling."""

    conversation_id: str
    agent_id: str
    queue_id: str
    channel: str
    assigned_at: float
    enqueued_at: float
    contact_id: str | None = None


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """Everything needed to rebuild the engine after a restart (configuration comes apart).

    Offers in flight are saved as waiting conversations: after a restart they are offered
    again, which is safe because an offer is only a proposal until the agent accepts it.
    """

    agents: tuple[AgentSnapshot, ...] = ()
    waiting: tuple[WaitingConversation, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    taken_at: float = 0.0
