"""API channel outbound: each agent reply is POSTed, signed, to the inbox's webhook URL.

A delivery row is created when the reply's ``message.created`` event arrives (the outbox makes
that at-least-once; the unique message id makes it once). The worker sends due deliveries,
retries with exponential backoff and dead-letters after the configured number of attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kefu.bus.events import Envelope
from kefu.channels.models import DELIVERY_STATES, Delivery
from kefu.channels.signing import webhook_signature
from kefu.contacts.models import ContactIdentity
from kefu.conversations.events import MessageCreated
from kefu.conversations.models import Conversation
from kefu.conversations.service import set_delivery_status
from kefu.core.clock import utcnow
from kefu.core.errors import InvalidInput, NotFound
from kefu.core.ids import new_id
from kefu.store.db import transaction
from kefu.workspaces.models import Inbox

log = logging.getLogger(__name__)
BATCH = 50


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 2.0
    cap_seconds: float = 3600.0

    def delay(self, attempts: int) -> float:
        return float(min(self.cap_seconds, self.base_seconds * 2 ** max(attempts - 1, 0)))


def create_for_message(session: Session, event: MessageCreated) -> Delivery | None:
    """The delivery of an outgoing API-channel reply; None when nothing is to be sent."""
    msg = event.message
    if event.channel != "api" or msg.direction != "out" or msg.private:
        return None
    inbox = session.get(Inbox, event.inbox_id)
    if inbox is None or not inbox.webhook_url:
        return None
    if session.scalar(select(Delivery.id).where(Delivery.message_id == msg.id)) is not None:
        return None
    conv = session.get(Conversation, event.conversation_id)
    assert conv is not None
    recipient = session.scalar(
        select(ContactIdentity.external_id).where(
            ContactIdentity.inbox_id == inbox.id, ContactIdentity.contact_id == conv.contact_id
        )
    )
    body = {
        "type": "message.created",
        "conversation_id": conv.id,
        "recipient": {"id": recipient},
        "message": {
            "id": msg.id,
            "seq": msg.seq,
            "text": msg.text,
            "sender_kind": msg.sender_kind,
            "sender_name": msg.sender_name,
            "attachments": msg.attachments,
            # Quick replies and cards of bot answers, for platforms that can show them.
            "content": msg.content,
            "created_at": msg.created_at.isoformat(),
        },
    }
    delivery = Delivery(
        id=new_id(),
        workspace_id=inbox.workspace_id,
        inbox_id=inbox.id,
        message_id=msg.id,
        url=inbox.webhook_url,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status="pending",
        next_attempt_at=utcnow(),
    )
    session.add(delivery)
    return delivery


def list_deliveries(
    session: Session, *, workspace_id: str, status: str | None = None, limit: int = 100
) -> list[Delivery]:
    if status is not None and status not in DELIVERY_STATES:
        raise InvalidInput(f"status must be one of {', '.join(DELIVERY_STATES)}")
    stmt = select(Delivery).where(Delivery.workspace_id == workspace_id)
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    return list(session.scalars(stmt.order_by(Delivery.created_at.desc()).limit(limit)))


def retry_delivery(session: Session, *, workspace_id: str, delivery_id: str) -> Delivery:
    """Send a (dead or pending) delivery again now, with a fresh attempt budget."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.workspace_id != workspace_id:
        raise NotFound("delivery not found")
    if delivery.status != "delivered":
        delivery.status = "pending"
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
    return delivery


class WebhookWorker:
    """Sends due deliveries; wakes when a delivery is created or the next retry is due."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        policy: RetryPolicy,
        timeout_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._factory = factory
        self._policy = policy
        self._timeout = timeout_seconds
        self._transport = transport
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def on_event(self, envelope: Envelope) -> None:
        event = envelope.event
        if (
            not isinstance(event, MessageCreated)
            or event.channel != "api"
            or event.message.direction != "out"
            or event.message.private
        ):
            return

        def _create() -> bool:
            try:
                with transaction(self._factory) as session:
                    return create_for_message(session, event) is not None
            except IntegrityError:
                return False  # created by an earlier delivery of the same event

        if await to_thread.run_sync(_create):
            self._wake.set()

    def wake(self) -> None:
        """Send due deliveries now; safe to call from any thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="kefu-webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        async with httpx.AsyncClient(
            timeout=self._timeout, transport=self._transport, follow_redirects=False
        ) as client:
            while True:
                try:
                    wait = await self.run_once(client)
                except Exception:
                    log.exception("webhook worker iteration failed")
                    wait = 5.0
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def run_once(self, client: httpx.AsyncClient) -> float:
        """Send every due delivery once; returns seconds until the next one is due (max 30)."""
        due = await to_thread.run_sync(self._due)
        if due:
            await asyncio.gather(*(self._send(client, d) for d in due))
        return await to_thread.run_sync(self._seconds_to_next)

    def _due(self) -> list[tuple[str, str, str, str, str]]:
        with transaction(self._factory) as session:
            rows = session.scalars(
                select(Delivery)
                .where(Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
                .order_by(Delivery.next_attempt_at)
                .limit(BATCH)
            )
            out = []
            for d in rows:
                inbox = session.get(Inbox, d.inbox_id)
                if inbox is not None:
                    out.append((d.id, d.message_id, d.url, d.body, inbox.secret))
            return out

    def _seconds_to_next(self) -> float:
        with transaction(self._factory) as session:
            nxt = session.scalar(
                select(Delivery.next_attempt_at)
                .where(Delivery.status == "pending")
                .order_by(Delivery.next_attempt_at)
                .limit(1)
            )
        if nxt is None:
            return 30.0
        return max(0.05, min(30.0, (nxt - utcnow()).total_seconds()))

    async def _send(self, client: httpx.AsyncClient, item: tuple[str, str, str, str, str]) -> None:
        delivery_id, message_id, url, body, secret = item
        raw = body.encode()
        ts = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Kefu-Webhook/1",
            "X-Kefu-Message-Id": message_id,
            "X-Kefu-Timestamp": str(ts),
            "X-Kefu-Signature": webhook_signature(
                secret, message_id=message_id, timestamp=ts, body=raw
            ),
        }
        status_code: int | None = None
        error: str | None = None
        try:
            response = await client.post(url, content=raw, headers=headers)
            status_code = response.status_code
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await to_thread.run_sync(self._record, delivery_id, status_code, error)

    def _record(self, delivery_id: str, status_code: int | None, error: str | None) -> None:
        with transaction(self._factory) as session:
            d = session.get(Delivery, delivery_id)
            if d is None or d.status != "pending":
                return
            d.attempts += 1
            d.last_status_code = status_code
            if error is None:
                d.status = "delivered"
                d.delivered_at = utcnow()
                d.last_error = None
                set_delivery_status(session, message_id=d.message_id, status="delivered")
            elif d.attempts >= self._policy.max_attempts:
                d.status = "dead"
                d.last_error = error
                set_delivery_status(session, message_id=d.message_id, status="failed")
            else:
                d.last_error = error
                d.next_attempt_at = utcnow() + timedelta(seconds=self._policy.delay(d.attempts))
