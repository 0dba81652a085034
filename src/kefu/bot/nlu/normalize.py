"""Text normalisation shared by training and prediction: one function per concern, script-aware.

Every text the engine sees goes through :func:`fold`: Unicode NFKC (which also turns full-width
Latin letters, digits and punctuation into their half-width forms), case folding, traditional →
simplified Chinese (so a knowledge base written in one script matches messages in the other),
Latin diacritics removed (``ą`` → ``a``, ``ł`` → ``l``: customers often type Polish without them),
runs of one repeated character cut to two (``pleaseeee``), and a few chat spellings expanded.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

# Letters that NFD does not decompose but that people replace with a plain letter when typing fast.
_LATIN_LETTER_FOLDS = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "ħ": "h",
        "Ħ": "H",
        "ı": "i",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "TH",
    }
)

# Chat spellings whose meaning does not depend on context, per language (a Polish "u" is a
# preposition, an English one is "you"). Keys are compared without diacritics.
CHAT_SPELLINGS: dict[str, dict[str, str]] = {
    "en": {
        "pls": "please",
        "plz": "please",
        "plx": "please",
        "thx": "thanks",
        "thnx": "thanks",
        "tnx": "thanks",
        "ty": "thank you",
        "u": "you",
        "ur": "your",
        "r": "are",
        "im": "i am",
        "dont": "do not",
        "cant": "can not",
        "wont": "will not",
        "doesnt": "does not",
        "didnt": "did not",
        "isnt": "is not",
        "whats": "what is",
        "idk": "i do not know",
        "msg": "message",
        "acct": "account",
        "pwd": "password",
        "asap": "as soon as possible",
        "b4": "before",
        "2day": "today",
        "tmrw": "tomorrow",
        "tmr": "tomorrow",
        "wanna": "want to",
        "gonna": "going to",
    },
    "pl": {
        "pls": "prosze",
        "plz": "prosze",
        "dzieki": "dziekuje",
        "dzieks": "dziekuje",
        "dzienki": "dziekuje",
        "pozdro": "pozdrawiam",
        "nwm": "nie wiem",
        "wgl": "w ogole",
        "tk": "tak",
    },
}

# English contractions, written out so "don't" and "do not" give the same words.
_EN_CONTRACTIONS = (
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'d\b"), " would"),
)

_REPEATS = re.compile(r"(.)\1{2,}")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")
_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
# A token is a run of Han characters or a run of other letters and digits: "帮我check一下"
# gives "帮我", "check", "一下".
_TOKEN = re.compile(f"[{_HAN_CLASS}]+|(?:(?![{_HAN_CLASS}])[^\\W_])+")
_APOSTROPHES = re.compile(r"[\u2019\u2018`´]")

_converters: dict[str, Any] = {}
_converters_lock = threading.Lock()


def opencc_converter(config: str) -> Any:
    """One OpenCC converter per config ('t2s', 's2t'), built on first use, never at import."""
    converter = _converters.get(config)
    if converter is None:
        with _converters_lock:
            converter = _converters.get(config)
            if converter is None:
                import opencc

                converter = opencc.OpenCC(config)
                _converters[config] = converter
    return converter


def is_han(char: str) -> bool:
    """CJK unified ideographs (basic block and extensions A, B–F) and compatibility ideographs."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2EBEF
        or 0xF900 <= code <= 0xFAFF
    )


def tokens(text: str) -> list[str]:
    """Han runs and runs of other letters/digits, in order; punctuation and spaces dropped."""
    return _TOKEN.findall(text)


def contains_han(text: str) -> bool:
    return any(is_han(char) for char in text)


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese; text without Han characters is returned untouched."""
    if not contains_han(text):
        return text
    return str(opencc_converter("t2s").convert(text))


def to_traditional(text: str) -> str:
    if not contains_han(text):
        return text
    return str(opencc_converter("s2t").convert(text))


def strip_latin_diacritics(text: str) -> str:
    """Remove combining marks from Latin letters only, so other scripts keep theirs."""
    decomposed = unicodedata.normalize("NFD", text)
    kept: list[str] = []
    base_is_latin = False
    for char in decomposed:
        if unicodedata.combining(char):
            if not base_is_latin:
                kept.append(char)
            continue
        code = ord(char)
        base_is_latin = code < 0x0250 or 0x1E00 <= code <= 0x1EFF
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).translate(_LATIN_LETTER_FOLDS)


def basic(text: str) -> str:
    """NFKC (full-width → half-width), case folding, whitespace collapsed. Keeps diacritics."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", text).strip()


def expand_chat_spelling(text: str, language: str) -> str:
    """Write out chat spellings and (for English) contractions; ``language`` is 'en' or 'pl'."""
    text = _APOSTROPHES.sub("'", text)
    if language == "en":
        for pattern, replacement in _EN_CONTRACTIONS:
            text = pattern.sub(replacement, text)
    spellings = CHAT_SPELLINGS.get(language)
    if not spellings:
        return text

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        return spellings.get(strip_latin_diacritics(word), word)

    return _WORD.sub(replace, text)


def collapse_repeats(text: str) -> str:
    """Cut a character repeated three or more times to two ("pleaseeee" → "pleasee")."""
    return _REPEATS.sub(r"\1\1", text)


def fold(text: str, language: str = "en") -> str:
    """The matching form of a text: what two spellings of the same message have in common."""
    text = collapse_repeats(expand_chat_spelling(basic(text), language))
    return strip_latin_diacritics(to_simplified(text))
