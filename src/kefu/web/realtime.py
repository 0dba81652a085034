"""Real-time fan-out to websocket clients, with resume.

Agent console: every event gets an id from one increasing counter (started from the clock, so
ids of an earlier process are always older); each workspace keeps its recent events, and a
client that reconnects with its last id receives exactly what it missed, or is told to resync
when those events are gone. Registering and replaying happen without an ``await`` in between,
so no live event can slip between the replay and the live stream.

Widget: messages are replayed from the database by per-conversation ``seq`` (gap-free), live
ones are pushed here; each connection skips what it has already sent.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from kefu.agents.events import AgentPresenceChanged
from kefu.bus.events import Envelope
from kefu.conversations.events import ConversationCreated, ConversationUpdated, MessageCreated

QUEUE_LIMIT = 2000


@dataclass(eq=False)
class AgentConnection:
    agent_id: str
    workspace_id: str
    inbox_ids: set[str]
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    overflowed: bool = False

    def push(self, frame: dict[str, Any]) -> None:
        if self.queue.qsize() >= QUEUE_LIMIT:
            # A client this far behind cannot catch up live: tell it to resync and drop it.
            self.overflowed = True
            return
        self.queue.put_nowait(frame)

    def sees(self, inbox_id: str | None) -> bool:
        return inbox_id is None or inbox_id in self.inbox_ids


@dataclass(slots=True)
class _Buffered:
    id: int
    inbox_id: str | None
    body: dict[str, Any]


class AgentHub:
    def __init__(self, *, buffer_per_workspace: int = 10_000) -> None:
        self._ids = itertools.count(int(time.time() * 1000) * 1000)
        self.start_id = next(self._ids)
        self._last_id = self.start_id
        self._buffer_size = buffer_per_workspace
        self._buffers: dict[str, deque[_Buffered]] = {}
        self._evicted_upto: dict[str, int] = {}
        self._connections: set[AgentConnection] = set()

    @property
    def last_id(self) -> int:
        return self._last_id

    def _emit(
        self, workspace_id: str, inbox_id: str | None, body: dict[str, Any], *, keep: bool
    ) -> None:
        event_id = next(self._ids)
        self._last_id = event_id
        if keep:
            buf = self._buffers.setdefault(workspace_id, deque())
            if len(buf) >= self._buffer_size:
                self._evicted_upto[workspace_id] = buf.popleft().id
            buf.append(_Buffered(event_id, inbox_id, body))
        frame = {"type": "event", "id": event_id, "event": body}
        for conn in self._connections:
            if conn.workspace_id == workspace_id and conn.sees(inbox_id):
                conn.push(frame)

    async def on_event(self, envelope: Envelope) -> None:
        ev = envelope.event
        if isinstance(ev, MessageCreated):
            body: dict[str, Any] = {
                "type": ev.type,
                "conversation_id": ev.conversation_id,
                "message": ev.message.model_dump(mode="json"),
            }
            self._emit(ev.workspace_id, ev.inbox_id, body, keep=True)
        elif isinstance(ev, ConversationCreated | ConversationUpdated):
            body = {"type": ev.type, "conversation": ev.conversation.model_dump(mode="json")}
            self._emit(ev.workspace_id, ev.inbox_id, body, keep=True)
        elif isinstance(ev, AgentPresenceChanged):
            body = {"type": ev.type, "agent_id": ev.agent_id, "presence": ev.presence}
            self._emit(ev.workspace_id, None, body, keep=True)

    def typing(self, workspace_id: str, inbox_id: str, conversation_id: str, *, on: bool) -> None:
        body = {"type": "typing", "conversation_id": conversation_id, "who": "contact", "on": on}
        self._emit(workspace_id, inbox_id, body, keep=False)

    def connect(self, conn: AgentConnection, last_event_id: int | None) -> dict[str, Any]:
        """Register ``conn`` and queue what it missed; returns the frame that opens the stream."""
        self._connections.add(conn)
        if last_event_id is None:
            return {"type": "welcome", "event_id": self._last_id}
        evicted = self._evicted_upto.get(conn.workspace_id, self.start_id)
        if last_event_id < evicted or last_event_id > self._last_id:
            return {"type": "resync", "event_id": self._last_id}
        for item in self._buffers.get(conn.workspace_id, ()):
            if item.id > last_event_id and conn.sees(item.inbox_id):
                conn.push({"type": "event", "id": item.id, "event": item.body})
        return {"type": "resumed", "event_id": self._last_id}

    def disconnect(self, conn: AgentConnection) -> None:
        self._connections.discard(conn)

    def connected_agent_ids(self, workspace_id: str) -> set[str]:
        return {c.agent_id for c in self._connections if c.workspace_id == workspace_id}


@dataclass(eq=False)
class WidgetConnection:
    inbox_id: str
    workspace_id: str
    external_id: str
    conversation_id: str | None
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    max_seq_sent: int = 0


class WidgetHub:
    def __init__(self) -> None:
        self._by_conversation: dict[str, set[WidgetConnection]] = {}
        self._by_visitor: dict[tuple[str, str], set[WidgetConnection]] = {}

    def connect(self, conn: WidgetConnection) -> None:
        self._by_visitor.setdefault((conn.inbox_id, conn.external_id), set()).add(conn)
        if conn.conversation_id:
            self._by_conversation.setdefault(conn.conversation_id, set()).add(conn)

    def bind(self, conn: WidgetConnection, conversation_id: str) -> None:
        """The visitor's conversation is known (first message): bind all their open tabs."""
        for other in self._by_visitor.get((conn.inbox_id, conn.external_id), set()):
            if other.conversation_id != conversation_id:
                if other.conversation_id:
                    self._by_conversation.get(other.conversation_id, set()).discard(other)
                other.conversation_id = conversation_id
            self._by_conversation.setdefault(conversation_id, set()).add(other)

    def disconnect(self, conn: WidgetConnection) -> None:
        key = (conn.inbox_id, conn.external_id)
        self._by_visitor.get(key, set()).discard(conn)
        if not self._by_visitor.get(key):
            self._by_visitor.pop(key, None)
        if conn.conversation_id:
            conns = self._by_conversation.get(conn.conversation_id, set())
            conns.discard(conn)
            if not conns:
                self._by_conversation.pop(conn.conversation_id, None)

    async def on_event(self, envelope: Envelope) -> None:
        ev = envelope.event
        if isinstance(ev, MessageCreated) and not ev.message.private:
            frame = {"type": "message", "message": ev.message.public()}
            for conn in self._by_conversation.get(ev.conversation_id, ()):
                conn.queue.put_nowait(frame)

    def queue_position(
        self, conversation_id: str, position: int, estimated_wait_seconds: float | None
    ) -> None:
        """Tell the customer their place in the queue and the expected wait."""
        frame = {
            "type": "queue",
            "position": position,
            "estimated_wait_seconds": estimated_wait_seconds,
        }
        for conn in self._by_conversation.get(conversation_id, ()):
            conn.queue.put_nowait(frame)

    def agent_typing(self, conversation_id: str, *, on: bool) -> None:
        for conn in self._by_conversation.get(conversation_id, ()):
            conn.queue.put_nowait({"type": "typing", "who": "agent", "on": on})

    def count(self) -> int:
        return sum(len(v) for v in self._by_visitor.values())
