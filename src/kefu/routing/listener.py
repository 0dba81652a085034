"""How the engine tells the world what it decided.

The engine calls a :class:`RoutingListener` once per decision, after the operation that made it
has finished (so a listener may call back into the engine). The server implements it to persist
assignments and to push offers to agents and positions to customers; tests and the simulator use
:class:`CollectingListener` or subclass :class:`ListenerBase`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

from kefu.routing.config import Presence

WithdrawReason = Literal["rejected", "timeout", "abandoned", "agent_unavailable", "requeued"]


class RoutingListener(Protocol):
    def on_queued(self, conversation_id: str, queue_id: str, priority: int) -> None: ...

    def on_offer(self, conversation_id: str, agent_id: str, expires_at: float | None) -> None: ...

    def on_offer_withdrawn(
        self, conversation_id: str, agent_id: str, reason: WithdrawReason
    ) -> None: ...

    def on_assigned(
        self, conversation_id: str, agent_id: str, queue_id: str, wait_seconds: float
    ) -> None: ...

    def on_position_changed(
        self,
        conversation_id: str,
        queue_id: str,
        position: int,
        estimated_wait_seconds: float | None,
    ) -> None: ...

    def on_abandoned(self, conversation_id: str, queue_id: str, wait_seconds: float) -> None: ...

    def on_overflow(self, conversation_id: str, from_queue: str, to_queue: str) -> None: ...

    def on_presence_changed(self, agent_id: str, presence: Presence) -> None: ...


class ListenerBase:
    """A listener that ignores everything; subclass it and override what you need."""

    def on_queued(self, conversation_id: str, queue_id: str, priority: int) -> None:
        return None

    def on_offer(self, conversation_id: str, agent_id: str, expires_at: float | None) -> None:
        return None

    def on_offer_withdrawn(
        self, conversation_id: str, agent_id: str, reason: WithdrawReason
    ) -> None:
        return None

    def on_assigned(
        self, conversation_id: str, agent_id: str, queue_id: str, wait_seconds: float
    ) -> None:
        return None

    def on_position_changed(
        self,
        conversation_id: str,
        queue_id: str,
        position: int,
        estimated_wait_seconds: float | None,
    ) -> None:
        return None

    def on_abandoned(self, conversation_id: str, queue_id: str, wait_seconds: float) -> None:
        return None

    def on_overflow(self, conversation_id: str, from_queue: str, to_queue: str) -> None:
        return None

    def on_presence_changed(self, agent_id: str, presence: Presence) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Queued:
    conversation_id: str
    queue_id: str
    priority: int
    type: Literal["queued"] = "queued"


@dataclass(frozen=True, slots=True)
class Offered:
    conversation_id: str
    agent_id: str
    expires_at: float | None
    type: Literal["offered"] = "offered"


@dataclass(frozen=True, slots=True)
class OfferWithdrawn:
    conversation_id: str
    agent_id: str
    reason: WithdrawReason
    type: Literal["offer_withdrawn"] = "offer_withdrawn"


@dataclass(frozen=True, slots=True)
class Assigned:
    conversation_id: str
    agent_id: str
    queue_id: str
    wait_seconds: float
    type: Literal["assigned"] = "assigned"


@dataclass(frozen=True, slots=True)
class PositionChanged:
    conversation_id: str
    queue_id: str
    position: int
    estimated_wait_seconds: float | None
    type: Literal["position_changed"] = "position_changed"


@dataclass(frozen=True, slots=True)
class Abandoned:
    conversation_id: str
    queue_id: str
    wait_seconds: float
    type: Literal["abandoned"] = "abandoned"


@dataclass(frozen=True, slots=True)
class Overflowed:
    conversation_id: str
    from_queue: str
    to_queue: str
    type: Literal["overflowed"] = "overflowed"


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    agent_id: str
    presence: Presence
    type: Literal["presence_changed"] = "presence_changed"


RoutingEvent = (
    Queued
    | Offered
    | OfferWithdrawn
    | Assigned
    | PositionChanged
    | Abandoned
    | Overflowed
    | PresenceChanged
)


class CollectingListener:
    """Keeps every decision as a typed event, in order."""

    def __init__(self) -> None:
        self.events: list[RoutingEvent] = []

    def __iter__(self) -> Iterator[RoutingEvent]:
        return iter(self.events)

    def of_type(self, kind: str) -> list[RoutingEvent]:
        return [event for event in self.events if event.type == kind]

    def clear(self) -> None:
        self.events.clear()

    def on_queued(self, conversation_id: str, queue_id: str, priority: int) -> None:
        self.events.append(Queued(conversation_id, queue_id, priority))

    def on_offer(self, conversation_id: str, agent_id: str, expires_at: float | None) -> None:
        self.events.append(Offered(conversation_id, agent_id, expires_at))

    def on_offer_withdrawn(
        self, conversation_id: str, agent_id: str, reason: WithdrawReason
    ) -> None:
        self.events.append(OfferWithdrawn(conversation_id, agent_id, reason))

    def on_assigned(
        self, conversation_id: str, agent_id: str, queue_id: str, wait_seconds: float
    ) -> None:
        self.events.append(Assigned(conversation_id, agent_id, queue_id, wait_seconds))

    def on_position_changed(
        self,
        conversation_id: str,
        queue_id: str,
        position: int,
        estimated_wait_seconds: float | None,
    ) -> None:
        self.events.append(
            PositionChanged(conversation_id, queue_id, position, estimated_wait_seconds)
        )

    def on_abandoned(self, conversation_id: str, queue_id: str, wait_seconds: float) -> None:
        self.events.append(Abandoned(conversation_id, queue_id, wait_seconds))

    def on_overflow(self, conversation_id: str, from_queue: str, to_queue: str) -> None:
        self.events.append(Overflowed(conversation_id, from_queue, to_queue))

    def on_presence_changed(self, agent_id: str, presence: Presence) -> None:
        self.events.append(PresenceChanged(agent_id, presence))
