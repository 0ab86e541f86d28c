"""Metrics: CI arithmetic, per-class reports, the authors' logs, the baseline."""

from __future__ import annotations

import numpy as np
import pytest

from bbnn_core.metrics import authors_results, baseline_features, classification_report, confusion, mean_ci


def test_mean_ci_matches_hand_computation():
    v = [0.91, 0.93, 0.86, 0.90, 0.93, 0.90, 0.94, 0.88, 0.92, 0.94]
    s = mean_ci(v)
    assert s["mean"] == pytest.approx(0.911)
    assert s["std"] == pytest.approx(np.std(v, ddof=1))
    half = 2.2621571627409915 * np.std(v, ddof=1) / np.sqrt(10)  # t(0.975, 9)
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((0.911 - half, 0.911 + half))


def test_classification_report():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    r = classification_report(y_true, y_pred, ["a", "b", "c"])
    assert r["accuracy"] == pytest.approx(4 / 6)
    assert r["per_class"]["b"] == {
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
        "f1": pytest.approx(0.8),
        "support": 2,
    }
    assert confusion(y_true, y_pred, 3).tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_authors_released_results(mirror):
    df, s = authors_results("gtzan")
    assert len(df) == 10 and s["mean"] == pytest.approx(0.911, abs=1e-4)  # PAPER_NOTES: 91.1 %
    _, s = authors_results("extended_ballroom")
    assert s["mean"] == pytest.approx(0.9739, abs=1e-4)  # PAPER_NOTES: 97.39 %


def test_baseline_features_shape(rng):
    X = rng.normal(-30, 10, (3, 647, 128)).astype(np.float32)
    assert baseline_features(X).shape == (3, 2 * (128 + 20))


def test_baseline_beats_chance_on_gtzan_mini(gtzan_mini_features):
    from bbnn_core.metrics import baseline_fold
    from bbnn_core.splits import make_splits

    folds = make_splits(gtzan_mini_features.y, protocol="kfold", seed=0)
    accs = [baseline_fold(gtzan_mini_features, f)["test_acc"] for f in folds[:3]]
    assert np.mean(accs) > 0.3  # chance is 0.1
