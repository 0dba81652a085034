"""Routing decision latency with 10,000 queued conversations and 1,000 agents.

Run: .venv/bin/python bench/routing_decision.py [--queued 10000] [--agents 1000] [--ops 2000]

Three decisions are timed one by one (perf_counter_ns around each engine call):

* enqueue, nobody free: rules, admission and a push into the queue's heap;
* release, queue non-empty: the freed agent takes the best waiting conversation across its
  three queues (auto-accept), i.e. "an agent frees up with 10,000 waiting";
* enqueue, 1,000 agents free: the strategy picks the agent (offer, no auto-accept), per
  strategy.

The baseline, measured in the same run on the same data, is a straightforward router that
scans: every waiting conversation to find the best one an agent may take, or every agent to
find the best free one. Figures are medians and 99th percentiles in microseconds, and the
speed-up against the baseline (baseline time / engine time).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from kefu.routing import (
    AgentSpec,
    ConversationRequest,
    QueueConfig,
    RoutingConfig,
    RoutingEngine,
    SimulationScheduler,
)

SKILLS = [f"s{i}" for i in range(10)]
CAPACITY = 3


def make_agents(count: int, rng: random.Random) -> list[AgentSpec]:
    return [
        AgentSpec(
            id=f"a{i}",
            skills={skill: rng.randint(1, 10) for skill in rng.sample(SKILLS, 3)},
            capacity={"chat": CAPACITY},
            presence="online",
        )
        for i in range(count)
    ]


def make_engine(strategy: str, auto_accept: bool) -> tuple[RoutingEngine, SimulationScheduler]:
    queues = tuple(
        QueueConfig(
            id=skill,
            strategy=strategy,  # type: ignore[arg-type]
            sticky_seconds=30.0 if strategy == "sticky" else 0.0,
            auto_accept=auto_accept,
            offer_timeout_seconds=None,
            aging_per_minute=0.5,
        )
        for skill in SKILLS
    )
    config = RoutingConfig(queues=queues, default_queue=SKILLS[0], position_update_seconds=1.0)
    clock = SimulationScheduler(1_700_000_000.0)
    return RoutingEngine(config, clock), clock


def timed(calls: list[Callable[[], Any]]) -> list[float]:
    out = []
    for call in calls:
        start = time.perf_counter_ns()
        call()
        out.append((time.perf_counter_ns() - start) / 1000.0)
    return out


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


class NaiveRouter:
    """The baseline: plain lists, and a full scan for every decision."""

    def __init__(self, agents: list[AgentSpec]) -> None:
        self.agents = [
            {"id": a.id, "skills": a.skills, "load": 0, "free_since": float(i)}
            for i, a in enumerate(agents)
        ]
        self.by_id = {a["id"]: a for a in self.agents}
        self.waiting: list[dict[str, Any]] = []

    def enqueue(self, conv: dict[str, Any]) -> None:
        agent = self.best_agent(conv["queue"])
        if agent is None:
            self.waiting.append(conv)
        else:
            agent["load"] += 1

    def best_agent(self, skill: str) -> dict[str, Any] | None:
        best = None
        for agent in self.agents:
            if agent["load"] < CAPACITY and agent["skills"].get(skill, 0) >= 1:
                key = (agent["load"] > 0, agent["free_since"])
                if best is None or key < best[0]:
                    best = (key, agent)
        return None if best is None else best[1]

    def release(self, agent_id: str, now: float) -> None:
        agent = self.by_id[agent_id]
        agent["load"] -= 1
        agent["free_since"] = now
        best_index = None
        best_key = None
        for index, conv in enumerate(self.waiting):
            if conv["queue"] in agent["skills"]:
                key = (-(conv["priority"] + (now - conv["at"]) / 120.0), conv["at"])
                if best_key is None or key < best_key:
                    best_index, best_key = index, key
        if best_index is not None:
            self.waiting.pop(best_index)
            agent["load"] += 1


def bench_full_queue(args: argparse.Namespace) -> None:
    rng = random.Random(1)
    specs = make_agents(args.agents, rng)
    engine, clock = make_engine("longest_idle", auto_accept=True)
    naive = NaiveRouter(specs)
    for spec in specs:
        engine.add_agent(spec)
    serving = []
    fill = args.agents * CAPACITY + args.queued
    for n in range(fill):
        skill = rng.choice(SKILLS)
        priority = rng.choice((0, 0, 0, 5))
        clock.advance(0.01)
        conv_id = f"f{n}"
        engine.enqueue(ConversationRequest(id=conv_id, queue_id=skill, priority=priority))
        naive.enqueue({"queue": skill, "priority": priority, "at": clock.now()})
        if engine.conversation_status(conv_id).state == "assigned":
            serving.append(conv_id)
    waiting = sum(engine.waiting_count(q) for q in engine.queue_ids())
    print(f"set-up: {len(serving)} conversations in service, {waiting} waiting")

    new = [ConversationRequest(id=f"n{i}", queue_id=rng.choice(SKILLS)) for i in range(args.ops)]
    engine_enqueue = timed([lambda r=r: engine.enqueue(r) for r in new])
    naive_enqueue = timed(
        [
            lambda r=r: naive.enqueue({"queue": r.queue_id, "priority": 0, "at": clock.now()})
            for r in new
        ]
    )
    report("enqueue, nobody free", engine_enqueue, naive_enqueue)

    releasing = rng.sample(serving, args.ops)
    agent_of = {c: engine.conversation_status(c).agent_id for c in releasing}
    engine_release = timed([lambda c=c: engine.release(c) for c in releasing])
    naive_release = timed(
        [lambda c=c: naive.release(str(agent_of[c]), clock.now()) for c in releasing]
    )
    report("release, agent takes best waiting", engine_release, naive_release)

    flush_started = time.perf_counter()
    clock.advance(1.0)  # every queue's position update falls due
    flush_ms = (time.perf_counter() - flush_started) * 1000
    waiting = sum(engine.waiting_count(q) for q in engine.queue_ids())
    print(
        f"position updates for {waiting} waiting across {len(SKILLS)} queues: {flush_ms:.1f} ms "
        "per update round (batched, at most once per position_update_seconds)"
    )


def bench_agent_choice(args: argparse.Namespace) -> None:
    rng = random.Random(2)
    specs = make_agents(args.agents, rng)
    naive = NaiveRouter(specs)
    requests = [
        ConversationRequest(id=f"c{i}", queue_id=rng.choice(SKILLS)) for i in range(args.ops)
    ]
    naive_samples = timed([lambda r=r: naive.best_agent(str(r.queue_id)) for r in requests])
    for strategy in ("longest_idle", "round_robin", "least_occupied", "skills_weighted", "sticky"):
        engine, _ = make_engine(strategy, auto_accept=False)
        for spec in specs:
            engine.add_agent(spec)
        samples = timed([lambda r=r, e=engine: e.enqueue(r) for r in requests])
        report(f"enqueue, {args.agents} agents free: {strategy}", samples, naive_samples)


def report(name: str, engine: list[float], baseline: list[float]) -> None:
    e_median, e_p99 = summary(engine)
    b_median, _ = summary(baseline)
    print(
        f"{name:<45} engine median {e_median:7.1f} us  p99 {e_p99:7.1f} us | "
        f"linear scan median {b_median:8.1f} us | speed-up x{b_median / e_median:6.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=1_000)
    parser.add_argument("--ops", type=int, default=2_000)
    args = parser.parse_args()
    print(f"{args.agents} agents x {CAPACITY} chats over {len(SKILLS)} skills, 3 skills each")
    bench_full_queue(args)
    bench_agent_choice(args)


if __name__ == "__main__":
    main()
