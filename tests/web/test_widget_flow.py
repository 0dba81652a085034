"""The widget and the console over real websockets: messages, acks, replies, resume."""

from __future__ import annotations

from typing import Any


def test_visitor_message_reaches_agent_and_reply_reaches_visitor(
    server: Any, seed: Any, open_widget: Any, open_agent_socket: Any
) -> None:
    token = server.login(seed.agent_email, seed.agent_password)
    agent_ws, opening = open_agent_socket(token)
    assert opening["type"] == "welcome"
    widget, welcome = open_widget(seed.inbox_token)
    assert welcome["type"] == "welcome"
    assert welcome["conversation_id"] is None and welcome["messages"] == []
    assert welcome["inbox"]["greeting"] == "Hello!"

    widget.send({"type": "message", "client_id": "c-1", "text": "你好"})
    ack = widget.recv_until("ack")
    assert ack["client_id"] == "c-1"
    assert ack["message"]["seq"] == 1 and ack["message"]["text"] == "你好"

    event = agent_ws.recv_until("event")
    while event["event"]["type"] != "message.created":
        event = agent_ws.recv_until("event")
    conversation_id = event["event"]["conversation_id"]
    assert event["event"]["message"]["text"] == "你好"

    with server.client(token) as http:
        r = http.post(
            f"/api/v1/conversations/{conversation_id}/messages", json={"text": "Dzień dobry!"}
        )
        assert r.status_code == 201, r.text
    frame = widget.recv_until("message")
    while frame["message"]["sender_kind"] != "agent":
        frame = widget.recv_until("message")
    assert frame["message"]["text"] == "Dzień dobry!"
    assert frame["message"]["sender_name"] == "Ala Agent"
    assert "sender_id" not in frame["message"]  # the widget never sees internal ids

    with server.client(token) as http:
        conv = http.get(f"/api/v1/conversations/{conversation_id}").json()
    assert conv["state"] == "assigned" and conv["assignee"]["name"] == "Ala Agent"


def test_same_client_id_is_stored_once(server: Any, seed: Any, open_widget: Any) -> None:
    widget, welcome = open_widget(seed.inbox_token)
    for _ in range(3):
        widget.send({"type": "message", "client_id": "dup", "text": "hello"})
    acks = [widget.recv_until("ack") for _ in range(3)]
    assert {a["message"]["id"] for a in acks} == {acks[0]["message"]["id"]}
    again, welcome2 = open_widget(seed.inbox_token, visitor_token=welcome["visitor_token"])
    assert [m["text"] for m in welcome2["messages"]] == ["hello"]


def test_widget_resume_gets_exactly_the_missed_messages(
    server: Any, seed: Any, open_widget: Any
) -> None:
    widget, welcome = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "first", "text": "start"})
    ack = widget.recv_until("ack")
    visitor_token = welcome["visitor_token"]
    last_seq = ack["message"]["seq"]
    widget.close()  # the connection drops

    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        conv_id = http.get("/api/v1/conversations").json()[0]["id"]
        for i in range(20):
            r = http.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": f"m{i}"})
            assert r.status_code == 201

    again, welcome2 = open_widget(seed.inbox_token, visitor_token=visitor_token, last_seq=last_seq)
    assert welcome2["conversation_id"] == conv_id
    texts = [m["text"] for m in welcome2["messages"]]
    # Anything committed after the welcome was read arrives as live frames; nothing twice.
    seqs = [m["seq"] for m in welcome2["messages"]]
    while len(texts) < 20:
        frame = again.recv_until("message")
        texts.append(frame["message"]["text"])
        seqs.append(frame["message"]["seq"])
    assert texts == [f"m{i}" for i in range(20)]
    assert seqs == list(range(last_seq + 1, last_seq + 21))


def test_agent_console_resume_replays_missed_events_in_order(
    server: Any, seed: Any, open_widget: Any, open_agent_socket: Any
) -> None:
    token = server.login(seed.agent_email, seed.agent_password)
    agent_ws, opening = open_agent_socket(token)
    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "x0", "text": "hello"})
    widget.recv_until("ack")
    last_id = opening["event_id"]
    frame = agent_ws.recv_until("event")
    while frame["event"]["type"] != "message.created":
        frame = agent_ws.recv_until("event")
    last_id = frame["id"]
    agent_ws.close()  # the console's connection drops while 20 messages arrive

    for i in range(20):
        widget.send({"type": "message", "client_id": f"x{i + 1}", "text": f"msg {i}"})
        widget.recv_until("ack")

    again, _ = open_agent_socket(token, last_event_id=last_id)
    replayed: list[str] = []
    ids: list[int] = []
    while True:
        frame = again.recv()
        if frame["type"] == "resumed":
            break
        assert frame["type"] == "event"
        ids.append(frame["id"])
        if frame["event"]["type"] == "message.created":
            replayed.append(frame["event"]["message"]["text"])
    assert replayed == [f"msg {i}" for i in range(20)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_agent_console_too_old_event_id_is_told_to_resync(
    server: Any, seed: Any, open_agent_socket: Any
) -> None:
    token = server.login(seed.agent_email, seed.agent_password)
    _, opening = open_agent_socket(token, last_event_id=1)
    assert opening["type"] == "resync"


def test_visitor_keeps_identity_across_page_loads(server: Any, seed: Any, open_widget: Any) -> None:
    widget, welcome = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "a", "text": "first visit"})
    widget.recv_until("ack")
    widget.close()
    _, again = open_widget(seed.inbox_token, visitor_token=welcome["visitor_token"])
    assert [m["text"] for m in again["messages"]] == ["first visit"]
    # A forged or foreign token gives a fresh visitor, not someone else's history.
    _, stranger = open_widget(seed.inbox_token, visitor_token=welcome["visitor_token"] + "x")
    assert stranger["messages"] == [] and stranger["visitor_token"] != welcome["visitor_token"]


def test_verified_identity_links_one_customer(server: Any, seed: Any, open_widget: Any) -> None:
    from kefu.channels.signing import identity_hash

    ident = {
        "user_id": "cust-42",
        "name": "Jan",
        "hash": identity_hash(seed.inbox_secret, "cust-42"),
    }
    w1, _ = open_widget(seed.inbox_token, identity=ident)
    w1.send({"type": "message", "client_id": "p1", "text": "from laptop"})
    w1.recv_until("ack")
    # Another browser (no visitor token) with the same verified customer sees the history.
    _, welcome = open_widget(seed.inbox_token, identity=ident)
    assert [m["text"] for m in welcome["messages"]] == ["from laptop"]
    bad = dict(ident, hash="0" * 64)
    sock, error = open_widget(seed.inbox_token, identity=bad)
    assert error["type"] == "error" and error["code"] == "unauthorized"


def test_internal_note_never_reaches_widget(server: Any, seed: Any, open_widget: Any) -> None:
    widget, welcome = open_widget(seed.inbox_token)
    widget.send({"type": "message", "client_id": "n1", "text": "hi"})
    widget.recv_until("ack")
    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        conv_id = http.get("/api/v1/conversations").json()[0]["id"]
        http.post(
            f"/api/v1/conversations/{conv_id}/messages", json={"text": "VIP?", "private": True}
        )
        http.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "Hello there"})
        transcript = http.get(f"/api/v1/conversations/{conv_id}/messages").json()
    assert [m["private"] for m in transcript] == [False, True, False]
    frame = widget.recv_until("message")
    while frame["message"]["text"] == "hi":
        frame = widget.recv_until("message")
    assert frame["message"]["text"] == "Hello there"
    _, again = open_widget(seed.inbox_token, visitor_token=welcome["visitor_token"])
    assert [m["text"] for m in again["messages"]] == ["hi", "Hello there"]
