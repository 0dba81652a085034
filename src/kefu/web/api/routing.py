"""The ACD over HTTP: live queue metrics and staffing for supervisors, configuration for admins."""

from __future__ import annotations

import dataclasses
from typing import Any

from anyio import to_thread
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from kefu.agents import service as agents
from kefu.core.errors import InvalidInput
from kefu.routing.config import load_config
from kefu.routing.models import RoutingSettings
from kefu.store.db import transaction
from kefu.web.deps import AdminOnly, StateDep, SupervisorOnly

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])


class SkillsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: dict[str, int] = Field(max_length=100)
    capacity: int | None = Field(default=None, ge=0, le=100)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


@router.get("/queues")
async def queues(agent: SupervisorOnly, state: StateDep) -> list[dict[str, Any]]:
    """Every queue's real-time figures (service level, ASA, AHT, abandonment, occupancy) and
    the staffing the last hour's traffic calls for."""
    engine = await state.desk.engine(agent.workspace_id)
    out = []
    for queue_id in engine.queue_ids():
        staffing = engine.staffing_recommendation(queue_id)
        out.append(
            {
                "metrics": _plain(engine.queue_metrics(queue_id)),
                "staffing": _plain(staffing) if staffing is not None else None,
            }
        )
    return out


@router.get("/config")
async def get_config(agent: SupervisorOnly, state: StateDep) -> dict[str, Any]:
    def _read() -> dict[str, Any]:
        with transaction(state.factory) as session:
            row = session.get(RoutingSettings, agent.workspace_id)
            return {"version": row.version if row else 0, "config": row.config if row else None}

    return await to_thread.run_sync(_read)


@router.put("/config")
async def put_config(body: dict[str, Any], agent: AdminOnly, state: StateDep) -> dict[str, Any]:
    """Replace the queues, rules and business hours; takes effect at once."""
    config = load_config(body)  # InvalidInput with one clear message

    def _write() -> int:
        with transaction(state.factory) as session:
            row = session.get(RoutingSettings, agent.workspace_id)
            data = config.model_dump(mode="json")
            if row is None:
                row = RoutingSettings(workspace_id=agent.workspace_id, config=data, version=1)
                session.add(row)
            else:
                row.config = data
                row.version += 1
            session.flush()
            return row.version

    version = await to_thread.run_sync(_write)
    await state.desk.reload(agent.workspace_id)
    return {"version": version}


@router.put("/agents/{agent_id}")
async def put_agent_skills(
    agent_id: str, body: SkillsUpdate, agent: AdminOnly, state: StateDep
) -> dict[str, Any]:
    """An agent's skill groups with proficiency 1-10, and how many chats they hold at once."""
    if any(not 1 <= level <= 10 for level in body.skills.values()):
        raise InvalidInput("proficiency must be between 1 and 10")

    def _write() -> dict[str, Any]:
        with transaction(state.factory) as session:
            target = agents.get_agent(session, workspace_id=agent.workspace_id, agent_id=agent_id)
            target.skills = dict(body.skills)
            if body.capacity is not None:
                target.capacity = body.capacity
            return {"id": target.id, "skills": target.skills, "capacity": target.capacity}

    result = await to_thread.run_sync(_write)
    await state.desk.reload(agent.workspace_id)
    return result
