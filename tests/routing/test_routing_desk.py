"""The ACD wired into conversations: queued → assigned the moment an agent is free, queue
position told to the customer, the next customer served when a conversation is resolved."""

from __future__ import annotations

import time
from typing import Any

from kefu.agents.models import Agent


def _wait_for(predicate: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_queue_assignment_position_and_release(
    server: Any, seed: Any, factory: Any, open_widget: Any
) -> None:
    with factory() as s, s.begin():
        s.get(Agent, seed.agent_id).capacity = 1
    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        assert http.patch("/api/v1/me", json={"presence": "online"}).status_code == 200

    first, _ = open_widget(seed.inbox_token)
    first.send({"type": "message", "client_id": "1", "text": "pierwszy klient"})
    first.recv_until("ack")

    def conversations() -> list[dict[str, Any]]:
        with server.client(token) as http:
            return list(http.get("/api/v1/conversations", params={"view": "all"}).json())

    def by_text(text: str) -> dict[str, Any] | None:
        return next((c for c in conversations() if c["last_message"]["text"] == text), None)

    one = _wait_for(lambda: (c := by_text("pierwszy klient")) and c["state"] == "assigned" and c)
    assert one["assignee"]["id"] == seed.agent_id  # routed without anybody clicking

    second, _ = open_widget(seed.inbox_token)
    second.send({"type": "message", "client_id": "2", "text": "drugi klient"})
    second.recv_until("ack")
    place = second.recv_until("queue")
    assert place["position"] == 1
    two = by_text("drugi klient")
    assert two is not None and two["state"] == "queued"  # the agent is full (capacity 1)

    with server.client(token) as http:
        assert http.post(f"/api/v1/conversations/{one['id']}/resolve").status_code == 200
    two = _wait_for(lambda: (c := by_text("drugi klient")) and c["state"] == "assigned" and c)
    assert two["assignee"]["id"] == seed.agent_id


def test_nobody_online_means_the_customer_waits_and_is_served_when_an_agent_arrives(
    server: Any, seed: Any, open_widget: Any
) -> None:
    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "1", "text": "halo?"})
    widget.recv_until("ack")
    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        conv = http.get("/api/v1/conversations").json()[0]
        assert conv["state"] == "queued"
        http.patch("/api/v1/me", json={"presence": "online"})

        def assigned() -> bool:
            return bool(
                http.get(f"/api/v1/conversations/{conv['id']}").json()["state"] == "assigned"
            )

        _wait_for(assigned)


def test_supervisor_sees_queue_metrics_and_admin_configures_queues(
    server: Any, seed: Any, open_widget: Any
) -> None:
    admin = server.login(seed.admin_email, seed.admin_password)
    with server.client(admin) as http:
        bad = http.put("/api/v1/routing/config", json={"default_queue": "nope", "queues": []})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
        config = {
            "default_queue": "general",
            "queues": [
                {"id": "general", "auto_accept": True},
                {"id": "vip", "auto_accept": True, "weight": 5},
            ],
            "rules": [{"queue": "vip", "keywords": ["reklamacja", "投诉"]}],
        }
        assert http.put("/api/v1/routing/config", json=config).json() == {"version": 1}
        r = http.put(f"/api/v1/routing/agents/{seed.agent_id}", json={"skills": {"vip": 9}})
        assert r.status_code == 200 and r.json()["skills"] == {"vip": 9}
        assert (
            http.put(
                f"/api/v1/routing/agents/{seed.agent_id}", json={"skills": {"vip": 11}}
            ).status_code
            == 422
        )

    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "1", "text": "Reklamacja zamówienia nr 123"})
    widget.recv_until("ack")
    sup = server.login(seed.supervisor_email, seed.supervisor_password)

    def vip_entered() -> dict[str, Any] | None:
        with server.client(sup) as http:
            queues = {
                q["metrics"]["queue_id"]: q for q in http.get("/api/v1/routing/queues").json()
            }
        return queues if queues["vip"]["metrics"]["entered"] == 1 else None

    queues = _wait_for(vip_entered)
    assert queues["vip"]["metrics"]["waiting_now"] == 1
    assert queues["general"]["metrics"]["entered"] == 0
    agent = server.login(seed.agent_email, seed.agent_password)
    with server.client(agent) as http:
        assert http.get("/api/v1/routing/queues").status_code == 403
