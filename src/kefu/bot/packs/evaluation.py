"""How well the intent engine recognises a pack's intents in phrasings it was not trained on."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from kefu.bot.packs.schema import Pack, normalize_example

OOS = "oos"


@dataclass(frozen=True, slots=True)
class PackEvaluation:
    industry: str
    language: str
    intents: int
    heldout_rows: int  # in-scope rows that differ from every training phrasing
    accuracy: float  # percent of those whose intent the engine names
    accuracy_with_duplicates: float  # the same over all in-scope rows
    duplicates: int  # held-out rows equal to a training phrasing after normalisation
    oos_rejected: int
    oos_rows: int
    train_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def knowledge_base(pack: Pack) -> Any:
    """The pack as the intent engine's knowledge base (its phrasings, nothing else)."""
    from kefu.bot.nlu.kb import Intent, KnowledgeBase

    return KnowledgeBase(
        intents=[
            Intent(name=i.name, examples=list(i.examples), answer=i.answer) for i in pack.intents
        ]
    )


def evaluate_pack(pack: Pack, rows: Sequence[tuple[str, str]]) -> PackEvaluation:
    """Train on ``pack`` and score held-out ``rows`` of (text, intent or "oos").

    A row counts as right only when the engine names its intent: an out-of-scope answer to an
    in-scope row is wrong. Rows equal to a training phrasing are counted apart.
    """
    from kefu.bot.nlu.training import train

    started = time.perf_counter()
    model = train(knowledge_base(pack))
    train_seconds = time.perf_counter() - started
    seen = {normalize_example(e) for i in pack.intents for e in i.examples}
    in_scope = [(t, label) for t, label in rows if label != OOS]
    fresh = [(t, label) for t, label in in_scope if normalize_example(t) not in seen]
    oos = [t for t, label in rows if label == OOS]

    def accuracy(items: list[tuple[str, str]]) -> float:
        if not items:
            return 0.0
        right = sum(model.predict(t).intent == label for t, label in items)
        return round(100 * right / len(items), 1)

    return PackEvaluation(
        industry=pack.industry,
        language=pack.language,
        intents=len(pack.intents),
        heldout_rows=len(fresh),
        accuracy=accuracy(fresh),
        accuracy_with_duplicates=accuracy(in_scope),
        duplicates=len(in_scope) - len(fresh),
        oos_rejected=sum(model.predict(t).out_of_scope for t in oos),
        oos_rows=len(oos),
        train_seconds=round(train_seconds, 2),
    )
