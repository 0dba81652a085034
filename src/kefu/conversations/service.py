"""Conversations: the only writer of transcripts, and the source of message and state events.

Every channel's inbound message goes through :func:`ingest_inbound`, idempotent on
(inbox, channel message id); agents write through :func:`send_agent_message`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kefu.agents.models import Agent
from kefu.agents.service import accessible_inbox_ids
from kefu.bus import outbox
from kefu.compliance.gate import ComplianceGate
from kefu.contacts.models import Contact
from kefu.contacts.service import Profile, resolve_identity
from kefu.conversations.events import ConversationCreated, ConversationUpdated, MessageCreated
from kefu.conversations.models import Conversation, ConversationTag, Message, Tag
from kefu.conversations.schemas import (
    Attachment,
    ContactRef,
    ConversationRead,
    MessageRead,
    PersonRef,
)
from kefu.core.clock import utcnow
from kefu.core.errors import Conflict, InvalidInput, KefuError, NotFound, PayloadTooLarge
from kefu.core.ids import new_id
from kefu.store.db import transaction
from kefu.workspaces.models import Inbox

MAX_ATTACHMENTS = 10
MAX_PAYLOAD = 200
INGEST_ATTEMPTS = 5
View = Literal["mine", "unassigned", "all"]


@dataclass(slots=True)
class Limits:
    max_message_bytes: int = 16 * 1024


@dataclass(slots=True)
class Inbound:
    """One neutral inbound message, as every channel adapter produces it."""

    external_sender_id: str
    text: str
    channel_message_id: str
    client_message_id: str | None = None
    profile: Profile | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    verified_customer_id: str | None = None
    # The payload of a quick-reply button the customer pressed (``intent:order_status``).
    payload: str | None = None


@dataclass(slots=True)
class IngestResult:
    message: MessageRead
    conversation_id: str
    contact_id: str
    created: bool


# ---------------------------------------------------------------- validation and read models


def check_text(text: str, limits: Limits, *, allow_empty: bool = False) -> str:
    size = len(text.encode("utf-8"))
    if size > limits.max_message_bytes:
        raise PayloadTooLarge(
            f"message text is {size} bytes; the limit is {limits.max_message_bytes}"
        )
    if "\x00" in text:
        raise InvalidInput("message text contains a NUL character")
    if not allow_empty and not text.strip():
        raise InvalidInput("message text is empty")
    return text


def _check_attachments(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(items) > MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {MAX_ATTACHMENTS} attachments")
    try:
        return [Attachment.model_validate(a).model_dump() for a in items]
    except ValueError as exc:
        raise InvalidInput(f"invalid attachment: {exc}") from None


def _sender_name(session: Session, message: Message, contact_name: str | None) -> str | None:
    if message.sender_kind == "agent" and message.sender_id:
        agent = session.get(Agent, message.sender_id)
        return agent.name if agent else None
    if message.sender_kind == "contact":
        return contact_name
    return None


def message_read(
    session: Session, message: Message, contact_name: str | None = None
) -> MessageRead:
    if contact_name is None and message.sender_kind == "contact":
        conv = session.get(Conversation, message.conversation_id)
        contact = session.get(Contact, conv.contact_id) if conv else None
        contact_name = contact.name if contact else None
    return MessageRead(
        id=message.id,
        conversation_id=message.conversation_id,
        inbox_id=message.inbox_id,
        seq=message.seq,
        direction=message.direction,
        sender_kind=message.sender_kind,
        sender_id=message.sender_id,
        sender_name=_sender_name(session, message, contact_name),
        text=message.text,
        private=message.private,
        attachments=list(message.attachments or []),
        client_message_id=message.client_message_id,
        delivery_status=message.delivery_status,
        created_at=message.created_at,
        content=message.content,
    )


def conversation_read(session: Session, conv: Conversation) -> ConversationRead:
    contact = session.get(Contact, conv.contact_id)
    assert contact is not None
    assignee = session.get(Agent, conv.assignee_id) if conv.assignee_id else None
    tags = list(
        session.scalars(
            select(Tag.name)
            .join(ConversationTag, ConversationTag.tag_id == Tag.id)
            .where(ConversationTag.conversation_id == conv.id)
            .order_by(Tag.name)
        )
    )
    last = session.scalar(
        select(Message)
        .where(Message.conversation_id == conv.id, Message.private.is_(False))
        .order_by(Message.seq.desc())
        .limit(1)
    )
    return ConversationRead(
        id=conv.id,
        inbox_id=conv.inbox_id,
        state=conv.state,
        assignee=PersonRef(id=assignee.id, name=assignee.name) if assignee else None,
        contact=ContactRef(
            id=contact.id, name=contact.name, email=contact.email, phone=contact.phone
        ),
        tags=tags,
        priority=conv.priority,
        handoff_reason=conv.handoff_reason,
        intent=conv.intent,
        last_message=message_read(session, last, contact.name) if last else None,
        last_message_at=conv.last_message_at,
        queued_at=conv.queued_at,
        created_at=conv.created_at,
    )


def _changed(session: Session, conv: Conversation) -> None:
    outbox.record(
        session,
        ConversationUpdated(
            workspace_id=conv.workspace_id,
            inbox_id=conv.inbox_id,
            conversation=conversation_read(session, conv),
        ),
    )


# ---------------------------------------------------------------- writing messages


def _next_seq(session: Session, conv: Conversation) -> int:
    # The UPDATE takes the conversation's row lock until commit: seq is gap-free and in commit
    # order per conversation, which is what lets websocket clients resume by seq.
    seq = session.execute(
        update(Conversation)
        .where(Conversation.id == conv.id)
        .values(last_seq=Conversation.last_seq + 1)
        .returning(Conversation.last_seq)
    ).scalar_one()
    conv.last_seq = seq
    return int(seq)


def _append(
    session: Session,
    conv: Conversation,
    *,
    direction: str,
    sender_kind: str,
    sender_id: str | None,
    text: str,
    private: bool = False,
    attachments: list[dict[str, Any]] | None = None,
    client_message_id: str | None = None,
    channel_message_id: str | None = None,
    delivery_status: str,
    channel: str,
    content: dict[str, Any] | None = None,
) -> MessageRead:
    now = utcnow()
    message = Message(
        id=new_id(),
        workspace_id=conv.workspace_id,
        inbox_id=conv.inbox_id,
        conversation_id=conv.id,
        seq=_next_seq(session, conv),
        direction=direction,
        sender_kind=sender_kind,
        sender_id=sender_id,
        text=text,
        private=private,
        attachments=attachments or [],
        client_message_id=client_message_id,
        channel_message_id=channel_message_id,
        delivery_status=delivery_status,
        created_at=now,
        content=content or None,
    )
    session.add(message)
    if not private:
        conv.last_message_at = now
    session.flush()
    read = message_read(session, message)
    outbox.record(
        session,
        MessageCreated(
            workspace_id=conv.workspace_id,
            inbox_id=conv.inbox_id,
            conversation_id=conv.id,
            channel=channel,
            message=read,
        ),
    )
    return read


def _find_by_channel_id(session: Session, inbox_id: str, channel_message_id: str) -> Message | None:
    return session.scalar(
        select(Message).where(
            Message.inbox_id == inbox_id, Message.channel_message_id == channel_message_id
        )
    )


def _open_conversation(
    session: Session, inbox: Inbox, contact: Contact
) -> tuple[Conversation, Literal["created", "reopened", "open"]]:
    conv = session.scalar(
        select(Conversation)
        .where(Conversation.inbox_id == inbox.id, Conversation.contact_id == contact.id)
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )
    now = utcnow()
    first_state = "bot" if inbox.bot_enabled else "queued"
    if conv is None:
        conv = Conversation(
            id=new_id(),
            workspace_id=inbox.workspace_id,
            inbox_id=inbox.id,
            contact_id=contact.id,
            state=first_state,
            last_seq=0,
            created_at=now,
            last_message_at=now,
            queued_at=now if first_state == "queued" else None,
        )
        session.add(conv)
        session.flush()
        return conv, "created"
    if conv.state == "resolved":
        conv.state = first_state
        conv.assignee_id = None
        conv.resolved_at = None
        conv.queued_at = now if first_state == "queued" else None
        conv.handoff_reason = None
        return conv, "reopened"
    return conv, "open"


def ingest_inbound(
    session: Session, *, inbox: Inbox, inbound: Inbound, limits: Limits
) -> IngestResult:
    """Store one inbound message once; a repeat of its channel message id returns the original."""
    check_text(inbound.text, limits, allow_empty=bool(inbound.attachments))
    attachments = _check_attachments(inbound.attachments)
    if inbound.payload is not None and (
        not isinstance(inbound.payload, str) or not 0 < len(inbound.payload) <= MAX_PAYLOAD
    ):
        raise InvalidInput(f"payload must be text of 1 to {MAX_PAYLOAD} characters")
    existing = _find_by_channel_id(session, inbox.id, inbound.channel_message_id)
    if existing is not None:
        conv = session.get(Conversation, existing.conversation_id)
        assert conv is not None
        return IngestResult(message_read(session, existing), conv.id, conv.contact_id, False)
    contact = resolve_identity(
        session,
        workspace_id=inbox.workspace_id,
        inbox_id=inbox.id,
        external_id=inbound.external_sender_id,
        profile=inbound.profile,
        verified_customer_id=inbound.verified_customer_id,
    )
    conv, opened = _open_conversation(session, inbox, contact)
    message = _append(
        session,
        conv,
        direction="in",
        sender_kind="contact",
        sender_id=contact.id,
        text=inbound.text,
        attachments=attachments,
        client_message_id=inbound.client_message_id,
        channel_message_id=inbound.channel_message_id,
        delivery_status="received",
        channel=inbox.channel,
        content={"payload": inbound.payload} if inbound.payload else None,
    )
    if opened == "created":
        outbox.record(
            session,
            ConversationCreated(
                workspace_id=conv.workspace_id,
                inbox_id=conv.inbox_id,
                conversation=conversation_read(session, conv),
            ),
        )
    elif opened == "reopened":
        # Otherwise message.created alone tells the console enough: no snapshot per message.
        _changed(session, conv)
    return IngestResult(message, conv.id, contact.id, True)


def ingest(
    factory: sessionmaker[Session],
    *,
    inbox_id: str,
    inbound: Inbound,
    limits: Limits,
    on_retry: Callable[[int], None] | None = None,
) -> IngestResult:
    """:func:`ingest_inbound` in its own transaction, retried when a concurrent delivery of the
    same message (or the same new contact) wins the race on a unique constraint."""
    last_error: IntegrityError | None = None
    for attempt in range(INGEST_ATTEMPTS):
        try:
            with transaction(factory) as session:
                inbox = session.get(Inbox, inbox_id)
                if inbox is None:
                    raise NotFound("unknown inbox")
                return ingest_inbound(session, inbox=inbox, inbound=inbound, limits=limits)
        except IntegrityError as exc:
            last_error = exc
            if on_retry is not None:
                on_retry(attempt)
    raise Conflict("message could not be stored after concurrent retries") from last_error


# ---------------------------------------------------------------- agent actions


def get_for_agent(session: Session, *, agent: Agent, conversation_id: str) -> Conversation:
    """The conversation if the agent may see it; 404 otherwise (also for other workspaces)."""
    conv = session.get(Conversation, conversation_id)
    if (
        conv is None
        or conv.workspace_id != agent.workspace_id
        or conv.inbox_id not in accessible_inbox_ids(session, agent=agent)
    ):
        raise NotFound("conversation not found")
    return conv


def send_agent_message(
    session: Session,
    *,
    agent: Agent,
    conversation_id: str,
    text: str,
    private: bool,
    limits: Limits,
    gate: ComplianceGate | None = None,
    confirm_warnings: bool = False,
) -> MessageRead:
    """An agent's reply (through the compliance gate) or internal note (never sent out)."""
    check_text(text, limits)
    conv = get_for_agent(session, agent=agent, conversation_id=conversation_id)
    inbox = session.get(Inbox, conv.inbox_id)
    assert inbox is not None
    if not private and gate is not None:
        check_outgoing(
            gate, text, channel=inbox.channel, locale=agent.locale, confirmed=confirm_warnings
        )
    if not private and conv.state != "assigned":
        # Answering takes the conversation: the bot stops and nobody else picks it up.
        _set_state(conv, "assigned", assignee_id=agent.id)
    elif not private and conv.assignee_id is None:
        conv.assignee_id = agent.id
    message = _append(
        session,
        conv,
        direction="out",
        sender_kind="agent",
        sender_id=agent.id,
        text=text,
        private=private,
        delivery_status="sent" if private or inbox.channel == "web" else "pending",
        channel=inbox.channel,
    )
    _changed(session, conv)
    return message


class ComplianceBlocked(KefuError):
    code = "compliance_blocked"
    status = 422


class ComplianceNeedsConfirmation(KefuError):
    code = "compliance_warning"
    status = 409


def check_outgoing(
    gate: ComplianceGate, text: str, *, channel: str, locale: str, confirmed: bool
) -> None:
    """Refuse a blocked text; ask for confirmation of a warned one. Details carry the findings,
    explained in the sender's language."""
    verdict = gate.check(text, channel=channel)
    if verdict.blocked:
        raise ComplianceBlocked(
            "this text may not be sent: " + "; ".join(f.matched_text for f in verdict.findings),
            details=gate.report(verdict, locale),
        )
    if verdict.needs_confirmation and not confirmed:
        raise ComplianceNeedsConfirmation(
            "this text needs confirmation before it is sent (confirm_warnings=true)",
            details=gate.report(verdict, locale),
        )


def _set_state(conv: Conversation, state: str, *, assignee_id: str | None = None) -> None:
    now = utcnow()
    conv.state = state
    if state == "assigned":
        conv.assignee_id = assignee_id
    elif state == "queued":
        conv.assignee_id = None
        conv.queued_at = now
    elif state == "resolved":
        conv.resolved_at = now


def assign(
    session: Session, *, agent: Agent, conversation_id: str, assignee_id: str | None
) -> Conversation:
    conv = get_for_agent(session, agent=agent, conversation_id=conversation_id)
    if assignee_id is None:
        _set_state(conv, "queued")
    else:
        target = session.get(Agent, assignee_id)
        if target is None or target.workspace_id != agent.workspace_id or not target.active:
            raise NotFound("agent not found")
        if conv.inbox_id not in accessible_inbox_ids(session, agent=target):
            raise InvalidInput(f"{target.name} has no access to this conversation's inbox")
        _set_state(conv, "assigned", assignee_id=target.id)
    session.flush()
    _changed(session, conv)
    return conv


def resolve(session: Session, *, agent: Agent, conversation_id: str) -> Conversation:
    conv = get_for_agent(session, agent=agent, conversation_id=conversation_id)
    if conv.state != "resolved":
        _set_state(conv, "resolved")
        session.flush()
        _changed(session, conv)
    return conv


def reopen(session: Session, *, agent: Agent, conversation_id: str) -> Conversation:
    conv = get_for_agent(session, agent=agent, conversation_id=conversation_id)
    if conv.state == "resolved":
        conv.resolved_at = None
        if conv.assignee_id is not None:
            _set_state(conv, "assigned", assignee_id=conv.assignee_id)
        else:
            _set_state(conv, "queued")
        session.flush()
        _changed(session, conv)
    return conv


def add_tag(session: Session, *, agent: Agent, conversation_id: str, name: str) -> Conversation:
    name = " ".join(name.split())
    if not name or len(name) > 64:
        raise InvalidInput("tag name must have 1 to 64 characters")
    conv = get_for_agent(session, agent=agent, conversation_id=conversation_id)
    tag = session.scalar(select(Tag).where(Tag.workspace_id == conv.workspace_id, Tag.name == name))
    if tag is None:
        tag = Tag(id=new_id(), workspace_id=conv.workspace_id, name=name)
        session.add(tag)
        session.flush()
    if session.get(ConversationTag, (conv.id, tag.id)) is None:
        session.add(ConversationTag(conversation_id=conv.id, tag_id=tag.id))
        session.flush()
        _changed(session, conv)
    return conv


def remove_tag(session: Session, *, agent: Agent, conversation_id: str, name: str) -> Conversation:
    conv = get_for_agent(session, agent=agent, conversation_id=conversation_id)
    tag = session.scalar(select(Tag).where(Tag.workspace_id == conv.workspace_id, Tag.name == name))
    link = session.get(ConversationTag, (conv.id, tag.id)) if tag else None
    if link is not None:
        session.delete(link)
        session.flush()
        _changed(session, conv)
    return conv


# ---------------------------------------------------------------- reading


def list_for_agent(
    session: Session,
    *,
    agent: Agent,
    view: View = "all",
    inbox_id: str | None = None,
    state: str | None = None,
    tag: str | None = None,
    limit: int = 100,
) -> list[Conversation]:
    inboxes = accessible_inbox_ids(session, agent=agent)
    if inbox_id is not None:
        inboxes &= {inbox_id}
    if not inboxes:
        return []
    stmt = select(Conversation).where(
        Conversation.workspace_id == agent.workspace_id, Conversation.inbox_id.in_(inboxes)
    )
    if view == "mine":
        stmt = stmt.where(Conversation.assignee_id == agent.id)
    elif view == "unassigned":
        stmt = stmt.where(Conversation.assignee_id.is_(None), Conversation.state != "resolved")
    if state is not None:
        stmt = stmt.where(Conversation.state == state)
    if tag is not None:
        stmt = stmt.join(ConversationTag, ConversationTag.conversation_id == Conversation.id).join(
            Tag, (Tag.id == ConversationTag.tag_id) & (Tag.name == tag)
        )
    stmt = stmt.order_by(Conversation.last_message_at.desc()).limit(min(max(limit, 1), 500))
    return list(session.scalars(stmt))


def messages_after(
    session: Session, *, conversation_id: str, after_seq: int = 0, include_private: bool
) -> list[Message]:
    stmt = select(Message).where(
        Message.conversation_id == conversation_id, Message.seq > after_seq
    )
    if not include_private:
        stmt = stmt.where(Message.private.is_(False))
    return list(session.scalars(stmt.order_by(Message.seq)))


def contact_history(session: Session, *, agent: Agent, contact_id: str) -> list[Conversation]:
    inboxes = accessible_inbox_ids(session, agent=agent)
    stmt = (
        select(Conversation)
        .where(
            Conversation.workspace_id == agent.workspace_id,
            Conversation.contact_id == contact_id,
            Conversation.inbox_id.in_(inboxes),
        )
        .order_by(Conversation.created_at.desc())
    )
    return list(session.scalars(stmt))


def latest_for_contact(session: Session, *, inbox_id: str, contact_id: str) -> Conversation | None:
    return session.scalar(
        select(Conversation)
        .where(Conversation.inbox_id == inbox_id, Conversation.contact_id == contact_id)
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )


def set_delivery_status(session: Session, *, message_id: str, status: str) -> None:
    """Record what the channel reported for an outgoing message (sent, delivered, failed…)."""
    message = session.get(Message, message_id)
    if message is not None and message.delivery_status != status:
        message.delivery_status = status


def route_to_agent(session: Session, *, conversation_id: str, agent_id: str) -> bool:
    """The ACD's decision: a queued conversation goes to ``agent_id``.

    Returns False (and changes nothing) when the conversation is no longer queued — resolved,
    or taken by hand — since the decision was made.
    """
    conv = session.get(Conversation, conversation_id)
    agent = session.get(Agent, agent_id)
    if conv is None or agent is None or conv.state != "queued":
        return False
    if agent.workspace_id != conv.workspace_id:
        raise NotFound("agent not found")
    _set_state(conv, "assigned", assignee_id=agent.id)
    session.flush()
    _changed(session, conv)
    return True


# ---------------------------------------------------------------- the bot's writes


def claim_for_bot(
    session: Session, *, conversation_id: str, states: tuple[str, ...] = ("bot",)
) -> Conversation | None:
    """Lock the conversation for one bot turn; None when it is not in one of ``states``.

    The conditional UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before
    the state is trusted, so an agent who takes the conversation meanwhile either waits for
    this turn to commit or has already made the bot's turn a no-op: the bot never talks over
    an agent.
    """
    claimed = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.state.in_(states))
        .values(last_seq=Conversation.last_seq)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    conv = session.get(Conversation, conversation_id)
    if conv is not None:
        session.refresh(conv)
    return conv


def send_bot_message(
    session: Session, *, conv: Conversation, text: str, content: dict[str, Any] | None = None
) -> MessageRead:
    """A bot answer in a conversation claimed with :func:`claim_for_bot`."""
    inbox = session.get(Inbox, conv.inbox_id)
    assert inbox is not None
    return _append(
        session,
        conv,
        direction="out",
        sender_kind="bot",
        sender_id=None,
        text=text,
        delivery_status="sent" if inbox.channel == "web" else "pending",
        channel=inbox.channel,
        content=content,
    )


def note_intent(session: Session, *, conv: Conversation, intent: str | None) -> None:
    """Remember what the bot recognised last (the console shows it; routing rules read it)."""
    if intent and conv.intent != intent:
        conv.intent = intent[:64]


def hand_off(
    session: Session,
    *,
    conv: Conversation,
    reason: str,
    priority: int,
    intent: str | None,
    note: str,
) -> Conversation:
    """The bot steps aside: the conversation queues for the ACD with its reason and priority,
    and an internal note tells the agent why (never shown to the customer)."""
    inbox = session.get(Inbox, conv.inbox_id)
    assert inbox is not None
    _set_state(conv, "queued")
    conv.handoff_reason = reason[:32]
    conv.priority = max(int(priority), 0)
    note_intent(session, conv=conv, intent=intent)
    _append(
        session,
        conv,
        direction="out",
        sender_kind="system",
        sender_id=None,
        text=note,
        private=True,
        delivery_status="sent",
        channel=inbox.channel,
        content={"handoff": {"reason": reason, "intent": intent, "priority": priority}},
    )
    session.flush()
    _changed(session, conv)
    return conv


def resolve_by_bot(session: Session, *, conv: Conversation) -> Conversation:
    """The bot closes what it finished (a rating received after the conversation ended)."""
    if conv.state != "resolved":
        _set_state(conv, "resolved")
        session.flush()
        _changed(session, conv)
    return conv
