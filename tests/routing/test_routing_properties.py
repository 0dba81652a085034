"""Property-based tests: random sequences of ACD events never break the engine's promises.

After every step: no agent holds more than its capacity (offers included); an agent was online
whenever it was offered something, accepts only while online (or in wrap-up, for an offer made
before its wrap-up began) and holds no offers once away or offline; no conversation is lost,
duplicated, or assigned twice; and no conversation waits while an eligible agent with a free
slot (who has not declined it) sits idle.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from kefu.routing import (
    AgentSpec,
    CollectingListener,
    ConversationRequest,
    QueueConfig,
    QueueFull,
    RoutingConfig,
    RoutingEngine,
    RoutingRule,
    SimulationScheduler,
    WideningStep,
    restore_engine,
    take_snapshot,
)
from kefu.routing.listener import Assigned, Offered, OfferWithdrawn, PresenceChanged

AGENTS = ("a0", "a1", "a2", "a3")
STRATEGY_NAMES = ("longest_idle", "round_robin", "least_occupied", "skills_weighted", "sticky")

agent_specs = st.builds(
    lambda skills, chat, voice, presence: (skills, {"chat": chat, "voice": voice}, presence),
    st.dictionaries(st.sampled_from(["sales", "support"]), st.integers(1, 10), max_size=2),
    st.integers(0, 3),
    st.integers(0, 1),
    st.sampled_from(["online", "away", "offline"]),
)


class AcdMachine(RuleBasedStateMachine):
    @initialize(
        strategy=st.sampled_from(STRATEGY_NAMES),
        offer_timeout=st.sampled_from([None, 15.0]),
        away_on_timeout=st.booleans(),
        wrap_up=st.sampled_from([0.0, 10.0]),
        specs=st.lists(agent_specs, min_size=len(AGENTS), max_size=len(AGENTS)),
    )
    def build(
        self,
        strategy: str,
        offer_timeout: float | None,
        away_on_timeout: bool,
        wrap_up: float,
        specs: list[tuple[dict[str, int], dict[str, int], str]],
    ) -> None:
        sales = QueueConfig(
            id="sales",
            strategy=strategy,  # type: ignore[arg-type]
            sticky_seconds=30.0,
            min_proficiency=7,
            widening=(
                WideningStep(after_seconds=20, min_proficiency=3),
                WideningStep(after_seconds=60, overflow_to="support"),
            ),
            offer_timeout_seconds=offer_timeout,
            away_on_offer_timeout=away_on_timeout,
            wrap_up_seconds=wrap_up,
            aging_per_minute=1.0,
        )
        support = QueueConfig(id="support", auto_accept=True, max_waiting=6, overflow_queue="sales")
        phone = QueueConfig(
            id="phone", skill="sales", media="voice", offer_timeout_seconds=offer_timeout
        )
        self.config = RoutingConfig(
            queues=(sales, support, phone),
            default_queue="sales",
            rules=(
                RoutingRule(queue="phone", channels=frozenset({"voice"})),
                RoutingRule(queue="support", intents=frozenset({"help"})),
                RoutingRule(queue="sales", tags_any=frozenset({"vip"}), priority=5),
            ),
            position_update_seconds=5.0,
        )
        self.clock = SimulationScheduler(1_000_000.0)
        self.events = CollectingListener()
        self.engine = RoutingEngine(self.config, self.clock, self.events)
        self.specs: dict[str, AgentSpec] = {}
        for agent_id, (skills, capacity, presence) in zip(AGENTS, specs, strict=True):
            spec = AgentSpec(id=agent_id, skills=skills, capacity=capacity, presence=presence)  # type: ignore[arg-type]
            self.specs[agent_id] = spec
            self.engine.add_agent(spec)
        self.count = 0
        self.live: set[str] = set()  # conversations routing must still hold
        self.presence = {a: self.specs[a].presence for a in AGENTS}
        self.offered: set[str] = set()
        self.assigned: set[str] = set()
        self.seen = 0
        self._digest()

    # ---------------------------------------------------------------- bookkeeping

    def _digest(self) -> None:
        """Replay new events through a model that checks the promises event by event."""
        for event in self.events.events[self.seen :]:
            if isinstance(event, PresenceChanged):
                self.presence[event.agent_id] = event.presence
            elif isinstance(event, Offered):
                assert self.presence[event.agent_id] == "online", event
                assert event.conversation_id not in self.offered, event
                assert event.conversation_id not in self.assigned, event
                self.offered.add(event.conversation_id)
            elif isinstance(event, OfferWithdrawn):
                if event.reason == "requeued" and event.conversation_id in self.assigned:
                    self.assigned.discard(event.conversation_id)
                else:
                    assert event.conversation_id in self.offered, event
                    self.offered.discard(event.conversation_id)
            elif isinstance(event, Assigned):
                assert event.conversation_id not in self.assigned, "assigned twice"
                assert self.presence[event.agent_id] in ("online", "wrap_up"), event
                self.offered.discard(event.conversation_id)
                self.assigned.add(event.conversation_id)
        self.seen = len(self.events.events)

    def _in_state(self, state: str) -> list[str]:
        return sorted(
            c
            for c in self.engine.conversation_ids()
            if self.engine.conversation_status(c).state == state
        )

    # ---------------------------------------------------------------- rules

    @rule(
        voice=st.booleans(),
        intent=st.sampled_from([None, "help"]),
        vip=st.booleans(),
        contact=st.sampled_from(["k1", "k2", "k3", None]),
    )
    def enqueue(self, voice: bool, intent: str | None, vip: bool, contact: str | None) -> None:
        self.count += 1
        conv_id = f"c{self.count}"
        request = ConversationRequest(
            id=conv_id,
            channel="voice" if voice else "web",
            intent=intent,
            tags=frozenset({"vip"}) if vip else frozenset(),
            contact_id=contact,
        )
        try:
            self.engine.enqueue(request)
        except QueueFull:  # the only refusal: support and sales both full
            pass
        else:
            self.live.add(conv_id)
        self._digest()

    @precondition(lambda self: bool(self.offered))
    @rule(data=st.data(), accept=st.booleans())
    def answer_offer(self, data: Any, accept: bool) -> None:
        conv_id = data.draw(st.sampled_from(sorted(self.offered)))
        agent_id = self.engine.conversation_status(conv_id).agent_id
        assert agent_id is not None
        if accept:
            self.engine.accept(conv_id, agent_id)
        else:
            self.engine.reject(conv_id, agent_id)
        self._digest()

    @precondition(lambda self: bool(self.assigned))
    @rule(data=st.data(), requeue=st.booleans())
    def finish(self, data: Any, requeue: bool) -> None:
        conv_id = data.draw(st.sampled_from(sorted(self.assigned)))
        if requeue:
            self.engine.requeue(conv_id)
        else:
            self.engine.release(conv_id)
            self.assigned.discard(conv_id)
            self.live.discard(conv_id)
        self._digest()

    @precondition(lambda self: bool(self.live - self.assigned))
    @rule(data=st.data())
    def abandon(self, data: Any) -> None:
        conv_id = data.draw(st.sampled_from(sorted(self.live - self.assigned)))
        self.engine.abandon(conv_id)
        self.live.discard(conv_id)
        self._digest()

    @precondition(lambda self: bool(self.assigned))
    @rule(data=st.data())
    def transfer(self, data: Any) -> None:
        conv_id = data.draw(st.sampled_from(sorted(self.assigned)))
        queue_id = self.engine.conversation_status(conv_id).queue_id
        if queue_id != "phone":
            self.engine.requeue(conv_id, "support" if queue_id == "sales" else "sales")
            self._digest()

    @rule(
        agent_id=st.sampled_from(AGENTS),
        skills=st.dictionaries(st.sampled_from(["sales", "support"]), st.integers(1, 10)),
    )
    def reskill(self, agent_id: str, skills: dict[str, int]) -> None:
        spec = self.specs[agent_id].model_copy(update={"skills": skills})
        self.specs[agent_id] = spec
        self.engine.update_agent(spec)
        self._digest()

    @rule()
    def restart(self) -> None:
        """The server restarts: rebuild from a snapshot on a fresh clock and listener."""
        snapshot = take_snapshot(self.engine)
        self.clock = SimulationScheduler(self.clock.now())
        self.events = CollectingListener()
        self.engine = restore_engine(self.config, snapshot, self.clock, self.events)
        self.offered.clear()  # offers in flight were saved as waiting and are made again
        self.seen = 0
        self._digest()

    @rule(agent_id=st.sampled_from(AGENTS), presence=st.sampled_from(["online", "away", "offline"]))
    def presence_change(self, agent_id: str, presence: str) -> None:
        self.engine.set_presence(agent_id, presence)
        self._digest()

    @rule(seconds=st.floats(0, 45))
    def time_passes(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self._digest()

    # ---------------------------------------------------------------- invariants

    @invariant()
    def nothing_lost_nothing_invented(self) -> None:
        if not hasattr(self, "engine"):
            return
        assert set(self.engine.conversation_ids()) == self.live
        assert set(self._in_state("assigned")) == self.assigned
        assert set(self._in_state("offered")) == self.offered

    @invariant()
    def capacity_and_presence_hold(self) -> None:
        if not hasattr(self, "engine"):
            return
        held: dict[str, dict[str, int]] = {a: {} for a in AGENTS}
        for conv_id in self.engine.conversation_ids():
            status = self.engine.conversation_status(conv_id)
            if status.agent_id is not None:
                media = "voice" if status.queue_id == "phone" else "chat"
                held[status.agent_id][media] = held[status.agent_id].get(media, 0) + 1
        for agent_id in AGENTS:
            status = self.engine.agent_status(agent_id)
            assert status.load == held[agent_id]
            for media, count in held[agent_id].items():
                assert count <= status.capacity.get(media, 0), (agent_id, media)
            if status.presence in ("away", "offline"):
                assert not status.offers, agent_id
            assert status.presence == self.presence[agent_id]

    @invariant()
    def nobody_waits_while_an_eligible_agent_idles(self) -> None:
        if not hasattr(self, "engine"):
            return
        for conv_id in self._in_state("waiting"):
            conv = self.engine.conversation_status(conv_id)
            media = "voice" if conv.queue_id == "phone" else "chat"
            skill = "support" if conv.queue_id == "support" else "sales"
            for agent_id in AGENTS:
                agent = self.engine.agent_status(agent_id)
                if agent.presence != "online" or agent_id in conv.declined_by:
                    continue
                if self.specs[agent_id].skills.get(skill, 0) < conv.min_proficiency:
                    continue
                if agent.load.get(media, 0) >= agent.capacity.get(media, 0):
                    continue
                if media == "chat" and agent.load.get("voice", 0):
                    continue  # a call in hand blocks chats
                raise AssertionError(f"{conv_id} waits while {agent_id} could take it")


AcdMachine.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_event_sequences = AcdMachine.TestCase
