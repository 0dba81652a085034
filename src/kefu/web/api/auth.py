"""Login, logout and the current agent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from kefu.agents import service as agents
from kefu.web.api.schemas import AgentRead, LoginRequest, MeUpdate
from kefu.web.deps import SESSION_COOKIE, CurrentAgent, SessionDep, StateDep, bearer_token
from kefu.workspaces.models import Workspace

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _me(agent: Any, workspace: Workspace | None) -> dict[str, Any]:
    body = AgentRead.of(agent).model_dump()
    body["workspace"] = {"id": agent.workspace_id, "name": workspace.name if workspace else None}
    return body


@router.post("/auth/login")
def login(
    body: LoginRequest, response: Response, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    ttl = state.settings.session_ttl_seconds
    agent, token = agents.login(session, email=body.email, password=body.password, ttl_seconds=ttl)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=ttl,
        httponly=True,
        samesite="lax",
        secure=state.settings.cookie_secure,
        path="/",
    )
    return {"token": token, "agent": _me(agent, session.get(Workspace, agent.workspace_id))}


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response, session: SessionDep) -> None:
    token = bearer_token(request)
    if token:
        agents.logout(session, token=token)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me")
def me(agent: CurrentAgent, session: SessionDep) -> dict[str, Any]:
    return _me(agent, session.get(Workspace, agent.workspace_id))


@router.patch("/me")
def update_me(body: MeUpdate, agent: CurrentAgent, session: SessionDep) -> dict[str, Any]:
    agents.update_profile(session, agent=agent, locale=body.locale, presence=body.presence)
    return _me(agent, session.get(Workspace, agent.workspace_id))
