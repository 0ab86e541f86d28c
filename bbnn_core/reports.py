"""Tables of the paper, from a built model, data sets and run folders only.

Nothing here trains or extracts features: a table or figure can be redrawn without re-running
anything. The figures are drawn by :mod:`bbnn_core.plots` and made legible by
:mod:`bbnn_core.figures`. The prose beside the tables is the notebooks' own, written by hand,
with numbers glued in.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .paper import PAPER_DATASET_NAMES, PAPER_LITERATURE, PAPER_PER_CLASS, PAPER_RECIPE, PAPER_TABLE1_PARAMS

__all__ = [
    "pct_ci",
    "fold_provenance_table",
    "table1",
    "table2",
    "read_histories",
    "lr_schedule",
    "stopping_table",
    "stopping_style",
    "STOPPING_CAPTION",
    "comparison_table",
    "copies_table",
    "per_class_table",
    "paper_per_class_table",
    "open_run",
    "run_overview",
]


def _params(model, names) -> tuple[int, int]:
    """(parameters of the named layers, the same plus the BatchNormalization that precedes each)."""
    own = bn = 0
    for name in names:
        layer = model.get_layer(name)
        own += int(sum(np.prod(w.shape) for w in layer.weights))
        if name.endswith("_conv") and name != "stem_conv":
            pre = model.get_layer(name[: -len("_conv")] + "_bn")
            bn += int(sum(np.prod(w.shape) for w in pre.weights))
    return own, own + bn


def _shape(model, name) -> str:
    return " x ".join(str(d) for d in model.get_layer(name).output.shape[1:])


def table1(model=None):
    """The paper's Table 1, generated from a built BBNN (default: ``build_bbnn()``).

    Columns: part, layer, output size, filters, parameters (convolution / dense only, as the
    paper counts), parameters including BatchNormalization, and the paper's figure. The last two
    rows are the totals.
    """
    import pandas as pd

    from .model import build_bbnn, count_params

    model = model or build_bbnn()
    n_blocks = sum(1 for layer in model.layers if layer.name.endswith("_broadcast_concat"))
    rows = []

    def add(part, layer, shape_of, filters, names):
        own, with_bn = _params(model, names) if names else (None, None)
        rows.append(
            {
                "part": part,
                "layer": layer,
                "output size": _shape(model, shape_of) if shape_of else "-",
                "filters": filters,
                "params": own,
                "params with BN": with_bn,
                "paper": PAPER_TABLE1_PARAMS.get((part, layer)),
            }
        )

    stem_bn = int(sum(np.prod(w.shape) for w in model.get_layer("stem_bn").weights))
    add("SL", "Convolution", "stem_conv", "3x3/1 (32)", ["stem_conv"])
    rows[-1]["params with BN"] += stem_bn  # Conv -> BN -> ReLU in the stem
    add("SL", "Max Pool", "stem_pool", "4x1", [])
    for i in range(1, n_blocks + 1):
        tag = "abcdefgh"[i - 1] if i <= 8 else str(i)
        add(
            "BM",
            f"Inception ({tag}), top",
            None,
            "[1x1/1 (32) conv] x 3, 3x3/1 maxpool",
            [f"bm{i}_branch1x1_conv", f"bm{i}_branch3x3_reduce_conv", f"bm{i}_branch5x5_reduce_conv"],
        )
        add(
            "BM",
            f"Inception ({tag}), bottom",
            f"bm{i}_broadcast_concat",
            "3x3/1 (32), 5x5/1 (32), 1x1/1 (32) conv",
            [f"bm{i}_branch3x3_conv", f"bm{i}_branch5x5_conv", f"bm{i}_pool_proj_conv"],
        )
    add("TL", "Convolution", "transition_conv", "1x1/1 (32)", ["transition_conv"])
    add("TL", "Average Pool", "transition_pool", "2x2/2", [])
    head_bn = int(sum(np.prod(w.shape) for w in model.get_layer("head_bn").weights))
    add("DL", "Global Average Pool", "head_gap", "-", [])
    rows[-1]["params with BN"] = head_bn
    add("DL", "Softmax", "classifier", "-", ["classifier"])
    counts = count_params(model)
    rows.append(
        {
            "part": "",
            "layer": "Total (without BN)",
            "output size": "",
            "filters": "",
            "params": counts["without_bn"],
            "params with BN": None,
            "paper": 180_458,
        }
    )
    rows.append(
        {
            "part": "",
            "layer": "Total (all / trainable)",
            "output size": "",
            "filters": "",
            "params": counts["total"],
            "params with BN": counts["trainable"],
            "paper": None,
        }
    )
    df = pd.DataFrame(rows)
    for col in ("params", "params with BN", "paper"):
        df[col] = df[col].astype("Int64")
    return df


def table2(datasets: dict):
    """Tracks per genre, one column pair per data set (the paper's Table 2).

    ``datasets`` maps a title to a :class:`~bbnn_core.datasets.Dataset`; each column lists that
    data set's classes in its own order, with a total.
    """
    import pandas as pd

    columns = {}
    for title, ds in datasets.items():
        counts = ds.counts()
        columns[(title, "genre")] = list(counts) + ["Total"]
        columns[(title, "tracks")] = list(counts.values()) + [sum(counts.values())]
    n = max(len(v) for v in columns.values())
    for v in columns.values():
        v += [""] * (n - len(v))
    return pd.DataFrame(columns)


def read_histories(folder: str | os.PathLike, *, authors: bool = False):
    """Per-fold training histories (the authors' columns) as one DataFrame with a ``fold`` column:
    of a run folder (every fold that has one, finished or not), or with ``authors=True`` of the
    authors' released logs in ``folder``."""
    import pandas as pd

    from .runs import Run, authors_histories

    if authors:
        frames = [pd.read_csv(p).assign(fold=k) for k, p in authors_histories(folder)]
    else:
        frames = [f.history().assign(fold=f.index) for f in Run(folder).folds()]
    frames = [f[["fold", *[c for c in f.columns if c != "fold"]]] for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


STOPPING_COLUMNS = [
    "run",
    "fold",
    "epochs run",
    "best epoch",
    "first LR cut (epoch)",
    "LR cuts",
    "last training loss",
    "train acc (%)",
    "test acc (%)",
]


def lr_schedule(history) -> dict:
    """What ReduceLROnPlateau did in one fold's history (a DataFrame with the authors' columns
    ``lr`` and ``loss``, one row per epoch): the first epoch, counted from 1, that ran at a lower
    rate (NaN when none did), how many cuts, and the training loss of the last epoch."""
    lr = history["lr"].to_numpy()
    cuts = np.flatnonzero(lr[1:] < lr[:-1]) + 1  # epochs (from 0) that start at a lower rate
    return {
        "first LR cut (epoch)": float(cuts[0] + 1) if len(cuts) else np.nan,
        "LR cuts": int(len(cuts)),
        "last training loss": float(history["loss"].iloc[-1]),
    }


def stopping_table(*, summary: dict | None = None, histories=None, authors=None, label: str = "ours"):
    """Epochs run, best epoch (the highest validation accuracy, counted from 1) and the learning
    rate's schedule per fold: one row per finished fold of a run (its ``summary`` from
    :func:`bbnn_core.metrics.summarize_run` and its :func:`read_histories`), with the training and
    test accuracy of the weights kept, then one row per released history of the authors
    (``authors``, their :func:`read_histories`), whose accuracies are not released with them."""
    import pandas as pd

    rows = []
    for f in (summary or {}).get("per_fold", []):
        rows.append(
            {
                "run": label,
                "fold": int(f["fold"]),
                "epochs run": int(f["epochs_run"]),
                "best epoch": int(f["best_epoch"]) + 1,
                **lr_schedule(histories[histories["fold"] == f["fold"]]),
                "train acc (%)": 100 * f["train_acc"],
                "test acc (%)": 100 * f["test_acc"],
            }
        )
    if authors is not None and len(authors):
        for fold, h in authors.groupby("fold"):
            rows.append(
                {
                    "run": "authors",
                    "fold": int(fold),
                    "epochs run": len(h),
                    "best epoch": int(h["val_acc"].to_numpy().argmax()) + 1,
                    **lr_schedule(h),
                    "train acc (%)": np.nan,
                    "test acc (%)": np.nan,
                }
            )
    return pd.DataFrame(rows, columns=STOPPING_COLUMNS)


def stopping_style(table):
    """A :func:`stopping_table` styled for the book (no index, a dash where nothing is known)."""
    return (
        table.style.hide(axis="index")
        .format(precision=1, na_rep="-")
        .format("{:.3f}", subset=["last training loss"])
        .format("{:.0f}", subset=["first LR cut (epoch)"], na_rep="-")
    )


STOPPING_CAPTION = (
    "How long each fold trained: {who}. Epochs are counted from 1. ReduceLROnPlateau multiplies the learning "
    f"rate by {PAPER_RECIPE['lr_factor']} after {PAPER_RECIPE['lr_patience']} epochs without a lower training loss."
)


def pct_ci(s: dict) -> str:
    """An accuracy summary as the tables show it: ``76.0 [66.8, 83.3]`` (percent, 95 % interval)."""
    return f"{100 * s['mean']:.1f} [{100 * s['ci_low']:.1f}, {100 * s['ci_high']:.1f}]"


def comparison_table(
    dataset: str,
    *,
    ours: dict | None = None,
    ours_label: str = "BBNN, our run",
    authors: dict | None = None,
    data_label: str = "",
    other_data: bool = False,
    probes: dict | None = None,
):
    """Tables 3 / 5 / 7: the paper's literature rows (quoted), then the numbers computed here.

    ``ours`` is a run's summary (its BBNN and baseline accuracies with 95 % CIs); ``probes``
    (embedding -> a probe run's summary) the linear probes on pretrained embeddings, same folds;
    ``authors`` the summary of the authors' released ``fold_results.csv``. ``other_data``: the run
    is of another data set than the paper's (a user's classes), and the rows of the paper and of
    the authors say on which data set they are.
    """
    import pandas as pd

    on = f", on {PAPER_DATASET_NAMES[dataset]}, not this run's data" if other_data else ""
    rows = [
        {"method": m, "preprocessing": p, "accuracy (%)": f"{a:.1f}", "source": f"quoted from the paper{on}"}
        for m, p, a in PAPER_LITERATURE.get(dataset, [])
    ]
    if authors is not None:
        rows.append(
            {
                "method": "BBNN, the authors' released logs (10 random 80/10/10 draws)",
                "preprocessing": "mel-spectrogram",
                "accuracy (%)": pct_ci(authors),
                "source": f"computed from their fold_results.csv{on}",
            }
        )
    if ours is not None and "test_acc" in ours:
        rows.append(
            {
                "method": ours_label,
                "preprocessing": "log-mel",
                "accuracy (%)": pct_ci(ours["test_acc"]),
                "source": f"our run{data_label}",
            }
        )
        if "baseline_test_acc" in ours:
            rows.append(
                {
                    "method": "SVM on log-mel + MFCC statistics, same folds",
                    "preprocessing": "log-mel, MFCC",
                    "accuracy (%)": pct_ci(ours["baseline_test_acc"]),
                    "source": f"our run{data_label}",
                }
            )
    from .probe import EMBEDDINGS

    for name, summary in (probes or {}).items():
        rows.append(
            {
                "method": f"linear probe on {EMBEDDINGS[name]}: pretrained on other data, not BBNN",
                "preprocessing": "log-mel" if name == "bbnn-eb" else "mel-spectrogram, 16 kHz",
                "accuracy (%)": pct_ci(summary["test_acc"]),
                "source": "our probe run, same folds",
            }
        )
    return pd.DataFrame(rows)


def fold_provenance_table(run_dir):
    """One row per finished fold of a run: how it was made, as its provenance records it. The
    commit it was trained at, its CPU instruction-set class(es), the backend's thread count,
    whether it trained deterministically, which feature bytes it trained on (the first 8 hex
    digits of their checksum), its processes (a resumed fold has several), epochs and wall hours."""
    import pandas as pd

    from .runs import Run, fold_instruction_sets

    rows = []
    for fold in Run(run_dir).finished_folds():
        p, m = fold.provenance(), fold.metrics()
        det = p["determinism"]
        commits = {str(x["git_commit"])[:7] for x in p["sessions"]}
        rows.append(
            {
                "fold": int(fold.index),
                "commit": ", ".join(sorted(commits)) + (" (uncommitted changes)" if p.get("git_dirty") else ""),
                "CPU class": " then ".join(fold_instruction_sets(p)),
                "threads": det.get("intra_op_threads", "-"),
                "deterministic": "yes" if det["deterministic"] else "no",
                "feature bytes": str(p.get("dataset_checksum") or "-")[:8],
                "processes": len(p["sessions"]),
                "epochs": int(m["epochs_run"]),
                "wall time (h)": float(p["wall_time_s"]) / 3600,
            }
        )
    return pd.DataFrame(rows)


def copies_table(labels, groups, *, seed: int = 0, n_folds: int = 10, protocols=("authors", "kfold", "grouped")):
    """How many test and validation tracks of each protocol's folds have a copy of the same song
    (a track of the same group) in the training part, per protocol: mean per fold, range and
    share of all test tracks.

    Parameters
    ----------
    labels : np.ndarray [shape=(n_tracks,)], int
    groups : np.ndarray [shape=(n_tracks,)]
    """
    import pandas as pd

    from .splits import copies_in_training, make_splits

    rows = []
    for protocol in protocols:
        folds = make_splits(np.asarray(labels), protocol=protocol, n_folds=n_folds, seed=seed, groups=groups)
        counts = pd.DataFrame(copies_in_training(folds, groups))
        rows.append(
            {
                "protocol": protocol,
                "test tracks per fold": round(float(counts["test"].mean()), 1),
                "with a copy in training (mean)": round(float(counts["test_copied"].mean()), 1),
                "range over folds": f"{counts['test_copied'].min()}-{counts['test_copied'].max()}",
                "share of test tracks (%)": round(100 * counts["test_copied"].sum() / counts["test"].sum(), 1),
                "validation tracks with a copy (mean)": round(float(counts["val_copied"].mean()), 1),
            }
        )
    return pd.DataFrame(rows)


def per_class_table(report: dict, *, paper: dict | None = None, paper_average: tuple | None = None):
    """Tables 4 / 6 / 8: precision, recall, F-score (%) per genre, with the paper's beside. The
    average row holds the mean of this run's rows and, in the paper's columns, the average the
    paper prints (``paper_average``; not recomputed, since the paper's own rows do not give it)."""
    import pandas as pd

    rows = []
    for genre, m in report["per_class"].items():
        row = {
            "genre": genre,
            "precision": 100 * m["precision"],
            "recall": 100 * m["recall"],
            "F-score": 100 * m["f1"],
            "support": m["support"],
        }
        if paper is not None and genre in paper:
            row |= dict(zip(("paper precision", "paper recall", "paper F-score"), paper[genre]))
        rows.append(row)
    df = pd.DataFrame(rows)
    mean = df.drop(columns=["genre", "support"]).mean().to_dict()
    if paper is not None:
        printed = paper_average or (float("nan"),) * 3
        mean |= dict(zip(("paper precision", "paper recall", "paper F-score"), printed))
    df.loc[len(df)] = {"genre": "average", **mean, "support": int(df["support"].sum())}
    return df.round(1)


def paper_per_class_table(key: str):
    """The paper's per-genre table (4, 6 or 8) as it prints it, then rows computed from it: the
    plain mean of its rows, and the recall weighted by Table 2's track counts (the accuracy the
    table implies if each track was tested equally often). A genre the paper names otherwise
    carries its name in brackets: "Waltz (Slow Waltz)"."""
    import pandas as pd

    from .paper import PAPER_GENRE_NAMES, PAPER_PER_CLASS_AVERAGE, PAPER_TABLE2

    table = PAPER_PER_CLASS[key]
    names = PAPER_GENRE_NAMES.get(key, {})  # the paper's own name beside the data set's, where they differ
    rows = [
        {"genre": f"{g} ({names[g]})" if g in names else g, "precision": p, "recall": r, "F-score": f}
        for g, (p, r, f) in table.items()
    ]
    df = pd.DataFrame(rows)
    printed = dict(zip(("precision", "recall", "F-score"), PAPER_PER_CLASS_AVERAGE[key]))
    df.loc[len(df)] = {"genre": "Average (as printed)", **printed}
    mean = df.iloc[:-1][["precision", "recall", "F-score"]].mean()
    df.loc[len(df)] = {"genre": "mean of the rows (computed)", **mean.to_dict()}
    counts = PAPER_TABLE2.get(key, {})
    if set(counts) == set(table):
        weighted = sum(table[g][1] * n for g, n in counts.items()) / sum(counts.values())
        df.loc[len(df)] = {
            "genre": "recall weighted by the paper's Table 2 counts (computed)",
            "recall": weighted,
        }
    return df


def open_run(run_dir, *, dataset: str | None = None):
    """Read the run in ``run_dir`` as it is: its finished folds only. Nothing here trains (the
    notebooks train in a visible cell, with :func:`bbnn_core.train.train`).

    Returns ``(summary, config, folds, provenance)``, or None when the folder holds no finished
    fold yet (or does not exist).

    Raises
    ------
    RunError
        When the run belongs to another data set than ``dataset`` (a page must not show the
        committed gtzan_mini run under the name of the user's data).
    """
    from .errors import RunError
    from .metrics import summarize_run
    from .runs import Run
    from .train import is_run, load_run_config

    if run_dir is None or not is_run(run_dir):
        return None
    run = Path(run_dir)
    cfg = load_run_config(run)
    if dataset is not None and cfg.dataset != dataset:
        raise RunError(
            f"{run} holds a run of {cfg.dataset!r}, not of {dataset!r}: give this data its own "
            "run_dir (or leave run_dir unset)"
        )
    summary = summarize_run(run)
    if not summary["folds_done"]:
        return None
    import pandas as pd

    folds = pd.DataFrame(summary["per_fold"])  # summarize_run has read every finished fold
    provenance = Run(run).finished_folds()[0].provenance()
    return summary, cfg, folds, provenance


def _feature_code_note(provenance: dict) -> str:
    """Whether the feature code changed since the run computed its features (by git history)."""
    from .runs import code_state

    then, now = provenance.get("features_commit"), code_state().get("features_commit")
    if then is None:
        return "not recorded (the run was not made in a git checkout)"
    if now is None or now == then:
        return f"as in this checkout (last changed in {then[:10]})"
    return f"changed since this run (run: {then[:10]}, now: {now[:10]}); its features were made by the older code"


def _duration(seconds: float) -> str:
    """A wall time as a reader takes it in: minutes below two hours, else hours."""
    return f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def run_overview(summary: dict, cfg, provenance: dict):
    """The facts stated at the top of a results page: data, protocol, profile, provenance."""
    import pandas as pd

    about = {
        "data set": cfg.dataset + (f" ({cfg.data_dir})" if cfg.data_dir else ""),
        "clips used": str(summary.get("n_tracks", "not recorded")),
        "clips tested": str(sum(int(c["support"]) for c in summary["pooled"]["per_class"].values())),
        "protocol": cfg.protocol,
        "profile": cfg.profile + ("" if cfg.profile == "paper" else " (REDUCED: not the paper's recipe)"),
        "epochs (max)": str(cfg.epochs),
        "training excerpt": f"{cfg.crop_frames} frames" if cfg.crop_frames else "full clip (647 frames)",
        "BatchNorm momentum": f"{cfg.bn_momentum:g}",  # as a string: a table of mixed types prints 0.990000
        "seed": str(cfg.seed),
        "Keras backend / device": f"{provenance['keras_backend']} / {provenance['device']}",
        "code (git commit)": str(provenance["git_commit"])[:10],
        "folds finished": f"{summary['folds_done']} of {summary['n_folds']}"
        + (
            ""
            if summary["folds_done"] == summary["n_folds"]
            else " (training continues; every number on this page is over the finished folds only)"
        ),
        "training wall time": _duration(summary["wall_time_s"])
        + f" over {summary['folds_done']} folds ({_duration(summary['wall_time_s'] / summary['folds_done'])} per fold)",
        "code (tree)": (
            "uncommitted changes (diff sha256 " + str(provenance.get("git_diff_sha256"))[:10] + ")"
            if provenance["git_dirty"]
            else "clean"
            if provenance["git_dirty"] is False
            else "not recorded (the run was not made in a git checkout)"
        ),
        "feature code": _feature_code_note(provenance),
        "deterministic": "yes (bit-for-bit repeatable on the same software, thread count and CPU class)"
        if provenance["determinism"]["deterministic"]
        else "no",
    }
    for line in summary.get("warnings", []):
        about[f"warning {len([k for k in about if k.startswith('warning')]) + 1}"] = line
    return pd.Series(about, name="").to_frame()
