"""Test desk for the routing tests: an engine on a simulated clock with a collecting listener."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kefu.routing import (
    AgentSpec,
    CollectingListener,
    ConversationRequest,
    QueueConfig,
    RoutingConfig,
    RoutingEngine,
    SimulationScheduler,
)
from kefu.routing.listener import Assigned, Offered

START = 1_700_000_000.0  # a Tuesday, 22:13 UTC


@dataclass
class Desk:
    engine: RoutingEngine
    clock: SimulationScheduler
    events: CollectingListener

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def enqueue(self, conv_id: str, **kwargs: Any) -> str:
        return self.engine.enqueue(ConversationRequest(id=conv_id, **kwargs))

    def offers(self) -> list[tuple[str, str]]:
        return [(e.conversation_id, e.agent_id) for e in self.events if isinstance(e, Offered)]

    def assignments(self) -> list[tuple[str, str]]:
        return [(e.conversation_id, e.agent_id) for e in self.events if isinstance(e, Assigned)]

    def last_offer(self) -> tuple[str, str]:
        offers = self.offers()
        assert offers, "no offer was made"
        return offers[-1]


def agent(agent_id: str, presence: str = "online", **kwargs: Any) -> AgentSpec:
    kwargs.setdefault("skills", {"sales": 5})
    kwargs.setdefault("capacity", {"chat": 1})
    return AgentSpec(id=agent_id, presence=presence, **kwargs)


def queue(queue_id: str = "sales", **kwargs: Any) -> QueueConfig:
    return QueueConfig(id=queue_id, **kwargs)


DeskFactory = Callable[..., Desk]


def build_desk(
    queues: Sequence[QueueConfig] | None = None,
    agents: Sequence[AgentSpec] = (),
    start: float = START,
    **config: Any,
) -> Desk:
    """Positions are off unless asked for, so tests see only the events they are about."""
    qs = tuple(queues) if queues is not None else (queue(),)
    config.setdefault("default_queue", qs[0].id)
    config.setdefault("position_update_seconds", None)
    routing = RoutingConfig(queues=qs, **config)
    clock = SimulationScheduler(start)
    events = CollectingListener()
    engine = RoutingEngine(routing, clock, events)
    for spec in agents:
        engine.add_agent(spec)
    return Desk(engine, clock, events)
