"""The bot's own texts in four languages and the keyword lists, read from package data once."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from kefu.bot.dialogue.model import SUPPORTED_LANGUAGES
from kefu.core.errors import InvalidInput

MESSAGE_KEYS = (
    "rephrase",
    "not_understood_handoff",
    "clarify",
    "slot_giveup",
    "not_found",
    "not_found_giveup",
    "connector_down",
    "booking_failed",
    "template_error",
    "offline_intro",
    "offline_intro_no_hours",
    "offline_contact",
    "offline_contact_retry",
    "offline_done",
    "csat_question",
    "csat_thanks",
)


def _read(name: str) -> Any:
    source = files("kefu.bot.dialogue").joinpath(name).read_text(encoding="utf-8")
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"broken YAML in kefu/bot/dialogue/{name}: {exc}") from exc


@dataclass(frozen=True)
class MessageCatalog:
    """``text(language, key, **values)``; every language has every key (checked on load)."""

    entries: dict[str, dict[str, Any]]

    def text(self, language: str, key: str, **values: str) -> str:
        template: str = self.entries[language][key]
        return template.format(**values) if values else template

    def csat_labels(self, language: str) -> list[str]:
        labels: list[str] = self.entries[language]["csat_labels"]
        return labels


@lru_cache(maxsize=1)
def message_catalog() -> MessageCatalog:
    data = _read("messages.yaml")
    if not isinstance(data, dict) or set(data) != set(SUPPORTED_LANGUAGES):
        raise InvalidInput(f"messages.yaml must have exactly the languages {SUPPORTED_LANGUAGES}")
    for language, entries in data.items():
        missing = [key for key in MESSAGE_KEYS if not isinstance(entries.get(key), str)]
        if missing:
            raise InvalidInput(f"messages.yaml: {language} lacks {', '.join(missing)}")
        labels = entries.get("csat_labels")
        if not isinstance(labels, list) or len(labels) != 5:
            raise InvalidInput(f"messages.yaml: {language} needs five csat_labels")
    return MessageCatalog(entries=data)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _is_cjk(term: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" for char in term)


class KeywordList:
    """Whole-word matching for Latin terms, substring matching for Chinese ones."""

    def __init__(self, terms: list[str]) -> None:
        cleaned = [normalize(str(term)).strip() for term in terms]
        self.substrings = tuple(t for t in cleaned if t and _is_cjk(t))
        latin = sorted((t for t in cleaned if t and not _is_cjk(t)), key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in latin) + r")(?!\w)")
            if latin
            else None
        )

    def found_in(self, text: str) -> bool:
        said = normalize(text)
        if any(term in said for term in self.substrings):
            return True
        return self.pattern is not None and self.pattern.search(said) is not None


@dataclass(frozen=True)
class Signals:
    human_strong: KeywordList
    human_weak: KeywordList
    anger: KeywordList
    profanity: KeywordList
    csat_words: dict[int, KeywordList]
    csat_terms: dict[int, tuple[str, ...]]


@lru_cache(maxsize=1)
def signals() -> Signals:
    data = _read("signals.yaml")
    needed = ("human_strong", "human_weak", "anger_words", "profanity", "csat_words")
    if not isinstance(data, dict) or any(not data.get(key) for key in needed):
        raise InvalidInput(f"signals.yaml must define {', '.join(needed)}")
    csat = {
        int(score): [normalize(str(w)) for w in words]
        for score, words in data["csat_words"].items()
    }
    if sorted(csat) != [1, 2, 3, 4, 5]:
        raise InvalidInput("signals.yaml: csat_words needs the scores 1 to 5")
    return Signals(
        human_strong=KeywordList(data["human_strong"]),
        human_weak=KeywordList(data["human_weak"]),
        anger=KeywordList(data["anger_words"]),
        profanity=KeywordList(data["profanity"]),
        csat_words={score: KeywordList(words) for score, words in csat.items()},
        csat_terms={score: tuple(words) for score, words in csat.items()},
    )
