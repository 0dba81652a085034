"""`kefu compliance …`: exit codes 0 allow / 1 block / 2 warn, 64 usage, 65 bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli.compliance import app
from kefu.cli.main import app as kefu_app
from kefu.compliance.crypto import read_key_file

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["check", "您好，订单已发货。"], 0),
        (["check", "全网第一的面膜"], 1),
        (["check", "--lang", "en", "Only today!"], 2),
        (["check", "--lang", "pl", "Dzwoń: 600 123 456"], 2),
        (["check", "--channel", "douyin", "加我微信 shop_2024a"], 1),
    ],
)
def test_exit_code_is_the_decision(args: list[str], code: int) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "--bogus", "x"],
        ["check", "--lang", "de", "x"],
        ["check", "--locale", "fr", "x"],
        ["check", "--channel", "myspace", "x"],
        ["nope"],
    ],
)
def test_usage_errors_exit_64_not_2(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 64, result.output
    assert "Traceback" not in result.output


def test_usage_errors_exit_64_through_the_kefu_command() -> None:
    result = runner.invoke(kefu_app, ["compliance", "check", "--bogus", "x"])
    assert result.exit_code == 64, result.output


def test_json_output_with_localised_explanations() -> None:
    result = runner.invoke(
        app, ["check", "--json", "--locale", "zh-TW", "--lang", "zh", "最佳选择"]
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["decision"] == "block"
    (finding,) = report["findings"]
    assert finding["matched_text"] == "最佳" and finding["suggestion"] == "优质"
    assert (finding["start"], finding["end"]) == (0, 2)
    assert "廣告法" in finding["explanation"]


def test_text_from_standard_input() -> None:
    result = runner.invoke(app, ["check", "--lang", "en", "-"], input="a miracle cure\n")
    assert result.exit_code == 1
    assert "miracle cure" in result.output
    bad = runner.invoke(app, ["check", "-"], input=b"\xff\xfe")
    assert bad.exit_code == 65
    assert "UTF-8" in bad.output


def test_human_output_explains_in_the_requested_locale() -> None:
    result = runner.invoke(app, ["check", "--locale", "pl", "--lang", "en", "best in the world"])
    assert result.exit_code == 2
    assert "Twierdzenie absolutne" in result.output
    assert "one of our most popular" in result.output


def test_redact_command() -> None:
    result = runner.invoke(app, ["redact", "tel. 600 123 456, mail jan@example.pl"])
    assert result.exit_code == 0
    assert result.output == "tel. [phone], mail [email]\n"
    partial = runner.invoke(app, ["redact", "--partial", "-"], input="手机13812345678")
    assert partial.output == "手机138****5678\n"


def test_keys_commands(tmp_path: Path) -> None:
    new = runner.invoke(app, ["keys", "new", "--id", "k7"])
    assert new.exit_code == 0 and new.output.startswith("k7:")
    assert runner.invoke(app, ["keys", "new", "--id", "bad id"]).exit_code == 64
    path = tmp_path / "keys.json"
    init = runner.invoke(app, ["keys", "init", str(path)])
    assert init.exit_code == 0, init.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert runner.invoke(app, ["keys", "init", str(path)]).exit_code == 78
    rotate = runner.invoke(app, ["keys", "rotate", str(path)])
    assert rotate.exit_code == 0 and "active k2" in rotate.output
    assert read_key_file(path).active_id == "k2"
    assert str(read_key_file(path).keys) not in rotate.output
