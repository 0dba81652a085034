"""Request dependencies, declared once as ``Annotated`` aliases beside their providers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, WebSocket
from sqlalchemy.orm import Session

from kefu.agents import service as agents
from kefu.agents.models import Agent
from kefu.core.errors import Forbidden, Unauthorized
from kefu.web.state import AppState

SESSION_COOKIE = "kefu_session"


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.kefu
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    with state.factory() as session, session.begin():
        yield session


# scope="function": the commit happens before the response is sent, so a client that is told
# "201 Created" can rely on the write being durable and visible to its next request.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(request: Request | WebSocket) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE) or None


def authenticate(session: Session, token: str | None) -> Agent:
    if not token:
        raise Unauthorized("sign in, or send an API key as 'Authorization: Bearer ...'")
    if token.startswith("kefu_sk_"):
        return agents.agent_for_api_key(session, raw=token)
    return agents.agent_for_token(session, token=token)


def current_agent(request: Request, session: SessionDep) -> Agent:
    return authenticate(session, bearer_token(request))


CurrentAgent = Annotated[Agent, Depends(current_agent)]


def supervisor(agent: CurrentAgent) -> Agent:
    return _role(agent, ("admin", "supervisor"), "this needs a supervisor or admin")


def admin(agent: CurrentAgent) -> Agent:
    return _role(agent, ("admin",), "this needs an admin")


SupervisorAgent = Annotated[Agent, Depends(supervisor)]
AdminAgent = Annotated[Agent, Depends(admin)]


# For endpoints that run their own transactions (async ones, which must not hold the request's
# transaction open while they await: on SQLite a second writer would wait on the first).
def agent_outside_transaction(request: Request, state: StateDep) -> Agent:
    with state.factory() as session, session.begin():
        agent = authenticate(session, bearer_token(request))
        session.expunge(agent)
    return agent


def _role(agent: Agent, roles: tuple[str, ...], message: str) -> Agent:
    if agent.role not in roles:
        raise Forbidden(message)
    return agent


def supervisor_outside_transaction(
    agent: Annotated[Agent, Depends(agent_outside_transaction)],
) -> Agent:
    return _role(agent, ("admin", "supervisor"), "this needs a supervisor or admin")


def admin_outside_transaction(
    agent: Annotated[Agent, Depends(agent_outside_transaction)],
) -> Agent:
    return _role(agent, ("admin",), "this needs an admin")


SupervisorOnly = Annotated[Agent, Depends(supervisor_outside_transaction)]
AdminOnly = Annotated[Agent, Depends(admin_outside_transaction)]
