"""Skills-weighted vs round-robin (and the other strategies) on a two-skill contact center.

Run: .venv/bin/python bench/routing_strategies.py [--hours 400] [--seeds 3]

The scenario (the usual case for skills-based routing): two queues, sales and support, each
with its own specialists (proficiency 9) plus a pool of generalists who know both (proficiency
4). A specialist handles a contact in 240 s on average, a generalist in 360 s (exponential);
90 contacts an hour reach each queue; patience is exponential with a 180 s mean. Every
strategy drives the same engine through the same simulator with the same seeds; only the
queue's strategy changes. Figures are averaged over seeds, with the spread across seeds, and
reported against round-robin measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from kefu.routing import AgentSpec, QueueConfig, RoutingConfig
from kefu.routing.simulation import ArrivalStream, Simulator

SPECIALISTS_PER_SKILL = 6
GENERALISTS = 5
SPECIALIST_AHT = 240.0
GENERALIST_AHT = 360.0
RATE_PER_QUEUE = 90.0
PATIENCE = 180.0
SL_SECONDS = 20.0


def build(strategy: str) -> tuple[RoutingConfig, list[AgentSpec]]:
    queues = tuple(
        QueueConfig(
            id=skill,
            strategy=strategy,  # type: ignore[arg-type]
            sticky_seconds=30.0 if strategy == "sticky" else 0.0,
            auto_accept=True,
            sl_seconds=SL_SECONDS,
        )
        for skill in ("sales", "support")
    )
    config = RoutingConfig(queues=queues, default_queue="sales", position_update_seconds=None)
    agents = [
        AgentSpec(id=f"{skill}-{i}", skills={skill: 9}, capacity={"chat": 1}, presence="online")
        for skill in ("sales", "support")
        for i in range(SPECIALISTS_PER_SKILL)
    ]
    agents += [
        AgentSpec(
            id=f"generalist-{i}",
            skills={"sales": 4, "support": 4},
            capacity={"chat": 1},
            presence="online",
        )
        for i in range(GENERALISTS)
    ]
    return config, agents


def handle_time(rng: random.Random, agent_id: str, queue_id: str) -> float:
    mean = GENERALIST_AHT if agent_id.startswith("generalist") else SPECIALIST_AHT
    return rng.expovariate(1.0 / mean)


def run(strategy: str, hours: float, seed: int, rate: float) -> dict[str, float]:
    config, agents = build(strategy)
    sim = Simulator(
        config,
        agents,
        [ArrivalStream("sales", rate), ArrivalStream("support", rate)],
        handle_time=handle_time,
        patience_seconds=PATIENCE,
        seed=seed,
    )
    outcomes = sim.run(hours=hours, warmup_hours=2.0)
    answered = sum(o.metrics.answered for o in outcomes.values())
    within = sum(o.metrics.answered_within_sl for o in outcomes.values())
    abandoned = sum(o.metrics.abandoned for o in outcomes.values())
    waits = sum(
        (o.metrics.mean_wait_seconds or 0.0) * (o.metrics.answered + o.metrics.abandoned)
        for o in outcomes.values()
    )
    aht = sum((o.metrics.aht_seconds or 0.0) * o.metrics.handled for o in outcomes.values())
    handled = sum(o.metrics.handled for o in outcomes.values())
    return {
        "service_level": within / answered,
        "mean_wait": waits / (answered + abandoned),
        "abandon_rate": abandoned / (answered + abandoned),
        "aht": aht / handled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=400.0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=RATE_PER_QUEUE, help="contacts/h per skill")
    args = parser.parse_args()
    strategies = ["round_robin", "skills_weighted", "longest_idle", "least_occupied"]
    results: dict[str, list[dict[str, float]]] = {}
    started = time.perf_counter()
    for strategy in strategies:
        results[strategy] = [
            run(strategy, args.hours, seed, args.rate) for seed in range(1, args.seeds + 1)
        ]
    elapsed = time.perf_counter() - started
    base = {
        k: statistics.mean(r[k] for r in results["round_robin"]) for k in results["round_robin"][0]
    }
    print(
        f"two skills, {SPECIALISTS_PER_SKILL}+{SPECIALISTS_PER_SKILL} specialists "
        f"(AHT {SPECIALIST_AHT:.0f} s) + {GENERALISTS} generalists (AHT {GENERALIST_AHT:.0f} s), "
        f"{args.rate:.0f}/h per skill, patience {PATIENCE:.0f} s, SL {SL_SECONDS:.0f} s; "
        f"{args.hours:.0f} h x {args.seeds} seeds per strategy ({elapsed:.0f} s wall)"
    )
    header = (
        f"{'strategy':<16}{'SL':>8}{'+-':>6}{'mean wait s':>13}{'vs RR':>8}"
        f"{'abandon':>9}{'AHT s':>8}"
    )
    print(header)
    print("-" * len(header))
    for strategy in strategies:
        rows = results[strategy]
        sl = [r["service_level"] for r in rows]
        wait = statistics.mean(r["mean_wait"] for r in rows)
        spread = statistics.stdev(sl) if len(sl) > 1 else 0.0
        print(
            f"{strategy:<16}{statistics.mean(sl):>8.3f}{spread:>6.3f}{wait:>13.1f}"
            f"{wait / base['mean_wait']:>8.2f}"
            f"{statistics.mean(r['abandon_rate'] for r in rows):>9.3f}"
            f"{statistics.mean(r['aht'] for r in rows):>8.0f}"
        )


if __name__ == "__main__":
    main()
