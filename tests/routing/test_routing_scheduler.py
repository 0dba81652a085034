"""The two schedulers: the simulated clock, and asyncio running the same engine."""

from __future__ import annotations

import asyncio

import pytest
from routing_desk import agent, queue

from kefu.core.errors import InvalidInput
from kefu.routing import (
    AsyncioScheduler,
    CollectingListener,
    ConversationRequest,
    RoutingConfig,
    RoutingEngine,
    SimulationScheduler,
)
from kefu.routing.listener import OfferWithdrawn


def test_simulated_timers_fire_in_time_then_insertion_order() -> None:
    clock = SimulationScheduler(100.0)
    fired: list[str] = []
    clock.call_at(105, lambda: fired.append("b"))
    clock.call_at(103, lambda: fired.append("a"))
    clock.call_at(105, lambda: fired.append("c"))
    late = clock.call_at(110, lambda: fired.append("late"))
    clock.run_until(105)
    assert fired == ["a", "b", "c"]
    assert clock.now() == 105
    clock.cancel(late)
    clock.cancel(late)  # cancelling twice is harmless
    clock.advance(100)
    assert fired == ["a", "b", "c"]
    assert clock.pending == 0


def test_a_timer_in_the_past_fires_at_once_and_time_never_goes_back() -> None:
    clock = SimulationScheduler(50.0)
    seen: list[float] = []
    clock.call_at(10, lambda: seen.append(clock.now()))
    clock.step()
    assert seen == [50.0]
    with pytest.raises(InvalidInput):
        clock.advance(-1)


def test_timers_set_while_firing_are_honoured() -> None:
    clock = SimulationScheduler()
    fired: list[float] = []

    def chain() -> None:
        fired.append(clock.now())
        if len(fired) < 3:
            clock.call_at(clock.now() + 1, chain)

    clock.call_at(1, chain)
    clock.run_until(10)
    assert fired == [1, 2, 3]


def test_many_cancellations_are_compacted() -> None:
    clock = SimulationScheduler()
    handles = [clock.call_at(i, lambda: None) for i in range(5000)]
    for handle in handles[:4000]:
        clock.cancel(handle)
    assert clock.pending == 1000
    clock.run_until(10_000)
    assert clock.fired == 1000


def test_foreign_timer_is_refused() -> None:
    with pytest.raises(InvalidInput):
        SimulationScheduler().cancel(object())  # type: ignore[arg-type]


def test_the_same_engine_runs_on_asyncio() -> None:
    config = RoutingConfig(
        queues=(queue(offer_timeout_seconds=0.05, away_on_offer_timeout=False),),
        default_queue="sales",
        position_update_seconds=0.01,
    )

    async def scenario() -> CollectingListener:
        events = CollectingListener()
        engine = RoutingEngine(config, AsyncioScheduler(), events)
        engine.add_agent(agent("a1"))
        engine.add_agent(agent("a2", presence="offline"))
        engine.enqueue(ConversationRequest(id="c1"))
        engine.enqueue(ConversationRequest(id="c2"))
        engine.set_presence("a2", "online")
        engine.reject("c2", "a2")  # c2 now waits for a1, who does not answer c1
        for _ in range(200):
            await asyncio.sleep(0.01)
            if (
                events.of_type("offer_withdrawn")
                and engine.conversation_status("c1").agent_id == "a2"
            ):
                break
        return events

    events = asyncio.run(scenario())
    assert OfferWithdrawn("c1", "a1", "timeout") in events.events
    assert ("c1", "a2") in [(e.conversation_id, e.agent_id) for e in events.of_type("offered")]  # type: ignore[union-attr]


def test_asyncio_timer_can_be_cancelled() -> None:
    async def scenario() -> list[str]:
        scheduler = AsyncioScheduler()
        fired: list[str] = []
        handle = scheduler.call_at(scheduler.now() + 0.01, lambda: fired.append("x"))
        scheduler.call_at(scheduler.now() + 0.02, lambda: fired.append("y"))
        scheduler.cancel(handle)
        await asyncio.sleep(0.05)
        return fired

    assert asyncio.run(scenario()) == ["y"]
