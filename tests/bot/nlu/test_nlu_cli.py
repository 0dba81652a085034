"""`kefu nlu eval` and `kefu nlu predict`: exact JSON keys, clean stdout, one-line errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from nlu_fixtures import INTENTS, OOS_EXAMPLES
from typer.testing import CliRunner

from kefu.cli.main import app

KEYS = {
    "in_scope_accuracy",
    "oos_recall",
    "oos_precision",
    "macro_f1",
    "train_seconds",
    "p50_ms",
    "p99_ms",
}


def _write(
    path: Path, rows: list[tuple[str, str]], header: tuple[str, str] = ("text", "intent")
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _empty(path: Path) -> Path:
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture
def train_csv(tmp_path: Path) -> Path:
    rows = [(text, name) for name, texts in INTENTS.items() for text in texts]
    rows += [(text, "oos") for text in OOS_EXAMPLES]
    return _write(tmp_path / "train.csv", rows)


@pytest.fixture
def test_csv(tmp_path: Path) -> Path:
    rows = [
        ("where's my parcel?", "order_status"),
        ("gdzie moja paczka", "order_status"),
        ("我的訂單到哪了", "order_status"),
        ("pls refund me", "refund"),
        ("zmienic adres dostawy", "change_address"),
        ("I want to cancel", "cancel_order"),
        ("轉人工", "talk_to_human"),
        ("jaka jest stolica australii", "oos"),
        ("polecisz dobry film", "oos"),
    ]
    return _write(tmp_path / "test.csv", rows)


def test_eval_json_has_exactly_the_keys(train_csv: Path, test_csv: Path) -> None:
    result = CliRunner().invoke(
        app, ["nlu", "eval", "--train", str(train_csv), "--test", str(test_csv), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == KEYS
    assert payload["in_scope_accuracy"] == pytest.approx(100.0)
    assert payload["oos_recall"] == pytest.approx(100.0)
    assert payload["oos_precision"] == pytest.approx(100.0)
    assert payload["macro_f1"] == pytest.approx(100.0)
    assert payload["train_seconds"] > 0
    assert 0 < payload["p50_ms"] <= payload["p99_ms"]


def test_eval_oos_keys_are_null_without_oos_rows(train_csv: Path, tmp_path: Path) -> None:
    test = _write(tmp_path / "in.csv", [("where is my order", "order_status"), ("退款", "refund")])
    result = CliRunner().invoke(
        app, ["nlu", "eval", "--train", str(train_csv), "--test", str(test), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["oos_recall"] is None and payload["oos_precision"] is None
    assert payload["in_scope_accuracy"] == pytest.approx(100.0)


def test_eval_with_dev_and_table_output(train_csv: Path, test_csv: Path, tmp_path: Path) -> None:
    dev = _write(
        tmp_path / "dev.csv",
        [(text, name) for name, texts in INTENTS.items() for text in texts[:3]]
        + [("napisz wiersz", "oos"), ("who is the president", "oos")],
    )
    result = CliRunner().invoke(
        app,
        ["nlu", "eval", "--train", str(train_csv), "--test", str(test_csv), "--dev", str(dev)],
    )
    assert result.exit_code == 0, result.output
    assert "in-scope accuracy" in result.stdout
    assert "(dev)" in result.stdout


def test_predict_shows_intent_confidence_and_top_three(train_csv: Path) -> None:
    result = CliRunner().invoke(
        app, ["nlu", "predict", "--train", str(train_csv), "gdzie jest moja paczka"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "intent: order_status"
    assert lines[1].startswith("confidence: ")
    assert lines[2] == "language: pl"
    assert len([line for line in lines if line.startswith("  ")]) == 3

    as_json = CliRunner().invoke(
        app, ["nlu", "predict", "--train", str(train_csv), "--json", "轉人工"]
    )
    payload = json.loads(as_json.stdout)
    assert payload["intent"] == "talk_to_human"
    assert len(payload["top"]) == 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.csv", "no such file"),
        (lambda d: _write(d / "h.csv", [("hi", "greet")], header=("utterance", "label")), "header"),
        (lambda d: _write(d / "e.csv", []), "no data rows"),
        (lambda d: _empty(d / "z.csv"), "empty file"),
        (lambda d: _write(d / "o.csv", [("tell me a joke", "oos")]), "only 'oos' rows"),
        (lambda d: _write(d / "b.csv", [("", "greet")]), "empty text or intent"),
    ],
)
def test_bad_training_file_is_one_line_and_exit_code_2(
    tmp_path: Path, test_csv: Path, make: Callable[[Path], Path], message: str
) -> None:
    bad = make(tmp_path)
    result = CliRunner().invoke(
        app, ["nlu", "eval", "--train", str(bad), "--test", str(test_csv), "--json"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_bad_language_and_empty_text_are_usage_errors(train_csv: Path) -> None:
    result = CliRunner().invoke(
        app, ["nlu", "predict", "--train", str(train_csv), "--lang", "xx", "hello"]
    )
    assert result.exit_code == 2 and "unknown --lang" in result.stderr
    result = CliRunner().invoke(app, ["nlu", "predict", "--train", str(train_csv), "  "])
    assert result.exit_code == 2 and "TEXT is empty" in result.stderr
