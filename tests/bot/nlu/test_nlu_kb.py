"""Knowledge base validation: what the engine cannot learn from is a clear InvalidInput."""

from __future__ import annotations

from typing import Any

import pytest
from nlu_fixtures import shop_kb

from kefu.bot.nlu import Faq, Intent, KnowledgeBase
from kefu.core.errors import InvalidInput


def test_empty_knowledge_base_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        KnowledgeBase()
    with pytest.raises(InvalidInput, match="empty"):
        KnowledgeBase(intents=[], faqs=[], oos_examples=["weather"])


def test_intent_without_examples_is_refused() -> None:
    with pytest.raises(InvalidInput, match="'refund' has no examples"):
        Intent("refund", [])


@pytest.mark.parametrize(
    ("examples", "message"),
    [
        (["ok", ""], "empty text"),
        (["ok", "   "], "empty text"),
        (["ok", "?!"], "no letters or digits"),
        (["ok", 42], "expected text"),
        ("a single string", "expected a list"),
        (["x" * 2001], "longer than"),
    ],
)
def test_bad_examples_are_refused_with_their_position(examples: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Intent("greet", examples)


def test_names_must_be_unique_across_intents_and_faqs() -> None:
    with pytest.raises(InvalidInput, match="duplicate name 'hours'"):
        KnowledgeBase(
            intents=[Intent("hours", ["when do you open"])],
            faqs=[Faq("hours", "opening hours?", "9-17")],
        )
    with pytest.raises(InvalidInput, match="duplicate name 'a'"):
        KnowledgeBase(intents=[Intent("a", ["x1"]), Intent(" a ", ["x2"])])


def test_faq_needs_question_and_answer() -> None:
    with pytest.raises(InvalidInput, match="has no answer"):
        Faq("hours", "when are you open", "  ")
    with pytest.raises(InvalidInput, match="question"):
        Faq("hours", "", "9-17")
    with pytest.raises(InvalidInput, match="non-empty name"):
        Faq("", "when are you open", "9-17")


def test_unknown_language_hint_is_refused() -> None:
    with pytest.raises(InvalidInput, match="language hint"):
        KnowledgeBase(intents=[Intent("a", ["hello"])], language="klingon")


def test_from_dict_round_trip_and_fingerprint() -> None:
    kb = shop_kb(with_oos=True, language="pl")
    again = KnowledgeBase.from_dict(kb.to_dict())
    assert again == kb
    assert again.fingerprint() == kb.fingerprint()
    changed = kb.to_dict()
    changed["intents"][0]["examples"].append("one more way to ask")
    assert KnowledgeBase.from_dict(changed).fingerprint() != kb.fingerprint()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be an object"),
        ({"intents": "refund"}, "intents must be a list"),
        ({"intents": [["refund"]]}, r"intents\[0\] must be an object"),
        ({"intents": [{"name": "refund"}]}, "has no examples"),
        ({"faqs": [{"id": "x", "question": "q?"}]}, "has no answer"),
        (
            {"intents": [{"name": "a", "examples": ["b"]}], "extra": 1},
            "unknown knowledge base keys",
        ),
        ({}, "empty"),
    ],
)
def test_from_dict_shape_errors_are_invalid_input(data: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        KnowledgeBase.from_dict(data)


def test_labelled_texts_and_answers() -> None:
    kb = KnowledgeBase(
        intents=[Intent("greet", ["hi", "hello"], answer="Hello!")],
        faqs=[Faq("hours", "when are you open", "9-17", similar=["opening hours"])],
        oos_examples=["tell me a joke"],
    )
    rows = [(r.text, r.kind, r.name) for r in kb.labelled_texts()]
    assert rows == [
        ("hi", "intent", "greet"),
        ("hello", "intent", "greet"),
        ("when are you open", "faq", "hours"),
        ("opening hours", "faq", "hours"),
        ("tell me a joke", "oos", "oos"),
    ]
    assert kb.answers() == {"greet": "Hello!", "hours": "9-17"}
