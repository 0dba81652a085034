"""`kefu routing ...`: simulate the ACD against Erlang, and compute staffing."""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

import typer

app = typer.Typer(help="ACD: simulate routing and compute staffing.", no_args_is_help=True)

_STRATEGY_HELP = "longest-idle, round-robin, least-occupied, skills-weighted or sticky"


def fail(message: str) -> NoReturn:
    """One plain line on stderr (never wrapped) and exit code 2, like a usage error."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _number(value: float | None) -> float | None:
    """JSON has no infinity: an unbounded figure (an unstable queue's ASA) prints as null."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)


def _require(condition: bool, message: str) -> None:
    if not condition:
        fail(message)


def _strategy(name: str) -> str:
    from kefu.routing.config import STRATEGIES

    normalized = name.strip().lower().replace("-", "_")
    if normalized not in STRATEGIES:
        fail(f"unknown strategy {name!r}: use {_STRATEGY_HELP}")
    return normalized


@app.command("simulate")
def simulate(
    agents: int = typer.Option(..., "--agents", help="Agents, one conversation each"),
    arrival_rate: float = typer.Option(..., "--arrival-rate", help="Contacts per hour"),
    aht: float = typer.Option(..., "--aht", help="Average handle time, seconds"),
    sl_seconds: float = typer.Option(..., "--sl-seconds", help="Service level threshold T"),
    hours: float = typer.Option(..., "--hours", help="Measured hours (after the warm-up)"),
    patience: float | None = typer.Option(
        None, "--patience", help="Mean customer patience, seconds (exponential); none = wait"
    ),
    strategy: str = typer.Option("longest-idle", "--strategy", help=_STRATEGY_HELP),
    seed: int = typer.Option(0, "--seed", help="Random seed"),
    warmup_hours: float | None = typer.Option(
        None, "--warmup-hours", help="Excluded from statistics (default: min(1, hours/10))"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Discrete-event simulation driving the real engine, next to the Erlang prediction."""
    _require(agents >= 1, "--agents must be at least 1")
    _require(math.isfinite(arrival_rate) and arrival_rate > 0, "--arrival-rate must be > 0")
    _require(math.isfinite(aht) and aht > 0, "--aht must be > 0 seconds")
    _require(math.isfinite(sl_seconds) and sl_seconds >= 0, "--sl-seconds must be >= 0")
    _require(math.isfinite(hours) and hours > 0, "--hours must be > 0")
    _require(
        patience is None or (math.isfinite(patience) and patience > 0), "--patience must be > 0"
    )
    _require(
        warmup_hours is None or (math.isfinite(warmup_hours) and warmup_hours >= 0),
        "--warmup-hours must be >= 0",
    )
    name = _strategy(strategy)

    from kefu.core.errors import KefuError
    from kefu.routing.simulation import simulate_single_queue

    try:
        result = simulate_single_queue(
            agents=agents,
            arrival_rate_per_hour=arrival_rate,
            aht_seconds=aht,
            sl_seconds=sl_seconds,
            hours=hours,
            patience_seconds=patience,
            strategy=name,
            seed=seed,
            warmup_hours=warmup_hours,
        )
    except KefuError as exc:
        fail(exc.message)
    metrics = result.outcome.metrics
    prediction = result.prediction
    report: dict[str, Any] = {
        "service_level": _number(metrics.service_level),
        "asa_seconds": _number(metrics.asa_seconds),
        "abandon_rate": _number(metrics.abandon_rate),
        "occupancy": _number(metrics.occupancy),
        "erlang_service_level": _number(prediction.service_level),
        "erlang_asa_seconds": _number(prediction.asa_seconds),
        "erlang_abandon_rate": _number(prediction.abandon_rate),
        "erlang_model": prediction.model,
        "p_wait": _number(metrics.p_wait),
        "erlang_p_wait": _number(prediction.p_wait),
        "erlang_occupancy": _number(prediction.occupancy),
        "service_level_ci95": _number(result.outcome.service_level_ci95),
        "abandon_rate_ci95": _number(result.outcome.abandon_rate_ci95),
        "answered": metrics.answered,
        "abandoned": metrics.abandoned,
        "agents": agents,
        "arrival_rate_per_hour": arrival_rate,
        "aht_seconds": aht,
        "patience_seconds": patience,
        "sl_seconds": sl_seconds,
        "hours": hours,
        "warmup_hours": result.warmup_hours,
        "strategy": name,
        "seed": seed,
    }
    if prediction.offered_load >= agents and patience is None:
        typer.echo(
            f"warning: offered load {prediction.offered_load:.2f} erlangs >= {agents} agents; "
            "without abandonment the queue grows without bound",
            err=True,
        )
    _print(report, as_json, "Simulated vs Erlang")


@app.command("staff")
def staff(
    arrival_rate: float = typer.Option(..., "--arrival-rate", help="Contacts per hour"),
    aht: float = typer.Option(..., "--aht", help="Average handle time, seconds"),
    target_sl: float = typer.Option(..., "--target-sl", help="Target service level, e.g. 0.8"),
    sl_seconds: float = typer.Option(..., "--sl-seconds", help="Service level threshold T"),
    patience: float | None = typer.Option(
        None, "--patience", help="Mean customer patience, seconds: Erlang A instead of C"
    ),
    max_occupancy: float | None = typer.Option(
        None, "--max-occupancy", help="Also keep occupancy at or below this (0-1]"
    ),
    sl_basis: str = typer.Option(
        "answered",
        "--sl-basis",
        help="answered: within T / answered; offered: within T / all arrivals (counts abandons)",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Fewest agents that reach the target service level (Erlang C, or Erlang A with patience)."""
    _require(math.isfinite(arrival_rate) and arrival_rate > 0, "--arrival-rate must be > 0")
    _require(math.isfinite(aht) and aht > 0, "--aht must be > 0 seconds")
    _require(math.isfinite(target_sl) and 0 < target_sl < 1, "--target-sl must be between 0 and 1")
    _require(math.isfinite(sl_seconds) and sl_seconds >= 0, "--sl-seconds must be >= 0")
    _require(
        patience is None or (math.isfinite(patience) and patience > 0), "--patience must be > 0"
    )
    _require(
        max_occupancy is None or (math.isfinite(max_occupancy) and 0 < max_occupancy <= 1),
        "--max-occupancy must be in (0, 1]",
    )
    _require(sl_basis in ("answered", "offered"), "--sl-basis must be answered or offered")

    from kefu.core.errors import KefuError
    from kefu.routing.erlang import required_agents

    try:
        prediction = required_agents(
            arrival_rate,
            aht,
            sl_seconds,
            target_sl,
            patience,
            max_occupancy=max_occupancy,
            basis="offered" if sl_basis == "offered" else "answered",
        )
    except KefuError as exc:
        fail(exc.message)
    report: dict[str, Any] = {
        "agents": prediction.agents,
        "service_level": _number(
            prediction.service_level if sl_basis == "answered" else prediction.service_level_offered
        ),
        "asa_seconds": _number(prediction.asa_seconds),
        "p_wait": _number(prediction.p_wait),
        "abandon_rate": _number(prediction.abandon_rate),
        "occupancy": _number(prediction.occupancy),
        "offered_load_erlangs": _number(prediction.offered_load),
        "model": prediction.model,
        "sl_basis": sl_basis,
    }
    _print(report, as_json, "Staffing")


def _print(report: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in report.items():
        table.add_row(key, "-" if value is None else str(value))
    Console().print(table)
