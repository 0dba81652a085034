"""Web-chat widget channel: visitor identity, the welcome state and inbound widget messages.

The websocket transport lives in kefu.web; this module holds what the widget means.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kefu.channels.signing import read_visitor_token, verify_identity, visitor_token
from kefu.contacts.models import Contact, ContactIdentity
from kefu.contacts.service import Profile, apply_profile, resolve_identity
from kefu.conversations.service import (
    Inbound,
    IngestResult,
    Limits,
    ingest,
    latest_for_contact,
    message_read,
    messages_after,
)
from kefu.core.errors import InvalidInput, NotFound
from kefu.store.db import transaction
from kefu.workspaces.models import Inbox
from kefu.workspaces.service import inbox_by_token

MAX_CLIENT_ID = 100


@dataclass(slots=True)
class Visitor:
    """A connected widget visitor: which inbox, and who they are to it."""

    inbox_id: str
    workspace_id: str
    external_id: str
    token: str
    verified_user_id: str | None = None
    conversation_id: str | None = None


def _contact_for(session: Session, visitor: Visitor) -> Contact | None:
    identity = session.scalar(
        select(ContactIdentity).where(
            ContactIdentity.inbox_id == visitor.inbox_id,
            ContactIdentity.external_id == visitor.external_id,
        )
    )
    return session.get(Contact, identity.contact_id) if identity else None


def _contact_view(contact: Contact | None) -> dict[str, Any]:
    if contact is None:
        return {"name": None, "email": None, "phone": None}
    return {"name": contact.name, "email": contact.email, "phone": contact.phone}


def hello(
    factory: sessionmaker[Session],
    *,
    secret_key: str,
    token_ttl_seconds: int,
    inbox_token: str,
    visitor_token_value: str | None,
    identity: dict[str, Any] | None,
    last_seq: int | None,
) -> tuple[Visitor, dict[str, Any]]:
    """Identify the visitor and build the ``welcome`` frame (messages after ``last_seq``)."""
    with transaction(factory) as session:
        inbox = inbox_by_token(session, token=inbox_token)
        if inbox.channel != "web":
            raise NotFound("unknown inbox")
        visitor_id = (
            read_visitor_token(secret_key, visitor_token_value, inbox_id=inbox.id)
            if visitor_token_value
            else None
        )
        if visitor_id is None:
            visitor_id = secrets.token_urlsafe(16)
        token = visitor_token(
            secret_key, visitor_id=visitor_id, inbox_id=inbox.id, ttl_seconds=token_ttl_seconds
        )
        visitor = Visitor(
            inbox_id=inbox.id,
            workspace_id=inbox.workspace_id,
            external_id=f"visitor:{visitor_id}",
            token=token,
        )
        if identity:
            user_id = str(identity.get("user_id") or "")
            if not user_id or len(user_id) > 200:
                raise InvalidInput("identity.user_id must be 1 to 200 characters")
            verify_identity(inbox.secret, user_id, str(identity.get("hash") or ""))
            visitor.verified_user_id = user_id
            visitor.external_id = f"user:{user_id}"
            resolve_identity(
                session,
                workspace_id=inbox.workspace_id,
                inbox_id=inbox.id,
                external_id=visitor.external_id,
                profile=Profile(name=identity.get("name"), email=identity.get("email")),
                verified_customer_id=user_id,
            )
        contact = _contact_for(session, visitor)
        messages: list[dict[str, Any]] = []
        if contact is not None:
            conv = latest_for_contact(session, inbox_id=inbox.id, contact_id=contact.id)
            if conv is not None:
                visitor.conversation_id = conv.id
                rows = messages_after(
                    session,
                    conversation_id=conv.id,
                    after_seq=max(last_seq or 0, 0),
                    include_private=False,
                )
                messages = [message_read(session, m, contact.name).public() for m in rows]
        welcome = {
            "type": "welcome",
            "visitor_token": token,
            "conversation_id": visitor.conversation_id,
            "messages": messages,
            "inbox": {
                "name": inbox.name,
                "greeting": inbox.greeting,
                "prechat_fields": inbox.prechat_fields or [],
            },
            "contact": _contact_view(contact),
        }
        return visitor, welcome


def post_message(
    factory: sessionmaker[Session],
    *,
    visitor: Visitor,
    client_id: str,
    text: str,
    limits: Limits,
    payload: str | None = None,
) -> IngestResult:
    if not client_id or len(client_id) > MAX_CLIENT_ID:
        raise InvalidInput(f"client_id must be 1 to {MAX_CLIENT_ID} characters")
    result = ingest(
        factory,
        inbox_id=visitor.inbox_id,
        inbound=Inbound(
            external_sender_id=visitor.external_id,
            text=text,
            # Scoped by visitor: one visitor's client ids can never collide with another's.
            channel_message_id=f"{visitor.external_id}:{client_id}",
            client_message_id=client_id,
            verified_customer_id=visitor.verified_user_id,
            payload=payload,
        ),
        limits=limits,
    )
    visitor.conversation_id = result.conversation_id
    return result


def update_prechat(
    factory: sessionmaker[Session], *, visitor: Visitor, fields: dict[str, Any]
) -> dict[str, Any]:
    profile = Profile(
        name=fields.get("name") or None,
        email=fields.get("email") or None,
        phone=fields.get("phone") or None,
    )
    with transaction(factory) as session:
        inbox = session.get(Inbox, visitor.inbox_id)
        if inbox is None:
            raise NotFound("unknown inbox")
        for field in inbox.prechat_fields or []:
            if field.get("required") and not getattr(profile, field["name"]):
                raise InvalidInput(f"{field['name']} is required")
        contact = _contact_for(session, visitor)
        if contact is None:
            contact = resolve_identity(
                session,
                workspace_id=visitor.workspace_id,
                inbox_id=visitor.inbox_id,
                external_id=visitor.external_id,
                profile=profile,
                verified_customer_id=visitor.verified_user_id,
            )
        else:
            apply_profile(contact, profile)
        return _contact_view(contact)
