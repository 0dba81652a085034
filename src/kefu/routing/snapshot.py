"""Saving the engine to plain data and rebuilding it at start-up.

The server persists agents, assignments and queued conversations in its own tables; at start-up
it turns them into an :class:`EngineSnapshot` and calls :func:`restore_engine`. Waiting
conversations go back into their queues with their original enqueue times and priorities
(widening steps whose time has passed apply at once; one still inside its sticky window is held
for, or offered to, its agent again), then every online agent is fed, longest idle first, so the
best waiting work is offered straight away.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from kefu.core.errors import InvalidInput, NotFound
from kefu.routing.config import AgentSpec, RoutingConfig
from kefu.routing.engine import RoutingEngine
from kefu.routing.listener import RoutingListener
from kefu.routing.model import AgentSnapshot, Assignment, EngineSnapshot, WaitingConversation
from kefu.routing.scheduler import Scheduler
from kefu.routing.state import ASSIGNED, ConvState, QueueState


def take_snapshot(engine: RoutingEngine) -> EngineSnapshot:
    """Everything the engine holds, as plain data."""
    agents = []
    for agent in engine._agents.values():
        settable = agent.presence if agent.presence != "wrap_up" else agent.presence_after_wrap
        spec = AgentSpec(
            id=agent.id,
            skills=dict(agent.skills),
            capacity=dict(agent.capacity),
            presence=settable if settable in ("online", "away", "offline") else "online",
        )
        agents.append(
            AgentSnapshot(
                spec=spec,
                presence=agent.presence,
                free_since=agent.free_since,
                last_assigned_at=agent.last_assigned_at,
                wrap_up_until=agent.wrap_until,
                presence_after_wrap_up=agent.presence_after_wrap,
            )
        )
    waiting = []
    assignments = []
    for conv in engine._convs.values():
        if conv.state == ASSIGNED:
            assert conv.agent is not None
            assignments.append(
                Assignment(
                    conversation_id=conv.id,
                    agent_id=conv.agent.id,
                    queue_id=conv.queue.id,
                    channel=conv.channel,
                    assigned_at=conv.assigned_at,
                    enqueued_at=conv.enqueued_at,
                    contact_id=conv.contact_id,
                )
            )
        else:
            waiting.append(
                WaitingConversation(
                    id=conv.id,
                    queue_id=conv.queue.id,
                    channel=conv.channel,
                    enqueued_at=conv.enqueued_at,
                    queue_entered_at=conv.queue_entered_at,
                    priority=conv.priority,
                    contact_id=conv.contact_id,
                    last_agent_id=conv.last_agent_id,
                    declined_by=frozenset(conv.declined or ()),
                )
            )
    return EngineSnapshot(
        agents=tuple(agents),
        waiting=tuple(waiting),
        assignments=tuple(assignments),
        taken_at=engine.now(),
    )


def restore_engine(
    config: RoutingConfig,
    snapshot: EngineSnapshot,
    scheduler: Scheduler,
    listener: RoutingListener | None = None,
) -> RoutingEngine:
    """A new engine holding what the snapshot describes; raises InvalidInput if inconsistent."""
    engine = RoutingEngine(config, scheduler, listener)
    _check_unique((a.spec.id for a in snapshot.agents), "agent")
    _check_unique(
        [c.id for c in snapshot.waiting] + [a.conversation_id for a in snapshot.assignments],
        "conversation",
    )
    engine._depth += 1
    try:
        for saved in snapshot.agents:
            _restore_agent(engine, saved)
        for assignment in snapshot.assignments:
            _restore_assignment(engine, assignment)
        for waiting in sorted(snapshot.waiting, key=lambda w: (w.enqueued_at, w.id)):
            _restore_waiting(engine, waiting)
        online = [a for a in engine._agents.values() if a.presence == "online"]
        for agent in sorted(online, key=lambda a: (a.idle_key(), a.ord)):
            engine._feed(agent)
    finally:
        engine._depth -= 1
        engine._drain()
    return engine


def _check_unique(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise InvalidInput(f"snapshot lists {what} {item!r} twice")
        seen.add(item)


def _restore_agent(engine: RoutingEngine, saved: AgentSnapshot) -> None:
    agent = engine._add_agent_state(saved.spec, saved.presence)
    agent.free_since = saved.free_since
    agent.last_assigned_at = saved.last_assigned_at
    if saved.presence == "wrap_up":
        now = engine.now()
        agent.presence_after_wrap = saved.presence_after_wrap_up
        agent.wrap_started = now
        agent.wrap_until = saved.wrap_up_until if saved.wrap_up_until is not None else now
        agent.wrap_timer = engine._scheduler.call_at(
            agent.wrap_until, functools.partial(engine._on_wrap_end, agent)
        )
    engine._refresh(agent)


def _known_queue(engine: RoutingEngine, queue_id: str, media: str) -> QueueState:
    queue = engine._queues.get(queue_id)
    if queue is None:
        raise InvalidInput(f"snapshot refers to unknown queue {queue_id!r}")
    if queue.media != media:
        raise InvalidInput(f"snapshot puts {media} work in {queue.media} queue {queue_id!r}")
    return queue


def _restore_assignment(engine: RoutingEngine, saved: Assignment) -> None:
    try:
        agent = engine._agent(saved.agent_id)
    except NotFound as exc:
        raise InvalidInput(f"snapshot assigns to unknown agent {saved.agent_id!r}") from exc
    media = engine.config.media_for(saved.channel)
    queue = _known_queue(engine, saved.queue_id, media)
    conv = ConvState(
        saved.conversation_id,
        channel=saved.channel,
        media=media,
        contact_id=saved.contact_id,
        priority=0,
        enqueued_at=saved.enqueued_at,
        seq=next(engine._seq),
        queue=queue,
    )
    conv.state = ASSIGNED
    conv.agent = agent
    conv.assigned_at = saved.assigned_at
    conv.answered = True
    agent.load[media] = agent.load.get(media, 0) + 1
    agent.active[media] = agent.active.get(media, 0) + 1
    agent.conversations.add(conv.id)
    engine._convs[conv.id] = conv
    engine._refresh(agent)


def _restore_waiting(engine: RoutingEngine, saved: WaitingConversation) -> None:
    media = engine.config.media_for(saved.channel)
    queue = _known_queue(engine, saved.queue_id, media)
    conv = ConvState(
        saved.id,
        channel=saved.channel,
        media=media,
        contact_id=saved.contact_id,
        priority=saved.priority,
        enqueued_at=saved.enqueued_at,
        seq=next(engine._seq),
        queue=queue,
    )
    conv.last_agent_id = saved.last_agent_id
    conv.declined = set(saved.declined_by) or None
    conv.queue_entered_at = saved.queue_entered_at
    conv.key0 = queue.aging * conv.enqueued_at - conv.priority
    engine._convs[conv.id] = conv
    engine._schedule_step(conv)
    if engine._try_sticky(conv, engine.now()):  # still within its sticky window
        return
    queue.push(conv, next(engine._tokens))
    engine._mark_dirty(queue)
