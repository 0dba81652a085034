"""Websocket endpoints: the agent console stream and the widget's chat connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from kefu.agents import service as agents
from kefu.agents.models import Agent
from kefu.channels import widget
from kefu.conversations import service as conversations
from kefu.core.errors import KefuError, NotFound
from kefu.store.db import transaction
from kefu.web.deps import authenticate, bearer_token
from kefu.web.realtime import AgentConnection, WidgetConnection
from kefu.web.state import AppState

log = logging.getLogger(__name__)
router = APIRouter()

HELLO_TIMEOUT_SECONDS = 10.0
MAX_FRAME_BYTES = 64 * 1024
CLOSE_POLICY = 4401  # credentials refused
CLOSE_PROTOCOL = 4400  # malformed hello


def _state(ws: WebSocket) -> AppState:
    state: AppState = ws.app.state.kefu
    return state


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, **extra}


async def _receive_json(ws: WebSocket, timeout: float | None = None) -> dict[str, Any] | None:
    """The next JSON object from the client; None for a frame that is not one (reported)."""
    raw = await asyncio.wait_for(ws.receive_text(), timeout=timeout)
    if len(raw.encode()) > MAX_FRAME_BYTES:
        await ws.send_json(_error("payload_too_large", f"frame over {MAX_FRAME_BYTES} bytes"))
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        await ws.send_json(_error("invalid_json", "frame is not valid JSON"))
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        await ws.send_json(_error("invalid_input", "frame must be an object with a 'type'"))
        return None
    return data


async def _serve(
    ws: WebSocket,
    pump: Coroutine[Any, Any, None],
    handle: Callable[[dict[str, Any]], Awaitable[None]],
    on_close: Callable[[], None],
) -> None:
    """Run a connection: ``pump`` sends queued frames while client frames go to ``handle``."""
    task = asyncio.create_task(pump)
    try:
        while True:
            frame = await _receive_json(ws)
            if frame is not None:
                await handle(frame)
    except WebSocketDisconnect:
        pass
    finally:
        on_close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


# ---------------------------------------------------------------- agent console


@router.websocket("/ws/agent")
async def agent_socket(ws: WebSocket) -> None:
    state = _state(ws)
    token = bearer_token(ws) or ws.query_params.get("token")

    def _auth() -> tuple[Agent, set[str]]:
        with transaction(state.factory) as session:
            agent = authenticate(session, token)
            return agent, agents.accessible_inbox_ids(session, agent=agent)

    await ws.accept()
    try:
        agent, inbox_ids = await to_thread.run_sync(_auth)
    except KefuError as exc:
        await ws.send_json(_error(exc.code, exc.message))
        await ws.close(code=CLOSE_POLICY)
        return
    try:
        hello = await _receive_json(ws, timeout=HELLO_TIMEOUT_SECONDS)
        last_id = _int_or_none(hello.get("last_event_id")) if hello else None
        if hello is None or hello["type"] != "hello":
            raise ValueError("expected hello")
    except (TimeoutError, ValueError):
        await ws.send_json(
            _error("invalid_input", "first frame must be {type: hello, last_event_id}")
        )
        await ws.close(code=CLOSE_PROTOCOL)
        return
    except WebSocketDisconnect:
        return
    conn = AgentConnection(agent_id=agent.id, workspace_id=agent.workspace_id, inbox_ids=inbox_ids)
    opening = state.agents.connect(conn, last_id)
    await _serve(
        ws,
        _pump_agent(ws, conn, opening),
        lambda frame: _agent_frame(ws, state, agent, conn, frame),
        lambda: state.agents.disconnect(conn),
    )


async def _pump_agent(ws: WebSocket, conn: AgentConnection, opening: dict[str, Any]) -> None:
    # Replayed events are queued before the opening frame is sent; the client reads the
    # opening frame first only for welcome/resync, so send it ahead of the queue.
    if opening["type"] == "resumed":
        while not conn.queue.empty():
            await ws.send_json(conn.queue.get_nowait())
    await ws.send_json(opening)
    while True:
        frame = await conn.queue.get()
        if conn.overflowed:
            await ws.send_json({"type": "resync", "event_id": frame.get("id")})
            await ws.close(code=1013)
            return
        await ws.send_json(frame)


async def _agent_frame(
    ws: WebSocket, state: AppState, agent: Agent, conn: AgentConnection, frame: dict[str, Any]
) -> None:
    kind = frame["type"]
    if kind == "ping":
        await ws.send_json({"type": "pong"})
    elif kind == "typing":
        conversation_id = str(frame.get("conversation_id") or "")

        def _check() -> str:
            with transaction(state.factory) as session:
                conv = conversations.get_for_agent(
                    session, agent=agent, conversation_id=conversation_id
                )
                return conv.id

        try:
            conv_id = await to_thread.run_sync(_check)
        except NotFound as exc:
            await ws.send_json(_error(exc.code, exc.message))
            return
        state.widgets.agent_typing(conv_id, on=bool(frame.get("on")))
    else:
        await ws.send_json(_error("invalid_input", f"unknown frame type {kind!r}"))


# ---------------------------------------------------------------- widget


@router.websocket("/ws/widget")
async def widget_socket(ws: WebSocket) -> None:
    state = _state(ws)
    inbox_token = ws.query_params.get("inbox", "")
    await ws.accept()
    try:
        hello = await _receive_json(ws, timeout=HELLO_TIMEOUT_SECONDS)
        if hello is None or hello["type"] != "hello":
            raise ValueError("expected hello")
        last_seq = _int_or_none(hello.get("last_seq"))
        identity = hello.get("identity")
        if identity is not None and not isinstance(identity, dict):
            raise ValueError("identity must be an object")
        token_value = hello.get("visitor_token")
        if token_value is not None and not isinstance(token_value, str):
            raise ValueError("visitor_token must be a string")
    except (TimeoutError, ValueError):
        await ws.send_json(_error("invalid_input", "first frame must be {type: hello, ...}"))
        await ws.close(code=CLOSE_PROTOCOL)
        return
    except WebSocketDisconnect:
        return
    try:
        visitor, welcome = await to_thread.run_sync(
            lambda: widget.hello(
                state.factory,
                secret_key=state.settings.secret_key.get_secret_value(),
                token_ttl_seconds=state.settings.visitor_token_ttl_seconds,
                inbox_token=inbox_token,
                visitor_token_value=token_value,
                identity=identity,
                last_seq=last_seq,
            )
        )
    except KefuError as exc:
        await ws.send_json(_error(exc.code, exc.message))
        await ws.close(code=CLOSE_POLICY if exc.status in (401, 403, 404) else CLOSE_PROTOCOL)
        return
    conn = WidgetConnection(
        inbox_id=visitor.inbox_id,
        workspace_id=visitor.workspace_id,
        external_id=visitor.external_id,
        conversation_id=visitor.conversation_id,
    )
    # Register before the replay is sent: live messages queue up meanwhile, and the pump skips
    # any seq the replay already covered. (The replay was read after registration would be
    # ideal; reading first and skipping duplicates by seq gives the same result.)
    state.widgets.connect(conn)
    if welcome["messages"]:
        conn.max_seq_sent = max(m["seq"] for m in welcome["messages"])
    elif last_seq:
        conn.max_seq_sent = last_seq
    if conn.conversation_id:
        place = state.desk.position(visitor.workspace_id, conn.conversation_id)
        if place is not None:
            welcome["queue"] = {"position": place[0], "estimated_wait_seconds": place[1]}
    await ws.send_json(welcome)
    if conn.conversation_id:
        await _widget_catch_up(state, conn)
    await _serve(
        ws,
        _pump_widget(ws, conn),
        lambda frame: _widget_frame(ws, state, visitor, conn, frame),
        lambda: state.widgets.disconnect(conn),
    )


async def _widget_catch_up(state: AppState, conn: WidgetConnection) -> None:
    """Queue messages committed between the welcome's read and the registration."""
    conversation_id = conn.conversation_id
    assert conversation_id is not None

    def _read() -> list[dict[str, Any]]:
        with transaction(state.factory) as session:
            rows = conversations.messages_after(
                session,
                conversation_id=conversation_id,
                after_seq=conn.max_seq_sent,
                include_private=False,
            )
            return [conversations.message_read(session, m).public() for m in rows]

    missed = await to_thread.run_sync(_read)
    # Merge with what was queued live meanwhile, in seq order (no await from here on, so
    # nothing else touches the queue): the pump then never skips past an unsent seq.
    queued: list[dict[str, Any]] = []
    while not conn.queue.empty():
        queued.append(conn.queue.get_nowait())
    by_seq = {m["seq"]: {"type": "message", "message": m} for m in missed}
    others = []
    for frame in queued:
        if frame["type"] == "message":
            by_seq[frame["message"]["seq"]] = frame
        else:
            others.append(frame)
    for seq in sorted(by_seq):
        conn.queue.put_nowait(by_seq[seq])
    for frame in others:
        conn.queue.put_nowait(frame)


async def _pump_widget(ws: WebSocket, conn: WidgetConnection) -> None:
    while True:
        frame = await conn.queue.get()
        if frame["type"] == "message":
            seq = frame["message"]["seq"]
            if seq <= conn.max_seq_sent:
                continue
            conn.max_seq_sent = seq
        await ws.send_json(frame)


async def _widget_frame(
    ws: WebSocket,
    state: AppState,
    visitor: widget.Visitor,
    conn: WidgetConnection,
    frame: dict[str, Any],
) -> None:
    kind = frame["type"]
    if kind == "message":
        client_id = str(frame.get("client_id") or "")
        text = frame.get("text")
        payload = frame.get("payload")
        if not isinstance(text, str):
            await ws.send_json(
                _error("invalid_input", "text must be a string", client_id=client_id)
            )
            return
        if payload is not None and not isinstance(payload, str):
            await ws.send_json(
                _error("invalid_input", "payload must be a string", client_id=client_id)
            )
            return
        try:
            result = await to_thread.run_sync(
                lambda: widget.post_message(
                    state.factory,
                    visitor=visitor,
                    client_id=client_id,
                    text=text,
                    limits=state.limits,
                    payload=payload,
                )
            )
        except KefuError as exc:
            await ws.send_json(_error(exc.code, exc.message, client_id=client_id))
            return
        if conn.conversation_id != result.conversation_id:
            state.widgets.bind(conn, result.conversation_id)
        await ws.send_json(
            {"type": "ack", "client_id": client_id, "message": result.message.public()}
        )
    elif kind == "typing":
        if conn.conversation_id:
            inbox_id = visitor.inbox_id
            state.agents.typing(
                visitor.workspace_id, inbox_id, conn.conversation_id, on=bool(frame.get("on"))
            )
    elif kind == "prechat":
        try:
            contact = await to_thread.run_sync(
                lambda: widget.update_prechat(state.factory, visitor=visitor, fields=frame)
            )
        except KefuError as exc:
            await ws.send_json(_error(exc.code, exc.message))
            return
        await ws.send_json({"type": "contact", **contact})
    elif kind == "ping":
        await ws.send_json({"type": "pong"})
    else:
        await ws.send_json(_error("invalid_input", f"unknown frame type {kind!r}"))
