"""Language detection for mixed traffic: script first, then character and word evidence."""

from __future__ import annotations

import pytest

from kefu.bot.nlu.language import detect_language
from kefu.bot.nlu.normalize import basic


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("我的订单什么时候发货", "zh-Hans"),
        ("我的訂單什麼時候發貨", "zh-Hant"),
        ("請問營業時間", "zh-Hant"),
        ("请问营业时间", "zh-Hans"),
        ("Gdzie jest moje zamówienie?", "pl"),
        ("gdzie jest moje zamowienie", "pl"),  # no diacritics: function words decide
        ("chce zwrocic buty", "pl"),  # letter sequences decide
        ("Where is my order?", "en"),
        ("refund pls thx", "en"),
        ("帮我check一下order status", "mixed"),
        ("proszę o 退款", "mixed"),
    ],
)
def test_detects_language(text: str, code: str) -> None:
    assert detect_language(basic(text)).code == code


def test_a_brand_name_does_not_make_chinese_mixed() -> None:
    guess = detect_language(basic("我想买iPhone 15"))
    assert guess.code == "zh-Hans"
    assert guess.han == "zh-Hans"


def test_no_evidence_gives_the_hint_or_undetermined() -> None:
    assert detect_language("ok").code == "und"
    assert detect_language("ok", hint="pl").code == "pl"
    assert detect_language("12345", hint="zh-Hant").code == "zh-Hant"
    assert detect_language("").code == "und"


def test_characters_shared_by_both_scripts_follow_the_hint() -> None:
    # 你好 is written the same in both scripts
    assert detect_language("你好").code == "zh-Hans"
    assert detect_language("你好", hint="zh-Hant").code == "zh-Hant"


def test_mixed_guess_names_both_parts() -> None:
    guess = detect_language(basic("gdzie jest 我的订单"))
    assert guess.code == "mixed"
    assert (guess.latin, guess.han) == ("pl", "zh-Hans")
