"""Labelled CSV files (``text,intent``; ``oos`` marks out-of-scope rows) and evaluation metrics."""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kefu.bot.nlu.kb import Intent, KnowledgeBase
from kefu.bot.nlu.model import NluModel
from kefu.bot.nlu.training import OOS_LABEL
from kefu.core.errors import InvalidInput

HEADER = ["text", "intent"]


def read_labelled_csv(path: str | Path) -> list[tuple[str, str]]:
    """Rows of a ``text,intent`` CSV file; any problem is an InvalidInput naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InvalidInput(f"{path}: empty file, expected a 'text,intent' header")
            if [h.strip().lower() for h in header] != HEADER:
                raise InvalidInput(
                    f"{path}: header must be 'text,intent', got {','.join(header)!r}"
                )
            rows: list[tuple[str, str]] = []
            for record in reader:
                line = reader.line_num
                if not record or all(not cell.strip() for cell in record):
                    continue
                if len(record) != 2:
                    raise InvalidInput(f"{path}:{line}: expected 2 columns, got {len(record)}")
                text, intent = record[0].strip(), record[1].strip()
                if not text or not intent:
                    raise InvalidInput(f"{path}:{line}: empty text or intent")
                rows.append((text, intent))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise InvalidInput(f"{path}: malformed CSV ({exc})") from exc
    if not rows:
        raise InvalidInput(f"{path}: no data rows")
    return rows


def knowledge_base_from_rows(
    rows: Sequence[tuple[str, str]], language: str | None = None
) -> KnowledgeBase:
    """One intent per label, examples in file order; ``oos`` rows become out-of-scope examples."""
    examples: dict[str, list[str]] = defaultdict(list)
    oos: list[str] = []
    for text, intent in rows:
        if intent == OOS_LABEL:
            oos.append(text)
        else:
            examples[intent].append(text)
    if not examples:
        raise InvalidInput("the training rows have no in-scope intent (only 'oos' rows)")
    intents = [Intent(name=name, examples=texts) for name, texts in examples.items()]
    return KnowledgeBase(intents=intents, oos_examples=oos, language=language)


@dataclass(frozen=True)
class Evaluation:
    """Percentages 0–100; out-of-scope figures are None when the test has no ``oos`` rows."""

    in_scope_accuracy: float | None
    oos_recall: float | None
    oos_precision: float | None
    macro_f1: float
    train_seconds: float
    p50_ms: float
    p99_ms: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the labels that occur in ``truth`` (``oos`` included), as a percentage."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for t, p in zip(truth, predicted, strict=True):
        if t == p:
            tp[t] += 1
        else:
            fp[p] += 1
            fn[t] += 1
    labels = set(truth)
    scores = [2 * tp[k] / (2 * tp[k] + fp[k] + fn[k]) if tp[k] else 0.0 for k in labels]
    return 100.0 * float(np.mean(scores))


def _percent(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(100.0 * numerator / denominator, 2)


def evaluate(
    model: NluModel, rows: Sequence[tuple[str, str]], *, train_seconds: float
) -> Evaluation:
    """Predict every row one message at a time (as the bot does) and score the predictions."""
    if not rows:
        raise InvalidInput("no test rows")
    for text, _ in rows[: min(len(rows), 20)]:
        model.predict(text)  # warm caches (lemmatiser, jieba) so latency is steady-state
    truth: list[str] = []
    predicted: list[str] = []
    latency: list[float] = []
    for text, intent in rows:
        started = time.perf_counter()
        prediction = model.predict(text)
        latency.append(time.perf_counter() - started)
        truth.append(intent)
        predicted.append(OOS_LABEL if prediction.out_of_scope else (prediction.intent or ""))
    in_scope = [(t, p) for t, p in zip(truth, predicted, strict=True) if t != OOS_LABEL]
    oos_rows = [p for t, p in zip(truth, predicted, strict=True) if t == OOS_LABEL]
    rejected = sum(p == OOS_LABEL for p in predicted)
    has_oos = bool(oos_rows)
    ms = np.array(latency) * 1000.0
    return Evaluation(
        in_scope_accuracy=_percent(sum(t == p for t, p in in_scope), len(in_scope)),
        oos_recall=_percent(sum(p == OOS_LABEL for p in oos_rows), len(oos_rows)),
        oos_precision=(
            (_percent(sum(p == OOS_LABEL for p in oos_rows), rejected) or 0.0) if has_oos else None
        ),
        macro_f1=round(macro_f1(truth, predicted), 2),
        train_seconds=round(train_seconds, 2),
        p50_ms=round(float(np.percentile(ms, 50)), 3),
        p99_ms=round(float(np.percentile(ms, 99)), 3),
    )
