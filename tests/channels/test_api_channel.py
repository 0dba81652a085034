"""The API channel: idempotent inbound posts, signatures, and signed outbound webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kefu.channels.signing import inbound_signature
from kefu.conversations.models import Message


def _count_messages(factory: Any) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(Message)) or 0)


def _api_key(server: Any, seed: Any) -> str:
    token = server.login(seed.admin_email, seed.admin_password)
    with server.client(token) as http:
        r = http.post("/api/v1/api-keys", json={"name": "shop backend"})
        assert r.status_code == 201
        return str(r.json()["key"])


def test_same_idempotency_key_three_times_concurrently_stores_one(
    server: Any, seed: Any, factory: Any
) -> None:
    key = _api_key(server, seed)
    url = f"{server.url}/api/v1/channels/api/{seed.api_inbox_token}/messages"
    body = {"sender": {"id": "user-7", "name": "Zofia"}, "text": "Gdzie jest moja paczka?"}

    def post(_: int) -> httpx.Response:
        return httpx.post(
            url,
            json=body,
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "order-msg-1"},
            timeout=10,
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(post, range(3)))
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    assert len({r.json()["message"]["id"] for r in responses}) == 1
    assert _count_messages(factory) == 1


def test_signed_inbound_post_is_accepted_and_wrong_signature_refused(
    server: Any, seed: Any, factory: Any
) -> None:
    url = f"{server.url}/api/v1/channels/api/{seed.api_inbox_token}/messages"
    raw = json.dumps({"sender": {"id": "u1"}, "text": "hello"}).encode()
    ts = int(time.time())
    good = inbound_signature(seed.api_inbox_secret, timestamp=ts, body=raw)
    r = httpx.post(url, content=raw, headers={"X-Kefu-Signature": good, "Idempotency-Key": "k1"})
    assert r.status_code == 201, r.text
    bad = inbound_signature("not-the-secret", timestamp=ts, body=raw)
    r = httpx.post(url, content=raw, headers={"X-Kefu-Signature": bad, "Idempotency-Key": "k2"})
    assert r.status_code == 401
    assert r.json()["error"] == {
        "code": "unauthorized",
        "message": "signature does not match the body",
    }
    stale = inbound_signature(seed.api_inbox_secret, timestamp=ts - 3600, body=raw)
    r = httpx.post(url, content=raw, headers={"X-Kefu-Signature": stale, "Idempotency-Key": "k3"})
    assert r.status_code == 401
    assert _count_messages(factory) == 1


class _Receiver:
    """A real HTTP server that records webhook posts; answers with the queued status codes."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, n: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.requests) >= n, f"got {len(self.requests)} webhook posts, wanted {n}"


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver([])
    yield r
    r.httpd.shutdown()


def _set_webhook(factory: Any, inbox_id: str, url: str) -> None:
    from kefu.workspaces.models import Inbox

    with factory() as s, s.begin():
        inbox = s.get(Inbox, inbox_id)
        inbox.webhook_url = url


def _conversation_with_reply(server: Any, seed: Any, key: str, text: str) -> tuple[str, str]:
    url = f"{server.url}/api/v1/channels/api/{seed.api_inbox_token}/messages"
    r = httpx.post(
        url,
        json={"sender": {"id": "u9"}, "text": "hi"},
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"in-{len(text)}"},
    )
    conv_id = r.json()["conversation_id"]
    token = server.login(seed.agent_email, seed.agent_password)
    with server.client(token) as http:
        sent = http.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": text})
        assert sent.status_code == 201
    return conv_id, str(sent.json()["id"])


def test_agent_reply_is_delivered_signed_to_the_webhook(
    server: Any, seed: Any, factory: Any, receiver: _Receiver
) -> None:
    _set_webhook(factory, seed.api_inbox_id, receiver.url)
    key = _api_key(server, seed)
    _, message_id = _conversation_with_reply(server, seed, key, "Paczka wyszła wczoraj.")
    receiver.wait_for(1)
    headers, body = receiver.requests[0]
    ts = headers["X-Kefu-Timestamp"]
    expected = hmac.new(
        seed.api_inbox_secret.encode(), f"{message_id}.{ts}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Kefu-Signature"] == f"v1={expected}"
    assert headers["X-Kefu-Message-Id"] == message_id
    payload = json.loads(body)
    assert payload["message"]["text"] == "Paczka wyszła wczoraj."
    assert payload["recipient"] == {"id": "u9"}
    with server.client(key) as http:
        for _ in range(100):
            deliveries = http.get("/api/v1/deliveries").json()
            if deliveries and deliveries[0]["status"] == "delivered":
                break
            time.sleep(0.05)
    assert deliveries[0]["status"] == "delivered" and deliveries[0]["attempts"] == 1


def test_failing_webhook_is_retried_then_dead_lettered_and_can_be_resent(
    server: Any, seed: Any, factory: Any, receiver: _Receiver
) -> None:
    receiver.statuses = [500, 503, 500]  # webhook_max_attempts is 3 in the test settings
    _set_webhook(factory, seed.api_inbox_id, receiver.url)
    key = _api_key(server, seed)
    _conversation_with_reply(server, seed, key, "Retry me")
    receiver.wait_for(3)
    with server.client(key) as http:
        for _ in range(100):
            dead = http.get("/api/v1/deliveries", params={"status": "dead"}).json()
            if dead:
                break
            time.sleep(0.05)
        assert len(dead) == 1 and dead[0]["attempts"] == 3
        assert dead[0]["last_error"] == "HTTP 500"
        r = http.post(f"/api/v1/deliveries/{dead[0]['id']}/retry")
        assert r.status_code == 200
    receiver.wait_for(4)
    with server.client(key) as http:
        for _ in range(100):
            d = http.get("/api/v1/deliveries").json()[0]
            if d["status"] == "delivered":
                break
            time.sleep(0.05)
    assert d["status"] == "delivered"
    # The same body went out every time: retries resend, never rebuild.
    assert len({body for _, body in receiver.requests}) == 1


def test_backoff_grows_exponentially() -> None:
    from kefu.channels.webhooks import RetryPolicy

    policy = RetryPolicy(max_attempts=6, base_seconds=2, cap_seconds=20)
    assert [policy.delay(n) for n in range(1, 6)] == [2, 4, 8, 16, 20]


def test_bot_answers_an_api_channel_customer_through_the_webhook(
    server: Any, seed: Any, factory: Any, receiver: _Receiver
) -> None:
    _set_webhook(factory, seed.api_inbox_id, receiver.url)
    key = _api_key(server, seed)
    with server.client(key) as http:
        assert (
            http.post("/api/v1/bot/import", json={"industry": "ecommerce", "language": "pl"})
        ).status_code == 201
        r = http.put(f"/api/v1/bot/inboxes/{seed.api_inbox_id}", json={"bot_enabled": True})
        assert r.status_code == 200
        url = f"/api/v1/channels/api/{seed.api_inbox_token}/messages"
        first = {"sender": {"id": "u7"}, "text": "gdzie jest moja paczka?"}
        assert http.post(url, json=first, headers={"Idempotency-Key": "m1"}).status_code == 201
        receiver.wait_for(1)
        prompt = json.loads(receiver.requests[0][1])["message"]
        assert prompt["sender_kind"] == "bot"
        # A button pressed on the platform comes back as its payload.
        pressed = {"sender": {"id": "u7"}, "text": "Porozmawiaj z konsultantem"}
        pressed["payload"] = "intent:talk_to_human"
        assert http.post(url, json=pressed, headers={"Idempotency-Key": "m2"}).status_code == 201
        receiver.wait_for(2)
        conv_id = json.loads(receiver.requests[1][1])["conversation_id"]
        for _ in range(100):
            conv = http.get(f"/api/v1/conversations/{conv_id}").json()
            if conv["handoff_reason"]:
                break
            time.sleep(0.05)
        assert conv["handoff_reason"] == "asked_for_human" and conv["state"] != "bot"
        bad = {"sender": {"id": "u7"}, "text": "x", "payload": "p" * 201}
        r = http.post(url, json=bad, headers={"Idempotency-Key": "m3"})
        assert r.status_code == 422 and "payload" in r.json()["error"]["message"]
