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

# %% tags=["parameters", "hide-input"]
run_dir = "../results/gtzan_mini-kfold-paper-seed0"  # the run whose folds and reruns this page shows
reruns = None  # None: the reruns kept beside run_dir (<run_dir>-*); else a list of run folders

# %% tags=["remove-input"]
from bbnn_core.book import prepare_kernel

prepare_kernel()  # as the bbnn command: one TensorFlow inter-op thread; no widget warning
from myst_nb import glue

from bbnn_core.figures import Source, captioned, number_captions_for, shown_path
from bbnn_core.reruns import find_reruns, rerun_detail_table, rerun_spread
from bbnn_core.reports import fold_provenance_table

number_captions_for("reproducibility")  # captions "Table <chapter>.<n>"
folds = fold_provenance_table(run_dir)
spread = rerun_spread(run_dir, find_reruns(run_dir) if reruns is None else reruns)

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
