"""Personal data: valid numbers are found, the same numbers with a wrong checksum are not."""

from __future__ import annotations

import io
import logging
import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.compliance.pii import (
    RedactingFilter,
    find_personal_data,
    luhn_valid,
    pesel_birth_date,
    redact_personal_data,
    valid_card_number,
    valid_cn_resident_id,
    valid_iban,
    valid_nip,
    valid_pesel,
)

TODAY = date(2026, 6, 1)

# Independent re-statements of the published algorithms, used to build test numbers.
CN_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def cn_check(body: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, CN_WEIGHTS, strict=True)) % 11]


def pesel_check(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, [1, 3, 7, 9] * 3, strict=False))
    return str((10 - total % 10) % 10)


def luhn_complete(body: str) -> str:
    for d in "0123456789":
        if luhn_valid(body + d):
            return body + d
    raise AssertionError("unreachable")


def wrong_last(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("1" if last in "0X" else "0")


def kinds(text: str, **kwargs: object) -> list[tuple[str, str]]:
    return [(p.kind, p.text) for p in find_personal_data(text, today=TODAY, **kwargs)]  # type: ignore[arg-type]


# --- China resident identity numbers ----------------------------------------------------------


def test_valid_resident_id_is_found_and_a_wrong_check_character_is_not() -> None:
    good = "11010519491231002X"
    assert cn_check(good[:17]) == "X"
    assert kinds(f"身份证号：{good}。") == [("cn_resident_id", good)]
    assert kinds(f"身份证号：{wrong_last(good)}。") == []


def test_resident_id_needs_a_real_region_and_birth_date() -> None:
    for body in ("99010519491231002", "11010519491331002", "11010520990101002"):
        number = body + cn_check(body)
        assert not valid_cn_resident_id(number, today=TODAY), number


@settings(max_examples=150, deadline=None)
@given(
    region=st.sampled_from(["110105", "310104", "440305", "510107", "330106", "650102"]),
    born=st.dates(min_value=date(1920, 1, 1), max_value=date(2024, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_generated_resident_ids(region: str, born: date, seq: int) -> None:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    good = body + cn_check(body)
    assert valid_cn_resident_id(good, today=TODAY)
    assert not valid_cn_resident_id(wrong_last(good), today=TODAY)
    assert kinds(f"证件 {good} 已登记") == [("cn_resident_id", good)]


# --- PESEL and NIP ----------------------------------------------------------------------------


def test_valid_pesel_is_found_and_a_wrong_checksum_is_not() -> None:
    assert kinds("PESEL: 44051401359") == [("pesel", "44051401359")]
    assert kinds("PESEL: 44051401358") == []


def test_pesel_century_is_encoded_in_the_month() -> None:
    body = "0227080362"  # born 2002-07-08: month 07 + 20
    good = body + pesel_check(body)
    assert pesel_birth_date(good) == date(2002, 7, 8)
    assert valid_pesel(good, today=TODAY)
    future = "3032010000"  # 2030-12-01 (month 12 + 20) is not a plausible birth date yet
    assert not valid_pesel(future + pesel_check(future), today=TODAY)
    bad_month = "4413140135"
    assert not valid_pesel(bad_month + pesel_check(bad_month), today=TODAY)


@settings(max_examples=150, deadline=None)
@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    serial=st.integers(min_value=0, max_value=9999),
)
def test_generated_pesels(born: date, serial: int) -> None:
    month = born.month + (20 if born.year >= 2000 else 0)
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial:04d}"
    good = body + pesel_check(body)
    assert valid_pesel(good, today=TODAY)
    assert not valid_pesel(wrong_last(good) if good[-1] != "0" else body + "1", today=TODAY)
    assert kinds(f"Mój PESEL to {good}.", language="pl") == [("pesel", good)]


def test_nip_in_every_usual_format() -> None:
    for text in ("NIP 1234563218", "NIP: 123-456-32-18", "NIP 123-45-63-218", "VAT PL1234563218"):
        assert [k for k, _ in kinds(text)] == ["nip"], text
    assert valid_nip("1234563218")
    assert not valid_nip("1234563219")
    assert kinds("NIP 1234563219") == []


# --- cards, accounts --------------------------------------------------------------------------

TEST_CARDS = [
    "4111111111111111",  # Visa
    "5555555555554444",  # Mastercard
    "2223003122003222",  # Mastercard 2-series
    "378282246310005",  # American Express
    "6011111111111117",  # Discover
    "3530111333300000",  # JCB
    "6200000000000005",  # UnionPay
]


@pytest.mark.parametrize("card", TEST_CARDS)
def test_card_numbers_pass_luhn_and_a_wrong_digit_fails(card: str) -> None:
    grouped = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
    assert kinds(f"karta {grouped}, dziękuję") == [("payment_card", grouped)]
    assert kinds(f"card {card}") == [("payment_card", card)]
    assert kinds(f"card {wrong_last(card)}") == []


def test_cards_need_a_known_issuer_prefix_and_length() -> None:
    unknown_prefix = luhn_complete("911111111111111")
    assert luhn_valid(unknown_prefix) and not valid_card_number(unknown_prefix)
    visa_wrong_length = luhn_complete("41111111111111")  # 15 digits
    assert not valid_card_number(visa_wrong_length)
    assert not valid_card_number("0000000000000000")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=10**13, max_value=10**14 - 1))
def test_generated_visa_numbers(seed: int) -> None:
    card = luhn_complete("4" + str(seed))
    assert kinds(f"pay with {card} now") == [("payment_card", card)]
    assert kinds(f"pay with {wrong_last(card)} now") == []


def test_iban_and_polish_account_numbers() -> None:
    iban = "PL61 1090 1014 0000 0712 1981 2874"
    assert valid_iban(iban)
    assert kinds(f"Konto: {iban}") == [("iban", iban)]
    assert kinds("Konto: 61 1090 1014 0000 0712 1981 2874") == [
        ("iban", "61 1090 1014 0000 0712 1981 2874")
    ]
    assert kinds("Konto: PL61 1090 1014 0000 0712 1981 2875") == []


# --- phones and e-mail ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("手机13812345678，谢谢", "13812345678"),
        ("电话 138-1234-5678", "138-1234-5678"),
        ("call +86 138 1234 5678", "+86 138 1234 5678"),
        ("tel. +48 600 123 456", "+48 600 123 456"),
        ("zadzwoń: 600-123-456", "600-123-456"),
        ("numer telefonu 600123456", "600123456"),
        ("Biuro: (22) 123 45 67", "(22) 123 45 67"),
        ("UK office +44 20 7946 0958", "+44 20 7946 0958"),
        ("ｔｅｌ １３８１２３４５６７８", "１３８１２３４５６７８"),
        ("dzwoń 0048600123456", "0048600123456"),
        ("拨打 0086 138 1234 5678", "0086 138 1234 5678"),
    ],
)
def test_phone_numbers(text: str, number: str) -> None:
    assert kinds(text) == [("phone", number)]


@pytest.mark.parametrize(
    "text",
    [
        "Zamówienie nr 600123456 zostało wysłane",  # nine bare digits: an order number
        "订单号 2024031512345678901",
        "运单号 SF1402853456789",
        "Tracking 1Z999AA10123456784",
        "Paczka 602677155630227019887354",
        "客服热线 400-820-8820",
        "Data 2024-03-12, godzina 13:45, kwota 1 299,00 zł",
        "IP 192.168.100.200",
        "+48 100 000 000",  # no such Polish prefix
    ],
)
def test_order_numbers_dates_and_amounts_are_not_personal_data(text: str) -> None:
    assert kinds(text) == []


def test_pesel_or_chinese_mobile_tie_breaks_on_language() -> None:
    # Eleven digits that are a Chinese mobile (1[3-9]…) and a PESEL (born 1913-1919).
    bodies = (
        f"1{d}{m:02d}{rest}"
        for d in range(3, 10)
        for m in (1, 6)
        for rest in range(10**5, 10**5 + 50)
    )
    number = next(
        b + pesel_check(b) for b in bodies if valid_pesel(b + pesel_check(b), today=TODAY)
    )
    assert kinds(number, language="pl") == [("pesel", number)]
    assert kinds(number, language="zh") == [("phone", number)]
    assert kinds(f"手机 {number}") == [("phone", number)]


def test_e_mail_addresses() -> None:
    assert kinds("pisz na jan.kowalski+sklep@example.com.pl!") == [
        ("email", "jan.kowalski+sklep@example.com.pl")
    ]
    assert kinds("邮箱：ｋｅｆｕ＠ｅｘａｍｐｌｅ．ｃｎ") == [
        ("email", "ｋｅｆｕ＠ｅｘａｍｐｌｅ．ｃｎ")
    ]
    assert kinds("not an address: a..b@example.com, x@y, @example.com") == []


def test_kinds_filter() -> None:
    text = "PESEL 44051401359, mail a@example.com"
    found = find_personal_data(text, kinds=["email"], today=TODAY)
    assert [p.kind for p in found] == ["email"]


# --- redaction --------------------------------------------------------------------------------


def test_redaction_styles() -> None:
    text = "Klient 44051401359, tel. +48 600 123 456, jan@example.pl, karta 4111 1111 1111 1111"
    assert redact_personal_data(text) == "Klient [pesel], tel. [phone], [email], karta [card]"
    partial = redact_personal_data(text, style="partial")
    assert "4111" not in partial.split("karta")[1][:5] and partial.endswith("**** **** **** 1111")
    assert "j***@example.pl" in partial
    assert "44051401359" not in partial


def test_redaction_is_idempotent_and_keeps_other_text() -> None:
    text = "订单已发货，收件人手机13812345678。"
    once = redact_personal_data(text)
    assert once == "订单已发货，收件人手机[phone]。"
    assert redact_personal_data(once) == once


def test_logging_filter_redacts_message_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(f"kefu.test.{random.Random(7).random()}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning("sending to %s at %s", "13812345678", "jan@example.pl")
    try:
        raise ValueError("bad card 4111111111111111")
    except ValueError:
        logger.exception("failed for %s", "44051401359")
    output = stream.getvalue()
    assert "13812345678" not in output and "jan@example.pl" not in output
    assert "4111111111111111" not in output and "44051401359" not in output
    assert "sending to [phone] at [email]" in output
    assert "ValueError: bad card [card]" in output
