"""Read-only views of the engine's state: statuses and metrics as plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.routing.config import Presence
from kefu.routing.metrics import AgentMetrics, QueueMetrics, queue_metrics
from kefu.routing.state import STATE_NAMES, AgentState, ConvState, QueueState


@dataclass(frozen=True, slots=True)
class ConversationStatus:
    id: str
    state: str  # waiting | reserved | offered | assigned
    queue_id: str
    agent_id: str | None
    enqueued_at: float
    priority: int
    min_proficiency: int
    declined_by: frozenset[str]


@dataclass(frozen=True, slots=True)
class AgentStatus:
    id: str
    presence: Presence
    load: dict[str, int]
    capacity: dict[str, int]
    conversations: frozenset[str]
    offers: frozenset[str]
    queues: tuple[str, ...]
    free_since: float


def conversation_status(conv: ConvState) -> ConversationStatus:
    return ConversationStatus(
        id=conv.id,
        state=STATE_NAMES.get(conv.state, "waiting"),
        queue_id=conv.queue.id,
        agent_id=conv.agent.id if conv.agent is not None else None,
        enqueued_at=conv.enqueued_at,
        priority=conv.priority,
        min_proficiency=conv.queue.level_min[conv.level],
        declined_by=frozenset(conv.declined or ()),
    )


def agent_status(agent: AgentState) -> AgentStatus:
    return AgentStatus(
        id=agent.id,
        presence=agent.presence,
        load={media: count for media, count in agent.load.items() if count},
        capacity=dict(agent.capacity),
        conversations=frozenset(agent.conversations),
        offers=frozenset(agent.offers),
        queues=tuple(q.id for q in agent.queues),
        free_since=agent.free_since,
    )


def queue_view(queue: QueueState, now: float) -> QueueMetrics:
    busy = staffed = 0.0
    for agent in queue.members.values():
        agent.accrue(now)
        busy += agent.stats.busy_seconds
        staffed += agent.stats.staffed_seconds
    oldest = min((e[1] for heap in queue.heaps for e in heap if e[4].token == e[3]), default=now)
    return queue_metrics(
        queue.id,
        queue.stats,
        now=now,
        waiting_now=queue.waiting,
        longest_wait_now=now - oldest,
        busy_seconds=busy,
        staffed_seconds=staffed,
    )


def agent_view(agent: AgentState, now: float) -> AgentMetrics:
    agent.accrue(now)
    stats = agent.stats
    return AgentMetrics(
        agent_id=agent.id,
        presence=agent.presence,
        interval_seconds=now - stats.interval_start,
        active_conversations=len(agent.conversations),
        offered=stats.offered,
        accepted=stats.accepted,
        rejected=stats.rejected,
        timed_out=stats.timed_out,
        handled=stats.handled,
        aht_seconds=stats.handle_total / stats.handled if stats.handled else None,
        occupancy=stats.busy_seconds / stats.staffed_seconds if stats.staffed_seconds else None,
        busy_seconds=stats.busy_seconds,
        staffed_seconds=stats.staffed_seconds,
    )
