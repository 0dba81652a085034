"""Engine behaviour: offers, strategies, capacity, presence, wrap-up, abandon, priority."""

from __future__ import annotations

import pytest
from routing_desk import START, Desk, DeskFactory, agent, queue

from kefu.core.errors import Conflict, InvalidInput, NotFound
from kefu.routing import ConversationRequest
from kefu.routing.listener import Abandoned, Assigned, OfferWithdrawn, PresenceChanged


def test_conversation_is_offered_the_moment_it_queues(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1")])
    assert desk.enqueue("c1") == "sales"
    assert desk.offers() == [("c1", "a1")]
    offer = desk.events.of_type("offered")[0]
    assert offer.expires_at == START + 30  # type: ignore[union-attr]
    desk.advance(4)
    desk.engine.accept("c1", "a1")
    assigned = desk.events.of_type("assigned")[-1]
    assert isinstance(assigned, Assigned)
    assert assigned.wait_seconds == pytest.approx(4)
    assert desk.engine.conversation_status("c1").state == "assigned"


def test_waiting_conversation_goes_to_an_agent_who_comes_online(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1", presence="offline")])
    desk.enqueue("c1")
    assert desk.offers() == []
    assert desk.engine.waiting_count("sales") == 1
    desk.engine.set_presence("a1", "online")  # no clock movement: no polling involved
    assert desk.offers() == [("c1", "a1")]
    assert desk.engine.waiting_count("sales") == 0


def test_released_slot_takes_the_oldest_waiting_conversation(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True)], agents=[agent("a1")])
    for n in range(1, 4):
        desk.enqueue(f"c{n}")
        desk.advance(1)
    assert desk.assignments() == [("c1", "a1")]
    desk.engine.release("c1")
    assert desk.assignments()[-1] == ("c2", "a1")
    desk.engine.release("c2")
    assert desk.assignments()[-1] == ("c3", "a1")


def _free_in_order(desk: Desk, order: list[str]) -> None:
    """Agents become free one second apart, in the given order."""
    for agent_id in order:
        desk.engine.set_presence(agent_id, "online")
        desk.advance(1)


def test_longest_idle_gets_the_next_conversation(make_desk: DeskFactory) -> None:
    agents = [agent(f"a{i}", presence="offline") for i in (1, 2, 3)]
    desk = make_desk(queues=[queue(strategy="longest_idle", auto_accept=True)], agents=agents)
    _free_in_order(desk, ["a2", "a3", "a1"])
    desk.enqueue("c1")
    desk.enqueue("c2")
    assert desk.assignments() == [("c1", "a2"), ("c2", "a3")]
    desk.engine.release("c1")  # a2 is now the most recently freed
    desk.enqueue("c3")
    assert desk.assignments()[-1] == ("c3", "a1")


def test_round_robin_rotates_through_members(make_desk: DeskFactory) -> None:
    agents = [agent(f"a{i}") for i in (1, 2, 3)]
    desk = make_desk(queues=[queue(strategy="round_robin", auto_accept=True)], agents=agents)
    for n in range(1, 8):
        desk.enqueue(f"c{n}")
        desk.engine.release(f"c{n}")
    picked = [a for _, a in desk.assignments()]
    assert picked == ["a1", "a2", "a3", "a1", "a2", "a3", "a1"]


def test_round_robin_skips_busy_members_and_wraps(make_desk: DeskFactory) -> None:
    agents = [agent(f"a{i}") for i in (1, 2, 3)]
    desk = make_desk(queues=[queue(strategy="round_robin", auto_accept=True)], agents=agents)
    desk.enqueue("c1")  # a1, kept busy
    desk.enqueue("c2")  # a2
    desk.engine.release("c2")
    desk.enqueue("c3")  # a3
    desk.engine.release("c3")
    desk.enqueue("c4")  # wraps past busy a1 to a2
    assert [a for _, a in desk.assignments()] == ["a1", "a2", "a3", "a2"]


def test_least_occupied_balances_chat_load(make_desk: DeskFactory) -> None:
    agents = [agent(f"a{i}", capacity={"chat": 3}) for i in (1, 2)]
    desk = make_desk(queues=[queue(strategy="least_occupied", auto_accept=True)], agents=agents)
    for n in range(1, 5):
        desk.enqueue(f"c{n}")
        desk.advance(1)
    loads = {a: desk.engine.agent_status(a).load.get("chat", 0) for a in ("a1", "a2")}
    assert loads == {"a1": 2, "a2": 2}


def test_longest_idle_prefers_an_idle_agent_over_a_partly_loaded_one(
    make_desk: DeskFactory,
) -> None:
    agents = [agent("a1", capacity={"chat": 3}), agent("a2", presence="offline")]
    desk = make_desk(queues=[queue(auto_accept=True)], agents=agents)
    desk.enqueue("c1")  # a1 takes one chat of three
    desk.advance(5)
    desk.engine.set_presence("a2", "online")
    desk.enqueue("c2")
    assert desk.assignments()[-1] == ("c2", "a2")


def test_skills_weighted_picks_the_most_proficient_free_agent(make_desk: DeskFactory) -> None:
    agents = [
        agent("junior", skills={"sales": 3}, presence="offline"),
        agent("senior", skills={"sales": 9}, presence="offline"),
        agent("middle", skills={"sales": 6}, presence="offline"),
    ]
    desk = make_desk(queues=[queue(strategy="skills_weighted", auto_accept=True)], agents=agents)
    _free_in_order(desk, ["junior", "middle", "senior"])  # junior has idled longest
    for n in range(1, 4):
        desk.enqueue(f"c{n}")
    assert [a for _, a in desk.assignments()] == ["senior", "middle", "junior"]


def test_chat_capacity_is_respected(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True)], agents=[agent("a1", capacity={"chat": 3})])
    for n in range(1, 6):
        desk.enqueue(f"c{n}")
    assert [c for c, _ in desk.assignments()] == ["c1", "c2", "c3"]
    assert desk.engine.waiting_count("sales") == 2
    desk.engine.release("c2")
    assert desk.assignments()[-1] == ("c4", "a1")


def test_a_voice_call_blocks_chats_but_chats_do_not_block_voice(make_desk: DeskFactory) -> None:
    queues = [
        queue("chat", skill="support", auto_accept=True),
        queue("voice", skill="support", media="voice", auto_accept=True),
    ]
    blended = agent("a1", skills={"support": 5}, capacity={"chat": 2, "voice": 1})
    desk = make_desk(queues=queues, agents=[blended])
    desk.enqueue("call1", channel="voice", queue_id="voice")
    desk.enqueue("chat1", channel="web")
    assert desk.assignments() == [("call1", "a1")]  # the chat waits during the call
    desk.engine.release("call1")
    assert desk.assignments()[-1] == ("chat1", "a1")
    desk.enqueue("call2", channel="voice", queue_id="voice")
    assert desk.assignments()[-1] == ("call2", "a1")  # one chat in hand does not block voice
    desk.enqueue("chat2", channel="web")
    assert desk.engine.waiting_count("chat") == 1


def test_wrong_media_for_the_queue_is_refused(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1")])
    with pytest.raises(InvalidInput, match="voice"):
        desk.enqueue("c1", channel="voice")
    assert desk.engine.conversation_ids() == []


def test_offer_timeout_moves_to_the_next_agent_and_marks_away(make_desk: DeskFactory) -> None:
    agents = [agent("a1"), agent("a2", presence="offline")]
    desk = make_desk(queues=[queue(offer_timeout_seconds=15)], agents=agents)
    desk.enqueue("c1")
    desk.engine.set_presence("a2", "online")
    assert desk.offers() == [("c1", "a1")]
    desk.advance(14.9)
    assert not desk.events.of_type("offer_withdrawn")
    desk.advance(0.2)
    withdrawn = desk.events.of_type("offer_withdrawn")
    assert withdrawn == [OfferWithdrawn("c1", "a1", "timeout")]
    assert PresenceChanged("a1", "away") in desk.events.events
    assert desk.offers()[-1] == ("c1", "a2")
    assert desk.engine.agent_metrics("a1").timed_out == 1


def test_offer_timeout_can_leave_the_agent_online(make_desk: DeskFactory) -> None:
    agents = [agent("a1"), agent("a2", presence="offline")]
    desk = make_desk(
        queues=[queue(offer_timeout_seconds=10, away_on_offer_timeout=False)], agents=agents
    )
    desk.enqueue("c1")
    desk.enqueue("c2")
    desk.advance(10)
    assert desk.engine.agent_status("a1").presence == "online"
    # a1 is offered c2 now (c1 it let slip is not offered to it again)
    assert desk.offers()[-1] == ("c2", "a1")
    desk.engine.set_presence("a2", "online")
    assert desk.offers()[-1] == ("c1", "a2")


def test_reject_passes_the_conversation_on_and_not_back(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1"), agent("a2", presence="offline")])
    desk.enqueue("c1")
    desk.enqueue("c2")
    desk.engine.reject("c1", "a1")
    assert desk.offers() == [("c1", "a1"), ("c2", "a1")]
    desk.engine.set_presence("a2", "online")
    assert desk.offers()[-1] == ("c1", "a2")
    assert desk.engine.conversation_status("c1").declined_by == frozenset({"a1"})


def test_accepting_someone_elses_offer_is_a_conflict(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1"), agent("a2", presence="away")])
    desk.enqueue("c1")
    with pytest.raises(Conflict):
        desk.engine.accept("c1", "a2")
    with pytest.raises(NotFound):
        desk.engine.accept("nope", "a1")
    with pytest.raises(NotFound):
        desk.engine.accept("c1", "ghost")


def test_going_away_withdraws_offers_and_they_move_on(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1", capacity={"chat": 2}), agent("a2", presence="offline")])
    desk.enqueue("c1")
    desk.enqueue("c2")
    desk.engine.set_presence("a1", "away")
    reasons = {(e.conversation_id, e.reason) for e in desk.events.of_type("offer_withdrawn")}  # type: ignore[union-attr]
    assert reasons == {("c1", "agent_unavailable"), ("c2", "agent_unavailable")}
    assert desk.engine.waiting_count("sales") == 2
    desk.engine.set_presence("a2", "online")
    assert desk.offers()[-1] == ("c1", "a2")  # oldest first


def test_offline_and_away_agents_get_nothing(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1", presence="away"), agent("a2", presence="offline")])
    desk.enqueue("c1")
    desk.advance(600)
    assert desk.offers() == []


def test_bad_presence_is_refused(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1")])
    with pytest.raises(InvalidInput):
        desk.engine.set_presence("a1", "wrap_up")
    with pytest.raises(InvalidInput):
        desk.engine.set_presence("a1", "busy")


def test_wrap_up_holds_the_agent_then_returns_online(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True, wrap_up_seconds=30)], agents=[agent("a1")])
    desk.enqueue("c1")
    desk.enqueue("c2")
    desk.advance(100)
    desk.engine.release("c1")
    assert desk.engine.agent_status("a1").presence == "wrap_up"
    desk.advance(29)
    assert desk.assignments() == [("c1", "a1")]
    desk.advance(1)
    assert desk.engine.agent_status("a1").presence == "online"
    assert desk.assignments()[-1] == ("c2", "a1")
    assert desk.engine.queue_metrics("sales").aht_seconds == pytest.approx(130)


def test_ready_ends_wrap_up_early(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True, wrap_up_seconds=60)], agents=[agent("a1")])
    desk.enqueue("c1")
    desk.enqueue("c2")
    desk.engine.release("c1")
    desk.advance(5)
    desk.engine.set_presence("a1", "online")
    assert desk.assignments()[-1] == ("c2", "a1")


def test_abandon_while_waiting_and_while_offered(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1")])
    desk.enqueue("c1")  # offered to a1
    desk.enqueue("c2")  # waits
    desk.advance(12)
    desk.engine.abandon("c2")
    desk.engine.abandon("c1")
    abandoned = desk.events.of_type("abandoned")
    assert abandoned == [Abandoned("c2", "sales", 12.0), Abandoned("c1", "sales", 12.0)]
    assert OfferWithdrawn("c1", "a1", "abandoned") in desk.events.events
    assert desk.engine.agent_status("a1").load == {}
    metrics = desk.engine.queue_metrics("sales")
    assert metrics.abandoned == 2
    assert metrics.waiting_now == 0
    with pytest.raises(NotFound):
        desk.engine.abandon("c1")


def test_abandon_after_assignment_is_a_conflict(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True)], agents=[agent("a1")])
    desk.enqueue("c1")
    with pytest.raises(Conflict):
        desk.engine.abandon("c1")
    desk.engine.release("c1")
    with pytest.raises(NotFound):
        desk.engine.release("c1")


def test_duplicate_conversation_is_a_conflict(make_desk: DeskFactory) -> None:
    desk = make_desk()
    desk.enqueue("c1")
    with pytest.raises(Conflict):
        desk.enqueue("c1")


def test_bad_requests_are_refused_and_change_nothing(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1")])
    with pytest.raises(InvalidInput):
        desk.enqueue("")
    with pytest.raises(InvalidInput, match="future"):
        desk.enqueue("c1", enqueued_at=START + 3600)
    with pytest.raises(InvalidInput):
        desk.enqueue("c2", queue_id="nope")
    assert desk.engine.conversation_ids() == []
    assert desk.offers() == []


def test_a_transfer_is_answered_once_in_the_metrics(make_desk: DeskFactory) -> None:
    desk = make_desk(
        queues=[queue(auto_accept=True), queue("billing", skill="billing", auto_accept=True)],
        agents=[agent("a1"), agent("b1", skills={"billing": 5})],
    )
    desk.enqueue("c1")
    desk.advance(30)
    desk.engine.requeue("c1", "billing")
    assert desk.assignments() == [("c1", "a1"), ("c1", "b1")]
    desk.advance(60)
    desk.engine.release("c1")
    sales, billing = desk.engine.queue_metrics("sales"), desk.engine.queue_metrics("billing")
    assert (sales.answered, billing.answered) == (1, 0)
    assert billing.handled == 1
    assert desk.engine.agent_metrics("a1").handled == 1  # its 30 s segment
    assert desk.engine.agent_metrics("a1").aht_seconds == pytest.approx(30)


def test_priority_jumps_the_line(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True)], agents=[agent("a1", presence="offline")])
    desk.enqueue("normal1")
    desk.advance(10)
    desk.enqueue("vip", priority=10)
    desk.advance(10)
    desk.enqueue("normal2")
    desk.engine.set_presence("a1", "online")
    assert desk.assignments() == [("vip", "a1")]


def test_aging_lets_long_waiters_overtake_priority(make_desk: DeskFactory) -> None:
    desk = make_desk(
        queues=[queue(auto_accept=True, aging_per_minute=1.0)],
        agents=[agent("a1", presence="offline")],
    )
    desk.enqueue("old")
    desk.advance(11 * 60)  # eleven minutes of aging beat a priority of 10
    desk.enqueue("vip", priority=10)
    desk.engine.set_presence("a1", "online")
    assert desk.assignments() == [("old", "a1")]


def test_queue_weight_decides_between_queues(make_desk: DeskFactory) -> None:
    queues = [
        queue("general", skill="support", auto_accept=True),
        queue("vip", skill="support", auto_accept=True, weight=5),
    ]
    desk = make_desk(queues=queues, agents=[agent("a1", skills={"support": 5}, presence="away")])
    desk.enqueue("g1", queue_id="general")
    desk.advance(60)
    desk.enqueue("v1", queue_id="vip")
    desk.engine.set_presence("a1", "online")
    assert desk.assignments() == [("v1", "a1")]


def test_requeue_takes_work_back_and_keeps_its_place(make_desk: DeskFactory) -> None:
    desk = make_desk(
        queues=[queue(auto_accept=True)], agents=[agent("a1"), agent("a2", presence="offline")]
    )
    for conv_id in ("c1", "c2", "c3"):
        desk.enqueue(conv_id)
        desk.advance(5)
    desk.engine.requeue("c1")  # a1 hands it back (e.g. leaving); it must not be lost
    assert desk.assignments() == [("c1", "a1"), ("c2", "a1")]  # a1's freed slot takes c2
    desk.engine.set_presence("a2", "online")
    assert desk.assignments()[-1] == ("c1", "a2")  # c1 kept its place ahead of c3
    assert desk.engine.conversation_status("c1").enqueued_at == START
    assert desk.engine.waiting_count("sales") == 1


def test_listener_may_call_back_into_the_engine(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1")])

    class AutoAccept:
        def __getattr__(self, name: str) -> object:
            return lambda *args: None

        def on_offer(self, conversation_id: str, agent_id: str, expires_at: float | None) -> None:
            desk.engine.accept(conversation_id, agent_id)

    desk.engine._listener = AutoAccept()  # type: ignore[assignment]
    desk.engine.enqueue(ConversationRequest(id="c1"))
    assert desk.engine.conversation_status("c1").state == "assigned"


def test_agents_can_be_added_updated_and_removed(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True)])
    desk.enqueue("c1")
    desk.engine.add_agent(agent("a1", skills={"billing": 5}))
    assert desk.assignments() == []  # no sales skill
    desk.engine.update_agent(agent("a1", skills={"sales": 5}))
    assert desk.assignments() == [("c1", "a1")]
    with pytest.raises(Conflict):
        desk.engine.remove_agent("a1")  # still holds c1
    desk.engine.release("c1")
    desk.engine.remove_agent("a1")
    assert desk.engine.agent_ids() == []
    desk.engine.add_agent(agent("a2"))
    with pytest.raises(Conflict):
        desk.engine.add_agent(agent("a2"))
