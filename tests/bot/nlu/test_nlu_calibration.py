"""Calibration: the conditional logit's likelihood, its gradient, threshold choices, and the
cross-validation plan that provides its held-out scores."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.bot.nlu import calibration
from kefu.bot.nlu.calibration import HeldOut
from kefu.bot.nlu.settings import NluSettings
from kefu.bot.nlu.training import MIN_CALIBRATION_ROWS, _fold_plan


def _held(seed: int = 0, rows: int = 200, classes: int = 4) -> HeldOut:
    rng = np.random.default_rng(seed)
    target = rng.integers(-1, classes, size=rows)
    decision = rng.normal(-1.0, 0.5, size=(rows, classes))
    similarity = rng.uniform(0.0, 0.3, size=(rows, classes))
    inside = target >= 0
    decision[np.flatnonzero(inside), target[inside]] += 2.0
    similarity[np.flatnonzero(inside), target[inside]] += 0.5
    similarity[5, 2] = -np.inf  # a class this row's fold model did not know
    if target[5] == 2:
        target[5] = -1
    oos = np.zeros(classes, dtype=bool)
    faq = np.zeros(classes, dtype=bool)
    faq[1] = True
    return HeldOut(decision, similarity, target, oos, faq, target < 0)


def test_gradient_matches_finite_differences() -> None:
    held = _held()
    theta = np.array([2.0, 1.5, 0.3, 0.8])
    _, grad = calibration._negative_log_likelihood(theta, held, use_null=True)
    eps = 1e-6
    for i in range(4):
        step = np.zeros(4)
        step[i] = eps
        up, _ = calibration._negative_log_likelihood(theta + step, held, use_null=True)
        down, _ = calibration._negative_log_likelihood(theta - step, held, use_null=True)
        assert grad[i] == pytest.approx((up - down) / (2 * eps), rel=1e-4, abs=1e-7)


def test_fit_separates_in_scope_from_out_of_scope() -> None:
    held = _held()
    fitted = calibration.fit(held, source="dev", retention=0.95)
    assert fitted.source == "dev"
    assert fitted.negatives == int((held.target < 0).sum())
    p = calibration.softmax(
        calibration.logits(
            held.decision, held.similarity, held.oos_classes, held.faq_classes, fitted.params
        )
    )
    assert np.allclose(p.sum(axis=1), 1.0)
    assert p[5, 2] == 0.0  # unknown class gets no probability
    best, conf = calibration.confidences(p, held.oos_classes)
    negative = held.target < 0
    assert conf[~negative].mean() > conf[negative].mean() + 0.3
    kept = conf >= fitted.threshold
    assert kept[~negative].mean() > 0.8
    assert (~kept[negative]).mean() > 0.8


def test_balanced_threshold_ignores_class_ratio() -> None:
    conf = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1] + [0.3] * 1 + [0.05] * 1)
    ok = np.array([True] * 6 + [False, False])
    negative = np.array([False] * 6 + [True, True])
    threshold = calibration.best_threshold(conf, ok, negative)
    # rejecting both negatives costs two of six in-scope: 4/6 + 2/2 beats 6/6 + 0/2
    assert 0.3 < threshold <= 0.6
    repeated = calibration.best_threshold(
        np.concatenate([conf, conf[:6]]),
        np.concatenate([ok, ok[:6]]),
        np.concatenate([negative, negative[:6]]),
    )
    assert 0.3 < repeated <= 0.6


def test_recall_threshold_is_the_lowest_reaching_the_target() -> None:
    conf = np.array([0.1, 0.2, 0.3, 0.4, 0.9])
    negative = np.ones(5, dtype=bool)
    threshold = calibration.recall_threshold(conf, negative, 0.6)
    assert 0.3 < threshold < 0.4
    assert (conf < threshold).mean() >= 0.6
    assert calibration.recall_threshold(conf, negative, 0.999) > 0.9


def test_without_negatives_novelty_keeps_the_retention_share() -> None:
    held = _held()
    inside = held.target >= 0
    positives_only = HeldOut(
        held.decision[inside],
        held.similarity[inside],
        held.target[inside],
        held.oos_classes,
        held.faq_classes,
        np.zeros(int(inside.sum()), dtype=bool),
    )
    fitted = calibration.fit(positives_only, source="cross-validation", retention=0.9)
    assert fitted.source == "retention"
    assert fitted.threshold == 0.0  # low confidence alone rejects nothing
    p = calibration.softmax(
        calibration.logits(
            positives_only.decision,
            positives_only.similarity,
            positives_only.oos_classes,
            positives_only.faq_classes,
            fitted.params,
        )
    )
    best, _ = calibration.confidences(p, positives_only.oos_classes)
    correct = best == positives_only.target
    near = calibration.nearest(positives_only.similarity, positives_only.oos_classes)
    assert (near[correct] >= fitted.min_similarity).mean() == pytest.approx(0.9, abs=0.02)


def test_pseudo_negatives_shape_the_model_but_not_the_threshold() -> None:
    held = _held()
    pseudo = HeldOut(
        held.decision,
        held.similarity,
        held.target,
        held.oos_classes,
        held.faq_classes,
        np.zeros(len(held.target), dtype=bool),
    )
    fitted = calibration.fit(pseudo, source="cross-validation", retention=0.95)
    assert fitted.source == "retention"
    assert fitted.null_bias > -100  # learnt from the withheld-class rows


def test_classes_are_withheld_only_without_enough_real_out_of_scope_examples() -> None:
    settings = NluSettings()
    intents = np.repeat(np.arange(20), 6)
    _, withheld = _fold_plan(intents, None, settings)
    assert all(len(chunk) == 2 for chunk in withheld)

    few = np.concatenate([intents, np.full(MIN_CALIBRATION_ROWS - 1, 20)])
    _, withheld = _fold_plan(few, 20, settings)
    assert all(len(chunk) == 2 and 20 not in chunk for chunk in withheld)

    enough = np.concatenate([intents, np.full(MIN_CALIBRATION_ROWS, 20)])
    fold, withheld = _fold_plan(enough, 20, settings)
    assert withheld == [set(), set(), set()]
    # every class, the oos one included, still has rows in every fold
    assert all(len(set(fold[enough == c])) == 3 for c in range(21))
