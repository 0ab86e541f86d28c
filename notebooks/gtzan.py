# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
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
from bbnn_core.chapter import open_chapter

ch = open_chapter(KEY, run_dir, dataset=dataset, data_dir=data_dir, protocol=protocol, profile=profile,
                  seed=seed, kind=KIND)
for note in ch.notes:
    print(note)

# %% [markdown]
# ## The run shown on this page

# %% tags=["hide-input"]
ch.overview()

# %% [markdown]
# ## Accuracy against published methods
#
# Literature rows are quoted from the paper. The other rows are computed: the authors' released
# per-run results, this project's run, and a classical baseline (an SVM on log-mel and MFCC
# statistics) on exactly the same folds. Intervals are 95 % Student-t intervals over folds.

# %% tags=["hide-input"]
ch.comparison()

# %% [markdown]
# ## Precision, recall and F-score per genre
#
# Pooled over the test folds of this project's run, beside the paper's table.

# %% tags=["hide-input"]
ch.per_class()

# %% [markdown]
# ## Loss curves
#
# Training and validation loss per epoch: every fold thin, the mean over folds thick.

# %% tags=["hide-input"]
ch.plot_losses()

# %% [markdown]
# ## Confusion matrix and accuracy per fold

# %% tags=["hide-input"]
ch.plot_results()

# %% [markdown]
# ## What differs from the paper, and why

# %% tags=["hide-input"]
ch.discrepancies()
