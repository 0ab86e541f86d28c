# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # GTZAN
#
# The paper's GTZAN experiment: Table 3 (accuracy against published methods), Table 4 (per-genre
# precision, recall and F-score), Figure 3 (loss curves) and Figure 4 (confusion matrix and
# accuracy per fold), for a run of this project and for the authors' released logs. The page reads
# a run folder; if it holds no finished run, it trains one first (resuming whatever is there). On
# the full GTZAN:
#
# ```bash
# papermill notebooks/gtzan.ipynb out.ipynb -p data_dir /path/to/GTZAN -p dataset gtzan \
#     -p profile paper -p run_dir runs/gtzan-kfold-paper-seed0
# ```

# %% tags=["parameters"]
data_dir = None  # None: the embedded gtzan_mini (100 clips); else a GTZAN folder
dataset = "gtzan_mini"
protocol = "kfold"  # authors | kfold | grouped | fault-filtered
profile = "quick"  # paper | quick | smoke
seed = 0
run_dir = "../results/gtzan_mini-kfold-quick-seed0"

# %% tags=["hide-input"]
KEY = "gtzan"  # the paper's data set this page reproduces
KIND = "gtzan"  # folder layout of data_dir

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from bbnn_core.errors import ResourceError
from bbnn_core.metrics import authors_results
from bbnn_core.reports import (
    PAPER_PER_CLASS,
    comparison_table,
    discrepancies,
    open_run,
    per_class_table,
    plot_confusion,
    plot_fold_accuracies,
    plot_histories,
    read_histories,
    run_overview,
)
from bbnn_core.resources import authors_history_path

opened = open_run(run_dir, dataset=dataset, data_dir=data_dir, protocol=protocol, profile=profile, seed=seed,
                  kind=KIND)
summary, cfg, folds, provenance = opened if opened else (None, None, None, None)
try:
    authors_df, authors_summary = authors_results(KEY)
except ResourceError as exc:  # released for GTZAN and Extended Ballroom; fold_results.csv via the mirror
    authors_df, authors_summary = None, None
    print(f"no authors' results: {exc}")
try:
    authors_hist = read_histories(authors_history_path(KEY, 0).parent, "fold*_history.csv")
except ResourceError as exc:
    authors_hist = None
    print(f"no authors' training logs: {exc}")

# %% [markdown]
# ## The run shown on this page

# %% tags=["hide-input"]
if summary is not None:
    display(run_overview(summary, cfg, provenance))
else:
    display(Markdown(
        f"No run of this project is shown: the audio of this data set is not on the machine that built the "
        f"book. With the data, `papermill` this notebook with `-p data_dir /path -p run_dir runs/{KEY}`, or "
        f"`bbnn train --data-dir /path --dataset {KEY} --protocol {protocol} --profile paper`."))

# %% [markdown]
# ## Accuracy against published methods
#
# Literature rows are quoted from the paper. The other rows are computed: the authors' released
# per-run results, this project's run, and a classical baseline (an SVM on log-mel and MFCC
# statistics) on exactly the same folds. Intervals are 95 % Student-t intervals over folds.

# %% tags=["hide-input"]
label = f" ({cfg.dataset}, {cfg.protocol}, {cfg.profile})" if cfg else ""
comparison_table(KEY, ours=summary, authors=authors_summary, data_label=label).style.hide(axis="index")

# %% [markdown]
# ## Precision, recall and F-score per genre
#
# Pooled over the test folds of this project's run, beside the paper's table.

# %% tags=["hide-input"]
if summary is not None:
    display(per_class_table(summary["pooled"], paper=PAPER_PER_CLASS[KEY]).style.hide(axis="index")
            .format(precision=1))
else:
    print("needs a run of this project (the authors released no per-track predictions)")

# %% [markdown]
# ## Loss curves
#
# Training and validation loss per epoch: every fold thin, the mean over folds thick.

# %% tags=["hide-input"]
panels = [(read_histories(run_dir), f"this run ({cfg.profile} profile)")] if summary is not None else []
if authors_hist is not None:
    panels.append((authors_hist, "the authors' released logs"))
if panels:
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), sharey=True, squeeze=False)
    for ax, (hist, title) in zip(axes[0], panels):
        plot_histories(hist, ax=ax, title=title)
    plt.tight_layout()
    plt.show()
else:
    print("no training history to draw")

# %% [markdown]
# ## Confusion matrix and accuracy per fold

# %% tags=["hide-input"]
panels = []
if summary is not None:
    panels += [("confusion", "this run, pooled over test folds"), ("folds", "this run")]
if authors_df is not None:
    panels.append(("authors", "the authors' released runs"))
if panels:
    fig, axes = plt.subplots(1, len(panels), figsize=(5.8 * len(panels), 4.8), squeeze=False)
    for ax, (what, title) in zip(axes[0], panels):
        if what == "confusion":
            plot_confusion(summary["pooled"]["confusion"], list(summary["pooled"]["per_class"]), ax=ax, title=title)
        else:
            plot_fold_accuracies(folds if what == "folds" else authors_df, ax=ax, title=title)
    plt.tight_layout()
    plt.show()
else:
    print("no run to draw")

# %% [markdown]
# ## What differs from the paper, and why

# %% tags=["hide-input"]
display(Markdown(discrepancies(cfg, dataset=KEY, authors=authors_summary)))
