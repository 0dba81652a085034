"""Workspaces, inboxes and API keys (the only writer of these tables)."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.core.clock import utcnow
from kefu.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from kefu.core.ids import new_id
from kefu.workspaces.models import CHANNELS, ApiKey, Inbox, Workspace

API_KEY_PREFIX = "kefu_sk_"
PRECHAT_FIELDS = ("name", "email", "phone")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_workspace(
    session: Session, *, name: str, slug: str, default_locale: str = "en"
) -> Workspace:
    if not _SLUG.match(slug):
        raise InvalidInput("slug: 2-63 lower-case letters, digits or '-'")
    if not name.strip():
        raise InvalidInput("name is empty")
    if session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise Conflict(f"workspace {slug!r} exists")
    ws = Workspace(id=new_id(), name=name.strip(), slug=slug, default_locale=default_locale)
    session.add(ws)
    session.flush()
    return ws


def get_workspace(session: Session, *, ref: str) -> Workspace:
    """A workspace by id or slug."""
    ws = session.get(Workspace, ref) or session.scalar(
        select(Workspace).where(Workspace.slug == ref)
    )
    if ws is None:
        raise NotFound(f"workspace {ref!r} not found")
    return ws


def _check_prechat(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for field in fields:
        name = field.get("name")
        if name not in PRECHAT_FIELDS:
            raise InvalidInput(f"pre-chat field must be one of {', '.join(PRECHAT_FIELDS)}")
        out.append({"name": name, "required": bool(field.get("required", False))})
    return out


def create_inbox(
    session: Session,
    *,
    workspace_id: str,
    name: str,
    channel: str,
    greeting: str | None = None,
    prechat_fields: list[dict[str, Any]] | None = None,
    webhook_url: str | None = None,
) -> Inbox:
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}")
    if webhook_url is not None and not webhook_url.startswith(("http://", "https://")):
        raise InvalidInput("webhook_url must be an http(s) URL")
    if not name.strip():
        raise InvalidInput("name is empty")
    inbox = Inbox(
        id=new_id(),
        workspace_id=workspace_id,
        name=name.strip(),
        channel=channel,
        token=secrets.token_urlsafe(18),
        secret=secrets.token_urlsafe(32),
        greeting=greeting,
        prechat_fields=_check_prechat(prechat_fields or []),
        webhook_url=webhook_url,
    )
    session.add(inbox)
    session.flush()
    return inbox


def inbox_by_token(session: Session, *, token: str) -> Inbox:
    inbox = session.scalar(select(Inbox).where(Inbox.token == token)) if token else None
    if inbox is None:
        raise NotFound("unknown inbox")
    return inbox


def list_inboxes(
    session: Session, *, workspace_id: str, ids: set[str] | None = None
) -> list[Inbox]:
    stmt = select(Inbox).where(Inbox.workspace_id == workspace_id).order_by(Inbox.created_at)
    return [i for i in session.scalars(stmt) if ids is None or i.id in ids]


def create_api_key(
    session: Session, *, workspace_id: str, name: str, agent_id: str
) -> tuple[ApiKey, str]:
    """A new key (the raw value is returned once and stored only as a hash)."""
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=new_id(),
        workspace_id=workspace_id,
        name=name,
        prefix=raw[:12],
        key_hash=_hash(raw),
        agent_id=agent_id,
    )
    session.add(key)
    session.flush()
    return key, raw


def api_key_by_value(session: Session, *, raw: str) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(raw)))
    if key is None or key.revoked_at is not None:
        raise Unauthorized("invalid API key")
    return key


def revoke_api_key(session: Session, *, workspace_id: str, key_id: str) -> None:
    key = session.get(ApiKey, key_id)
    if key is None or key.workspace_id != workspace_id:
        raise NotFound("API key not found")
    key.revoked_at = utcnow()


def set_bot_enabled(session: Session, *, workspace_id: str, inbox_id: str, enabled: bool) -> Inbox:
    """Whether new conversations of this inbox start with the bot (state ``bot``) or queue."""
    inbox = session.get(Inbox, inbox_id)
    if inbox is None or inbox.workspace_id != workspace_id:
        raise NotFound("inbox not found")
    inbox.bot_enabled = bool(enabled)
    session.flush()
    return inbox
