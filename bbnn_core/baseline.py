"""The classical baseline on a run's own folds: an SVM on clip statistics of the log-mel input
(mean and standard deviation of the 128 bands and of 20 MFCCs), and BBNN against it clip by clip
with the exact McNemar test.

Training writes each fold's SVM into its ``baseline.json`` (:func:`baseline_fold`, C chosen on the
fold's validation part); :func:`paired_comparison` reads them back beside BBNN's predictions.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import RunError
from .metrics import classification_report
from .runs import Run

__all__ = ["baseline_features", "baseline_fold", "paired_comparison", "paired_runs", "paired_table"]


def baseline_features(X: np.ndarray, *, n_mfcc: int = 20) -> np.ndarray:
    """Clip-level statistics of the log-mel input: mean and std over time of the 128 log-mel
    bands and of ``n_mfcc`` MFCCs computed from them (DCT-II, as ``librosa.feature.mfcc``).

    X : np.ndarray [shape=(n_clips, n_frames, n_mels)], dB  ->  [shape=(n_clips, 2*(n_mels+n_mfcc))]
    """
    from scipy.fft import dct

    mfcc = dct(X, type=2, axis=2, norm="ortho")[:, :, :n_mfcc]
    return np.concatenate([X.mean(1), X.std(1), mfcc.mean(1), mfcc.std(1)], axis=1)


def baseline_fold(fs, fold) -> dict:
    """SVM (RBF, standardised features) trained on the fold's train part; C chosen on its
    validation part from {1, 10, 100}; accuracy on its test part."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    F = baseline_features(fs.X)
    y = np.asarray(fs.y)
    best: tuple | None = None
    for C in (1.0, 10.0, 100.0):
        clf = make_pipeline(StandardScaler(), SVC(C=C, kernel="rbf", gamma="scale"))
        clf.fit(F[fold.train], y[fold.train])
        val = float(np.mean(clf.predict(F[fold.val]) == y[fold.val]))
        if best is None or val > best[0]:
            best = (val, C, clf)
    assert best is not None
    val, C, clf = best
    pred = clf.predict(F[fold.test])
    return {
        "model": "SVM(RBF) on log-mel + MFCC mean/std",
        "C": C,
        "val_acc": val,
        "test_acc": float(np.mean(pred == y[fold.test])),
        "report": classification_report(y[fold.test], pred, fs.classes),
        "predictions": {fs.tracks[i]: fs.classes[int(c)] for i, c in zip(fold.test, pred)},  # clip by clip
    }


def paired_comparison(run_dir: str | os.PathLike) -> dict:
    """BBNN against the SVM baseline clip by clip, on the test clips of a run's finished folds.

    Counts the clips both classify correctly, only BBNN, only the SVM, and neither, and tests
    whether the two are equally accurate with the exact McNemar test (a two-sided binomial test
    of the clips only one of them gets right: the test that fits two classifiers scored on the
    same clips, where comparing their two intervals ignores the pairing).

    The SVM's per-clip predictions are read from each fold's ``baseline.json``; a fold without them
    (made by a version of bbnn older than the record) is refused, naming ``results/migrate.py``,
    which adds them.
    """
    run = Run.open(run_dir)
    counts = {"both_right": 0, "bbnn_only": 0, "svm_only": 0, "both_wrong": 0}
    folds = []
    for f in run.finished_folds():
        svm = f.baseline().get("predictions")
        if svm is None:
            raise RunError(
                f"{f.path} was made by an older bbnn, without the SVM's per-clip predictions: add them with "
                f"`python results/migrate.py {run.path}` (in the bbnn-book repository)"
            )
        folds.append(f.index)
        _count(counts, f, svm, "bbnn_only", "svm_only")
    return {
        **counts,
        "n_clips": sum(counts.values()),
        "p_value": _mcnemar(counts["bbnn_only"], counts["svm_only"]),
        "folds": folds,
    }


def _count(counts: dict, fold, other, a_only: str, b_only: str) -> None:
    """Add a fold's test clips to ``counts``: right in its predictions and in ``other`` (track ->
    predicted class), in its alone (``a_only``), in ``other`` alone (``b_only``), in neither."""
    for track, true, pred in fold.predictions()[["track", "true", "predicted"]].itertuples(index=False):
        a, b = pred == true, other[track] == true
        counts["both_right" if a and b else a_only if a else b_only if b else "both_wrong"] += 1


def _mcnemar(a_only: int, b_only: int) -> float:
    """The exact McNemar test's two-sided p-value: a binomial test of the clips only one of two
    classifiers gets right."""
    from scipy import stats

    n = a_only + b_only
    return float(stats.binomtest(min(a_only, b_only), n, 0.5).pvalue) if n else 1.0


def paired_runs(run_dir: str | os.PathLike, other: str | os.PathLike) -> dict:
    """Two runs on the same folds (a BBNN run and a probe run, say) clip by clip, on the test clips
    of the folds both have finished: ``both_right``, ``run_only``, ``other_only``, ``both_wrong``,
    ``n_clips`` and the exact McNemar ``p_value``. Runs whose folds differ are refused."""
    a, b = Run.open(run_dir), Run.open(other)
    sa, sb = a.splits(), b.splits()
    if sa["folds"] != sb["folds"] or sa["tracks"] != sb["tracks"]:
        raise RunError(f"{b.path} is not on the folds of {a.path}: its clips cannot be paired")
    done = {f.index for f in b.finished_folds()}
    counts = {"both_right": 0, "run_only": 0, "other_only": 0, "both_wrong": 0}
    for f in a.finished_folds():
        if f.index in done:
            _count(counts, f, b.fold(f.index).predictions().set_index("track")["predicted"], "run_only", "other_only")
    return {**counts, "n_clips": sum(counts.values()), "p_value": _mcnemar(counts["run_only"], counts["other_only"])}


def paired_table(paired: dict):
    """A :func:`paired_comparison` as its 2 x 2 table: test clips BBNN gets right or wrong (rows)
    against those the SVM gets right or wrong (columns)."""
    import pandas as pd

    return pd.DataFrame(
        [[paired["both_right"], paired["bbnn_only"]], [paired["svm_only"], paired["both_wrong"]]],
        index=["BBNN right", "BBNN wrong"],
        columns=["SVM right", "SVM wrong"],
    )
