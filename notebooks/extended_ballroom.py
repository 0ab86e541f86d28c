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
# # {glue:text}`title`
#
# The paper's Extended Ballroom experiment gives its Table 7 (accuracy against published methods),
# its Table 8 (precision, recall and F-score per genre) and the data set's panels of its Figures 3
# and 4. The authors released the logs and results of their {glue:text}`authors_runs` runs. They average
# {glue:text}`authors` %, against the paper's {glue:text}`paper` %. A run of ours needs the audio: 4180 MP3 files in 13
# genres. The data set holds copies of the same songs, so this page's default protocol is
# `grouped`.

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
from bbnn_core.book import prepare_kernel

prepare_kernel()  # as the bbnn command: one TensorFlow inter-op thread; no widget warning
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

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
# The numbers the prose quotes ("n/a" for the run's, without a run).
from myst_nb import glue

from bbnn_core.chapter import PROTOCOL_WORDS
from bbnn_core.paper import PAPER_TABLE2
from bbnn_core.reports import paper_per_class_table

numbers = ch.numbers()
copies = ch.copies_numbers()
implied = paper_per_class_table(KEY).iloc[-1]["recall"]  # Table 8's recalls weighted by Table 2's counts
assert numbers["authors_lo"] <= numbers["paper"] <= numbers["authors_hi"]  # as the prose says
assert not copies or copies["copy_grouped_share"] == 0  # "the grouped protocol puts none"
texts = ch.texts(numbers) | {
    "table8": f"{implied:.1f}",
    "worst_tracks": str(PAPER_TABLE2[KEY][numbers["paper_worst_genre"]]),
    "protocol_text": PROTOCOL_WORDS[cfg.protocol].format(k=cfg.n_folds),
    **{k: (f"{v:.1f}" if isinstance(v, float) else str(v)) for k, v in copies.items()},
}
for key in ("copy_test", "copy_with", "copy_val"):  # counts per draw: means, shown whole
    texts[key] = f"{copies[key]:.0f}" if copies else "n/a"
for key, text in texts.items():
    glue(key, text, display=False)
print(texts)

# %% [markdown]
# ## Accuracy
#
# Table 5.1 quotes the literature rows of the paper's Table 7. The authors' row is computed from
# their released per-run results, with a Student-t interval over their runs. That interval is
# optimistic, because their test sets overlap. Their runs range from {glue:text}`authors_min` to
# {glue:text}`authors_max` %. A run of ours adds two rows: the run, and an SVM on the same folds.

# %% tags=["hide-input"]
ch.comparison()

# %% [markdown]
# ## Our run against an SVM
#
# Our run of {glue:text}`recipe` on {glue:text}`n_test` tracks reaches {glue:text}`acc` % (95 % interval {glue:text}`acc_lo`–{glue:text}`acc_hi` %),
# the SVM on the same folds {glue:text}`svm` %. Table 5.2 pairs the two track by track. BBNN alone is right
# on {glue:text}`bbnn_only` tracks, the SVM alone on {glue:text}`svm_only`. An exact McNemar test on them gives
# p = {glue:text}`p_value`.

# %% tags=["hide-input"]
ch.paired_table()

# %% [markdown]
# ## Per genre
#
# Without a run of ours, the table below is the paper's Table 8 as printed; with one, ours stands
# beside it. The weakest genre in Table 8 is {glue:text}`paper_worst_genre`, at an F-score of {glue:text}`paper_worst_f1` %,
# with only {glue:text}`worst_tracks` tracks. Weighted by the track counts of the paper's Table 2, Table 8's
# recalls give {glue:text}`table8` %.

# %% tags=["hide-input"]
ch.per_class()

# %% [markdown]
# ## Training (the paper's Figure 3c)
#
# Figure 5.1 draws the authors' released logs. Their runs trained {glue:text}`authors_epochs_median` epochs
# (median). The learning rate was first cut at epoch {glue:text}`authors_first_cut_median`, and the training
# loss ended near {glue:text}`authors_last_loss_median`. With 3344 training tracks, their epochs have over
# 400 steps, so their validation loss starts low: {glue:text}`authors_val_first` at epoch 1 (median).

# %% tags=["hide-input"] mystnb={"image": {"alt": "Loss per epoch of the authors' ten released Extended Ballroom runs, with the learning rate below."}}
ch.plot_losses()

# %% tags=["hide-input"]
ch.convergence()

# %% [markdown]
# ## Confusions and runs (the paper's Figure 4)
#
# The paper's Extended Ballroom confusion matrix needs a prediction per track. The authors
# released none, so only a run of ours can draw it. The last figure below gives the accuracies of
# each of the authors' runs.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Bars of training, validation and test accuracy of each of the authors' released runs."}}
ch.plot_results()

# %% [markdown]
# ## Copies of one song on both sides of a split
#
# Extended Ballroom's metadata links copies of the same song: other versions, exact copies, other
# tempi, karaoke. Its {glue:text}`copy_tracks` tracks hold {glue:text}`copy_songs` distinct songs. The table below
# counts, per protocol, the test tracks with a copy in the training part. A random 80/10/10 draw like the
# authors' does this for {glue:text}`copy_with` of {glue:text}`copy_test` test tracks ({glue:text}`copy_share` %; {glue:text}`copy_range`
# over the draws). It does the same for {glue:text}`copy_val` validation tracks, which choose the weights
# kept. Plain k-fold does the same ({glue:text}`copy_kfold_share` %); the `grouped` protocol puts none. So
# part of the authors' {glue:text}`authors` % is measured on songs their models had heard. How much that
# adds needs the audio: this page run with `-p protocol authors` and with `grouped`.

# %% tags=["hide-input"]
ch.copies()

# %% [markdown]
# ## What differs from the paper
#
# - The authors' released runs average {glue:text}`authors` %; the paper reports {glue:text}`paper` %, inside their
#   interval of {glue:text}`authors_lo`–{glue:text}`authors_hi` %.
# - The paper calls its protocol 10-fold cross-validation; the authors' code draws random
#   80/10/10 splits (see [the reproduction report](reproduction.ipynb)). Those draws put copies
#   of a song on both sides of a split. A run of ours uses {glue:text}`protocol_text`.
# - The authors released no predictions per track, so the paper's Table 8 and its confusion
#   matrix cannot be checked without a run of ours on the audio.

# %% [markdown]
# ## The run shown on this page

# %% tags=["hide-input"]
ch.overview()

# %% [markdown]
# ## How to rerun this page
#
# On Extended Ballroom, with the paper's recipe:
#
# ```bash
# papermill notebooks/extended_ballroom.ipynb out.ipynb \
#     -p data_dir /path/to/ExtendedBallroom -p profile paper \
#     -p run_dir runs/extended_ballroom-grouped-paper-seed0
# ```
#
# The folded parameters cell at the top lists every parameter. With data, the page first trains
# every unfinished fold, resuming from the last epoch; a run of other data is refused. A run adds
# our rows to the tables, the loss curves, the confusion matrix and the accuracy per fold. A
# section with nothing to show is left out. `bbnn book --data ...` trains the runs of every
# chapter first, on Dask workers if asked.
