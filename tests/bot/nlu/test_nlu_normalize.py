"""Normalisation: the matching form two spellings of one message share."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kefu.bot.nlu.normalize import (
    basic,
    collapse_repeats,
    expand_chat_spelling,
    fold,
    strip_latin_diacritics,
    to_simplified,
    to_traditional,
    tokens,
)


def test_nfkc_turns_full_width_into_half_width_and_folds_case() -> None:
    assert basic("ＡＢＣ１２３　ｈｅｌｌｏ！") == "abc123 hello!"
    assert basic("  Straße\tGROSS  ") == "strasse gross"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zażółć gęślą jaźń", "zazolc gesla jazn"),
        ("ŁÓDŹ", "LODZ"),
        ("crème brûlée", "creme brulee"),
    ],
)
def test_latin_diacritics_are_removed(text: str, expected: str) -> None:
    assert strip_latin_diacritics(text) == expected


def test_other_scripts_keep_their_marks() -> None:
    # Japanese voiced kana decompose into a base and a combining mark: they must stay whole
    assert strip_latin_diacritics("がぎ") == "がぎ"
    assert strip_latin_diacritics("中文") == "中文"


def test_traditional_and_simplified_fold_to_one_form() -> None:
    assert to_simplified("我們的訂單") == "我们的订单"
    assert to_simplified("我们的订单") == "我们的订单"
    assert to_traditional("我们的订单") == "我們的訂單"
    assert to_simplified("no chinese here") == "no chinese here"
    assert fold("我們的訂單") == fold("我们的订单")


def test_importing_the_engine_loads_no_language_resource() -> None:
    code = (
        "import sys, kefu.bot.nlu, kefu.cli.nlu\n"
        "from kefu.bot.nlu import normalize\n"
        "heavy = [m for m in ('opencc', 'jieba', 'simplemma', 'sklearn') if m in sys.modules]\n"
        "print(heavy, normalize._converters)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] {}"


def test_chat_spelling_depends_on_the_language() -> None:
    assert expand_chat_spelling("pls help u r great", "en") == "please help you are great"
    # in Polish "u" is a preposition ("at"): it stays
    assert expand_chat_spelling("u lekarza", "pl") == "u lekarza"
    assert expand_chat_spelling("dzięki pls", "pl") == "dziekuje prosze"
    assert expand_chat_spelling("I don't know, it's what I'm after", "en") == (
        "I do not know, it's what I am after"
    )
    assert expand_chat_spelling("can’t won't", "en") == "can not will not"


def test_repeated_letters_are_cut_to_two() -> None:
    assert collapse_repeats("pleaseeeee helppp") == "pleasee helpp"
    assert collapse_repeats("good") == "good"
    assert collapse_repeats("哈哈哈哈") == "哈哈"


def test_fold_makes_sloppy_and_careful_spellings_meet() -> None:
    assert fold("Gdzie jest moje zamówienie?", "pl") == fold("gdzie jest moje zamowienie?", "pl")
    assert fold("THX!!!", "en") == fold("thanks!!", "en")
    assert fold("ＰＬＳ", "en") == "please"


def test_tokens_split_han_runs_from_other_letters() -> None:
    assert tokens("帮我check一下order status") == ["帮我", "check", "一下", "order", "status"]
    assert tokens("我想买iphone 15!") == ["我想买", "iphone", "15"]
    assert tokens("ok, cool_stuff") == ["ok", "cool", "stuff"]
    assert tokens("?!") == []
