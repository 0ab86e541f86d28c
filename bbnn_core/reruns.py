"""Reruns: what training a run's folds again changed.

A rerun is a run of the same data, protocol, profile and split as another (the same ``seed``, so
each fold tests the same clips), kept beside it under its name and a suffix (``<run>-train1``,
``<run>-avx2``, ``<run>-repeat``). It is of one of three kinds, the one vocabulary the pages, the
figures and ``bbnn evaluate --rerun`` use:

- ``train seed``: other initial weights and another order of the epochs (``bbnn train --train-seed``);
- ``numeric``: the same seeds, and a setting of :data:`RERUN_SETTINGS` differs (code, library
  versions, backend, thread count, CPU class, feature bytes): the same computation on another
  machine or software;
- ``repeat``: the same seeds and settings; it should give the same bytes.

:func:`rerun_spread` compares a run with its reruns fold by fold; the tables and the figure marks
below are drawn from that one table.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .runs import Run, fold_instruction_sets

__all__ = [
    "RERUN_SETTINGS",
    "RERUN_MARKS",
    "find_reruns",
    "rerun_spread",
    "spread_summary",
    "rerun_table",
    "rerun_style",
    "rerun_detail_table",
    "fold_marks",
]


# what a rerun of a fold can differ in besides its seeds: the numbers move with each of these.
# The names are the words the pages and ``bbnn evaluate --rerun`` use for them.
_RERUN_SETTINGS = {
    "code": lambda p: str(p.get("git_commit")),
    "library versions": lambda p: json.dumps(p.get("versions"), sort_keys=True),
    "backend": lambda p: str(p.get("keras_backend")),
    "thread count": lambda p: str(p["determinism"].get("intra_op_threads")),
    # the widest instruction set the backend's kernels use (runs.cpu_instruction_set)
    "CPU class": lambda p: "+".join(fold_instruction_sets(p)),
    # the features' bytes: the same audio computed on a CPU of another class rounds differently
    "feature bytes": lambda p: str(p.get("dataset_checksum"))[:12],
}

# the settings a repeat shares with the run it repeats, in the order the pages name them
RERUN_SETTINGS: tuple[str, ...] = tuple(_RERUN_SETTINGS)


# what a repeat must give byte for byte: the training history and the test predictions
_REPRODUCED = ("history.csv", "predictions.csv")


def _init_seed(cfg: dict) -> int:
    """The seed a run's training drew from (its ``train_seed``, else its ``seed``)."""
    return cfg["seed"] if cfg.get("train_seed") is None else cfg["train_seed"]


def _not_a_rerun(ref: Run, run: Run) -> str | None:
    """Why ``run`` is not a rerun of ``ref`` (other data, protocol, profile or split), or None.
    The data folder's path is not compared: a rerun on another machine keeps its data elsewhere."""
    cfg, ref_cfg = run.config(), ref.config()
    for key in ("dataset", "protocol", "profile", "seed", "n_folds"):
        if cfg.get(key) != ref_cfg.get(key):
            return f"its {key} is {cfg.get(key)!r}, not {ref_cfg.get(key)!r}"
    mine, theirs = run.splits(), ref.splits()
    if (mine.get("folds"), mine.get("tracks")) != (theirs.get("folds"), theirs.get("tracks")):
        return "its folds hold other clips"
    return None


def rerun_spread(reference: str | os.PathLike, reruns) -> Any:
    """How far reruns moved the numbers of a run's folds: one row per fold that the reference
    and a rerun both finished.

    A rerun is a run of the same data, protocol, profile and split (the same ``seed``, so each
    fold tests the same clips). Its ``kind`` says what makes it differ: ``numeric`` when it also
    has the same training seed (the same computation; what moves the numbers is the machine or
    software, named in ``differs``), ``repeat`` when it has the same training seed and nothing
    recorded differs either (the same command with the same ``RERUN_SETTINGS``: code, library
    versions, backend, thread count, CPU class and feature bytes; it should give the same bytes, and
    ``identical`` says whether it did),
    ``train seed`` when it starts from other weights and another order of the epochs
    (``bbnn train --train-seed``).

    Returns a DataFrame with columns ``fold, rerun, kind, train_seed, differs, differs_in (the names
    alone), reference_acc, rerun_acc, delta_acc, predictions_changed, identical (the fold's
    history.csv and predictions.csv are byte for byte the reference's), n_test, reference_best_epoch,
    rerun_best_epoch, first_loss_rel`` (relative difference of the first epoch's training loss),
    ``apart_from_epoch`` (the first epoch, from 1, whose accuracies or learning rate differ; None if
    none), ``reference_epochs, rerun_epochs``.

    Raises
    ------
    RunError
        For a rerun of other data, protocol, profile or split: its folds are not the reference's.
    """
    import pandas as pd

    from .errors import RunError

    ref = Run.open(reference)
    ref_cfg = ref.config()
    ref_folds = {f.index: f for f in ref.finished_folds()}
    rows = []
    for path in reruns:
        run = Run.open(path)
        cfg = run.config()
        why = _not_a_rerun(ref, run)
        if why:
            raise RunError(f"{run.path} is not a rerun of {ref.path}: {why}")
        same_training = _init_seed(cfg) == _init_seed(ref_cfg)
        for fold in run.finished_folds():
            mine = ref_folds.get(fold.index)
            if mine is None:
                continue
            a, b = mine.metrics(), fold.metrics()
            pa, pb = mine.predictions(), fold.predictions()
            merged = pa.merge(pb, on="track", suffixes=("_ref", "_rerun"))
            theirs, ours = fold.provenance(), mine.provenance()
            seen = {n: (get(theirs), get(ours)) for n, get in _RERUN_SETTINGS.items()}
            names = [n for n, (new, old) in seen.items() if new != old]
            differs = [f"{n} {seen[n][0]} vs {seen[n][1]}" for n in names]
            identical = all((mine.path / n).read_bytes() == (fold.path / n).read_bytes() for n in _REPRODUCED)
            rows.append(
                {
                    "fold": fold.index,
                    "rerun": str(run.path),
                    "kind": ("numeric" if names else "repeat") if same_training else "train seed",
                    "train_seed": _init_seed(cfg),
                    "differs": "; ".join(differs) if differs else "nothing recorded",
                    "differs_in": ", ".join(names),
                    "reference_acc": float(a["test_acc"]),
                    "rerun_acc": float(b["test_acc"]),
                    "delta_acc": float(b["test_acc"]) - float(a["test_acc"]),
                    "predictions_changed": int((merged["predicted_ref"] != merged["predicted_rerun"]).sum()),
                    "identical": identical,
                    "n_test": int(len(merged)),
                    "reference_best_epoch": int(a["best_epoch"]),
                    "rerun_best_epoch": int(b["best_epoch"]),
                    **_divergence(mine.history(), fold.history()),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "fold",
            "rerun",
            "kind",
            "train_seed",
            "differs",
            "differs_in",
            "reference_acc",
            "rerun_acc",
            "delta_acc",
            "predictions_changed",
            "identical",
            "n_test",
            "reference_best_epoch",
            "rerun_best_epoch",
            "first_loss_rel",
            "apart_from_epoch",
            "reference_epochs",
            "rerun_epochs",
        ],
    )


def _divergence(ref, new) -> dict:
    """Where two histories of a fold part: the relative difference of their first epoch's training
    loss, and the first epoch (counted from 1) whose training or validation accuracy or learning
    rate differs (None when none of their common epochs does), with the epochs each ran."""
    n = min(len(ref), len(new))
    cols = ["acc", "val_acc", "lr"]
    apart = [i for i in range(n) if (ref[cols].iloc[i].to_numpy() != new[cols].iloc[i].to_numpy()).any()]
    first = float(ref["loss"].iloc[0]) if n else float("nan")
    return {
        "first_loss_rel": abs(float(new["loss"].iloc[0]) - first) / abs(first) if n and first else float("nan"),
        "apart_from_epoch": apart[0] + 1 if apart else None,
        "reference_epochs": len(ref),
        "rerun_epochs": len(new),
    }


def find_reruns(reference: str | os.PathLike) -> list[Path]:
    """The reruns of a run kept beside it under its name and a suffix (``<run>-train1``,
    ``<run>-avx2``, ...), in natural order (``train2`` before ``train10``). Folders of such a
    name that are not reruns of it (other data, protocol, profile or split) are left out."""
    import glob
    import re

    ref = Run.open(reference)
    found = [
        p
        for p in ref.path.parent.glob(glob.escape(ref.path.name) + "-*")
        if Run(p).exists and _not_a_rerun(ref, Run(p)) is None
    ]
    return sorted(found, key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)])


def _pooled_delta(rows) -> float:
    """Change of the accuracy pooled over ``rows``' folds (weighted by their test clips)."""
    n = rows["n_test"].sum()
    return float((rows["delta_acc"] * rows["n_test"]).sum() / n) if n else float("nan")


def spread_summary(spread) -> dict:
    """How far each kind of rerun moved the numbers, from a :func:`rerun_spread` table.

    Per kind (``numeric``, ``repeat``, ``train seed``): ``reruns`` (how many run folders), ``folds``
    (the folds compared), ``rows`` (fold-and-rerun pairs), ``identical`` (of those, how many gave the
    reference's history and predictions byte for byte), ``fold_max_abs`` and ``fold_mean_abs`` (the
    largest and the mean absolute change of a fold's test accuracy, as a fraction),
    ``changed`` and ``compared`` (test predictions that changed, of those compared), and
    ``pooled`` (per rerun, the change of the accuracy pooled over the folds it shares with the
    reference) with its largest absolute value ``pooled_max_abs``.
    """
    out = {}
    for kind, rows in spread.groupby("kind", sort=False):
        pooled = {rerun: _pooled_delta(r) for rerun, r in rows.groupby("rerun", sort=False)}
        out[kind] = {
            "reruns": len(pooled),
            "folds": sorted(int(k) for k in rows["fold"].unique()),
            "rows": int(len(rows)),
            "identical": int(rows["identical"].sum()),
            "fold_max_abs": float(rows["delta_acc"].abs().max()),
            "fold_mean_abs": float(rows["delta_acc"].abs().mean()),
            "changed": int(rows["predictions_changed"].sum()),
            "compared": int(rows["n_test"].sum()),
            "pooled": pooled,
            "pooled_max_abs": float(max(abs(d) for d in pooled.values())),
        }
    return out


# how the per-fold figure marks a rerun of each kind (:func:`rerun_spread`'s ``kind``): its marker,
# its legend entry, the caption's words for it, and its offset on the test bar (in bar widths)
RERUN_MARKS = {
    "train seed": ("o", "other seed", "a circle from another training seed", -0.25),
    "numeric": ("x", "numeric rerun", "a cross with the same seeds on other settings", 0.25),
    "repeat": ("+", "repeat", "a plus with the same seeds and settings", 0.0),
}


def fold_marks(spread) -> list[dict]:
    """The per-fold figure's marks for a :func:`rerun_spread` table, one per kind present (in the
    order of :data:`RERUN_MARKS`): ``label``, ``marker``, ``shift`` (on the test bar, in bar
    widths), ``folds`` and ``values`` (each rerun's test accuracy on its fold), for
    :func:`bbnn_core.plots.plot_fold_accuracies`'s ``marks``."""
    out: list[dict] = []
    if spread is None or not len(spread):
        return out
    for kind, (marker, label, _, shift) in RERUN_MARKS.items():
        rows = spread[spread["kind"] == kind]
        if len(rows):
            out.append(
                {
                    "label": label,
                    "marker": marker,
                    "shift": shift,
                    "folds": [int(k) for k in rows["fold"]],
                    "values": [float(v) for v in rows["rerun_acc"]],
                }
            )
    return out


def marks_caption(spread) -> str:
    """The caption's words for the marks :func:`fold_marks` draws, joined ("" for none)."""
    if spread is None or not len(spread):
        return ""
    return ", ".join(what for kind, (_, _, what, _) in RERUN_MARKS.items() if kind in set(spread["kind"]))


def _rerun_labels(spread) -> dict:
    """A column name per rerun: "train seed N", or "same seeds, other <what differs>"; a train-seed
    rerun made under other settings too says them ("train seed N, other CPU class")."""
    labels: dict = {}
    for rerun, rows in spread.groupby("rerun", sort=False):
        first = rows.iloc[0]
        names = {n.strip() for d in rows["differs_in"] for n in str(d).split(",") if n.strip()}
        what = ", ".join(n for n in RERUN_SETTINGS if n in names)
        if first["kind"] == "train seed":
            label = f"train seed {int(first['train_seed'])}" + (f", other {what}" if what else "")
        else:
            label = "same seeds" + (f", other {what}" if what else ", same settings")
        if label in labels.values():
            label += f" ({Path(rerun).name})"
        labels[rerun] = label
    return labels


def rerun_table(spread):
    """Each fold's test accuracy (%) in the reference run and in each rerun (a
    :func:`rerun_spread` table), the range over training seeds (the reference
    and every train-seed rerun) and the largest change by a rerun with the same seeds (numeric or
    repeat), in points; a last row gives the same over the folds that every rerun finished, pooled
    (weighted by test clips)."""
    import pandas as pd

    labels = _rerun_labels(spread)
    wide = spread.pivot_table(index="fold", columns="rerun", values="rerun_acc", aggfunc="first")
    wide = wide.rename(columns=labels)[list(labels.values())]
    ref = spread.groupby("fold")["reference_acc"].first()
    n = spread.groupby("fold")["n_test"].first()
    table = pd.concat([ref.rename("this run"), wide], axis=1)
    seeds = ["this run"] + [labels[r] for r in labels if (spread[spread["rerun"] == r]["kind"] == "train seed").all()]
    numeric = [labels[r] for r in labels if spread[spread["rerun"] == r]["kind"].isin(("numeric", "repeat")).all()]
    common = table.dropna().index
    if len(common) >= 2:  # one fold pooled is that fold
        pooled = (table.loc[common].mul(n.loc[common], axis=0).sum() / n.loc[common].sum()).rename("pooled")
        table = pd.concat([table, pooled.to_frame().T])
    out = 100 * table
    if len(seeds) > 1:  # a range needs two seeds on the fold: a dash where only this run has one
        spread_ = out[seeds].max(axis=1) - out[seeds].min(axis=1)
        out["train-seed range (points)"] = spread_.where(out[seeds].notna().sum(axis=1) >= 2)
    if numeric:
        out["numeric change (points)"] = out[numeric].sub(out["this run"], axis=0).abs().max(axis=1)
    rows = [f"fold {k}" for k in out.index[: len(out) - (out.index[-1] == "pooled")]]
    if out.index[-1] == "pooled":
        rows.append(f"pooled over folds {', '.join(str(k) for k in common)}")
    out.index = rows
    return out.reset_index(names="")


def rerun_detail_table(spread):
    """One row per fold of each rerun (a :func:`rerun_spread` table): its kind,
    what differed from the run besides the seeds, the test accuracy in the run and in the rerun,
    the test predictions that changed, the relative difference of the first epoch's training loss,
    the first epoch (from 1) whose accuracies differ, and the epochs each ran."""
    import pandas as pd

    rows = []
    for _, r in spread.iterrows():
        apart = r["apart_from_epoch"]
        rows.append(
            {
                "rerun": f"train seed {int(r['train_seed'])}" if r["kind"] == "train seed" else f"{r['kind']}",
                "fold": int(r["fold"]),
                "differs in": r["differs_in"] or "nothing recorded",
                "test acc (%), run → rerun": f"{100 * r['reference_acc']:.1f} → {100 * r['rerun_acc']:.1f}",
                "predictions changed": f"{int(r['predictions_changed'])} of {int(r['n_test'])}",
                "first loss, rel. diff.": float(r["first_loss_rel"]),
                "accuracies part at epoch": "never" if apart is None or apart != apart else str(int(apart)),
                "epochs, run → rerun": f"{int(r['reference_epochs'])} → {int(r['rerun_epochs'])}",
            }
        )
    return pd.DataFrame(rows)


def rerun_style(table):
    """A :func:`rerun_table` styled for the book: no index, a dash where a rerun has not finished a
    fold, and its row labels ("fold 0", "pooled over folds 0, 1") on one line."""
    return (
        table.style.hide(axis="index")
        .format(precision=1, na_rep="-")
        .set_properties(subset=[""], **{"white-space": "nowrap"})
    )
