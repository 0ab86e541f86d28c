"""Metrics over folds, from run folders only: accuracy with a confidence interval, confusion
matrices, per-class precision / recall / F-score (the paper's Tables 4, 6, 8), the authors'
released results. The SVM baseline on the same folds is :mod:`bbnn_core.baseline`.

A run's accuracy and its 95 % interval come from its pooled test predictions: the share of
tested clips classified correctly, with the Wilson score interval of that binomial proportion
(:func:`accuracy_ci`). It stays inside [0, 1] and is sensible at 0 % and 100 % and for few clips,
where a Student-t interval over a handful of fold accuracies ran outside [0, 1]. Under k-fold every
clip is tested once, so the pooled share equals the mean over equal folds; the interval covers the
sampling of the test clips, not the variation of training (the spread over training seeds and
machines is reported beside it). The authors' released random draws, whose test sets overlap, are
summarised by :func:`mean_ci` (Student t over draws), which the book calls optimistic.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .runs import Run, provenance_warnings

__all__ = [
    "training_warnings",
    "mean_ci",
    "accuracy_ci",
    "classification_report",
    "confusion",
    "summarize_run",
    "read_run",
    "authors_results",
]


def mean_ci(values, *, level: float = 0.95) -> dict[str, float]:
    """Mean, sample standard deviation and a Student-t confidence interval of the mean."""
    from scipy import stats

    v = np.asarray(values, dtype=np.float64)
    n = v.size
    mean = float(v.mean()) if n else float("nan")
    std = float(v.std(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * std / np.sqrt(n)) if n > 1 else float("nan")
    return {"n": n, "mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half, "level": level}


def accuracy_ci(correct: int, n: int, *, level: float = 0.95) -> dict:
    """Accuracy ``correct / n`` with its Wilson score interval (always inside [0, 1])."""
    from scipy import stats

    if n <= 0:
        return {
            "n_clips": 0,
            "correct": 0,
            "accuracy": float("nan"),
            "ci_low": float("nan"),
            "ci_high": float("nan"),
            "level": level,
            "method": "wilson",
        }
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return {
        "n_clips": int(n),
        "correct": int(correct),
        "accuracy": float(p),
        # exact at the ends (rounding would put 100 % a hair outside its own interval)
        "ci_low": 0.0 if correct == 0 else float(min(p, max(0.0, centre - half))),
        "ci_high": 1.0 if correct == n else float(max(p, min(1.0, centre + half))),
        "level": level,
        "method": "wilson",
    }


def _run_accuracy(fold_acc, fold_n) -> dict:
    """Mean and std over folds, and the Wilson interval of the pooled test predictions."""
    acc = np.asarray(fold_acc, dtype=np.float64)
    n = np.asarray(fold_n, dtype=np.int64)
    correct = int(np.round(acc * n).sum())
    ci = accuracy_ci(correct, int(n.sum()))
    return {
        "n": int(acc.size),
        "mean": float(acc.mean()),
        "std": float(acc.std(ddof=1)) if acc.size > 1 else 0.0,
        "pooled": ci["accuracy"],
        "ci_low": ci["ci_low"],
        "ci_high": ci["ci_high"],
        "n_clips": ci["n_clips"],
        "correct": ci["correct"],
        "level": ci["level"],
        "method": "wilson (pooled test predictions)",
    }


def confusion(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts ``[true, predicted]``."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return m


def classification_report(y_true, y_pred, classes) -> dict:
    """Accuracy, confusion matrix and per-class precision / recall / F-score / support."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = list(range(len(classes)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))),
        "confusion": confusion(y_true, y_pred, len(classes)).tolist(),
        "per_class": {
            c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, c in enumerate(classes)
        },
    }


def read_run(run_dir: str | os.PathLike):
    """Per-fold metrics of a run as a DataFrame (one row per finished fold) and pooled predictions."""
    import pandas as pd

    rows, preds = [], []
    for fold in Run(run_dir).finished_folds():
        m = fold.metrics()
        b = fold.baseline()
        rows.append(
            {
                k: m[k]
                for k in (
                    "fold",
                    "train_loss",
                    "train_acc",
                    "val_loss",
                    "val_acc",
                    "test_loss",
                    "test_acc",
                    "best_epoch",
                    "epochs_run",
                    "wall_time_s",
                )
            }
            | {"baseline_test_acc": b.get("test_acc")}
        )
        p = fold.predictions()
        p.insert(0, "fold", m["fold"])
        preds.append(p)
    folds = pd.DataFrame(rows)
    return folds, (pd.concat(preds, ignore_index=True) if preds else pd.DataFrame())


def training_warnings(folds, preds) -> list[str]:
    """One line per way in which finished folds are barely trained (a small data set, a reduced
    recipe): the weights kept are their first epoch's, or they give one class to every test clip."""
    out = []
    first = [int(k) for k in folds.loc[folds["best_epoch"] == 0, "fold"]]
    if first:
        out.append(
            f"folds {','.join(map(str, first))} kept the weights of their first epoch (validation accuracy "
            "never rose after it): barely trained"
        )
    one = [int(k) for k, p in preds.groupby("fold") if len(p) > 1 and p["predicted"].nunique() == 1]
    if one:
        out.append(f"folds {','.join(map(str, one))} give one class to every test clip: they separate nothing")
    return out


def summarize_run(run_dir: str | os.PathLike) -> dict:
    """The run's summary: accuracy mean / std / CI for BBNN and the baseline, pooled report."""
    run = Path(run_dir)
    folds, preds = read_run(run)
    splits = Run.open(run).splits()
    classes = splits["classes"]
    config = Run(run).config()
    out = {
        "run_dir": str(run),
        "method": config.get("method", "bbnn"),  # or "probe", on a pretrained embedding
        "embedding": config.get("embedding"),
        "dataset": splits["dataset"],
        "protocol": splits["protocol"],
        "classes": list(classes),
        "folds_done": int(len(folds)),
        "n_folds": len(splits["folds"]),
        "n_tracks": len(splits["tracks"]),  # the clips the run used (e.g. without a broken file)
    }
    if len(folds):
        n_test = preds.groupby("fold").size().reindex(folds["fold"]).to_numpy()
        out["test_acc"] = _run_accuracy(folds["test_acc"], n_test)
        out["per_fold"] = folds.to_dict(orient="records")
        if folds["baseline_test_acc"].notna().all():
            out["baseline_test_acc"] = _run_accuracy(folds["baseline_test_acc"].astype(float), n_test)
        index = {c: i for i, c in enumerate(classes)}
        out["pooled"] = classification_report(preds["true"].map(index), preds["predicted"].map(index), classes)
        out["wall_time_s"] = float(folds["wall_time_s"].sum())
    out["warnings"] = provenance_warnings(run) + (training_warnings(folds, preds) if len(folds) else [])
    return out


def authors_results(dataset: str = "gtzan"):
    """The authors' released per-run results (``fold_results.csv``) and their summary."""
    import pandas as pd

    from .errors import ResourceError
    from .resources import resolve

    if dataset not in ("gtzan", "extended_ballroom"):
        raise ResourceError(f"the authors released results for gtzan and extended_ballroom only, not {dataset}")
    df = pd.read_csv(resolve(f"reference/bbnn_authors/{dataset}/fold_results.csv"))
    return df, mean_ci(df["test_acc"])
