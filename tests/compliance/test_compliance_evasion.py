"""Evasion: every term of every shipped rule set is still found when spaced out, full-width, in
the other Chinese script, mixed with zero-width characters, with look-alike letters or leetspeak;
innocent words that contain a rule's characters are not flagged."""

from __future__ import annotations

from collections.abc import Callable

import opencc
import pytest

from kefu.compliance.gate import ComplianceGate
from kefu.compliance.rules import Term

_S2T = opencc.OpenCC("s2t")
_CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х", "y": "у"})
_LEET = {"e": "3", "a": "4", "o": "0", "s": "5", "t": "7", "i": "1"}


def spaced(term: str) -> str:
    return " ".join(term)


def full_width(term: str) -> str:
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term
    )


def zero_width(term: str) -> str:
    marks = ["\u200b", "\u200d", "\ufeff", "\u2060"]
    return "".join(c + marks[i % len(marks)] for i, c in enumerate(term))[:-1]


def homoglyphs(term: str) -> str:
    return term.lower().translate(_CYRILLIC)


def leet_once(term: str) -> str:
    for i, c in enumerate(term.lower()):
        if c in _LEET:
            return term[:i] + _LEET[c] + term[i + 1 :]
    return term


def upper(term: str) -> str:
    return term.upper()


def traditional(term: str) -> str:
    return _S2T.convert(term)


VARIANTS: dict[str, Callable[[str], str]] = {
    "as written": lambda t: t,
    "spaced out": spaced,
    "full-width": full_width,
    "zero-width": zero_width,
    "upper case": upper,
}


def _found(gate: ComplianceGate, text: str, term: Term) -> bool:
    verdict = gate.check(text, language=term.group.language)
    return any(
        f.start == 0 and f.end == len(text) and f.source == "rules" for f in verdict.findings
    )


def _misses(gate: ComplianceGate, language: str, variants: dict[str, Callable[[str], str]]) -> list:
    misses = []
    for term in gate.rule_set.terms_of(language=language):
        for name, make in variants.items():
            text = make(term.text)
            if not _found(gate, text, term):
                misses.append((term.group.id, term.text, name, text))
    return misses


@pytest.mark.parametrize("language", ["zh", "en", "pl"])
def test_every_term_is_found_in_every_evasion_variant(gate: ComplianceGate, language: str) -> None:
    variants = dict(VARIANTS)
    if language == "zh":
        variants["traditional script"] = traditional
        variants["traditional, spaced"] = lambda t: spaced(traditional(t))
    else:
        variants["look-alike letters"] = homoglyphs
        variants["leetspeak"] = leet_once
    assert _misses(gate, language, variants) == []


@pytest.mark.parametrize("language", ["zh", "en", "pl"])
def test_plain_terms_report_their_own_rule(gate: ComplianceGate, language: str) -> None:
    wrong = []
    for term in gate.rule_set.terms_of(language=language):
        verdict = gate.check(term.text, language=language)
        full = [f for f in verdict.findings if (f.start, f.end) == (0, len(term.text))]
        if not any(f.rule_id == term.group.id for f in full):
            wrong.append((term.text, term.group.id, [f.rule_id for f in full]))
    assert wrong == []


def test_evasion_inside_sentences(gate: ComplianceGate) -> None:
    cases = [
        ("这款面膜是全 网 第 一的好产品", "zh", "全 网 第 一"),
        ("這款是國家級產品", "zh", "國家級產品"),
        ("保证\u200b根\u200b治，无副作用", "zh", "根\u200b治"),
        ("It is the b.e.s.t in the world", "en", "b.e.s.t in the world"),
        ("This cream is a MIRACLE  CURE", "en", "MIRACLE  CURE"),
        ("Only for you: 𝐠𝐮𝐚𝐫𝐚𝐧𝐭𝐞𝐞𝐝 𝐜𝐮𝐫𝐞!", "en", "𝐠𝐮𝐚𝐫𝐚𝐧𝐭𝐞𝐞𝐝 𝐜𝐮𝐫𝐞"),
        ("Krem jest najlepszy na swiecie", "pl", "najlepszy na swiecie"),
        ("To jest 100 % skuteczne", "pl", "100 % skuteczne"),
    ]
    for text, language, expected in cases:
        verdict = gate.check(text, language=language)
        assert expected in [f.matched_text for f in verdict.findings], text


INNOCENT = {
    "zh": [
        "最近物流比较慢，请您耐心等待。",
        "最后一件商品已经发出。",
        "最新的物流信息显示包裹已到达本市。",
        "最快明天送达，最晚后天。",
        "请问您是第一次购买吗？",
        "我们会第一时间为您处理。",
        "第一步先登录账号，第一个选项选“退货”。",
        "您最好先确认一下地址。",
        "最好保留快递单，方便售后。",
        "最好的办法是重启一下路由器。",
        "请看一下注意事项。",
        "如果发生发货延迟，我们会通知您。",
        "明日你就能收到包裹。",
        "这款去死皮膏很温和。",
        "牲畜生产用的饲料不在本店销售。",
        "价格包含包养护服务。",
        "这是羊毛片，不是化纤。",
        "每日赚积分，积分可抵现。",
        "请勿提供虚假证明材料。",
        "我们严格执行反洗钱规定。",
        "请谨防刷单诈骗，不要私下交易。",
        "这只治愈系玩偶很受欢迎。",
        "面料含大麻纤维，透气性好。",
        "这本书讲的是鸦片战争的历史。",
        "这双鞋可以放增高鞋垫。",
        "我们提倡废物利用。",
        "请不要靠近窗户，我靠近门口等您。",
        "我们的客服不会向您索要验证码，请勿提供验证码给他人。",
        "今天是妈妈的生日，祝您节日快乐。",
    ],
    "en": [
        "Is this your first time ordering from us?",
        "This is the first time we have seen this fault.",
        "Best regards, the support team.",
        "We'll do our best to help.",
        "The best way to reach us is by chat.",
        "He'll call you back tomorrow.",
        "Checkout is secure.",
        "It's a classic design.",
        "We need to assess the damage.",
        "Our assistant will call you.",
        "Scunthorpe and Essex are both in our delivery area.",
        "The cocktail glasses are in stock.",
        "Our analysis is attached.",
        "The therapist recommended a firmer pillow.",
        "Shiitake mushrooms are sold out.",
        "The document is in your inbox.",
        "The heroine of the novel is brave.",
        "We will send the parcel to Room 455.",
        "There is no hurry at all.",
        "We will never ask for your password.",
        "We follow anti-money laundering rules.",
        "This condition is debilitating, please see a doctor.",
        "Please pass the passage to your assistant.",
        "Our shell suits are waterproof.",
    ],
    "pl": [
        "Najlepiej skontaktować się przez czat.",
        "Wszystkiego najlepszego z okazji urodzin!",
        "Pewne typy baterii nie mogą lecieć samolotem.",
        "Pedał gazu działa na baterie.",
        "Przestrzegamy przepisów o przeciwdziałaniu praniu pieniędzy.",
        "Nigdy nie podawaj kodu BLIK nikomu.",
        "Dziękujemy za zamówienie.",
        "Kurier przyjedzie jutro.",
        "To był dla nas pierwszy raz.",
        "Sklep jest bezpieczny, dane karty nie są przechowywane.",
        "Nie mam 100% pewności, sprawdzę to.",
        "Zabawka ma pedały i kierownicę.",
    ],
}


@pytest.mark.parametrize("language", ["zh", "en", "pl"])
def test_innocent_look_alikes_are_not_flagged(gate: ComplianceGate, language: str) -> None:
    flagged = []
    for text in INNOCENT[language]:
        for lang in (language, None):
            findings = [f for f in gate.check(text, language=lang).findings if f.source == "rules"]
            if findings:
                flagged.append((text, lang, [(f.rule_id, f.matched_text) for f in findings]))
    assert flagged == []


def test_innocent_texts_contain_the_characters_they_are_guarding(gate: ComplianceGate) -> None:
    # The look-alike list is only worth something if each text shares characters with a rule.
    terms = {t.text for t in gate.rule_set.terms}
    assert "第一" in terms and "最好" in terms and "下注" in terms and "ass" in terms
    assert any("第一" in s for s in INNOCENT["zh"])
    assert any("下注" in s for s in INNOCENT["zh"])
