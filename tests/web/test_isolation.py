"""Tenants and agents see only what is theirs, over HTTP and over the websocket."""

from __future__ import annotations

from typing import Any

import httpx


def _other_tenant_ids(server: Any, seed: Any, open_widget: Any) -> dict[str, str]:
    """A conversation, contact and message in workspace B, made by a real visitor."""
    widget, _ = open_widget(seed.other_inbox_token)
    widget.send({"type": "message", "client_id": "b1", "text": "secret of B"})
    ack = widget.recv_until("ack")
    token_b = server.login(seed.other_agent_email, seed.other_agent_password)
    with server.client(token_b) as http:
        conv = http.get("/api/v1/conversations").json()[0]
    return {
        "conversation": conv["id"],
        "contact": conv["contact"]["id"],
        "message": ack["message"]["id"],
    }


def test_agent_of_a_gets_404_for_everything_of_b_over_http(
    server: Any, seed: Any, open_widget: Any
) -> None:
    ids = _other_tenant_ids(server, seed, open_widget)
    token_a = server.login(seed.admin_email, seed.admin_password)  # even an admin of A
    conv = ids["conversation"]
    with server.client(token_a) as http:
        checks = [
            http.get(f"/api/v1/conversations/{conv}"),
            http.get(f"/api/v1/conversations/{conv}/messages"),
            http.post(f"/api/v1/conversations/{conv}/messages", json={"text": "hi"}),
            http.post(f"/api/v1/conversations/{conv}/assign", json={"agent_id": None}),
            http.post(f"/api/v1/conversations/{conv}/resolve"),
            http.post(f"/api/v1/conversations/{conv}/reopen"),
            http.post(f"/api/v1/conversations/{conv}/tags", json={"name": "x"}),
            http.get(f"/api/v1/contacts/{ids['contact']}"),
            http.get(f"/api/v1/conversations/{ids['message']}"),
        ]
        for r in checks:
            assert r.status_code == 404, (r.request.url, r.text)
            assert r.json()["error"]["code"] == "not_found"
        listed = http.get("/api/v1/conversations").json()
        assert conv not in {c["id"] for c in listed}
    # B's transcript is untouched.
    token_b = server.login(seed.other_agent_email, seed.other_agent_password)
    with server.client(token_b) as http:
        transcript = http.get(f"/api/v1/conversations/{conv}/messages").json()
    assert [m["text"] for m in transcript] == ["secret of B"]


def test_agent_of_a_sees_nothing_of_b_over_the_websocket(
    server: Any, seed: Any, open_widget: Any, open_agent_socket: Any
) -> None:
    token_a = server.login(seed.admin_email, seed.admin_password)
    sock, opening = open_agent_socket(token_a)
    assert opening["type"] == "welcome"
    ids = _other_tenant_ids(server, seed, open_widget)
    sock.send({"type": "typing", "conversation_id": ids["conversation"], "on": True})
    error = sock.recv_until("error")
    assert error["code"] == "not_found"
    # Now something in A: the first event A's socket sees is A's own, never B's.
    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "a1", "text": "hello A"})
    widget.recv_until("ack")
    seen = []
    for _ in range(3):
        frame = sock.recv_until("event")
        seen.append(frame["event"])
        if frame["event"]["type"] == "message.created":
            break
    assert all(
        e.get("conversation_id") != ids["conversation"]
        and e.get("conversation", {}).get("id") != ids["conversation"]
        for e in seen
    )
    assert seen[-1]["message"]["text"] == "hello A"


def test_agent_without_inbox_access_cannot_read_it(
    server: Any, seed: Any, open_widget: Any, open_agent_socket: Any
) -> None:
    token2 = server.login(seed.agent2_email, seed.agent2_password)  # API inbox only
    sock, _ = open_agent_socket(token2)
    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "w1", "text": "web only"})
    widget.recv_until("ack")
    token1 = server.login(seed.agent_email, seed.agent_password)
    with server.client(token1) as http:
        conv_id = http.get("/api/v1/conversations").json()[0]["id"]
    with server.client(token2) as http:
        assert http.get(f"/api/v1/conversations/{conv_id}").status_code == 404
        assert http.get(f"/api/v1/conversations/{conv_id}/messages").status_code == 404
        assert http.get("/api/v1/conversations").json() == []
        assert [i["channel"] for i in http.get("/api/v1/inboxes").json()] == ["api"]
    sock.send({"type": "ping"})
    assert sock.recv()["type"] == "pong"  # nothing from the web inbox was queued before it


def test_agent_cannot_do_admin_work(server: Any, seed: Any) -> None:
    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        r = http.post(
            "/api/v1/agents",
            json={"email": "x@shop.test", "name": "X", "password": "0123456789ab"},
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        assert http.post("/api/v1/api-keys", json={"name": "k"}).status_code == 403
        assert http.get("/api/v1/supervisor/overview").status_code == 403


def test_api_key_of_a_cannot_post_into_b(server: Any, seed: Any) -> None:
    token = server.login(seed.admin_email, seed.admin_password)
    with server.client(token) as http:
        key = http.post("/api/v1/api-keys", json={"name": "k"}).json()["key"]
    r = httpx.post(
        f"{server.url}/api/v1/channels/api/{seed.other_inbox_token}/messages",
        json={"sender": {"id": "s"}, "text": "x"},
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "1"},
    )
    assert r.status_code == 404
