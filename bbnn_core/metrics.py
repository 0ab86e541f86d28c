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

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .runs import Run

__all__ = [
    "mean_ci",
    "accuracy_ci",
    "classification_report",
    "confusion",
    "summarize_run",
    "read_run",
    "provenance_warnings",
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


def summarize_run(run_dir: str | os.PathLike) -> dict:
    """The run's summary: accuracy mean / std / CI for BBNN and the baseline, pooled report."""
    run = Path(run_dir)
    folds, preds = read_run(run)
    splits = Run.open(run).splits()
    classes = splits["classes"]
    out = {
        "run_dir": str(run),
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
    out["warnings"] = provenance_warnings(run)
    return out


# what a fold's numbers depend on beyond its configuration: folds that differ in one of these
# were not made under the same conditions, and their mean mixes them
_PROVENANCE_KEYS = {
    "git_commit": "code (git commit)",
    "git_diff_sha256": "uncommitted changes",
    "versions": "library versions",
    "keras_backend": "Keras backend",
    "device": "device",
    "dataset_checksum": "data",
}


def _folds_by(prov: dict[int, Any], value) -> dict:
    """Fold numbers grouped by ``value(provenance)``, in fold order."""
    groups: dict = {}
    for k, p in prov.items():
        groups.setdefault(value(p), []).append(k)
    return groups


def fold_instruction_sets(p: dict) -> list[str]:
    """The CPU instruction-set classes a fold was trained on: each recorded session's, and the
    finishing machine's (folds that predate the per-session record have only the latter)."""
    from .runs import instruction_set

    found = {s["cpu_instruction_set"] for s in p.get("sessions", []) if s.get("cpu_instruction_set")}
    if (p.get("cpu") or {}).get("flags"):
        found.add(instruction_set(p["cpu"]["flags"]))
    return sorted(found) or ["unknown"]


def _same_audio(p: dict) -> bool:
    """Whether a fold's features matched its run's record, byte for byte or within the tolerance
    for features computed on another CPU (``data_match`` in its provenance)."""
    from .runs import PROFILE_TOLERANCE_DB

    match = p.get("data_match") or {}
    return bool(match) and match.get("max_profile_difference_db", float("inf")) <= PROFILE_TOLERANCE_DB


def provenance_warnings(run_dir: str | os.PathLike) -> list[str]:
    """One line per way in which the finished folds of a run were made differently: code, dirty
    tree, library versions, backend, device, data, determinism; and folds made from a dirty tree."""
    prov = {f.index: f.provenance() for f in Run(run_dir).finished_folds()}
    out: list[str] = []
    if not prov:
        return out
    for key, name in _PROVENANCE_KEYS.items():
        groups = _folds_by(prov, lambda p, key=key: json.dumps(p.get(key), sort_keys=True))
        if len(groups) > 1:
            parts = "; ".join("folds " + ",".join(map(str, ks)) for ks in groups.values())
            if key == "dataset_checksum" and all(_same_audio(p) for p in prov.values()):
                out.append(
                    f"folds were trained on features computed on different machines ({parts}): every track equal "
                    "within the run's tolerance, not byte for byte"
                )
            elif key == "dataset_checksum" and not all(p.get("data_match") for p in prov.values()):
                out.append(f"feature bytes differ ({parts}): other data, or the same audio on another CPU class")
            else:
                out.append(f"folds were made under different {name} ({parts})")
    groups = _folds_by(prov, lambda p: (p.get("determinism") or {}).get("intra_op_threads"))
    if len(groups) > 1:
        parts = "; ".join(f"{t} for folds {','.join(map(str, ks))}" for t, ks in groups.items())
        out.append(
            f"folds were trained with different backend thread counts ({parts}): their numbers are not bit-comparable"
        )
    isas = {k: fold_instruction_sets(p) for k, p in prov.items()}
    groups = _folds_by(isas, lambda v: "+".join(v))
    if len(groups) > 1:
        parts = "; ".join(f"{isa} for folds {','.join(map(str, ks))}" for isa, ks in groups.items())
        out.append(f"CPUs of different instruction sets ({parts}): not bit-comparable")
    mixed = [k for k, v in isas.items() if len(v) > 1]
    if mixed:
        out.append("folds " + ",".join(map(str, mixed)) + " were resumed on a CPU of another instruction set")
    det = {k: (p.get("determinism") or {}).get("deterministic") for k, p in prov.items()}
    if len(set(det.values())) > 1 or None in det.values() or False in det.values():
        bad = [k for k, v in det.items() if not v]
        out.append(
            "folds " + ",".join(map(str, bad)) + " were not trained deterministically "
            "(or predate the record): training them again can give other numbers"
        )
    dirty = [k for k, p in prov.items() if p.get("git_dirty") or any(s.get("git_dirty") for s in p.get("sessions", []))]
    if dirty:
        out.append("folds " + ",".join(map(str, dirty)) + " were trained from a tree with uncommitted changes")
    commits = {k: {s.get("git_commit") for s in p.get("sessions", [])} for k, p in prov.items()}
    resumed = [k for k, c in commits.items() if len(c) > 1]
    if resumed:
        out.append("folds " + ",".join(map(str, resumed)) + " were resumed under other code than they started with")
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
