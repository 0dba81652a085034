"""HMAC signatures: outbound webhooks, signed inbound posts, visitor tokens, identity hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from kefu.core.errors import Unauthorized

SIGNATURE_TOLERANCE_SECONDS = 300


def _hex(key: str, data: bytes) -> str:
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


def webhook_signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1=<hex>``: HMAC-SHA256 over ``"<message id>.<timestamp>." + raw body``."""
    return "v1=" + _hex(secret, f"{message_id}.{timestamp}.".encode() + body)


def inbound_signature(secret: str, *, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1=" + _hex(secret, f"{timestamp}.".encode() + body)


def verify_inbound_signature(
    secret: str, header: str, body: bytes, *, now: float | None = None
) -> None:
    """Check ``X-Kefu-Signature: t=<unix>,v1=<hex>`` over the raw body; raise Unauthorized."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise Unauthorized(
            "malformed X-Kefu-Signature header; expected t=<unix>,v1=<hex>"
        ) from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise Unauthorized("signature timestamp outside the allowed 5-minute window")
    expected = _hex(secret, f"{timestamp}.".encode() + body)
    if not hmac.compare_digest(expected, given):
        raise Unauthorized("signature does not match the body")


def identity_hash(secret: str, user_id: str) -> str:
    """What a shop's server computes to vouch for its logged-in customer's id."""
    return _hex(secret, user_id.encode())


def verify_identity(secret: str, user_id: str, given: str) -> None:
    if not hmac.compare_digest(identity_hash(secret, user_id), given or ""):
        raise Unauthorized("identity verification failed: the hash does not match user_id")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def visitor_token(secret_key: str, *, visitor_id: str, inbox_id: str, ttl_seconds: int) -> str:
    """A signed token that keeps a widget visitor's identity across page loads."""
    expires = int(time.time()) + ttl_seconds
    payload = f"v1.{visitor_id}.{inbox_id}.{expires}"
    mac = hmac.new(secret_key.encode(), b"visitor|" + payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def read_visitor_token(secret_key: str, token: str, *, inbox_id: str) -> str | None:
    """The visitor id in a valid token for this inbox; None when invalid, foreign or expired."""
    try:
        version, visitor_id, token_inbox, expires, mac = token.split(".")
    except ValueError:
        return None
    payload = f"{version}.{visitor_id}.{token_inbox}.{expires}"
    expected = hmac.new(
        secret_key.encode(), b"visitor|" + payload.encode(), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(_b64(expected), mac):
        return None
    if version != "v1" or token_inbox != inbox_id or not expires.isdigit():
        return None
    if int(expires) < time.time():
        return None
    return visitor_id
