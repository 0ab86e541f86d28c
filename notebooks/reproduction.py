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
# # Reproduction report
#
# What the paper says, what the authors' own release shows, and what this project measures, side
# by side, with every discrepancy stated. Each number below is computed by a cell of this page
# from the authors' files or from a run folder.

# %% tags=["parameters", "hide-input"]
runs = {  # protocol -> run folder of the paper's recipe on gtzan_mini (finished folds are shown)
    "kfold": "../results/gtzan_mini-kfold-paper-seed0",
}
check_clips = 5  # gtzan_mini clips used to compare the authors' models with ours (5: every other genre)
robustness_rows = "../results/robustness-gtzan_mini"  # the robustness chapter's rows: its clean ones are reused when current

# %% tags=["hide-input"]
from bbnn_core.figures import number_captions_for

number_captions_for("reproduction")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from bbnn_core.datasets import load_dataset
from bbnn_core.features import extract
from bbnn_core.metrics import authors_results, find_reruns, rerun_spread, spread_summary, summarize_run
from bbnn_core.reports import captioned, rerun_style, rerun_table, spread_note
from bbnn_core.splits import make_splits

# %% [markdown]
# ## The model is the authors' model
#
# `load_authors_model` puts the weights of a released HDF5 file into this project's Keras 3
# graph. For all ten released GTZAN models and the Extended Ballroom model, its outputs are
# compared with Keras' own loading of the same file on real gtzan_mini features (`check_clips`
# of them), and the GTZAN models are scored on all 100 clips. The scoring runs on the path
# `bbnn predict --precision f32` takes (the ten models as one OpenVINO graph, float32); its
# largest difference from our Keras model on the compared clips is shown beside. Under the
# authors' random 80/10/10 draws about 80 of the 100 clips were in each model's training set and
# about 10 in its validation set (used to pick its weights), so the accuracy checks the features
# and the weights, not generalisation.

# %% tags=["hide-input"]
from bbnn_core.progress import backend_noise_filtered

with backend_noise_filtered():  # TensorFlow's start-up notes stay off the page
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # and its retracing notes
    keras.ops.ones(1)  # starts the backend inside the filter

from bbnn_core import robustness as rb
from bbnn_core.model import load_authors_model
from bbnn_core.predict import load_ensemble
from bbnn_core.resources import authors_model_path

mini = load_dataset("gtzan_mini")
fs = extract(mini, progress=False)
pick = np.linspace(0, len(fs) - 1, check_clips).astype(int)
ensemble = load_ensemble("authors-gtzan", runtime="openvino", precision="f32")
saved = rb.saved_rows(robustness_rows, mini, ensemble)  # None unless made by this code from these clips and models
if saved is not None:  # the same ten models on the same path and clips: their clean predictions
    clean = rb.per_model(saved).query("factor == 'clean'").sort_values("model")
    accuracy = clean.accuracy.to_numpy()
    fast = ensemble.runner()(fs.X[pick][..., None])
else:
    every = ensemble.runner()(fs.X[..., None])
    accuracy, fast = (every.argmax(2) == fs.y[:, None]).mean(0), every[pick]
rows = []
for key, fold in [("gtzan", k) for k in range(10)] + [("extended_ballroom", 0)]:
    path = authors_model_path(key, fold)
    ours = load_authors_model(path).predict(fs.X[pick][..., None], batch_size=20, verbose=0)
    theirs = keras.models.load_model(path, compile=False).predict(fs.X[pick][..., None], verbose=0)
    gtzan = key == "gtzan"
    rows.append(
        {
            "authors' model": f"{key}, fold {fold}",
            "max |ours - Keras' own load|": float(np.abs(ours - theirs).max()),
            "max |OpenVINO f32 - ours|": float(np.abs(fast[:, fold] - ours).max()) if gtzan else np.nan,
            "accuracy on the 100 gtzan_mini clips": float(accuracy[fold]) if gtzan else np.nan,
        }
    )
fidelity = max(r["max |ours - Keras' own load|"] for r in rows)  # for the conclusion
n_checked = len(rows)
captioned(
    pd.DataFrame(rows).style.hide(axis="index").format(
        {
            "max |ours - Keras' own load|": "{:.1e}",
            "max |OpenVINO f32 - ours|": "{:.1e}",
            "accuracy on the 100 gtzan_mini clips": "{:.2f}",
        },
        na_rep="-",
    ),
    f"The authors' {n_checked} released models loaded into this project's graph: largest output difference "
    f"from Keras' own loading on {check_clips} clips, from the OpenVINO path, and accuracy on gtzan_mini"
    + (" (the robustness chapter's clean predictions: the same models, path and clips)." if saved is not None else "."),
)

# %% [markdown]
# Where the paper's text differs from the released model, the model is what is reproduced: the
# text's "stride 2" convolutions and pooling inside the Inception blocks have stride 1 in the
# model, and the paper's Table 1's transition "Max Pool" is an average pooling (as the text also says).

# %% [markdown]
# ## The paper against the authors' released logs

# %% tags=["hide-input"]
from bbnn_core.paper import PAPER_ACCURACY, PAPER_RECIPE, PAPER_TABLE2

published = {key: PAPER_ACCURACY[key] for key in ("gtzan", "extended_ballroom")}
rows = []
for key, paper in published.items():
    df, s = authors_results(key)
    rows.append(
        {
            "data set": key,
            "paper (%)": paper,
            "authors' logs, mean (%)": 100 * s["mean"],
            "95 % CI (%)": f"[{100 * s['ci_low']:.1f}, {100 * s['ci_high']:.1f}]",
            "lowest run (%)": 100 * df["test_acc"].min(),
            "highest run (%)": 100 * df["test_acc"].max(),
            "paper - logs (points)": paper - 100 * s["mean"],
        }
    )
captioned(pd.DataFrame(rows).style.hide(axis="index").format(precision=2),
          "The paper's accuracy against the authors' released per-run results (fold_results.csv): mean with a "
          "95 % Student-t interval over their runs, lowest and highest run.")

# %% [markdown]
# ## The authors' "10-fold cross-validation" is not cross-validation
#
# The paper says "10-fold cross validation, 8/1/1". The authors' code draws 10 independent
# stratified random 80/10/10 splits. On a GTZAN-sized set (1000 clips, 10 genres) that means:

# %% tags=["hide-input"]
y = np.repeat(np.arange(10), 100)
draws = make_splits(y, protocol="authors", seed=0)
times = np.bincount(np.concatenate([f.test for f in draws]), minlength=len(y))
kfold = make_splits(y, protocol="kfold", seed=0)
k_times = np.bincount(np.concatenate([f.test for f in kfold]), minlength=len(y))
captioned(pd.DataFrame(
    {
        "protocol": ["authors (random draws)", "kfold (this project)"],
        "clips never tested": [int((times == 0).sum()), int((k_times == 0).sum())],
        "clips tested once": [int((times == 1).sum()), int((k_times == 1).sum())],
        "clips tested 2+ times": [int((times >= 2).sum()), int((k_times >= 2).sum())],
    }
), f"How often each of {len(y)} clips (GTZAN's size) is tested: ten seeded random draws as the authors' code makes "
   "them, against true 10-fold cross-validation.")

# %% [markdown]
# Test sets that overlap make the ten accuracies dependent, so their spread understates the
# uncertainty of the mean. With true k-fold, every clip is tested exactly once. The table is one
# seeded draw; the expected number of clips that ten independent 10 % test draws never touch is
# computed below it.

# %% tags=["hide-input"]
print(f"expected never-tested clips over 10 random 10 % draws of 1000: 1000 x 0.9^10 = {1000 * 0.9**10:.0f} "
      f"(this draw: {int((times == 0).sum())})")

# %% [markdown]
# ## The authors' two released files describe different runs
#
# Their `fold_results.csv` (the per-run accuracies, used for the authors' rows of the paper's Tables 3
# and 7 and their bars in its Figure 4) and their `fold*_history.csv` files (the per-epoch logs, used for
# their curves in its Figure 3) are both called the released runs. If they were the same ten runs,
# each results row's validation accuracy and loss would appear at some epoch of some history.

# %% tags=["hide-input"]
from bbnn_core.reports import read_histories
from bbnn_core.resources import authors_history_path

rows = []
for key in ("gtzan", "extended_ballroom"):
    res, _ = authors_results(key)
    hist = read_histories(authors_history_path(key, 0).parent, authors=True)
    pairs = {(round(a, 4), round(b, 4)) for a, b in zip(hist["val_acc"], hist["val_loss"])}
    found = sum((round(a, 4), round(b, 4)) in pairs for a, b in zip(res["val_acc"], res["val_loss"]))
    best = hist.groupby("fold")["val_acc"].max()
    rows.append({"data set": key, "results rows": len(res), "rows whose (val_acc, val_loss) is in a history": found,
                 "histories": best.size, "results: mean test acc (%)": 100 * res["test_acc"].mean(),
                 "histories: mean best val acc (%)": 100 * best.mean(),
                 "paper (%)": PAPER_ACCURACY[key]})
released = pd.DataFrame(rows)
captioned(released.style.hide(axis="index").format(precision=1),
          "The authors' two released files compared: results rows whose validation accuracy and loss appear at an "
          "epoch of a history, and each file's summary beside the paper.")

# %% tags=["hide-input"]
g_row = released.iloc[0]
display(Markdown(
    f"{'No' if released['rows whose (val_acc, val_loss) is in a history'].sum() == 0 else 'Only some'} "
    "results row matches any epoch of any history (values compared to 4 decimals): the two files come from "
    "different runs. The paper's Tables 3 and 7 and Figure 4 use `fold_results.csv`; its Figure 3 uses the histories. "
    f"The histories' mean best validation accuracy on GTZAN, {g_row['histories: mean best val acc (%)']:.1f} %, "
    f"is {abs(g_row['histories: mean best val acc (%)'] - PAPER_ACCURACY['gtzan']):.1f} points from the paper's "
    f"{PAPER_ACCURACY['gtzan']:.1f} %; whether the paper reports such a validation figure (chosen on the "
    "clips it is measured on), nothing released settles."))

# %% [markdown]
# ## The paper's tables checked against each other

# %% tags=["hide-input"]
from bbnn_core.paper import PAPER_BALLROOM_TEXT_ACCURACY, PAPER_LITERATURE, PAPER_PER_CLASS, PAPER_TABLE2, table6_accuracy

counts = PAPER_TABLE2["ballroom"]
recalls = {g: PAPER_PER_CLASS["ballroom"][g][1] for g in counts}
weighted = table6_accuracy()  # sum of recall x count over the total count
gtzan_recalls = [v[1] for v in PAPER_PER_CLASS["gtzan"].values()]
fractional = [r for r in gtzan_recalls if r != int(r)]
ballroom_lit = {method.split(" (")[0]: acc for method, _, acc in PAPER_LITERATURE["ballroom"]}
display(Markdown("\n".join([
    f"- **Ballroom, {PAPER_BALLROOM_TEXT_ACCURACY} or {PAPER_ACCURACY['ballroom']}?** The paper's Table 6's recalls weighted by its Table 2's track counts give an accuracy of "
    f"**{weighted:.1f} %**; their plain mean is {np.mean(list(recalls.values())):.1f} %. The text's "
    f"{PAPER_BALLROOM_TEXT_ACCURACY} % {'is' if round(weighted, 1) == PAPER_BALLROOM_TEXT_ACCURACY else 'is not'} "
    f"the accuracy its Table 6 implies; its Table 5's {PAPER_ACCURACY['ballroom']} % "
    f"{'is not' if round(weighted, 1) != PAPER_ACCURACY['ballroom'] else 'is'}.",
    f"- **GTZAN per-genre recalls.** Pooled over ten stratified draws of 10 test clips per genre, every recall "
    f"is a whole number of 100 clips, so a whole percentage. {len(fractional)} of the paper's Table 4's 10 recalls are not "
    f"({', '.join(f'{r:.1f}' for r in fractional)}): its Table 4 cannot come from the protocol the paper describes.",
    "- **The stem's pooling.** The text says 4 x 1 max pooling with stride 1; 647 frames become 161 "
    f"(the paper's Table 1 and the released weights) only with stride 4: (647 - 4) // 4 + 1 = {(647 - 4) // 4 + 1}.",
    "- **The mel range.** The text says 128 mel bands cover 0-22050 Hz; at 22050 Hz sampling librosa's mel "
    f"bands end at the Nyquist frequency, {22050 // 2} Hz.",
    "- **Two spellings.** Extended Ballroom's West Coast Swing is \"Weswing\" in the paper's Table 2 and \"Wcswing\" in "
    "its Table 8 (and in the data set's metadata); this book uses the metadata's name.",
    f"- **The paper's Table 5 against its text.** The text gives {ballroom_lit['MMCNN']} % to Marchand et al.'s MSS with "
    f"a modified KNN; the table gives {ballroom_lit['MMCNN']} % to MMCNN and {ballroom_lit['Marchand et al.']} % "
    "to Marchand et al.'s MSS. "
    "This book's copy of the paper's Table 5 follows the table.",
])))


# %% [markdown]
# ## This project's runs of the paper's recipe
#
# The `paper` profile unchanged: full 30 s clips, Adam at 0.01, batch 8, ReduceLROnPlateau and
# EarlyStopping on the training loss, the best-validation weights tested. Training continues fold
# by fold; every number is over the folds finished when the book was built, and says how many.

# %% tags=["hide-input"]
from bbnn_core.reports import read_histories, stopping_table
from bbnn_core.runs import Run
from bbnn_core.train import is_run

rows, stops, train_clips = [], [], {}


def label(protocol):
    """Our rows in the table of epochs per fold: short, so that the column does not wrap."""
    return "ours" if len(runs) == 1 else f"ours, {protocol}"


for protocol, run in runs.items():
    s = summarize_run(run) if is_run(run) else {"folds_done": 0}
    if not s["folds_done"]:
        print(f"{protocol}: no fold of {run} has finished yet")
        continue
    cfg = pd.read_json(f"{run}/config.json", typ="series")
    rows.append(
        {
            "protocol": protocol,
            "data set": cfg["dataset"],
            "profile": cfg["profile"],
            "folds": f"{s['folds_done']} of {s['n_folds']}",
            "BBNN (%)": 100 * s["test_acc"]["mean"],
            "BBNN 95 % CI (%)": f"[{100 * s['test_acc']['ci_low']:.1f}, {100 * s['test_acc']['ci_high']:.1f}]",
            "SVM, same folds (%)": 100 * s["baseline_test_acc"]["mean"],
            "SVM 95 % CI (%)": f"[{100 * s['baseline_test_acc']['ci_low']:.1f}, "
            f"{100 * s['baseline_test_acc']['ci_high']:.1f}]",
            "a rerun moves BBNN by": spread_note(spread_summary(rerun_spread(run, find_reruns(run))))
            or "not measured yet (below)",
        }
    )
    stops.append(stopping_table(summary=s, histories=read_histories(run), label=label(protocol)))
    train_clips[protocol] = len(Run(run).splits()["folds"][0]["train"])
ours = pd.DataFrame(rows)
(captioned(ours.style.hide(axis="index").format(precision=1),
           "This project's runs of the paper's recipe: BBNN's test accuracy pooled over the finished folds with a "
           "95 % Wilson interval, the SVM on the same folds, and how far reruns of its folds moved BBNN's pooled "
           "accuracy (next section).") if len(ours) else None)

# %% [markdown]
# Epochs run and best epoch per fold, ours beside the authors' released GTZAN histories (best
# epoch = the epoch of the highest validation accuracy, counted from 1), when and how often the
# learning rate was cut and where the training loss ended (what decides when training stops),
# and for ours the training against the test accuracy of the weights kept: a gap between them
# is over-fitting of the training clips, not a failure to learn.

# %% tags=["hide-input"]
from bbnn_core.paper import paper_train_clips
from bbnn_core.reports import STOPPING_CAPTION, stopping_note, stopping_style

authors_hist = read_histories(authors_history_path("gtzan", 0).parent, authors=True)
stops = pd.concat([*stops, stopping_table(authors=authors_hist)], ignore_index=True)
display(captioned(stopping_style(stops), STOPPING_CAPTION.format(who="ours beside the authors' released GTZAN histories")))
n_train_authors = paper_train_clips("gtzan")  # their 80/10/10 draws of GTZAN's clips
for protocol, n in train_clips.items():
    note = stopping_note(stops, n_train=n, n_train_authors=n_train_authors, label=label(protocol))
    if note:
        display(Markdown(note))

# %% tags=["hide-input"]
from bbnn_core.metrics import paired_comparison
from bbnn_core.model import build_bbnn, count_params
from bbnn_core.reports import svm_verdict
from bbnn_core.train import features_for, load_run_config

verdict, paired = [], {}
for protocol, run in runs.items():
    s = summarize_run(run) if is_run(run) else {"folds_done": 0}
    if not s["folds_done"]:
        continue
    sp = Run(run).splits()
    paired[protocol] = paired_comparison(run, features=lambda: features_for(load_run_config(run)))
    verdict.append(svm_verdict(s, name=protocol, n_train=len(sp["folds"][0]["train"]), n_classes=len(sp["classes"]),
                               n_params=count_params(build_bbnn(n_classes=len(sp["classes"])))["total"],
                               paired=paired[protocol]))
display(Markdown("\n".join(verdict) if verdict else "No fold of this project's paper-profile run has finished yet."))

# %% [markdown]
# ### How far a rerun can move these numbers
#
# What each fold recorded about the settings its numbers depend on, and what follows for a
# reader who reruns the command.

# %% tags=["hide-input"]
from bbnn_core.reports import reproducibility_note

lines, tables = [], []
for protocol, run in runs.items():
    if not is_run(run) or not Run(run).finished_folds():
        continue
    spread = rerun_spread(run, find_reruns(run))
    lines.append(reproducibility_note(run, name=protocol, spread=spread))
    if not spread.empty:
        tables.append((protocol, spread))
display(Markdown("\n".join(lines) if lines else "No fold has finished yet."))
for protocol, spread in tables:
    display(captioned(rerun_style(rerun_table(spread)),
                      f"{protocol}: test accuracy (%) per fold of the run and of each rerun of it, on the same test "
                      "clips; ranges and changes in points."))

# %% [markdown]
# ## Discrepancies, plainly

# %% tags=["hide-input"]
PAPER_GTZAN = PAPER_ACCURACY["gtzan"]
g_df, g = authors_results("gtzan")
e_df, e = authors_results("extended_ballroom")
from bbnn_core.datasets import load_extended_ballroom
from bbnn_core.reports import copies_table
eb = load_extended_ballroom()  # its metadata: the copies it links
eb_copies = copies_table(eb.labels, eb.groups, protocols=("authors",)).iloc[0]
plain = [
    f"- **GTZAN accuracy.** The paper reports {PAPER_GTZAN:.1f} %; the authors' released runs (fold_results.csv) "
    f"average {100 * g['mean']:.1f} % (Student-t 95 % CI {100 * g['ci_low']:.1f}-{100 * g['ci_high']:.1f} %, "
    f"optimistic because their test sets overlap). {int((g_df['test_acc'] >= PAPER_GTZAN / 100).sum())} of "
    f"{len(g_df)} runs reach {PAPER_GTZAN:.1f} % (the best: {100 * g_df['test_acc'].max():.2f} %), so the logs "
    f"{'support' if g['ci_low'] <= PAPER_GTZAN / 100 <= g['ci_high'] else 'do not support'} "
    f"{PAPER_GTZAN:.1f} % as their mean, "
    f"{'and do not rule it out as the figure of one run' if g_df['test_acc'].max() >= PAPER_GTZAN / 100 else 'nor as the figure of any one run'}.",
    f"- **Extended Ballroom accuracy.** The paper reports {PAPER_ACCURACY['extended_ballroom']:.1f} %; the released "
    f"runs average {100 * e['mean']:.2f} % (CI {100 * e['ci_low']:.1f}-{100 * e['ci_high']:.1f} %): the paper's figure "
    f"is {'inside' if e['ci_low'] <= PAPER_ACCURACY['extended_ballroom'] / 100 <= e['ci_high'] else 'outside'} "
    "that interval.",
    f"- **Ballroom.** The paper's text says {PAPER_BALLROOM_TEXT_ACCURACY} %, its Table 5 "
    f"{PAPER_ACCURACY['ballroom']} %; its own Table 6, weighted by its Table 2's counts, implies {weighted:.1f} % "
    "(above). Nothing was released to check either against a run.",
    f"- **Protocol.** Called 10-fold cross-validation, it is 10 random 80/10/10 draws: on a 1000-clip set about "
    f"{1000 * 0.9**10:.0f} clips are never tested (expected; {int((times == 0).sum())} in the draw above) and "
    f"{int((times >= 2).sum())} are tested more than once in that draw. On Extended Ballroom, whose metadata links "
    f"copies of the same song, such a draw puts a copy in training for {eb_copies['share of test tracks (%)']:.1f} % "
    "of the test tracks (the Extended Ballroom chapter counts them); the authors' draws cannot be recovered.",
    "- **Architecture text.** The Inception blocks have stride 1 throughout (the text says stride 2), and the "
    "transition pooling is an average pooling (the paper's Table 1 says max pooling). The released weights fit the "
    "stride-1, average-pooling graph exactly.",
]
display(Markdown("\n".join(plain)))

# %% [markdown]
# ## What to conclude

# %% tags=["hide-input"]
from bbnn_core import robustness as rb

reach = int((g_df["test_acc"] >= PAPER_GTZAN / 100).sum())
conclude = [
    f"- **The model is the authors'.** All {n_checked} released models load into this project's Keras 3 graph "
    "and give " + ("exactly the outputs of Keras' own loading" if fidelity == 0 else
                   f"the outputs of Keras' own loading to within {fidelity:.1e}") + ".",
    f"- **The paper's GTZAN figure against the released runs.** They average {100 * g['mean']:.1f} %, "
    f"{abs(PAPER_GTZAN - 100 * g['mean']):.1f} points {'below' if 100 * g['mean'] < PAPER_GTZAN else 'above'} "
    f"the paper's {PAPER_GTZAN:.1f} %; {reach} of {len(g_df)} "
    f"reach it (the best: {100 * g_df['test_acc'].max():.2f} %). Their protocol is random draws, not "
    "cross-validation.",
]
for protocol, run in runs.items():
    s = summarize_run(run) if is_run(run) else {"folds_done": 0}
    if s["folds_done"]:
        b, v = 100 * s["test_acc"]["pooled"], 100 * s["baseline_test_acc"]["pooled"]
        lo, hi = 100 * s["test_acc"]["ci_low"], 100 * s["test_acc"]["ci_high"]
        sp, pc = Run(run).splits(), paired[protocol]
        conclude.append(
            f"- **The paper's recipe, rerun on {s['folds_done']} of {s['n_folds']} true cross-validation folds of "
            f"the {len(sp['tracks'])}-clip gtzan_mini, reaches {b:.1f} % [{lo:.1f}, {hi:.1f}]**, against {v:.1f} % "
            f"for an SVM on the same folds"
            + (f" (clip by clip they differ on {pc['bbnn_only'] + pc['svm_only']} of {pc['n_clips']} clips, "
               f"{pc['bbnn_only']} to {pc['svm_only']}: exact McNemar p = {pc['p_value']:.2f})" if pc["n_clips"] else "")
            + f". These folds train on {len(sp['folds'][0]['train'])} clips, not the paper's {paper_train_clips('gtzan')}, so they test the "
            f"recipe, not the paper's number (which is {'inside' if lo <= PAPER_GTZAN <= hi else 'outside'} this "
            "interval)."
        )
robust = rb.summarize(pd.read_csv("../results/robustness-gtzan_mini/" + rb.ROWS_FILE)).set_index(["factor", "level"])


def changed(factor, level):
    row = robust.loc[(factor, level)]
    return f"{100 * row['changed'] / row['clips']:.0f}"


conclude.append(
    "- **Outside its training conditions the released model is fragile** (chapter *Beyond the paper*; predictions "
    f"changed of 100): a 10 s excerpt padded with silence to 30 s {changed('length', '10 s')}, the same excerpt "
    f"given at its own length (as `bbnn predict` does) {changed('length-direct', '10 s')}, -10 dB of gain "
    f"{changed('gain', '-10 dB')}, "
    f"white noise at 20 dB SNR {changed('noise', 'SNR 20 dB')}, MP3 at 128 kbit/s "
    f"{changed('codec', 'MP3 128 kbit/s')}."
)
display(Markdown("\n".join(conclude)))

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
# The numbers of the book's abstract (book/intro.md glues them from this page): the paper's, the
# authors' released runs' and this project's run of the paper's recipe under true k-fold. Checked
# against the committed outputs by nbval, so a stale abstract fails the tests.
from myst_nb import glue


def pct(x):
    return f"{100 * x:.1f}"


abstract = {
    "paper": f"{PAPER_GTZAN:.1f}",
    "paper-train-clips": str(n_train_authors),
    "models": str(n_checked),
    "fidelity": f"{fidelity:.1g}",
    "authors": pct(g["mean"]),
    "authors-ci": f"{pct(g['ci_low'])}–{pct(g['ci_high'])}",
    "authors-runs": str(len(g_df)),
    "authors-reach": str(reach),
    "padded": changed("length", "10 s"),
    "mp3": changed("codec", "MP3 128 kbit/s"),
    "robust-clips": str(int(robust.loc[("length", "10 s")]["clips"])),
}
run = runs.get("kfold")
s = summarize_run(run) if run and is_run(run) else {"folds_done": 0}
if s["folds_done"] and "baseline_test_acc" in s:
    sp, pc = Run(run).splits(), paired["kfold"]
    abstract |= {
        "ours": pct(s["test_acc"]["pooled"]),
        "ours-ci": f"{pct(s['test_acc']['ci_low'])}–{pct(s['test_acc']['ci_high'])}",
        "svm": pct(s["baseline_test_acc"]["pooled"]),
        "svm-ci": f"{pct(s['baseline_test_acc']['ci_low'])}–{pct(s['baseline_test_acc']['ci_high'])}",
        "folds": f"{s['folds_done']} of {s['n_folds']}",
        "clips": str(len(sp["tracks"])),
        "train-clips": str(len(sp["folds"][0]["train"])),
        # the McNemar p-value only when every fold's SVM predictions were there to pair
        "p": f"{pc['p_value']:.2f}" if pc["n_clips"] == len(sp["tracks"]) and not pc.get("missing") else "n/a",
    }
else:
    abstract |= {k: "n/a" for k in ("ours", "ours-ci", "svm", "svm-ci", "folds", "clips", "train-clips", "p")}
for key, value in abstract.items():
    glue(f"abstract-{key}", value, display=False)
print(abstract)

# %% [markdown]
# ## How to rerun this page
#
# The page reads the authors' released files (through `BBNN_MIRROR`, or downloaded and checked)
# and the run folders named in its parameters. With runs of your own of the paper's recipe, one
# per protocol:
#
# ```yaml
# # my_runs.yaml: protocol -> run folder
# runs:
#   kfold: /path/to/runs/gtzan-kfold-paper-seed0
#   authors: /path/to/runs/gtzan-authors-paper-seed0
# ```
#
# ```bash
# papermill notebooks/reproduction.ipynb out.ipynb \
#     --cwd notebooks -f my_runs.yaml
# ```
