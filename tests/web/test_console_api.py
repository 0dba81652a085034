"""What the console does, over the HTTP API: lists, replies, notes, assignment, states, tags,
canned responses, contact history, presence and the supervisor overview."""

from __future__ import annotations

from typing import Any


def _visitor_writes(
    open_widget: Any, seed: Any, text: str, visitor_token: str | None = None
) -> str:
    widget, welcome = open_widget(seed.inbox_token, visitor_token=visitor_token)
    widget.send({"type": "message", "client_id": text, "text": text})
    widget.recv_until("ack")
    return str(welcome["visitor_token"])


def test_conversation_lifecycle(server: Any, seed: Any, open_widget: Any) -> None:
    visitor = _visitor_writes(open_widget, seed, "Czy wysyłacie do Krakowa?")
    admin = server.login(seed.admin_email, seed.admin_password)
    with server.client(admin) as http:
        unassigned = http.get("/api/v1/conversations", params={"view": "unassigned"}).json()
        assert len(unassigned) == 1 and unassigned[0]["state"] == "queued"
        conv = unassigned[0]["id"]
        r = http.post(f"/api/v1/conversations/{conv}/assign", json={"agent_id": seed.agent_id})
        assert r.json()["state"] == "assigned" and r.json()["assignee"]["id"] == seed.agent_id
        # Transfer to an agent without access to the web inbox is refused with a reason.
        r = http.post(f"/api/v1/conversations/{conv}/assign", json={"agent_id": seed.agent2_id})
        assert r.status_code == 422 and "no access" in r.json()["error"]["message"]
        assert http.post(f"/api/v1/conversations/{conv}/tags", json={"name": "wysyłka"}).json()[
            "tags"
        ] == ["wysyłka"]
        assert http.get("/api/v1/conversations", params={"tag": "wysyłka"}).json()[0]["id"] == conv
        assert http.delete(f"/api/v1/conversations/{conv}/tags/wysyłka").json()["tags"] == []

    agent = server.login(seed.agent_email, seed.agent_password)
    with server.client(agent) as http:
        mine = http.get("/api/v1/conversations", params={"view": "mine"}).json()
        assert [c["id"] for c in mine] == [conv]
        assert http.post(f"/api/v1/conversations/{conv}/resolve").json()["state"] == "resolved"
        assert (
            http.get("/api/v1/conversations", params={"state": "resolved"}).json()[0]["id"] == conv
        )
    # A new customer message reopens the conversation.
    _visitor_writes(open_widget, seed, "Jeszcze jedno pytanie", visitor_token=visitor)
    with server.client(agent) as http:
        again = http.get(f"/api/v1/conversations/{conv}").json()
        assert again["state"] == "queued" and again["assignee"] is None
        assert (
            http.post(
                f"/api/v1/conversations/{conv}/assign", json={"agent_id": seed.agent_id}
            ).status_code
            == 200
        )
        assert http.post(f"/api/v1/conversations/{conv}/resolve").status_code == 200
        reopened = http.post(f"/api/v1/conversations/{conv}/reopen").json()
        assert reopened["state"] == "assigned"
        texts = [m["text"] for m in http.get(f"/api/v1/conversations/{conv}/messages").json()]
        assert texts == ["Czy wysyłacie do Krakowa?", "Jeszcze jedno pytanie"]


def test_canned_response_renders_variables(server: Any, seed: Any, open_widget: Any) -> None:
    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "prechat", "name": "Zofia"})
    assert widget.recv_until("contact")["name"] == "Zofia"
    widget.send({"type": "message", "client_id": "1", "text": "hej"})
    widget.recv_until("ack")
    sup = server.login(seed.supervisor_email, seed.supervisor_password)
    with server.client(sup) as http:
        r = http.post(
            "/api/v1/canned-responses",
            json={
                "short_code": "hej",
                "text": "Cześć {{contact.name}}, tu {{agent.name}} z {{workspace.name}}.",
            },
        )
        assert r.status_code == 201
        canned_id = r.json()["id"]
        bad = http.post(
            "/api/v1/canned-responses", json={"short_code": "x", "text": "{{order.secret}}"}
        )
        assert bad.status_code == 422 and "order.secret" in bad.json()["error"]["message"]
        dup = http.post("/api/v1/canned-responses", json={"short_code": "hej", "text": "x"})
        assert dup.status_code == 409
    agent = server.login(seed.agent_email, seed.agent_password)
    with server.client(agent) as http:
        conv = http.get("/api/v1/conversations").json()[0]["id"]
        rendered = http.post(
            f"/api/v1/canned-responses/{canned_id}/render", json={"conversation_id": conv}
        ).json()
    assert rendered == {"text": "Cześć Zofia, tu Ala Agent z Sklep Testowy."}


def test_contact_history_spans_conversations_and_inboxes(server: Any, seed: Any) -> None:
    import httpx

    admin = server.login(seed.admin_email, seed.admin_password)
    with server.client(admin) as http:
        key = http.post("/api/v1/api-keys", json={"name": "k"}).json()["key"]
    posted = httpx.post(
        f"{server.url}/api/v1/channels/api/{seed.api_inbox_token}/messages",
        json={"sender": {"id": "c-1", "name": "Li"}, "text": "第一次"},
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "a"},
    ).json()
    with server.client(admin) as http:
        contact = http.get(f"/api/v1/contacts/{posted['contact_id']}").json()
    assert contact["name"] == "Li"
    assert [c["id"] for c in contact["conversations"]] == [posted["conversation_id"]]


def test_presence_locale_and_supervisor_overview(
    server: Any, seed: Any, open_widget: Any, open_agent_socket: Any
) -> None:
    sup = server.login(seed.supervisor_email, seed.supervisor_password)
    sup_ws, _ = open_agent_socket(sup)
    agent = server.login(seed.agent_email, seed.agent_password)
    with server.client(agent) as http:
        me = http.patch("/api/v1/me", json={"presence": "online", "locale": "zh-TW"}).json()
        assert me["presence"] == "online" and me["locale"] == "zh-TW"
        assert http.patch("/api/v1/me", json={"locale": "de"}).status_code == 422
    frame = sup_ws.recv_until("event")
    assert frame["event"] == {
        "type": "agent.presence",
        "agent_id": seed.agent_id,
        "presence": "online",
    }
    _visitor_writes(open_widget, seed, "hello")
    with server.client(sup) as http:
        overview = http.get("/api/v1/supervisor/overview").json()
    assert len(overview["conversations"]) == 1
    by_email = {a["email"]: a for a in overview["agents"]}
    assert by_email[seed.agent_email]["presence"] == "online"
    assert by_email[seed.supervisor_email]["connected"] is True


def test_health_and_openapi(server: Any) -> None:
    with server.client() as http:
        assert http.get("/healthz").json()["status"] == "ok"
        spec = http.get("/openapi.json").json()
        assert "/api/v1/conversations/{conversation_id}/messages" in spec["paths"]
        assert "/api/v1/channels/api/{inbox_token}/messages" in spec["paths"]
        assert http.get("/docs").status_code == 200
