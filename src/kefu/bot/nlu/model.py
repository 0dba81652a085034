"""A trained workspace model and what it answers: prediction, confidence, alternatives."""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from kefu.bot.nlu import calibration
from kefu.bot.nlu.calibration import Calibration
from kefu.bot.nlu.encoder import SentenceEncoder, embed
from kefu.bot.nlu.features import FeatureSpace, analyze
from kefu.bot.nlu.scoring import Scorer
from kefu.bot.nlu.settings import NluSettings
from kefu.core.errors import InvalidInput

# Longer messages are cut before analysis so one pasted document cannot stall the bot.
MAX_MESSAGE_CHARS = 2000
TOP_K = 3

ClassKind = Literal["intent", "faq", "oos"]


@dataclass(frozen=True)
class ClassLabel:
    kind: ClassKind
    name: str


@dataclass(frozen=True)
class Candidate:
    """An alternative for a clarification question: intent name or FAQ id, and its probability."""

    name: str
    score: float
    kind: Literal["intent", "faq"]


@dataclass(frozen=True)
class Prediction:
    """What the engine understood.

    ``intent`` is the recognised intent name or FAQ id (``kind`` says which), None when the
    message is out of scope. ``confidence`` is the calibrated probability of the best in-scope
    class, also when it falls below the threshold. ``top`` holds up to three alternatives, best
    first, even for an out-of-scope message (the bot may offer them). ``answer`` is the
    knowledge base's answer for the recognised class, if it has one.
    """

    intent: str | None
    confidence: float
    out_of_scope: bool
    top: list[Candidate]
    language: str
    kind: Literal["intent", "faq"] | None = None
    answer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "kind": self.kind,
            "confidence": self.confidence,
            "out_of_scope": self.out_of_scope,
            "top": [{"name": c.name, "kind": c.kind, "score": c.score} for c in self.top],
            "language": self.language,
            "answer": self.answer,
        }


@dataclass(frozen=True)
class ModelMeta:
    """Provenance of a model: when, from what, how long, with which encoder."""

    fingerprint: str
    created_at: str
    train_seconds: float
    examples: int
    language_hint: str | None
    encoder_identity: str | None = None
    version: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class NluModel:
    """Immutable once built: safe to share between threads; a new knowledge base, a new model."""

    def __init__(
        self,
        *,
        labels: list[ClassLabel],
        answers: dict[str, str | None],
        space: FeatureSpace,
        scorer: Scorer,
        calibration: Calibration,
        settings: NluSettings,
        meta: ModelMeta,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        if (encoder is None) != (meta.encoder_identity is None):
            raise ValueError("the model's encoder does not match the encoder it was trained with")
        self.labels = labels
        self.answers = answers
        self.space = space
        self.scorer = scorer
        self.calibration = calibration
        self.settings = settings
        self.meta = meta
        self.encoder = encoder
        self._oos_classes = np.array([label.kind == "oos" for label in labels], dtype=bool)
        self._faq_classes = np.array([label.kind == "faq" for label in labels], dtype=bool)
        if calibration.source == "default":
            # too little data to calibrate: every class is ranked by its nearest example
            self._faq_classes = np.ones(len(labels), dtype=bool)
        self._params = calibration.params

    @property
    def version(self) -> int:
        return self.meta.version

    @property
    def threshold(self) -> float:
        if self.settings.threshold is not None:
            return self.settings.threshold
        return self.calibration.threshold

    def with_version(self, version: int) -> NluModel:
        meta = dataclasses.replace(self.meta, version=version)
        return NluModel(
            labels=self.labels,
            answers=self.answers,
            space=self.space,
            scorer=self.scorer,
            calibration=self.calibration,
            settings=self.settings,
            meta=meta,
            encoder=self.encoder,
        )

    def probabilities(self, text: str) -> tuple[np.ndarray, str, bool, float]:
        """Per-class probabilities (null alternative last), the language, whether any feature
        of the message was known to the model, and the similarity of its nearest example."""
        analysis = analyze(
            text[:MAX_MESSAGE_CHARS], self.space.config, hint=self.meta.language_hint
        )
        indices, values = self.space.row(analysis)
        embedding = None
        if self.encoder is not None:
            embedding = embed(self.encoder, [analysis.text])[0]
        known = len(indices) > 0 or embedding is not None
        decision, similarity = self.scorer.score_one(indices, values, embedding)
        z = calibration.logits(
            decision[None, :],
            similarity[None, :],
            self._oos_classes,
            self._faq_classes,
            self._params,
        )
        near = float(calibration.nearest(similarity[None, :], self._oos_classes)[0])
        return calibration.softmax(z)[0], analysis.language.code, known, near

    def predict(self, text: str) -> Prediction:
        if not isinstance(text, str):
            raise InvalidInput(f"predict() needs text, got {type(text).__name__}")
        p, language, known, near = self.probabilities(text)
        if not known:
            return Prediction(None, 0.0, True, [], language)
        class_p = np.where(self._oos_classes, -1.0, p[:-1])
        order = np.argsort(-class_p, kind="stable")[:TOP_K]
        top = [
            Candidate(
                name=self.labels[i].name,
                score=float(class_p[i]),
                kind="faq" if self.labels[i].kind == "faq" else "intent",
            )
            for i in order
            if class_p[i] >= 0.0
        ]
        best = top[0]
        out_of_scope = best.score < self.threshold or near < self.calibration.min_similarity
        if out_of_scope:
            return Prediction(None, best.score, True, top, language)
        return Prediction(
            intent=best.name,
            confidence=best.score,
            out_of_scope=False,
            top=top,
            language=language,
            kind=best.kind,
            answer=self.answers.get(best.name),
        )

    def memory_bytes(self) -> int:
        """Approximate resident size: arrays plus the vocabularies' dictionaries and strings."""
        total = self.scorer.nbytes
        for view in (self.space.chars, self.space.words):
            total += view.idf.nbytes + sys.getsizeof(view.vocabulary)
            total += sum(sys.getsizeof(term) + 32 for term in view.vocabulary)
        return int(total)
