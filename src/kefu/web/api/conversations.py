"""Conversations, messages, tags, contacts and canned responses for the console and API clients."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from kefu.agents import service as agents
from kefu.contacts.service import find_by_email_or_phone, get_contact
from kefu.conversations import canned
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation
from kefu.conversations.schemas import (
    CannedResponseCreate,
    CannedResponseRead,
    ConversationRead,
    MessageCreate,
    MessageRead,
)
from kefu.core.errors import NotFound
from kefu.web.api.schemas import AgentRead, AssignRequest, RenderRequest, TagRequest
from kefu.web.deps import CurrentAgent, SessionDep, StateDep, SupervisorAgent

router = APIRouter(prefix="/api/v1", tags=["conversations"])


@router.get("/conversations")
def list_conversations(
    agent: CurrentAgent,
    session: SessionDep,
    view: Literal["mine", "unassigned", "all"] = "all",
    inbox_id: str | None = None,
    state: Literal["bot", "queued", "assigned", "resolved"] | None = None,
    tag: str | None = None,
    limit: int = Query(default=100, ge=1, le=500),
) -> list[ConversationRead]:
    rows = conversations.list_for_agent(
        session, agent=agent, view=view, inbox_id=inbox_id, state=state, tag=tag, limit=limit
    )
    return [conversations.conversation_read(session, c) for c in rows]


@router.get("/conversations/{conversation_id}")
def get_conversation(
    conversation_id: str, agent: CurrentAgent, session: SessionDep
) -> ConversationRead:
    conv = conversations.get_for_agent(session, agent=agent, conversation_id=conversation_id)
    return conversations.conversation_read(session, conv)


@router.get("/conversations/{conversation_id}/messages")
def list_messages(
    conversation_id: str,
    agent: CurrentAgent,
    session: SessionDep,
    after_seq: int = Query(default=0, ge=0),
) -> list[MessageRead]:
    conv = conversations.get_for_agent(session, agent=agent, conversation_id=conversation_id)
    rows = conversations.messages_after(
        session, conversation_id=conv.id, after_seq=after_seq, include_private=True
    )
    return [conversations.message_read(session, m) for m in rows]


@router.post("/conversations/{conversation_id}/messages", status_code=201)
def send_message(
    conversation_id: str,
    body: MessageCreate,
    agent: CurrentAgent,
    session: SessionDep,
    state: StateDep,
) -> MessageRead:
    return conversations.send_agent_message(
        session,
        agent=agent,
        conversation_id=conversation_id,
        text=body.text,
        private=body.private,
        limits=state.limits,
        gate=state.gate,
        confirm_warnings=body.confirm_warnings,
    )


@router.post("/conversations/{conversation_id}/assign")
def assign(
    conversation_id: str, body: AssignRequest, agent: CurrentAgent, session: SessionDep
) -> ConversationRead:
    conv = conversations.assign(
        session, agent=agent, conversation_id=conversation_id, assignee_id=body.agent_id
    )
    return conversations.conversation_read(session, conv)


@router.post("/conversations/{conversation_id}/resolve")
def resolve(conversation_id: str, agent: CurrentAgent, session: SessionDep) -> ConversationRead:
    conv = conversations.resolve(session, agent=agent, conversation_id=conversation_id)
    return conversations.conversation_read(session, conv)


@router.post("/conversations/{conversation_id}/reopen")
def reopen(conversation_id: str, agent: CurrentAgent, session: SessionDep) -> ConversationRead:
    conv = conversations.reopen(session, agent=agent, conversation_id=conversation_id)
    return conversations.conversation_read(session, conv)


@router.post("/conversations/{conversation_id}/tags")
def add_tag(
    conversation_id: str, body: TagRequest, agent: CurrentAgent, session: SessionDep
) -> ConversationRead:
    conv = conversations.add_tag(
        session, agent=agent, conversation_id=conversation_id, name=body.name
    )
    return conversations.conversation_read(session, conv)


@router.delete("/conversations/{conversation_id}/tags/{name}")
def remove_tag(
    conversation_id: str, name: str, agent: CurrentAgent, session: SessionDep
) -> ConversationRead:
    conv = conversations.remove_tag(
        session, agent=agent, conversation_id=conversation_id, name=name
    )
    return conversations.conversation_read(session, conv)


@router.get("/contacts")
def search_contacts(
    agent: CurrentAgent,
    session: SessionDep,
    email: str | None = Query(default=None, max_length=320),
    phone: str | None = Query(default=None, max_length=40),
) -> list[dict[str, Any]]:
    """Exact search by e-mail or phone, through the keyed blind index (fields are sealed)."""
    found = find_by_email_or_phone(
        session, workspace_id=agent.workspace_id, email=email, phone=phone
    )
    visible = [
        c
        for c in found
        if agent.sees_all_inboxes
        or conversations.contact_history(session, agent=agent, contact_id=c.id)
    ]
    return [{"id": c.id, "name": c.name, "email": c.email, "phone": c.phone} for c in visible]


@router.get("/contacts/{contact_id}")
def contact(contact_id: str, agent: CurrentAgent, session: SessionDep) -> dict[str, Any]:
    found = get_contact(session, workspace_id=agent.workspace_id, contact_id=contact_id)
    history = conversations.contact_history(session, agent=agent, contact_id=found.id)
    if not history and not agent.sees_all_inboxes:
        # An agent only knows contacts through conversations it may read.
        raise NotFound("contact not found")
    return {
        "id": found.id,
        "name": found.name,
        "email": found.email,
        "phone": found.phone,
        "created_at": found.created_at.isoformat(),
        "conversations": [
            conversations.conversation_read(session, c).model_dump(mode="json") for c in history
        ],
    }


@router.get("/canned-responses")
def list_canned(agent: CurrentAgent, session: SessionDep) -> list[CannedResponseRead]:
    rows = canned.list_all(session, workspace_id=agent.workspace_id)
    return [CannedResponseRead(id=r.id, short_code=r.short_code, text=r.text) for r in rows]


@router.post("/canned-responses", status_code=201)
def create_canned(
    body: CannedResponseCreate, agent: SupervisorAgent, session: SessionDep, state: StateDep
) -> CannedResponseRead:
    row = canned.create(
        session,
        workspace_id=agent.workspace_id,
        short_code=body.short_code,
        text=body.text,
        gate=state.gate,
        locale=agent.locale,
    )
    return CannedResponseRead(id=row.id, short_code=row.short_code, text=row.text)


@router.delete("/canned-responses/{canned_id}", status_code=204)
def delete_canned(canned_id: str, agent: SupervisorAgent, session: SessionDep) -> None:
    canned.delete(session, workspace_id=agent.workspace_id, canned_id=canned_id)


@router.post("/canned-responses/{canned_id}/render")
def render_canned(
    canned_id: str, body: RenderRequest, agent: CurrentAgent, session: SessionDep
) -> dict[str, str]:
    text = canned.render(
        session, agent=agent, canned_id=canned_id, conversation_id=body.conversation_id
    )
    return {"text": text}


@router.get("/supervisor/overview")
def overview(agent: SupervisorAgent, session: SessionDep, state: StateDep) -> dict[str, Any]:
    live = conversations.list_for_agent(session, agent=agent, view="all", limit=500)
    live = [c for c in live if c.state != "resolved"]
    open_counts = dict(
        session.execute(
            select(Conversation.assignee_id, func.count())
            .where(
                Conversation.workspace_id == agent.workspace_id,
                Conversation.state == "assigned",
            )
            .group_by(Conversation.assignee_id)
        ).all()
    )
    connected = state.agents.connected_agent_ids(agent.workspace_id)
    return {
        "conversations": [
            conversations.conversation_read(session, c).model_dump(mode="json") for c in live
        ],
        "agents": [
            {
                **AgentRead.of(a).model_dump(),
                "open_conversations": int(open_counts.get(a.id, 0)),
                "connected": a.id in connected,
            }
            for a in agents.list_agents(session, workspace_id=agent.workspace_id)
        ],
    }
