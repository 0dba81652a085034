"""Folding: every folded character maps back to the exact original span."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.compliance.normalize import BREAK, fold, fold_key, to_simplified


def test_fold_resolves_width_case_script_and_invisible_characters() -> None:
    assert fold("ＢＥＳＴ").compact == "best"
    assert fold("國家級").compact == "国家级"
    assert fold("最\u200b佳").compact == "最佳"
    assert fold("𝐛𝐞𝐬𝐭").compact == "best"
    assert fold("Świecie").compact == "swiecie"
    assert fold("сurе").compact == "cure"  # Cyrillic с and е
    assert fold("s3x").compact == "sex"


def test_clause_punctuation_stays_as_a_break() -> None:
    assert BREAK in fold("最，好").compact
    assert BREAK not in fold("最 好").compact


def test_term_keys_record_their_own_word_breaks() -> None:
    assert fold_key("best in the world") == ("bestintheworld", frozenset({4, 6, 9}))
    assert fold_key("100%有效") == ("ioo%有效", frozenset({3, 4}))


def test_span_maps_back_to_original_text_with_expansions() -> None:
    text = "ﬁne ß café 最\u200b佳"
    folded = fold(text)
    start = folded.compact.index("最佳")
    s, e = folded.span(start, start + 2)
    assert text[s:e] == "最\u200b佳"
    start = folded.compact.index("cafe")
    s, e = folded.span(start, start + 4)
    assert text[s:e] == "café"


def test_to_simplified_is_character_level() -> None:
    assert to_simplified("國家級產品") == "国家级产品"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_every_compact_character_comes_from_an_original_one(text: str) -> None:
    folded = fold(text)
    positions = folded.positions()
    assert len(positions) == len(folded.compact)
    assert positions == sorted(positions)
    assert all(0 <= p < len(text) for p in positions)
    for i in range(len(folded.compact)):
        s, e = folded.span(i, i + 1)
        assert 0 <= s < e <= len(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "最", " ", "\u200b", ".", "。", "Ｂ", "\u0301", "1"]), max_size=40
    )
)
def test_run_walk_agrees_with_the_position_list(pieces: list[str]) -> None:
    text = "".join(pieces)
    walked = fold(text)
    expected = fold(text).positions()
    assert [walked.original_index(i) for i in range(len(walked.compact))] == expected
