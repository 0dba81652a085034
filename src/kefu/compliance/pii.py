"""Personal data in text, validated and not just pattern-matched, and its redaction.

Found: mainland China resident identity numbers (ISO 7064 MOD 11-2 check character, region code,
plausible birth date), Polish PESEL (checksum, birth date with the century encoded in the month)
and NIP (checksum), payment card numbers (Luhn, issuer prefix and length), IBAN / Polish NRB
account numbers (ISO 13616 mod 97), phone numbers (China mobile, Poland, any E.164 number written
with its +country code) and e-mail addresses. A candidate that fails its checksum is not
reported: an order number is not a PESEL because it has eleven digits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from kefu.core.clock import utcnow

PersonalDataKind = Literal[
    "cn_resident_id", "pesel", "nip", "payment_card", "iban", "phone", "email"
]
PERSONAL_DATA_KINDS: tuple[PersonalDataKind, ...] = (
    "cn_resident_id",
    "pesel",
    "nip",
    "payment_card",
    "iban",
    "phone",
    "email",
)
RedactionStyle = Literal["label", "partial"]


@dataclass(frozen=True, slots=True)
class PersonalData:
    kind: PersonalDataKind
    start: int
    end: int
    text: str


# --- validators -------------------------------------------------------------------------------

# GB 11643-1999: weights 2^(17-i) mod 11 and the check character for each remainder.
_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK = "10X98765432"
# First two digits: province-level division codes (GB/T 2260), plus 71/81/82/83 for Taiwan,
# Hong Kong and Macau residence permits.
_CN_PROVINCES = frozenset((
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
))  # fmt: skip
_OLDEST_BIRTH_YEAR = 1900


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _plausible_birth(born: date | None, today: date | None) -> bool:
    today = today or utcnow().date()
    return born is not None and date(_OLDEST_BIRTH_YEAR, 1, 1) <= born <= today


def valid_cn_resident_id(value: str, *, today: date | None = None) -> bool:
    """An 18-character resident identity number with a valid check character and birth date."""
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    if value[:2] not in _CN_PROVINCES:
        return False
    born = _date_or_none(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    if not _plausible_birth(born, today):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _CN_WEIGHTS, strict=True))
    return _CN_CHECK[total % 11] == value[17]


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
# The month field carries the century: +80 for the 1800s, +0, +20, +40, +60 for 1900–2299.
_PESEL_CENTURIES = ((80, 1800), (0, 1900), (20, 2000), (40, 2100), (60, 2200))


def pesel_birth_date(value: str) -> date | None:
    if len(value) != 11 or not value.isdigit():
        return None
    yy, mm, dd = int(value[0:2]), int(value[2:4]), int(value[4:6])
    for offset, century in _PESEL_CENTURIES:
        if offset < mm <= offset + 12:
            return _date_or_none(century + yy, mm - offset, dd)
    return None


def valid_pesel(value: str, *, today: date | None = None) -> bool:
    """An 11-digit PESEL with a valid checksum and a plausible birth date."""
    if not _plausible_birth(pesel_birth_date(value), today):
        return False
    total = sum(int(d) * w for d, w in zip(value[:10], _PESEL_WEIGHTS, strict=True))
    return (10 - total % 10) % 10 == int(value[10])


_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def valid_nip(value: str) -> bool:
    """A 10-digit Polish tax identification number (NIP) with a valid checksum."""
    if len(value) != 10 or not value.isdigit() or value[:3] == "000":
        return False
    remainder = sum(int(d) * w for d, w in zip(value[:9], _NIP_WEIGHTS, strict=True)) % 11
    return remainder != 10 and remainder == int(value[9])


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card_lengths(digits: str) -> range | tuple[int, ...]:
    """Lengths the issuer of this prefix uses (ISO/IEC 7812 IIN ranges of the major schemes)."""
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return (13, 16, 19)  # Visa
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return (16,)  # Mastercard
    if 2200 <= four <= 2204:
        return (16,)  # Mir
    if two in (34, 37):
        return (15,)  # American Express
    if two == 62 or two == 81:
        return range(16, 20)  # UnionPay
    if 3528 <= four <= 3589:
        return range(16, 20)  # JCB
    if four == 6011 or two == 65 or 644 <= int(digits[:3]) <= 649:
        return range(16, 20)  # Discover
    if 300 <= int(digits[:3]) <= 305 or two in (36, 38, 39):
        return range(14, 20)  # Diners Club
    if two == 50 or 56 <= two <= 69:
        return range(12, 20)  # Maestro
    return ()


def valid_card_number(value: str) -> bool:
    """A payment card number: a known issuer prefix and length, and the Luhn check digit."""
    digits = re.sub(r"[ \-]", "", value)
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    return len(digits) in _card_lengths(digits) and luhn_valid(digits)


# ISO 13616 lengths of the countries Kefu's merchants deal with most; others: 15–34.
_IBAN_LENGTHS = {
    "PL": 28, "DE": 22, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16,
    "AT": 20, "CZ": 24, "SK": 24, "LT": 20, "LV": 21, "EE": 20, "SE": 24, "DK": 18,
    "FI": 18, "IE": 22, "PT": 25, "HU": 28, "RO": 24, "BG": 22, "HR": 21, "SI": 19,
    "LU": 20, "CH": 21, "NO": 15, "UA": 29,
}  # fmt: skip


def valid_iban(value: str) -> bool:
    compact = re.sub(r"[ \-]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return int(numeric) % 97 == 1


# Polish numbering plan: mobile prefixes and two-digit geographic area codes.
_PL_MOBILE = frozenset((
    "45", "50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88",
))  # fmt: skip
_PL_AREA = frozenset((
    "12", "13", "14", "15", "16", "17", "18", "22", "23", "24", "25", "29", "32", "33", "34",
    "41", "42", "43", "44", "46", "48", "52", "54", "55", "56", "58", "59", "61", "62", "63",
    "65", "67", "68", "71", "74", "75", "76", "77", "81", "82", "83", "84", "85", "86", "87",
    "89", "91", "94", "95",
))  # fmt: skip


def valid_pl_phone(national: str) -> bool:
    """Nine national digits starting with a mobile prefix or a geographic area code."""
    return (
        len(national) == 9
        and national.isdigit()
        and (national[:2] in _PL_MOBILE or national[:2] in _PL_AREA)
    )


def valid_cn_mobile(national: str) -> bool:
    return re.fullmatch(r"1[3-9]\d{9}", national) is not None


# --- detection --------------------------------------------------------------------------------

# Full-width forms (ＡＢＣ１２３＠) to ASCII, one character for one, so spans stay exact.
FULLWIDTH_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])"
    r"[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9\-])"
)
# A run of digits with single separators (space, hyphen, dot, parentheses), an optional + or 00
# country prefix and an optional final X (Chinese resident ids).
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_+\-.])"
    r"(?P<plus>\+ ?)?\(?\d(?:(?:[ \-.]|\) ?| ?\()?\d){7,}(?:[Xx](?![A-Za-z0-9]))?"
    r"(?![0-9A-Za-z])"
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_VAT_PL = re.compile(r"(?<![A-Za-z0-9])PL ?(?P<nip>\d{10})(?![0-9])")
_PHONE_CONTEXT = re.compile(
    r"(?:tel|phone|mobile|call|komórk|komork|zadzwo|dzwo|sms|whatsapp|"
    r"手机|手機|电话|電話|致电|致電|联系|聯繫|聯絡|号码|號碼)[^0-9]{0,12}$",
    re.IGNORECASE,
)
_MAX_GROUPS = 8
# Cheap tests that let most messages skip the expensive passes.
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
_CJK = re.compile("[\u4e00-\u9fff]")
_NOT_ID_CHAR = re.compile(r"[^0-9Xx]")
_NOT_DIGIT = re.compile(r"\D")
_DIGIT_RUN = re.compile(r"\d+")
_PHONE_GROUPING = re.compile(r"\d[ \-()]+\d")
# Every number the detectors validate has at least eight digits in a run (single separators).
_EIGHT_DIGITS = re.compile(r"\d(?:[ \-.()]{0,2}\d){7}")


def ascii_view(text: str) -> str:
    """``text`` with full-width ASCII forms made ASCII, one character for one."""
    return text.translate(FULLWIDTH_TO_ASCII) if _FULLWIDTH.search(text) else text


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    digits: str  # with a trailing X for Chinese ids
    plus: bool
    grouped: bool  # written with separators between digit groups


def _classify(
    cand: _Candidate, text: str, *, chinese: bool, today: date | None
) -> PersonalDataKind | None:
    digits = cand.digits
    n = len(digits)
    if cand.plus:
        return "phone" if _valid_e164(digits) else None
    if n == 18 and valid_cn_resident_id(digits, today=today):
        return "cn_resident_id"
    if "X" in digits or "x" in digits:
        return None
    if n == 26 and valid_iban("PL" + digits[:2] + digits[2:]):
        return "iban"
    if valid_card_number(digits):
        return "payment_card"
    if n == 11:
        mobile = valid_cn_mobile(digits)
        if mobile and chinese:
            return "phone"
        if valid_pesel(digits, today=today):
            return "pesel"
        if mobile:
            return "phone"
    if n == 13 and digits.startswith("86") and valid_cn_mobile(digits[2:]):
        return "phone"
    if n == 10 and valid_nip(digits):
        return "nip"
    # 00 + country code: only for the countries we can validate, or when written as a phone.
    if digits.startswith("00") and _valid_e164(digits[2:]):
        national = digits[4:]
        if (digits[2:4] == "48" and valid_pl_phone(national)) or (
            digits[2:4] == "86" and valid_cn_mobile(national)
        ):
            return "phone"
        if cand.grouped:
            return "phone"
    if n == 11 and digits.startswith("48") and valid_pl_phone(digits[2:]):
        return "phone" if cand.grouped else None
    # Nine bare digits are as often an order number: need phone formatting or a keyword.
    if (
        n == 9
        and valid_pl_phone(digits)
        and (cand.grouped or _PHONE_CONTEXT.search(text[max(0, cand.start - 24) : cand.start]))
    ):
        return "phone"
    return None


def _valid_e164(digits: str) -> bool:
    if not 8 <= len(digits) <= 15 or digits[0] == "0":
        return False
    if digits.startswith("86"):
        return valid_cn_mobile(digits[2:]) or 10 <= len(digits) <= 13
    if digits.startswith("48"):
        return valid_pl_phone(digits[2:])
    return True


def _candidates(view: str) -> Iterable[_Candidate]:
    for m in _NUMBER.finditer(view):
        raw = m.group(0)
        digits = _NOT_ID_CHAR.sub("", raw).upper()
        yield _Candidate(
            start=m.start(),
            end=m.end(),
            digits=digits,
            plus=m.group("plus") is not None,
            # Dots group IP addresses and amounts more often than phone numbers.
            grouped=_PHONE_GROUPING.search(raw) is not None,
        )


def _sub_candidates(cand: _Candidate, view: str) -> Iterable[_Candidate]:
    """Runs of consecutive digit groups inside a long candidate, longest first."""
    raw = view[cand.start : cand.end]
    groups = [(m.start(), m.end()) for m in _DIGIT_RUN.finditer(raw)]
    if len(groups) < 2 or len(groups) > _MAX_GROUPS or "." in raw:
        return
    for size in range(len(groups) - 1, 0, -1):
        for i in range(len(groups) - size + 1):
            start = cand.start + groups[i][0]
            end = cand.start + groups[i + size - 1][1]
            raw = view[start:end]
            yield _Candidate(
                start=start,
                end=end,
                digits=_NOT_DIGIT.sub("", raw),
                plus=False,
                grouped=size > 1,
            )


def find_personal_data(
    text: str,
    *,
    language: str | None = None,
    kinds: Iterable[PersonalDataKind] | None = None,
    today: date | None = None,
) -> list[PersonalData]:
    """Every validated piece of personal data in ``text``, in order, without overlaps.

    ``language`` ("zh", "pl", …) only breaks one tie: eleven digits that are both a valid PESEL
    and a Chinese mobile number count as the phone in Chinese text, as the PESEL otherwise.
    """
    wanted = frozenset(kinds) if kinds is not None else frozenset(PERSONAL_DATA_KINDS)
    view = ascii_view(text)
    if language is not None:
        chinese = language.lower().startswith("zh")
    else:
        chinese = _CJK.search(text) is not None
    found: list[PersonalData] = []
    taken: list[tuple[int, int]] = []

    def add(kind: PersonalDataKind, start: int, end: int) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        if kind in wanted:
            found.append(PersonalData(kind=kind, start=start, end=end, text=text[start:end]))

    if "@" in view:
        for m in _EMAIL.finditer(view):
            local = m.group(0).split("@", 1)[0]
            if ".." not in m.group(0) and len(local) <= 64:
                add("email", m.start(), m.end())
    if _EIGHT_DIGITS.search(view) is None:
        found.sort(key=lambda p: p.start)
        return found
    for m in _IBAN.finditer(view):
        if valid_iban(m.group(0)):
            add("iban", m.start(), m.end())
    if "PL" in view:
        for m in _VAT_PL.finditer(view):
            if valid_nip(m.group("nip")):
                add("nip", m.start(), m.end())
    for cand in _candidates(view):
        if any(cand.start < e and s < cand.end for s, e in taken):
            continue
        kind = _classify(cand, view, chinese=chinese, today=today)
        if kind is not None:
            add(kind, cand.start, cand.end)
            continue
        for sub in _sub_candidates(cand, view):
            if any(sub.start < e and s < sub.end for s, e in taken):
                continue
            kind = _classify(sub, view, chinese=chinese, today=today)
            if kind is not None:
                add(kind, sub.start, sub.end)
    found.sort(key=lambda p: p.start)
    return found


# --- redaction --------------------------------------------------------------------------------

_LABELS: dict[str, str] = {
    "cn_resident_id": "[id-number]",
    "pesel": "[pesel]",
    "nip": "[nip]",
    "payment_card": "[card]",
    "iban": "[account]",
    "phone": "[phone]",
    "email": "[email]",
}


def mask(kind: str, value: str, style: RedactionStyle = "label") -> str:
    """The replacement for one piece of personal data.

    ``label``: ``[phone]``; ``partial``: enough left to recognise one's own data in a
    conversation (``138****5678``, ``j***@example.com``, ``**** **** **** 1111``).
    """
    if style == "label":
        return _LABELS.get(kind, "[redacted]")
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    keep_head = 3 if kind == "phone" else 0
    keep_tail = 4 if kind in ("phone", "payment_card", "iban") else 2
    digits_seen = 0
    total = sum(1 for c in value if c.isalnum())
    out = []
    for c in value:
        if c.isalnum():
            digits_seen += 1
            if digits_seen <= keep_head or digits_seen > total - keep_tail:
                out.append(c)
            else:
                out.append("*")
        else:
            out.append(c)
    return "".join(out)


def replace_spans(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, replacement)`` applied; overlapping spans merge."""
    out = []
    cursor = 0
    for start, end, replacement in sorted(spans):
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def redact_personal_data(
    text: str,
    *,
    style: RedactionStyle = "label",
    kinds: Iterable[PersonalDataKind] | None = None,
    language: str | None = None,
) -> str:
    """``text`` with every validated piece of personal data masked (for storage and logs)."""
    found = find_personal_data(text, language=language, kinds=kinds)
    return replace_spans(text, [(p.start, p.end, mask(p.kind, p.text, style)) for p in found])


class RedactingFilter(logging.Filter):
    """A logging filter that masks personal data in each record's message (never drops one).

    Attach it to a handler (``handler.addFilter(RedactingFilter())``) so that every record the
    handler writes, from any logger, is redacted; the formatted message replaces ``msg`` and
    ``args`` is cleared, so the arguments' personal data cannot reach the output either.
    """

    def __init__(
        self,
        name: str = "",
        *,
        style: RedactionStyle = "label",
        redact: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(name)
        self._redact = redact or (lambda s: redact_personal_data(s, style=style))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        return True
