"""Typed models of an industry script pack (话术库) and the rules every pack must satisfy.

A pack is one industry in one language. Its intents come from the industry's catalog (the ids,
descriptions and handoff reasons, shared by every language) merged with the language file (examples,
answer template, quick replies, slots). Everything here is pure validation: no file access.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Literal

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

Industry = Literal["ecommerce", "education", "catering", "tourism"]
Language = Literal["zh-CN", "zh-TW", "en", "pl"]
HandoffReason = Literal["asked_for_human", "complaint"]
SlotAction = Literal["lookup_order", "lookup_booking", "create_booking", "lookup_course"]

INDUSTRIES: tuple[Industry, ...] = ("ecommerce", "education", "catering", "tourism")
LANGUAGES: tuple[Language, ...] = ("zh-CN", "zh-TW", "en", "pl")

MIN_INTENTS = 40
MIN_EXAMPLES = 12
MAX_QUICK_REPLIES = 4

# The only names an answer template may read; the dialogue engine fills them in at render time.
ALWAYS_AVAILABLE = frozenset({"contact.name", "workspace.name", "business_hours"})
LOOKUP_FIELDS: dict[str, frozenset[str]] = {
    "order": frozenset({"number", "status", "carrier", "tracking_number", "eta", "total"}),
    "booking": frozenset({"date", "time", "party_size"}),
    "course": frozenset({"name", "schedule"}),
}
TEMPLATE_VARIABLES = ALWAYS_AVAILABLE | frozenset(
    f"{root}.{field}" for root, fields in LOOKUP_FIELDS.items() for field in fields
)
# Which slot action makes the fields under each root available to the answer.
ACTIONS_PROVIDING: dict[str, frozenset[str]] = {
    "order": frozenset({"lookup_order"}),
    "booking": frozenset({"lookup_booking", "create_booking"}),
    "course": frozenset({"lookup_course"}),
}
_ROOTS = frozenset(
    {"contact", "workspace", "business_hours", "order", "booking", "course", "slots"}
)

SnakeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Example = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]

_WHITESPACE = re.compile(r"\s+")
# Validation context of a pack as a merchant edited it: the size minimums are for the packs
# Kefu ships; a workspace may keep an intent with one example, or only ten intents.
EDITED = {"edited": True}


def _edited(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("edited"))


def normalize_example(text: str) -> str:
    """The form two examples are compared in: NFKC, casefolded, whitespace collapsed."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def template_variables(source: str) -> set[str]:
    """Every variable an answer template reads, as dotted names (``order.number``).

    The template is parsed, never rendered. A root read without an attribute is returned bare
    (``order``) so the caller rejects it; ``slots.<name>`` is returned as such.
    Raises ``ValueError`` when the template does not parse.
    """
    env = SandboxedEnvironment(autoescape=False)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template syntax error on line {exc.lineno}: {exc.message}") from exc
    found: set[str] = set()
    for node, parent in _walk(tree, None):
        if not isinstance(node, nodes.Name) or node.ctx != "load":
            continue
        if isinstance(parent, nodes.Getattr) and parent.node is node:
            found.add(f"{node.name}.{parent.attr}")
        elif (
            isinstance(parent, nodes.Getitem)
            and parent.node is node
            and isinstance(parent.arg, nodes.Const)
        ):
            found.add(f"{node.name}.{parent.arg.value}")
        else:
            found.add(node.name)
    return found


def _walk(
    node: nodes.Node, parent: nodes.Node | None
) -> Iterator[tuple[nodes.Node, nodes.Node | None]]:
    yield node, parent
    for child in node.iter_child_nodes():
        yield from _walk(child, node)


def _frozen() -> ConfigDict:
    return ConfigDict(frozen=True, extra="forbid")


class CatalogIntent(BaseModel):
    """One intent of an industry: the same id, meaning and handoff in every language."""

    model_config = _frozen()

    name: SnakeName
    description: Text
    handoff: HandoffReason | None = None


REQUIRED_INTENTS: dict[str, HandoffReason | None] = {
    "greeting": None,
    "thanks": None,
    "goodbye": None,
    "talk_to_human": "asked_for_human",
    "complaint": "complaint",
    "business_hours": None,
}


class Catalog(BaseModel):
    """The intents of one industry (``data/<industry>/intents.yaml``)."""

    model_config = _frozen()

    industry: Industry
    intents: tuple[CatalogIntent, ...]

    @model_validator(mode="after")
    def _check(self) -> Catalog:
        names = [intent.name for intent in self.intents]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate intent names: {', '.join(duplicates)}")
        if len(names) < MIN_INTENTS:
            raise ValueError(f"{len(names)} intents; a catalog needs at least {MIN_INTENTS}")
        by_name = {intent.name: intent for intent in self.intents}
        for name, handoff in REQUIRED_INTENTS.items():
            if name not in by_name:
                raise ValueError(f"required intent {name!r} is missing")
            if by_name[name].handoff != handoff:
                raise ValueError(f"intent {name!r} must have handoff {handoff!r}")
        return self


class QuickReply(BaseModel):
    """A button under the answer; pressing it sends ``title`` and selects ``intent`` directly."""

    model_config = _frozen()

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    intent: SnakeName


class Slot(BaseModel):
    """A value the bot asks for before answering; ``action`` runs once every slot is filled."""

    model_config = _frozen()

    name: SnakeName
    prompt: Text
    retry_prompt: Text
    pattern: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    example: Example
    action: SlotAction

    @model_validator(mode="after")
    def _pattern_matches_example(self) -> Slot:
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"slot {self.name!r}: invalid pattern: {exc}") from exc
        if compiled.fullmatch(self.example) is None:
            raise ValueError(
                f"slot {self.name!r}: pattern does not match its own example {self.example!r}"
            )
        return self

    def accepts(self, value: str) -> bool:
        """Whether a customer's reply is a valid value for this slot."""
        return re.fullmatch(self.pattern, value.strip()) is not None


class PackIntent(BaseModel):
    """One intent in one language: catalog fields, what customers say and what the bot answers."""

    model_config = _frozen()

    name: SnakeName
    description: Text
    handoff: HandoffReason | None = None
    examples: tuple[Example, ...]
    answer: Text
    quick_replies: tuple[QuickReply, ...] = Field(default=(), max_length=MAX_QUICK_REPLIES)
    slots: tuple[Slot, ...] = ()

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> PackIntent:
        if not self.examples:
            raise ValueError(f"intent {self.name!r} has no examples")
        if len(self.examples) < MIN_EXAMPLES and not _edited(info):
            raise ValueError(
                f"intent {self.name!r}: {len(self.examples)} examples; at least {MIN_EXAMPLES}"
            )
        slot_names = [slot.name for slot in self.slots]
        if len(set(slot_names)) != len(slot_names):
            raise ValueError(f"intent {self.name!r}: duplicate slot names")
        actions: set[str] = {slot.action for slot in self.slots}
        if len(actions) > 1:
            raise ValueError(
                f"intent {self.name!r}: all slots of an intent feed one action, "
                f"got {sorted(actions)}"
            )
        try:
            used = template_variables(self.answer)
        except ValueError as exc:
            raise ValueError(f"intent {self.name!r}: {exc}") from exc
        for variable in sorted(used):
            problem = self._variable_problem(variable, set(slot_names), actions)
            if problem:
                raise ValueError(f"intent {self.name!r}: answer uses {variable!r}: {problem}")
        titles = [reply.title for reply in self.quick_replies]
        if len(set(titles)) != len(titles):
            raise ValueError(f"intent {self.name!r}: duplicate quick reply titles")
        if any(reply.intent == self.name for reply in self.quick_replies):
            raise ValueError(f"intent {self.name!r}: a quick reply points back to the same intent")
        return self

    @staticmethod
    def _variable_problem(variable: str, slot_names: set[str], actions: set[str]) -> str | None:
        root, _, field = variable.partition(".")
        if root not in _ROOTS or not (field or variable in ALWAYS_AVAILABLE):
            return "unknown variable"
        if variable in ALWAYS_AVAILABLE:
            return None
        if root == "slots":
            return None if field in slot_names else "no slot of that name in this intent"
        if root in LOOKUP_FIELDS:
            if field not in LOOKUP_FIELDS[root]:
                return "unknown field"
            if not actions & ACTIONS_PROVIDING[root]:
                return f"needs a slot whose action is one of {sorted(ACTIONS_PROVIDING[root])}"
            return None
        return "unknown variable"


class Pack(BaseModel):
    """One industry in one language, fully validated."""

    model_config = _frozen()

    industry: Industry
    language: Language
    intents: tuple[PackIntent, ...]

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Pack:
        names = [intent.name for intent in self.intents]
        if len(set(names)) != len(names):
            raise ValueError("duplicate intent names")
        if not names:
            raise ValueError("a pack needs at least one intent")
        if len(names) < MIN_INTENTS and not _edited(info):
            raise ValueError(f"{len(names)} intents; a pack needs at least {MIN_INTENTS}")
        seen: dict[str, str] = {}
        for intent in self.intents:
            for example in intent.examples:
                key = normalize_example(example)
                if key in seen:
                    raise ValueError(
                        f"example {example!r} of {intent.name!r} duplicates one of {seen[key]!r}"
                    )
                seen[key] = intent.name
        known = set(names)
        for intent in self.intents:
            for reply in intent.quick_replies:
                if reply.intent not in known:
                    raise ValueError(
                        f"intent {intent.name!r}: quick reply {reply.title!r} points to unknown "
                        f"intent {reply.intent!r}"
                    )
        return self

    def intent(self, name: str) -> PackIntent:
        """The intent called ``name``; ``KeyError`` when the pack has none."""
        for intent in self.intents:
            if intent.name == name:
                return intent
        raise KeyError(name)


class PackInfo(BaseModel):
    """What ``kefu packs list`` shows: one row per shipped pack."""

    model_config = _frozen()

    industry: Industry
    language: Language
    intents: int


class PackFileSlot(BaseModel):
    """A slot as written in a language file."""

    model_config = _frozen()

    name: str
    prompt: str
    retry_prompt: str
    pattern: str
    example: str
    action: str


class PackFileIntent(BaseModel):
    """One intent as written in a language file (``data/<industry>/<lang>.yaml``)."""

    model_config = _frozen()

    examples: tuple[str, ...]
    answer: str
    quick_replies: tuple[QuickReply, ...] = ()
    slots: tuple[PackFileSlot, ...] = ()


class PackFile(BaseModel):
    """The raw shape of a language file, before it is merged with the catalog."""

    model_config = _frozen()

    industry: Industry
    language: Language
    intents: dict[str, PackFileIntent]


def build_pack(catalog: Catalog, pack_file: PackFile) -> Pack:
    """Merge a catalog with one language file; every catalog intent must be present, no others."""
    if pack_file.industry != catalog.industry:
        raise ValueError(
            f"language file is for industry {pack_file.industry!r}, "
            f"catalog for {catalog.industry!r}"
        )
    catalog_names = [intent.name for intent in catalog.intents]
    missing = [name for name in catalog_names if name not in pack_file.intents]
    if missing:
        raise ValueError(f"intents of the catalog missing in {pack_file.language}: {missing}")
    extra = sorted(set(pack_file.intents) - set(catalog_names))
    if extra:
        raise ValueError(f"intents not in the catalog: {extra}")
    intents = []
    for entry in catalog.intents:
        written = pack_file.intents[entry.name]
        intents.append(
            PackIntent.model_validate(
                {
                    "name": entry.name,
                    "description": entry.description,
                    "handoff": entry.handoff,
                    "examples": written.examples,
                    "answer": written.answer,
                    "quick_replies": written.quick_replies,
                    "slots": [slot.model_dump() for slot in written.slots],
                }
            )
        )
    return Pack(industry=catalog.industry, language=pack_file.language, intents=tuple(intents))
