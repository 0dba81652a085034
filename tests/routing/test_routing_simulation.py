"""The simulator drives the real engine; its long-run figures must agree with queueing theory.

Run lengths: the batch-means 95 % half-width of the simulated service level is about 0.7-1.2
points at these sizes (50,000-100,000 simulated customers), so the 2-point tolerance the issue
asks for sits at three to five standard errors. Seeds are fixed.
"""

from __future__ import annotations

import random

import pytest

from kefu.core.errors import InvalidInput
from kefu.routing import AgentSpec, QueueConfig, RoutingConfig
from kefu.routing.simulation import ArrivalStream, Simulator, simulate_single_queue

TOLERANCE = 0.02


@pytest.mark.slow
@pytest.mark.parametrize(
    ("agents", "rate", "aht", "customers"),
    [
        (4, 60, 120, 60_000),  # occupancy 0.50
        (8, 100, 180, 80_000),  # occupancy 0.63
        (14, 200, 180, 100_000),  # occupancy 0.71: the reference point
    ],
)
def test_simulation_agrees_with_erlang_c(agents: int, rate: int, aht: int, customers: int) -> None:
    result = simulate_single_queue(
        agents=agents,
        arrival_rate_per_hour=rate,
        aht_seconds=aht,
        sl_seconds=20,
        hours=customers / rate,
        seed=11,
    )
    simulated = result.outcome.metrics
    predicted = result.prediction
    assert predicted.model == "erlang_c"
    assert simulated.answered > customers * 0.95
    assert simulated.abandoned == 0
    assert simulated.service_level == pytest.approx(predicted.service_level, abs=TOLERANCE)
    assert simulated.p_wait == pytest.approx(predicted.p_wait, abs=TOLERANCE)
    assert simulated.occupancy == pytest.approx(predicted.occupancy, abs=TOLERANCE)
    assert simulated.asa_seconds == pytest.approx(predicted.asa_seconds, rel=0.15)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("agents", "rate", "aht", "patience"),
    [
        (14, 200, 180, 120),  # a few abandons
        (6, 150, 180, 90),  # 25 % over capacity: abandonment keeps the queue stable
    ],
)
def test_simulation_agrees_with_erlang_a(agents: int, rate: int, aht: int, patience: int) -> None:
    result = simulate_single_queue(
        agents=agents,
        arrival_rate_per_hour=rate,
        aht_seconds=aht,
        sl_seconds=20,
        hours=50_000 / rate,
        patience_seconds=patience,
        seed=12,
    )
    simulated = result.outcome.metrics
    predicted = result.prediction
    assert predicted.model == "erlang_a"
    assert simulated.abandoned > 500
    assert simulated.abandon_rate == pytest.approx(predicted.abandon_rate, abs=TOLERANCE)
    assert simulated.service_level == pytest.approx(predicted.service_level, abs=TOLERANCE)
    assert simulated.asa_seconds == pytest.approx(predicted.asa_seconds, rel=0.15)


def test_same_seed_same_result_and_warm_up_is_excluded() -> None:
    kwargs = {
        "agents": 5,
        "arrival_rate_per_hour": 80,
        "aht_seconds": 180,
        "sl_seconds": 20,
        "hours": 20,
        "seed": 3,
    }
    first = simulate_single_queue(**kwargs)  # type: ignore[arg-type]
    again = simulate_single_queue(**kwargs)  # type: ignore[arg-type]
    assert first.outcome == again.outcome
    assert first.warmup_hours == pytest.approx(1.0)
    metrics = first.outcome.metrics
    assert metrics.interval_seconds == pytest.approx(20 * 3600)
    # About 80/h over the 20 measured hours, not 21.
    assert 1300 < metrics.entered < 1900


def test_every_strategy_runs_in_the_simulator() -> None:
    for strategy in ("longest_idle", "round_robin", "least_occupied", "skills_weighted", "sticky"):
        result = simulate_single_queue(
            agents=3,
            arrival_rate_per_hour=40,
            aht_seconds=180,
            sl_seconds=20,
            hours=5,
            strategy=strategy,
            seed=1,
        )
        assert result.outcome.metrics.answered > 100


def test_simulator_refuses_bad_input() -> None:
    with pytest.raises(InvalidInput):
        simulate_single_queue(
            agents=0, arrival_rate_per_hour=10, aht_seconds=10, sl_seconds=20, hours=1
        )
    with pytest.raises(InvalidInput):
        simulate_single_queue(
            agents=1,
            arrival_rate_per_hour=10,
            aht_seconds=10,
            sl_seconds=20,
            hours=1,
            strategy="fastest",
        )
    with pytest.raises(InvalidInput):
        simulate_single_queue(
            agents=1, arrival_rate_per_hour=1e7, aht_seconds=10, sl_seconds=20, hours=100
        )


def _two_skill(strategy: str) -> tuple[RoutingConfig, list[AgentSpec]]:
    queues = tuple(
        QueueConfig(id=skill, strategy=strategy, auto_accept=True)  # type: ignore[arg-type]
        for skill in ("sales", "support")
    )
    config = RoutingConfig(queues=queues, default_queue="sales", position_update_seconds=None)
    agents = [
        AgentSpec(id=f"{skill}{i}", skills={skill: 9}, capacity={"chat": 1}, presence="online")
        for skill in ("sales", "support")
        for i in range(6)
    ] + [
        AgentSpec(
            id=f"generalist{i}",
            skills={"sales": 4, "support": 4},
            capacity={"chat": 1},
            presence="online",
        )
        for i in range(5)
    ]
    return config, agents


def _slower_generalists(rng: random.Random, agent_id: str, queue_id: str) -> float:
    return rng.expovariate(1 / (360 if agent_id.startswith("generalist") else 240))


@pytest.mark.slow
def test_skills_weighted_beats_round_robin_on_two_skills() -> None:
    figures = {}
    for strategy in ("skills_weighted", "round_robin"):
        config, agents = _two_skill(strategy)
        sim = Simulator(
            config,
            agents,
            [ArrivalStream("sales", 90), ArrivalStream("support", 90)],
            handle_time=_slower_generalists,
            patience_seconds=180,
            seed=5,
        )
        outcomes = sim.run(hours=150, warmup_hours=2)
        answered = sum(o.metrics.answered for o in outcomes.values())
        within = sum(o.metrics.answered_within_sl for o in outcomes.values())
        finished = sum(o.metrics.answered + o.metrics.abandoned for o in outcomes.values())
        waited = sum(
            (o.metrics.mean_wait_seconds or 0) * (o.metrics.answered + o.metrics.abandoned)
            for o in outcomes.values()
        )
        figures[strategy] = (within / answered, waited / finished)
    weighted_sl, weighted_wait = figures["skills_weighted"]
    rr_sl, rr_wait = figures["round_robin"]
    assert weighted_sl > rr_sl + 0.01
    assert weighted_wait < rr_wait * 0.95
