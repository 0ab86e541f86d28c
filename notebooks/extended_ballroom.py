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
# # Extended Ballroom
#
# The paper's Extended Ballroom experiment: Table 7 (accuracy against published methods), Table 8
# (per-genre precision, recall and F-score), and its panels of Figures 3 and 4. The authors
# released logs and results for their 10 runs, which are drawn here; a run of this project needs
# the audio (4180 mp3 files, 13 genres). Because the data set holds copies of the same songs, the
# default protocol here is `grouped`:
#
# ```bash
# papermill notebooks/extended_ballroom.ipynb out.ipynb -p data_dir /path/to/ExtendedBallroom \
#     -p profile paper -p run_dir runs/extended_ballroom-grouped-paper-seed0
# ```

# %% tags=["parameters"]
data_dir = None  # a folder holding <Genre>/<id>.mp3 and extendedballroom_v1.1.xml
dataset = "extended_ballroom"
protocol = "grouped"  # authors | kfold | grouped
profile = "paper"  # paper | quick | smoke
seed = 0
run_dir = None  # a run folder to read or write

# %% tags=["hide-input"]
KEY = "extended_ballroom"  # the paper's data set this page reproduces
KIND = "extended_ballroom"  # folder layout of data_dir

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
