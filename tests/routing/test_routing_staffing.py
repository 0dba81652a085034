"""Live staffing recommendation from a sliding window of observed events."""

from __future__ import annotations

import pytest

from kefu.core.errors import InvalidInput
from kefu.routing import (
    AgentSpec,
    QueueConfig,
    RoutingConfig,
    StaffingAdvisor,
    required_agents,
)
from kefu.routing.simulation import ArrivalStream, Simulator


def _advisor(**kwargs: float) -> StaffingAdvisor:
    return StaffingAdvisor(sl_seconds=20, target_service_level=0.8, started_at=0.0, **kwargs)


def test_recommendation_uses_the_window_rate_and_handle_time() -> None:
    advisor = _advisor()
    for i in range(200):  # 200 arrivals in the last hour, each handled in 180 s, none waiting
        at = 3600.0 + i * 18.0
        advisor.record_arrival(at)
        advisor.record_answer(at, 0.0)
        advisor.record_handle(at, 180.0)
    advice = advisor.recommend(7200.0)
    assert advice is not None
    assert advice.arrival_rate_per_hour == pytest.approx(200)
    assert advice.aht_seconds == pytest.approx(180)
    assert advice.patience_seconds is None
    assert advice.agents == required_agents(200, 180, 20, 0.8).agents == 14


def test_old_events_leave_the_window() -> None:
    advisor = _advisor(window_seconds=600)
    for i in range(100):
        advisor.record_arrival(float(i))
        advisor.record_handle(float(i), 1000.0)
    for i in range(60):  # the last ten minutes: one arrival every 10 s, handled in 60 s
        at = 1000.0 + i * 10
        advisor.record_arrival(at)
        advisor.record_handle(at, 60.0)
    advice = advisor.recommend(1600.0)
    assert advice is not None
    assert advice.arrivals == 60
    assert advice.arrival_rate_per_hour == pytest.approx(360)
    assert advice.aht_seconds == pytest.approx(60)


def test_patience_is_estimated_from_abandons_and_all_waiting_time() -> None:
    advisor = _advisor()
    for i in range(100):
        at = 100.0 + i * 30
        advisor.record_arrival(at)
        advisor.record_handle(at, 200.0)
        if i % 4 == 0:
            advisor.record_abandon(at, 50.0)
        else:
            advisor.record_answer(at, 10.0)
    advice = advisor.recommend(3100.0)
    assert advice is not None
    # 25 abandons; total waiting time 25*50 + 75*10 = 2000 s, so mean patience 80 s
    assert advice.patience_seconds == pytest.approx(80)
    assert advice.prediction.model == "erlang_a"


def test_nothing_to_say_before_enough_is_seen() -> None:
    advisor = _advisor()
    assert advisor.recommend(30.0) is None
    advisor.record_arrival(40.0)
    assert advisor.recommend(120.0) is None  # no handle time observed yet
    with pytest.raises(InvalidInput):
        StaffingAdvisor(sl_seconds=20, target_service_level=0.8, started_at=0, window_seconds=0)


def test_engine_recommendation_tracks_what_it_serves() -> None:
    config = RoutingConfig(
        queues=(QueueConfig(id="main", auto_accept=True),),
        default_queue="main",
        position_update_seconds=None,
    )
    agents = [
        AgentSpec(id=f"a{i}", skills={"main": 5}, capacity={"chat": 1}, presence="online")
        for i in range(16)
    ]
    sim = Simulator(
        config,
        agents,
        [ArrivalStream("main", 200)],
        handle_time=lambda rng, agent_id, queue_id: rng.expovariate(1 / 180),
        seed=7,
    )
    sim.run(hours=2, warmup_hours=0.5)
    advice = sim.engine.staffing_recommendation("main")
    assert advice is not None
    assert advice.window_seconds == pytest.approx(3600)
    assert advice.arrival_rate_per_hour == pytest.approx(200, rel=0.2)
    assert advice.aht_seconds == pytest.approx(180, rel=0.2)
    assert 12 <= advice.agents <= 17
