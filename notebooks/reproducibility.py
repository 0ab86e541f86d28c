# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How reproducible is this
#
# On the same software, backend thread count and CPU class, our trainer gives a fold's numbers
# byte for byte: a repeat of fold {glue:text}`repeat_fold` did so over its {glue:text}`repeat_epochs` epochs. Elsewhere
# the numbers move. The same seeds on another CPU class moved fold {glue:text}`numeric_fold` by
# {glue:text}`numeric_max` points, and other training seeds moved it by up to {glue:text}`seed_max` points. The 95 %
# intervals of chapter 3 cover the sampling of the test clips, not this. This page gathers how
# each fold of the GTZAN run was made (Table 8.1) and what each rerun of it moved (Table 8.2).
# Figure 8.1 shows what the commands cost as the data grows.

# %% tags=["parameters", "hide-input"]
run_dir = "../results/gtzan_mini-kfold-paper-seed0"  # the run whose folds and reruns this page shows
reruns = None  # None: the reruns kept beside run_dir (<run_dir>-*); else a list of run folders
scale = "../benchmarks/scale.csv"  # benchmarks/bench_scale.py's rows: what the commands cost as the data grows

# %% tags=["remove-input"]
from bbnn_core.book import prepare_kernel

prepare_kernel()  # as the bbnn command: one TensorFlow inter-op thread; no widget warning
from myst_nb import glue

import pandas as pd

from bbnn_core.figures import Source, book_style, captioned, number_captions_for, show, shown_path
from bbnn_core.plots import plot_scaling
from bbnn_core.reruns import find_reruns, rerun_detail_table, rerun_spread
from bbnn_core.reports import fold_provenance_table

number_captions_for("reproducibility")  # captions "Table <chapter>.<n>"
folds = fold_provenance_table(run_dir)
spread = rerun_spread(run_dir, find_reruns(run_dir) if reruns is None else reruns)
cost = pd.read_csv(scale)
book_style()

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
# The numbers the prose quotes ("n/a" where this run has no rerun of that kind).
kinds = {kind: rows for kind, rows in spread.groupby("kind")} if len(spread) else {}
texts = {
    "folds": str(len(folds)),
    "deterministic": str(int((folds["deterministic"] == "yes").sum())),
    "commits": ", ".join(sorted(set(folds["commit"]))),
    "classes": str(folds["CPU class"].nunique()),
    "class_list": " and ".join(sorted(set(folds["CPU class"]))),
    "features": str(folds["feature bytes"].nunique()),
    "threads": ", ".join(sorted({str(t) for t in folds["threads"]})),
    "resumed": str(int((folds["processes"] > 1).sum())),
    "hours": f"{folds['wall time (h)'].sum():.1f}",
    "n_test": str(int(spread["n_test"].min())) if len(spread) else "n/a",
    "clip_points": f"{100 / spread['n_test'].min():.0f}" if len(spread) else "n/a",
}
for kind, prefix in (("repeat", "repeat"), ("numeric", "numeric"), ("train seed", "seed")):
    rows = kinds.get(kind)
    texts[f"{prefix}_fold"] = ", ".join(str(k) for k in sorted(set(rows["fold"]))) if rows is not None else "n/a"
    texts[f"{prefix}_max"] = f"{100 * rows['delta_acc'].abs().max():.0f}" if rows is not None else "n/a"
    texts[f"{prefix}_changed"] = str(int(rows["predictions_changed"].sum())) if rows is not None else "n/a"
    texts[f"{prefix}_compared"] = str(int(rows["n_test"].sum())) if rows is not None else "n/a"
    texts[f"{prefix}_epochs"] = str(int(rows["rerun_epochs"].iloc[0])) if rows is not None else "n/a"
    texts[f"{prefix}_identical"] = str(bool(rows["identical"].all())) if rows is not None else "n/a"
    apart = rows["apart_from_epoch"].dropna() if rows is not None else []
    texts[f"{prefix}_apart"] = str(int(min(apart))) if len(apart) else "n/a"
    texts[f"{prefix}_loss_rel"] = f"{rows['first_loss_rel'].max():.0e}" if rows is not None else "n/a"
small, big = cost["clips"].min(), cost["clips"].max()
trained = cost[cost["what"].str.startswith("bbnn train")]["clips"].max()
for what, prefix in (("bbnn features", "features"), ("bbnn predict", "predict"), ("bbnn train,", "epoch"),
                     ("bbnn train --workers", "dask")):  # fmt: skip
    rows = cost[cost["what"].str.startswith(what)].set_index("clips")
    top = big if prefix in ("features", "predict") else trained
    texts[f"{prefix}_time"] = f"{rows.loc[top, 'wall_s'] / rows.loc[small, 'wall_s']:.1f}"
    texts[f"{prefix}_memory"] = f"{rows.loc[top, 'peak_mb'] / rows.loc[small, 'peak_mb']:.1f}"
    texts[f"{prefix}_mb"] = f"{rows.loc[top, 'peak_mb']:,}"
    texts[f"{prefix}_s"] = f"{rows.loc[top, 'wall_s']:.0f}"
texts |= {"small": f"{small:,}", "big": f"{big:,}", "trained": f"{trained:,}", "data_ratio": f"{big // small:,}"}
texts["train_ratio"] = f"{trained // small:,}"
texts["dask_per_fold"] = f"{float(texts['dask_s']) / 2:.0f}"
for key, text in texts.items():
    glue(key, text, display=False)
print(texts)

# %% [markdown]
# ## How each fold was made
#
# Table 8.1 reads each fold's provenance. {glue:text}`deterministic` of {glue:text}`folds` folds were trained deterministically, with
# {glue:text}`threads` backend threads, from commit {glue:text}`commits`. They ran on {glue:text}`classes` CPU classes
# ({glue:text}`class_list`) and on {glue:text}`features` versions of the feature bytes: the same audio, computed on
# each machine, differs in its last digits. {glue:text}`resumed` folds ran in more than one process, each
# resumed from its last finished epoch. The run took {glue:text}`hours` hours of wall time,
# pauses for other work included; `pauses.txt` in the run folder says when and why.

# %% tags=["hide-input"]
captioned(
    folds.drop(columns="deterministic").style.hide(axis="index").format(precision=1),
    "How each fold of the GTZAN run was made, from its provenance: commit, CPU class, threads, "
    "feature bytes (checksum), processes, epochs and wall time.",
    source=Source("bbnn_core.reports.fold_provenance_table", run=shown_path(run_dir)),
)

# %% [markdown]
# ## What a rerun moves
#
# Table 8.2 reruns folds of the run beside it, on the same test clips. A repeat keeps the seeds
# and every setting. The test suite checks that such a rerun gives the same bytes: it trains the
# full-size model twice, and retrains a committed reference fold on a CPU of its class. The
# repeat of fold {glue:text}`repeat_fold` gave its history and predictions byte for byte.
#
# The same seeds on another CPU class start apart in the last digits: the first epoch's training
# loss differs by {glue:text}`numeric_loss_rel` (relative). The difference grows. From epoch
# {glue:text}`numeric_apart` the accuracies differ, and the test accuracy ends {glue:text}`numeric_max` points away,
# with {glue:text}`numeric_changed` of {glue:text}`numeric_compared` test predictions changed. Other training seeds
# draw other initial weights and another epoch order. They moved the fold by up to {glue:text}`seed_max`
# points and changed {glue:text}`seed_changed` of {glue:text}`seed_compared` predictions.
#
# With {glue:text}`n_test` test clips, one clip is {glue:text}`clip_points` points of a fold's accuracy. The weights
# kept are those of the best validation accuracy, on as few clips. One validation clip more or
# less right picks another epoch, and another epoch can differ by several test clips. So small
# differences in training, numeric or from the seed, can move a fold by several clips.

# %% tags=["hide-input"]
(
    captioned(
        rerun_detail_table(spread).style.hide(axis="index").format({"first loss, rel. diff.": "{:.1e}"}),
        "Each rerun of a fold of the GTZAN run: what differed besides the seeds, the test accuracy in "
        "the run and in the rerun, and where the two parted.",
        source=Source("bbnn_core.reruns.rerun_detail_table", run=shown_path(run_dir),
                      data=", ".join(shown_path(r) for r in sorted(set(spread["rerun"])))),
    )
    if len(spread)
    else None
)

# %% [markdown]
# ## What it costs as the data grows
#
# Everything above ran on {glue:text}`small` clips. A copy of GTZAN has 1,000, and Extended Ballroom
# 4,180. Figure 8.1 times what a user runs, each command in a fresh process. The clips, from
# {glue:text}`small` to {glue:text}`big`, are made from the real ones (`benchmarks/bench_scale.py`).
#
# With {glue:text}`data_ratio` times as many clips, extracting the features took
# {glue:text}`features_time` times as long. It took {glue:text}`features_memory` times the peak
# memory, {glue:text}`features_mb` MB, because the feature file is assembled in memory. Predicting
# with one of the authors' models took {glue:text}`predict_time` times as long. Its memory changed
# by a factor of {glue:text}`predict_memory`: the files are read 32 at a time.
#
# One epoch of the paper's recipe on {glue:text}`trained` clips took {glue:text}`epoch_time` times its
# cost on {glue:text}`small`. It took {glue:text}`epoch_memory` times the memory, {glue:text}`epoch_mb` MB,
# most of it the network's activations for a batch of 8. Two Dask workers of one thread each took
# {glue:text}`dask_per_fold` s per fold there. One fold on both cores took {glue:text}`epoch_s` s.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Two log-log plots against the number of clips: each command's wall time and peak memory as a ratio to its cost at the smallest size, beside a dashed line of cost proportional to the clips."}}
show(plot_scaling(cost), "Wall time and peak memory of each command, each in a fresh process, against "
     "the number of clips, as a ratio to its figure at the smallest size; dashed: a cost proportional to the "
     "clips. Peak memory is that of the largest single process.",
     source=Source("bbnn_core.plots.plot_scaling", data=f"{shown_path(scale)} (benchmarks/bench_scale.py)"))

# %% [markdown]
# ## How to rerun this page
#
# A rerun is a `bbnn train` of some folds into a folder beside the run; the page finds every
# `<run>-*` folder. For example, fold 0 from another training seed, compared with the run:
#
# ```bash
# bbnn train --dataset gtzan_mini --protocol kfold --profile paper \
#     --folds 0 --train-seed 1 \
#     --run-dir results/gtzan_mini-kfold-paper-seed0-train1
# bbnn evaluate results/gtzan_mini-kfold-paper-seed0 \
#     --rerun results/gtzan_mini-kfold-paper-seed0-train1
# papermill notebooks/reproducibility.ipynb out.ipynb --cwd notebooks \
#     -p run_dir /path/to/run
# ```
