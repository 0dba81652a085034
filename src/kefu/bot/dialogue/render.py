"""Answer templates rendered in Jinja2's sandbox with only the whitelisted variables.

Undefined names render as empty text (never an exception); a template that cannot be parsed or
rendered raises :class:`TemplateFailed`, which the engine turns into a clear fallback and logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from kefu.bot.dialogue.connector import Booking, Course, Order
from kefu.bot.packs.schema import LOOKUP_FIELDS

_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +([.,!?;:。，！？；：])")


class TemplateFailed(Exception):
    """A template that does not parse or fails while rendering (message names the problem)."""


@dataclass(frozen=True)
class RenderValues:
    """Everything a template may read; the names are those of ``TEMPLATE_VARIABLES``."""

    contact_name: str
    workspace_name: str
    business_hours: str
    order: Order | None = None
    booking: Booking | None = None
    course: Course | None = None
    slots: Mapping[str, str] = field(default_factory=dict)

    def namespace(self) -> dict[str, Any]:
        """Plain dictionaries holding only whitelisted fields; nothing else is reachable."""
        values: dict[str, Any] = {
            "contact": {"name": self.contact_name},
            "workspace": {"name": self.workspace_name},
            "business_hours": self.business_hours,
            "slots": dict(self.slots),
        }
        for root, record in (
            ("order", self.order),
            ("booking", self.booking),
            ("course", self.course),
        ):
            if record is not None:
                data = asdict(record)
                values[root] = {
                    name: "" if data.get(name) is None else str(data[name])
                    for name in LOOKUP_FIELDS[root]
                }
        return values


class TemplateRenderer:
    """One sandbox per engine; parsed templates are cached by their source."""

    def __init__(self, cache_size: int = 512) -> None:
        self._env = SandboxedEnvironment(autoescape=False, undefined=ChainableUndefined)
        self._cache: dict[str, Template] = {}
        self._cache_size = cache_size

    def render(self, source: str, values: RenderValues) -> str:
        template = self._cache.get(source)
        if template is None:
            try:
                template = self._env.from_string(source)
            except TemplateError as exc:
                raise TemplateFailed(f"template does not parse: {exc}") from exc
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[source] = template
        try:
            text = template.render(values.namespace())
        except Exception as exc:  # a merchant's template must never break the conversation
            raise TemplateFailed(f"template failed while rendering: {exc}") from exc
        return tidy(text)


def tidy(text: str) -> str:
    """Collapse the gaps an ``{% if %}`` leaves behind; the result is plain text."""
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return "\n".join(line.strip() for line in text.strip().splitlines())
