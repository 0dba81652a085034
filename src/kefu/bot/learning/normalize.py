"""Text folding for clustering: NFKC, case, punctuation, whitespace, Traditional → Simplified.

Written for the learning loop alone so it does not depend on the NLU's own normaliser; the aim is
the same question written in zh-TW and zh-CN, with full-width or half-width characters, with or
without punctuation, folds to the same string.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

_WHITESPACE = re.compile(r"\s+")
_converter: Any = None
_converter_lock = threading.Lock()


def _t2s() -> Any:
    """OpenCC's Traditional → Simplified converter, built on first use (never at import)."""
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def is_han(char: str) -> bool:
    """True for a CJK unified ideograph (the basic block and extension A)."""
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF


def has_han(text: str) -> bool:
    return any(is_han(char) for char in text)


def _symbol_to_space(char: str) -> str:
    # Punctuation, symbols and emoji carry no meaning for grouping questions.
    category = unicodedata.category(char)
    return " " if category[0] in ("P", "S", "C") else char


def normalize_text(text: str) -> str:
    """Fold ``text``: NFKC, casefold, symbols → space, single spaces, Simplified Chinese."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = "".join(_symbol_to_space(char) for char in folded)
    folded = _WHITESPACE.sub(" ", folded).strip()
    if has_han(folded):
        folded = str(_t2s().convert(folded))
    return folded


def language_group(language: str | None) -> str | None:
    """The group a language tag clusters in: its primary subtag ('zh-TW' and 'zh-CN' → 'zh')."""
    if language is None:
        return None
    return language.strip().replace("_", "-").split("-")[0].casefold()


def script_group(text: str) -> str:
    """A fallback group for text without a language: 'zh' for Chinese characters, else 'und'."""
    return "zh" if has_han(text) else "und"
