"""Metrics: CI arithmetic, per-class reports, the authors' logs, the baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bbnn_core.baseline import baseline_features
from bbnn_core.errors import RunError
from bbnn_core.metrics import authors_results, classification_report, confusion, mean_ci


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
    from bbnn_core.baseline import baseline_fold
    from bbnn_core.splits import make_splits

    folds = make_splits(gtzan_mini_features.y, protocol="kfold", seed=0)
    accs = [baseline_fold(gtzan_mini_features, f)["test_acc"] for f in folds[:3]]
    assert np.mean(accs) > 0.3  # chance is 0.1


def test_paired_comparison_clip_by_clip_and_the_migration_of_older_folds(tmp_path, monkeypatch):
    """BBNN against the SVM on the same clips: the four counts from the fold files, the exact
    McNemar p-value; folds whose baseline.json predates the per-clip record are left out, and
    results/migrate.py adds the record only where the recomputed SVM reproduces the fold's."""
    import json
    from collections import Counter

    import pandas as pd
    from conftest import synthetic_features

    from bbnn_core.baseline import paired_comparison
    from bbnn_core.train import config_for, train

    fs = synthetic_features(tmp_path / "feat" / "synthetic.npz")
    run = tmp_path / "run"
    train(config_for("smoke", dataset="synthetic", n_folds=3, epochs=1, run_dir=str(run)), features=fs, progress=False)
    stored = paired_comparison(run)
    pairs: Counter = Counter()
    for k in range(3):
        pred = pd.read_csv(run / f"fold{k}" / "predictions.csv")
        svm = json.loads((run / f"fold{k}" / "baseline.json").read_text())["predictions"]
        assert sorted(svm) == sorted(pred["track"])  # the SVM's prediction for each test clip
        for track, true, p in zip(pred["track"], pred["true"], pred["predicted"]):
            pairs[(p == true, svm[track] == true)] += 1
    assert stored["n_clips"] == 18 and stored["folds"] == [0, 1, 2]
    assert (stored["both_right"], stored["bbnn_only"], stored["svm_only"], stored["both_wrong"]) == (
        pairs[(True, True)],
        pairs[(True, False)],
        pairs[(False, True)],
        pairs[(False, False)],
    )

    def edit_baselines(change):
        for k in range(3):
            path = run / f"fold{k}" / "baseline.json"
            path.write_text(json.dumps(change(k, json.loads(path.read_text()))))

    # an SVM right on every clip: only it is right on the clips BBNN misses, so p = 2 * 0.5**n (at most 1)
    saved = {k: json.loads((run / f"fold{k}" / "baseline.json").read_text()) for k in range(3)}
    truth = {}
    for k in range(3):
        pred = pd.read_csv(run / f"fold{k}" / "predictions.csv")
        truth[k] = dict(zip(pred["track"], pred["true"]))
    edit_baselines(lambda k, b: {**b, "predictions": truth[k]})
    perfect = paired_comparison(run)
    n_wrong = 18 - stored["both_right"] - stored["bbnn_only"]
    assert perfect["svm_only"] == n_wrong and perfect["bbnn_only"] == 0
    assert perfect["p_value"] == pytest.approx(min(1.0, 2 * 0.5**n_wrong) if n_wrong else 1.0)

    # folds written before the per-clip record: refused; the migration adds it where the SVM reproduces
    edit_baselines(lambda k, b: {key: v for key, v in saved[k].items() if key != "predictions"})
    with pytest.raises(RunError, match=r"fold0 .*results/migrate\.py"):
        paired_comparison(run)
    edit_baselines(lambda k, b: {**b, "C": 1234.0} if k == 1 else b)  # fold 1's record is not reproduced
    import importlib.util

    spec = importlib.util.spec_from_file_location("migrate", Path(__file__).parents[1] / "results" / "migrate.py")
    migrate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migrate)
    monkeypatch.setattr(migrate, "features_for", lambda cfg, progress=None: fs)
    lines = migrate.migrate(run)
    assert [line.split(": ", 1)[1] for line in lines] == [
        "SVM per-clip predictions added",
        "the SVM recomputed here differs from its record; left as it is",
        "SVM per-clip predictions added",
    ]
    with pytest.raises(RunError, match=r"fold1 .*older bbnn"):
        paired_comparison(run)
    before = {k: (run / f"fold{k}" / "baseline.json").read_bytes() for k in range(3)}
    assert migrate.migrate(run) == [f"{run / 'fold1'}: the SVM recomputed here differs from its record; left as it is"]
    assert {k: (run / f"fold{k}" / "baseline.json").read_bytes() for k in range(3)} == before
    edit_baselines(lambda k, b: saved[k])  # as trained: the record reproduces every fold's counts
    assert {k: v for k, v in paired_comparison(run).items()} == stored
