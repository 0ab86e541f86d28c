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
# # Ballroom
#
# The paper's Ballroom experiment: Table 5 (accuracy against published methods), Table 6
# (per-genre precision, recall and F-score), and Ballroom's panels of Figures 3 and 4. The authors
# released no Ballroom models or logs, so every computed number here needs a run of this project
# on the Ballroom audio (698 clips, 8 genres; the three Rumba folders form one class):
#
# ```bash
# papermill notebooks/ballroom.ipynb out.ipynb -p data_dir /path/to/Ballroom -p profile paper \
#     -p run_dir runs/ballroom-kfold-paper-seed0
# ```

# %% tags=["parameters"]
data_dir = None  # a folder holding BallroomData/
dataset = "ballroom"
protocol = "kfold"  # authors | kfold
profile = "paper"  # paper | quick | smoke
seed = 0
run_dir = None  # a run folder to read or write

# %% tags=["hide-input"]
KEY = "ballroom"  # the paper's data set this page reproduces
KIND = "ballroom"  # folder layout of data_dir

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
