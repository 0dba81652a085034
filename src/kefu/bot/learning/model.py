"""The learning loop's records: what the bot could not answer, and what it suggests to add."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

from kefu.core.errors import InvalidInput

Reason = Literal["not_understood", "handed_off", "out_of_scope"]
SuggestionKind = Literal["new_intent", "add_examples"]

REASONS: tuple[Reason, ...] = ("not_understood", "handed_off", "out_of_scope")
MAX_TEXT_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A customer message the bot did not answer (``count`` folds identical repeats into one)."""

    text: str
    language: str | None
    reason: Reason
    count: int = 1
    conversation_id: str | None = None
    at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise InvalidInput("unanswered text must be a non-empty string")
        if len(self.text) > MAX_TEXT_LENGTH:
            raise InvalidInput(f"unanswered text is longer than {MAX_TEXT_LENGTH} characters")
        if self.language is not None and (
            not isinstance(self.language, str) or not self.language.strip()
        ):
            raise InvalidInput("language must be a language tag such as 'zh-TW', or None")
        if self.reason not in REASONS:
            raise InvalidInput(
                f"unknown reason {self.reason!r}; expected one of {', '.join(REASONS)}"
            )
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise InvalidInput(f"count must be a positive integer, got {self.count!r}")
        if self.at is not None and not isinstance(self.at, datetime):
            raise InvalidInput("at must be a datetime or None")

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "reason": self.reason,
            "count": self.count,
            "conversation_id": self.conversation_id,
            "at": self.at.isoformat() if self.at is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unanswered:
        """Build from the shape :meth:`to_dict` writes; a bad field raises :class:`InvalidInput`."""
        if not isinstance(data, dict):
            raise InvalidInput("an unanswered record must be an object")
        unknown = set(data) - {"text", "language", "reason", "count", "conversation_id", "at"}
        if unknown:
            raise InvalidInput(f"unknown fields in unanswered record: {', '.join(sorted(unknown))}")
        at_raw = data.get("at")
        at: datetime | None = None
        if at_raw is not None:
            if not isinstance(at_raw, str):
                raise InvalidInput("at must be an ISO 8601 string or null")
            try:
                at = datetime.fromisoformat(at_raw)
            except ValueError as exc:
                raise InvalidInput(f"at is not an ISO 8601 date-time: {at_raw!r}") from exc
        conversation_id = data.get("conversation_id")
        if conversation_id is not None and not isinstance(conversation_id, str):
            raise InvalidInput("conversation_id must be a string or null")
        return cls(
            text=data.get("text", ""),
            language=data.get("language"),
            reason=cast(Reason, data.get("reason")),
            count=data.get("count", 1),
            conversation_id=conversation_id,
            at=at,
        )


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A group of similar unanswered questions, proposed to a reviewer as one knowledge-base change.

    ``kind`` is ``"add_examples"`` when the group is close to an existing intent (named in
    ``intent``, with ``similarity`` to it), otherwise ``"new_intent"`` (``intent`` None,
    ``similarity`` 0.0).
    ``label`` is the group's most central text; ``examples`` are its distinct texts, most central
    first; ``size`` counts every occurrence, repeats included; ``reasons`` counts occurrences by
    why the bot did not answer.
    """

    kind: SuggestionKind
    intent: str | None
    label: str
    examples: list[str]
    size: int
    languages: list[str]
    similarity: float
    reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "intent": self.intent,
            "label": self.label,
            "examples": list(self.examples),
            "size": self.size,
            "languages": list(self.languages),
            "similarity": round(self.similarity, 4),
            "reasons": dict(self.reasons),
        }
