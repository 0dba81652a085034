"""The engine's working state: agents, conversations, and the two indexes every decision uses.

* Per queue, waiting conversations sit in one binary heap per widening level, keyed by
  ``(aging * enqueued_at - priority, enqueued_at, seq)``. Effective priority with aging is
  ``priority + aging * (now - enqueued_at)``; the ``aging * now`` term is the same for everyone in
  the queue, so the order never changes while they wait and the key can stay fixed.
  Removal is lazy: an entry is live while its token matches the conversation's.
* Per queue, the agents available for it sit in one sorted list per proficiency (1-10), ordered
  by the queue's strategy. Finding the best agent looks at the head of at most ten lists.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from typing import Any

from kefu.routing.config import MAX_PROFICIENCY, Presence, QueueConfig
from kefu.routing.metrics import AgentStats, QueueStats
from kefu.routing.scheduler import TimerHandle

WAITING = 0
RESERVED = 1  # held for a sticky agent
OFFERED = 2
ASSIGNED = 3
STATE_NAMES = {WAITING: "waiting", RESERVED: "reserved", OFFERED: "offered", ASSIGNED: "assigned"}

_ALL = "*"


class AgentState:
    __slots__ = (
        "active",
        "capacity",
        "conversations",
        "free_since",
        "id",
        "last_assigned_at",
        "load",
        "offers",
        "ord",
        "presence",
        "presence_after_wrap",
        "queues",
        "reserved",
        "skills",
        "stat_t",
        "stats",
        "wrap_queue",
        "wrap_started",
        "wrap_timer",
        "wrap_until",
    )

    def __init__(
        self,
        agent_id: str,
        ord_: int,
        skills: dict[str, int],
        capacity: dict[str, int],
        presence: Presence,
        now: float,
    ) -> None:
        self.id = agent_id
        self.ord = ord_
        self.skills = dict(skills)
        self.capacity = dict(capacity)
        self.presence: Presence = presence
        self.load: dict[str, int] = {}  # per media: assigned + offered
        self.active: dict[str, int] = {}  # per media: assigned only
        self.conversations: set[str] = set()
        self.offers: set[str] = set()
        self.reserved: list[ConvState] = []  # sticky reservations, oldest first
        self.queues: list[QueueState] = []
        self.free_since = now
        self.last_assigned_at = now
        self.wrap_timer: TimerHandle | None = None
        self.wrap_until: float | None = None
        self.wrap_started = now
        self.wrap_queue: QueueState | None = None
        self.presence_after_wrap: Presence = "online"
        self.stats = AgentStats(now)
        self.stat_t = now

    @property
    def total_load(self) -> int:
        return sum(self.load.values())

    def can_take(self, media: str, blocks: dict[str, frozenset[str]]) -> bool:
        if self.presence != "online":
            return False
        if self.load.get(media, 0) >= self.capacity.get(media, 0):
            return False
        for held, count in self.load.items():
            if count and held != media:
                blocked = blocks.get(held)
                if blocked is not None and (_ALL in blocked or media in blocked):
                    return False
        return True

    def utilisation(self) -> float:
        if self.presence == "wrap_up":
            return 1.0
        used = 0.0
        for media, count in self.active.items():
            if count:
                cap = self.capacity.get(media, 0)
                used = max(used, 1.0 if cap <= 0 else min(1.0, count / cap))
        return used

    def accrue(self, now: float) -> None:
        """Add the time since the last change to the occupancy integrals."""
        dt = now - self.stat_t
        if dt > 0 and self.presence in ("online", "wrap_up"):
            self.stats.staffed_seconds += dt
            self.stats.busy_seconds += dt * self.utilisation()
        self.stat_t = now

    def idle_key(self) -> tuple[int, float]:
        """Idle agents first (longest idle first), then busy ones by oldest last assignment."""
        if not self.load or self.total_load == 0:
            return (0, self.free_since)
        return (1, self.last_assigned_at)

    def occupancy_ratio(self) -> float:
        ratio = 0.0
        for media, count in self.load.items():
            if count:
                cap = self.capacity.get(media, 0)
                ratio = max(ratio, 1.0 if cap <= 0 else count / cap)
        return ratio


class AgentIndex:
    """Agents available for one queue, per proficiency, in the queue's strategy order."""

    __slots__ = ("buckets", "entries", "rr_last", "strategy")

    def __init__(self, strategy: str) -> None:
        self.strategy = strategy
        self.buckets: list[list[tuple[Any, ...]]] = [[] for _ in range(MAX_PROFICIENCY + 1)]
        self.entries: dict[str, tuple[int, tuple[Any, ...]]] = {}
        self.rr_last = -1

    def _key(self, agent: AgentState) -> tuple[Any, ...]:
        if self.strategy == "round_robin":
            return (agent.ord, agent)
        if self.strategy == "least_occupied":
            idle = agent.idle_key()
            return (agent.occupancy_ratio(), idle[0], idle[1], agent.ord, agent)
        idle = agent.idle_key()
        return (idle[0], idle[1], agent.ord, agent)

    def update(self, agent: AgentState, proficiency: int, available: bool) -> None:
        old = self.entries.get(agent.id)
        if available:
            key = self._key(agent)
            if old is not None:
                if old[0] == proficiency and old[1] == key:
                    return
                self._remove(old)
            insort(self.buckets[proficiency], key)
            self.entries[agent.id] = (proficiency, key)
        elif old is not None:
            self._remove(old)
            del self.entries[agent.id]

    def discard(self, agent_id: str) -> None:
        old = self.entries.pop(agent_id, None)
        if old is not None:
            self._remove(old)

    def _remove(self, entry: tuple[int, tuple[Any, ...]]) -> None:
        bucket = self.buckets[entry[0]]
        pos = bisect_left(bucket, entry[1])
        del bucket[pos]

    def __len__(self) -> int:
        return len(self.entries)

    def note_offer(self, agent: AgentState) -> None:
        self.rr_last = agent.ord

    def best(self, min_proficiency: int, declined: set[str] | None) -> AgentState | None:
        buckets = self.buckets
        if self.strategy == "skills_weighted":
            for prof in range(MAX_PROFICIENCY, min_proficiency - 1, -1):
                bucket = buckets[prof]
                if bucket:
                    found = _first_allowed(bucket, declined)
                    if found is not None:
                        return found[-1]
            return None
        if self.strategy == "round_robin":
            return self._next_in_rotation(min_proficiency, declined)
        best: tuple[Any, ...] | None = None
        for prof in range(min_proficiency, MAX_PROFICIENCY + 1):
            bucket = buckets[prof]
            if not bucket:
                continue
            found = bucket[0] if not declined else _first_allowed(bucket, declined)
            if found is not None and (best is None or found < best):
                best = found
        return None if best is None else best[-1]

    def _next_in_rotation(
        self, min_proficiency: int, declined: set[str] | None
    ) -> AgentState | None:
        after: tuple[Any, ...] | None = None
        first: tuple[Any, ...] | None = None
        probe = (self.rr_last + 1,)
        for prof in range(min_proficiency, MAX_PROFICIENCY + 1):
            bucket = self.buckets[prof]
            if not bucket:
                continue
            start = bisect_left(bucket, probe)
            found = _first_allowed(bucket, declined, start, len(bucket))
            if found is not None and (after is None or found < after):
                after = found
            if after is None:
                wrap = _first_allowed(bucket, declined, 0, start)
                if wrap is not None and (first is None or wrap < first):
                    first = wrap
        chosen = after if after is not None else first
        return None if chosen is None else chosen[-1]


def _first_allowed(
    bucket: list[tuple[Any, ...]],
    declined: set[str] | None,
    start: int = 0,
    stop: int | None = None,
) -> tuple[Any, ...] | None:
    end = len(bucket) if stop is None else stop
    if start >= end:
        return None
    if not declined:
        return bucket[start]
    for pos in range(start, end):
        entry = bucket[pos]
        if entry[-1].id not in declined:
            return entry
    return None


class ConvState:
    __slots__ = (
        "agent",
        "answered",
        "assigned_at",
        "channel",
        "contact_id",
        "declined",
        "enqueued_at",
        "id",
        "key0",
        "last_agent_id",
        "last_eta",
        "last_position",
        "level",
        "media",
        "offer_timer",
        "pending_step",
        "priority",
        "queue",
        "queue_entered_at",
        "seq",
        "state",
        "step",
        "sticky_agent",
        "sticky_timer",
        "token",
        "widen_timer",
    )

    def __init__(
        self,
        conv_id: str,
        *,
        channel: str,
        media: str,
        contact_id: str | None,
        priority: int,
        enqueued_at: float,
        seq: int,
        queue: QueueState,
    ) -> None:
        self.id = conv_id
        self.channel = channel
        self.media = media
        self.contact_id = contact_id
        self.priority = priority
        self.enqueued_at = enqueued_at
        self.seq = seq
        self.queue = queue
        self.queue_entered_at = enqueued_at
        self.key0 = 0.0
        self.level = 0
        self.step = 0  # index of the next widening step
        self.pending_step = False
        self.state = WAITING
        self.token = 0
        self.agent: AgentState | None = None
        self.assigned_at = 0.0
        self.answered = False
        self.declined: set[str] | None = None
        self.last_agent_id: str | None = None
        self.sticky_agent: AgentState | None = None
        self.offer_timer: TimerHandle | None = None
        self.widen_timer: TimerHandle | None = None
        self.sticky_timer: TimerHandle | None = None
        self.last_position = 0
        self.last_eta: float | None = None

    def decline(self, agent_id: str) -> None:
        if self.declined is None:
            self.declined = set()
        self.declined.add(agent_id)


HeapEntry = tuple[float, float, int, int, ConvState]


class QueueState:
    __slots__ = (
        "aging",
        "aht_estimate",
        "config",
        "flush_timer",
        "heaps",
        "id",
        "index",
        "level_min",
        "media",
        "members",
        "skill",
        "stale",
        "stats",
        "waiting",
        "weight",
    )

    def __init__(self, config: QueueConfig, now: float) -> None:
        self.config = config
        self.id = config.id
        self.skill = config.skill_name
        self.media = config.media
        self.weight = config.weight
        self.aging = config.aging_per_minute / 60.0
        levels = [config.min_proficiency]
        levels += [s.min_proficiency for s in config.widening if s.min_proficiency is not None]
        self.level_min: list[int] = levels
        self.heaps: list[list[HeapEntry]] = [[] for _ in levels]
        self.index = AgentIndex(config.base_strategy)
        self.members: dict[str, AgentState] = {}
        self.waiting = 0
        self.stale = 0
        self.stats = QueueStats(config.sl_seconds, now)
        self.flush_timer: TimerHandle | None = None
        self.aht_estimate = config.expected_handle_seconds

    @property
    def lowest_proficiency(self) -> int:
        return self.level_min[-1]

    def push(self, conv: ConvState, token: int) -> None:
        conv.token = token
        conv.state = WAITING
        heapq.heappush(self.heaps[conv.level], (conv.key0, conv.enqueued_at, conv.seq, token, conv))
        self.waiting += 1

    def remove(self, conv: ConvState) -> None:
        """Forget a waiting conversation (its heap entry goes stale)."""
        conv.token = 0
        self.waiting -= 1
        self.stale += 1
        if self.stale > 1024 and self.stale > self.waiting:
            self._compact()

    def _compact(self) -> None:
        for level, heap in enumerate(self.heaps):
            live = [e for e in heap if e[4].token == e[3]]
            heapq.heapify(live)
            self.heaps[level] = live
        self.stale = 0

    def head_for(self, level: int, agent_id: str) -> ConvState | None:
        """Best live conversation at ``level`` that ``agent_id`` has not declined."""
        heap = self.heaps[level]
        while heap and heap[0][4].token != heap[0][3]:
            heapq.heappop(heap)
            self.stale -= 1
        if not heap:
            return None
        conv = heap[0][4]
        if not conv.declined or agent_id not in conv.declined:
            return conv
        popped: list[HeapEntry] = []
        result = None
        while heap:
            entry = heapq.heappop(heap)
            if entry[4].token != entry[3]:
                self.stale -= 1
                continue
            popped.append(entry)
            declined = entry[4].declined
            if not declined or agent_id not in declined:
                result = entry[4]
                break
        for entry in popped:
            heapq.heappush(heap, entry)
        return result

    def ordered(self) -> list[ConvState]:
        """Waiting conversations in the order they would be served."""
        live = [e for heap in self.heaps for e in heap if e[4].token == e[3]]
        live.sort(key=lambda e: (e[0], e[1], e[2]))
        return [e[4] for e in live]

    def effective_priority(self, conv: ConvState, now: float) -> float:
        return conv.priority + self.aging * (now - conv.enqueued_at)
