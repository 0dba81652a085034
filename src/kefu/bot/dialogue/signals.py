"""Signals read straight from the text, whatever the classifier says: a request for a person,
anger, and a CSAT score."""

from __future__ import annotations

import re
from typing import Literal

from kefu.bot.dialogue.catalog import _is_cjk, normalize, signals

ALL_CAPS_MIN_LETTERS = 10
ALL_CAPS_SHARE = 0.8
EXCLAMATIONS = 3

_STARS = re.compile(r"[⭐★🌟]")
_SCORE = re.compile(r"(?<![\d.,])([1-5])(?:\s*(?:/|z|na|out of|分|星|颗星|顆星)\s*5)?(?![\d.,])")


def human_request(text: str) -> Literal["strong", "weak"] | None:
    """``strong``: the customer asks for a person outright; ``weak``: a word that may mean it."""
    found = signals()
    if found.human_strong.found_in(text):
        return "strong"
    if found.human_weak.found_in(text):
        return "weak"
    return None


def is_angry(text: str) -> bool:
    """Anger words, profanity, shouting in capitals, or a row of exclamation marks."""
    found = signals()
    if found.anger.found_in(text) or found.profanity.found_in(text):
        return True
    if text.count("!") + text.count("！") >= EXCLAMATIONS:
        return True
    letters = [char for char in text if char.isalpha() and char.isascii()]
    if len(letters) >= ALL_CAPS_MIN_LETTERS:
        upper = sum(char.isupper() for char in letters)
        if upper / len(letters) >= ALL_CAPS_SHARE:
            return True
    return False


def parse_csat(text: str) -> int | None:
    """A 1-5 score from a digit (``4``, ``4/5``), stars (``⭐⭐⭐``) or words (``good``, ``很好``).

    The longest matching word wins, so ``not good`` is 2, ``very good`` 5, ``不满意`` 2.
    ``None`` when the text holds no score, or two different digits.
    """
    stars = len(_STARS.findall(text))
    if 1 <= stars <= 5:
        return stars
    digits = {int(match.group(1)) for match in _SCORE.finditer(text)}
    if len(digits) == 1 and not re.search(r"\d{2,}|[6-9]|0", text):
        return digits.pop()
    said = normalize(text)
    best: tuple[int, int] | None = None
    for score, terms in signals().csat_terms.items():
        for term in terms:
            if _term_in(term, said) and (best is None or len(term) > best[0]):
                best = (len(term), score)
    return best[1] if best else None


def _term_in(term: str, said: str) -> bool:
    if _is_cjk(term):
        return term in said
    return re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", said) is not None
