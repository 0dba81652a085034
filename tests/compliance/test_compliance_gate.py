"""The gate: verdicts, spans, suggestions, explanations, channels and workspace layers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.compliance.errors import UnknownChannel, UnsupportedLocale
from kefu.compliance.gate import (
    ComplianceGate,
    CustomTerm,
    Finding,
    WorkspaceRules,
    language_key,
    redact,
)
from kefu.core.errors import InvalidInput


def _rules(gate: ComplianceGate, text: str, **kwargs: object) -> list[Finding]:
    return list(gate.check(text, **kwargs).findings)  # type: ignore[arg-type]


def test_decision_follows_the_most_severe_finding(gate: ComplianceGate) -> None:
    assert gate.check("您好，您的订单已发货。").decision == "allow"
    assert gate.check("这款是销量第一的产品").decision == "block"
    assert gate.check("Only today!", language="en").decision == "warn"
    verdict = gate.check("国家级产品，最好的选择", language="zh")
    assert verdict.blocked and not verdict.needs_confirmation
    assert {f.severity for f in verdict.findings} == {"block", "warn"}


def test_findings_carry_exact_spans_of_the_original_text(gate: ComplianceGate) -> None:
    text = "Hello! Ｗｅ ｈａｖｅ the b e s t  i n  t h e  w o r l d prices. 最\u200b佳!"
    verdict = gate.check(text)
    assert verdict.findings
    for f in verdict.findings:
        assert text[f.start : f.end] == f.matched_text


def test_suggestion_follows_the_script_of_the_text(gate: ComplianceGate) -> None:
    simplified = gate.check("最佳选择", language="zh").findings[0]
    traditional = gate.check("最佳選擇", language="zh").findings[0]
    assert simplified.suggestion == "优质"
    assert traditional.suggestion == "優質"


def test_longest_match_wins_within_a_category(gate: ComplianceGate) -> None:
    findings = gate.check("全网最低价", language="zh").findings
    assert [f.matched_text for f in findings] == ["全网最低价"]


def test_language_selects_rule_sets(gate: ComplianceGate) -> None:
    text = "best in the world"
    assert gate.check(text, language="zh").decision == "allow"
    assert gate.check(text, language="en").decision == "warn"
    assert gate.check(text).decision == "warn"
    assert language_key("zh-Hant-TW") == "zh"
    with pytest.raises(InvalidInput):
        gate.check(text, language="de")


def test_personal_data_is_at_least_a_warning(gate: ComplianceGate) -> None:
    verdict = gate.check("您的订单手机号是13812345678，请核对。")
    assert verdict.decision == "warn"
    assert [(f.category, f.term) for f in verdict.findings] == [("personal_data", "phone")]


def test_douyin_forbids_off_platform_contact_details(gate: ComplianceGate) -> None:
    text = "加我微信 shop_2024a，或打 138 1234 5678，详情见 www.example.com"
    on_web = gate.check(text, channel="web")
    on_douyin = gate.check(text, channel="douyin")
    assert on_web.decision == "warn"  # the phone number only
    assert on_douyin.decision == "block"
    rules = {f.rule_id for f in on_douyin.findings}
    assert {"douyin.no_wechat_id", "douyin.no_phone", "douyin.no_links"} <= rules
    assert "douyin.off_platform" in rules
    assert all(f.channel == "douyin" for f in on_douyin.findings if f.source == "platform")


def test_e_mail_domains_are_not_reported_as_links(gate: ComplianceGate) -> None:
    findings = gate.check("请发邮件到 kefu@example.com", channel="douyin").findings
    assert [f.rule_id for f in findings] == ["douyin.no_email"]


def test_wechat_induced_sharing_is_a_channel_rule(gate: ComplianceGate) -> None:
    assert gate.check("转发朋友圈即可领取优惠券", channel="web").decision == "allow"
    assert gate.check("转发朋友圈即可领取优惠券", channel="wechat").decision == "warn"


def test_unknown_channel_is_refused(gate: ComplianceGate) -> None:
    with pytest.raises(UnknownChannel):
        gate.check("hi", channel="myspace")


def test_explanations_in_every_locale(gate: ComplianceGate) -> None:
    finding = gate.check("全网最好的面膜", language="zh").findings[0]
    texts = {loc: gate.explain(finding, loc) for loc in ("zh-CN", "zh-TW", "en", "pl")}
    assert "广告法" in texts["zh-CN"] and "很好的" in texts["zh-CN"]
    assert "廣告法" in texts["zh-TW"] and "很好的" in texts["zh-TW"]
    assert "Advertising Law" in texts["en"]
    assert "ustawa o reklamie" in texts["pl"]
    assert gate.explain(finding, "zh-Hant-HK") == texts["zh-TW"]
    assert gate.explain(finding, "en-GB") == texts["en"]
    with pytest.raises(UnsupportedLocale):
        gate.explain(finding, "fr")


def test_report_is_json_ready_and_localised(gate: ComplianceGate) -> None:
    report = gate.report(gate.check("Najlepszy na świecie!", language="pl"), "pl")
    assert report["decision"] == "warn"
    assert report["decision_label"] == "Potwierdź przed wysłaniem"
    (item,) = report["findings"]
    assert item["category_label"] == "Twierdzenie absolutne lub nieudowodnione"
    assert "dyrektywy 2005/29/WE" in item["explanation"]


def test_workspace_terms_are_matched_with_the_same_evasion_resistance(
    gate: ComplianceGate,
) -> None:
    rules = WorkspaceRules(
        workspace_id="ws1",
        version=1,
        blocked=(CustomTerm("竞品A"), CustomTerm("cheapskate", severity="warn")),
    )
    verdict = gate.check("别买竞 品 Ａ，买我们的", workspace_rules=rules)
    assert verdict.decision == "block"
    assert verdict.findings[0].source == "workspace"
    assert verdict.findings[0].explanation_key == "custom.blocked"
    assert gate.check("what a CHEAPSKATE", workspace_rules=rules).decision == "warn"
    assert gate.check("别买竞品A", workspace_rules=None).decision == "allow"


def test_allowed_phrases_excuse_content_and_personal_data_but_not_platform_rules(
    gate: ComplianceGate,
) -> None:
    rules = WorkspaceRules(workspace_id="ws2", version="a", allowed=("最佳拍档", "13812345678"))
    assert gate.check("最佳拍档奶茶店欢迎您", workspace_rules=rules).decision == "allow"
    assert gate.check("最佳拍档奶茶店欢迎您").decision == "block"
    assert gate.check("热线 13812345678", workspace_rules=rules).decision == "allow"
    on_douyin = gate.check("热线 13812345678", workspace_rules=rules, channel="douyin")
    assert on_douyin.decision == "block"


def test_disabled_rules_are_skipped(gate: ComplianceGate) -> None:
    rules = WorkspaceRules(workspace_id="ws3", version=1, disabled_rules=frozenset({"zh.urgency"}))
    assert gate.check("名额有限，欢迎报名", language="zh").decision == "warn"
    assert (
        gate.check("名额有限，欢迎报名", language="zh", workspace_rules=rules).decision == "allow"
    )
    by_term = WorkspaceRules(workspace_id="ws3", version=2, disabled_rules=frozenset({"名额有限"}))
    assert gate.check("名额有限", language="zh", workspace_rules=by_term).decision == "allow"


def test_workspace_layer_is_cached_by_version(gate: ComplianceGate) -> None:
    v1 = WorkspaceRules(workspace_id="ws4", version=1, blocked=(CustomTerm("alpha"),))
    v1_changed = WorkspaceRules(workspace_id="ws4", version=1, blocked=(CustomTerm("beta"),))
    v2 = WorkspaceRules(workspace_id="ws4", version=2, blocked=(CustomTerm("beta"),))
    assert gate.check("alpha", workspace_rules=v1).decision == "block"
    # Same version: the compiled layer is reused, which is why callers bump the version.
    assert gate.check("beta", workspace_rules=v1_changed).decision == "allow"
    assert gate.check("beta", workspace_rules=v2).decision == "block"
    assert gate.check("alpha", workspace_rules=v2).decision == "allow"


def test_workspace_rules_from_stored_json() -> None:
    rules = WorkspaceRules.from_dict(
        "ws5",
        7,
        {
            "blocked": ["foo", {"term": "bar baz", "severity": "warn", "suggestion": "qux"}],
            "allowed": ["Best Buy"],
            "disabled_rules": ["en.urgency"],
        },
    )
    assert rules.blocked[1] == CustomTerm("bar baz", severity="warn", suggestion="qux")
    with pytest.raises(InvalidInput):
        WorkspaceRules.from_dict("ws5", 7, {"blockd": []})
    with pytest.raises(InvalidInput):
        WorkspaceRules.from_dict("ws5", 7, {"blocked": [{"term": 3}]})


def test_invalid_workspace_terms_are_input_errors(gate: ComplianceGate) -> None:
    too_short = WorkspaceRules(workspace_id="ws6", version=1, blocked=(CustomTerm("x"),))
    with pytest.raises(InvalidInput):
        gate.check("x", workspace_rules=too_short)
    bad_severity = WorkspaceRules(
        workspace_id="ws6",
        version=2,
        blocked=(CustomTerm("xyz", severity="fatal"),),  # type: ignore[arg-type]
    )
    with pytest.raises(InvalidInput):
        gate.check("xyz", workspace_rules=bad_severity)


def test_redact_masks_each_finding(gate: ComplianceGate) -> None:
    text = "Call 13812345678 or write to jan.kowalski@example.pl, you shit"
    verdict = gate.check(text, language="en")
    assert redact(text, verdict.findings, style="label") == (
        "Call [phone] or write to [email], you [profanity]"
    )
    assert (
        redact(text, verdict.findings) == "Call 138****5678 or write to j***@example.pl, you s***"
    )
    assert gate.redact(text, verdict.findings) == redact(text, verdict.findings)
    with pytest.raises(InvalidInput):
        redact("another text entirely, longer than the first", verdict.findings)


def test_reply_windows_are_exposed_through_the_gate(gate: ComplianceGate) -> None:
    window = gate.reply_window("wechat")
    assert window is not None and (window.hours, window.max_messages) == (48, 5)
    assert gate.reply_window("web") is None
    now = datetime(2026, 3, 1, tzinfo=UTC)
    check = gate.can_reply(
        "wechat", last_inbound_at=now - timedelta(hours=1), sent_since=5, now=now
    )
    assert not check and check.reason == "quota_exhausted"


def test_many_findings_in_a_long_text_are_resolved_without_overlaps(gate: ComplianceGate) -> None:
    text = "全网最低价，第一次购买也可以！" * 500
    findings = gate.check(text, language="zh").findings
    assert [f.matched_text for f in findings] == ["全网最低价"] * 500
    assert all(text[f.start : f.end] == f.matched_text for f in findings)
