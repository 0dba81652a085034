"""Every agent reply passes the compliance gate; message bodies and contact fields are sealed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text


def _conversation(server: Any, seed: Any, open_widget: Any) -> tuple[str, str, Any]:
    widget, _ = open_widget(seed.inbox_token)
    widget.send({"type": "prechat", "name": "Zofia Nowak", "email": "zofia@example.pl"})
    widget.recv_until("contact")
    widget.send(
        {"type": "message", "client_id": "1", "text": "Czy ta herbata leczy przeziębienie?"}
    )
    widget.recv_until("ack")
    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        return token, http.get("/api/v1/conversations").json()[0]["id"], widget


def test_blocked_reply_is_refused_with_reasons_in_the_agents_language(
    server: Any, seed: Any, open_widget: Any
) -> None:
    token, conv, _ = _conversation(server, seed, open_widget)
    with server.client(token) as http:
        http.patch("/api/v1/me", json={"locale": "pl"})
        r = http.post(
            f"/api/v1/conversations/{conv}/messages",
            json={"text": "Nasza herbata to 100% skuteczny lek na raka, gwarantowane wyleczenie!"},
        )
        assert r.status_code == 422
        error = r.json()["error"]
        assert error["code"] == "compliance_blocked"
        assert error["details"]["decision"] == "block"
        assert error["details"]["locale"] == "pl"
        assert all(f["explanation"] for f in error["details"]["findings"])
        # Even "confirming" does not send a blocked text.
        r = http.post(
            f"/api/v1/conversations/{conv}/messages",
            json={"text": "Nasza herbata to 100% skuteczny lek na raka", "confirm_warnings": True},
        )
        assert r.status_code == 422
        texts = [m["text"] for m in http.get(f"/api/v1/conversations/{conv}/messages").json()]
    assert texts == ["Czy ta herbata leczy przeziębienie?"]


def test_warned_reply_needs_confirmation_then_goes_out(
    server: Any, seed: Any, open_widget: Any
) -> None:
    token, conv, widget = _conversation(server, seed, open_widget)
    reply = "这是我们最好的乌龙茶。"  # an absolute claim: a warning with a suggested fix
    with server.client(token) as http:
        r = http.post(f"/api/v1/conversations/{conv}/messages", json={"text": reply})
        assert r.status_code == 409
        details = r.json()["error"]["details"]
        assert details["decision"] == "warn"
        assert details["findings"][0]["suggestion"]
        r = http.post(
            f"/api/v1/conversations/{conv}/messages", json={"text": reply, "confirm_warnings": True}
        )
        assert r.status_code == 201
        # Internal notes are not outgoing: the gate does not stop them.
        note = http.post(
            f"/api/v1/conversations/{conv}/messages",
            json={"text": "client says 100% skuteczny lek, check", "private": True},
        )
        assert note.status_code == 201
    frame = widget.recv_until("message")
    while frame["message"]["sender_kind"] != "agent":
        frame = widget.recv_until("message")
    assert frame["message"]["text"] == reply


def test_blocked_canned_response_is_refused(server: Any, seed: Any) -> None:
    token = server.login(seed.admin_email, seed.admin_password)
    with server.client(token) as http:
        r = http.post(
            "/api/v1/canned-responses",
            json={"short_code": "cure", "text": "Guaranteed cure for cancer, {{contact.name}}!"},
        )
    assert r.status_code == 422 and r.json()["error"]["code"] == "compliance_blocked"


def test_database_never_holds_message_bodies_or_contact_fields_in_clear(
    server: Any, seed: Any, open_widget: Any, settings: Any
) -> None:
    token, conv, _ = _conversation(server, seed, open_widget)
    secret_reply = "Przesyłka KF-778899 wyjdzie jutro rano"
    with server.client(token) as http:
        assert (
            http.post(
                f"/api/v1/conversations/{conv}/messages", json={"text": secret_reply}
            ).status_code
            == 201
        )
        # The API reads everything back decrypted.
        texts = [m["text"] for m in http.get(f"/api/v1/conversations/{conv}/messages").json()]
        assert secret_reply in texts
        found = http.get("/api/v1/contacts", params={"email": "ZOFIA@example.pl "}).json()
        assert [c["name"] for c in found] == ["Zofia Nowak"]
    raw_engine = create_engine(settings.database_url)
    with raw_engine.connect() as conn:
        bodies = [r[0] for r in conn.execute(text("SELECT text FROM messages"))]
        people = [tuple(r) for r in conn.execute(text("SELECT name, email FROM contacts"))]
    raw_engine.dispose()
    assert bodies and all(secret_reply not in b and "herbata" not in b for b in bodies)
    assert all("Zofia" not in (n or "") and "zofia@" not in (e or "") for n, e in people)
    if settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert secret_reply.encode() not in raw
        assert "Przesyłka".encode() not in raw and b"zofia@example.pl" not in raw
