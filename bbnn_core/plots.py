"""The book's figures, drawn from a built model, histories, confusion counts, robustness rows and
audio only: the loss curves (Figure 3), the confusion matrix and the accuracy per fold (Figure 4),
the network (Figures 1 and 2), log-mel spectrograms, a player for the clips the book lets a reader
hear, and the robustness chapter's accuracy curves, occlusion maps and saliency.

Nothing here trains or reads a run folder: :mod:`bbnn_core.reports` and :mod:`bbnn_core.chapter`
read the runs and hand these functions what to draw. :mod:`bbnn_core.figures` makes them legible.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .figures import BOOK_STYLE, FIGURE_WIDTH, mel_axis_in_hz

__all__ = [
    "plot_histories",
    "plot_batchnorm_lag",
    "plot_confusion",
    "plot_fold_accuracies",
    "plot_architecture",
    "plot_blocks",
    "plot_spectrograms",
    "audio_player",
    "plot_factor",
    "plot_occlusion",
    "plot_saliency",
    "plot_occlusion_clips",
    "plot_scaling",
]


def plot_histories(histories, *, ax=None, title: str | None = None, lr_ax=None, legend: bool = True):
    """Figure 3: training and validation loss per epoch, every fold thin, and their mean thick
    over the epochs that every fold reached (beyond them a mean would be over fewer folds).

    With a ``val_acc`` column, each fold's kept weights (its epoch of best validation accuracy,
    the first if tied) are marked on its validation curve; ``lr_ax`` (an axis below, sharing the
    epochs) draws each fold's learning rate (ReduceLROnPlateau's cuts).
    ``legend=False`` leaves the legend to the caller (e.g. one for a figure of several panels).
    Epochs are counted from 1, as in the book's tables (the histories count from 0)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    ax = ax or plt.subplots(figsize=(6, 4))[1]
    histories = histories.assign(epoch=histories["epoch"] + 1)
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


def plot_batchnorm_lag(epochs, *, ax=None, title: str | None = None):
    """Loss per epoch of one fold, from ``results/bn_statistics.py``'s ``epochs.csv``: the training
    loss as training reports it, the training clips and the validation clips scored in inference
    mode (the moving BatchNorm statistics), and the validation clips with the statistics
    re-estimated on the training clips. Epochs are counted from 1, as everywhere in the book."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    ax = ax or plt.subplots(figsize=(6.4, 3.8))[1]
    epoch = epochs["epoch"] + 1
    for column, label, style in (
        ("train_loss", "training loss (as training reports it)", dict(color="tab:blue")),
        ("train_loss_inference", "training clips, moving statistics", dict(color="tab:blue", linestyle="--")),
        ("val_loss", "validation clips, moving statistics", dict(color="tab:orange")),
        ("val_loss_precise", "validation clips, re-estimated statistics", dict(color="tab:orange", linestyle=":")),
    ):
        ax.plot(epoch, epochs[column], label=label, linewidth=1.6, **style)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("categorical cross-entropy")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)  # below, off the curves
    if title:
        ax.set_title(title)
    return ax


def plot_confusion(cm, classes, *, ax=None, title: str | None = None, normalize: bool = True):
    """Figure 4 (left): confusion matrix pooled over folds, rows = true genre; the counts written
    in the cells, the colour the share of the row (labelled on the colour bar)."""
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
        cbar_kws={"label": "share of the true genre's clips"} if normalize else None,
        ax=ax,
        square=True,
    )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return ax


def plot_fold_accuracies(folds, *, ax=None, title: str | None = None, xlabel: str = "fold", marks=()):
    """Figure 4 (right): train / validation / test accuracy per fold (a ``read_run`` frame or the
    authors' ``fold_results.csv``), numbered from 0 in both cases, on an axis that starts just
    below the lowest bar so that differences of a few points stay visible. ``marks`` (dicts with
    ``label``, ``marker``, ``shift`` in bar widths, ``folds`` and ``values``: other runs' test
    accuracies on the same folds) puts black points on those folds' test bars."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    x = np.arange(len(folds))
    width = 0.27
    cols = (("train_acc", "train"), ("val_acc", "validation"), ("test_acc", "test"))
    for j, (col, label) in enumerate(cols):
        ax.bar(x + (j - 1) * width, folds[col], width, label=label)
    shown = []
    where = {int(k): i for i, k in enumerate(folds["fold"])} if "fold" in folds else {}
    for mark in marks:  # on the fold's test bar, side by side
        pairs = [(where[int(k)], v) for k, v in zip(mark["folds"], mark["values"]) if int(k) in where]
        if pairs:
            ax.scatter(
                [i + width + mark["shift"] * width for i, _ in pairs],
                [v for _, v in pairs],
                marker=mark["marker"],
                s=28,
                color="black",
                zorder=3,
                facecolors="none" if mark["marker"] == "o" else "black",
                linewidths=1.2,
                label=mark["label"],
            )
            shown.append([v for _, v in pairs])
    ax.set_xticks(x, [str(i) for i in x])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    low = min([float(np.min(folds[c])) for c, _ in cols] + [float(np.min(m)) for m in shown])
    ax.set_ylim(max(0.0, np.floor(low * 10 - 0.5) / 10), 1.0)
    ax.grid(axis="y", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    bars = [i for i, name in enumerate(labels) if name in {label for _, label in cols}]
    rest = [i for i in range(len(labels)) if i not in bars]
    # a legend fills column by column: bar, mark, bar, mark, ... puts the bars on its first row
    order = [i for j, b in enumerate(bars) for i in [b, *rest[j : j + 1]]] + rest[len(bars) :]
    ax.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        frameon=False,
        ncol=3,
        columnspacing=1.2,
        handletextpad=0.5,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
    )
    if title:
        legend_rows = -(-(len(cols) + len(shown)) // 3)
        ax.set_title(title, pad=28 + 19 * (legend_rows - 1))
    return ax


def plot_scaling(rows):
    """Wall time and peak memory of each command against the number of clips, each as a ratio to
    its figure at the smallest size, on log axes beside the line of cost proportional to the data
    (``rows``: ``benchmarks/bench_scale.py``'s CSV as a frame: what, clips, wall_s, peak_mb)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4), sharex=True)
    for ax, col, label in zip(axes, ("wall_s", "peak_mb"), ("wall time", "peak memory")):
        x0 = rows["clips"].min()
        ax.plot([x0, rows["clips"].max()], [1, rows["clips"].max() / x0], ls="--", color="grey", lw=1,
                label="proportional to the clips")  # fmt: skip
        for what, g in rows.groupby("what", sort=False):
            g = g.sort_values("clips")
            ax.plot(g["clips"], g[col] / g[col].iloc[0], marker="o", label=what)
        ax.set(xscale="log", yscale="log", xlabel="clips", ylabel=f"{label}, x the {x0}-clip figure")
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def plot_architecture(model=None, *, ax=None):
    """Figure 2: the whole network, drawn from the built model (shapes read off its layers).

    Top to bottom: shallow layers, the Broadcast Module (each Inception block's output is
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
    # three rows, so that the labels stay legible at the page's width: the shallow layers, the
    # Broadcast Module, the transition and decision layers
    split = 3 + 2 * n_blocks
    w, h, gap = 1.5, 1.45, 0.1
    row_y = {0: 4.0, 1: 0.0, 2: -2.9}
    rows = [0] * 3 + [1] * (split - 3) + [2] * (len(stages) - split)
    first_of = {r: rows.index(r) for r in (0, 1, 2)}
    pos = [((i - first_of[r]) * (w + gap), row_y[r]) for i, r in enumerate(rows)]
    xlim = (-0.45, (split - 3) * (w + gap) - gap + 0.05)
    ylim = (row_y[2] - 0.75, row_y[0] + h + 0.65)
    if ax is None:  # the axes fill the figure: the boxes get all of its width
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, FIGURE_WIDTH * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])))
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    for (x, y), (label, layer, colour) in zip(pos, stages):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02", fc=colour, ec="0.3"))
        ax.text(x + w / 2, y + h - 0.36, label, ha="center", va="center", fontsize=11)
        dims = model.get_layer(layer).output.shape[1:]
        shape = f"{dims[0]}x{dims[1]}\n{dims[2]} ch" if len(dims) == 3 else f"{dims[-1]}"
        ax.text(x + w / 2, y + 0.36, shape, ha="center", va="center", fontsize=11, color="0.2")

    def arrow(a, b, colour="0.3", **kw):
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=9, color=colour, **kw))

    # the Broadcast Module's input: a junction left of its row, from the max-pool above it
    jx, jy = -0.32, row_y[1] + h / 2
    for k in range(len(stages) - 1):
        (xa, ya), (xb, yb) = pos[k], pos[k + 1]
        if ya == yb:
            arrow((xa + w, ya + h / 2), (xb, yb + h / 2))
        elif k == 2:  # max-pool down and left to the junction, on into the first Inception block
            top = row_y[1] + h + 2.2  # above the arcs
            ax.plot([xa + w / 2, xa + w / 2, jx, jx], [ya, top, top, jy], color="0.3", lw=1)
            ax.plot([jx], [jy], "o", color="0.3", ms=4)
            arrow((jx, jy), (xb, yb + h / 2))
        else:  # from the last concat down and left to the transition layers
            mid = ya - 0.95
            ax.plot([xa + w / 2, xa + w / 2, xb + w / 2], [ya, mid, mid], color="0.3", lw=1)
            arrow((xb + w / 2, mid), (xb + w / 2, yb + h))
    # broadcast (dense) connections: the module's input and every concat reach every later concat
    concat_idx = [i for i, (_, layer, _) in enumerate(stages) if layer.endswith("_broadcast_concat")]
    sources = [(jx, jy)] + [(pos[i][0] + w / 2, h + 0.02) for i in concat_idx[:-1]]
    for k, target in enumerate(concat_idx):
        for src in sources[: k + 1]:
            arrow(
                src,
                (pos[target][0] + w / 2, h + 0.02),
                colour="tab:green",
                connectionstyle=f"arc3,rad=-{0.25 + 0.03 * (pos[target][0] - src[0]) / (w + gap)}",
                lw=0.9,
            )
    parts = [
        ("shallow layers", 0, 2, row_y[0] + h + 0.2),
        ("Broadcast Module (green: dense connections)", 3, split - 1, None),
        ("transition layers", split, split + 1, row_y[2] - 0.2),
        ("decision layers", split + 2, len(stages) - 1, row_y[2] - 0.2),
    ]
    for label, a, b, y in parts:
        if y is None:  # the module's label below its row, where no arc runs
            y = row_y[1] - 0.15
        ax.annotate("", (pos[a][0], y), (pos[b][0] + w, y), arrowprops=dict(arrowstyle="-", color="0.5"))
        dy = 0.25 if y > pos[a][1] else -0.25
        ax.text((pos[a][0] + pos[b][0] + w) / 2, y + dy, label, ha="center", va="center", fontsize=11, color="0.3")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    return ax


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
        ax.text(x, y, text, ha="center", va="center", fontsize=11)

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

    # (a) above (b), each the page's width: side by side, their labels would be too small to read
    fig, (a, b) = plt.subplots(2, 1, figsize=(FIGURE_WIDTH, 6.4), gridspec_kw={"height_ratios": [4.2, 2.5]})
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
    a.text(6.6, 3.0, "top", fontsize=11, color="0.4", va="center")
    a.text(6.6, 1.75, "bottom", fontsize=11, color="0.4", va="center")
    a.set_xlim(-0.1, 7.3)
    a.set_ylim(0, 4.8)
    a.set_axis_off()
    a.set_title("(a) Inception block (each branch pre-activated, stride 1)", fontsize=12)
    # (b) Broadcast Module: x_k = concat([x_(k-1), inception_k(x_(k-1))]); the x_k in a row, each
    # Inception block above between its input and its output; the green arrows pass each input on
    n_blocks = sum(1 for layer in model.layers if layer.name.endswith("_broadcast_concat"))
    c0 = model.get_layer("stem_pool").output.shape[-1]
    step, w = 7.2 / (n_blocks + 1), 1.45
    xs = [0.8 + step * i for i in range(n_blocks + 1)]
    box(b, xs[0], 0.0, f"input: {c0} ch", "#cfe2f3", w=w, h=0.5)
    for i in range(1, n_blocks + 1):
        x_prev, x_inc, x_cat = xs[i - 1], (xs[i - 1] + xs[i]) / 2, xs[i]
        box(b, x_inc, 1.1, f"Inception {i}", "#d9ead3", w=1.4, h=0.5)
        ch = model.get_layer(f"bm{i}_broadcast_concat").output.shape[-1]
        box(b, x_cat, 0.0, f"concat: {ch} ch", "#b6d7a8", w=w, h=0.5)
        arrow(b, (x_prev + 0.3, 0.27), (x_inc - 0.3, 0.83))
        arrow(b, (x_inc + 0.3, 0.83), (x_cat - 0.3, 0.27))
        arrow(b, (x_prev + w / 2 + 0.02, 0.0), (x_cat - w / 2 - 0.02, 0.0), colour="tab:green")
    b.text(
        -0.05,
        -0.45,
        "green: each block's input is concatenated with its output,\n"
        "so every concat holds every earlier output (dense connectivity)",
        fontsize=11,
        color="tab:green",
        va="top",
    )
    b.set_xlim(-0.1, 7.3)
    b.set_ylim(-1.15, 1.45)
    b.set_axis_off()
    b.set_title("(b) Broadcast Module: x = concat([x, inception(x)])", fontsize=12)
    fig.tight_layout()
    return fig


def plot_spectrograms(examples: dict, params=None, *, ncols: int = 5):
    """Log-mel spectrograms, one panel per title: ``examples`` maps a title to ``(n_frames, n_mels)``
    dB. Each panel is drawn relative to its clip's maximum (the features keep 80 dB below it), so
    the one colour bar holds for every panel; the mel axis is labelled in Hz."""
    import matplotlib.pyplot as plt

    from .features import PAPER_PARAMS

    params = params or PAPER_PARAMS
    n = len(examples)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, 2.15 * nrows), sharex=True, sharey=True, squeeze=False)
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


# ----------------------------------------------------------------------------------------------
# The robustness chapter's figures (bbnn_core.robustness computes what they show)


# where the clean input sits on each factor's axis
_CLEAN_AS = {
    "length": "30 s",
    "length-direct": "30 s",
    "codec": "WAV",
    "rate": "22.05 kHz",
    "gain": "+0 dB",
    "noise": "no noise",
    "stereo": "mono",
    "features": "ours",
}


def _axis_order(factor: str, pm) -> list[str]:
    """The factor's levels from the mildest to the strongest change, with the clean input placed
    where it belongs on the axis."""
    lv = pm[pm.factor == factor].drop_duplicates("level")
    clean = _CLEAN_AS[factor]
    if factor in ("length", "length-direct"):
        return [*lv.sort_values("value").level, clean]
    if factor == "codec":
        mp3 = lv[lv.level.str.startswith("MP3")].sort_values("value").level
        return [*mp3, *lv[~lv.level.str.startswith("MP3")].level, clean]
    if factor in ("rate", "gain"):
        points = [*zip(lv.value, lv.level), (22.05 if factor == "rate" else 0.0, clean)]
        return [name for _, name in sorted(points)]
    if factor == "noise":
        return [*lv.sort_values("value").level, clean]
    return [clean, *lv.level]


def plot_factor(rows, factor: str, *, axes=None):
    """Accuracy (left) and agreement with the clean prediction (right) against the factor's
    levels: every model thin, their mean thick; ``length`` draws both placements. Levels without
    an order (codecs, feature variants, stereo) are points, not joined by lines."""
    import matplotlib.pyplot as plt

    from .robustness import per_model

    pm = per_model(rows)
    clean = pm[pm.factor == "clean"]
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4), sharex=True)
    series: list[tuple[str, str | None]] = [
        ("length", "padded to 30 s with silence"),
        ("length-direct", "at its own length (bbnn predict)"),
    ]
    series = series if factor == "length" else [(factor, None)]
    order = _axis_order(factor, pm)
    # the levels of these factors have no order (codecs, feature variants, a stereo file): their
    # points are not joined by lines, which would suggest a trend between them
    joined = factor not in ("codec", "features", "stereo")
    thin = {"lw": 0.6, "alpha": 0.35} if joined else {"ls": "none", "marker": ".", "ms": 3, "alpha": 0.45}
    for (f, label), colour in zip(series, ("C0", "C1")):
        g = _with_clean(pm[pm.factor == f], clean, _CLEAN_AS[f])
        x = {lv: i for i, lv in enumerate(order)}
        for ax, what in zip(axes, ("accuracy", "agreement")):
            for _, m in g.groupby("model"):
                m = m.assign(x=m.level.map(x)).sort_values("x")
                ax.plot(m.x, 100 * m[what], color=colour, **thin)
            mean = g.groupby("level")[what].mean()
            xs = sorted(x[lv] for lv in mean.index)
            ax.plot(
                xs,
                [100 * mean[order[i]] for i in xs],
                color=colour,
                lw=2.4 if joined else 0,
                marker="o",
                ms=6 if joined else 8,
                label=label,
            )
    for ax, what in zip(axes, ("accuracy (%)", "same genre as the clean input (%)")):
        ax.set_xticks(
            range(len(order)), order, rotation=30 if len(order) > 5 else 0, ha="right" if len(order) > 5 else "center"
        )
        ax.set_ylabel(what)
        ax.set_ylim(-3, 103)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title("accuracy on the clips")
    axes[1].set_title("agreement with the clean prediction")
    if factor == "length":
        axes[0].legend(loc="lower right")
    return axes


def _with_clean(pm_factor, clean, name: str):
    """A factor's per-model rows with the clean input added as the level ``name``."""
    import pandas as pd

    return pd.concat([pm_factor, clean.assign(factor=pm_factor.factor.iloc[0], level=name)], ignore_index=True)


def _occlusion_panel(ax, grid_map: np.ndarray, limit: float, params=None):
    from .features import PAPER_PARAMS

    params = params or PAPER_PARAMS
    seconds = params.n_frames * params.hop_length / params.sr
    im = ax.imshow(
        grid_map.T,
        origin="lower",
        aspect="auto",
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        extent=(0, seconds, 0, params.n_mels),
    )
    mel_axis_in_hz(ax, params)
    return im


def plot_occlusion(occ, classes: Sequence[str], *, ncols: int = 5):
    """Mean occlusion map per genre, one colour scale for all panels (symmetric about 0)."""
    import matplotlib.pyplot as plt

    gt, gm = int(occ.t.max()) + 1, int(occ.m.max()) + 1
    maps = {
        c: occ[occ.label == i].groupby(["t", "m"])["drop"].mean().to_numpy().reshape(gt, gm)
        for i, c in enumerate(classes)
        if (occ.label == i).any()
    }
    limit = max(abs(m).max() for m in maps.values()) or 1.0
    nrows = -(-len(maps) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(1.45 * ncols, 2.15 * nrows), sharex=True, sharey=True, squeeze=False
    )
    for ax, (c, m) in zip(axes.flat, maps.items()):
        im = _occlusion_panel(ax, m, limit)
        ax.set_title(c)
    for ax in axes.flat[len(maps) :]:
        ax.set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    for ax in axes[:, 1:].flat:
        ax.set_ylabel("")
    fig.colorbar(im, ax=axes, shrink=0.8, label="drop in p(true genre)")
    return fig


def plot_saliency(sal, classes: Sequence[str]):
    """Share of each mel band in the gradient saliency (per clip normalised to 1), mean per genre."""
    import matplotlib.pyplot as plt

    share = sal.assign(share=sal.value / sal.groupby("clip")["value"].transform("sum"))
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 4.2))
    for i, c in enumerate(classes):
        g = share[share.label == i]
        if len(g):
            prof = g.groupby("mel")["share"].mean()
            ax.plot(prof.index + 0.5, 100 * prof.to_numpy(), label=c, color=f"C{i}", lw=1.6)
    mel_axis_in_hz(ax, axis="x")
    ax.set_ylabel("share of the saliency (%)")
    ax.grid(alpha=0.3)
    ax.legend(ncol=5, loc="upper right")
    fig.tight_layout()
    return fig


def plot_occlusion_clips(occ, clips: Sequence[str], classes: Sequence[str]):
    """The occlusion maps of single clips, one colour scale."""
    import matplotlib.pyplot as plt

    gt, gm = int(occ.t.max()) + 1, int(occ.m.max()) + 1
    maps = [occ[occ["clip"] == c]["drop"].to_numpy().reshape(gt, gm) for c in clips]
    labels = [classes[int(occ[occ["clip"] == c].label.iloc[0])] for c in clips]
    limit = max(abs(m).max() for m in maps) or 1.0
    fig, axes = plt.subplots(1, len(clips), figsize=(2.5 * len(clips), 3.0), sharey=True, squeeze=False)
    for ax, c, m, lab in zip(axes[0], clips, maps, labels):
        im = _occlusion_panel(ax, m, limit)
        ax.set_title(f"{Path(c).name}\n({lab})", fontsize=BOOK_STYLE["font.size"])
        ax.set_xlabel("time (s)")
    for ax in axes[0, 1:]:
        ax.set_ylabel("")
    fig.colorbar(im, ax=axes, shrink=0.85, label="drop in p(true genre)")
    return fig
