"""Workspace administration: agents, inboxes and API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kefu.agents import service as agents
from kefu.web.api.schemas import (
    AgentCreate,
    AgentRead,
    ApiKeyCreate,
    InboxCreate,
    InboxRead,
    InboxSecret,
)
from kefu.web.deps import AdminAgent, CurrentAgent, SessionDep
from kefu.workspaces import service as workspaces

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/agents")
def list_agents(agent: CurrentAgent, session: SessionDep) -> list[AgentRead]:
    return [AgentRead.of(a) for a in agents.list_agents(session, workspace_id=agent.workspace_id)]


@router.post("/agents", status_code=201)
def create_agent(body: AgentCreate, agent: AdminAgent, session: SessionDep) -> AgentRead:
    created = agents.create_agent(
        session,
        workspace_id=agent.workspace_id,
        email=body.email,
        name=body.name,
        password=body.password,
        role=body.role,
        locale=body.locale,
        inbox_ids=body.inbox_ids,
    )
    return AgentRead.of(created)


@router.get("/inboxes")
def list_inboxes(agent: CurrentAgent, session: SessionDep) -> list[InboxRead]:
    ids = agents.accessible_inbox_ids(session, agent=agent)
    rows = workspaces.list_inboxes(session, workspace_id=agent.workspace_id, ids=ids)
    return [InboxRead.of(i) for i in rows]


@router.post("/inboxes", status_code=201)
def create_inbox(body: InboxCreate, agent: AdminAgent, session: SessionDep) -> InboxSecret:
    inbox = workspaces.create_inbox(
        session,
        workspace_id=agent.workspace_id,
        name=body.name,
        channel=body.channel,
        greeting=body.greeting,
        prechat_fields=[f.model_dump() for f in body.prechat_fields],
        webhook_url=body.webhook_url,
    )
    return InboxSecret(**InboxRead.of(inbox).model_dump(), secret=inbox.secret)


@router.post("/api-keys", status_code=201)
def create_api_key(body: ApiKeyCreate, agent: AdminAgent, session: SessionDep) -> dict[str, Any]:
    key, raw = agents.create_api_key(session, workspace_id=agent.workspace_id, name=body.name)
    return {"id": key.id, "name": key.name, "key": raw}
