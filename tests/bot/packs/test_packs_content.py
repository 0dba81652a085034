"""The shipped packs themselves: they load, render, stay compliant and are written per language."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from kefu.bot.packs.loader import data_root, load_catalog, load_pack
from kefu.bot.packs.schema import (
    INDUSTRIES,
    LANGUAGES,
    MIN_EXAMPLES,
    MIN_INTENTS,
    TEMPLATE_VARIABLES,
    Pack,
    normalize_example,
    template_variables,
)

SHIPPED = [
    (industry, language)
    for industry in INDUSTRIES
    for language in LANGUAGES
    if data_root().joinpath(industry, f"{language}.yaml").is_file()
]
LANGUAGES_OF = {
    industry: [lang for ind, lang in SHIPPED if ind == industry] for industry in INDUSTRIES
}

# Absolute advertising claims that the Chinese Advertising Law (art. 9) and Polish/EU unfair-
# practice rules make risky, plus promises a merchant cannot keep.
FORBIDDEN: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\bbest\b|guarantee|\b100\s?%|number one|#1|cheapest|lowest price", re.IGNORECASE
    ),
    "pl": re.compile(r"najlepsz|gwarant|\b100\s?%|numer jeden|najtańsz|najniższ", re.IGNORECASE),
    "zh-CN": re.compile(r"最好|第一|100\s?%|保证|最便宜|最低价|绝对|顶级|最佳|首选|国家级"),
    "zh-TW": re.compile(r"最好|第一|100\s?%|保證|最便宜|最低價|絕對|頂級|最佳|首選|國家級"),
}
LINK_OR_CONTACT = re.compile(
    r"https?://|www\.|\.(com|pl|cn|tw|net|org)\b|@|\+?\d[\d\s-]{6,}\d", re.IGNORECASE
)
APOLOGY = {
    "en": re.compile(r"sorry|apolog", re.IGNORECASE),
    "pl": re.compile(r"przeprasza|przykro", re.IGNORECASE),
    "zh-CN": re.compile(r"抱歉|对不起|道歉|不好意思"),
    "zh-TW": re.compile(r"抱歉|對不起|道歉|不好意思"),
}
CJK_GAP = re.compile(
    r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef] +[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)
DANGLING = re.compile(r"[^\S\n][,!.?:]|[，、][！。，？]|^[，,！!]")
# Intents whose answer depends on a record: they must ask for it and call this action.
SLOT_ACTIONS = {
    ("ecommerce", "order_status"): "lookup_order",
    ("catering", "make_reservation"): "create_booking",
    ("catering", "check_reservation"): "lookup_booking",
    ("catering", "delivery_order_status"): "lookup_order",
    ("education", "course_schedule"): "lookup_course",
    ("tourism", "book_tour"): "create_booking",
    ("tourism", "booking_status"): "lookup_booking",
}
RENDER_CONTEXT: dict[str, Any] = {
    "contact": {"name": "Ala"},
    "workspace": {"name": "Kefu Shop"},
    "business_hours": "Mon-Fri 9:00-18:00",
    "order": {
        "number": "KF-10234",
        "status": "shipped",
        "carrier": "InPost",
        "tracking_number": "TRK123",
        "eta": "2025-05-06",
        "total": "129.00 PLN",
    },
    "booking": {"date": "2025-05-06", "time": "19:00", "party_size": 4},
    "course": {"name": "English B1", "schedule": "Tue/Thu 18:00"},
}


@cache
def pack(industry: str, language: str) -> Pack:
    return load_pack(industry, language)


def outgoing_texts(loaded: Pack) -> list[tuple[str, str]]:
    """Every text the bot may send from this pack, labelled by intent."""
    texts = []
    for intent in loaded.intents:
        texts.append((intent.name, intent.answer))
        texts += [(intent.name, reply.title) for reply in intent.quick_replies]
        for slot in intent.slots:
            texts += [(intent.name, slot.prompt), (intent.name, slot.retry_prompt)]
    return texts


def examples_of(loaded: Pack) -> list[tuple[str, str]]:
    return [(intent.name, example) for intent in loaded.intents for example in intent.examples]


@pytest.mark.parametrize(("industry", "language"), SHIPPED)
def test_pack_loads_with_counts(industry: str, language: str) -> None:
    loaded = pack(industry, language)
    assert len(loaded.intents) >= MIN_INTENTS
    assert len(loaded.intents) == len(load_catalog(industry).intents)
    assert all(len(intent.examples) >= MIN_EXAMPLES for intent in loaded.intents)
    keys = [normalize_example(e) for intent in loaded.intents for e in intent.examples]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(("industry", "language"), SHIPPED)
def test_templates_use_only_whitelisted_names_and_render(industry: str, language: str) -> None:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    for intent in pack(industry, language).intents:
        slot_vars = {f"slots.{slot.name}" for slot in intent.slots}
        assert template_variables(intent.answer) <= TEMPLATE_VARIABLES | slot_vars, intent.name
        context = {**RENDER_CONTEXT, "slots": {slot.name: slot.example for slot in intent.slots}}
        rendered = env.from_string(intent.answer).render(context)
        assert rendered.strip(), intent.name
        assert "{{" not in rendered and "{%" not in rendered, intent.name
        if language.startswith("zh"):
            # Folded YAML lines or template gaps must not leave spaces inside Chinese text.
            assert not CJK_GAP.search(rendered), (intent.name, rendered)
        # A contact without a known name must not leave a dangling "Hi , ..." behind.
        nameless = env.from_string(intent.answer).render({**context, "contact": {"name": ""}})
        assert not DANGLING.search(nameless), (intent.name, nameless)


@pytest.mark.parametrize(("industry", "language"), SHIPPED)
def test_outgoing_texts_are_compliant(industry: str, language: str) -> None:
    for intent_name, text in outgoing_texts(pack(industry, language)):
        claim = FORBIDDEN[language].search(text)
        assert claim is None, f"{intent_name}: absolute claim {claim.group(0)!r} in {text!r}"
        contact = LINK_OR_CONTACT.search(text)
        assert contact is None, f"{intent_name}: link or number {contact.group(0)!r} in {text!r}"


@pytest.mark.parametrize(("industry", "language"), SHIPPED)
def test_complaint_apologises_and_handoffs_are_marked(industry: str, language: str) -> None:
    loaded = pack(industry, language)
    assert APOLOGY[language].search(loaded.intent("complaint").answer)
    assert loaded.intent("complaint").handoff == "complaint"
    assert loaded.intent("talk_to_human").handoff == "asked_for_human"


@pytest.mark.parametrize(("industry", "language"), SHIPPED)
def test_record_intents_ask_for_it_and_use_it(industry: str, language: str) -> None:
    loaded = pack(industry, language)
    for (slot_industry, name), action in SLOT_ACTIONS.items():
        if slot_industry != industry:
            continue
        intent = loaded.intent(name)
        assert intent.slots, name
        assert {slot.action for slot in intent.slots} == {action}
        used = template_variables(intent.answer)
        root = {"lookup_order": "order", "lookup_course": "course"}.get(action, "booking")
        assert any(v.startswith(root + ".") for v in used), name


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_slots_are_the_same_in_every_language(industry: str) -> None:
    languages = LANGUAGES_OF[industry]
    if len(languages) < 2:
        pytest.skip("fewer than two languages shipped")
    shapes = {}
    for language in languages:
        shapes[language] = {
            intent.name: [(slot.name, slot.action) for slot in intent.slots]
            for intent in pack(industry, language).intents
        }
    first = shapes[languages[0]]
    for language in languages[1:]:
        assert shapes[language] == first, language


def verbatim_share(industry: str, source: str, target: str, convert: Any = None) -> float:
    target_keys = {
        normalize_example(e) for intent in pack(industry, target).intents for e in intent.examples
    }
    sources = [e for intent in pack(industry, source).intents for e in intent.examples]
    hits = sum(1 for e in sources if normalize_example(convert(e) if convert else e) in target_keys)
    return hits / len(sources)


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_languages_are_not_translations_of_each_other(industry: str) -> None:
    languages = LANGUAGES_OF[industry]
    if "en" in languages and "pl" in languages:
        assert verbatim_share(industry, "en", "pl") < 0.10
    if "zh-CN" in languages and "zh-TW" in languages:
        import opencc

        to_simplified = opencc.OpenCC("t2s").convert
        # zh-TW is written for Taiwan and Hong Kong, not run through a converter.
        assert verbatim_share(industry, "zh-TW", "zh-CN", to_simplified) < 0.30


# The Cantonese particle 晒 (多謝晒) is written with this character in Hong Kong; OpenCC gives 曬.
CANTONESE_TOO = frozenset("晒")


def _simplified_only(text: str, converters: list[Any]) -> set[str]:
    """Characters that every simplified→traditional converter changes both on their own and in
    context: not used in Taiwan or Hong Kong. Reading the context as well keeps characters that
    are standard in traditional text too (准 in 核准, 游 in 游泳), which a converter maps to a
    different traditional character when it sees them alone."""
    in_context = [convert(text) for convert in converters]
    return {
        ch
        for i, ch in enumerate(text)
        if ch not in CANTONESE_TOO
        and all(convert(ch) != ch for convert in converters)
        and all(len(out) != len(text) or out[i] != ch for out in in_context)
    }


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_chinese_scripts(industry: str) -> None:
    import opencc

    languages = LANGUAGES_OF[industry]
    if "zh-TW" in languages:
        converters = [opencc.OpenCC(c).convert for c in ("s2t", "s2tw", "s2hk")]
        zh_tw = pack(industry, "zh-TW")
        for name, text in [*outgoing_texts(zh_tw), *examples_of(zh_tw)]:
            assert not _simplified_only(text, converters), (name, text)
    if "zh-CN" in languages:
        to_simplified = opencc.OpenCC("t2s").convert
        zh_cn = pack(industry, "zh-CN")
        for name, text in [*outgoing_texts(zh_cn), *examples_of(zh_cn)]:
            assert to_simplified(text) == text, (name, text)


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_polish_is_written_as_people_type(industry: str) -> None:
    if "pl" not in LANGUAGES_OF[industry]:
        pytest.skip("no Polish pack shipped")
    examples = [e for intent in pack(industry, "pl").intents for e in intent.examples]
    with_marks = sum(1 for e in examples if re.search(r"[ąćęłńóśźż]", e, re.IGNORECASE))
    # Both: real diacritics, and the diacritic-free typing common in chat.
    assert 0.15 < with_marks / len(examples) < 0.85
