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
# # Extended Ballroom
#
# The paper's Extended Ballroom experiment: its Table 7 (accuracy against published methods), its
# Table 8 (per-genre precision, recall and F-score), and the data set's panels of its Figures 3 and 4. The authors
# released logs and results for their 10 runs, which are drawn here; a run of this project needs
# the audio (4180 mp3 files, 13 genres; the last section says how). Because the data set holds
# copies of the same songs, the default protocol here is `grouped`.

# %% tags=["parameters", "hide-input"]
data_dir = None  # a folder holding <Genre>/<id>.mp3 and extendedballroom_v1.1.xml
dataset = None  # None: the data folder's name (the embedded gtzan_mini without data_dir)
kind = None  # the folder's layout: gtzan | ballroom | extended_ballroom | folder; None: guessed
protocol = "grouped"  # authors | kfold | grouped
profile = "paper"  # paper | quick | smoke (quick and smoke are reduced, not the paper's recipe)
seed = 0
n_folds = 10  # folds (kfold, grouped) or random draws (authors)
run_dir = None  # None: runs/<dataset>-<protocol>-<profile>-seed<seed>
train = None  # None: train (or resume) when data_dir is given; False: show the finished folds only
reruns = None  # None: the reruns kept beside run_dir (<run_dir>-train1, ...); else a list of run folders

# %% tags=["remove-input"]
from bbnn_core.figures import number_captions_for

number_captions_for("extended_ballroom")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
from bbnn_core.chapter import open_chapter, run_parameters
from bbnn_core.train import train as train_run

KEY = "extended_ballroom"  # the paper's data set this page reproduces
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
# ## Accuracy against published methods (the paper's Table 7)
#
# Literature rows are quoted from the paper. The authors' released per-run results are computed
# from their files, with a Student-t interval over their ten draws (optimistic: their test sets
# overlap). With a run of this project (it needs the Extended Ballroom audio), two computed rows
# follow: the run, and a classical baseline (an SVM on log-mel and MFCC statistics) on exactly the
# same folds, with 95 % Wilson score intervals over the pooled test predictions.

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
# ## Precision, recall and F-score per genre (the paper's Table 8)
#
# With a run of this project: pooled over its test folds, beside the paper's Table 8. Without
# one: the paper's Table 8 as it prints it, and what it implies, computed (its recalls weighted by the
# genres' track counts give the accuracy, to compare with the paper's Table 7).

# %% tags=["hide-input"]
ch.per_class()

# %% [markdown]
# ## Loss curves (the paper's Figure 3c)
#
# Training and validation loss per epoch: every fold thin, the mean over folds thick.

# %% tags=["hide-input"]
ch.plot_losses()

# %% [markdown]
# ## Confusion matrix and accuracy per fold (the paper's Figure 4)

# %% tags=["hide-input"]
ch.plot_results()

# %% [markdown]
# ## Copies of one song on both sides of a split
#
# Extended Ballroom's metadata links copies of the same song (other versions, exact copies, other
# tempi, karaoke). A split that puts one copy in training and another in test scores the model on
# a song it has heard. Counted here from the metadata, for the authors' protocol and the two k-fold
# protocols, on the folds they make for this page's seed:

# %% tags=["hide-input"]
ch.copies()

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
# On Extended Ballroom, with the paper's recipe (the folded parameters cell at the top of the page lists every parameter):
#
# ```bash
# papermill notebooks/extended_ballroom.ipynb out.ipynb \
#     -p data_dir /path/to/ExtendedBallroom -p profile paper \
#     -p run_dir runs/extended_ballroom-grouped-paper-seed0
# ```
#
# With data, the page first trains every fold of the run that is not finished yet, resuming the
# current one from its last epoch (a run of other data is refused); without, it shows the run
# folder as it is: its finished folds only. A run adds this project's rows to the accuracy and
# per-genre tables, its loss curves, confusion matrix and accuracy per fold, how far reruns move
# its numbers, and where the run comes from; a section with nothing to show is left out. `bbnn book --data ...` trains the runs of every
# chapter first (on Dask workers if asked) and then executes the pages.
