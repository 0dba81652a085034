"""The bot's HTTP API: roles, tenant isolation, and bad input answered with a clear 4xx while
the knowledge base stays exactly as it was."""

from __future__ import annotations

from typing import Any

import httpx


def _client(live_server: Any, email: str, password: str) -> httpx.Client:
    return live_server.server.client(live_server.server.login(email, password))


def _admin(live_server: Any) -> httpx.Client:
    seed = live_server.seed
    return _client(live_server, seed.admin_email, seed.admin_password)


def _imported(live_server: Any) -> tuple[httpx.Client, int]:
    admin = _admin(live_server)
    r = admin.post("/api/v1/bot/import", json={"industry": "ecommerce", "language": "en"})
    assert r.status_code == 201, r.text
    return admin, int(r.json()["version"])


def test_before_an_import_the_knowledge_base_is_a_clear_404(live_server: Any) -> None:
    r = _admin(live_server).get("/api/v1/bot/knowledge")
    assert r.status_code == 404
    assert "import a script pack" in r.json()["error"]["message"]


def test_roles_agents_read_nothing_and_supervisors_cannot_import(live_server: Any) -> None:
    _imported(live_server)
    seed = live_server.seed
    agent = _client(live_server, seed.agent_email, seed.agent_password)
    for method, path in [
        ("GET", "/api/v1/bot"),
        ("GET", "/api/v1/bot/knowledge"),
        ("GET", "/api/v1/bot/versions"),
        ("GET", "/api/v1/bot/suggestions"),
        ("POST", "/api/v1/bot/test"),
    ]:
        r = agent.request(method, path, json={"text": "hi"} if method == "POST" else None)
        assert r.status_code == 403, (path, r.text)
    supervisor = _client(live_server, seed.supervisor_email, seed.supervisor_password)
    r = supervisor.post("/api/v1/bot/import", json={"industry": "ecommerce", "language": "pl"})
    assert r.status_code == 403
    assert supervisor.get("/api/v1/bot/knowledge").status_code == 200
    assert httpx.get(f"{live_server.url}/api/v1/bot/knowledge").status_code == 401


def test_another_workspace_sees_none_of_it(live_server: Any) -> None:
    admin, version = _imported(live_server)
    seed = live_server.seed
    other = _client(live_server, seed.other_agent_email, seed.other_agent_password)
    assert other.get("/api/v1/bot/knowledge").status_code == 404
    assert other.get("/api/v1/bot/versions").json() == []
    assert other.post(f"/api/v1/bot/versions/{version}/rollback").status_code == 404
    r = other.put(f"/api/v1/bot/inboxes/{seed.inbox_id}", json={"bot_enabled": True})
    assert r.status_code == 404
    assert admin.get("/api/v1/bot").json()["inboxes"][0]["bot_enabled"] is False


def test_bad_input_is_refused_and_changes_nothing(live_server: Any) -> None:
    admin, version = _imported(live_server)
    before = admin.get("/api/v1/bot/knowledge", params={"language": "en"}).json()
    cases = [
        ("POST", "/api/v1/bot/import", {"industry": "plumbing", "language": "en"}, 404),
        ("POST", "/api/v1/bot/import", {"industry": "ecommerce", "language": "de"}, 422),
        (
            "PUT",
            "/api/v1/bot/knowledge/en/intents/Bad-Name",
            {"examples": ["x"], "answer": "y"},
            422,
        ),
        ("PUT", "/api/v1/bot/knowledge/de/intents/refund", {"examples": ["x"], "answer": "y"}, 422),
        ("PUT", "/api/v1/bot/knowledge/en/intents/refund", {"examples": [], "answer": "y"}, 422),
        (
            "PUT",
            "/api/v1/bot/knowledge/en/intents/refund",
            {"examples": ["   "], "answer": "y"},
            422,
        ),
        (
            "PUT",
            "/api/v1/bot/knowledge/en/intents/refund",
            {"examples": ["ok"], "answer": "{{ secret.key }}"},
            422,
        ),
        (
            "PUT",
            "/api/v1/bot/knowledge/en/intents/refund",
            {"examples": ["ok"], "answer": "{% if %}"},
            422,
        ),
        (
            "PUT",
            "/api/v1/bot/knowledge/en/intents/refund",
            {"examples": ["x" * 301], "answer": "y"},
            422,
        ),
        ("POST", "/api/v1/bot/faqs", {"question": "", "answer": "y"}, 422),
        ("PUT", "/api/v1/bot/faqs/faq_nope12345", {"question": "q", "answer": "a"}, 404),
        ("DELETE", "/api/v1/bot/knowledge/en/intents/no_such_intent", None, 404),
        ("POST", "/api/v1/bot/versions/999/rollback", None, 404),
        ("POST", "/api/v1/bot/test", {"text": "x" * 2001}, 422),
        ("PUT", "/api/v1/bot/inboxes/nope", {"bot_enabled": "maybe"}, 422),
    ]
    for method, path, body, status in cases:
        r = admin.request(method, path, json=body)
        assert r.status_code == status, (path, body, r.status_code, r.text)
        error = r.json()["error"]
        assert error["message"] and "Traceback" not in r.text
    r = admin.post(
        "/api/v1/bot/test", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    after = admin.get("/api/v1/bot/knowledge", params={"language": "en"}).json()
    assert after == before and after["version"] == version


def test_faqs_are_answered_by_the_test_box_and_kept_in_history(live_server: Any) -> None:
    admin, version = _imported(live_server)
    r = admin.post(
        "/api/v1/bot/faqs",
        json={
            "question": "Do you sell gift cards?",
            "answer": "Yes: gift cards from 50 PLN, in the shop and online.",
            "similar": ["can I buy a gift card", "gift voucher available?"],
        },
    )
    assert r.status_code == 201, r.text
    faq_id = r.json()["id"]
    for _ in range(60):
        answer = admin.post("/api/v1/bot/test", json={"text": "do you have gift cards?"}).json()
        if answer["model_fresh"]:
            break
    assert answer["model_fresh"] and answer["kind"] == "faq" and answer["intent"] == faq_id
    assert answer["messages"][0]["text"].startswith("Yes: gift cards")
    r = admin.delete(f"/api/v1/bot/faqs/{faq_id}")
    assert r.status_code == 200 and r.json()["version"] == version + 2
    summaries = [v["summary"] for v in admin.get("/api/v1/bot/versions").json()]
    assert summaries[:2] == [f"deleted FAQ {faq_id}", "saved FAQ Do you sell gift cards?"]
