"""Figures about the shipped packs: sizes, how independently the languages were written, and how
well a plain lexical baseline tells a pack's intents apart.

The baseline is deliberately simple (character n-gram TF-IDF and a linear SVM, cross-validated on
the pack's own examples): it measures the data, not a product classifier. Heavy libraries are
imported inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kefu.bot.packs.schema import Pack, normalize_example


@dataclass(frozen=True)
class PackStats:
    """Size of one pack."""

    industry: str
    language: str
    intents: int
    examples: int
    min_examples: int
    slot_intents: int
    handoff_intents: int


def pack_stats(pack: Pack) -> PackStats:
    counts = [len(intent.examples) for intent in pack.intents]
    return PackStats(
        industry=pack.industry,
        language=pack.language,
        intents=len(pack.intents),
        examples=sum(counts),
        min_examples=min(counts),
        slot_intents=sum(1 for intent in pack.intents if intent.slots),
        handoff_intents=sum(1 for intent in pack.intents if intent.handoff),
    )


def verbatim_share(
    source: Pack, target: Pack, convert: Callable[[str], str] | None = None
) -> float:
    """Share of ``source`` examples that appear, normalised (and converted), in ``target``."""
    target_keys = {normalize_example(e) for intent in target.intents for e in intent.examples}
    examples = [e for intent in source.intents for e in intent.examples]
    hits = sum(
        1
        for example in examples
        if normalize_example(convert(example) if convert else example) in target_keys
    )
    return hits / len(examples)


def separability(pack: Pack, *, folds: int = 4, seed: int = 0) -> float:
    """Cross-validated accuracy of a character n-gram linear baseline on the pack's examples.

    Every fold holds out a quarter of each intent's examples; the figure says how far apart the
    intents are written, and how much a lexical model can learn from this many examples.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    texts = np.array([normalize_example(e) for intent in pack.intents for e in intent.examples])
    labels = np.array([intent.name for intent in pack.intents for _ in intent.examples])
    correct = 0
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, labels):
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
        model = LinearSVC(C=0.5, random_state=seed)
        model.fit(vectorizer.fit_transform(texts[train]), labels[train])
        predicted = model.predict(vectorizer.transform(texts[test]))
        correct += int((predicted == labels[test]).sum())
    return correct / len(texts)
