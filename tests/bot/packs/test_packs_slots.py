"""Slot patterns accept what customers really type in each language, and refuse junk."""

from __future__ import annotations

import pytest

from kefu.bot.packs.loader import load_pack

# (industry, intent, language, slot) -> (accepted replies, refused replies)
CASES: dict[tuple[str, str, str, str], tuple[list[str], list[str]]] = {
    ("ecommerce", "order_status", "en", "order_number"): (
        ["KF-10234", "#48213", "kf-10234", " 2025-000123 "],
        ["where is it", "no idea", "1234", "ABCDEF"],
    ),
    ("ecommerce", "order_status", "pl", "order_number"): (
        ["KF-10234", "nr 48213", "#48213"],
        ["nie pamiętam", "zamówienie"],
    ),
    ("ecommerce", "order_status", "zh-CN", "order_number"): (
        ["KF-10234", "订单号：3105829471", "3105829471234567890"],
        ["不知道", "订单"],
    ),
    ("ecommerce", "order_status", "zh-TW", "order_number"): (
        ["KF-10234", "訂單編號：20250614001"],
        ["忘記了", "訂單"],
    ),
    ("catering", "make_reservation", "en", "date"): (
        ["tomorrow", "Friday", "next saturday", "14.06", "2025-06-14", "June 14", "14th of june"],
        ["whenever", "asap please", "soon"],
    ),
    ("catering", "make_reservation", "en", "time"): (
        ["7pm", "19:30", "at 8", "noon", "7.30 pm"],
        ["evening", "late"],
    ),
    ("catering", "make_reservation", "en", "party_size"): (
        ["4", "for 2", "6 people", "3 ppl"],
        ["a few", "family"],
    ),
    ("catering", "make_reservation", "pl", "date"): (
        ["jutro", "w piątek", "w piatek", "na sobotę", "14.06", "14 czerwca", "dzisiaj"],
        ["kiedyś", "nie wiem"],
    ),
    ("catering", "make_reservation", "pl", "time"): (
        ["19", "o 19:30", "na 20", "godz. 18"],
        ["wieczorem"],
    ),
    ("catering", "make_reservation", "pl", "party_size"): (
        ["4", "dla 2", "6 osób", "3 osoby", "5 os."],
        ["kilka", "rodzina"],
    ),
    ("catering", "make_reservation", "zh-CN", "date"): (
        ["明天", "周五", "下周六", "6月14日", "6月14号", "2025-06-14"],
        ["随便", "过几天"],
    ),
    ("catering", "make_reservation", "zh-CN", "time"): (
        ["晚上7点", "19:30", "7点半", "中午12点"],
        ["晚上", "早点"],
    ),
    ("catering", "make_reservation", "zh-CN", "party_size"): (
        ["4位", "四个人", "两位", "6"],
        ["几个人"],
    ),
    ("catering", "make_reservation", "zh-TW", "date"): (
        ["明天", "週五", "下禮拜六", "6月14日", "6月14號"],
        ["隨便", "過幾天"],
    ),
    ("catering", "make_reservation", "zh-TW", "time"): (["晚上7點", "19:30", "7點半"], ["晚上"]),
    ("catering", "make_reservation", "zh-TW", "party_size"): (
        ["4位", "四個人", "兩位"],
        ["幾個人"],
    ),
    ("tourism", "book_tour", "en", "travel_date"): (
        ["June 14", "14.06.2025", "2025-06-14", "14th of june"],
        ["summer", "soon"],
    ),
    ("tourism", "book_tour", "pl", "travel_date"): (
        ["14 czerwca", "14.06.2025", "2025-06-14"],
        ["latem", "niedługo"],
    ),
    ("tourism", "book_tour", "zh-CN", "travel_date"): (
        ["6月14日", "2025年6月14日", "2025-06-14"],
        ["暑假", "过几天"],
    ),
    ("tourism", "book_tour", "zh-TW", "travel_date"): (["6月14日", "6月14號"], ["暑假"]),
    ("tourism", "booking_status", "en", "booking_reference"): (["TR-20931"], ["my name is ala"]),
}


@pytest.mark.parametrize(("key", "case"), CASES.items(), ids=["/".join(k) for k in CASES])
def test_slot_pattern(key: tuple[str, str, str, str], case: tuple[list[str], list[str]]) -> None:
    industry, intent_name, language, slot_name = key
    slots = {slot.name: slot for slot in load_pack(industry, language).intent(intent_name).slots}
    slot = slots[slot_name]
    accepted, refused = case
    assert [value for value in accepted if not slot.accepts(value)] == []
    assert [value for value in refused if slot.accepts(value)] == []
