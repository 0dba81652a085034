"""A workspace's knowledge base: intents with example phrases, FAQ pairs, out-of-scope examples.

Construction validates: a knowledge base the engine cannot learn from raises
:class:`kefu.core.errors.InvalidInput` with a message that names the offending entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kefu.core.errors import InvalidInput

MAX_TEXT_CHARS = 2000
MAX_NAME_CHARS = 200
LANGUAGE_HINTS = ("en", "pl", "zh-Hans", "zh-Hant")

Kind = Literal["intent", "faq"]


def _clean_text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: expected text, got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise InvalidInput(f"{where}: empty text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"{where}: longer than {MAX_TEXT_CHARS} characters")
    if not any(char.isalnum() for char in text):
        raise InvalidInput(f"{where}: {text!r} has no letters or digits to learn from")
    return text


def _clean_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: a non-empty name is required")
    name = value.strip()
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"{where}: name longer than {MAX_NAME_CHARS} characters")
    return name


def _clean_answer(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: answer must be text")
    return value


def _text_list(value: object, where: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidInput(f"{where}: expected a list of texts")
    return [_clean_text(item, f"{where}[{i}]") for i, item in enumerate(value)]


@dataclass(frozen=True)
class Intent:
    """Something a customer wants, learnt from example phrases; ``answer`` is optional."""

    name: str
    examples: list[str]
    answer: str | None = None

    def __post_init__(self) -> None:
        name = _clean_name(self.name, "intent")
        where = f"intent {name!r}"
        examples = _text_list(self.examples, f"{where} examples")
        if not examples:
            raise InvalidInput(f"{where} has no examples")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "examples", examples)
        object.__setattr__(self, "answer", _clean_answer(self.answer, where))


@dataclass(frozen=True)
class Faq:
    """A question with its answer; ``similar`` holds other ways customers ask it."""

    id: str
    question: str
    answer: str
    similar: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        faq_id = _clean_name(self.id, "faq")
        where = f"faq {faq_id!r}"
        object.__setattr__(self, "id", faq_id)
        object.__setattr__(self, "question", _clean_text(self.question, f"{where} question"))
        if not isinstance(self.answer, str) or not self.answer.strip():
            raise InvalidInput(f"{where} has no answer")
        object.__setattr__(self, "similar", _text_list(self.similar, f"{where} similar"))

    @property
    def phrasings(self) -> list[str]:
        return [self.question, *self.similar]


@dataclass(frozen=True)
class LabelledText:
    """One training row: the text and the class it belongs to (kind ``oos``: out of scope)."""

    text: str
    kind: Literal["intent", "faq", "oos"]
    name: str


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the engine learns from. ``language`` is a hint for messages without evidence."""

    intents: list[Intent] = field(default_factory=list)
    faqs: list[Faq] = field(default_factory=list)
    oos_examples: list[str] = field(default_factory=list)
    language: str | None = None

    def __post_init__(self) -> None:
        if not self.intents and not self.faqs:
            raise InvalidInput("knowledge base is empty: add at least one intent or FAQ")
        for item in self.intents:
            if not isinstance(item, Intent):
                raise InvalidInput("knowledge base intents must be Intent objects")
        for faq in self.faqs:
            if not isinstance(faq, Faq):
                raise InvalidInput("knowledge base faqs must be Faq objects")
        seen: dict[str, str] = {}
        for kind, name in [("intent", i.name) for i in self.intents] + [
            ("faq", f.id) for f in self.faqs
        ]:
            if name in seen:
                raise InvalidInput(
                    f"duplicate name {name!r}: used by a {seen[name]} and a {kind}; "
                    "intent names and FAQ ids must be unique together"
                )
            seen[name] = kind
        object.__setattr__(
            self, "oos_examples", _text_list(self.oos_examples, "out-of-scope examples")
        )
        if self.language is not None and self.language not in LANGUAGE_HINTS:
            raise InvalidInput(
                f"unknown language hint {self.language!r}; expected one of {LANGUAGE_HINTS}"
            )

    def labelled_texts(self) -> list[LabelledText]:
        rows = [LabelledText(t, "intent", i.name) for i in self.intents for t in i.examples]
        rows += [LabelledText(t, "faq", f.id) for f in self.faqs for t in f.phrasings]
        rows += [LabelledText(t, "oos", "oos") for t in self.oos_examples]
        return rows

    def answers(self) -> dict[str, str | None]:
        answers: dict[str, str | None] = {i.name: i.answer for i in self.intents}
        answers.update({f.id: f.answer for f in self.faqs})
        return answers

    def to_dict(self) -> dict[str, Any]:
        return {
            "intents": [
                {"name": i.name, "examples": list(i.examples), "answer": i.answer}
                for i in self.intents
            ],
            "faqs": [
                {"id": f.id, "question": f.question, "similar": list(f.similar), "answer": f.answer}
                for f in self.faqs
            ],
            "oos_examples": list(self.oos_examples),
            "language": self.language,
        }

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON form: equal knowledge bases, equal fingerprints."""
        canonical = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KnowledgeBase:
        """Build from parsed JSON/YAML; any shape error becomes InvalidInput, never a crash."""
        if not isinstance(data, Mapping):
            raise InvalidInput("knowledge base must be an object with intents and faqs")
        unknown = set(data) - {"intents", "faqs", "oos_examples", "language"}
        if unknown:
            raise InvalidInput(f"unknown knowledge base keys: {sorted(unknown)}")
        intents = [_intent_from(item, i) for i, item in enumerate(_list(data, "intents"))]
        faqs = [_faq_from(item, i) for i, item in enumerate(_list(data, "faqs"))]
        return cls(
            intents=intents,
            faqs=faqs,
            oos_examples=_list(data, "oos_examples"),
            language=data.get("language"),
        )


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidInput(f"{key} must be a list")
    return list(value)


def _intent_from(item: object, position: int) -> Intent:
    if not isinstance(item, Mapping):
        raise InvalidInput(f"intents[{position}] must be an object")
    return Intent(
        name=item.get("name", ""), examples=item.get("examples", []), answer=item.get("answer")
    )


def _faq_from(item: object, position: int) -> Faq:
    if not isinstance(item, Mapping):
        raise InvalidInput(f"faqs[{position}] must be an object")
    return Faq(
        id=item.get("id", ""),
        question=item.get("question", ""),
        answer=item.get("answer", ""),
        similar=item.get("similar", []),
    )
