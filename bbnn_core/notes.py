"""The sentences a results page prints beside its tables, each computed from a run folder, the
authors' release or the paper's quoted facts: the clip-by-clip comparison with the SVM, how far
reruns moved the numbers and what a rerun reproduces, how long the folds trained against the
authors' histories, and how the run shown differs from the paper's experiment.

Every function returns Markdown (a phrase, a paragraph or bullets); nothing here draws, trains or
builds a table.
"""

from __future__ import annotations

import numpy as np

from .paper import PAPER_ACCURACY, PAPER_BALLROOM_TEXT_ACCURACY, PAPER_RECIPE, paper_train_clips, table6_accuracy
from .progress import plural

__all__ = [
    "paired_note",
    "spread_note",
    "discrepancies",
]


def paired_note(paired: dict, *, of: str = "") -> str:
    """The clip-by-clip comparison of BBNN and the SVM (:func:`bbnn_core.metrics.paired_comparison`)
    in words: the four counts, the exact McNemar test and what it allows one to say. ``of`` names
    the clips (e.g. "of 5 of 10 folds")."""
    n, b, c = paired["n_clips"], paired["bbnn_only"], paired["svm_only"]
    if not n:
        return "No fold records the SVM's prediction for each clip, so the two cannot be compared clip by clip."
    p = paired["p_value"]
    if p < 0.05:
        better = "BBNN" if b > c else "the SVM"
        verdict = f"{better} is the more accurate of the two on these clips"
    else:
        verdict = "these clips do not tell the two apart"
    text = (
        f"On the same {n} test clips{f' {of}' if of else ''}, both are right on {paired['both_right']} and both "
        f"wrong on {paired['both_wrong']}; BBNN alone is right on {b}, the SVM alone on {c}. Were the two equally "
        f"accurate, the {b + c} clips that only one gets right would split at least this unevenly with "
        f"probability {p:.2f} (exact McNemar test): {verdict}."
    )
    if paired["missing"]:
        text += (
            f" {plural(len(paired['missing']), 'Fold', count=False)} {', '.join(map(str, paired['missing']))} "
            "left out: the SVM's predictions per clip could not be recovered."
        )
    return text


# each kind of rerun (bbnn_core.metrics.rerun_spread) as the pages say it
RERUN_KINDS = {
    "train seed": "other training seeds",
    "numeric": "the same seeds on other settings",
    "repeat": "the same seeds and settings",
}


def spread_note(summary: dict) -> str:
    """One phrase per kind of rerun from :func:`bbnn_core.metrics.spread_summary`: how far the
    reruns moved the accuracy pooled over the folds they reran (points), how many reruns, which
    folds. Over a few folds that accuracy moves more than the one pooled over all of them."""
    parts = []
    for kind, s in summary.items():
        folds = ", ".join(str(k) for k in s["folds"])
        what = RERUN_KINDS[kind]
        reruns = f"{plural(s['reruns'], 'rerun')} of {plural(len(s['folds']), 'fold', count=False)} {folds}"
        if s["identical"] == s["rows"]:  # nothing moved, to the byte
            parts.append(f"byte for byte the same history and predictions with {what} ({reruns})")
            continue
        scope = "the accuracy pooled over those folds" if len(s["folds"]) > 1 else "that fold's accuracy"
        moved = f"up to {100 * s['pooled_max_abs']:.1f} points" if s["pooled_max_abs"] > 0 else "no change"
        parts.append(f"{moved} with {what} ({reruns}, {scope})")
    if parts and "train seed" not in summary:
        parts.append("other training seeds: not measured yet")
    return "; ".join(parts)


def _ours_against_paper(ours: dict, *, dataset: str, n_train: int | None) -> str:
    """One bullet: a paper-profile run's accuracy against the paper's, how many clips each trained
    on, the training against the test accuracy of the weights kept, and BBNN against the SVM."""
    published = PAPER_ACCURACY[dataset]
    acc, per_fold = ours["test_acc"], ours["per_fold"]
    lo, hi = 100 * acc["ci_low"], 100 * acc["ci_high"]
    done, total = ours["folds_done"], ours["n_folds"]
    text = (
        f"- This run reaches {100 * acc['pooled']:.1f} % [{lo:.1f}, {hi:.1f}] over "
        f"{'its' if done == total else f'{done} of'} {total} folds, the paper {published} % "
        f"({'inside' if lo <= published <= hi else 'outside'} that interval)"
    )
    n_paper = paper_train_clips(dataset)
    if n_train and n_paper:
        text += f": each fold here trains on {n_train} clips, each of the paper's runs on about {n_paper}"
    train = [100 * f["train_acc"] for f in per_fold]
    test = [100 * f["test_acc"] for f in per_fold]
    text += (
        f". The weights kept reach {np.mean(train):.1f} % on their own training clips (per fold "
        f"{min(train):.1f}-{max(train):.1f} %) and {np.mean(test):.1f} % on the test clips (per fold "
        f"{min(test):.0f}-{max(test):.0f} %)."
    )
    base = ours.get("baseline_test_acc")
    if base is not None:
        diff, n = acc["correct"] - base["correct"], acc["n_clips"]
        ours_pct, svm_pct = 100 * acc["pooled"], 100 * base["pooled"]
        if diff < 0:
            text += (
                f" **BBNN stays below the SVM** on the same folds: {ours_pct:.1f} % against {svm_pct:.1f} %, "
                f"{-diff} of {n} test clips."
            )
        elif diff > 0:
            text += f" The SVM on the same folds reaches {svm_pct:.1f} %: BBNN is ahead by {diff} of {n} test clips."
        else:
            text += f" The SVM on the same folds gets as many of the {n} test clips right ({svm_pct:.1f} %)."
    return text


def discrepancies(
    cfg, *, dataset: str, authors: dict | None = None, ours: dict | None = None, n_train: int | None = None
) -> str:
    """Markdown bullets: how the run shown differs from the paper's experiment, and why. ``ours``
    is the run's summary (:func:`bbnn_core.metrics.summarize_run`) and ``n_train`` its training
    clips per fold: a run of the paper's recipe is then set against the paper's accuracy."""
    published = PAPER_ACCURACY[dataset]
    lines = []
    if cfg is not None and cfg.profile == "paper" and ours and ours.get("per_fold"):
        lines.append(_ours_against_paper(ours, dataset=dataset, n_train=n_train))
    if cfg is not None and cfg.profile != "paper":
        lines.append(
            f"- This run uses the **{cfg.profile}** profile, reduced to run on a CPU in minutes "
            f"({cfg.epochs} epochs, training excerpts of {cfg.crop_frames} frames, BatchNorm momentum "
            f"{cfg.bn_momentum}); its accuracy is not comparable with the paper's {PAPER_RECIPE['epochs']}-epoch "
            "runs."
        )
    if cfg is not None and cfg.dataset == "gtzan_mini" and cfg.protocol in ("kfold", "grouped"):
        per_fold = 100 // cfg.n_folds
        lines.append(
            f"- It uses gtzan_mini, 100 of GTZAN's 1000 clips: each test fold holds {per_fold} clips, so one clip "
            f"moves a fold's accuracy by {100 / per_fold:.0f} points and the interval is wide."
        )
    if cfg is not None and cfg.protocol in ("kfold", "grouped"):
        lines.append(
            f"- It uses true {cfg.n_folds}-fold cross-validation (every clip tested once). The paper says 10-fold, "
            "but the authors' code draws 10 independent random 80/10/10 splits whose test sets overlap "
            "(`--protocol authors` reproduces that)."
        )
    if authors is not None:
        lines.append(
            f"- The authors' released logs average {100 * authors['mean']:.2f} % test accuracy over their "
            f"10 runs; the paper reports {published} %."
        )
    if dataset == "ballroom":
        lines.append(
            f"- The paper's text gives BBNN {PAPER_BALLROOM_TEXT_ACCURACY} % on Ballroom, its Table 5 "
            f"{PAPER_ACCURACY['ballroom']} %; its own Table 6, weighted by its Table 2's counts, implies "
            f"{table6_accuracy():.1f} %. The authors released no Ballroom logs or models to check either."
        )
    if dataset == "extended_ballroom":
        lines.append(
            "- Extended Ballroom holds copies of the same songs (linked in its metadata); random splits, "
            "like the authors', put copies on both sides. The `grouped` protocol does not."
        )
    return "\n".join(lines)
