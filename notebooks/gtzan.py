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
# The paper's GTZAN experiment: Table 3 (accuracy against published methods), Table 4
# (precision, recall and F-score per genre), Figure 3 (loss curves) and Figure 4 (confusion
# matrix and accuracy per fold), for a run of this project and for the authors' released logs.
#
# The page reads a run folder. If `run_dir` holds no finished run, it trains one first
# (`bbnn_core.train`, resuming whatever is there). To run it on the full GTZAN:
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

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from bbnn_core.errors import ResourceError
from bbnn_core.metrics import authors_results, read_run, summarize_run
from bbnn_core.reports import (
    PAPER_PER_CLASS,
    comparison_table,
    per_class_table,
    plot_confusion,
    plot_fold_accuracies,
    plot_histories,
    read_histories,
)
from bbnn_core.resources import authors_history_path
from bbnn_core.train import config_for, load_run_config, train

run = Path(run_dir)
summary = summarize_run(run) if (run / "splits.json").exists() else {"folds_done": 0, "n_folds": 1}
if summary["folds_done"] < summary["n_folds"]:
    summary = train(config_for(profile, dataset=dataset, data_dir=data_dir, protocol=protocol, seed=seed,
                               run_dir=run_dir))
cfg = load_run_config(run)
folds, predictions = read_run(run)
provenance = json.loads((run / "fold0" / "provenance.json").read_text())

# %% [markdown]
# ## The run shown on this page

# %%
about = {
    "data set": cfg.dataset + (" (synthetic test data)" if "synthetic" in cfg.dataset else ""),
    "clips": int(len(predictions)),
    "protocol": cfg.protocol,
    "profile": cfg.profile + ("" if cfg.profile == "paper" else " (REDUCED: not the paper's recipe)"),
    "epochs (max)": cfg.epochs,
    "training excerpt": f"{cfg.crop_frames} frames" if cfg.crop_frames else "full clip (647 frames)",
    "BatchNorm momentum": cfg.bn_momentum,
    "seed": cfg.seed,
    "Keras backend / device": f"{provenance['keras_backend']} / {provenance['device']}",
    "code (git commit)": str(provenance["git_commit"])[:10],
    "training wall time": f"{summary['wall_time_s'] / 60:.1f} min over {summary['folds_done']} folds",
}
pd.Series(about, name="").to_frame()

# %% [markdown]
# ## Table 3: accuracy
#
# Literature rows are quoted from the paper. The other rows are computed: the authors' own
# released per-run results, this run's BBNN, and a classical baseline (an SVM on log-mel and MFCC
# statistics) on exactly the same folds. Intervals are 95 % Student-t intervals over folds.

# %%
try:
    authors_df, authors_summary = authors_results("gtzan")
except ResourceError as exc:  # fold_results.csv comes only from a mirror
    authors_df, authors_summary = None, None
    print(f"authors' results unavailable: {exc}")
label = f" ({cfg.dataset}, {cfg.protocol}, {cfg.profile})"
comparison_table("gtzan", ours=summary, authors=authors_summary, data_label=label).style.hide(axis="index")

# %% [markdown]
# ## Table 4: per genre
#
# Pooled over the test folds of this run, beside the paper's Table 4.

# %%
per_class_table(summary["pooled"], paper=PAPER_PER_CLASS["gtzan"]).style.hide(axis="index").format(precision=1)

# %% [markdown]
# ## Figure 3: loss curves
#
# Training and validation loss per epoch: every fold thin, the mean over folds thick.

# %%
ours_hist = read_histories(run)
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
plot_histories(ours_hist, ax=axes[0], title=f"this run ({cfg.profile} profile)")
try:
    authors_dir = authors_history_path("gtzan", 0).parent
    plot_histories(read_histories(authors_dir, "fold*_history.csv"), ax=axes[1],
                   title="the authors' released logs (full GTZAN)")
except ResourceError as exc:
    axes[1].set_axis_off()
    print(f"authors' logs unavailable: {exc}")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Figure 4: confusion matrix and accuracy per fold

# %%
classes = json.loads((run / "splits.json").read_text())["classes"]
fig, axes = plt.subplots(1, 3, figsize=(17, 4.8), gridspec_kw={"width_ratios": [1.1, 1, 1]})
plot_confusion(summary["pooled"]["confusion"], classes, ax=axes[0], title="this run, pooled over test folds")
plot_fold_accuracies(folds, ax=axes[1], title="this run")
if authors_df is not None:
    plot_fold_accuracies(authors_df, ax=axes[2], title="the authors' released runs")
else:
    axes[2].set_axis_off()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## What differs from the paper, and why

# %%
lines = []
if cfg.profile != "paper":
    lines.append(f"- This run uses the **{cfg.profile}** profile, reduced to run on a CPU in minutes "
                 f"({cfg.epochs} epochs, training excerpts of {cfg.crop_frames} frames, BatchNorm momentum "
                 f"{cfg.bn_momentum}); its accuracy is not comparable with the paper's 100-epoch runs.")
if cfg.dataset == "gtzan_mini":
    lines.append("- It uses gtzan_mini, 100 of GTZAN's 1000 clips: each test fold holds 10 clips, so one clip "
                 "moves a fold's accuracy by 10 points and the interval is wide.")
if cfg.protocol == "kfold":
    lines.append("- It uses true 10-fold cross-validation (every clip tested once). The paper says 10-fold, but "
                 "the authors' code draws 10 independent random 80/10/10 splits whose test sets overlap "
                 "(`--protocol authors` reproduces that).")
if authors_summary is not None:
    lines.append(f"- The authors' released logs average {100 * authors_summary['mean']:.1f} % test accuracy "
                 f"over their 10 runs, below the 93.9 % the paper reports for GTZAN.")
display(Markdown("\n".join(lines)))
