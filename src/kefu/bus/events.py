"""The base of every typed event; each domain declares its events with a ``Literal`` type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T", bound="Event")

_TYPES: dict[str, type[Event]] = {}


class Event(BaseModel):
    """An event that happened in one workspace; published only after its transaction commits."""

    model_config = ConfigDict(frozen=True)

    type: str
    workspace_id: str


@dataclass(frozen=True, slots=True)
class Envelope:
    """An event with the id of its outbox row (unique, but not ordered across transactions)."""

    outbox_id: int
    event: Event


def event_type(cls: type[T]) -> type[T]:
    """Class decorator: lets the outbox turn a stored payload back into its typed event."""
    literal = cls.model_fields["type"].default
    if not isinstance(literal, str):
        raise TypeError(f"{cls.__name__}.type needs a Literal default")
    _TYPES[literal] = cls
    return cls


def parse_event(payload: dict[str, Any]) -> Event:
    """The typed event for a stored payload (a plain ``Event`` for an unknown type)."""
    cls = _TYPES.get(str(payload.get("type")), Event)
    return cls.model_validate(payload)
