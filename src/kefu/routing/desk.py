"""The ACD at work in the server: one routing engine per workspace, fed by conversation and
presence events, whose decisions become conversation assignments.

The engine stays the only place where routing decisions are made and is not thread-safe, so
the desk runs it on the event loop (``AsyncioScheduler``: offer timeouts, wrap-up and widening
are timers, not polling). It is rebuilt from the database the first time a workspace needs it:
its agents with their skills and presence, the conversations being handled, and the queued
ones in the order they queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kefu.agents.events import AgentPresenceChanged
from kefu.agents.models import Agent
from kefu.bus.events import Envelope
from kefu.conversations.events import ConversationCreated, ConversationUpdated
from kefu.conversations.models import Conversation
from kefu.conversations.schemas import ConversationRead
from kefu.conversations.service import route_to_agent
from kefu.core.errors import KefuError
from kefu.routing.config import AgentSpec, RoutingConfig, load_config
from kefu.routing.engine import RoutingEngine
from kefu.routing.listener import ListenerBase
from kefu.routing.model import ConversationRequest
from kefu.routing.models import RoutingSettings
from kefu.routing.scheduler import AsyncioScheduler
from kefu.store.db import transaction
from kefu.workspaces.models import Inbox

log = logging.getLogger(__name__)

# A workspace that has configured nothing gets one queue everybody serves.
DEFAULT_CONFIG: dict[str, Any] = {
    "default_queue": "general",
    "queues": [
        {"id": "general", "strategy": "longest_idle", "sl_seconds": 20, "auto_accept": True}
    ],
}
QueueNotice = Callable[[str, int, float | None], None]


def load_workspace_config(session: Session, workspace_id: str) -> RoutingConfig:
    row = session.get(RoutingSettings, workspace_id)
    return load_config(row.config if row else DEFAULT_CONFIG)


def agent_spec(agent: Agent, config: RoutingConfig) -> AgentSpec:
    """An agent as the engine sees it; without skills an agent serves every queue at level 5."""
    skills = dict(agent.skills or {})
    if not skills:
        skills = {q.skill or q.id: 5 for q in config.queues}
    return AgentSpec(
        id=agent.id,
        skills=skills,
        capacity={"chat": agent.capacity, "email": agent.capacity, "voice": 1},
    )


class _WorkspaceListener(ListenerBase):
    def __init__(self, desk: Desk, workspace_id: str) -> None:
        self.desk = desk
        self.workspace_id = workspace_id

    def on_assigned(
        self, conversation_id: str, agent_id: str, queue_id: str, wait_seconds: float
    ) -> None:
        self.desk.spawn(self.desk.record_assignment(conversation_id, agent_id))

    def on_position_changed(
        self,
        conversation_id: str,
        queue_id: str,
        position: int,
        estimated_wait_seconds: float | None,
    ) -> None:
        self.desk.notify_queue(conversation_id, position, estimated_wait_seconds)


class Desk:
    def __init__(self, factory: sessionmaker[Session], *, notify_queue: QueueNotice) -> None:
        self._factory = factory
        self.notify_queue = notify_queue
        self._engines: dict[str, RoutingEngine] = {}
        self._building: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ engines

    async def engine(self, workspace_id: str) -> RoutingEngine:
        engine = self._engines.get(workspace_id)
        if engine is not None:
            return engine
        lock = self._building.setdefault(workspace_id, asyncio.Lock())
        async with lock:
            engine = self._engines.get(workspace_id)
            if engine is None:
                engine = await self._build(workspace_id)
                self._engines[workspace_id] = engine
        return engine

    def loaded(self, workspace_id: str) -> RoutingEngine | None:
        return self._engines.get(workspace_id)

    async def reload(self, workspace_id: str) -> None:
        """Forget the workspace's engine (its configuration changed); rebuilt when next needed."""
        self._engines.pop(workspace_id, None)
        await self.engine(workspace_id)

    async def _build(self, workspace_id: str) -> RoutingEngine:
        def _read() -> tuple[RoutingConfig, list[Any], list[Any], list[Any]]:
            with transaction(self._factory) as session:
                config = load_workspace_config(session, workspace_id)
                agents = [
                    (agent_spec(a, config), a.presence)
                    for a in session.scalars(
                        select(Agent).where(Agent.workspace_id == workspace_id, Agent.active)
                    )
                ]
                rows = session.execute(
                    select(Conversation, Inbox.channel)
                    .join(Inbox, Inbox.id == Conversation.inbox_id)
                    .where(
                        Conversation.workspace_id == workspace_id,
                        Conversation.state.in_(("queued", "assigned")),
                    )
                    .order_by(Conversation.queued_at, Conversation.created_at)
                ).all()
                assigned = [
                    (c.id, c.assignee_id, channel, c.contact_id)
                    for c, channel in rows
                    if c.state == "assigned" and c.assignee_id
                ]
                queued = [
                    ConversationRequest(
                        id=c.id,
                        channel=channel,
                        contact_id=c.contact_id,
                        priority=c.priority or None,
                        enqueued_at=(c.queued_at or c.created_at).timestamp(),
                    )
                    for c, channel in rows
                    if c.state == "queued"
                ]
                return config, agents, assigned, queued

        config, agents, assigned, queued = await to_thread.run_sync(_read)
        engine = RoutingEngine(config, AsyncioScheduler(), _WorkspaceListener(self, workspace_id))
        for spec, _presence in agents:
            engine.add_agent(spec)
        for conv_id, agent_id, channel, contact_id in assigned:
            self._safely(
                engine.assign_to, conv_id, agent_id, channel=channel, contact_id=contact_id
            )
        for request in queued:
            self._safely(engine.enqueue, request)
        for spec, presence in agents:
            if presence != "offline":
                self._safely(engine.set_presence, spec.id, presence)
        return engine

    @staticmethod
    def _safely(call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            call(*args, **kwargs)
        except KefuError as exc:
            log.warning("routing: %s", exc.message)

    # ------------------------------------------------------------------ events in

    async def on_event(self, envelope: Envelope) -> None:
        ev = envelope.event
        if isinstance(ev, ConversationCreated | ConversationUpdated):
            engine = await self.engine(ev.workspace_id)
            self._follow(engine, ev.conversation, await self._channel(ev.inbox_id))
        elif isinstance(ev, AgentPresenceChanged):
            engine = await self.engine(ev.workspace_id)
            if ev.agent_id not in engine.agent_ids():
                await self.reload(ev.workspace_id)
                return
            self._safely(engine.set_presence, ev.agent_id, ev.presence)

    async def _channel(self, inbox_id: str) -> str:
        def _read() -> str:
            with self._factory() as session:
                inbox = session.get(Inbox, inbox_id)
                return inbox.channel if inbox else "web"

        return await to_thread.run_sync(_read)

    def _follow(self, engine: RoutingEngine, conv: ConversationRead, channel: str) -> None:
        """Bring the engine in line with what happened to the conversation in the database."""
        known = conv.id in engine.conversation_ids()
        status = engine.conversation_status(conv.id) if known else None
        if conv.state == "queued":
            if status is None:
                self._safely(
                    engine.enqueue,
                    ConversationRequest(
                        id=conv.id,
                        channel=channel,
                        contact_id=conv.contact.id,
                        text=conv.last_message.text if conv.last_message else "",
                        tags=frozenset(conv.tags),
                        priority=conv.priority or None,
                        enqueued_at=(conv.queued_at or conv.created_at).timestamp(),
                    ),
                )
            elif status.state == "assigned":
                self._safely(engine.requeue, conv.id)  # unassigned or reopened by hand
        elif conv.state == "assigned" and conv.assignee is not None:
            if status is None or status.agent_id != conv.assignee.id:
                self._safely(
                    engine.assign_to,
                    conv.id,
                    conv.assignee.id,
                    channel=channel,
                    contact_id=conv.contact.id,
                )
        elif status is not None:  # resolved, or back with the bot
            if status.state == "assigned":
                self._safely(engine.release, conv.id)
            else:
                self._safely(engine.abandon, conv.id)

    # ------------------------------------------------------------------ decisions out

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def record_assignment(self, conversation_id: str, agent_id: str) -> None:
        def _write() -> bool:
            with transaction(self._factory) as session:
                return route_to_agent(session, conversation_id=conversation_id, agent_id=agent_id)

        try:
            await to_thread.run_sync(_write)
        except Exception:
            log.exception("routing: could not record the assignment of %s", conversation_id)

    def position(self, workspace_id: str, conversation_id: str) -> tuple[int, float | None] | None:
        engine = self._engines.get(workspace_id)
        if engine is None or conversation_id not in engine.conversation_ids():
            return None
        return engine.position(conversation_id)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
