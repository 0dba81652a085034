"""A tiny deterministic classifier over a pack's own examples, and helpers for dialogue tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kefu.bot.dialogue import (
    Context,
    DialogueEngine,
    DialogueState,
    EngineSettings,
    InMemoryShop,
    Order,
    Turn,
)
from kefu.bot.packs import Pack, load_pack
from kefu.bot.packs.schema import normalize_example


@dataclass(frozen=True)
class Cand:
    name: str
    score: float


@dataclass(frozen=True)
class Pred:
    intent: str | None
    confidence: float
    out_of_scope: bool
    top: Sequence[Cand]
    language: str | None


@dataclass
class ExampleClassifier:
    """Exact match (after normalisation) against the pack's examples; anything else is out of
    scope. ``ambiguous`` maps a text to two intents with close scores (for clarification)."""

    pack: Pack
    ambiguous: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)
    calls: int = 0

    def predict(self, text: str) -> Pred:
        self.calls += 1
        key = normalize_example(text)
        if key in self.extra:
            name = self.extra[key]
            return Pred(name, 0.9, False, [Cand(name, 0.9)], None)
        if key in self.ambiguous:
            first, second = self.ambiguous[key]
            return Pred(first, 0.46, False, [Cand(first, 0.46), Cand(second, 0.41)], None)
        for intent in self.pack.intents:
            if any(normalize_example(example) == key for example in intent.examples):
                return Pred(intent.name, 0.97, False, [Cand(intent.name, 0.97)], None)
        return Pred(None, 0.05, True, [], None)


ORDERS = {
    "KF-10234": Order("KF-10234", "shipped", "DPD", "0034 5566", "Friday", "149.00 PLN"),
    "A1234": Order("A1234", "being packed", None, None, None, "30.00"),
}


def make_engine(
    industry: str,
    language: str,
    *,
    shop: InMemoryShop | None = None,
    ambiguous: Mapping[str, tuple[str, str]] | None = None,
    extra: Mapping[str, str] | None = None,
    **settings: object,
) -> DialogueEngine:
    pack = load_pack(industry, language)
    classifier = ExampleClassifier(pack, ambiguous or {}, extra or {})
    return DialogueEngine(
        pack,
        classifier,
        shop if shop is not None else InMemoryShop(ORDERS),
        settings=EngineSettings(**settings),  # type: ignore[arg-type]
    )


def context(language: str = "en", **overrides: object) -> Context:
    values: dict[str, object] = {
        "workspace_name": "Acme",
        "business_hours": "Mon-Fri 9:00-18:00",
        "contact_name": "Ann",
        "language": language,
    }
    values.update(overrides)
    return Context(**values)  # type: ignore[arg-type]


def example(industry: str, language: str, intent: str, index: int = 0) -> str:
    return load_pack(industry, language).intent(intent).examples[index]


class Chat:
    """Drives one conversation through an engine, keeping the state like the server would."""

    def __init__(self, engine: DialogueEngine, ctx: Context) -> None:
        self.engine = engine
        self.ctx = ctx
        self.state = DialogueState()
        self.turns: list[Turn] = []

    def say(self, text: str, payload: str | None = None) -> Turn:
        # Round-trip through JSON-shaped data each turn, as the server stores it.
        self.state = DialogueState.from_dict(self.state.to_dict())
        turn = self.engine.respond(text, self.state, self.ctx, payload=payload)
        self.state = turn.state
        self.turns.append(turn)
        return turn

    def text(self, turn: Turn) -> str:
        return "\n".join(message.text for message in turn.messages)
