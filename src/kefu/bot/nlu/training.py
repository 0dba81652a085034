"""Training: from a knowledge base (and optionally a labelled dev split) to an :class:`NluModel`.

1. Every example is analysed once and turned into a unit-length TF-IDF vector.
2. Held-out scores for calibration come from the dev split when it has out-of-scope rows;
   otherwise from stratified cross-validation folds in which each fold also withholds a few
   whole classes, whose messages then play unseen, out-of-scope requests (the open-set
   protocol used in the unknown-intent literature), unless the workspace has enough ``oos``
   examples of its own: these are a class of their own and the held-out negatives.
3. The conditional logit and the threshold are fitted on those scores (calibration.py).
4. The final classifier and example index are trained on the whole knowledge base.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import scipy.sparse as sp

from kefu.bot.nlu import calibration
from kefu.bot.nlu.calibration import Calibration, HeldOut
from kefu.bot.nlu.encoder import SentenceEncoder, embed
from kefu.bot.nlu.features import FeatureSpace, analyze
from kefu.bot.nlu.kb import KnowledgeBase
from kefu.bot.nlu.model import ClassLabel, ModelMeta, NluModel
from kefu.bot.nlu.scoring import Scorer, fit_scorer
from kefu.bot.nlu.settings import NluSettings
from kefu.core.errors import InvalidInput

OOS_LABEL = "oos"
DEFAULT_SOURCE = "default"
# Fewer held-out in-scope messages than this and quantiles and likelihoods say little: the
# default, similarity-only rule applies instead.
MIN_CALIBRATION_ROWS = 10
DEFAULT_MIN_SIMILARITY = 0.3

Progress = Callable[[float, str], None]


def _quiet(fraction: float, stage: str) -> None:
    return None


def _class_labels(kb: KnowledgeBase) -> list[ClassLabel]:
    labels = [ClassLabel("intent", i.name) for i in kb.intents]
    labels += [ClassLabel("faq", f.id) for f in kb.faqs]
    if kb.oos_examples:
        labels.append(ClassLabel("oos", OOS_LABEL))
    return labels


class _Data:
    """The knowledge base as matrices: features, optional embeddings, class index per row."""

    def __init__(
        self, matrix: sp.csr_matrix, embeddings: np.ndarray | None, classes: np.ndarray
    ) -> None:
        self.matrix = matrix
        self.embeddings = embeddings
        self.classes = classes

    def rows(self, mask: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray | None, np.ndarray]:
        emb = None if self.embeddings is None else self.embeddings[mask]
        return self.matrix[mask], emb, self.classes[mask]


def _fit(data: _Data, mask: np.ndarray, n_classes: int, settings: NluSettings) -> Scorer:
    matrix, emb, classes = data.rows(mask)
    return fit_scorer(
        matrix,
        classes,
        n_classes,
        c=settings.svm_c,
        seed=settings.seed,
        balanced=settings.balanced_classes,
        embeddings=emb,
        encoder_weight=settings.encoder_weight,
    )


def _fold_plan(
    classes: np.ndarray, oos_class: int | None, settings: NluSettings
) -> tuple[np.ndarray, list[set[int]]]:
    """Fold of every row (stratified by class) and the classes each fold withholds entirely.

    Classes are withheld only when the workspace has fewer than MIN_CALIBRATION_ROWS ``oos``
    examples: they stand in for out-of-scope messages the workspace cannot show. With real ones
    they would only cost: a fold model that lacks a tenth of the classes also lacks the
    competitors its held-out messages would be confused with, so their confidence comes out
    higher than a full model's on new messages, and the threshold chosen on them too strict.
    """
    rng = np.random.default_rng(settings.seed)
    k = settings.calibration_folds
    fold = np.zeros(len(classes), dtype=np.int64)
    for cls in np.unique(classes):
        rows = rng.permutation(np.flatnonzero(classes == cls))
        fold[rows] = (np.arange(len(rows)) + rng.integers(k)) % k
    in_scope = [int(c) for c in np.unique(classes) if c != oos_class]
    per_fold = max(1, round(settings.holdout_class_share * len(in_scope)))
    withheld: list[set[int]] = [set() for _ in range(k)]
    real_negatives = 0 if oos_class is None else int((classes == oos_class).sum())
    if (
        settings.holdout_class_share > 0
        and real_negatives < MIN_CALIBRATION_ROWS
        and len(in_scope) - per_fold >= 2
    ):
        order = [in_scope[i] for i in rng.permutation(len(in_scope))]
        for f in range(k):
            chunk = order[f * per_fold : (f + 1) * per_fold]
            withheld[f] = set(chunk)
    return fold, withheld


@dataclass(frozen=True)
class _Fold:
    train: np.ndarray  # rows the fold model learns from
    held: np.ndarray  # rows it scores: its own fold, plus every row of its withheld classes


def _folds(data: _Data, oos_class: int | None, settings: NluSettings) -> list[_Fold]:
    fold, withheld = _fold_plan(data.classes, oos_class, settings)
    jobs = []
    for f in range(settings.calibration_folds):
        out = np.isin(data.classes, list(withheld[f]))
        job = _Fold(train=(fold != f) & ~out, held=(fold == f) | out)
        if job.train.any() and job.held.any():
            jobs.append(job)
    return jobs


def _score_fold(
    data: _Data, job: _Fold, labels: list[ClassLabel], oos_class: int | None, settings: NluSettings
) -> HeldOut:
    scorer = _fit(data, job.train, len(labels), settings)
    # n-grams that only held-out rows have are unknown to the fold model: dropped, while their
    # share of the length stays, the same treatment prediction gives n-grams unknown to a model
    matrix, emb, classes = data.rows(job.held)
    seen = np.asarray(data.matrix[job.train].getnnz(axis=0) > 0)
    matrix = (matrix @ sp.diags(seen.astype(np.float32))).tocsr()
    matrix.eliminate_zeros()
    decision, similarity = scorer.score_many(matrix, emb)
    # a message whose class the fold model never saw is, for that model, out of scope
    target = np.where(scorer.present[classes], classes, -1)
    real = np.zeros(len(classes), dtype=bool)
    if oos_class is not None:
        real = classes == oos_class
        target = np.where(real, -1, target)
    return HeldOut(
        decision, similarity, target, _kind_mask(labels, "oos"), _kind_mask(labels, "faq"), real
    )


def _kind_mask(labels: list[ClassLabel], kind: str) -> np.ndarray:
    return np.array([label.kind == kind for label in labels], dtype=bool)


def _dev_rows(
    dev: Sequence[tuple[str, str]], labels: list[ClassLabel]
) -> tuple[list[str], np.ndarray]:
    index = {label.name: i for i, label in enumerate(labels) if label.kind != "oos"}
    texts: list[str] = []
    targets: list[int] = []
    for position, row in enumerate(dev):
        if len(row) != 2 or not isinstance(row[0], str) or not isinstance(row[1], str):
            raise InvalidInput(f"dev row {position}: expected (text, intent)")
        text, label = row
        if not text.strip():
            raise InvalidInput(f"dev row {position}: empty text")
        texts.append(text)
        # A dev label the knowledge base does not have is, for this model, out of scope.
        targets.append(index.get(label.strip(), -1))
    return texts, np.array(targets, dtype=np.int64)


def _merge(held: list[HeldOut]) -> HeldOut:
    return HeldOut(
        decision=np.concatenate([h.decision for h in held]),
        similarity=np.concatenate([h.similarity for h in held]),
        target=np.concatenate([h.target for h in held]),
        oos_classes=held[0].oos_classes,
        faq_classes=held[0].faq_classes,
        real_negative=np.concatenate([h.real_negative for h in held]),
    )


def _default_calibration(rows: int) -> Calibration:
    """Too little was held out to learn from (a handful of examples, or every class has a single
    one): rank every class by its nearest example and accept a message whose cosine similarity
    to it is at least DEFAULT_MIN_SIMILARITY, i.e. that shares roughly a third of its weighted
    n-grams with an example. The model applies the similarity term to all classes for this
    source. More phrasings or a few out-of-scope examples give a calibrated model instead.
    """
    slope = 10.0
    return Calibration(
        decision_weight=0.0,
        faq_similarity_weight=slope,
        null_bias=slope * DEFAULT_MIN_SIMILARITY,
        null_similarity_weight=0.0,
        threshold=0.0,
        source=DEFAULT_SOURCE,
        rows=rows,
        negatives=0,
        min_similarity=DEFAULT_MIN_SIMILARITY,
    )


def train(
    kb: KnowledgeBase,
    *,
    dev: Sequence[tuple[str, str]] | None = None,
    settings: NluSettings | None = None,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
) -> NluModel:
    """Train a model for ``kb``. ``dev`` rows are (text, intent name / FAQ id / "oos")."""
    if not isinstance(kb, KnowledgeBase):
        raise InvalidInput("train() needs a KnowledgeBase")
    settings = settings or NluSettings()
    report = progress or _quiet
    started = time.perf_counter()
    labels = _class_labels(kb)
    index = {(label.kind, label.name): i for i, label in enumerate(labels)}
    rows = kb.labelled_texts()
    classes = np.array([index[(row.kind, row.name)] for row in rows], dtype=np.int64)
    oos_class = index.get(("oos", OOS_LABEL))

    report(0.0, "analysing examples")
    config = settings.analyzer
    analyses = [analyze(row.text, config, hint=kb.language) for row in rows]
    space = FeatureSpace.fit(analyses, settings.char_weight, config)
    embeddings = None
    if encoder is not None:
        report(0.05, "encoding examples")
        embeddings = embed(encoder, [a.text for a in analyses])
    data = _Data(space.matrix(analyses), embeddings, classes)

    dev_texts, dev_targets = _dev_rows(dev or [], labels)
    # A dev split with out-of-scope rows calibrates on its own; otherwise cross-validation.
    use_dev = bool((dev_targets < 0).any())
    jobs = [] if use_dev else _folds(data, oos_class, settings)
    everything = np.ones(len(classes), dtype=bool)
    held: list[HeldOut] = []
    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="kefu-nlu") as pool:
        final_job: Future[Scorer] = pool.submit(_fit, data, everything, len(labels), settings)
        fold_jobs: list[Future[HeldOut]] = [
            pool.submit(_score_fold, data, job, labels, oos_class, settings) for job in jobs
        ]
        total = len(fold_jobs) + 1
        pending: list[Future[Any]] = [final_job, *fold_jobs]
        for done, _ in enumerate(as_completed(pending), start=1):
            report(0.1 + 0.7 * done / total, f"trained {done} of {total} models")
        final = final_job.result()
        held += [job.result() for job in fold_jobs]

    if dev_texts:
        report(0.8, "scoring the dev split")
        dev_analyses = [analyze(t, config, hint=kb.language) for t in dev_texts]
        dev_emb = None
        if encoder is not None:
            dev_emb = embed(encoder, [a.text for a in dev_analyses])
        decision, similarity = final.score_many(space.matrix(dev_analyses), dev_emb)
        oos_mask, faq_mask = _kind_mask(labels, "oos"), _kind_mask(labels, "faq")
        held.append(HeldOut(decision, similarity, dev_targets, oos_mask, faq_mask, dev_targets < 0))
    source = "dev" if use_dev else "cross-validation"

    report(0.8, "calibrating confidence")
    merged = _merge(held) if held else None
    positives = 0 if merged is None else int((merged.target >= 0).sum())
    if merged is None or positives < MIN_CALIBRATION_ROWS:
        fitted = _default_calibration(0 if merged is None else len(merged.target))
    else:
        fitted = calibration.fit(
            merged,
            source=source,
            retention=settings.in_scope_retention,
            oos_recall=settings.oos_recall,
        )

    meta = ModelMeta(
        fingerprint=kb.fingerprint(),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_seconds=round(time.perf_counter() - started, 3),
        examples=len(rows),
        language_hint=kb.language,
        encoder_identity=None if encoder is None else encoder.identity,
    )
    report(1.0, "done")
    return NluModel(
        labels=labels,
        answers=kb.answers(),
        space=space,
        scorer=final,
        calibration=fitted,
        settings=settings,
        meta=meta,
        encoder=encoder,
    )
