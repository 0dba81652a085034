"""The bot in real conversations, over the real server, HTTP API and websockets: it answers
from the imported script pack, fills slots through the shop connector, hands off to the ACD
queue with its reason, never talks over an agent, asks for CSAT after resolution, keeps what it
could not answer for the learning loop, and serves knowledge-base edits at once."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow


def _admin(live_server: Any) -> httpx.Client:
    seed = live_server.seed
    return live_server.server.client(
        live_server.server.login(seed.admin_email, seed.admin_password)
    )


def _enable_bot(live_server: Any, *languages: str) -> httpx.Client:
    admin = _admin(live_server)
    for language in languages or ("en",):
        r = admin.post("/api/v1/bot/import", json={"industry": "ecommerce", "language": language})
        assert r.status_code == 201, r.text
    r = admin.put(f"/api/v1/bot/inboxes/{live_server.seed.inbox_id}", json={"bot_enabled": True})
    assert r.status_code == 200, r.text
    return admin


class Visitor:
    """A widget visitor on a real websocket, collecting every message the server pushes."""

    def __init__(self, open_widget: Any, token: str) -> None:
        self.sock, self.welcome = open_widget(token)
        self.messages: list[dict[str, Any]] = list(self.welcome["messages"])
        self.sent = 0

    def say(self, text: str, payload: str | None = None) -> dict[str, Any]:
        self.sent += 1
        frame: dict[str, Any] = {"type": "message", "client_id": f"c{self.sent}", "text": text}
        if payload:
            frame["payload"] = payload
        self.sock.send(frame)
        ack = self.sock.recv_until("ack")
        return dict(ack["message"])

    def bot_replies(self, after_seq: int, count: int = 1, timeout: float = 60) -> list[dict]:
        """The next ``count`` bot messages after ``after_seq``."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages if m["sender_kind"] == "bot" and m["seq"] > after_seq]
            if len(found) >= count:
                return found
            frame = self.sock.recv(timeout=max(0.05, deadline - time.monotonic()))
            if frame["type"] == "message":
                self.messages.append(frame["message"])


def _conversation(admin: httpx.Client, conversation_id: str) -> dict[str, Any]:
    r = admin.get(f"/api/v1/conversations/{conversation_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _messages(admin: httpx.Client, conversation_id: str) -> list[dict[str, Any]]:
    r = admin.get(f"/api/v1/conversations/{conversation_id}/messages")
    assert r.status_code == 200, r.text
    body = r.json()
    return list(body["messages"] if isinstance(body, dict) else body)


def test_order_question_is_answered_through_the_shop_connector(
    live_server: Any, open_widget: Any
) -> None:
    admin = _enable_bot(live_server)
    visitor = Visitor(open_widget, live_server.seed.inbox_token)
    asked = visitor.say("where is my order?")
    prompt = visitor.bot_replies(asked["seq"])[0]
    assert "order number" in prompt["text"].lower()

    given = visitor.say("KF-10234")
    answer = visitor.bot_replies(given["seq"])[0]
    assert "KF-10234" in answer["text"] and "shipped" in answer["text"]
    card = answer["content"]["card"]
    assert card["kind"] == "order" and card["number"] == "KF-10234"
    assert card["tracking"] == "0034 5678"
    titles = [q["title"] for q in answer["content"]["quick_replies"]]
    assert "Talk to a person" in titles

    conv = _conversation(admin, asked_conv(admin))
    assert conv["state"] == "bot" and conv["intent"] == "order_status"


def asked_conv(admin: httpx.Client) -> str:
    r = admin.get("/api/v1/conversations", params={"view": "all"})
    return str(r.json()[0]["id"])


def test_asking_for_a_person_queues_the_conversation_and_the_bot_goes_quiet(
    live_server: Any, open_widget: Any
) -> None:
    admin = _enable_bot(live_server)
    visitor = Visitor(open_widget, live_server.seed.inbox_token)
    asked = visitor.say("I want to talk to a real person")
    visitor.bot_replies(asked["seq"])
    live_server.server.settle()
    conv_id = asked_conv(admin)
    conv = _conversation(admin, conv_id)
    assert conv["state"] in ("queued", "assigned")
    assert conv["handoff_reason"] == "asked_for_human"
    assert conv["intent"] == "talk_to_human"
    notes = [m for m in _messages(admin, conv_id) if m["sender_kind"] == "system"]
    assert notes and notes[-1]["private"] is True
    assert notes[-1]["content"]["handoff"]["reason"] == "asked_for_human"
    # The note is for agents: the visitor never receives it.
    assert all(m["sender_kind"] != "system" for m in visitor.messages)

    later = visitor.say("hello? where is my order")
    live_server.server.settle()
    bot_after = [
        m
        for m in _messages(admin, conv_id)
        if m["sender_kind"] == "bot" and m["seq"] > later["seq"]
    ]
    assert bot_after == []


def test_the_bot_never_replies_in_a_conversation_an_agent_holds(
    live_server: Any, open_widget: Any
) -> None:
    admin = _enable_bot(live_server)
    seed = live_server.seed
    visitor = Visitor(open_widget, seed.inbox_token)
    hello = visitor.say("hi")
    visitor.bot_replies(hello["seq"])
    conv_id = asked_conv(admin)
    agent = live_server.server.client(
        live_server.server.login(seed.agent_email, seed.agent_password)
    )
    r = agent.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "Ala here, hello!"})
    assert r.status_code == 201, r.text
    assert _conversation(admin, conv_id)["state"] == "assigned"

    question = visitor.say("where is my order?")
    live_server.server.settle()
    after = [m for m in _messages(admin, conv_id) if m["seq"] > question["seq"]]
    assert [m for m in after if m["sender_kind"] == "bot"] == []
    # Even a turn started before the agent answered writes nothing once the agent holds it.
    assert live_server.server.state.bot.turn(conv_id, question["id"]) is None
    live_server.server.settle()
    assert [m for m in _messages(admin, conv_id) if m["sender_kind"] == "bot"][-1]["seq"] < (
        question["seq"]
    )


def test_a_knowledge_base_edit_is_answered_at_once_and_rollback_restores_it(
    live_server: Any, open_widget: Any
) -> None:
    admin = _enable_bot(live_server)
    knowledge = admin.get("/api/v1/bot/knowledge", params={"language": "en"}).json()
    hours = next(i for i in knowledge["intents"] if i["name"] == "business_hours")
    imported = knowledge["version"]
    r = admin.put(
        "/api/v1/bot/knowledge/en/intents/business_hours",
        json={"examples": hours["examples"], "answer": "We answer 8:00-16:00 at Herbaciarnia."},
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == imported + 1

    visitor = Visitor(open_widget, live_server.seed.inbox_token)
    asked = visitor.say("what are your opening hours?")
    assert visitor.bot_replies(asked["seq"])[0]["text"] == "We answer 8:00-16:00 at Herbaciarnia."

    r = admin.post(f"/api/v1/bot/versions/{imported}/rollback")
    assert r.status_code == 201, r.text
    history = admin.get("/api/v1/bot/versions").json()
    assert [v["version"] for v in history[:3]] == [imported + 2, imported + 1, imported]
    assert history[0]["current"] and history[0]["summary"] == f"rolled back to version {imported}"
    again = visitor.say("what are your opening hours?")
    reply = visitor.bot_replies(again["seq"])[0]["text"]
    assert "Herbaciarnia" not in reply and "customer service" in reply


def test_csat_is_asked_after_an_agent_resolves_and_the_rating_is_kept(
    live_server: Any, open_widget: Any
) -> None:
    admin = _enable_bot(live_server)
    seed = live_server.seed
    visitor = Visitor(open_widget, seed.inbox_token)
    first = visitor.say("hello")
    visitor.bot_replies(first["seq"])
    conv_id = asked_conv(admin)
    agent = live_server.server.client(
        live_server.server.login(seed.agent_email, seed.agent_password)
    )
    sent = agent.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "Done for you."})
    assert sent.status_code == 201, sent.text
    assert agent.post(f"/api/v1/conversations/{conv_id}/resolve").status_code == 200

    question = visitor.bot_replies(sent.json()["seq"])[0]
    buttons = question["content"]["quick_replies"]
    assert [b["payload"] for b in buttons] == [f"csat:{n}" for n in (5, 4, 3, 2, 1)]
    rated = visitor.say(buttons[0]["title"], payload=buttons[0]["payload"])
    visitor.bot_replies(rated["seq"])
    live_server.server.settle()
    summary = admin.get("/api/v1/bot/csat").json()
    assert summary["count"] == 1 and summary["average"] == 5
    assert _conversation(admin, conv_id)["state"] == "resolved"
    live_server.server.settle()
    # Resolved by the bot after the rating: no second question.
    assert (
        len(
            [
                m
                for m in visitor.messages
                if m["content"]
                and "quick_replies" in m["content"]
                and m["content"]["quick_replies"][0]["payload"].startswith("csat:")
            ]
        )
        == 1
    )


def test_unanswered_questions_become_suggestions(live_server: Any, open_widget: Any) -> None:
    admin = _enable_bot(live_server)
    asked = ["what is the meaning of life", "what's the meaning of life?"]
    for text in asked:
        visitor = Visitor(open_widget, live_server.seed.inbox_token)
        said = visitor.say(text)
        visitor.bot_replies(said["seq"])  # asks to rephrase
    live_server.server.settle()
    suggestions = admin.get("/api/v1/bot/suggestions").json()
    assert len(suggestions) == 1, suggestions
    assert suggestions[0]["kind"] == "new_intent" and suggestions[0]["size"] == 2
    assert sorted(suggestions[0]["examples"]) == sorted(asked)


def test_the_pack_answers_in_the_customers_language(live_server: Any, open_widget: Any) -> None:
    _enable_bot(live_server, "en", "zh-CN", "pl")
    visitor = Visitor(open_widget, live_server.seed.inbox_token)
    asked = visitor.say("我的订单到哪了？")
    reply = visitor.bot_replies(asked["seq"])[0]["text"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply), reply
    asked = visitor.say("gdzie jest moja paczka")
    reply = visitor.bot_replies(asked["seq"])[0]["text"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in reply), reply


def test_a_bot_inbox_without_knowledge_hands_off_at_once(
    live_server: Any, open_widget: Any
) -> None:
    admin = _admin(live_server)
    r = admin.put(f"/api/v1/bot/inboxes/{live_server.seed.inbox_id}", json={"bot_enabled": True})
    assert r.status_code == 200
    visitor = Visitor(open_widget, live_server.seed.inbox_token)
    visitor.say("hello")
    live_server.server.settle()
    conv = _conversation(admin, asked_conv(admin))
    assert conv["state"] in ("queued", "assigned") and conv["handoff_reason"] == "rule"


def test_outside_business_hours_a_message_becomes_a_ticket(
    live_server: Any, open_widget: Any
) -> None:
    admin = _enable_bot(live_server)
    # A calendar with no opening hours at all: closed now, whatever the day.
    r = admin.put(
        "/api/v1/routing/config",
        json={
            "default_queue": "general",
            "queues": [{"id": "general", "strategy": "longest_idle", "sl_seconds": 20}],
            "business_hours": [{"id": "office", "timezone": "UTC", "weekly": {}}],
        },
    )
    assert r.status_code == 200, r.text
    visitor = Visitor(open_widget, live_server.seed.inbox_token)
    asked = visitor.say("I want to talk to a real person")
    intro = visitor.bot_replies(asked["seq"])[0]["text"]
    assert "offline" in intro
    left = visitor.say("Please send me an invoice for order KF-10234")
    assert "e-mail" in visitor.bot_replies(left["seq"])[0]["text"]
    detail = visitor.say("ann@example.com")
    visitor.bot_replies(detail["seq"])
    live_server.server.settle()
    conv_id = asked_conv(admin)
    conv = _conversation(admin, conv_id)
    assert conv["state"] in ("queued", "assigned") and conv["handoff_reason"] == "offline_ticket"
    note = [m for m in _messages(admin, conv_id) if m["sender_kind"] == "system"][-1]
    assert "invoice for order KF-10234" in note["text"] and "ann@example.com" in note["text"]
