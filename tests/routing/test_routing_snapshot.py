"""Rebuilding the engine from plain data, as the server does at start-up."""

from __future__ import annotations

import pytest
from routing_desk import START, DeskFactory, agent, queue

from kefu.core.errors import InvalidInput
from kefu.routing import (
    AgentSnapshot,
    Assignment,
    CollectingListener,
    EngineSnapshot,
    RoutingConfig,
    SimulationScheduler,
    WaitingConversation,
    WideningStep,
    restore_engine,
    take_snapshot,
)
from kefu.routing.listener import Assigned


def _config() -> RoutingConfig:
    return RoutingConfig(
        queues=(
            queue(
                auto_accept=True,
                wrap_up_seconds=30,
                widening=(WideningStep(after_seconds=60, min_proficiency=2),),
                min_proficiency=5,
            ),
        ),
        default_queue="sales",
        position_update_seconds=None,
    )


def test_snapshot_round_trip_keeps_everything(make_desk: DeskFactory) -> None:
    config = _config()
    desk = make_desk(
        queues=config.queues,
        agents=[agent("a1", capacity={"chat": 2}), agent("a2", skills={"sales": 3})],
    )
    desk.enqueue("c1", contact_id="k1")
    desk.advance(5)
    desk.enqueue("c2", priority=2)
    desk.advance(5)
    desk.enqueue("c3")  # waits: a1 full, a2 below proficiency 5
    desk.advance(5)
    snapshot = take_snapshot(desk.engine)
    assert {a.conversation_id for a in snapshot.assignments} == {"c1", "c2"}
    assert [w.id for w in snapshot.waiting] == ["c3"]

    clock = SimulationScheduler(desk.clock.now())
    events = CollectingListener()
    restored = restore_engine(config, snapshot, clock, events)
    assert restored.conversation_status("c3").state == "waiting"
    assert restored.agent_status("a1").conversations == frozenset({"c1", "c2"})
    assert take_snapshot(restored) == snapshot
    # the widening step keeps counting from c3's original entry: 60 s after START + 10
    clock.advance(START + 70 - clock.now() - 0.001)
    assert not events.of_type("assigned")
    clock.advance(0.001)
    assert events.of_type("assigned") == [Assigned("c3", "a2", "sales", 60.0)]


def test_restore_offers_waiting_work_by_priority() -> None:
    config = _config()
    now = START + 1000
    snapshot = EngineSnapshot(
        agents=(
            AgentSnapshot(
                spec=agent("a1"), presence="online", free_since=START, last_assigned_at=START
            ),
        ),
        waiting=(
            WaitingConversation("old", "sales", "web", now - 300, now - 300, 0),
            WaitingConversation("vip", "sales", "web", now - 10, now - 10, 10),
        ),
    )
    events = CollectingListener()
    engine = restore_engine(config, snapshot, SimulationScheduler(now), events)
    assert events.of_type("assigned") == [Assigned("vip", "a1", "sales", 10.0)]
    assert engine.conversation_status("old").state == "waiting"


def test_restore_resumes_wrap_up() -> None:
    config = _config()
    now = START + 1000
    snapshot = EngineSnapshot(
        agents=(
            AgentSnapshot(
                spec=agent("a1"),
                presence="wrap_up",
                free_since=now - 5,
                last_assigned_at=now - 100,
                wrap_up_until=now + 25,
            ),
        ),
        waiting=(WaitingConversation("c1", "sales", "web", now - 50, now - 50, 0),),
    )
    clock = SimulationScheduler(now)
    events = CollectingListener()
    engine = restore_engine(config, snapshot, clock, events)
    assert engine.agent_status("a1").presence == "wrap_up"
    clock.advance(25)
    assert events.of_type("assigned") == [Assigned("c1", "a1", "sales", 75.0)]


@pytest.mark.parametrize(
    ("snapshot", "message"),
    [
        (
            EngineSnapshot(
                assignments=(Assignment("c1", "ghost", "sales", "web", START, START),),
            ),
            "unknown agent",
        ),
        (
            EngineSnapshot(waiting=(WaitingConversation("c1", "nope", "web", START, START, 0),)),
            "unknown queue",
        ),
        (
            EngineSnapshot(waiting=(WaitingConversation("c1", "sales", "voice", START, START, 0),)),
            "voice",
        ),
        (
            EngineSnapshot(
                waiting=(
                    WaitingConversation("c1", "sales", "web", START, START, 0),
                    WaitingConversation("c1", "sales", "web", START, START, 0),
                )
            ),
            "twice",
        ),
    ],
)
def test_inconsistent_snapshot_is_refused(snapshot: EngineSnapshot, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        restore_engine(_config(), snapshot, SimulationScheduler(START))


def test_restore_keeps_a_sticky_reservation_inside_its_window() -> None:
    config = RoutingConfig(
        queues=(queue(strategy="sticky", sticky_seconds=60, auto_accept=True),),
        default_queue="sales",
        position_update_seconds=None,
    )
    now = START + 1000
    snapshot = EngineSnapshot(
        agents=(
            AgentSnapshot(
                spec=agent("anna"), presence="online", free_since=START, last_assigned_at=now - 50
            ),
            AgentSnapshot(
                spec=agent("bob"), presence="online", free_since=START, last_assigned_at=START
            ),
        ),
        assignments=(Assignment("busy", "anna", "sales", "web", now - 50, now - 55),),
        waiting=(
            WaitingConversation("c1", "sales", "web", now - 20, now - 20, 0, last_agent_id="anna"),
        ),
    )
    clock = SimulationScheduler(now)
    events = CollectingListener()
    engine = restore_engine(config, snapshot, clock, events)
    assert engine.conversation_status("c1").state == "reserved"  # bob is free, but it waits
    engine.release("busy")
    assert events.of_type("assigned") == [Assigned("c1", "anna", "sales", 20.0)]
