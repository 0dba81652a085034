"""The learning loop groups unanswered questions into reviewable suggestions."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from kefu.bot.learning import Suggestion, Unanswered, suggest
from kefu.core.errors import InvalidInput

GIFT_WRAP = [
    ("en", "do you do gift wrapping?"),
    ("en", "can you gift wrap my order"),
    ("en", "is gift wrapping available"),
    ("en", "can i get it gift wrapped pls"),
    ("en", "Gift wrapping?"),
]
PETS = [
    ("en", "are dogs allowed in the restaurant?"),
    ("en", "is my dog allowed inside"),
    ("en", "dogs allowed??"),
    ("en", "are pets allowed"),
    ("en", "pets allowed on the terrace?"),
]
BLIK_PL = [
    ("pl", "czy można zapłacić blikiem?"),
    ("pl", "płatność blikiem jest?"),
    ("pl", "czy mogę zapłacić BLIKIEM"),
    ("pl", "da się zapłacić blikiem"),
    ("pl", "zapłacę blikiem, można?"),
]
GIFT_WRAP_ZH = [
    ("zh-CN", "可以帮我包装成礼物吗"),
    ("zh-CN", "有礼物包装吗？"),
    ("zh-TW", "可以幫我包裝成禮物嗎"),
    ("zh-TW", "有禮物包裝嗎"),
    ("zh-TW", "請問可以包裝成禮物嗎？"),
]
SHIPPING_LIKE = [
    ("en", "how long does shipping take to poland"),
    ("en", "how long does delivery take to poland?"),
    ("en", "how long will shipping take"),
]
NOISE = [
    ("en", "my cat walked on the keyboard"),
    ("pl", "pogoda dzisiaj ładna"),
    ("zh-CN", "今天天气怎么样"),
    ("en", "asdfgh"),
]
EXISTING = {
    "shipping_time": [
        "how long does shipping take",
        "when will my parcel arrive",
        "how many days is delivery",
        "ile trwa wysyłka",
        "多久能到货",
    ],
    "opening_hours": ["what time do you open", "when are you open", "godziny otwarcia"],
}


def _records(rows: list[tuple[str, str]], reason: str = "not_understood") -> list[Unanswered]:
    return [Unanswered(text=text, language=lang, reason=reason) for lang, text in rows]  # type: ignore[arg-type]


def _all_records() -> list[Unanswered]:
    return (
        _records(GIFT_WRAP)
        + _records(PETS, "handed_off")
        + _records(BLIK_PL)
        + _records(GIFT_WRAP_ZH)
        + _records(SHIPPING_LIKE)
        + _records(NOISE, "out_of_scope")
    )


def _find(suggestions: list[Suggestion], text: str) -> Suggestion:
    matches = [s for s in suggestions if text in s.examples]
    assert len(matches) == 1, f"{text!r} is in {len(matches)} suggestions"
    return matches[0]


def test_the_right_groups_form() -> None:
    suggestions = suggest(_all_records(), EXISTING)
    for rows in (GIFT_WRAP, PETS, BLIK_PL):
        group = _find(suggestions, rows[0][1])
        assert sorted(group.examples) == sorted(text for _, text in rows)
        assert group.kind == "new_intent"
        assert group.intent is None
        assert group.size == len(rows)


def test_traditional_and_simplified_variants_land_together() -> None:
    group = _find(suggest(_all_records(), EXISTING), "可以帮我包装成礼物吗")
    assert group.languages == ["zh-CN", "zh-TW"]
    assert group.size == len(GIFT_WRAP_ZH)
    # Identical after folding to Simplified: one example, counted twice.
    assert "可以幫我包裝成禮物嗎" not in group.examples
    assert "請問可以包裝成禮物嗎？" in group.examples
    # Also identical after folding: 有禮物包裝嗎 and 有礼物包装吗？ (punctuation is folded away).
    assert len(group.examples) == 3


def test_a_group_close_to_an_existing_intent_becomes_add_examples() -> None:
    group = _find(suggest(_all_records(), EXISTING), "how long does delivery take to poland?")
    assert group.kind == "add_examples"
    assert group.intent == "shipping_time"
    assert group.similarity >= 0.45
    assert group.size == len(SHIPPING_LIKE)


def test_without_existing_intents_the_same_group_is_a_new_intent() -> None:
    group = _find(suggest(_all_records()), "how long does delivery take to poland?")
    assert group.kind == "new_intent"
    assert group.similarity == 0.0


def test_noise_singletons_are_dropped_but_repeated_questions_stay() -> None:
    suggestions = suggest(_all_records(), EXISTING)
    shown = {text for s in suggestions for text in s.examples}
    assert not shown & {text for _, text in NOISE}
    repeated = [Unanswered(text="asdfgh", language="en", reason="not_understood", count=3)]
    (only,) = suggest(_all_records()[:0] + repeated)
    assert only.size == 3 and only.label == "asdfgh"


def test_min_cluster_size_filters_small_groups() -> None:
    suggestions = suggest(_all_records(), EXISTING, min_cluster_size=4)
    assert all(s.size >= 4 for s in suggestions)
    assert not any("how long will shipping take" in s.examples for s in suggestions)


def test_sorted_by_size_and_reasons_counted() -> None:
    records = [
        *_all_records(),
        Unanswered(text="dogs allowed?", language="en", reason="not_understood", count=4),
    ]
    suggestions = suggest(records, EXISTING)
    assert [s.size for s in suggestions] == sorted((s.size for s in suggestions), reverse=True)
    pets = suggestions[0]
    assert pets.label == "dogs allowed?"
    assert pets.reasons == {"handed_off": 5, "not_understood": 4}
    assert pets.size == 9


def test_label_is_the_most_central_text_and_examples_are_capped() -> None:
    many = [f"do you do gift wrapping for order {n}" for n in range(30)]
    records = [Unanswered(text=t, language="en", reason="not_understood") for t in many]
    (group,) = suggest(records, max_examples=20)
    assert group.size == 30
    assert len(group.examples) == 20
    assert group.examples[0] == group.label
    assert len(set(group.examples)) == 20


def test_results_are_deterministic_whatever_the_input_order() -> None:
    records = _all_records()
    first = [s.to_dict() for s in suggest(records, EXISTING)]
    shuffled = list(records)
    random.Random(7).shuffle(shuffled)
    assert [s.to_dict() for s in suggest(shuffled, EXISTING)] == first
    assert [s.to_dict() for s in suggest(records, EXISTING)] == first


def test_empty_input_gives_no_suggestions() -> None:
    assert suggest([]) == []
    assert suggest([], EXISTING) == []
    only_symbols = [Unanswered(text="???", language="en", reason="not_understood", count=5)]
    assert suggest(only_symbols) == []


def test_phrasings_the_intent_already_has_are_not_suggested_again() -> None:
    records = _records(
        [("en", "How long does shipping take?"), ("en", "how long does shipping take")]
    )
    assert suggest(records, EXISTING) == []


def test_a_text_without_language_joins_its_nearest_language_group() -> None:
    records = [
        *_records(GIFT_WRAP),
        Unanswered(text="do you do gift wrapping", language=None, reason="not_understood"),
    ]
    (group,) = suggest(records)
    assert group.size == len(GIFT_WRAP) + 1
    assert group.languages == ["en"]


def test_languages_do_not_mix() -> None:
    records = _records([("en", "pizza margherita"), ("pl", "pizza margherita")])
    suggestions = suggest(records, min_cluster_size=1)
    assert sorted(s.languages[0] for s in suggestions) == ["en", "pl"]


def test_past_the_per_group_limit_the_rest_join_the_nearest_cluster() -> None:
    records = _records(GIFT_WRAP + PETS)
    bounded = suggest(records, max_texts_per_group=4)
    assert sorted(sorted(s.examples) for s in bounded if s.size > 1) == sorted(
        sorted(s.examples) for s in suggest(records)
    )


def test_to_dict_is_json_ready() -> None:
    group = suggest(_all_records(), EXISTING)[0].to_dict()
    assert set(group) == {
        "kind",
        "intent",
        "label",
        "examples",
        "size",
        "languages",
        "similarity",
        "reasons",
    }
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    record = Unanswered(text="hi", language="en", reason="handed_off", conversation_id="c1", at=at)
    assert Unanswered.from_dict(record.to_dict()) == record


@pytest.mark.parametrize(
    "kwargs",
    [
        {"text": "  ", "language": "en", "reason": "not_understood"},
        {"text": "hi", "language": "en", "reason": "bored"},
        {"text": "hi", "language": "en", "reason": "not_understood", "count": 0},
        {"text": "hi", "language": "", "reason": "not_understood"},
        {"text": "x" * 2001, "language": "en", "reason": "not_understood"},
    ],
)
def test_bad_records_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        Unanswered(**kwargs)  # type: ignore[arg-type]


def test_bad_options_and_inputs_are_refused() -> None:
    records = _records(GIFT_WRAP)
    with pytest.raises(InvalidInput):
        suggest(records, distance_threshold=0)
    with pytest.raises(InvalidInput):
        suggest(records, min_cluster_size=0)
    with pytest.raises(InvalidInput):
        suggest(["do you gift wrap"])  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        suggest(records, {"gift": "gift wrapping"})
    with pytest.raises(InvalidInput):
        Unanswered.from_dict({"text": "hi", "reason": "handed_off", "at": "yesterday"})
    with pytest.raises(InvalidInput):
        Unanswered.from_dict({"text": "hi", "reason": "handed_off", "lang": "en"})
