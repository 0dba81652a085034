"""The generic API channel: signed or API-key inbound posts, and outbound delivery records."""

from __future__ import annotations

import json
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Header, Request, Response
from pydantic import ValidationError

from kefu.channels import webhooks
from kefu.channels.signing import verify_inbound_signature
from kefu.contacts.service import Profile
from kefu.conversations.service import Inbound, ingest
from kefu.core.errors import InvalidInput, NotFound, Unauthorized
from kefu.store.db import call_after_commit, transaction
from kefu.web.api.schemas import ApiInbound
from kefu.web.deps import AdminAgent, SessionDep, StateDep, authenticate, bearer_token
from kefu.workspaces.service import inbox_by_token

router = APIRouter(prefix="/api/v1", tags=["channels"])
MAX_IDEMPOTENCY_KEY = 200


@router.post("/channels/api/{inbox_token}/messages", status_code=201)
async def api_inbound(
    inbox_token: str,
    request: Request,
    response: Response,
    state: StateDep,
    idempotency_key: str = Header(alias="Idempotency-Key", max_length=MAX_IDEMPOTENCY_KEY),
    signature: str | None = Header(default=None, alias="X-Kefu-Signature"),
) -> dict[str, Any]:
    raw = await request.body()
    token = bearer_token(request)

    def _authorise() -> tuple[str, str]:
        with transaction(state.factory) as session:
            inbox = inbox_by_token(session, token=inbox_token)
            if inbox.channel != "api":
                raise NotFound("unknown inbox")
            if signature is not None:
                verify_inbound_signature(inbox.secret, signature, raw)
            elif token is not None:
                if authenticate(session, token).workspace_id != inbox.workspace_id:
                    raise NotFound("unknown inbox")
            else:
                raise Unauthorized("send an API key or an X-Kefu-Signature header")
            return inbox.id, inbox.workspace_id

    inbox_id, _workspace_id = await to_thread.run_sync(_authorise)
    try:
        body = ApiInbound.model_validate(json.loads(raw))
    except json.JSONDecodeError:
        raise InvalidInput("request body is not valid JSON", code="invalid_json") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(f"{where or 'body'}: {first.get('msg')}") from None
    if not idempotency_key.strip():
        raise InvalidInput("Idempotency-Key header is empty")
    inbound = Inbound(
        external_sender_id=body.sender.id,
        text=body.text,
        channel_message_id=idempotency_key,
        profile=Profile(name=body.sender.name, email=body.sender.email, phone=body.sender.phone),
        attachments=body.attachments,
        payload=body.payload,
    )
    result = await to_thread.run_sync(
        lambda: ingest(state.factory, inbox_id=inbox_id, inbound=inbound, limits=state.limits)
    )
    if not result.created:
        response.status_code = 200
    return {
        "conversation_id": result.conversation_id,
        "contact_id": result.contact_id,
        "message": result.message.model_dump(mode="json"),
        "duplicate": not result.created,
    }


def _delivery(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "message_id": d.message_id,
        "inbox_id": d.inbox_id,
        "url": d.url,
        "status": d.status,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "last_status_code": d.last_status_code,
        "next_attempt_at": d.next_attempt_at.isoformat(),
        "created_at": d.created_at.isoformat(),
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
    }


@router.get("/deliveries")
def list_deliveries(
    agent: AdminAgent, session: SessionDep, status: str | None = None
) -> list[dict[str, Any]]:
    rows = webhooks.list_deliveries(session, workspace_id=agent.workspace_id, status=status)
    return [_delivery(d) for d in rows]


@router.post("/deliveries/{delivery_id}/retry")
def retry_delivery(
    delivery_id: str, agent: AdminAgent, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    d = webhooks.retry_delivery(session, workspace_id=agent.workspace_id, delivery_id=delivery_id)
    call_after_commit(session, state.webhooks.wake)  # the worker must see the committed row
    return _delivery(d)
