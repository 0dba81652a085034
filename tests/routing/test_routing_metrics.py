"""Queue position and estimated wait for the customer; real-time metrics and their formulas."""

from __future__ import annotations

import pytest
from routing_desk import DeskFactory, agent, queue

from kefu.routing.listener import PositionChanged


def _positions(events: list[object]) -> list[tuple[str, int, float | None]]:
    return [
        (e.conversation_id, e.position, e.estimated_wait_seconds)
        for e in events
        if isinstance(e, PositionChanged)
    ]


def test_positions_and_estimates_are_sent_only_when_they_change(make_desk: DeskFactory) -> None:
    desk = make_desk(
        queues=[queue(auto_accept=True, expected_handle_seconds=300)],
        agents=[agent("a1"), agent("a2")],
        position_update_seconds=1.0,
        eta_granularity_seconds=5.0,
    )
    desk.enqueue("c1")
    desk.enqueue("c2")
    for conv_id in ("w1", "w2", "w3"):
        desk.enqueue(conv_id)
    assert _positions(desk.events.events) == []  # batched: nothing before the update timer
    desk.advance(1)
    # two agents, AHT 300 s: one slot frees every 150 s on average
    assert _positions(desk.events.events) == [("w1", 1, 150), ("w2", 2, 300), ("w3", 3, 450)]
    assert desk.engine.position("w2") == (2, 300)
    desk.events.clear()
    desk.advance(60)
    assert _positions(desk.events.events) == []  # nothing moved, nothing sent
    desk.engine.abandon("w1")
    desk.advance(1)
    assert _positions(desk.events.events) == [("w2", 1, 150), ("w3", 2, 300)]


def test_estimate_is_unknown_without_staff(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1", presence="offline")], position_update_seconds=0.0)
    desk.enqueue("c1")
    desk.advance(0)
    assert _positions(desk.events.events) == [("c1", 1, None)]
    assert desk.engine.position("c1") == (1, None)


def test_position_is_none_once_offered(make_desk: DeskFactory) -> None:
    desk = make_desk(agents=[agent("a1")])
    desk.enqueue("c1")
    assert desk.engine.position("c1") is None


def test_queue_metrics_follow_the_documented_formulas(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True, sl_seconds=20)], agents=[agent("a1")])
    desk.enqueue("c1")  # answered at once
    desk.enqueue("c2")  # waits 30 s
    desk.advance(30)
    desk.engine.release("c1")  # handled 30 s
    desk.enqueue("c3")
    desk.advance(10)
    desk.engine.abandon("c3")  # abandoned within the threshold
    desk.enqueue("c4")
    desk.advance(30)
    desk.engine.abandon("c4")  # abandoned after it
    desk.advance(30)
    desk.engine.release("c2")  # handled 70 s; the agent was busy for all 100 s
    desk.advance(100)
    m = desk.engine.queue_metrics("sales")
    assert (m.entered, m.answered, m.abandoned, m.handled) == (4, 2, 2, 2)
    assert (m.answered_within_sl, m.abandoned_within_sl) == (1, 1)
    assert m.service_level == pytest.approx(1 / 2)
    assert m.service_level_offered == pytest.approx(1 / 4)
    assert m.sl2 == pytest.approx(2 / 4)
    assert m.asa_seconds == pytest.approx(15)
    assert m.mean_wait_seconds == pytest.approx((0 + 30 + 10 + 30) / 4)
    assert m.aht_seconds == pytest.approx(50)
    assert m.abandon_rate == pytest.approx(0.5)
    assert m.p_wait == pytest.approx(3 / 4)
    assert m.occupancy == pytest.approx(100 / 200)
    assert m.interval_seconds == pytest.approx(200)
    a = desk.engine.agent_metrics("a1")
    assert (a.offered, a.accepted, a.handled) == (2, 2, 2)
    assert a.aht_seconds == pytest.approx(50)
    assert a.occupancy == pytest.approx(0.5)


def test_occupancy_counts_chat_slots_and_excludes_away_time(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True)], agents=[agent("a1", capacity={"chat": 2})])
    desk.enqueue("c1")
    desk.advance(100)  # one chat of two for 100 s
    desk.engine.release("c1")
    desk.advance(100)  # idle 100 s
    desk.engine.set_presence("a1", "away")
    desk.advance(1000)  # away time is not staffed time
    a = desk.engine.agent_metrics("a1")
    assert a.staffed_seconds == pytest.approx(200)
    assert a.busy_seconds == pytest.approx(50)
    assert a.occupancy == pytest.approx(0.25)


def test_reset_starts_a_new_interval(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True)], agents=[agent("a1")])
    desk.enqueue("c1")
    desk.advance(50)
    desk.engine.reset_metrics()
    desk.enqueue("c2")
    desk.advance(10)
    m = desk.engine.queue_metrics("sales")
    assert (m.entered, m.answered, m.waiting_now) == (1, 0, 1)
    assert m.longest_wait_now == pytest.approx(10)
    assert m.service_level is None
    assert desk.engine.agent_metrics("a1").busy_seconds == pytest.approx(10)


def test_wrap_up_counts_as_busy_and_as_handle_time(make_desk: DeskFactory) -> None:
    desk = make_desk(queues=[queue(auto_accept=True, wrap_up_seconds=20)], agents=[agent("a1")])
    desk.enqueue("c1")
    desk.advance(40)
    desk.engine.release("c1")
    desk.advance(40)
    m = desk.engine.queue_metrics("sales")
    assert m.aht_seconds == pytest.approx(60)
    assert m.occupancy == pytest.approx(60 / 80)
