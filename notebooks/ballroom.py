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
# # Ballroom
#
# The paper's Ballroom experiment: its Table 5 (accuracy against published methods), its Table 6
# (per-genre precision, recall and F-score), and Ballroom's panels of its Figures 3 and 4. The authors
# released no Ballroom models or logs, so every computed number here needs a run of this project
# on the Ballroom audio (698 clips, 8 genres; the three Rumba folders form one class; the last
# section says how).

# %% tags=["parameters", "hide-input"]
data_dir = None  # a folder holding BallroomData/
dataset = None  # None: the data folder's name (the embedded gtzan_mini without data_dir)
kind = None  # the folder's layout: gtzan | ballroom | extended_ballroom | folder; None: guessed
protocol = "kfold"  # authors | kfold | grouped
profile = "paper"  # paper | quick | smoke (quick and smoke are reduced, not the paper's recipe)
seed = 0
n_folds = 10  # folds (kfold, grouped) or random draws (authors)
run_dir = None  # None: runs/<dataset>-<protocol>-<profile>-seed<seed>
train = None  # None: train (or resume) when data_dir is given; False: show the finished folds only
reruns = None  # None: the reruns kept beside run_dir (<run_dir>-train1, ...); else a list of run folders

# %% tags=["remove-input"]
from bbnn_core.figures import number_captions_for

number_captions_for("ballroom")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
from bbnn_core.chapter import open_chapter, run_parameters
from bbnn_core.train import train as train_run

KEY = "ballroom"  # the paper's data set this page reproduces
cfg, train_now = run_parameters(KEY, data_dir=data_dir, dataset=dataset, kind=kind, protocol=protocol,
                                profile=profile, seed=seed, n_folds=n_folds, run_dir=run_dir, train=train,
                                committed=None)

# %% tags=["remove-input"]
if train_now:
    train_run(cfg)
ch = open_chapter(KEY, cfg.run_dir, dataset=cfg.dataset, protocol=cfg.protocol, reruns=reruns)
for note in ch.notes:
    print(note)

# %% [markdown]
# ## Accuracy against published methods (the paper's Table 5)
#
# Literature rows are quoted from the paper. The authors released no Ballroom results. With a run
# of this project, two computed rows follow: the run, and a classical baseline (an SVM on log-mel
# and MFCC statistics) on exactly the same folds, with 95 % Wilson score intervals over the pooled
# test predictions.

# %% tags=["hide-input"]
ch.comparison()

# %% tags=["hide-input"]
ch.paired()

# %% [markdown]
# ## How far a rerun moves these numbers
#
# The intervals above cover the sampling of the test clips, not the variation of training. What a
# rerun of the same command moves is measured by rerunning folds beside the run: with the same seeds
# on another machine or software (numeric noise) and with other training seeds on the same split
# (the variation of training).

# %% tags=["hide-input"]
ch.rerun_spread()

# %% [markdown]
# ## Precision, recall and F-score per genre (the paper's Table 6)
#
# With a run of this project: pooled over its test folds, beside the paper's Table 6. Without
# one: the paper's Table 6 as it prints it, and what it implies, computed (weighted by the genres'
# track counts, its recalls give the accuracy, which settles whether the paper's text or its
# Table 5 gives Ballroom's accuracy right).

# %% tags=["hide-input"]
ch.per_class()

# %% [markdown]
# ## Loss curves (the paper's Figure 3b)
#
# Training and validation loss per epoch: every fold thin, the mean over folds thick.

# %% tags=["hide-input"]
ch.plot_losses()

# %% [markdown]
# ## Confusion matrix and accuracy per fold (the paper's Figure 4)

# %% tags=["hide-input"]
ch.plot_results()

# %% [markdown]
# ## What differs from the paper, and why

# %% tags=["hide-input"]
ch.discrepancies()

# %% [markdown]
# ## The run shown on this page

# %% tags=["hide-input"]
ch.overview()

# %% [markdown]
# ## How to rerun this page
#
# On Ballroom, with the paper's recipe (the folded parameters cell at the top of the page lists every parameter):
#
# ```bash
# papermill notebooks/ballroom.ipynb out.ipynb \
#     -p data_dir /path/to/Ballroom -p profile paper \
#     -p run_dir runs/ballroom-kfold-paper-seed0
# ```
#
# With data, the page first trains every fold of the run that is not finished yet, resuming the
# current one from its last epoch (a run of other data is refused); without, it shows the run
# folder as it is: its finished folds only. A run adds this project's rows to the accuracy and
# per-genre tables, its loss curves, confusion matrix and accuracy per fold, how far reruns move
# its numbers, and where the run comes from; a section with nothing to show is left out. `bbnn book --data ...` trains the runs of every
# chapter first (on Dask workers if asked) and then executes the pages.
