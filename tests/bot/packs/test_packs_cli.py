"""`kefu packs list`: the JSON contract other tools read, and the table for people."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kefu.bot.packs.loader import list_packs
from kefu.cli.packs import app

runner = CliRunner()


def test_list_json_shape() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    assert rows, "no packs listed"
    for row in rows:
        assert set(row) == {"industry", "language", "intents"}
        assert row["industry"] in {"ecommerce", "education", "catering", "tourism"}
        assert row["language"] in {"zh-CN", "zh-TW", "en", "pl"}
        assert isinstance(row["intents"], int)
        assert row["intents"] >= 40
    assert rows == [info.model_dump() for info in list_packs()]
    pairs = [(row["industry"], row["language"]) for row in rows]
    assert len(pairs) == len(set(pairs))


def test_list_table() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    assert "industry" in result.stdout
    first = list_packs()[0]
    assert first.industry in result.stdout
    assert str(first.intents) in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = runner.invoke(app, ["list", "--yaml"])
    assert result.exit_code == 2


def test_stats_json() -> None:
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == len(list_packs())
    for row in rows:
        assert row["examples"] >= 12 * row["intents"]
        assert 0 <= row["verbatim_in_twin"] < 0.3
        assert "separability" not in row
