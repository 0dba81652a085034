"""Slices of the real datasets (skipped when ../shared/datasets is absent): the engine beats
the README's baseline on the same slice, and traditional Chinese matches simplified."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

from kefu.bot.nlu import evaluate, knowledge_base_from_rows, read_labelled_csv, train
from kefu.bot.nlu.normalize import to_traditional

REPO = Path(__file__).resolve().parents[3]
DATASETS = Path(os.environ.get("KEFU_DATASETS_DIR", REPO.parent / "shared" / "datasets"))

Rows = list[tuple[str, str]]


def _load(name: str, split: str) -> Rows:
    path = DATASETS / name / f"{split}.csv"
    if not path.is_file():
        pytest.skip(f"dataset file {path} not available")
    return read_labelled_csv(path)


def _slice(rows: Rows, intents: set[str], per_intent: int | None = None) -> Rows:
    taken: dict[str, int] = defaultdict(int)
    out = []
    for text, intent in rows:
        if intent in intents and (per_intent is None or taken[intent] < per_intent):
            taken[intent] += 1
            out.append((text, intent))
    return out


def _baseline_accuracy(train_rows: Rows, test_rows: Rows) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    pipeline = make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True),
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        ),
        LinearSVC(C=1.0),
    )
    pipeline.fit([t for t, _ in train_rows], [i for _, i in train_rows])
    predicted = pipeline.predict([t for t, _ in test_rows])
    return (
        100.0 * sum(p == i for p, (_, i) in zip(predicted, test_rows, strict=True)) / len(test_rows)
    )


def test_clinc150_slice_recognises_and_rejects() -> None:
    train_all = _load("clinc150", "train")
    intents = sorted({i for _, i in train_all if i != "oos"})[:30]
    chosen = set(intents) | {"oos"}
    train_rows = _slice(train_all, chosen)
    dev = _slice(_load("clinc150", "dev"), chosen)
    test = _slice(_load("clinc150", "test"), set(intents), per_intent=10)
    test += [(t, i) for t, i in _load("clinc150", "test") if i == "oos"][:150]
    model = train(knowledge_base_from_rows(train_rows, "en"), dev=dev)
    result = evaluate(model, test, train_seconds=0.0)
    assert model.calibration.source == "dev"
    assert result.in_scope_accuracy is not None and result.in_scope_accuracy >= 85.0
    assert result.oos_recall is not None and result.oos_recall >= 60.0
    baseline_oos_recall = 17.5  # README: the baseline's oos recall on the full test
    assert result.oos_recall > baseline_oos_recall


def test_smp2019_traditional_test_is_as_good_as_simplified() -> None:
    train_rows = _load("smp2019-zh", "train")
    test = _load("smp2019-zh", "test")[::3]
    traditional = [(to_traditional(t), i) for t, i in test]
    assert sum(a != b for (a, _), (b, _) in zip(test, traditional, strict=True)) > len(test) // 2
    model = train(knowledge_base_from_rows(train_rows, "zh-Hans"))
    simplified = evaluate(model, test, train_seconds=0.0).in_scope_accuracy
    converted = evaluate(model, traditional, train_seconds=0.0).in_scope_accuracy
    assert simplified is not None and converted is not None
    assert abs(simplified - converted) <= 1.0
    assert converted > _baseline_accuracy(train_rows, traditional)


def test_leyzer_pl_slice_beats_the_baseline_without_diacritics() -> None:
    train_all = _load("leyzer-pl", "train")
    domains = sorted({i.split(".")[0] for _, i in train_all})[:6]
    intents = {i for _, i in train_all if i.split(".")[0] in domains}
    train_rows = _slice(train_all, intents)
    dev = _slice(_load("leyzer-pl", "dev"), intents)
    from kefu.bot.nlu.normalize import strip_latin_diacritics

    plain = [(strip_latin_diacritics(t), i) for t, i in dev]
    model = train(knowledge_base_from_rows(train_rows, "pl"))
    ours = evaluate(model, plain, train_seconds=0.0).in_scope_accuracy
    assert ours is not None
    assert ours >= _baseline_accuracy(train_rows, plain)
