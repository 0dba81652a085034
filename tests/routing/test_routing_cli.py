"""`kefu routing simulate` and `kefu routing staff`: JSON output and clean errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kefu.cli.main import app

runner = CliRunner()

SIMULATE = [
    "routing", "simulate", "--agents", "14", "--arrival-rate", "200", "--aht", "180",
    "--sl-seconds", "20", "--hours", "30", "--seed", "4",
]  # fmt: skip


def test_simulate_prints_one_json_object_with_the_issue_keys() -> None:
    result = runner.invoke(app, [*SIMULATE, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in (
        "service_level",
        "asa_seconds",
        "abandon_rate",
        "occupancy",
        "erlang_service_level",
        "erlang_asa_seconds",
        "erlang_abandon_rate",
    ):
        assert key in report
    assert report["erlang_service_level"] == pytest.approx(0.8884, abs=1e-4)
    assert report["erlang_asa_seconds"] == pytest.approx(7.836, abs=1e-3)
    assert report["abandon_rate"] == 0.0
    assert 0.75 < report["service_level"] <= 1.0
    assert report["strategy"] == "longest_idle"


def test_simulate_with_patience_uses_erlang_a() -> None:
    result = runner.invoke(
        app, [*SIMULATE, "--patience", "60", "--strategy", "skills-weighted", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["erlang_model"] == "erlang_a"
    assert report["erlang_abandon_rate"] > 0
    assert report["abandoned"] > 0
    assert report["strategy"] == "skills_weighted"


def test_staff_reports_agents_for_the_target() -> None:
    result = runner.invoke(
        app,
        [
            "routing", "staff", "--arrival-rate", "200", "--aht", "180",
            "--target-sl", "0.8", "--sl-seconds", "20", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["agents"] == 14
    assert report["service_level"] == pytest.approx(0.8884, abs=1e-4)
    assert report["p_wait"] == pytest.approx(0.1741, abs=1e-4)
    assert report["asa_seconds"] == pytest.approx(7.836, abs=1e-3)


def test_staff_with_patience_and_table_output() -> None:
    result = runner.invoke(
        app,
        [
            "routing", "staff", "--arrival-rate", "200", "--aht", "180",
            "--target-sl", "0.8", "--sl-seconds", "20", "--patience", "120",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "erlang_a" in result.stdout
    assert "agents" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["staff", "--arrival-rate", "0", "--aht", "180", "--target-sl", "0.8",
          "--sl-seconds", "20"], "--arrival-rate"),
        (["staff", "--arrival-rate", "100", "--aht", "180", "--target-sl", "80",
          "--sl-seconds", "20"], "--target-sl"),
        (["staff", "--arrival-rate", "100", "--aht", "180", "--target-sl", "0.8",
          "--sl-seconds", "20", "--sl-basis", "all"], "--sl-basis"),
        (["simulate", "--agents", "0", "--arrival-rate", "100", "--aht", "180",
          "--sl-seconds", "20", "--hours", "1"], "--agents"),
        (["simulate", "--agents", "3", "--arrival-rate", "100", "--aht", "180",
          "--sl-seconds", "20", "--hours", "1", "--strategy", "fastest"], "strategy"),
        (["simulate", "--agents", "3", "--arrival-rate", "100", "--aht", "180",
          "--sl-seconds", "20", "--hours", "1", "--patience", "-4"], "--patience"),
        (["simulate", "--agents", "3", "--arrival-rate", "1e7", "--aht", "180",
          "--sl-seconds", "20", "--hours", "100"], "arrivals"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_clear_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["routing", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_missing_or_mistyped_option_is_a_usage_error() -> None:
    result = runner.invoke(app, ["routing", "staff", "--arrival-rate", "lots"])
    assert result.exit_code == 2
