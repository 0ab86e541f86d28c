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
# # GTZAN
#
# The paper's GTZAN experiment: its Table 3 (accuracy against published methods), its Table 4
# (per-genre precision, recall and F-score), its Figure 3 (loss curves) and its Figure 4 (confusion
# matrix and accuracy per fold), for a run of this project and for the authors' released logs. Without data the
# page shows the committed run of the paper's recipe on gtzan_mini, fold by fold as its training
# finishes; with data it trains (or resumes) a run first, over the folder's own classes (the last
# section says how).

# %% tags=["parameters", "hide-input"]
data_dir = None  # None: the embedded gtzan_mini (100 clips); else a GTZAN folder
dataset = None  # None: the data folder's name (the embedded gtzan_mini without data_dir)
kind = None  # the folder's layout: gtzan | ballroom | extended_ballroom | folder; None: guessed
protocol = "kfold"  # authors | kfold | grouped | fault-filtered
profile = "paper"  # paper | quick | smoke (quick and smoke are reduced, not the paper's recipe)
seed = 0
n_folds = 10  # folds (kfold, grouped) or random draws (authors)
run_dir = None  # None: the committed run for the embedded data, else runs/<dataset>-<protocol>-<profile>-seed<seed>
train = None  # None: train (or resume) when data_dir is given; False: show the finished folds only
reruns = None  # None: the reruns kept beside run_dir (<run_dir>-train1, ...); else a list of run folders

# %% tags=["remove-input"]
from bbnn_core.figures import number_captions_for

number_captions_for("gtzan")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
from bbnn_core.chapter import open_chapter, run_parameters
from bbnn_core.train import train as train_run

KEY = "gtzan"  # the paper's data set this page reproduces
cfg, train_now = run_parameters(KEY, data_dir=data_dir, dataset=dataset, kind=kind, protocol=protocol,
                                profile=profile, seed=seed, n_folds=n_folds, run_dir=run_dir, train=train,
                                committed="../results/gtzan_mini-kfold-paper-seed0")

# %% tags=["remove-input"]
if train_now:
    train_run(cfg)
ch = open_chapter(KEY, cfg.run_dir, dataset=cfg.dataset, protocol=cfg.protocol, reruns=reruns)
for note in ch.notes:
    print(note)

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
# The numbers of the result paragraph below (glued; "n/a" where the page has no run or no
# released results to read).
from myst_nb import glue

from bbnn_core.paper import PAPER_ACCURACY


def pct(x):
    return f"{100 * x:.1f}"


s, a = ch.summary, ch.authors_summary
result = {
    "paper": f"{PAPER_ACCURACY[KEY]:.1f}",
    "authors": pct(a["mean"]) if a else "n/a",
    "ours": pct(s["test_acc"]["pooled"]) if s else "n/a",
    "ours-ci": f"{pct(s['test_acc']['ci_low'])}–{pct(s['test_acc']['ci_high'])}" if s else "n/a",
    "svm": pct(s["baseline_test_acc"]["pooled"]) if s and "baseline_test_acc" in s else "n/a",
    "folds": f"{s['folds_done']} of {s['n_folds']}" if s else "0",
    "clips": str(s["n_tracks"]) if s else "0",
    "data": cfg.dataset,
    "profile": cfg.profile,
}
for key, value in result.items():
    glue(f"gtzan-{key}", value, display=False)
print(result)

# %% [markdown]
# **The result.** Trained by this project with the {glue:text}`gtzan-profile:s` profile on
# {glue:text}`gtzan-data:s` ({glue:text}`gtzan-clips:s` clips, {glue:text}`gtzan-folds:s` folds
# finished), BBNN reaches **{glue:text}`gtzan-ours:s` %** test accuracy pooled over the test folds
# (95 % Wilson interval {glue:text}`gtzan-ours-ci:s` %). An SVM on the same folds reaches
# {glue:text}`gtzan-svm:s` %. The paper reports {glue:text}`gtzan-paper:s` % on the full GTZAN,
# and the authors' released runs average {glue:text}`gtzan-authors:s` %. The first table below
# sets these beside the literature; the sections after it say how far a rerun moves them and
# where each genre goes wrong.

# %% [markdown]
# ## Accuracy against published methods (the paper's Table 3)
#
# Literature rows are quoted from the paper. The other rows are computed: the authors' released
# per-run results, this project's run, and a classical baseline (an SVM on log-mel and MFCC
# statistics) on exactly the same folds. This project's intervals are 95 % Wilson score intervals over
# the pooled test predictions (they stay inside [0, 1] and hold for few clips); the authors' released
# draws get a Student-t interval over draws, optimistic because their test sets overlap.

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
# ## Precision, recall and F-score per genre (the paper's Table 4)
#
# Pooled over the test folds of this project's run, beside the paper's table.

# %% tags=["hide-input"]
ch.per_class()

# %% [markdown]
# ## How long each fold trained
#
# Epochs run and the epoch whose weights were kept, per fold, beside the authors' released
# histories, with what the learning-rate schedule did: whether this run trained as long as theirs,
# and, from the training against the test accuracy of the weights kept, how far it fits its
# training clips beyond what it gets right on unseen ones.

# %% tags=["hide-input"]
ch.convergence()

# %% [markdown]
# ## Loss curves (the paper's Figure 3a)
#
# Training and validation loss per epoch: every fold thin, the mean over folds thick.

# %% tags=["hide-input"]
ch.plot_losses()

# %% [markdown]
# ## Confusion matrix and accuracy per fold (the paper's Figure 4)

# %% tags=["hide-input"]
ch.plot_results()

# %% [markdown]
# ## The clips it gets wrong
#
# Every misclassified test clip, with players for the errors the run was most sure of (the
# first 6 s of each clip).

# %% tags=["hide-input"]
ch.misclassified()

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
# On the full GTZAN, with the paper's recipe (the folded parameters cell at the top of the page lists every parameter):
#
# ```bash
# papermill notebooks/gtzan.ipynb out.ipynb \
#     -p data_dir /path/to/GTZAN -p dataset gtzan \
#     -p profile paper -p run_dir runs/gtzan-kfold-paper-seed0
# ```
#
# With data, the page first trains every fold of the run that is not finished yet, resuming the
# current one from its last epoch (a run of other data is refused); without, it shows the run
# folder as it is: its finished folds only. A run adds this project's rows to the accuracy and
# per-genre tables, its loss curves, confusion matrix and accuracy per fold, how far reruns move
# its numbers, and where the run comes from; a section with nothing to show is left out. `bbnn book --data ...` trains the runs of every
# chapter first (on Dask workers if asked) and then executes the pages.
