"""Tables and figures of the paper, drawn from a built model, data sets and run folders only.

Nothing here trains or extracts features: a figure can be redrawn without re-running anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .figures import (  # noqa: F401 - re-exported: reports has always offered them
    BOOK_STYLE,
    FIGURE_DPI,
    FONT_KEY,
    book_style,
    captioned,
    figure_image,
    figure_png,
    mel_axis_in_hz,
    mel_centres,
    numbered,
    show,
    smallest_font_pt,
)
from .paper import (  # noqa: F401 - re-exported: reports has always offered them
    PAPER_ACCURACY,
    PAPER_BALLROOM_TEXT_ACCURACY,
    PAPER_LITERATURE,
    PAPER_PER_CLASS,
    PAPER_RECIPE,
    PAPER_TABLE1_PARAMS,
    table6_accuracy,
)

__all__ = [
    "PAPER_TABLE1_PARAMS",
    "table1",
    "table2",
    "read_histories",
    "plot_histories",
    "plot_confusion",
    "plot_fold_accuracies",
    "plot_architecture",
    "plot_blocks",
    "PAPER_LITERATURE",
    "PAPER_PER_CLASS",
    "comparison_table",
    "rerun_table",
    "spread_note",
    "paired_note",
    "copies_table",
    "per_class_table",
    "paper_per_class_table",
    "plot_spectrograms",
    "mel_axis_in_hz",
    "book_style",
    "show",
    "captioned",
    "numbered",
    "figure_image",
    "figure_png",
    "smallest_font_pt",
    "mel_centres",
    "audio_player",
    "open_run",
    "PAPER_ACCURACY",
    "run_overview",
    "discrepancies",
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


def plot_histories(histories, *, ax=None, title: str | None = None, lr_ax=None, legend: bool = True):
    """Figure 3: training and validation loss per epoch, every fold thin, and their mean thick
    over the epochs that every fold reached (beyond them a mean would be over fewer folds).

    With a ``val_acc`` column, each fold's kept weights (its epoch of best validation accuracy,
    the first if tied) are marked on its validation curve; ``lr_ax`` (an axis below, sharing the
    epochs) draws each fold's learning rate (ReduceLROnPlateau's cuts).
    ``legend=False`` leaves the legend to the caller (e.g. one for a figure of several panels)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    ax = ax or plt.subplots(figsize=(6, 4))[1]
    if lr_ax is not None:
        for _, h in histories.groupby("fold"):
            lr_ax.plot(h["epoch"], h["lr"], color="0.3", alpha=0.5, linewidth=0.8, drawstyle="steps-post")
        lr_ax.set_yscale("log")
        lr_ax.set_yticks(sorted({float(histories["lr"].max()), float(histories["lr"].min())}))  # start, lowest
        lr_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.2g}"))
        lr_ax.yaxis.set_minor_formatter(NullFormatter())
        lr_ax.set_ylabel("learning rate")
        lr_ax.set_xlabel("epoch")
        lr_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if "val_acc" in histories:
        kept = [h.iloc[int(h["val_acc"].to_numpy().argmax())] for _, h in histories.groupby("fold")]
        ax.plot(
            [r["epoch"] for r in kept],
            [r["val_loss"] for r in kept],
            linestyle="none",
            marker="o",
            markersize=4,
            color="tab:red",
            label="weights kept (best validation accuracy)",
        )
    n_folds = histories["fold"].nunique()
    common = int(histories.groupby("fold")["epoch"].max().min())
    for name, colour in (("loss", "tab:blue"), ("val_loss", "tab:orange")):
        for _, h in histories.groupby("fold"):
            ax.plot(h["epoch"], h[name], color=colour, alpha=0.25, linewidth=0.8)
        mean = histories[histories["epoch"] <= common].groupby("epoch")[name].mean()
        ax.plot(
            mean.index,
            mean.values,
            color=colour,
            linewidth=2,
            label=("training" if name == "loss" else "validation") + f" loss, mean of {n_folds}",
        )
    if histories["epoch"].max() > common:
        ax.axvline(common, color="0.5", linestyle=":", linewidth=1)
        ax.annotate(
            f"epoch {common}: last\nreached by all",
            (common, 1),
            xycoords=("data", "axes fraction"),
            xytext=(-4, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=BOOK_STYLE["xtick.labelsize"],
            color="0.35",
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if lr_ax is None:
        ax.set_xlabel("epoch")
    ax.set_ylabel("categorical cross-entropy")
    ax.set_yscale("log")
    if legend:
        ax.legend(frameon=False, loc="lower left")
    if title:
        ax.set_title(title)
    return ax


def plot_confusion(cm, classes, *, ax=None, title: str | None = None, normalize: bool = True):
    """Figure 4 (left): confusion matrix pooled over folds, rows = true genre."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    cm = np.asarray(cm, dtype=float)
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    ax = ax or plt.subplots(figsize=(6, 5))[1]
    sns.heatmap(
        shown,
        annot=cm.astype(int),
        fmt="d",
        cmap="Blues",
        vmin=0,
        vmax=1 if normalize else None,
        xticklabels=classes,
        yticklabels=classes,
        cbar=normalize,
        ax=ax,
        square=True,
    )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return ax


def plot_fold_accuracies(folds, *, ax=None, title: str | None = None, xlabel: str = "fold", reruns=None):
    """Figure 4 (right): train / validation / test accuracy per fold (a ``read_run`` frame or the
    authors' ``fold_results.csv``), numbered from 0 in both cases, on an axis that starts just
    below the lowest bar so that differences of a few points stay visible. ``reruns`` (a
    :func:`bbnn_core.metrics.rerun_spread` table) marks each rerun's test accuracy on its fold's
    test bar: a circle per other training seed, a cross per numeric rerun."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    x = np.arange(len(folds))
    width = 0.27
    cols = (("train_acc", "train"), ("val_acc", "validation"), ("test_acc", "test"))
    for j, (col, label) in enumerate(cols):
        ax.bar(x + (j - 1) * width, folds[col], width, label=label)
    marks = []
    if reruns is not None and len(reruns) and "fold" in folds:
        where = {int(k): i for i, k in enumerate(folds["fold"])}
        for kind, marker, label, shift in (
            ("train seed", "o", "test, other training seed", -width / 4),
            ("numeric", "x", "test, numeric rerun", width / 4),
        ):
            rows = reruns[(reruns["kind"] == kind) & reruns["fold"].isin(list(where))]
            if len(rows):  # on the fold's test bar, the two kinds side by side
                xs = [where[int(k)] + width + shift for k in rows["fold"]]
                ax.scatter(
                    xs,
                    rows["rerun_acc"],
                    marker=marker,
                    s=28,
                    color="black",
                    zorder=3,
                    facecolors="none" if marker == "o" else "black",
                    linewidths=1.2,
                    label=label,
                )
                marks.append(rows["rerun_acc"])
    ax.set_xticks(x, [str(i) for i in x])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    low = min([float(np.min(folds[c])) for c, _ in cols] + [float(np.min(m)) for m in marks])
    ax.set_ylim(max(0.0, np.floor(low * 10 - 0.5) / 10), 1.0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(frameon=False, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    if title:
        legend_rows = -(-(len(cols) + len(marks)) // 3)
        ax.set_title(title, pad=24 + 16 * (legend_rows - 1))
    return ax


def plot_architecture(model=None, *, ax=None):
    """Figure 2: the whole network, drawn from the built model (shapes read off its layers).

    Left to right: shallow layers, the Broadcast Module (each Inception block's output is
    concatenated with everything before it: the arcs), transition layers, decision layers.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from .model import build_bbnn

    model = model or build_bbnn()
    n_blocks = sum(1 for layer in model.layers if layer.name.endswith("_broadcast_concat"))
    stages = [
        ("input\nlog-mel", "log_mel", "#eeeeee"),
        ("Conv 3x3\nBN, ReLU", "stem_relu", "#cfe2f3"),
        ("MaxPool\n4x1", "stem_pool", "#cfe2f3"),
    ]
    for i in range(1, n_blocks + 1):
        stages.append((f"Inception\nblock {i}", f"bm{i}_inception_concat", "#d9ead3"))
        stages.append(("concat", f"bm{i}_broadcast_concat", "#b6d7a8"))
    stages += [
        ("BN, ReLU\nConv 1x1", "transition_conv", "#fce5cd"),
        ("AvgPool\n2x2", "transition_pool", "#fce5cd"),
        ("BN, ReLU\nGAP", "head_gap", "#f4cccc"),
        ("softmax", "classifier", "#f4cccc"),
    ]
    # two rows, so that the labels stay legible at the page's width: the shallow layers and the
    # Broadcast Module on top, the transition and decision layers below
    split = 3 + 2 * n_blocks
    w, h, gap, row2 = 1.2, 1.3, 0.2, -2.5
    pos = [(i * (w + gap), 0.0) for i in range(split)] + [(i * (w + gap), row2) for i in range(len(stages) - split)]
    ax = ax or plt.subplots(figsize=(0.8 * split * (w + gap), 5.0))[1]
    for (x, y), (label, layer, colour) in zip(pos, stages):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02", fc=colour, ec="0.3"))
        ax.text(x + w / 2, y + h - 0.33, label, ha="center", va="center", fontsize=9.5)
        dims = model.get_layer(layer).output.shape[1:]
        shape = f"{dims[0]}x{dims[1]}\n{dims[2]} ch" if len(dims) == 3 else f"{dims[-1]}"
        ax.text(x + w / 2, y + 0.3, shape, ha="center", va="center", fontsize=9.5, color="0.2")
    for k in range(len(stages) - 1):
        (xa, ya), (xb, yb) = pos[k], pos[k + 1]
        if ya == yb:
            ax.add_patch(
                FancyArrowPatch((xa + w, ya + h / 2), (xb, yb + h / 2), arrowstyle="-|>", mutation_scale=9, color="0.3")
            )
        else:  # from the end of the top row, below its labels, to the start of the bottom row
            mid = ya - 0.8
            ax.plot([xa + w / 2, xa + w / 2, xb + w / 2], [ya, mid, mid], color="0.3", lw=1)
            ax.add_patch(
                FancyArrowPatch(
                    (xb + w / 2, mid), (xb + w / 2, yb + h), arrowstyle="-|>", mutation_scale=9, color="0.3"
                )
            )
    # broadcast (dense) connections: the input of the module reaches every concat
    first = 2  # the max-pool output feeds the Broadcast Module
    concat_idx = [i for i, (_, layer, _) in enumerate(stages) if layer.endswith("_broadcast_concat")]
    sources = [first] + concat_idx[:-1]
    for k, target in enumerate(concat_idx):
        for src in sources[: k + 1]:
            ax.add_patch(
                FancyArrowPatch(
                    (pos[src][0] + w / 2, h + 0.02),
                    (pos[target][0] + w / 2, h + 0.02),
                    connectionstyle=f"arc3,rad=-{0.25 + 0.05 * (target - src) / 2}",
                    arrowstyle="-|>",
                    mutation_scale=8,
                    color="tab:green",
                    lw=0.9,
                )
            )
    parts = [
        ("shallow layers", 0, 2),
        ("Broadcast Module (green: dense connections)", 3, split - 1),
        ("transition layers", split, split + 1),
        ("decision layers", split + 2, len(stages) - 1),
    ]
    for label, a, b in parts:
        y = pos[a][1] - 0.25
        ax.annotate("", (pos[a][0], y), (pos[b][0] + w, y), arrowprops=dict(arrowstyle="-", color="0.5"))
        ax.text((pos[a][0] + pos[b][0] + w) / 2, y - 0.2, label, ha="center", va="center", fontsize=9.5, color="0.3")
    ax.set_xlim(-0.2, pos[split - 1][0] + w + 0.2)
    ax.set_ylim(row2 - 0.7, 3.0)
    ax.set_axis_off()
    return ax


def _pct_ci(s: dict) -> str:
    return f"{100 * s['mean']:.1f} [{100 * s['ci_low']:.1f}, {100 * s['ci_high']:.1f}]"


def comparison_table(
    dataset: str,
    *,
    ours: dict | None = None,
    ours_label: str = "BBNN, this reproduction",
    authors: dict | None = None,
    data_label: str = "",
    spread: str | None = None,
):
    """Tables 3 / 5 / 7: the paper's literature rows (quoted), then the numbers computed here.

    ``ours`` is a run's summary (its BBNN and baseline accuracies with 95 % CIs);
    ``authors`` the summary of the authors' released ``fold_results.csv``; ``spread``, when
    given, how far reruns move our BBNN row (:func:`spread_note`), in a column of its own.
    """
    import pandas as pd

    rows = [
        {"method": m, "preprocessing": p, "accuracy (%)": f"{a:.1f}", "source": "quoted from the paper"}
        for m, p, a in PAPER_LITERATURE.get(dataset, [])
    ]
    if authors is not None:
        rows.append(
            {
                "method": "BBNN, the authors' released logs (10 random 80/10/10 draws)",
                "preprocessing": "mel-spectrogram",
                "accuracy (%)": _pct_ci(authors),
                "source": "computed from their fold_results.csv",
            }
        )
    if ours is not None and "test_acc" in ours:
        rows.append(
            {
                "method": ours_label,
                "preprocessing": "log-mel (authors' recipe)",
                "accuracy (%)": _pct_ci(ours["test_acc"]),
                "source": f"this run{data_label}",
            }
        )
        if "baseline_test_acc" in ours:
            rows.append(
                {
                    "method": "SVM on log-mel + MFCC statistics, same folds",
                    "preprocessing": "log-mel, MFCC",
                    "accuracy (%)": _pct_ci(ours["baseline_test_acc"]),
                    "source": f"this run{data_label}",
                }
            )
    table = pd.DataFrame(rows)
    if spread is not None:
        table["a rerun moves it by"] = ["" if m != ours_label else spread for m in table["method"]]
    return table


def _rerun_labels(spread) -> dict:
    """A column name per rerun: "train seed N", or "same seeds, other <what differs>"."""
    labels: dict = {}
    for rerun, rows in spread.groupby("rerun", sort=False):
        first = rows.iloc[0]
        if first["kind"] == "train seed":
            label = f"train seed {int(first['train_seed'])}"
        else:
            names = {n.strip() for d in rows["differs_in"] for n in str(d).split(",") if n.strip()}
            what = sorted("CPU class" if n == "instruction set" else n for n in names)
            label = "same seeds" + (f", other {', '.join(what)}" if what else ", same settings")
        if label in labels.values():
            label += f" ({Path(rerun).name})"
        labels[rerun] = label
    return labels


def rerun_table(spread):
    """Each fold's test accuracy (%) in the reference run and in each rerun (a
    :func:`bbnn_core.metrics.rerun_spread` table), the range over training seeds (the reference
    and every train-seed rerun) and the largest change by a numeric rerun, in points; a last row
    gives the same over the folds that every rerun finished, pooled (weighted by test clips)."""
    import pandas as pd

    labels = _rerun_labels(spread)
    wide = spread.pivot_table(index="fold", columns="rerun", values="rerun_acc", aggfunc="first")
    wide = wide.rename(columns=labels)[list(labels.values())]
    ref = spread.groupby("fold")["reference_acc"].first()
    n = spread.groupby("fold")["n_test"].first()
    table = pd.concat([ref.rename("this run"), wide], axis=1)
    seeds = ["this run"] + [labels[r] for r in labels if (spread[spread["rerun"] == r]["kind"] == "train seed").all()]
    numeric = [labels[r] for r in labels if (spread[spread["rerun"] == r]["kind"] == "numeric").all()]
    common = table.dropna().index
    if len(common) >= 2:  # one fold pooled is that fold
        pooled = (table.loc[common].mul(n.loc[common], axis=0).sum() / n.loc[common].sum()).rename("pooled")
        table = pd.concat([table, pooled.to_frame().T])
    out = 100 * table
    if len(seeds) > 1:
        out["train-seed range (points)"] = out[seeds].max(axis=1) - out[seeds].min(axis=1)
    if numeric:
        out["numeric change (points)"] = out[numeric].sub(out["this run"], axis=0).abs().max(axis=1)
    rows = [f"fold {k}" for k in out.index[: len(out) - (out.index[-1] == "pooled")]]
    if out.index[-1] == "pooled":
        rows.append(f"pooled over folds {', '.join(str(k) for k in common)}")
    out.index = rows
    return out.reset_index(names="")


def spread_note(summary: dict) -> str:
    """One phrase per kind of rerun from :func:`bbnn_core.metrics.spread_summary`: how far the
    reruns moved the pooled accuracy (points), over how many reruns and folds."""
    parts = []
    for kind, s in summary.items():
        folds = ", ".join(str(k) for k in s["folds"])
        what = "other training seeds" if kind == "train seed" else "the same seeds on other settings"
        parts.append(
            f"up to {100 * s['pooled_max_abs']:.1f} points with {what} ({s['reruns']} rerun"
            f"{'s' if s['reruns'] != 1 else ''}, fold{'s' if len(s['folds']) != 1 else ''} {folds})"
        )
    return "; ".join(parts)


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


def paired_note(paired: dict, *, of: str = "") -> str:
    """The clip-by-clip comparison of BBNN and the SVM (:func:`bbnn_core.metrics.paired_comparison`)
    in words: the four counts, the exact McNemar test and what it allows one to say. ``of`` names
    the clips (e.g. "of 5 of 10 folds")."""
    n, b, c = paired["n_clips"], paired["bbnn_only"], paired["svm_only"]
    if not n:
        return "No fold records the SVM's prediction for each clip, so the two cannot be compared clip by clip."
    p = paired["p_value"]
    if p < 0.05:
        better = "BBNN" if b > c else "the SVM"
        verdict = f"{better} is the more accurate of the two on these clips"
    else:
        verdict = "these clips do not tell the two apart"
    text = (
        f"On the same {n} test clips{f' {of}' if of else ''}, both are right on {paired['both_right']} and both "
        f"wrong on {paired['both_wrong']}; BBNN alone is right on {b}, the SVM alone on {c}. Were the two equally "
        f"accurate, the {b + c} clips that only one gets right would split at least this unevenly with "
        f"probability {p:.2f} (exact McNemar test): {verdict}."
    )
    if paired["missing"]:
        text += (
            f" Fold{'s' if len(paired['missing']) > 1 else ''} {', '.join(map(str, paired['missing']))} "
            "left out: the SVM's predictions per clip could not be recovered."
        )
    return text


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
    table implies, since pooled recall weighted by class size is accuracy)."""
    import pandas as pd

    from .paper import PAPER_PER_CLASS_AVERAGE, PAPER_TABLE2

    table = PAPER_PER_CLASS[key]
    rows = [{"genre": g, "precision": p, "recall": r, "F-score": f} for g, (p, r, f) in table.items()]
    df = pd.DataFrame(rows)
    printed = dict(zip(("precision", "recall", "F-score"), PAPER_PER_CLASS_AVERAGE[key]))
    df.loc[len(df)] = {"genre": "Average (as printed)", **printed}
    mean = df.iloc[:-1][["precision", "recall", "F-score"]].mean()
    df.loc[len(df)] = {"genre": "mean of the rows (computed)", **mean.to_dict()}
    counts = PAPER_TABLE2.get(key, {})
    if set(counts) == set(table):
        weighted = sum(table[g][1] * n for g, n in counts.items()) / sum(counts.values())
        df.loc[len(df)] = {"genre": "recall weighted by Table 2 counts = accuracy (computed)", "recall": weighted}
    return df


def plot_spectrograms(examples: dict, params=None, *, ncols: int = 5):
    """Log-mel spectrograms, one panel per title: ``examples`` maps a title to ``(n_frames, n_mels)``
    dB. Each panel is drawn relative to its clip's maximum (the features keep 80 dB below it), so
    the one colour bar holds for every panel; the mel axis is labelled in Hz."""
    import matplotlib.pyplot as plt

    from .features import PAPER_PARAMS

    params = params or PAPER_PARAMS
    n = len(examples)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.1 * ncols, 2.2 * nrows), sharex=True, sharey=True, squeeze=False)
    seconds = params.n_frames * params.hop_length / params.sr
    for ax, (title, S) in zip(axes.flat, examples.items()):
        im = ax.imshow(
            (S - S.max()).T,
            origin="lower",
            aspect="auto",
            cmap="magma",
            extent=(0, seconds, 0, S.shape[1]),
            vmin=-params.top_db,
            vmax=0,
        )
        ax.set_title(title)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    for ax in axes[:, 0]:
        mel_axis_in_hz(ax, params)
    fig.colorbar(im, ax=axes, shrink=0.8, label="dB below the clip's maximum")
    return fig


def audio_player(audio, title: str, *, sr: int | None = None, start: float = 0.0, seconds: float = 6.0, kbps: int = 64):
    """An HTML5 player for ``seconds`` of a clip (a file, or samples at ``sr``) from ``start``,
    as an MP3 at ``kbps`` embedded in the page (6 s at 64 kbit/s: about 50 kB), named by
    ``title``."""
    import base64
    import html

    from IPython.display import HTML

    from .audio import load_audio
    from .errors import ParameterError
    from .robustness import mp3_bytes

    rate = 44100  # an MP3 rate every browser plays
    if isinstance(audio, (str, os.PathLike)):
        y = load_audio(audio, sr=rate)
    else:
        import librosa

        if sr is None:
            raise ParameterError("audio_player needs the sample rate (sr) of an array of samples")
        y = librosa.resample(np.asarray(audio, dtype=np.float32), orig_sr=sr, target_sr=rate, res_type="soxr_hq")
    y = y[int(start * rate) : int((start + seconds) * rate)]
    data = base64.b64encode(mp3_bytes(np.clip(y, -1, 1), rate, kbps)).decode()
    label = html.escape(f"{title} ({start:g}-{start + seconds:g} s)")
    return HTML(
        f'<figure class="bbnn-audio" style="display:inline-block;margin:0.3em 1em 0.3em 0"><figcaption style="font-size:0.9em">{label}</figcaption>'
        f'<audio controls preload="none" src="data:audio/mpeg;base64,{data}"></audio></figure>'
    )


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
        return "not recorded (run predates the record)"
    if now is None or now == then:
        return f"as in this checkout (last changed in {then[:10]})"
    return f"changed since this run (run: {then[:10]}, now: {now[:10]}); its features were made by the older code"


def run_overview(summary: dict, cfg, provenance: dict):
    """The facts stated at the top of a results page: data, protocol, profile, provenance."""
    import pandas as pd

    about = {
        "data set": cfg.dataset + (f" ({cfg.data_dir})" if cfg.data_dir else ""),
        "clips used": summary.get("n_tracks", "not recorded"),
        "clips tested": int(sum(summary["pooled"]["per_class"][c]["support"] for c in summary["pooled"]["per_class"])),
        "protocol": cfg.protocol,
        "profile": cfg.profile + ("" if cfg.profile == "paper" else " (REDUCED: not the paper's recipe)"),
        "epochs (max)": cfg.epochs,
        "training excerpt": f"{cfg.crop_frames} frames" if cfg.crop_frames else "full clip (647 frames)",
        "BatchNorm momentum": cfg.bn_momentum,
        "seed": cfg.seed,
        "Keras backend / device": f"{provenance['keras_backend']} / {provenance['device']}",
        "code (git commit)": str(provenance["git_commit"])[:10],
        "folds finished": f"{summary['folds_done']} of {summary['n_folds']}"
        + (
            ""
            if summary["folds_done"] == summary["n_folds"]
            else " (training continues; every number on this page is over the finished folds only)"
        ),
        "training wall time": f"{summary['wall_time_s'] / 60:.1f} min over {summary['folds_done']} folds",
        "code (tree)": (
            "uncommitted changes (diff sha256 " + str(provenance.get("git_diff_sha256"))[:10] + ")"
            if provenance.get("git_dirty")
            else "clean"
            if provenance.get("git_dirty") is False
            else "not recorded (run predates the record)"
        ),
        "feature code": _feature_code_note(provenance),
        "deterministic": {
            True: "yes (bit-for-bit repeatable on the same software, thread count and CPU class)",
            False: "no",
            None: "not recorded",
        }[(provenance.get("determinism") or {}).get("deterministic")],
    }
    for line in summary.get("warnings", []):
        about[f"warning {len([k for k in about if k.startswith('warning')]) + 1}"] = line
    return pd.Series(about, name="").to_frame()


def discrepancies(cfg, *, dataset: str, authors: dict | None = None) -> str:
    """Markdown bullets: how the run shown differs from the paper's experiment, and why."""
    published = PAPER_ACCURACY[dataset]
    lines = []
    if cfg is not None and cfg.profile != "paper":
        lines.append(
            f"- This run uses the **{cfg.profile}** profile, reduced to run on a CPU in minutes "
            f"({cfg.epochs} epochs, training excerpts of {cfg.crop_frames} frames, BatchNorm momentum "
            f"{cfg.bn_momentum}); its accuracy is not comparable with the paper's {PAPER_RECIPE['epochs']}-epoch "
            "runs."
        )
    if cfg is not None and cfg.dataset == "gtzan_mini" and cfg.protocol in ("kfold", "grouped"):
        per_fold = 100 // cfg.n_folds
        lines.append(
            f"- It uses gtzan_mini, 100 of GTZAN's 1000 clips: each test fold holds {per_fold} clips, so one clip "
            f"moves a fold's accuracy by {100 / per_fold:.0f} points and the interval is wide."
        )
    if cfg is not None and cfg.protocol in ("kfold", "grouped"):
        lines.append(
            f"- It uses true {cfg.n_folds}-fold cross-validation (every clip tested once). The paper says 10-fold, "
            "but the authors' code draws 10 independent random 80/10/10 splits whose test sets overlap "
            "(`--protocol authors` reproduces that)."
        )
    if authors is not None:
        lines.append(
            f"- The authors' released logs average {100 * authors['mean']:.2f} % test accuracy over their "
            f"10 runs; the paper reports {published} %."
        )
    if dataset == "ballroom":
        lines.append(
            f"- The paper's text gives BBNN {PAPER_BALLROOM_TEXT_ACCURACY} % on Ballroom, its Table 5 "
            f"{PAPER_ACCURACY['ballroom']} %; its own Table 6, weighted by Table 2's counts, implies "
            f"{table6_accuracy():.1f} %. The authors released no Ballroom logs or models to check either."
        )
    if dataset == "extended_ballroom":
        lines.append(
            "- Extended Ballroom holds copies of the same songs (linked in its metadata); random splits, "
            "like the authors', put copies on both sides. The `grouped` protocol does not."
        )
    return "\n".join(lines)


def plot_blocks(model=None):
    """Figure 1: (a) an Inception block of BBNN, (b) the Broadcast Module that chains them densely.

    Branches, kernel sizes and channel counts are read off the built model.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from .model import build_bbnn

    model = model or build_bbnn()

    def box(ax, x, y, text, colour, w=1.55, h=0.6):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02", fc=colour, ec="0.3"))
        ax.text(x, y, text, ha="center", va="center", fontsize=9.5)

    def arrow(ax, a, b, colour="0.3", rad=0.0):
        ax.add_patch(
            FancyArrowPatch(
                a, b, arrowstyle="-|>", mutation_scale=8, color=colour, connectionstyle=f"arc3,rad={rad}", lw=0.9
            )
        )

    def conv_label(name):
        layer = model.get_layer(name)
        k = "x".join(map(str, layer.kernel_size))
        return f"BN-ReLU-Conv\n{k}, {layer.filters}"

    fig, (a, b) = plt.subplots(1, 2, figsize=(10.5, 4.8), gridspec_kw={"width_ratios": [1.25, 1]})
    # (a) Inception block
    cin = model.get_layer("bm1_branch1x1_bn").input.shape[-1]
    box(a, 3.3, 4.3, f"block input ({cin} ch)", "#eeeeee", w=2.4)
    xs = [0.8, 2.45, 4.1, 5.75]
    tops = [
        conv_label("bm1_branch1x1_conv"),
        conv_label("bm1_branch3x3_reduce_conv"),
        conv_label("bm1_branch5x5_reduce_conv"),
        "MaxPool 3x3\nstride 1",
    ]
    bottoms = [
        None,
        conv_label("bm1_branch3x3_conv"),
        conv_label("bm1_branch5x5_conv"),
        conv_label("bm1_pool_proj_conv"),
    ]
    for x, top, bottom in zip(xs, tops, bottoms):
        arrow(a, (3.3, 4.0), (x, 3.3))
        box(a, x, 3.0, top, "#d9ead3" if "Conv" in top else "#cfe2f3")
        if bottom:
            arrow(a, (x, 2.7), (x, 2.05))
            box(a, x, 1.75, bottom, "#d9ead3")
        arrow(a, (x, 1.45 if bottom else 2.7), (x, 0.8))  # each branch straight down into the concat
    cout = model.get_layer("bm1_inception_concat").output.shape[-1]
    box(a, 3.3, 0.5, f"concat ({cout} ch)", "#b6d7a8", w=6.4)
    a.text(6.6, 3.0, "top", fontsize=9.5, color="0.4", va="center")
    a.text(6.6, 1.75, "bottom", fontsize=9.5, color="0.4", va="center")
    a.set_xlim(-0.1, 7.3)
    a.set_ylim(0, 4.8)
    a.set_axis_off()
    a.set_title("(a) Inception block (each branch pre-activated, stride 1)", fontsize=11)
    # (b) Broadcast Module: x_k = concat([x_(k-1), inception_k(x_(k-1))]); left column the x_k,
    # right column the Inception blocks; the green arrows pass each block's input on
    n_blocks = sum(1 for layer in model.layers if layer.name.endswith("_broadcast_concat"))
    c0 = model.get_layer("stem_pool").output.shape[-1]
    top, step = 4.4, 1.35
    left, right = 1.2, 3.6
    box(b, left, top, f"input: {c0} ch", "#cfe2f3", w=1.7, h=0.45)
    for i in range(1, n_blocks + 1):
        y_prev, y_inc, y_cat = top - step * (i - 1), top - step * (i - 1) - step / 2, top - step * i
        box(b, right, y_inc, f"Inception {i}", "#d9ead3", w=1.6, h=0.45)
        ch = model.get_layer(f"bm{i}_broadcast_concat").output.shape[-1]
        box(b, left, y_cat, f"concat: {ch} ch", "#b6d7a8", w=1.7, h=0.45)
        arrow(b, (left + 0.85, y_prev - 0.1), (right - 0.8, y_inc + 0.1))
        arrow(b, (right - 0.8, y_inc - 0.1), (left + 0.85, y_cat + 0.1))
        arrow(b, (left, y_prev - 0.23), (left, y_cat + 0.23), colour="tab:green")
    bottom = top - step * n_blocks - 0.35
    b.text(
        0.3,
        bottom - 0.1,
        "green: each block's input is concatenated with its output,\n"
        "so every concat holds every earlier output (dense connectivity)",
        fontsize=9.5,
        color="tab:green",
        va="top",
    )
    b.set_xlim(0, 5.6)
    b.set_ylim(bottom - 0.75, top + 0.4)
    b.set_axis_off()
    b.set_title("(b) Broadcast Module: x = concat([x, inception(x)])", fontsize=11)
    fig.tight_layout()
    return fig
