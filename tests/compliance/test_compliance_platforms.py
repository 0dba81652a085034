"""Platform rules: reply windows as data, and whether a reply may go out now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kefu.compliance.errors import RuleSetError, UnknownChannel
from kefu.compliance.platforms import can_reply, load_platform_rules, reply_window
from kefu.core.errors import InvalidInput

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_published_reply_windows() -> None:
    wechat = reply_window("wechat")
    whatsapp = reply_window("whatsapp")
    assert wechat is not None and (wechat.hours, wechat.max_messages) == (48, 5)
    assert whatsapp is not None and (whatsapp.hours, whatsapp.max_messages) == (24, None)
    assert "48" in wechat.source and "24-hour" in whatsapp.source
    assert reply_window("web") is None
    with pytest.raises(UnknownChannel):
        reply_window("telegram")


def test_whatsapp_window_closes_after_24_hours() -> None:
    open_ = can_reply("whatsapp", last_inbound_at=NOW - timedelta(hours=23), sent_since=40, now=NOW)
    assert open_ and open_.reason == "open" and open_.remaining is None
    assert open_.closes_at == NOW + timedelta(hours=1)
    closed = can_reply("whatsapp", last_inbound_at=NOW - timedelta(hours=24), sent_since=0, now=NOW)
    assert not closed and closed.reason == "window_closed"


def test_wechat_allows_five_messages_within_48_hours() -> None:
    last = NOW - timedelta(hours=47)
    fourth = can_reply("wechat", last_inbound_at=last, sent_since=4, now=NOW)
    assert fourth and fourth.remaining == 1
    sixth = can_reply("wechat", last_inbound_at=last, sent_since=5, now=NOW)
    assert not sixth and sixth.reason == "quota_exhausted"
    late = can_reply("wechat", last_inbound_at=NOW - timedelta(hours=49), sent_since=0, now=NOW)
    assert late.reason == "window_closed"


def test_no_inbound_message_means_no_free_form_reply() -> None:
    check = can_reply("wecom", last_inbound_at=None, sent_since=0, now=NOW)
    assert not check and check.reason == "no_inbound"


def test_channels_without_window_always_allow() -> None:
    check = can_reply("web", last_inbound_at=None, sent_since=100, now=NOW)
    assert check and check.reason == "no_window"


def test_bad_arguments_are_refused() -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(InvalidInput):
        can_reply("whatsapp", last_inbound_at=naive, sent_since=0, now=NOW)
    with pytest.raises(InvalidInput):
        can_reply("whatsapp", last_inbound_at=NOW, sent_since=-1, now=NOW)


def test_a_deployment_can_replace_the_platform_file(tmp_path: Path) -> None:
    path = tmp_path / "platforms.yaml"
    path.write_text(
        "channels:\n  line:\n    reply_window: {hours: 168, max_messages: 1, source: test}\n",
        encoding="utf-8",
    )
    rules = load_platform_rules(path)
    assert rules.channels == ("line",)
    assert rules.can_reply("line", last_inbound_at=NOW, sent_since=1, now=NOW).reason == (
        "quota_exhausted"
    )
    path.write_text("channels:\n  line:\n    reply_window: {hours: -1, source: x}\n", "utf-8")
    with pytest.raises(RuleSetError, match=r"platforms\.yaml"):
        load_platform_rules(path)
