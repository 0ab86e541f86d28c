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
# Our run of {glue:text}`recipe` on {glue:text}`n_test` {glue:text}`data_name` clips reaches {glue:text}`acc` %
# (95 % interval {glue:text}`acc_lo`–{glue:text}`acc_hi` %). An SVM on the same folds reaches
# {glue:text}`svm` %. The paper reports {glue:text}`paper` % on the full GTZAN, and the authors'
# released logs average {glue:text}`authors` %.
# Table 3.1 sets these beside the paper's Table 3. The page then follows the paper: genres,
# training, confusions. It ends with what differs from the paper and how to rerun the page.

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
from bbnn_core.book import prepare_kernel

prepare_kernel()  # as the bbnn command: one TensorFlow inter-op thread; no widget warning
from myst_nb import glue

from bbnn_core.chapter import open_chapter, run_parameters
from bbnn_core.figures import number_captions_for
from bbnn_core.train import train as train_run

number_captions_for("gtzan")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
KEY = "gtzan"  # the paper's data set this page reproduces
BATCHNORM = "../results/gtzan_mini-bn-statistics"  # results/bn_statistics.py's measurement of the committed run
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
# The numbers the prose quotes, as it shows them ("n/a" where this page has no source for one:
# no run, no released logs, no reruns, no BatchNorm measurement of this run).
texts = ch.texts(ch.numbers(batchnorm=BATCHNORM))
for key, text in texts.items():
    glue(key, text, display=False)
print(texts)

# %% [markdown]
# ## Accuracy
#
# Our intervals are 95 % Wilson score intervals over the pooled test predictions. They cover the
# sampling of the test clips, not the variation of training: [chapter 8](reproducibility.ipynb)
# measures how far a rerun moves a fold. The authors'
# row gets a Student-t interval over their ten runs. That interval is optimistic: their test sets
# overlap (see "What differs from the paper" below).

# %% tags=["hide-input"]
ch.comparison()

# %% [markdown]
# Two intervals side by side do not compare two classifiers tested on the same clips. Table 3.2
# pairs them clip by clip. Only the clips that exactly one of the two gets right count: BBNN
# alone is right on {glue:text}`bbnn_only`, the SVM alone on {glue:text}`svm_only`. An exact McNemar test on them
# gives p = {glue:text}`p_value`. These clips do not tell the two apart unless p is below 0.05.

# %% tags=["hide-input"]
ch.paired_table()

# %% [markdown]
# ## Per genre
#
# Table 3.3 pools the test folds of our run, beside the paper's Table 4. With
# {glue:text}`worst_support` test clips of a genre, one clip moves its recall by
# {glue:text}`clip_points` points, so only large differences mean anything here.
#
# The best-recognised genre is {glue:text}`best_genre` (F-score {glue:text}`best_f1` %). The weakest
# is {glue:text}`worst_genre` ({glue:text}`worst_f1` %): the model finds {glue:text}`worst_recall` % of its
# clips, and {glue:text}`worst_as_n` of its {glue:text}`worst_support` go to {glue:text}`worst_as`.
# Next comes {glue:text}`next_genre` ({glue:text}`next_f1` %), with {glue:text}`next_as_n` clips taken
# for {glue:text}`next_as`. In the paper's Table 4 the weakest genre is
# {glue:text}`paper_worst_genre`, at {glue:text}`paper_worst_f1` %.

# %% tags=["hide-input"]
ch.per_class()

# %% [markdown]
# ## Training
#
# Figure 3.1 shows the losses per epoch, Table 3.4 how long each fold trained. Our folds ran
# {glue:text}`epochs_median` epochs (median, of at most {glue:text}`epochs_max`), the authors'
# {glue:text}`authors_epochs_median`. The learning rate was cut in {glue:text}`folds_cut` of our
# {glue:text}`folds_done` folds, first at epoch {glue:text}`first_cut_median` (median), and in theirs at
# {glue:text}`authors_first_cut_median`. Our training loss ended near {glue:text}`last_loss_median`, theirs near
# {glue:text}`authors_last_loss_median`.
#
# The size of an epoch matters here. Each fold trains on {glue:text}`n_train` clips, the paper's on
# about {glue:text}`n_train_paper`. At {glue:text}`batch` clips per step, our epoch has
# {glue:text}`epoch_steps` and theirs about {glue:text}`steps_paper`. The schedule counts its patience
# in epochs, not steps. With fewer steps per epoch, it cuts the rate and stops after fewer steps.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Loss per epoch for every fold: our run on the left, the authors' logs on the right, each with its learning rate below."}}
ch.plot_losses()

# %% tags=["hide-input"]
ch.convergence()

# %% [markdown]
# ## Why the validation loss starts so high
#
# In Figure 3.1 the validation loss of fold 0 starts at {glue:text}`bn_val`, its training loss at
# {glue:text}`bn_train_loss`. That looks like over-fitting, but it is not. BatchNorm layers normalise with
# batch statistics in training, and with slow moving averages of them at evaluation. With
# momentum 0.99 and {glue:text}`epoch_steps` per epoch, the averages lag far behind the weights.
#
# Figure 3.2 measures this on fold 0, retrained with its seeds for {glue:text}`bn_epochs` epochs. At epoch 1
# the training clips themselves score {glue:text}`bn_train_inference` with the moving averages. That is as
# bad as the validation clips. With statistics re-estimated on the training clips, the validation
# loss is {glue:text}`bn_val_precise`. The training clips first score within twice the reported loss at epoch
# {glue:text}`bn_caught_up`. The authors' epochs have about {glue:text}`steps_paper` steps. Their
# median validation loss starts at {glue:text}`authors_val_first` and is within twice the training
# loss by epoch {glue:text}`authors_caught_up`.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Four loss curves of fold 0: the validation loss with moving statistics starts near 14 and meets the re-estimated curve near 1 after about 24 epochs."}}
ch.batchnorm_lag(BATCHNORM)

# %% [markdown]
# ## Confusions and folds
#
# Figure 3.3 pools the confusions of all test folds. Figure 3.4 gives each fold's accuracies.
# The weights kept reach {glue:text}`train_acc` % on their own training clips and {glue:text}`acc` % on test clips.
# Fold test accuracies range from {glue:text}`fold_min` % to {glue:text}`fold_max` %.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Confusion matrix of our run, true genres in rows, predicted genres in columns; then bars of training, validation and test accuracy per fold."}}
ch.plot_results()

# %% [markdown]
# ## The clips it gets wrong
#
# Table 3.5 lists every misclassified test clip, the most confident errors first. The players
# below give the first 6 s of the first four.

# %% tags=["hide-input"]
ch.misclassified()

# %% [markdown]
# ## What you would use instead
#
# With a data set this small, a researcher today would rarely train a network from scratch. The
# usual recipe keeps a network pretrained on other music frozen and fits a linear classifier on
# its embeddings, a *linear probe*. The command `bbnn train --method probe` does this on a run's
# folds. The table below sets three probes beside our BBNN run, on the same test clips. The
# musicnn model {cite}`pons2019musicnn` trained on the Million Song Dataset reaches
# {glue:text}`probe_msd` % ({glue:text}`probe_msd_lo`–{glue:text}`probe_msd_hi` %). Clip by clip against
# BBNN, the exact McNemar test gives p = {glue:text}`probe_msd_p`. The musicnn model trained on
# MagnaTagATune reaches {glue:text}`probe_mtt` % (p = {glue:text}`probe_mtt_p`). The authors' own
# Extended Ballroom BBNN, used the same way, reaches {glue:text}`probe_eb` % (p = {glue:text}`probe_eb_p`).
#
# The Million Song Dataset's recordings may include GTZAN's clips, or other recordings of their
# artists. That would flatter the first row, and nothing here can check it. A probe fits in
# seconds once its embeddings are cached, where a fold of BBNN's recipe trains for an hour or more
# on a CPU.

# %% tags=["hide-input"]
ch.probes_table()

# %% [markdown]
# ## What differs from the paper
#
# Each of our folds trains on {glue:text}`n_train` clips, the paper's on about
# {glue:text}`n_train_paper`. With fewer clips, our number tests the recipe rather than the paper's
# figure. The weights kept are chosen on the validation clips, as many as the test clips, so with
# few clips that choice is noisy too. Three findings hold whatever the size:
#
# - The paper calls its protocol 10-fold cross-validation. The authors' code draws ten random
#   80/10/10 splits instead, and their test sets overlap, as
#   [the reproduction report](reproduction.ipynb) shows. Our run uses {glue:text}`protocol_text`.
# - The authors' released logs average {glue:text}`authors` %, below the paper's {glue:text}`paper` %.
# - On the same folds BBNN reaches {glue:text}`acc` % and an SVM on summary statistics {glue:text}`svm` %
#   (McNemar p = {glue:text}`p_value`, Table 3.2).

# %% [markdown]
# ## The run shown on this page

# %% tags=["hide-input"]
ch.overview()

# %% [markdown]
# ## How to rerun this page
#
# Without data, the page shows the committed run in `results/`. On your own copy of GTZAN, with
# the paper's recipe:
#
# ```bash
# papermill notebooks/gtzan.ipynb out.ipynb \
#     -p data_dir /path/to/GTZAN -p dataset gtzan \
#     -p profile paper -p run_dir runs/gtzan-kfold-paper-seed0
# ```
#
# The folded parameters cell at the top lists every parameter. With data, the page first trains
# every unfinished fold, resuming from the last epoch; a run of other data is refused. Without
# data, it shows the run folder's finished folds. A section with nothing to show is left out.
# `bbnn book --data ...` trains the runs of every chapter first, on Dask workers if asked.
