"""The two recognisers behind every prediction: a linear classifier and a nearest-example matcher.

Both read the same feature vectors (plus, optionally, a sentence encoder's embedding). A
message's vector is shorter than one when some of its n-grams are unknown (features.py). The
matcher uses it as it is, so unknown words lower the similarity. The classifier's decision is
``w·x + b·|x|``, i.e. the decision for the unit-length vector scaled by the length: it ranks
classes by the known words alone, and is less sure the more of the message it does not know.

The classifier is a one-vs-rest linear SVM; the matcher returns, per class, the cosine
similarity of the closest training example (for a FAQ: its question or one of its similar
questions). Weights are kept feature-major so scoring one message touches only the rows of
the features it contains.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_CHUNK = 512


@dataclass
class Scorer:
    coef: np.ndarray  # (features × classes) float32
    intercept: np.ndarray  # (classes,) float32
    examples_t: sp.csr_matrix  # (features × examples) float32, examples grouped by class
    example_class: np.ndarray  # (examples,) int32, non-decreasing
    present: np.ndarray  # (classes,) bool: the class had training examples
    enc_coef: np.ndarray | None = None  # (encoder dim × classes)
    enc_examples: np.ndarray | None = None  # (examples × encoder dim), already weighted

    @property
    def n_classes(self) -> int:
        return int(self.present.shape[0])

    def _per_class_max(self, sims: np.ndarray) -> np.ndarray:
        """(rows × examples) similarities → (rows × classes) best similarity, -inf if absent."""
        out = np.full((sims.shape[0], self.n_classes), -np.inf, dtype=np.float32)
        if sims.shape[1] == 0:
            return out
        starts = np.flatnonzero(np.r_[True, np.diff(self.example_class) != 0])
        classes = self.example_class[starts]
        out[:, classes] = np.maximum.reduceat(sims, starts, axis=1)
        return out

    def score_one(
        self, indices: np.ndarray, values: np.ndarray, embedding: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        norm = np.float32(np.sqrt(np.dot(values, values)))
        decision = values @ self.coef[indices] + self.intercept * norm
        sims = np.asarray(self.examples_t[indices].T @ values).ravel()
        if embedding is not None and self.enc_coef is not None and self.enc_examples is not None:
            decision = decision + embedding @ self.enc_coef
            sims = sims + self.enc_examples @ embedding
        decision = np.where(self.present, decision, 0.0)
        return decision.astype(np.float32), self._per_class_max(sims[None, :])[0]

    def score_many(
        self, matrix: sp.csr_matrix, embeddings: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        decision = np.asarray(matrix @ self.coef) + norms[:, None] * self.intercept
        if embeddings is not None and self.enc_coef is not None:
            decision = decision + embeddings @ self.enc_coef
        similarity = np.empty((matrix.shape[0], self.n_classes), dtype=np.float32)
        examples = self.examples_t.T.tocsr()
        for start in range(0, matrix.shape[0], _CHUNK):
            block = slice(start, start + _CHUNK)
            sims = np.asarray((matrix[block] @ examples.T).toarray(), dtype=np.float32)
            if embeddings is not None and self.enc_examples is not None:
                sims += embeddings[block] @ self.enc_examples.T
            similarity[block] = self._per_class_max(sims)
        decision = np.where(self.present, decision, 0.0)
        return decision.astype(np.float32), similarity

    @property
    def nbytes(self) -> int:
        total = self.coef.nbytes + self.intercept.nbytes + self.example_class.nbytes
        total += self.examples_t.data.nbytes + self.examples_t.indices.nbytes
        total += self.examples_t.indptr.nbytes
        for extra in (self.enc_coef, self.enc_examples):
            if extra is not None:
                total += extra.nbytes
        return int(total)


def fit_scorer(
    matrix: sp.csr_matrix,
    labels: np.ndarray,
    n_classes: int,
    *,
    c: float,
    seed: int,
    balanced: bool = False,
    embeddings: np.ndarray | None = None,
    encoder_weight: float = 0.0,
) -> Scorer:
    """Train the classifier and index the examples. ``labels`` are class indices per row."""
    order = np.argsort(labels, kind="stable")
    matrix = matrix[order]
    labels = labels[order]
    present = np.zeros(n_classes, dtype=bool)
    present[labels] = True

    # The full vector is [sqrt(1-w)·x, sqrt(w)·e]: unit length when x and e are. The classifier
    # is trained on it; weights and examples are stored pre-scaled so that scoring reads the raw
    # x and e of a message.
    w = encoder_weight if embeddings is not None else 0.0
    design = matrix * math.sqrt(1.0 - w)
    if embeddings is not None:
        embeddings = embeddings[order]
        design = sp.hstack([design, sp.csr_matrix(embeddings * math.sqrt(w))]).tocsr()

    weights, intercept = _linear_svm(
        design, labels, n_classes, present, c=c, seed=seed, balanced=balanced
    )
    n_sparse = matrix.shape[1]
    scorer = Scorer(
        coef=np.ascontiguousarray(weights[:n_sparse] * math.sqrt(1.0 - w), dtype=np.float32),
        intercept=intercept.astype(np.float32),
        examples_t=(matrix * (1.0 - w)).T.tocsr().astype(np.float32),
        example_class=labels.astype(np.int32),
        present=present,
    )
    if embeddings is not None:
        scorer.enc_coef = np.ascontiguousarray(weights[n_sparse:] * math.sqrt(w), dtype=np.float32)
        scorer.enc_examples = np.ascontiguousarray(embeddings * w, dtype=np.float32)
    return scorer


def _linear_svm(
    design: sp.csr_matrix,
    labels: np.ndarray,
    n_classes: int,
    present: np.ndarray,
    *,
    c: float,
    seed: int,
    balanced: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest linear SVM; returns (features × classes) weights and intercepts.

    ``balanced``: every class weighs as much in the loss as any other, whatever its number of
    examples (a row of class c costs n / (k · n_c)), so a class with many phrasings does not
    win the messages between it and a class with few."""
    weights = np.zeros((design.shape[1], n_classes), dtype=np.float64)
    intercept = np.zeros(n_classes, dtype=np.float64)
    known = np.flatnonzero(present)
    if len(known) < 2:
        # One class: nothing to separate; the nearest-example similarity carries the decision.
        return weights, intercept
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    model = LinearSVC(
        C=c,
        dual=True,
        random_state=seed,
        max_iter=5000,
        class_weight="balanced" if balanced else None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(design, labels)
    fitted = np.asarray(model.coef_)
    classes = np.asarray(model.classes_)
    if len(classes) == 2:
        weights[:, classes[1]] = fitted[0]
        weights[:, classes[0]] = -fitted[0]
        intercept[classes[1]] = model.intercept_[0]
        intercept[classes[0]] = -model.intercept_[0]
    else:
        weights[:, classes] = fitted.T
        intercept[classes] = model.intercept_
    return weights, intercept
