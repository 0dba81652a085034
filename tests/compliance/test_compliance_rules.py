"""Rule files as data: sizes, validation, and the message catalog's completeness."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kefu.compliance.catalog import LOCALES, load_catalog, parse_catalog
from kefu.compliance.errors import RuleSetError
from kefu.compliance.gate import ComplianceGate
from kefu.compliance.matcher import CompiledRules
from kefu.compliance.rules import expand_braces, load_rule_set, parse_rule_file

CATEGORIES = {
    "profanity",
    "gambling",
    "drugs",
    "fraud",
    "adult",
    "absolute_claim",
    "medical_claim",
    "false_urgency",
}


def test_every_language_covers_every_category_with_hundreds_of_terms(
    gate: ComplianceGate,
) -> None:
    for language in ("zh", "en", "pl"):
        terms = gate.rule_set.terms_of(language=language)
        assert len(terms) >= 400, language
        counts = Counter(t.group.category for t in terms)
        assert set(counts) == CATEGORIES, language
        assert all(n >= 15 for n in counts.values()), (language, counts)


def test_absolute_claims_carry_legal_references_and_suggestions(gate: ComplianceGate) -> None:
    terms = gate.rule_set.terms_of(language="zh", category="absolute_claim")
    assert all(t.group.legal_ref for t in terms)
    best = next(t for t in terms if t.text == "最好")
    assert best.suggestion == "很好"
    assert any("第九条" in (t.group.legal_ref or "") for t in terms)


def test_brace_expansion() -> None:
    assert expand_braces("najlepsz{y,a} na {świecie,rynku}") == [
        "najlepszy na świecie",
        "najlepszy na rynku",
        "najlepsza na świecie",
        "najlepsza na rynku",
    ]
    assert expand_braces("cure{,s}") == ["cure", "cures"]
    with pytest.raises(ValueError, match="unbalanced"):
        expand_braces("bad{brace")


def test_the_rule_set_version_changes_with_its_content(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "language: en\ngroups:\n  - id: acme.extra\n    category: fraud\n    severity: block\n"
        "    explanation: prohibited.fraud\n    terms: [wire me bitcoin]\n",
        encoding="utf-8",
    )
    base = load_rule_set()
    with_extra = load_rule_set([extra])
    assert base.version != with_extra.version
    assert base.version == load_rule_set().version
    gate = ComplianceGate(rule_set=with_extra)
    assert gate.check("please w i r e me bitcoin").decision == "block"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("language: xx\ngroups: []\n", "language"),
        (
            "language: en\ngroups:\n  - {id: a, category: nope, severity: block, explanation: e, "
            "terms: [abc]}\n",
            "category",
        ),
        (
            "language: en\ngroups:\n  - {id: a, category: fraud, severity: fatal, explanation: e, "
            "terms: [abc]}\n",
            "severity",
        ),
        (
            "language: en\ngroups:\n  - {id: a, category: fraud, severity: block, explanation: e, "
            "terms: [ab*c]}\n",
            "'\\*' may only end a term",
        ),
        ("language: en\ngroups: [\n", "not valid YAML"),
        (
            "language: en\ngroups:\n  - {id: a, category: fraud, severity: block, explanation: e, "
            "terms: [abc]}\n  - {id: a, category: fraud, severity: block, explanation: e, "
            "terms: [abd]}\n",
            "duplicate group id",
        ),
    ],
)
def test_malformed_rule_files_are_refused_with_their_name(body: str, message: str) -> None:
    with pytest.raises(RuleSetError, match=message) as caught:
        parse_rule_file(body, "custom/rules.yaml")
    assert "custom/rules.yaml" in str(caught.value)


def test_terms_that_cannot_match_safely_are_refused() -> None:
    short = parse_rule_file(
        "language: en\ngroups:\n  - {id: a, category: fraud, severity: block, explanation: e, "
        "terms: [x]}\n",
        "x.yaml",
    )
    with pytest.raises(RuleSetError, match="too short"):
        CompiledRules(short)
    stray = parse_rule_file(
        "language: zh\ngroups:\n  - id: a\n    category: fraud\n    severity: block\n"
        "    explanation: e\n    terms: [{term: 刷单, except: [刷卡]}]\n",
        "y.yaml",
    )
    with pytest.raises(RuleSetError, match="does not contain"):
        CompiledRules(stray)


def test_rules_naming_a_missing_explanation_are_refused(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "language: en\ngroups:\n  - {id: acme.x, category: fraud, severity: block, "
        "explanation: acme.nowhere, terms: [abcdef]}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleSetError, match=r"acme\.nowhere"):
        ComplianceGate(rule_set=load_rule_set([extra]))


def test_catalog_has_every_locale_for_every_message() -> None:
    catalog = load_catalog()
    for key, texts in catalog.messages.items():
        assert set(texts) == set(LOCALES), key
    assert catalog.name("categories", "fraud", "zh-TW") == "欺詐與違規交易"


def test_catalog_with_holes_or_unknown_placeholders_is_refused() -> None:
    head = (
        "locales: [zh-CN, zh-TW, en, pl]\nsuggestion: {zh-CN: a, zh-TW: a, en: a, pl: a}\n"
        "categories: {}\nseverities: {}\ndecisions: {}\nchannels: {}\n"
    )
    with pytest.raises(RuleSetError, match="lacks pl"):
        parse_catalog(head + "messages:\n  k: {zh-CN: a, zh-TW: a, en: a}\n", "m.yaml")
    with pytest.raises(RuleSetError, match="unknown template fields"):
        parse_catalog(head + "messages:\n  k: {zh-CN: a, zh-TW: a, en: '{who}', pl: a}\n", "m.yaml")
