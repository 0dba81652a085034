"""Training settings of the intent and FAQ engine; the defaults are what the benchmarks ran."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from kefu.bot.nlu.features import AnalyzerConfig
from kefu.core.errors import InvalidInput


@dataclass(frozen=True)
class NluSettings:
    """How a model is trained.

    ``svm_c``: inverse regularisation of the linear SVM (chosen on clinc150 and leyzer-pl dev
    and smp2019-zh train cross-validation: 2.0; flat between 2 and 4, worse below 1).
    ``balanced_classes``: weigh every class equally in the SVM's loss, whatever its number of
    examples (scikit-learn's ``class_weight="balanced"``). Real knowledge bases are skewed —
    smp2019-zh has 1,297 QUERY examples and 1 for VIEW — and unweighted, a big class wins the
    messages between it and a small one. Chosen on leyzer-pl dev (best class 93.5 → 94.6) and
    smp2019-zh 4-fold cross-validation on train (91.6 → 93.1); clinc150 is balanced.
    ``char_min``/``char_max``: character n-gram lengths inside words; ``han_max``: longest
    Chinese character n-gram; ``word_max``: longest lemma n-gram.
    ``char_weight``: share of the character view in the sparse vector (the rest is words).
    ``calibration_folds``: cross-validation folds when no dev split with out-of-scope rows is
    given; ``holdout_class_share``: share of classes each fold withholds to act as unseen
    (out-of-scope) messages, when the knowledge base has fewer than 10 ``oos`` examples
    (with more, they are the held-out negatives and no class is withheld);
    ``in_scope_retention``: when a workspace has no out-of-scope evidence at all, a message is
    out of scope if its nearest example is further than for all but this share of the
    correctly recognised held-out in-scope messages. 0.99, not the 0.95 of
    out-of-distribution benchmarks: without evidence about out-of-scope traffic a rejection
    has a sure cost and an unknown benefit.
    ``encoder_weight``: share of the encoder embedding in the vector when an encoder is used.
    ``threshold``: a fixed out-of-scope threshold instead of the tuned one.
    ``oos_recall``: instead of balancing in-scope accuracy against out-of-scope recall, take
    the lowest threshold whose held-out out-of-scope recall reaches this share (needs real
    out-of-scope messages: a dev split with ``oos`` rows or ``oos`` examples).
    ``workers``: threads that train the final and the cross-validation models side by side
    (liblinear releases the GIL).
    """

    svm_c: float = 2.0
    balanced_classes: bool = True
    char_min: int = 2
    char_max: int = 5
    han_max: int = 3
    word_max: int = 2
    char_weight: float = 0.5
    calibration_folds: int = 3
    holdout_class_share: float = 0.1
    in_scope_retention: float = 0.99
    encoder_weight: float = 0.5
    seed: int = 13
    threshold: float | None = None
    oos_recall: float | None = None
    workers: int = 2

    def __post_init__(self) -> None:
        checks = [
            (self.svm_c > 0, "svm_c must be positive"),
            (1 <= self.char_min <= self.char_max <= 8, "need 1 <= char_min <= char_max <= 8"),
            (1 <= self.han_max <= 6, "han_max must lie in 1..6"),
            (1 <= self.word_max <= 4, "word_max must lie in 1..4"),
            (0.0 < self.char_weight < 1.0, "char_weight must lie strictly between 0 and 1"),
            (2 <= self.calibration_folds <= 10, "calibration_folds must lie in 2..10"),
            (0.0 <= self.holdout_class_share < 0.5, "holdout_class_share must lie in [0, 0.5)"),
            (0.5 <= self.in_scope_retention < 1.0, "in_scope_retention must lie in [0.5, 1)"),
            (0.0 < self.encoder_weight < 1.0, "encoder_weight must lie strictly between 0 and 1"),
            (
                self.threshold is None or 0.0 <= self.threshold <= 1.0,
                "threshold must lie in [0, 1]",
            ),
            (
                self.oos_recall is None or 0.0 < self.oos_recall < 1.0,
                "oos_recall must lie strictly between 0 and 1",
            ),
            (1 <= self.workers <= 32, "workers must lie in 1..32"),
        ]
        for ok, message in checks:
            if not ok:
                raise InvalidInput(f"invalid NLU settings: {message}")

    @property
    def analyzer(self) -> AnalyzerConfig:
        return AnalyzerConfig(
            char_min=self.char_min,
            char_max=self.char_max,
            han_max=self.han_max,
            word_max=self.word_max,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NluSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
