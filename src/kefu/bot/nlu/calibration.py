"""Calibrated confidence and the out-of-scope threshold.

Each class c gets two scores for a message: the linear classifier's decision value d_c and the
cosine similarity s_c of the nearest training example of c (the retrieval matcher). A
conditional logit turns them into probabilities::

    z_c    = a * d_c + b * s_c * [c is a FAQ]
    z_null = n0 - n1 * max_c s_c                     p = softmax(z_1 … z_K, z_null)

Intents are ranked by the classifier (on clinc150 dev, adding the similarity to intents cost
accuracy); FAQs, which often have one or two phrasings, also by their nearest phrasing. The null
alternative ("none of these") grows as the message gets further from every example. ``a``,
``b``, ``n0`` and ``n1`` are fitted by maximum likelihood on messages the classifier has not
seen (a dev split or cross-validation folds); out-of-scope messages there have the null
alternative (or the workspace's ``oos`` class) as their answer.

Confidence is the probability of the best in-scope class. With real out-of-scope messages held
out (dev ``oos`` rows or the workspace's ``oos`` examples) a message is out of scope when its
confidence is below a threshold that maximises in-scope accuracy + out-of-scope recall on
them, each a rate, so the share of out-of-scope rows in the dev split does not tilt it; or,
when the workspace asks for a minimum out-of-scope recall, the lowest threshold that reaches
it. Without real out-of-scope messages, only novelty is evidence: a message is out of scope
when its nearest example is further than for all but ``1 - retention`` of the correctly
recognised held-out in-scope messages (the true-positive-rate rule of out-of-distribution
detection). Messages of withheld classes are not used for that threshold: they are harder
than typical out-of-scope traffic and would set it far too high.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

_NO_CLASS = -np.inf
_L2 = 1e-3
# Slope of the null logit against the nearest similarity when it cannot be learnt.
_DEFAULT_SLOPE = 10.0


@dataclass(frozen=True)
class Calibration:
    decision_weight: float
    faq_similarity_weight: float
    null_bias: float
    null_similarity_weight: float
    threshold: float
    source: str  # "dev", "cross-validation", "retention" or "default"
    rows: int
    negatives: int
    # a message whose nearest in-scope example is less similar than this is out of scope
    min_similarity: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        return cls(**data)

    @property
    def params(self) -> np.ndarray:
        return np.array(
            [
                self.decision_weight,
                self.faq_similarity_weight,
                self.null_bias,
                self.null_similarity_weight,
            ]
        )


@dataclass
class HeldOut:
    """Scores of held-out messages. ``target`` is a class index, or -1 for out of scope.

    ``decision`` and ``similarity`` are (rows × classes); a class a fold model did not know has
    similarity ``-inf`` there and is left out of that row's softmax. ``real_negative`` marks the
    out-of-scope rows that are real out-of-scope messages (dev ``oos`` rows, the workspace's
    ``oos`` examples) rather than messages of withheld classes.
    """

    decision: np.ndarray
    similarity: np.ndarray
    target: np.ndarray
    oos_classes: np.ndarray  # bool per class: the workspace's own "oos" class
    faq_classes: np.ndarray  # bool per class: FAQs, whose logit adds the retrieval similarity
    real_negative: np.ndarray


def nearest(similarity: np.ndarray, oos_classes: np.ndarray) -> np.ndarray:
    """Per row, the similarity of the nearest in-scope example (0 when no class is known)."""
    in_scope = np.where(oos_classes, -np.inf, similarity)
    best = in_scope.max(axis=1)
    return np.where(np.isfinite(best), best, 0.0)


def logits(
    decision: np.ndarray,
    similarity: np.ndarray,
    oos_classes: np.ndarray,
    faq_classes: np.ndarray,
    params: np.ndarray,
) -> np.ndarray:
    """(rows × classes+1) logits; the last column is the null alternative."""
    a, b, null_bias, null_sim = (float(v) for v in params)
    known = np.isfinite(similarity)
    z = a * decision + b * np.where(known & faq_classes, similarity, 0.0)
    z = np.where(known, z, _NO_CLASS)
    null = null_bias - null_sim * nearest(similarity, oos_classes)
    return np.concatenate([z, null[:, None]], axis=1)


def softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def confidences(p: np.ndarray, oos_classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best in-scope class per row and its probability (``p`` includes the null column)."""
    in_scope = np.where(oos_classes, 0.0, p[:, :-1])
    best = in_scope.argmax(axis=1)
    return best, in_scope[np.arange(len(best)), best]


def _negative_log_likelihood(
    theta: np.ndarray, held: HeldOut, use_null: bool
) -> tuple[float, np.ndarray]:
    params = theta if use_null else np.array([theta[0], theta[1], -1e9, 0.0])
    z = logits(held.decision, held.similarity, held.oos_classes, held.faq_classes, params)
    p = softmax(z)
    n_rows, n_cols = p.shape
    negative = held.target < 0
    wanted = np.zeros((n_rows, n_cols), dtype=bool)
    wanted[np.flatnonzero(~negative), held.target[~negative]] = True
    wanted[negative] = np.append(held.oos_classes, True)
    mass = np.maximum((p * wanted).sum(axis=1), 1e-300)
    loss = float(-np.log(mass).mean())
    # d loss / d z_j = p_j - wanted_j * p_j / mass (softmax restricted to the wanted set)
    grad_z = (p - wanted * p / mass[:, None]) / n_rows
    known = np.isfinite(held.similarity)
    class_grad = grad_z[:, :-1]
    grad = np.array(
        [
            (class_grad * np.where(known, held.decision, 0.0)).sum(),
            (class_grad * np.where(known & held.faq_classes, held.similarity, 0.0)).sum(),
            grad_z[:, -1].sum() if use_null else 0.0,
            -(grad_z[:, -1] * nearest(held.similarity, held.oos_classes)).sum()
            if use_null
            else 0.0,
        ]
    )
    penalty = theta.copy()
    penalty[2] = 0.0
    loss += _L2 * float(penalty @ penalty)
    return loss, grad + 2 * _L2 * penalty


def _fit_params(held: HeldOut, use_null: bool) -> np.ndarray:
    from scipy.optimize import minimize

    result = minimize(
        _negative_log_likelihood,
        x0=np.array([1.0, 0.0, 0.0, 0.0]),
        args=(held, use_null),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 200.0), (0.0, 200.0), (-200.0, 200.0), (0.0, 200.0)],
    )
    return np.asarray(result.x, dtype=np.float64)


def best_threshold(confidence: np.ndarray, accepted_ok: np.ndarray, negative: np.ndarray) -> float:
    """Threshold maximising in-scope accuracy + out-of-scope recall on held-out rows.

    ``accepted_ok`` marks in-scope rows whose best class is right (they count only when kept);
    ``negative`` marks out-of-scope rows (they count when rejected). Among equally good
    thresholds the middle one is taken, away from both edges of the plateau.
    """
    in_scope = ~negative
    n_in = max(int(in_scope.sum()), 1)
    n_neg = max(int(negative.sum()), 1)
    values = np.unique(confidence)
    candidates = np.concatenate([[0.0], (values[:-1] + values[1:]) / 2.0, [values[-1] + 1e-9]])
    ok_sorted = np.sort(confidence[in_scope & accepted_ok])
    neg_sorted = np.sort(confidence[negative])
    kept_ok = len(ok_sorted) - np.searchsorted(ok_sorted, candidates, side="left")
    rejected = np.searchsorted(neg_sorted, candidates, side="left")
    objective = kept_ok / n_in + rejected / n_neg
    best = np.flatnonzero(objective >= objective.max() - 1e-12)
    return float(candidates[best[len(best) // 2]])


def recall_threshold(confidence: np.ndarray, negative: np.ndarray, recall: float) -> float:
    """The lowest threshold that rejects at least ``recall`` of the out-of-scope rows."""
    ordered = np.sort(confidence[negative])
    needed = int(np.ceil(recall * len(ordered)))
    if needed <= 0:
        return 0.0
    if needed >= len(ordered):
        return float(np.nextafter(ordered[-1], np.inf))
    return float((ordered[needed - 1] + ordered[needed]) / 2.0)


def fit(
    held: HeldOut, *, source: str, retention: float, oos_recall: float | None = None
) -> Calibration:
    """Fit the conditional logit, then the threshold, on held-out scores."""
    negative = held.target < 0
    use_null = bool(negative.any())
    params = _fit_params(held, use_null)
    if not use_null:
        # Nothing to learn the null alternative from: it rises as the nearest example gets
        # further away than for all but (1 - retention) of the held-out in-scope messages.
        near = nearest(held.similarity, held.oos_classes)
        q = float(np.quantile(near, 1.0 - retention)) if len(near) else 0.5
        params[2:] = [_DEFAULT_SLOPE * q, _DEFAULT_SLOPE]
    p = softmax(logits(held.decision, held.similarity, held.oos_classes, held.faq_classes, params))
    best, conf = confidences(p, held.oos_classes)
    correct = (best == held.target) & ~negative
    real = held.real_negative & negative
    if real.any():
        # the threshold is chosen on real out-of-scope messages against in-scope ones only
        rows = ~negative | real
        if oos_recall is None:
            threshold = best_threshold(conf[rows], correct[rows], real[rows])
        else:
            threshold = recall_threshold(conf, real, oos_recall)
        n_neg = int(real.sum())
    else:
        # No real out-of-scope evidence. Low confidence may only mean that two known classes
        # compete (a case for a clarification question, not for a human), so confidence
        # rejects nothing; a message is out of scope when its nearest example is less similar
        # than for all but (1 - retention) of the correctly recognised held-out messages.
        near = nearest(held.similarity, held.oos_classes)
        kept = near[correct] if correct.any() else near[~negative]
        min_similarity = float(np.quantile(kept, 1.0 - retention)) if len(kept) else 0.0
        a, b, null_bias, null_sim = (float(v) for v in params)
        return Calibration(
            a, b, null_bias, null_sim, 0.0, "retention", len(held.target), 0, min_similarity
        )
    a, b, null_bias, null_sim = (float(v) for v in params)
    return Calibration(a, b, null_bias, null_sim, threshold, source, len(held.target), n_neg)
