"""Bad input gets a precise 4xx and a clear message, and nothing stored changes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from kefu.agents.models import AgentSession
from kefu.conversations.models import Message
from kefu.core.clock import utcnow


def _snapshot(factory: Any) -> list[tuple[str, str, int]]:
    with factory() as s:
        return [(m.id, m.text, m.seq) for m in s.scalars(select(Message).order_by(Message.id))]


def _start(server: Any, seed: Any, open_widget: Any) -> tuple[str, str]:
    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "ok", "text": "stored before"})
    widget.recv_until("ack")
    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        return token, str(http.get("/api/v1/conversations").json()[0]["id"])


def test_bad_requests_are_refused_precisely_and_change_nothing(
    server: Any, seed: Any, factory: Any, open_widget: Any
) -> None:
    token, conv = _start(server, seed, open_widget)
    before = _snapshot(factory)
    url = f"/api/v1/conversations/{conv}/messages"
    with server.client(token) as http:
        big = http.post(url, json={"text": "x" * (16 * 1024 + 1)})
        assert big.status_code == 413
        assert big.json()["error"]["code"] == "payload_too_large"
        assert "16384" in big.json()["error"]["message"]
        # Multi-byte text is measured in bytes: 5462 × 3 bytes is over the limit.
        assert http.post(url, json={"text": "字" * 5462}).status_code == 413

        broken = http.post(
            url, content=b'{"text": "unterminated', headers={"content-type": "application/json"}
        )
        assert broken.status_code == 400
        assert broken.json()["error"]["code"] == "invalid_json"

        empty = http.post(url, json={"text": "   "})
        assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid_input"
        extra = http.post(url, json={"text": "hi", "html": True})
        assert extra.status_code == 422

        huge_body = http.post(
            url,
            content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
            headers={"content-type": "application/json"},
        )
        assert huge_body.status_code == 413
    assert _snapshot(factory) == before


def test_unknown_inbox_and_bad_api_posts(server: Any, seed: Any, factory: Any) -> None:
    before = _snapshot(factory)
    r = httpx.post(
        f"{server.url}/api/v1/channels/api/no-such-inbox/messages",
        json={"sender": {"id": "s"}, "text": "x"},
        headers={"Idempotency-Key": "1", "X-Kefu-Signature": "t=1,v1=00"},
    )
    assert r.status_code == 404 and r.json()["error"] == {
        "code": "not_found",
        "message": "unknown inbox",
    }
    url = f"{server.url}/api/v1/channels/api/{seed.api_inbox_token}/messages"
    r = httpx.post(url, json={"sender": {"id": "s"}, "text": "x"}, headers={"Idempotency-Key": "1"})
    assert r.status_code == 401
    r = httpx.post(
        url,
        json={"sender": {"id": "s"}, "text": "x"},
        headers={"Idempotency-Key": "1", "X-Kefu-Signature": "garbage"},
    )
    assert r.status_code == 401 and "malformed" in r.json()["error"]["message"]
    r = httpx.post(url, json={"sender": {"id": "s"}, "text": "x"})
    assert r.status_code == 422  # no Idempotency-Key
    assert _snapshot(factory) == before


def test_wrong_password_and_expired_session(server: Any, seed: Any, factory: Any) -> None:
    r = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": seed.agent_email, "password": "wrong-password"},
    )
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "unauthorized", "message": "wrong e-mail or password"}
    r = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "nobody@shop.test", "password": "wrong-password"},
    )
    assert r.status_code == 401 and r.json()["error"]["message"] == "wrong e-mail or password"

    token = server.login(seed.agent_email, seed.agent_password)
    with factory() as s, s.begin():
        s.execute(update(AgentSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    with server.client(token) as http:
        r = http.get("/api/v1/conversations")
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "session expired; sign in again"
    with server.client() as http:
        assert http.get("/api/v1/me").status_code == 401
    with server.client("kefu_sk_not-a-key") as http:
        assert http.get("/api/v1/me").status_code == 401


def test_logout_revokes_the_session(server: Any, seed: Any) -> None:
    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        assert http.get("/api/v1/me").status_code == 200
        assert http.post("/api/v1/auth/logout").status_code == 204
        assert http.get("/api/v1/me").status_code == 401


def test_widget_bad_frames_get_error_frames_and_change_nothing(
    server: Any, seed: Any, factory: Any, open_widget: Any
) -> None:
    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "ok", "text": "fine"})
    widget.recv_until("ack")
    before = _snapshot(factory)
    widget.send({"type": "message", "client_id": "big", "text": "y" * 20000})
    err = widget.recv_until("error")
    assert err["code"] == "payload_too_large" and err["client_id"] == "big"
    widget.conn.send("{not json")
    assert widget.recv_until("error")["code"] == "invalid_json"
    widget.send({"type": "message", "client_id": "n", "text": 42})
    assert widget.recv_until("error")["code"] == "invalid_input"
    widget.send({"type": "launch-missiles"})
    assert widget.recv_until("error")["code"] == "invalid_input"
    widget.send({"type": "ping"})
    assert widget.recv_until("pong")["type"] == "pong"  # the connection survived
    assert _snapshot(factory) == before


def test_widget_unknown_inbox_is_refused(server: Any, seed: Any, open_widget: Any) -> None:
    sock, frame = open_widget("not-an-inbox")
    assert frame == {"type": "error", "code": "not_found", "message": "unknown inbox"}
    # An API inbox's token is not a widget inbox either.
    _, frame = open_widget(seed.api_inbox_token)
    assert frame["code"] == "not_found"


def test_agent_socket_without_credentials_is_refused(server: Any) -> None:
    from websockets.sync.client import connect

    with connect(f"{server.ws_url}/ws/agent") as ws:
        frame = json.loads(ws.recv(timeout=5))
        assert frame["type"] == "error" and frame["code"] == "unauthorized"
