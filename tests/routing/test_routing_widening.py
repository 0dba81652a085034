"""Skill widening over wait time, overflow queues, and the sticky strategy."""

from __future__ import annotations

import pytest
from routing_desk import START, DeskFactory, agent, queue

from kefu.routing import QueueFull, WideningStep
from kefu.routing.listener import Overflowed


def test_widening_accepts_lower_proficiency_after_the_step(make_desk: DeskFactory) -> None:
    sales = queue(
        min_proficiency=8,
        widening=(WideningStep(after_seconds=30, min_proficiency=4),),
        auto_accept=True,
    )
    desk = make_desk(queues=[sales], agents=[agent("junior", skills={"sales": 5})])
    desk.enqueue("c1")
    assert desk.engine.conversation_status("c1").min_proficiency == 8
    desk.advance(29.9)
    assert desk.assignments() == []
    desk.advance(0.1)
    assert desk.assignments() == [("c1", "junior")]
    assert desk.engine.queue_metrics("sales").asa_seconds == pytest.approx(30)


def test_expert_still_gets_it_before_the_step(make_desk: DeskFactory) -> None:
    sales = queue(
        min_proficiency=8,
        widening=(WideningStep(after_seconds=30, min_proficiency=4),),
        auto_accept=True,
    )
    agents = [
        agent("junior", skills={"sales": 5}),
        agent("expert", skills={"sales": 9}, presence="away"),
    ]
    desk = make_desk(queues=[sales], agents=agents)
    desk.enqueue("c1")
    desk.advance(10)
    desk.engine.set_presence("expert", "online")
    assert desk.assignments() == [("c1", "expert")]


def test_several_steps_then_overflow(make_desk: DeskFactory) -> None:
    sales = queue(
        min_proficiency=9,
        widening=(
            WideningStep(after_seconds=20, min_proficiency=6),
            WideningStep(after_seconds=40, min_proficiency=3),
            WideningStep(after_seconds=60, overflow_to="general"),
        ),
        auto_accept=True,
    )
    general = queue("general", skill="general", auto_accept=True)
    agents = [agent("generalist", skills={"general": 5}), agent("novice", skills={"sales": 2})]
    desk = make_desk(queues=[sales, general], agents=agents)
    desk.enqueue("c1")
    desk.advance(20)
    assert desk.engine.conversation_status("c1").min_proficiency == 6
    desk.advance(20)
    assert desk.engine.conversation_status("c1").min_proficiency == 3
    assert desk.assignments() == []  # the novice (2) is still below 3
    desk.advance(20)
    assert Overflowed("c1", "sales", "general") in desk.events.events
    assert desk.assignments() == [("c1", "generalist")]
    general_metrics = desk.engine.queue_metrics("general")
    assert general_metrics.answered == 1
    assert general_metrics.asa_seconds == pytest.approx(60)  # wait counts from the first queue
    assert desk.engine.queue_metrics("sales").overflowed_out == 1


def test_widening_during_an_offer_applies_when_the_offer_comes_back(
    make_desk: DeskFactory,
) -> None:
    sales = queue(
        widening=(WideningStep(after_seconds=10, overflow_to="general"),),
        offer_timeout_seconds=30,
        away_on_offer_timeout=False,
    )
    general = queue("general", skill="general")
    agents = [agent("a1"), agent("g1", skills={"general": 5})]
    desk = make_desk(queues=[sales, general], agents=agents)
    desk.enqueue("c1")
    assert desk.offers() == [("c1", "a1")]
    desk.advance(15)  # the step falls due while a1 holds the offer: nothing moves yet
    assert desk.engine.conversation_status("c1").queue_id == "sales"
    desk.engine.reject("c1", "a1")
    assert desk.engine.conversation_status("c1").queue_id == "general"
    assert desk.offers()[-1] == ("c1", "g1")


def test_full_queue_overflows_and_all_full_is_refused(make_desk: DeskFactory) -> None:
    sales = queue(max_waiting=1, overflow_queue="general")
    general = queue("general", skill="general", max_waiting=1, overflow_queue="sales")
    desk = make_desk(queues=[sales, general])
    desk.enqueue("c1")
    assert desk.enqueue("c2") == "general"
    assert Overflowed("c2", "sales", "general") in desk.events.events
    with pytest.raises(QueueFull):
        desk.enqueue("c3")
    assert sorted(desk.engine.conversation_ids()) == ["c1", "c2"]


def test_sticky_waits_for_the_last_agent_within_the_window(make_desk: DeskFactory) -> None:
    sales = queue(strategy="sticky", sticky_seconds=60, auto_accept=True)
    desk = make_desk(queues=[sales], agents=[agent("anna"), agent("bob", presence="offline")])
    desk.enqueue("c1", contact_id="k1")  # anna serves k1 first
    desk.engine.set_presence("bob", "online")
    desk.enqueue("other", contact_id="k2")  # bob busy with someone else
    desk.engine.release("other")
    desk.advance(10)
    desk.enqueue("c2", contact_id="k1")  # anna is busy: keep it for her, bob stays free
    assert desk.engine.conversation_status("c2").state == "reserved"
    desk.advance(30)
    desk.engine.release("c1")  # anna frees up within the window
    assert desk.assignments()[-1] == ("c2", "anna")


def test_sticky_gives_up_after_the_window(make_desk: DeskFactory) -> None:
    sales = queue(strategy="sticky", sticky_seconds=60, auto_accept=True)
    desk = make_desk(queues=[sales], agents=[agent("anna"), agent("bob", presence="offline")])
    desk.enqueue("c1", contact_id="k1")
    desk.engine.set_presence("bob", "online")
    desk.enqueue("c2", contact_id="k1", last_agent_id="anna")
    desk.advance(59.9)
    assert desk.assignments() == [("c1", "anna")]
    desk.advance(0.1)
    assert desk.assignments()[-1] == ("c2", "bob")


def test_sticky_reservation_ends_when_the_agent_leaves(make_desk: DeskFactory) -> None:
    sales = queue(strategy="sticky", sticky_seconds=300, auto_accept=True)
    agents = [agent("anna", capacity={"chat": 1}), agent("bob", presence="offline")]
    desk = make_desk(queues=[sales], agents=agents)
    desk.enqueue("c1")
    desk.engine.set_presence("bob", "online")
    desk.enqueue("c2", last_agent_id="anna")
    desk.engine.release("c1")  # anna: free again, but she is leaving
    assert desk.assignments()[-1] == ("c2", "anna")
    desk.enqueue("c3", last_agent_id="bob")  # bob busy with nothing: offered at once
    assert desk.assignments()[-1] == ("c3", "bob")
    desk.enqueue("c4", last_agent_id="anna")
    assert desk.engine.conversation_status("c4").state == "reserved"
    desk.engine.set_presence("anna", "away")
    assert desk.engine.conversation_status("c4").state == "waiting"
    desk.engine.release("c3")
    assert desk.assignments()[-1] == ("c4", "bob")


def test_sticky_window_counts_from_when_the_customer_came(make_desk: DeskFactory) -> None:
    sales = queue(strategy="sticky", sticky_seconds=60, auto_accept=True)
    desk = make_desk(queues=[sales], agents=[agent("anna", presence="away"), agent("bob")])
    desk.enqueue("c1", last_agent_id="anna", enqueued_at=START - 120)
    assert desk.assignments() == [("c1", "bob")]  # anna is away and the window is over anyway
