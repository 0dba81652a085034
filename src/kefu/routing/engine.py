"""The ACD engine: event-driven assignment of conversations to agents.

Nothing polls. A decision is made the moment something changes: a conversation queues, an agent
comes online or frees a slot, an offer is rejected or expires, a wrap-up ends, a widening step or
a sticky reservation runs out. Each public method (and each timer) is one operation; the
listener hears about its decisions after the operation has finished, in order, so a listener
may call back into the engine. The engine is not thread-safe: run it on one event loop.

If a listener raises, the exception reaches the caller of the operation and the undelivered
decisions stay queued; they are delivered, in order, when the next operation finishes.

The state transitions (offer, assign, withdraw, release, wrap-up, widening, overflow, sticky
reservations) stay together in this one class on purpose: the engine's promises (no agent over
capacity, no conversation lost or assigned twice, nobody waiting while an eligible agent idles)
hold across all of them, and reading them side by side is how one checks that. Positions
(:mod:`.positions`), read-only views (:mod:`.views`), the indexes (:mod:`.state`) and rebuilding
from a snapshot (:mod:`.snapshot`) live apart.
"""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from kefu.core.errors import Conflict, InvalidInput, NotFound
from kefu.routing.config import AgentSpec, Presence, RoutingConfig
from kefu.routing.listener import ListenerBase, RoutingListener, WithdrawReason
from kefu.routing.metrics import AgentMetrics, QueueMetrics
from kefu.routing.model import ConversationRequest
from kefu.routing.positions import PositionBoard
from kefu.routing.rules import QueueSelector
from kefu.routing.scheduler import Scheduler
from kefu.routing.staffing import StaffingAdvisor, StaffingRecommendation
from kefu.routing.state import (
    ASSIGNED,
    OFFERED,
    RESERVED,
    WAITING,
    AgentState,
    ConvState,
    QueueState,
)
from kefu.routing.views import (
    AgentStatus,
    ConversationStatus,
    agent_status,
    agent_view,
    conversation_status,
    queue_view,
)

UNPLACED = -1  # between two places: just withdrawn, not yet routed again
_CLOCK_SKEW = 5.0  # seconds another server's clock may run ahead of ours
_SETTABLE = ("online", "away", "offline")
_HANDLE_EWMA = 0.05

P = ParamSpec("P")
R = TypeVar("R")


class QueueFull(Conflict):
    code = "queue_full"


def _operation(
    method: Callable[Concatenate[RoutingEngine, P], R],
) -> Callable[Concatenate[RoutingEngine, P], R]:
    """Run as one operation: listener calls are delivered when the outermost one returns."""

    @functools.wraps(method)
    def wrapper(self: RoutingEngine, /, *args: P.args, **kwargs: P.kwargs) -> R:
        self._depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._drain()

    return wrapper


class RoutingEngine:
    """Skills-based ACD over queues, agents and conversations held in memory."""

    def __init__(
        self,
        config: RoutingConfig,
        scheduler: Scheduler,
        listener: RoutingListener | None = None,
    ) -> None:
        self.config = config
        self._scheduler = scheduler
        self._listener: RoutingListener = listener if listener is not None else ListenerBase()
        self._selector = QueueSelector(config)
        now = scheduler.now()
        self._queues: dict[str, QueueState] = {q.id: QueueState(q, now) for q in config.queues}
        self._advisors: dict[str, StaffingAdvisor] = {
            q.id: StaffingAdvisor(
                sl_seconds=q.sl_seconds,
                target_service_level=q.target_service_level,
                started_at=now,
            )
            for q in config.queues
        }
        self._agents: dict[str, AgentState] = {}
        self._convs: dict[str, ConvState] = {}
        self._blocks = {media: frozenset(t) for media, t in config.media_blocks.items()}
        self._contacts: OrderedDict[str, str] = OrderedDict()
        self._seq = itertools.count(1)
        self._tokens = itertools.count(1)
        self._ords = itertools.count()
        self._events: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()
        self._depth = 0
        self._draining = False
        self._positions = PositionBoard(
            interval=config.position_update_seconds,
            granularity=config.eta_granularity_seconds,
            scheduler=scheduler,
            notify=self._notify_position,
            as_operation=self._run_as_operation,
        )

    # ------------------------------------------------------------------ plumbing

    def now(self) -> float:
        return self._scheduler.now()

    def _emit(self, method: Callable[..., None], *args: Any) -> None:
        self._events.append((method, args))

    def _drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            while self._events:
                method, args = self._events.popleft()
                method(*args)
        finally:
            self._draining = False

    def _conv(self, conversation_id: str) -> ConvState:
        conv = self._convs.get(conversation_id)
        if conv is None:
            raise NotFound(f"conversation {conversation_id!r} is not in routing")
        return conv

    def _agent(self, agent_id: str) -> AgentState:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} is not known to routing")
        return agent

    def _queue(self, queue_id: str) -> QueueState:
        queue = self._queues.get(queue_id)
        if queue is None:
            raise NotFound(f"queue {queue_id!r} does not exist")
        return queue

    # ------------------------------------------------------------------ agents

    @_operation
    def add_agent(self, spec: AgentSpec) -> None:
        """Make an agent routable; an online agent starts taking work at once."""
        if spec.id in self._agents:
            raise Conflict(f"agent {spec.id!r} is already known to routing")
        agent = self._add_agent_state(spec, spec.presence)
        if agent.presence == "online":
            self._feed(agent)

    def _add_agent_state(self, spec: AgentSpec, presence: Presence) -> AgentState:
        agent = AgentState(
            spec.id, next(self._ords), spec.skills, spec.capacity, presence, self.now()
        )
        self._agents[agent.id] = agent
        self._join_queues(agent)
        self._refresh(agent)
        return agent

    def _join_queues(self, agent: AgentState) -> None:
        agent.queues = [
            q for q in self._queues.values() if agent.skills.get(q.skill, 0) >= q.lowest_proficiency
        ]
        for queue in agent.queues:
            queue.members[agent.id] = agent

    @_operation
    def update_agent(self, spec: AgentSpec) -> None:
        """Change an agent's skills or capacity (presence is changed with set_presence)."""
        agent = self._agent(spec.id)
        for queue in agent.queues:
            queue.index.discard(agent.id)
            queue.members.pop(agent.id, None)
        agent.accrue(self.now())
        agent.skills = dict(spec.skills)
        agent.capacity = dict(spec.capacity)
        self._join_queues(agent)
        self._refresh(agent)
        for conv in list(agent.reserved):  # reserved under the old skills: route afresh
            self._unreserve(conv)
            self._return_to_queue(conv)
        if agent.presence == "online":
            self._feed(agent)

    @_operation
    def remove_agent(self, agent_id: str) -> None:
        """Forget an agent who holds no conversation (offers and reservations go back)."""
        agent = self._agent(agent_id)
        if agent.conversations:
            raise Conflict(
                f"agent {agent_id!r} still has {len(agent.conversations)} conversations; "
                "release or requeue them first"
            )
        if agent.presence != "offline":
            self._change_presence(agent, "offline")
        for queue in agent.queues:
            queue.index.discard(agent.id)
            queue.members.pop(agent.id, None)
        del self._agents[agent_id]

    @_operation
    def set_presence(self, agent_id: str, presence: str) -> None:
        """online / away / offline. Going online ends a wrap-up early."""
        if presence not in _SETTABLE:
            raise InvalidInput(f"presence must be one of {', '.join(_SETTABLE)}")
        agent = self._agent(agent_id)
        if presence != agent.presence:
            self._change_presence(agent, cast(Presence, presence))

    def _change_presence(self, agent: AgentState, presence: Presence) -> None:
        now = self.now()
        agent.accrue(now)
        if agent.presence == "wrap_up":
            self._end_wrap(agent, now)
        agent.presence = presence
        self._emit(self._listener.on_presence_changed, agent.id, presence)
        if presence == "online":
            if agent.total_load == 0:
                agent.free_since = now
            self._refresh(agent)
            self._feed(agent)
            return
        self._refresh(agent)
        for conv_id in sorted(agent.offers, key=lambda c: self._convs[c].seq):
            conv = self._convs[conv_id]
            self._withdraw_offer(conv, "agent_unavailable")
            self._return_to_queue(conv)
        for conv in list(agent.reserved):
            self._unreserve(conv)
            self._return_to_queue(conv)

    def _refresh(self, agent: AgentState) -> None:
        blocks = self._blocks
        for queue in agent.queues:
            queue.index.update(
                agent, agent.skills[queue.skill], agent.can_take(queue.media, blocks)
            )

    # ------------------------------------------------------------------ conversations

    @_operation
    def enqueue(self, request: ConversationRequest) -> str:
        """Route a conversation: offer it to an agent now or queue it. Returns its queue id."""
        if not request.id or not isinstance(request.id, str):
            raise InvalidInput("a conversation needs a non-empty string id")
        if request.id in self._convs:
            raise Conflict(f"conversation {request.id!r} is already in routing")
        now = self.now()
        if request.enqueued_at is not None and request.enqueued_at > now + _CLOCK_SKEW:
            raise InvalidInput("enqueued_at lies in the future")
        choice = self._selector.choose(request, now)
        media = self.config.media_for(request.channel)
        hops = self._admit(self._queues[choice.queue_id])
        if hops is None:
            raise QueueFull(f"queue {choice.queue_id!r} and its overflow queues are full")
        queue = hops[-1]
        if queue.media != media:
            raise InvalidInput(
                f"channel {request.channel!r} carries {media}, but queue {queue.id!r} takes "
                f"{queue.media}"
            )
        enqueued_at = now if request.enqueued_at is None else request.enqueued_at
        conv = ConvState(
            request.id,
            channel=request.channel,
            media=media,
            contact_id=request.contact_id,
            priority=choice.priority,
            enqueued_at=enqueued_at,
            seq=next(self._seq),
            queue=queue,
        )
        conv.last_agent_id = request.last_agent_id
        if conv.last_agent_id is None and request.contact_id is not None:
            conv.last_agent_id = self._contacts.get(request.contact_id)
        self._convs[conv.id] = conv
        self._emit(self._listener.on_queued, conv.id, hops[0].id, conv.priority)
        for full, target in itertools.pairwise(hops):
            full.stats.entered += 1
            full.stats.overflowed_out += 1
            self._emit(self._listener.on_overflow, conv.id, full.id, target.id)
        self._enter_queue(conv, queue, entered_at=now)
        return queue.id

    def _admit(self, queue: QueueState) -> list[QueueState] | None:
        """The queue to join, following overflow while queues are full (None: all full)."""
        hops = [queue]
        while queue.config.max_waiting is not None and queue.waiting >= queue.config.max_waiting:
            target = queue.config.overflow_queue
            if target is None or any(h.id == target for h in hops):
                return None
            queue = self._queues[target]
            hops.append(queue)
        return hops

    def _enter_queue(
        self, conv: ConvState, queue: QueueState, *, entered_at: float, count: bool = True
    ) -> None:
        now = self.now()
        conv.queue = queue
        conv.queue_entered_at = entered_at
        conv.level = 0
        conv.step = 0
        conv.pending_step = False
        conv.key0 = queue.aging * conv.enqueued_at - conv.priority
        conv.state = UNPLACED
        if count:
            queue.stats.entered += 1
            self._advisors[queue.id].record_arrival(now)
        self._schedule_step(conv)
        if self._try_sticky(conv, now):
            return
        self._route(conv)

    def _schedule_step(self, conv: ConvState) -> None:
        steps = conv.queue.config.widening
        if conv.step < len(steps):
            when = conv.queue_entered_at + steps[conv.step].after_seconds
            conv.widen_timer = self._scheduler.call_at(
                when, functools.partial(self._on_widen, conv)
            )
        else:
            conv.widen_timer = None

    def _try_sticky(self, conv: ConvState, now: float) -> bool:
        queue = conv.queue
        config = queue.config
        if config.strategy != "sticky" or conv.last_agent_id is None:
            return False
        deadline = conv.enqueued_at + config.sticky_seconds
        agent = queue.members.get(conv.last_agent_id)
        if agent is None or deadline <= now or agent.presence not in ("online", "wrap_up"):
            return False
        if agent.skills[queue.skill] < queue.level_min[conv.level]:
            return False
        if conv.declined and agent.id in conv.declined:
            return False
        if agent.can_take(queue.media, self._blocks):
            self._offer(conv, agent)
            return True
        conv.state = RESERVED
        conv.sticky_agent = agent
        agent.reserved.append(conv)
        conv.sticky_timer = self._scheduler.call_at(
            deadline, functools.partial(self._on_sticky_timeout, conv)
        )
        return True

    def _route(self, conv: ConvState) -> None:
        queue = conv.queue
        agent = queue.index.best(queue.level_min[conv.level], conv.declined)
        if agent is not None:
            self._offer(conv, agent)
        else:
            queue.push(conv, next(self._tokens))
            self._mark_dirty(queue)

    def _take_from_queue(self, conv: ConvState) -> None:
        conv.queue.remove(conv)
        conv.state = UNPLACED
        self._mark_dirty(conv.queue)

    def _unreserve(self, conv: ConvState) -> None:
        agent = conv.sticky_agent
        if agent is not None:
            agent.reserved.remove(conv)
        conv.sticky_agent = None
        if conv.sticky_timer is not None:
            self._scheduler.cancel(conv.sticky_timer)
            conv.sticky_timer = None
        conv.state = UNPLACED

    def _return_to_queue(self, conv: ConvState) -> None:
        """Put a conversation back where it was, keeping its place by original enqueue time."""
        conv.state = UNPLACED
        if conv.pending_step:
            conv.pending_step = False
            self._apply_step(conv)
        else:
            self._route(conv)

    def _offer(self, conv: ConvState, agent: AgentState) -> None:
        queue = conv.queue
        conv.state = OFFERED
        conv.agent = agent
        agent.load[conv.media] = agent.load.get(conv.media, 0) + 1
        agent.offers.add(conv.id)
        agent.stats.offered += 1
        queue.index.note_offer(agent)
        if queue.config.auto_accept:
            self._assign(conv, agent)
            return
        self._refresh(agent)
        timeout = queue.config.offer_timeout_seconds
        expires = None if timeout is None else self.now() + timeout
        if expires is not None:
            conv.offer_timer = self._scheduler.call_at(
                expires, functools.partial(self._on_offer_timeout, conv, agent)
            )
        self._emit(self._listener.on_offer, conv.id, agent.id, expires)

    def _assign(self, conv: ConvState, agent: AgentState) -> None:
        now = self.now()
        queue = conv.queue
        self._cancel_conv_timers(conv)
        conv.state = ASSIGNED
        conv.assigned_at = now
        agent.offers.discard(conv.id)
        agent.conversations.add(conv.id)
        agent.accrue(now)
        agent.active[conv.media] = agent.active.get(conv.media, 0) + 1
        agent.last_assigned_at = now
        agent.stats.accepted += 1
        self._remember_contact(conv, agent)
        wait = max(0.0, now - conv.enqueued_at)
        if not conv.answered:  # a transfer is answered again, but counted once
            conv.answered = True
            queue.stats.record_answer(wait)
            self._advisors[queue.id].record_answer(now, wait)
        self._refresh(agent)
        self._emit(self._listener.on_assigned, conv.id, agent.id, queue.id, wait)

    def _cancel_conv_timers(self, conv: ConvState) -> None:
        for name in ("offer_timer", "widen_timer", "sticky_timer"):
            timer = getattr(conv, name)
            if timer is not None:
                self._scheduler.cancel(timer)
                setattr(conv, name, None)

    def _withdraw_offer(self, conv: ConvState, reason: WithdrawReason) -> AgentState:
        agent = conv.agent
        assert agent is not None
        if conv.offer_timer is not None:
            self._scheduler.cancel(conv.offer_timer)
            conv.offer_timer = None
        agent.load[conv.media] -= 1
        agent.offers.discard(conv.id)
        conv.agent = None
        conv.state = UNPLACED
        self._refresh(agent)
        self._emit(self._listener.on_offer_withdrawn, conv.id, agent.id, reason)
        return agent

    def _feed(self, agent: AgentState) -> None:
        """Give a newly available agent the best waiting work it can take, slot by slot."""
        while True:
            conv = self._pick_for(agent)
            if conv is None:
                return
            if conv.state == WAITING:
                self._take_from_queue(conv)
            elif conv.state == RESERVED:
                self._unreserve(conv)
            self._offer(conv, agent)

    def _pick_for(self, agent: AgentState) -> ConvState | None:
        if agent.presence != "online":
            return None
        blocks = self._blocks
        for held in agent.reserved:
            if agent.can_take(held.queue.media, blocks):
                return held
        now = self.now()
        best: ConvState | None = None
        best_rank: tuple[float, float, float, int] | None = None
        for queue in agent.queues:
            if not queue.waiting or not agent.can_take(queue.media, blocks):
                continue
            proficiency = agent.skills[queue.skill]
            for level, floor in enumerate(queue.level_min):
                if floor > proficiency:
                    continue
                head = queue.head_for(level, agent.id)
                if head is None:
                    continue
                rank = (
                    -queue.weight,
                    -queue.effective_priority(head, now),
                    head.enqueued_at,
                    head.seq,
                )
                if best_rank is None or rank < best_rank:
                    best, best_rank = head, rank
        return best

    @_operation
    def accept(self, conversation_id: str, agent_id: str) -> None:
        """The agent takes the conversation offered to them."""
        conv = self._conv(conversation_id)
        agent = self._agent(agent_id)
        if conv.state != OFFERED or conv.agent is not agent:
            raise Conflict(f"conversation {conversation_id!r} is not offered to {agent_id!r}")
        self._assign(conv, agent)

    @_operation
    def reject(self, conversation_id: str, agent_id: str) -> None:
        """The agent declines: the conversation goes to the next agent and not back to them."""
        conv = self._conv(conversation_id)
        agent = self._agent(agent_id)
        if conv.state != OFFERED or conv.agent is not agent:
            raise Conflict(f"conversation {conversation_id!r} is not offered to {agent_id!r}")
        self._withdraw_offer(conv, "rejected")
        conv.decline(agent.id)
        agent.stats.rejected += 1
        self._return_to_queue(conv)
        self._feed(agent)

    @_operation
    def _on_offer_timeout(self, conv: ConvState, agent: AgentState) -> None:
        if conv.state != OFFERED or conv.agent is not agent or self._convs.get(conv.id) is not conv:
            return
        conv.offer_timer = None
        self._withdraw_offer(conv, "timeout")
        conv.decline(agent.id)
        agent.stats.timed_out += 1
        if conv.queue.config.away_on_offer_timeout and agent.presence == "online":
            self._change_presence(agent, "away")
        self._return_to_queue(conv)
        self._feed(agent)

    @_operation
    def release(self, conversation_id: str) -> None:
        """The conversation ended (resolved or closed): its agent's slot frees up."""
        conv = self._conv(conversation_id)
        if conv.state != ASSIGNED:
            raise Conflict(f"conversation {conversation_id!r} is not assigned")
        agent = conv.agent
        assert agent is not None
        queue = conv.queue
        now = self.now()
        agent.accrue(now)
        agent.active[conv.media] -= 1
        agent.load[conv.media] -= 1
        agent.conversations.discard(conv.id)
        handle = max(0.0, now - conv.assigned_at)
        queue.stats.record_handle(handle)
        agent.stats.handled += 1
        agent.stats.handle_total += handle
        wrap = queue.config.wrap_up_seconds
        self._advisors[queue.id].record_handle(now, handle + wrap)
        queue.aht_estimate += _HANDLE_EWMA * (handle + wrap - queue.aht_estimate)
        del self._convs[conv.id]
        if agent.total_load == 0:
            agent.free_since = now
        if wrap > 0 and agent.presence in ("online", "wrap_up"):
            self._start_wrap(agent, queue, now, wrap)
            return
        self._refresh(agent)
        self._feed(agent)

    def _remember_contact(self, conv: ConvState, agent: AgentState) -> None:
        limit = self.config.remembered_contacts
        if conv.contact_id is None or limit == 0:
            return
        self._contacts[conv.contact_id] = agent.id
        self._contacts.move_to_end(conv.contact_id)
        while len(self._contacts) > limit:
            self._contacts.popitem(last=False)

    def _start_wrap(self, agent: AgentState, queue: QueueState, now: float, wrap: float) -> None:
        if agent.presence == "wrap_up":
            self._credit_wrap(agent, now)
        else:
            agent.presence_after_wrap = agent.presence
            agent.presence = "wrap_up"
            self._emit(self._listener.on_presence_changed, agent.id, "wrap_up")
        agent.wrap_started = now
        agent.wrap_queue = queue
        until = max(agent.wrap_until or now, now + wrap)
        if agent.wrap_timer is not None:
            self._scheduler.cancel(agent.wrap_timer)
        agent.wrap_until = until
        agent.wrap_timer = self._scheduler.call_at(
            until, functools.partial(self._on_wrap_end, agent)
        )
        self._refresh(agent)

    def _credit_wrap(self, agent: AgentState, now: float) -> None:
        spent = now - agent.wrap_started
        if agent.wrap_queue is not None and spent > 0:
            agent.wrap_queue.stats.wrap_total += spent
            agent.stats.handle_total += spent
        agent.wrap_started = now

    def _end_wrap(self, agent: AgentState, now: float) -> None:
        self._credit_wrap(agent, now)
        if agent.wrap_timer is not None:
            self._scheduler.cancel(agent.wrap_timer)
        agent.wrap_timer = None
        agent.wrap_until = None
        agent.wrap_queue = None

    @_operation
    def _on_wrap_end(self, agent: AgentState) -> None:
        if agent.presence != "wrap_up" or self._agents.get(agent.id) is not agent:
            return
        agent.wrap_timer = None
        self._change_presence(agent, agent.presence_after_wrap)

    @_operation
    def abandon(self, conversation_id: str) -> None:
        """The customer left before an agent accepted."""
        conv = self._conv(conversation_id)
        if conv.state == ASSIGNED:
            raise Conflict(f"conversation {conversation_id!r} is already assigned; release it")
        now = self.now()
        queue = conv.queue
        agent = None
        if conv.state == WAITING:
            self._take_from_queue(conv)
        elif conv.state == RESERVED:
            self._unreserve(conv)
        elif conv.state == OFFERED:
            agent = self._withdraw_offer(conv, "abandoned")
        self._cancel_conv_timers(conv)
        del self._convs[conv.id]
        wait = max(0.0, now - conv.enqueued_at)
        queue.stats.record_abandon(wait)
        self._advisors[queue.id].record_abandon(now, wait)
        self._emit(self._listener.on_abandoned, conv.id, queue.id, wait)
        if agent is not None:
            self._feed(agent)

    @_operation
    def requeue(self, conversation_id: str, queue_id: str | None = None) -> None:
        """Take a conversation back from its agent (or move it) and route it again.

        For transfers and for agents who leave with work in hand. It keeps its original enqueue
        time, so it is served ahead of later arrivals; without ``queue_id`` it stays in its queue.
        The agent who gave it back is not offered it again.
        """
        conv = self._conv(conversation_id)
        target = conv.queue if queue_id is None else self._queue(queue_id)
        if target.media != conv.media:
            raise InvalidInput(f"queue {target.id!r} takes {target.media}, not {conv.media}")
        now = self.now()
        agent = conv.agent
        if conv.state == ASSIGNED:
            assert agent is not None
            agent.accrue(now)
            agent.active[conv.media] -= 1
            agent.load[conv.media] -= 1
            agent.conversations.discard(conv.id)
            agent.stats.handled += 1
            agent.stats.handle_total += now - conv.assigned_at
            if agent.total_load == 0:
                agent.free_since = now
            conv.agent = None
            conv.state = UNPLACED
            conv.decline(agent.id)
            self._refresh(agent)
            self._emit(self._listener.on_offer_withdrawn, conv.id, agent.id, "requeued")
        elif conv.state == OFFERED:
            assert agent is not None
            self._withdraw_offer(conv, "requeued")
            conv.decline(agent.id)
        elif conv.state == WAITING:
            self._take_from_queue(conv)
        elif conv.state == RESERVED:
            self._unreserve(conv)
        self._cancel_conv_timers(conv)
        if target is conv.queue:
            self._emit(self._listener.on_queued, conv.id, target.id, conv.priority)
            self._enter_queue(conv, target, entered_at=conv.queue_entered_at, count=False)
        else:
            self._emit(self._listener.on_overflow, conv.id, conv.queue.id, target.id)
            self._enter_queue(conv, target, entered_at=now)
        if agent is not None:
            self._feed(agent)

    @_operation
    def assign_to(
        self,
        conversation_id: str,
        agent_id: str,
        *,
        channel: str = "web",
        contact_id: str | None = None,
    ) -> None:
        """A person (agent or supervisor) gave the conversation to ``agent_id`` by hand.

        The engine follows the decision instead of making one: it takes the conversation from
        wherever it is (waiting, offered, another agent) and counts it on the agent's load, even
        above capacity (a human chose to). A conversation the engine never saw (taken straight
        from the bot, say) is adopted as assigned, without touching the queue's statistics.
        """
        agent = self._agent(agent_id)
        conv = self._convs.get(conversation_id)
        previous: AgentState | None = None
        if conv is None:
            media = self.config.media_for(channel)
            default = self._queue(self.config.default_queue)
            queue = default if default.media == media else None
            queue = queue or next((q for q in self._queues.values() if q.media == media), None)
            if queue is None:
                raise InvalidInput(f"no queue takes {media} work")
            conv = ConvState(
                conversation_id,
                channel=channel,
                media=media,
                contact_id=contact_id,
                priority=0,
                enqueued_at=self.now(),
                seq=next(self._seq),
                queue=queue,
            )
            conv.answered = True
            self._convs[conversation_id] = conv
        elif conv.state == ASSIGNED:
            if conv.agent is agent:
                return
            previous = conv.agent
            assert previous is not None
            now = self.now()
            previous.accrue(now)
            previous.active[conv.media] -= 1
            previous.load[conv.media] -= 1
            previous.conversations.discard(conv.id)
            if previous.total_load == 0:
                previous.free_since = now
            conv.agent = None
            conv.state = UNPLACED
            self._refresh(previous)
            self._emit(self._listener.on_offer_withdrawn, conv.id, previous.id, "requeued")
        elif conv.state == OFFERED:
            previous = self._withdraw_offer(conv, "requeued")
        elif conv.state == WAITING:
            self._take_from_queue(conv)
        elif conv.state == RESERVED:
            self._unreserve(conv)
        self._cancel_conv_timers(conv)
        conv.agent = agent
        agent.load[conv.media] = agent.load.get(conv.media, 0) + 1
        self._assign(conv, agent)
        if previous is not None:
            self._feed(previous)

    # ------------------------------------------------------------------ timers

    @_operation
    def _on_widen(self, conv: ConvState) -> None:
        if self._convs.get(conv.id) is not conv or conv.state == ASSIGNED:
            return
        conv.widen_timer = None
        if conv.state == OFFERED:
            conv.pending_step = True  # applies if the offer comes back
            return
        self._apply_step(conv)

    def _apply_step(self, conv: ConvState) -> None:
        queue = conv.queue
        step = queue.config.widening[conv.step]
        conv.step += 1
        if step.overflow_to is not None:
            hops = self._admit(self._queues[step.overflow_to])
            if hops is not None:
                if conv.state == WAITING:
                    self._take_from_queue(conv)
                elif conv.state == RESERVED:
                    self._unreserve(conv)
                queue.stats.overflowed_out += 1
                previous = queue
                for target in hops:
                    self._emit(self._listener.on_overflow, conv.id, previous.id, target.id)
                    if target is not hops[-1]:
                        target.stats.entered += 1
                        target.stats.overflowed_out += 1
                    previous = target
                self._enter_queue(conv, hops[-1], entered_at=self.now())
                return
        else:
            conv.level += 1
        self._schedule_step(conv)
        if conv.state == WAITING:
            self._take_from_queue(conv)
            self._route(conv)
        elif conv.state == UNPLACED:
            self._route(conv)

    @_operation
    def _on_sticky_timeout(self, conv: ConvState) -> None:
        if self._convs.get(conv.id) is not conv or conv.state != RESERVED:
            return
        conv.sticky_timer = None
        self._unreserve(conv)
        self._return_to_queue(conv)

    # ------------------------------------------------------------------ positions

    def _mark_dirty(self, queue: QueueState) -> None:
        self._positions.mark(queue)

    def _run_as_operation(self, work: Callable[[], None]) -> None:
        self._depth += 1
        try:
            work()
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._drain()

    def _notify_position(
        self, conv_id: str, queue_id: str, position: int, eta: float | None
    ) -> None:
        self._emit(self._listener.on_position_changed, conv_id, queue_id, position, eta)

    def position(self, conversation_id: str) -> tuple[int, float | None] | None:
        """(position, estimated wait) of a waiting conversation; None if it is not waiting."""
        return self._positions.position(self._conv(conversation_id))

    # ------------------------------------------------------------------ queries

    def conversation_status(self, conversation_id: str) -> ConversationStatus:
        return conversation_status(self._conv(conversation_id))

    def agent_status(self, agent_id: str) -> AgentStatus:
        return agent_status(self._agent(agent_id))

    def conversation_ids(self) -> list[str]:
        return list(self._convs)

    def agent_ids(self) -> list[str]:
        return list(self._agents)

    def queue_ids(self) -> list[str]:
        return list(self._queues)

    def waiting_count(self, queue_id: str) -> int:
        return self._queue(queue_id).waiting

    def queue_metrics(self, queue_id: str) -> QueueMetrics:
        return queue_view(self._queue(queue_id), self.now())

    def agent_metrics(self, agent_id: str) -> AgentMetrics:
        return agent_view(self._agent(agent_id), self.now())

    def reset_metrics(self) -> None:
        """Start a new reporting interval (queue and agent counters back to zero)."""
        now = self.now()
        for queue in self._queues.values():
            queue.stats.reset(now)
        for agent in self._agents.values():
            agent.accrue(now)
            agent.stats.reset(now)
            if agent.presence == "wrap_up":
                agent.wrap_started = now

    def staffing_recommendation(self, queue_id: str) -> StaffingRecommendation | None:
        """Agents needed now for the queue's target, from the last hour it has seen."""
        self._queue(queue_id)
        return self._advisors[queue_id].recommend(self.now())
