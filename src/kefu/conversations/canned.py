"""Canned responses: reusable replies with variables filled from the conversation."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.agents.models import Agent
from kefu.compliance.gate import ComplianceGate
from kefu.contacts.models import Contact
from kefu.conversations.models import CannedResponse
from kefu.conversations.service import ComplianceBlocked, get_for_agent
from kefu.core.errors import Conflict, InvalidInput, NotFound
from kefu.core.ids import new_id
from kefu.workspaces.models import Workspace

VARIABLES = ("contact.name", "contact.email", "contact.phone", "agent.name", "workspace.name")
_VARIABLE = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")


def _check_variables(text: str) -> None:
    unknown = sorted({v for v in _VARIABLE.findall(text) if v not in VARIABLES})
    if unknown:
        raise InvalidInput(
            f"unknown variable(s) {', '.join(unknown)}; known: {', '.join(VARIABLES)}"
        )


def create(
    session: Session,
    *,
    workspace_id: str,
    short_code: str,
    text: str,
    gate: ComplianceGate | None = None,
    locale: str = "en",
) -> CannedResponse:
    """A new canned response; one the compliance gate would block is refused at once."""
    _check_variables(text)
    if gate is not None:
        verdict = gate.check(_VARIABLE.sub("", text), channel=None)
        if verdict.blocked:
            raise ComplianceBlocked(
                "this canned response could never be sent", details=gate.report(verdict, locale)
            )
    exists = session.scalar(
        select(CannedResponse.id).where(
            CannedResponse.workspace_id == workspace_id, CannedResponse.short_code == short_code
        )
    )
    if exists is not None:
        raise Conflict(f"canned response /{short_code} exists")
    row = CannedResponse(id=new_id(), workspace_id=workspace_id, short_code=short_code, text=text)
    session.add(row)
    session.flush()
    return row


def list_all(session: Session, *, workspace_id: str) -> list[CannedResponse]:
    stmt = (
        select(CannedResponse)
        .where(CannedResponse.workspace_id == workspace_id)
        .order_by(CannedResponse.short_code)
    )
    return list(session.scalars(stmt))


def get(session: Session, *, workspace_id: str, canned_id: str) -> CannedResponse:
    row = session.get(CannedResponse, canned_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound("canned response not found")
    return row


def delete(session: Session, *, workspace_id: str, canned_id: str) -> None:
    session.delete(get(session, workspace_id=workspace_id, canned_id=canned_id))


def render(session: Session, *, agent: Agent, canned_id: str, conversation_id: str) -> str:
    """The response's text with its variables filled; unknown values become empty strings."""
    row = get(session, workspace_id=agent.workspace_id, canned_id=canned_id)
    conv = get_for_agent(session, agent=agent, conversation_id=conversation_id)
    contact = session.get(Contact, conv.contact_id)
    workspace = session.get(Workspace, agent.workspace_id)
    values = {
        "contact.name": (contact.name if contact else None) or "",
        "contact.email": (contact.email if contact else None) or "",
        "contact.phone": (contact.phone if contact else None) or "",
        "agent.name": agent.name,
        "workspace.name": workspace.name if workspace else "",
    }
    # An unknown value drops the variable and the space before it ("Hello , …" reads badly).
    text = re.sub(
        r" ?" + _VARIABLE.pattern,
        lambda m: (
            (m.group(0)[0] if m.group(0)[0] == " " and values.get(m.group(1)) else "")
            + values.get(m.group(1), "")
        ),
        row.text,
    )
    return text
