"""Agents: accounts, login sessions, presence, locale and inbox access (the only writer)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.agents.events import AgentPresenceChanged
from kefu.agents.models import LOCALES, PRESENCES, ROLES, Agent, AgentInbox, AgentSession
from kefu.agents.security import (
    MIN_PASSWORD_LENGTH,
    UNUSABLE_PASSWORD,
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)
from kefu.bus import outbox
from kefu.core.clock import utcnow
from kefu.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from kefu.core.ids import new_id
from kefu.workspaces import service as workspace_service
from kefu.workspaces.models import ApiKey, Inbox

SESSION_PREFIX = "kefu_ss_"
# Verifying against a real hash when the e-mail is unknown keeps login time independent of it.
_DUMMY_HASH = hash_password("kefu-dummy-password-for-timing")


def _normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise InvalidInput(f"not an e-mail address: {email!r}")
    return email


def create_agent(
    session: Session,
    *,
    workspace_id: str,
    email: str,
    name: str,
    password: str,
    role: str = "agent",
    locale: str = "en",
    inbox_ids: list[str] | None = None,
) -> Agent:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if not name.strip():
        raise InvalidInput("name is empty")
    email = _normalise_email(email)
    if session.scalar(select(Agent.id).where(Agent.email == email)) is not None:
        raise Conflict(f"an agent with e-mail {email} exists")
    agent = Agent(
        id=new_id(),
        workspace_id=workspace_id,
        email=email,
        name=name.strip(),
        role=role,
        locale=locale,
        password_hash=hash_password(password),
    )
    session.add(agent)
    session.flush()
    for inbox_id in inbox_ids or []:
        grant_inbox(session, agent=agent, inbox_id=inbox_id)
    return agent


def grant_inbox(session: Session, *, agent: Agent, inbox_id: str) -> None:
    inbox = session.get(Inbox, inbox_id)
    if inbox is None or inbox.workspace_id != agent.workspace_id:
        raise NotFound("inbox not found")
    if session.get(AgentInbox, (agent.id, inbox_id)) is None:
        session.add(AgentInbox(agent_id=agent.id, inbox_id=inbox_id))


def accessible_inbox_ids(session: Session, *, agent: Agent) -> set[str]:
    if agent.sees_all_inboxes:
        stmt = select(Inbox.id).where(Inbox.workspace_id == agent.workspace_id)
    else:
        stmt = select(AgentInbox.inbox_id).where(AgentInbox.agent_id == agent.id)
    return set(session.scalars(stmt))


def login(session: Session, *, email: str, password: str, ttl_seconds: int) -> tuple[Agent, str]:
    """Check credentials and open a session; returns the agent and the bearer token (shown once)."""
    agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    if agent is None or not agent.active:
        verify_password(_DUMMY_HASH, password)
        raise Unauthorized("wrong e-mail or password")
    if not verify_password(agent.password_hash, password):
        raise Unauthorized("wrong e-mail or password")
    if needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
    token = new_token(SESSION_PREFIX)
    now = utcnow()
    session.add(
        AgentSession(
            token_hash=token_hash(token),
            agent_id=agent.id,
            workspace_id=agent.workspace_id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    return agent, token


def create_api_key(session: Session, *, workspace_id: str, name: str) -> tuple[ApiKey, str]:
    """An API key with its own login-less admin agent, so API actions are attributed to it."""
    service_agent = Agent(
        id=new_id(),
        workspace_id=workspace_id,
        email=f"api-key-{new_id()}@kefu.invalid",
        name=f"API: {name.strip() or 'key'}",
        role="admin",
        password_hash=UNUSABLE_PASSWORD,
    )
    session.add(service_agent)
    session.flush()
    return workspace_service.create_api_key(
        session, workspace_id=workspace_id, name=name, agent_id=service_agent.id
    )


def agent_for_api_key(session: Session, *, raw: str) -> Agent:
    key = workspace_service.api_key_by_value(session, raw=raw)
    agent = session.get(Agent, key.agent_id) if key.agent_id else None
    if agent is None or not agent.active:
        raise Unauthorized("invalid API key")
    return agent


def agent_for_token(session: Session, *, token: str) -> Agent:
    row = session.get(AgentSession, token_hash(token))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("not signed in")
    if row.expires_at <= utcnow():
        raise Unauthorized("session expired; sign in again")
    agent = session.get(Agent, row.agent_id)
    if agent is None or not agent.active:
        raise Unauthorized("not signed in")
    return agent


def logout(session: Session, *, token: str) -> None:
    row = session.get(AgentSession, token_hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def update_profile(
    session: Session, *, agent: Agent, locale: str | None = None, presence: str | None = None
) -> Agent:
    if locale is not None:
        if locale not in LOCALES:
            raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}")
        agent.locale = locale
    if presence is not None and presence != agent.presence:
        if presence not in PRESENCES:
            raise InvalidInput(f"presence must be one of {', '.join(PRESENCES)}")
        agent.presence = presence
        agent.presence_changed_at = utcnow()
        outbox.record(
            session,
            AgentPresenceChanged(
                workspace_id=agent.workspace_id, agent_id=agent.id, presence=presence
            ),
        )
    return agent


def list_agents(session: Session, *, workspace_id: str) -> list[Agent]:
    stmt = (
        select(Agent)
        .where(Agent.workspace_id == workspace_id, Agent.password_hash != UNUSABLE_PASSWORD)
        .order_by(Agent.name)
    )
    return list(session.scalars(stmt))


def get_agent(session: Session, *, workspace_id: str, agent_id: str) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None or agent.workspace_id != workspace_id:
        raise NotFound("agent not found")
    return agent
