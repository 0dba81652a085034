"""Folding text for matching, with one folded form per original character.

Every character of the original text folds to a string: its NFKC, case-folded, accent-free,
simplified-Chinese, homoglyph- and leetspeak-resolved form, or one of three sentinels:

- ``TRANSPARENT``: invisible characters (zero-width spaces and joiners, soft hyphens, combining
  marks, variation selectors, fillers). They vanish without leaving a gap.
- ``GAP``: visible separators (spaces, punctuation, symbols, emoji). They vanish from the compact
  text, but the matcher knows where they were, to tell "c u r e" from "he'll".
- ``BREAK``: clause boundaries (new lines and the CJK clause punctuation 。，、！？；). They
  stay in the compact text, so no match can run across a sentence.

Because folding is per character, a match in the compact text maps back to an exact span of the
original. The per-character table is built once (lazily, on first use) over the Basic
Multilingual Plane and the astral ranges used for evasion (mathematical alphanumerics, enclosed
letters, emoji, tag characters); ``str.translate`` then folds a message in one C-level pass.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache

TRANSPARENT = "\x00"
GAP = "\x01"
BREAK = "\x02"
SENTINELS = frozenset((TRANSPARENT, GAP, BREAK))

# A match may not run across these: line ends and the full-width clause punctuation of CJK text.
# ASCII punctuation is only a GAP, because "c.u.r.e" is a classic evasion in Latin text.
BREAK_CHARS = frozenset("\n\r\v\f\u0085\u2028\u2029。｡，、！？；…")

# Invisible characters that are letters or symbols by category but render as nothing.
INVISIBLE_CHARS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")

# Symbols that carry meaning inside rule terms ("100%有效", "#1"), so they are kept.
SIGNIFICANT_SYMBOLS = frozenset("%#")

# Leetspeak: digits and symbols standing in for letters. Applied to every digit, so rule terms
# are folded the same way ("100%" folds to "ioo%"); the matcher rejects matches in text that is
# mostly digits, so "Room 455" is not "ass".
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}

# Look-alikes from Cyrillic and Greek, mapped to the Latin letter they imitate. Upper and lower
# case are listed separately where they imitate different letters (Greek Η looks like H, η like n).
HOMOGLYPHS = {
    # Cyrillic
    "А": "a", "а": "a", "В": "b", "в": "b", "Е": "e", "е": "e", "Ё": "e", "ё": "e",
    "К": "k", "к": "k", "М": "m", "м": "m", "Н": "h", "н": "h", "О": "o", "о": "o",
    "Р": "p", "р": "p", "С": "c", "с": "c", "Т": "t", "т": "t", "У": "y", "у": "y",
    "Х": "x", "х": "x", "Ѕ": "s", "ѕ": "s", "І": "i", "і": "i", "Ї": "i", "ї": "i",
    "Ј": "j", "ј": "j", "Ԁ": "d", "ԁ": "d", "Ү": "y", "ү": "y", "Һ": "h", "һ": "h",
    "Ԛ": "q", "ԛ": "q", "Ԝ": "w", "ԝ": "w", "Ь": "b", "ь": "b", "З": "3", "Ӏ": "i",
    # Greek
    "Α": "a", "α": "a", "Β": "b", "β": "b", "Ε": "e", "ε": "e", "Ζ": "z", "Η": "h",
    "η": "n", "Ι": "i", "ι": "i", "Κ": "k", "κ": "k", "Μ": "m", "Ν": "n", "ν": "v",
    "Ο": "o", "ο": "o", "Ρ": "p", "ρ": "p", "Τ": "t", "τ": "t", "Υ": "y", "υ": "u",
    "Χ": "x", "χ": "x", "ω": "w", "Ϲ": "c", "ϲ": "c",
    # Latin look-alikes outside ASCII that do not decompose
    "ı": "i", "ɡ": "g", "ɑ": "a",
}  # fmt: skip

# Latin letters without a canonical decomposition, folded to their base letter.
LATIN_BASE = {"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i"}

# Astral ranges worth folding; other astral characters (historic scripts, rare CJK) stay as-is.
_ASTRAL_RANGES = (
    (0x1D400, 0x1D800),  # mathematical alphanumerics: 𝐛𝐞𝐬𝐭 → best
    (0x1F000, 0x1FB00),  # enclosed letters, regional indicators, emoji → GAP
    (0xE0000, 0xE0080),  # tag characters → TRANSPARENT
    (0xE0100, 0xE01F0),  # variation selectors supplement → TRANSPARENT
)


def _strip_accents(char: str) -> str:
    if ord(char) < 0x0530 or 0x1E00 <= ord(char) <= 0x1FFF:
        decomposed = unicodedata.normalize("NFD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        return base or char
    return char


def _fold_one(char: str, t2s: Mapping[str, str]) -> str:
    """Fold one character already in NFKC form."""
    if char in LEET:
        return LEET[char]
    if char in SIGNIFICANT_SYMBOLS:
        return char
    char = HOMOGLYPHS.get(char, char)
    if char in LEET:
        return LEET[char]
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf"):
        return TRANSPARENT
    if category[0] in "PSZC":
        return GAP
    out = []
    for c in char.casefold():
        c = _strip_accents(c)
        for b in c:
            b = LATIN_BASE.get(b, b)
            out.append(t2s.get(b, b))
    return "".join(out)


def fold_char(char: str, t2s: Mapping[str, str] | None = None) -> str:
    """The folded form of one character: a non-empty string or one sentinel."""
    if t2s is None:
        t2s = t2s_map()
    if char in BREAK_CHARS:
        return BREAK
    if char in INVISIBLE_CHARS:
        return TRANSPARENT
    category = unicodedata.category(char)
    if category in ("Cf", "Mn", "Me"):
        return TRANSPARENT
    if category[0] in "CZ":
        return GAP
    pieces = [_fold_one(c, t2s) for c in unicodedata.normalize("NFKC", char)]
    # A compatibility character may expand to letters and separators ("⑴" → "(1)"): keep letters.
    letters = "".join(p for p in pieces if p not in SENTINELS)
    if letters:
        return letters
    return TRANSPARENT if all(p == TRANSPARENT for p in pieces) else GAP


_t2s_lock = threading.Lock()


@cache
def t2s_map() -> dict[str, str]:
    """Traditional → simplified, per character, from OpenCC's ``t2s`` table (built once)."""
    with _t2s_lock:
        import opencc

        converter = opencc.OpenCC("t2s")
        chars = [
            chr(cp)
            for start, end in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
            for cp in range(start, end)
        ]
        # One call with a line per character: OpenCC never joins phrases across line ends.
        converted = converter.convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):
            raise RuntimeError("OpenCC t2s changed the number of lines; cannot build the map")
        return {a: b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}


@cache
def fold_table() -> dict[int, str]:
    """``str.translate`` table: code point → folded form, for every character that changes."""
    t2s = t2s_map()
    table: dict[int, str] = {}
    ranges = ((0, 0x10000), *_ASTRAL_RANGES)
    for start, end in ranges:
        for cp in range(start, end):
            ch = chr(cp)
            folded = fold_char(ch, t2s)
            if folded != ch:
                table[cp] = folded
    return table


class FoldedText:
    """A text, its per-character folded form, and the compact string the automaton scans.

    ``chars[i]`` is the fold of ``original[i]``; it is a ``str`` of the same length as the
    original when every character folds to one character (the common, fast case), otherwise a
    list of strings.
    """

    __slots__ = ("_positions", "_removed", "chars", "compact", "original")

    def __init__(self, original: str, chars: Sequence[str]) -> None:
        self.original = original
        self.chars = chars
        if isinstance(chars, str):
            self.compact = chars.replace(TRANSPARENT, "").replace(GAP, "")
        else:
            self.compact = "".join(c for c in chars if c != TRANSPARENT and c != GAP)
        self._positions: list[int] | None = None
        self._removed: list[tuple[int, int]] | None = None

    def positions(self) -> list[int]:
        """For each compact index, the index of the original character it came from."""
        if self._positions is None:
            chars = self.chars
            if isinstance(chars, str):
                self._positions = [i for i, c in enumerate(chars) if c > GAP]
            else:
                self._positions = [
                    i for i, c in enumerate(chars) if c != TRANSPARENT and c != GAP for _ in c
                ]
        return self._positions

    def original_index(self, compact_index: int) -> int:
        """The index of the original character that compact character ``compact_index`` came
        from. For the usual one-character-per-character fold it walks the (few) runs of removed
        separators instead of building a full position list."""
        if self._positions is not None or not isinstance(self.chars, str):
            return self.positions()[compact_index]
        if self._removed is None:
            self._removed = [
                (m.start(), m.end() - m.start()) for m in _REMOVED.finditer(self.chars)
            ]
        index = compact_index
        for start, length in self._removed:
            if start > index:
                break
            index += length
        return index

    def span(self, compact_start: int, compact_end: int) -> tuple[int, int]:
        """The original ``[start, end)`` of the compact slice ``[compact_start, compact_end)``."""
        start = self.original_index(compact_start)
        end = self.original_index(compact_end - 1) + 1
        # Combining marks after the last letter belong to it ("cafe" + U+0301).
        original = self.original
        while end < len(original) and unicodedata.combining(original[end]):
            end += 1
        return start, end

    def char_before(self, start: int) -> str:
        """The folded character before original index ``start``, skipping invisible ones."""
        j = start - 1
        while j >= 0 and self.chars[j] == TRANSPARENT:
            j -= 1
        return self.chars[j][-1] if j >= 0 else ""

    def char_after(self, end: int) -> str:
        """The folded character at original index ``end`` or later, skipping invisible ones."""
        j = end
        n = len(self.chars)
        while j < n and self.chars[j] == TRANSPARENT:
            j += 1
        return self.chars[j][0] if j < n else ""


@cache
def _bmp_table() -> list[str | int]:
    """The fold table as a list over the whole BMP: ``str.translate`` indexes a list without
    hashing, and never has to raise and swallow a ``LookupError`` for unchanged characters."""
    table = fold_table()
    return [table.get(cp, cp) for cp in range(0x10000)]


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_REMOVED = re.compile("[\x00\x01]+")


def fold(text: str) -> FoldedText:
    """Fold ``text`` for matching (see the module docstring)."""
    table = fold_table()
    astral = _ASTRAL.search(text) is not None
    folded = text.translate(table if astral else _bmp_table())
    if len(folded) == len(text):
        return FoldedText(text, folded)
    return FoldedText(text, [table.get(ord(c), c) for c in text])


def fold_key(term: str) -> tuple[str, frozenset[int]]:
    """A rule term's compact key and the compact offsets of its own word breaks.

    ``"best in the world"`` → ``("bestintheworld", {4, 6, 9})``.
    """
    folded = fold(term)
    breaks: set[int] = set()
    offset = 0
    for c in folded.chars:
        if c == GAP:
            if offset:
                breaks.add(offset)
        elif c != TRANSPARENT:
            offset += len(c)
    # "100 %" is as good as "100%": a symbol may always be set off by a space.
    for i, c in enumerate(folded.compact):
        if c in SIGNIFICANT_SYMBOLS:
            breaks.update((i, i + 1))
    breaks.discard(0)
    breaks.discard(offset)
    return folded.compact, frozenset(breaks)


@cache
def traditional_chars() -> re.Pattern[str]:
    """Matches any character that the t2s map changes (a sign of traditional script)."""
    chars = "".join(sorted(t2s_map()))
    return re.compile("[" + re.escape(chars) + "]")


def is_word_char(c: str) -> bool:
    """A folded character that continues a word in an alphabetic script (not CJK)."""
    return bool(c) and c > BREAK and ord(c[0]) < 0x2E80 and c[0].isalnum()


def is_cjk(c: str) -> bool:
    return ord(c) >= 0x2E80 and c.isalpha()


def to_simplified(text: str) -> str:
    """Character-level traditional → simplified (the same map the matcher uses)."""
    t2s = t2s_map()
    return "".join(t2s.get(c, c) for c in text)
