"""The linear classifier's class weighting: with ``balanced`` a class with few examples is not
outvoted by one with many on what both share."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from kefu.bot.nlu.scoring import fit_scorer

# features: 0 shared by both classes, 1 only in the big class, 2 only in the small one
BIG, SMALL = 0, 1


def _skewed() -> tuple[sp.csr_matrix, np.ndarray]:
    rows = [[0.6, 0.8, 0.0]] * 40 + [[0.6, 0.0, 0.8]] * 2
    labels = np.array([BIG] * 40 + [SMALL] * 2, dtype=np.int64)
    return sp.csr_matrix(np.array(rows, dtype=np.float32)), labels


def _margin_of_small_class(balanced: bool, message: list[float]) -> float:
    matrix, labels = _skewed()
    scorer = fit_scorer(matrix, labels, 2, c=2.0, seed=0, balanced=balanced)
    values = np.array(message, dtype=np.float32)
    decision, _ = scorer.score_one(np.arange(3, dtype=np.int32), values, None)
    return float(decision[SMALL] - decision[BIG])


def test_balanced_weights_move_the_shared_ground_towards_the_small_class() -> None:
    shared_only = [1.0, 0.0, 0.0]
    assert _margin_of_small_class(True, shared_only) > _margin_of_small_class(False, shared_only)


def test_balanced_weights_still_separate_the_classes_own_features() -> None:
    assert _margin_of_small_class(True, [0.6, 0.8, 0.0]) < 0
    assert _margin_of_small_class(True, [0.6, 0.0, 0.8]) > 0
