"""One experiment chapter of the book: a run of this project and the authors' released results for
one of the paper's data sets, as the tables and figures the chapter shows.

The three experiment notebooks (``gtzan``, ``ballroom``, ``extended_ballroom``) differ in their
hand-written text and parameters; what they compute lives here::

    cfg, train_now = run_parameters("gtzan", data_dir=..., run_dir=...)  # papermill parameters
    if train_now: train(cfg)                                             # the visible compute
    ch = open_chapter("gtzan", cfg.run_dir, dataset=cfg.dataset, protocol=cfg.protocol)
    for key, text in ch.texts(ch.numbers()).items(): glue(key, text)      # what the prose quotes
    ch.comparison(); ch.paired_table(); ch.per_class(); ch.plot_losses(); ch.convergence()
    ch.plot_results(); ch.misclassified(); ch.overview()

Nothing here writes a paragraph: the pages do, by hand, with these numbers glued in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BBNNError, ResourceError
from .figures import BOOK_STYLE, FIGURE_WIDTH, Source, captioned, show, shown_path
from .paper import (
    PAPER_COMPARISON_TABLE,
    PAPER_DATASET_NAMES,
    PAPER_FIGURE_PANEL,
    PAPER_PER_CLASS,
    PAPER_PER_CLASS_AVERAGE,
    PAPER_PER_CLASS_TABLE,
    PAPER_RECIPE,
    paper_train_clips,
    papers_classes,
)
from .plots import plot_confusion, plot_fold_accuracies, plot_histories
from .progress import plural
from .reports import (
    STOPPING_CAPTION,
    comparison_table,
    copies_table,
    open_run,
    paper_per_class_table,
    pct_ci,
    per_class_table,
    read_histories,
    run_overview,
    stopping_style,
    stopping_table,
)
from .reruns import find_reruns, fold_marks, marks_caption, rerun_spread

__all__ = ["Chapter", "open_chapter", "run_parameters", "p_text"]


def p_text(p: float) -> str:
    """A p-value as the pages show it, in prose and tables alike: two decimals, and below 0.01 its
    first significant digit (0.0009, 0.006), never a bare 0.00."""
    return f"{p:.2f}" if p >= 0.01 else f"{p:.1g}"


AUTHORS_RELEASED = ("gtzan", "extended_ballroom")  # the data sets with released models and logs

# How a page names the protocol of the run it shows ("We use ..."), for k folds or draws.
PROTOCOL_WORDS = {
    "kfold": "true {k}-fold cross-validation, so every clip is tested once",
    "grouped": "{k}-fold cross-validation that keeps copies of a song on one side, so every clip is tested once",
    "authors": "{k} random 80/10/10 draws like the authors', so test sets overlap",
    "fault-filtered": "the fault-filtered split of Kereliuk, Sturm and Larsen, without the faulty clips",
}


def _markdown(text: str):
    from IPython.display import Markdown

    return Markdown(text)


# The output a chapter's part gives when it has nothing to show (no run of this project, no
# released logs): the book's build removes it, and a section left with nothing to show
# (:func:`bbnn_core.book.prune_empty_sections`), so a page shows no placeholder text.
NOTHING_MIME = "application/vnd.bbnn.nothing+json"


class Nothing:
    """What a part of a chapter shows when it has nothing: in a notebook, one line saying why
    (text/plain); in the book, nothing at all (see ``NOTHING_MIME``)."""

    def __init__(self, why: str):
        self.why = why

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {NOTHING_MIME: {"why": self.why}, "text/plain": f"(nothing to show: {self.why})"}

    def __repr__(self) -> str:
        return f"Nothing({self.why!r})"


@dataclass
class Chapter:
    """What a chapter shows; any part may be missing (no audio for a run, no released logs)."""

    key: str
    run_dir: str | None = None
    protocol: str = "kfold"
    summary: dict | None = None
    cfg: object = None
    folds: object = None
    provenance: dict | None = None
    authors_df: object = None
    authors_summary: dict | None = None
    authors_hist: object = None
    reruns: list = field(default_factory=list)  # run folders that rerun this run's folds
    spread: Any = None  # their rerun_spread table (a DataFrame)
    probes: dict = field(default_factory=dict)  # embedding -> a probe run on the same folds (bbnn_core.probe)
    notes: list[str] = field(default_factory=list)  # what the page must say first: a part that failed to load
    missing: list[str] = field(default_factory=list)  # what there is none of, by design (no run, nothing released)

    def source(self, method: str, *, run: bool = True, authors: str | None = None, data: str | None = None) -> Source:
        """The provenance line of a table or figure this chapter's ``method`` shows: the method,
        the run folder (when ``run`` and there is one) with the commit(s) its folds were trained
        at, the authors' released file it reads (``authors``, when they released it) and ``data``."""
        from .runs import Run

        folder = trained = None
        if run and self.summary is not None and self.run_dir is not None:
            folder = shown_path(self.run_dir)
            if self._trained_at is None:  # each fold's provenance read once, not once per caption
                folds = Run(self.run_dir).finished_folds()
                commits = {str(f.provenance().get("git_commit") or "")[:7] for f in folds}
                self._trained_at = ", ".join(sorted(c for c in commits if c))
            trained = self._trained_at or None
        extra = [data] if data else []
        if authors and (self.authors_summary is not None or self.authors_hist is not None):
            extra.append(f"the authors' {authors}")
        return Source(f"bbnn_core.chapter.Chapter.{method}", folder, trained, "; ".join(extra) or None)

    @property
    def _shown(self) -> str:
        """Which run a caption describes: "our run (dataset, protocol, profile)", with "k of n
        folds" while some are not finished and a warning for a reduced profile."""
        if self.summary is None:
            return "no run of this project"
        cfg: Any = self.cfg
        done, total = self.summary["folds_done"], self.summary["n_folds"]
        reduced = "" if cfg.profile == "paper" else ", reduced: not the paper's recipe"
        folds = "" if done == total else f", {done} of {total} folds"
        return f"our run ({cfg.dataset}, {cfg.protocol}, {cfg.profile} profile{reduced}{folds})"

    def overview(self):
        """The run's facts (data, protocol, profile, provenance), or how to make a run."""
        if self.summary is not None:
            return captioned(
                run_overview(self.summary, self.cfg, self.provenance).style,
                f"Where the run shown on this page comes from: {self._shown}.",
                source=self.source("overview"),
            )
        return Nothing(
            f"no finished fold of a run of this project ({self.run_dir}): the last section says how to make one"
        )

    def numbers(self, *, batchnorm=None) -> dict:
        """The values a page's prose quotes, computed from the run folder and the authors' files:
        percentages as floats from 0 to 100, counts as ints, genres by name. A key is absent when
        its source is (no run of this project, no released logs, no SVM record, no reruns).
        ``batchnorm``: the folder of ``results/bn_statistics.py``'s measurement, whose values
        (:meth:`batchnorm_numbers`) are added when it measured this run."""
        import numpy as np

        from .paper import PAPER_ACCURACY

        out: dict = {"paper": float(PAPER_ACCURACY[self.key]), "title": self.title}
        if self.authors_summary is not None:
            a = self.authors_summary
            out.update(authors=100 * a["mean"], authors_lo=100 * a["ci_low"], authors_hi=100 * a["ci_high"])
            runs: Any = self.authors_df
            out.update(authors_min=100 * float(runs["test_acc"].min()), authors_max=100 * float(runs["test_acc"].max()))
            out["authors_runs"] = len(runs)
        if self.authors_hist is not None:
            theirs = stopping_table(summary=None, histories=None, authors=self.authors_hist)
            out["authors_epochs_median"] = float(theirs["epochs run"].median())
            out["authors_first_cut_median"] = float(theirs["first LR cut (epoch)"].median())
            out["authors_last_loss_median"] = float(theirs["last training loss"].median())
            hist: Any = self.authors_hist
            by_epoch = hist.groupby("epoch")[["loss", "val_loss"]].median()
            out["authors_val_first"] = float(by_epoch["val_loss"].iloc[0])  # the median over folds, epoch 1
            close = by_epoch.index[by_epoch["val_loss"] <= 2 * by_epoch["loss"]]
            out["authors_caught_up"] = int(close[0]) + 1 if len(close) else 0  # counted from 1
        paper = PAPER_PER_CLASS[self.key]
        if paper:  # (precision, recall, F-score) per genre, quoted
            worst = min(paper, key=lambda g: paper[g][2])
            out.update(paper_worst_genre=worst, paper_worst_f1=float(paper[worst][2]))
        if self.summary is None or self.run_dir is None:
            return out
        s = self.summary
        cfg: Any = self.cfg
        out["recipe"] = "the paper's recipe" if cfg.profile == "paper" else f"the reduced {cfg.profile} profile"
        out["data_name"] = self.title
        out["dataset"] = str(cfg.dataset)  # the run's own name (gtzan_mini, a user's folder)
        out["protocol_text"] = PROTOCOL_WORDS[cfg.protocol].format(k=s["n_folds"])
        out["batch"] = int(cfg.batch_size)
        out["steps"] = -(-int(self._n_train or 0) // int(cfg.batch_size))  # steps per epoch (the last one short)
        out["epoch_steps"] = plural(out["steps"], "step")
        out["epochs_max"] = int(cfg.epochs)
        for name, p in self.probes.items():  # probe_msd, probe_mtt, probe_eb: accuracy, interval, McNemar p
            key = "probe_" + name.split("-")[1]
            acc = p["summary"]["test_acc"]
            out.update({key: 100 * acc["pooled"], f"{key}_lo": 100 * acc["ci_low"], f"{key}_hi": 100 * acc["ci_high"]})
            out[f"{key}_p"] = p["paired"]["p_value"]
        out["steps_paper"] = -(-paper_train_clips(self.key) // PAPER_RECIPE["batch_size"])
        acc = s["test_acc"]
        out.update(
            acc=100 * acc["pooled"],
            acc_lo=100 * acc["ci_low"],
            acc_hi=100 * acc["ci_high"],
            n_test=int(acc["n_clips"]),
            folds_done=int(s["folds_done"]),
            n_folds=int(s["n_folds"]),
            n_train=int(self._n_train or 0),
            n_train_paper=int(paper_train_clips(self.key)),
            train_acc=100 * float(np.mean([f["train_acc"] for f in s["per_fold"]])),
            fold_min=100 * min(f["test_acc"] for f in s["per_fold"]),
            fold_max=100 * max(f["test_acc"] for f in s["per_fold"]),
        )
        out["clip_points"] = 100 * out["folds_done"] / out["n_test"]  # one clip of a mean-sized test fold
        if "baseline_test_acc" in s:
            b = s["baseline_test_acc"]
            out.update(svm=100 * b["pooled"], svm_lo=100 * b["ci_low"], svm_hi=100 * b["ci_high"])
        paired = self.paired_counts()
        if paired and paired["n_clips"]:
            out.update({k: int(paired[k]) for k in ("both_right", "bbnn_only", "svm_only", "both_wrong")})
            out["p_value"] = float(paired["p_value"])
        per_class = s["pooled"]["per_class"]
        f1: dict[str, float] = {genre: 100 * c["f1"] for genre, c in per_class.items()}
        out["best_genre"] = max(f1, key=lambda g: f1[g])
        out["best_f1"] = f1[out["best_genre"]]
        cm = np.asarray(s["pooled"]["confusion"])
        genres = list(per_class)
        for rank, name in ((0, "worst"), (1, "next")):  # the two genres with the lowest F-score
            genre = sorted(f1, key=lambda g: f1[g])[rank]
            i = genres.index(genre)
            row = cm[i].copy()
            row[i] = -1
            out.update(
                {
                    f"{name}_genre": genre,
                    f"{name}_f1": f1[genre],
                    f"{name}_recall": 100 * per_class[genre]["recall"],
                    f"{name}_as": genres[int(row.argmax())],  # where its clips go most (the first if tied)
                    f"{name}_as_n": int(row.max()),
                    f"{name}_support": int(cm[i].sum()),
                }
            )
        ours = stopping_table(summary=s, histories=read_histories(self.run_dir), authors=None, label="ours")
        out["epochs_median"] = float(ours["epochs run"].median())
        out["best_epoch_median"] = float(ours["best epoch"].median())
        cuts = ours["first LR cut (epoch)"]
        out["folds_cut"] = int(cuts.notna().sum())
        if out["folds_cut"]:  # the median over the folds that cut the rate ("n/a" when none did)
            out["first_cut_median"] = float(cuts.median())
        out["last_loss_median"] = float(ours["last training loss"].median())
        if self.spread is not None and not self.spread.empty:
            for kind, key in (("train seed", "train_seed_max"), ("numeric", "numeric_max")):
                rows = self.spread[self.spread["kind"] == kind]
                if len(rows):
                    out[key] = 100 * float(rows["delta_acc"].abs().max())
        if batchnorm is not None and self._measured_here(batchnorm):
            out.update(self.batchnorm_numbers(batchnorm))
        return out

    # every key :meth:`numbers` can give, so that a page glues each (``n/a`` where it has no value)
    NUMBER_KEYS = (
        "paper", "authors", "authors_lo", "authors_hi", "authors_min", "authors_max", "authors_runs", "authors_epochs_median", "authors_first_cut_median",
        "authors_last_loss_median", "authors_val_first", "authors_caught_up", "paper_worst_genre",
        "paper_worst_f1", "acc", "acc_lo", "acc_hi", "n_test", "folds_done", "n_folds", "n_train", "n_train_paper",
        "train_acc", "fold_min", "fold_max", "clip_points", "svm", "svm_lo", "svm_hi", "both_right", "bbnn_only",
        "svm_only", "both_wrong", "p_value", "best_genre", "best_f1", "worst_genre", "worst_f1", "worst_recall",
        "worst_as", "worst_as_n", "worst_support", "next_genre", "next_f1", "next_recall", "next_as", "next_as_n",
        "next_support", "epochs_median", "epochs_max", "best_epoch_median", "folds_cut", "first_cut_median", "last_loss_median",
        "train_seed_max", "numeric_max", "bn_train_loss", "bn_train_inference", "bn_val", "bn_val_precise",
        "bn_caught_up", "bn_epochs", "recipe", "data_name", "protocol_text", "batch", "steps", "epoch_steps", "steps_paper",
        "title", "dataset", "probe_msd", "probe_msd_lo", "probe_msd_hi", "probe_msd_p", "probe_mtt", "probe_mtt_lo",
        "probe_mtt_hi", "probe_mtt_p", "probe_eb", "probe_eb_lo", "probe_eb_hi", "probe_eb_p",
    )  # fmt: skip
    TWO_DECIMALS = ("authors_last_loss_median", "last_loss_median", "authors_val_first", "bn_train_loss",
                    "bn_train_inference", "bn_val", "bn_val_precise")  # fmt: skip

    @classmethod
    def texts(cls, numbers: dict) -> dict[str, str]:
        """Every key of :attr:`NUMBER_KEYS` as the prose shows it: a percentage with one decimal, a
        median with one where it has a half, a loss or a p-value with two (a p-value below 0.01 with
        one significant digit), a count as an integer, ``n/a`` when absent."""
        out = {}
        for key in cls.NUMBER_KEYS:
            v = numbers.get(key)
            if v is None or (isinstance(v, float) and v != v):  # absent, or NaN
                out[key] = "n/a"
            elif isinstance(v, str):
                out[key] = v
            elif isinstance(v, int):
                out[key] = str(v)
            elif key.endswith("_p") or key == "p_value":
                out[key] = p_text(v)
            else:
                text = f"{v:.2f}" if key in cls.TWO_DECIMALS else f"{v:.1f}"
                whole = "median" in key or key == "clip_points"  # a median of epochs: 23, 61.5
                out[key] = text.removesuffix(".0") if whole else text
        return out

    def _measured_here(self, folder) -> bool:
        """Whether ``results/bn_statistics.py``'s measurement in ``folder`` is of this run."""
        import json

        about = Path(folder) / "config.json"
        if self.run_dir is None or not about.exists() or not (Path(folder) / "epochs.csv").exists():
            return False
        return json.loads(about.read_text())["run"] == Path(str(self.run_dir)).name

    # computed once per chapter, for every part that shows them
    _paired: dict | None = field(default=None, init=False, repr=False)
    _trained_at: str | None = field(default=None, init=False, repr=False)
    _copies_found: Any = field(default=None, init=False, repr=False)

    def paired_counts(self) -> dict | None:
        """BBNN and the SVM on the same test clips (:func:`bbnn_core.baseline.paired_comparison`),
        computed once per chapter; None without a run."""
        if self.summary is None:
            return None
        if self._paired is None:
            from .baseline import paired_comparison

            run_dir: Any = self.run_dir
            self._paired = paired_comparison(run_dir)
        return self._paired

    def probes_table(self):
        """The linear probes on pretrained embeddings beside BBNN, clip by clip on the same test clips:
        accuracy with its Wilson interval, the clips each gets right where the other does not, and
        the exact McNemar test."""
        import pandas as pd

        from .probe import EMBEDDINGS

        if self.summary is None or not self.probes:
            return Nothing("needs a run of this project and probe runs on its folds")
        rows = []
        for name, p in self.probes.items():
            paired = p["paired"]
            rows.append(
                {
                    "embedding (linear probe)": EMBEDDINGS[name],
                    "accuracy (%)": pct_ci(p["summary"]["test_acc"]),
                    "right where BBNN is wrong": paired["other_only"],
                    "wrong where BBNN is right": paired["run_only"],
                    "exact McNemar p": p_text(paired["p_value"]),
                }
            )
        n = next(iter(self.probes.values()))["paired"]["n_clips"]
        return captioned(
            pd.DataFrame(rows).style.hide(axis="index"),
            f"Linear probes on pretrained embeddings against BBNN ({pct_ci(self.summary['test_acc'])} %), on the "
            f"same {n} test clips; each probe's regularisation is chosen on the fold's validation part.",
            source=Source(
                "bbnn_core.chapter.Chapter.probes_table",
                ", ".join(shown_path(p["run"]) for p in self.probes.values()),
                None,
                "bbnn_core.baseline.paired_runs",
            ),
        )

    def paired_table(self):
        """BBNN against the SVM clip by clip: how many test clips both get right, each alone, neither."""
        from .baseline import paired_table

        paired = self.paired_counts()
        if not paired or not paired["n_clips"]:
            return Nothing("needs a run of this project with the SVM's predictions")
        return captioned(
            paired_table(paired).style,
            f"BBNN and the SVM on the same {paired['n_clips']} test clips, clip by clip "
            f"(exact McNemar test: p = {p_text(paired['p_value'])}).",
            source=self.source("paired_table"),
        )

    def batchnorm_lag(self, folder):
        """Figure: one fold's loss per epoch with the moving BatchNorm statistics and with statistics
        re-estimated on the training clips (``results/bn_statistics.py``'s measurement of this run,
        in ``folder``); nothing when the measurement is of another run."""
        import json

        import matplotlib.pyplot as plt
        import pandas as pd

        from .plots import plot_batchnorm_lag

        folder = Path(folder)
        if not self._measured_here(folder):
            return Nothing("no measurement of BatchNorm's statistics for this run")
        about = json.loads((folder / "config.json").read_text())
        epochs = pd.read_csv(folder / "epochs.csv")
        with plt.rc_context(BOOK_STYLE):
            fig, ax = plt.subplots(figsize=(6.8, 4.6))
            plot_batchnorm_lag(epochs, ax=ax)
            fig.tight_layout()
        show(
            fig,
            f"Loss per epoch of fold {about['fold']} of our run, retrained with its seeds and scored three ways. "
            "Re-estimated statistics: BatchNorm's statistics recomputed on the training clips.",
            source=self.source("batchnorm_lag", data=f"{shown_path(folder)} (results/bn_statistics.py)"),
        )

    def batchnorm_numbers(self, folder) -> dict:
        """The values of the BatchNorm measurement the prose quotes: at the first epoch, the
        training loss as training reports it, the training clips and the validation clips scored
        with the moving statistics, and the validation clips with re-estimated ones; the first
        epoch (from 1) at which the training clips score within twice the reported training loss."""
        import pandas as pd

        e = pd.read_csv(Path(folder) / "epochs.csv")
        first = e.iloc[0]
        close = e[e["train_loss_inference"] <= 2 * e["train_loss"]]
        return {
            "bn_train_loss": float(first["train_loss"]),
            "bn_train_inference": float(first["train_loss_inference"]),
            "bn_val": float(first["val_loss"]),
            "bn_val_precise": float(first["val_loss_precise"]),
            "bn_caught_up": int(close["epoch"].iloc[0]) + 1 if len(close) else 0,
            "bn_epochs": len(e),
        }

    def comparison(self):
        """Accuracy against the literature, the authors' released runs, ours and the baseline."""
        label = ""
        cfg: Any = self.cfg
        if cfg is not None:
            summary: Any = self.summary
            done, total = summary["folds_done"], summary["n_folds"]
            reduced = "" if cfg.profile == "paper" else ", reduced: not the paper's recipe"
            label = (
                f" ({cfg.dataset}, {cfg.protocol}, {cfg.profile}{reduced}"
                f"{'' if done == total else f', {done} of {total} folds'})"
            )
        other = self.of_other_data
        table = comparison_table(
            self.key,
            ours=self.summary,
            authors=self.authors_summary,
            data_label=label,
            other_data=other,
            probes={name: p["summary"] for name, p in self.probes.items()},
        )
        name = PAPER_DATASET_NAMES[self.key]
        return captioned(
            table,
            f"Accuracy against published methods, as the paper's Table {PAPER_COMPARISON_TABLE[self.key]}. The "
            "literature rows are quoted, the others computed, with 95 % intervals."
            + (f" The paper's and the authors' rows are on {name}, not on this run's classes." if other else ""),
            source=self.source("comparison", authors="fold_results.csv"),
        )

    @property
    def title(self) -> str:
        """The page's title: the paper's name for the data set, or the run's own when its classes
        are another data set's (``bbnn book --data gtzan=/my/folder``: a book about that folder)."""
        cfg: Any = self.cfg
        return str(cfg.dataset) if self.of_other_data else PAPER_DATASET_NAMES[self.key]

    @property
    def of_other_data(self) -> bool:
        """Whether the run shown is of another data set than the paper's for this chapter: its
        classes are not the paper's (a user's own folder), so the paper's rows are not comparable."""
        classes = (self.summary or {}).get("classes")
        return classes is not None and not papers_classes(self.key, classes)

    def per_class(self):
        """Precision, recall and F-score per genre pooled over test folds, beside the paper's."""
        if self.summary is None:
            return captioned(
                paper_per_class_table(self.key).style.hide(axis="index").format(precision=1, na_rep="-"),
                f"Precision, recall and F-score per genre (%), quoted from the paper's Table "
                f"{PAPER_PER_CLASS_TABLE[self.key]}, with the paper's name in brackets where it differs. "
                "The last rows are computed from the quoted ones.",
                source=self.source("per_class", data="bbnn_core/paper.py (quoted)"),
            )
        table = per_class_table(
            self.summary["pooled"], paper=PAPER_PER_CLASS[self.key], paper_average=PAPER_PER_CLASS_AVERAGE[self.key]
        )
        return captioned(
            table.style.hide(axis="index").format(precision=1),
            f"Precision, recall and F-score per genre (%): {self._shown}, pooled over its test folds, "
            f"beside the paper's Table {PAPER_PER_CLASS_TABLE[self.key]}.",
            source=self.source("per_class"),
        )

    def plot_losses(self):
        """Figure 3: loss per epoch, this run beside the authors' released logs."""
        import matplotlib.pyplot as plt

        panels = []
        if self.summary is not None:
            hist = read_histories(self.run_dir)
            hist = hist[hist["fold"].isin(self.folds["fold"])]  # finished folds only, not the one training
            done, total = self.summary["folds_done"], self.summary["n_folds"]
            panels.append(
                (hist, f"this run ({self.cfg.profile} profile{'' if done == total else f', {done} of {total} folds'})")
            )
        if self.authors_hist is not None:
            panels.append((self.authors_hist, "the authors' released logs"))
        if not panels:
            return Nothing("no training history to draw")
        with plt.rc_context(BOOK_STYLE):
            fig, axes = plt.subplots(
                2,
                len(panels),
                figsize=(FIGURE_WIDTH / 2 * len(panels), 5.2),
                sharex="col",
                sharey="row",
                gridspec_kw={"height_ratios": [3, 1]},
                squeeze=False,
            )
            for k, (hist, title) in enumerate(panels):
                plot_histories(hist, ax=axes[0, k], lr_ax=axes[1, k], title=title, legend=False)
            for ax in axes[:, 1:].flat:  # the panels share their scales: one label per row
                ax.set_ylabel("")
            lrs = [float(f(hist["lr"])) for hist, _ in panels for f in (min, max)]
            axes[1, 0].set_yticks(sorted({min(lrs), max(lrs)}))  # the start and the lowest of all panels
            handles, labels = axes[0, 0].get_legend_handles_labels()  # one legend below, off the curves
            labels = [label.split(",")[0] for label in labels]  # "training loss, mean of 5": fold counts differ
            ncol = 2  # in one row the three entries would be wider than the figure
            fig.tight_layout(rect=(0, 0.07 if ncol >= len(labels) else 0.11, 1, 1))
            fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False)
        shown = " and ".join(title for _, title in panels)
        show(
            fig,
            f"Training and validation loss per epoch, as the paper's Figure 3{PAPER_FIGURE_PANEL[self.key][0]}: "
            f"{shown}. Thin lines are single folds, thick lines their mean. A dot marks the weights each fold "
            "kept. Below: each fold's learning rate.",
            source=self.source("plot_losses", authors="fold*_history.csv"),
        )

    def plot_results(self):
        """Figure 4: the pooled confusion matrix, then test accuracy per fold (ours, the
        authors'), as two figures, each narrow enough to stay legible at the page's width."""
        import matplotlib.pyplot as plt

        if self.summary is None and self.authors_df is None:
            return Nothing("no run of this project and no released results to draw")
        with plt.rc_context(BOOK_STYLE):
            if self.summary is not None:
                fig, ax = plt.subplots(figsize=(6.8, 5.8))
                pooled = self.summary["pooled"]
                plot_confusion(
                    pooled["confusion"], list(pooled["per_class"]), ax=ax, title="this run, pooled over test folds"
                )
                fig.tight_layout()
                show(
                    fig,
                    f"Confusion matrix of {self._shown}, pooled over its test folds, as the paper's Figure 4 "
                    f"({PAPER_FIGURE_PANEL[self.key][1]}). Rows are true genres, columns predictions.",
                    source=self.source("plot_results"),
                )
            bars = [(self.folds, "this run", "fold", self.spread)] if self.summary is not None else []
            if self.authors_df is not None:  # the authors' draws are not our folds: numbered apart
                bars.append((self.authors_df, "the authors' released runs", "authors' run (random draw)", None))
            # one above the other, each the page's width: side by side, the legends would not fit
            fig, axes = plt.subplots(len(bars), 1, figsize=(FIGURE_WIDTH, 3.1 * len(bars)), squeeze=False)
            axes = axes.T
            for ax, (frame, title, xlabel, reruns) in zip(axes[0], bars):
                plot_fold_accuracies(frame, ax=ax, title=title, xlabel=xlabel, marks=fold_marks(reruns))
            low = min(ax.get_ylim()[0] for ax in axes[0])  # on one scale (review: F9)
            high = max(ax.get_ylim()[1] for ax in axes[0])
            for ax in axes[0]:
                ax.set_ylim(low, high)
            fig.tight_layout()
        parts = [self._shown] if self.summary is not None else []
        if self.authors_df is not None:
            parts.append("the authors' released runs (random draws, numbered apart from our folds)")
        shown = marks_caption(self.spread)
        marks = f" Black marks: reruns of a fold, {shown}." if shown else ""
        what = "Training, validation and test accuracy per fold, as in the paper's Figure 4"
        folds_source = self.source("plot_results", authors="fold_results.csv")
        if len(parts) == 2:  # two panels, one above the other
            show(fig, f"{what}. Top: {parts[0]}. Bottom: {parts[1]}.{marks}", source=folds_source)
        else:
            show(fig, f"{what}: {parts[0]}.{marks}", source=folds_source)

    def misclassified(self, *, players: int = 4):
        """Every misclassified test clip of the run (pooled over folds), most confident errors
        first, and players for the first ``players`` of them (when the audio is here)."""
        import html

        import pandas as pd
        from IPython.display import HTML, display

        from .metrics import read_run

        if self.summary is None or self.run_dir is None:
            return Nothing("needs a run of this project")
        _, preds = read_run(self.run_dir)
        wrong = preds[preds["true"] != preds["predicted"]].copy()
        wrong["p(predicted)"] = [row[f"p_{row['predicted']}"] for _, row in wrong.iterrows()]
        wrong["p(true)"] = [row[f"p_{row['true']}"] for _, row in wrong.iterrows()]
        wrong = wrong.sort_values("p(predicted)", ascending=False)
        table = pd.DataFrame(
            {
                "fold": wrong["fold"],
                "clip": [t.rsplit("/", 1)[-1] for t in wrong["track"]],
                "genre": wrong["true"],
                "predicted": wrong["predicted"],
                "p(predicted)": wrong["p(predicted)"].round(2),
                "p(genre)": wrong["p(true)"].round(2),
            }
        )
        done, total = self.summary["folds_done"], self.summary["n_folds"]
        display(
            captioned(
                table.style.hide(axis="index").format(precision=2),
                f"The {len(table)} misclassified test clips of {len(preds)} ({done} of {total} folds), "
                "most confident errors first.",
                source=self.source("misclassified"),
            )
        )
        try:
            from .datasets import load_dataset

            cfg: Any = self.cfg
            root = load_dataset(cfg.data_dir or cfg.dataset, kind=cfg.kind).root
        except BBNNError as exc:  # the audio is not on this machine: the table stands alone
            return _markdown(f"(No players: the audio is not here: {html.escape(str(exc))}.)")
        from .plots import audio_player

        shown = wrong.head(players)
        return HTML(
            "".join(
                audio_player(
                    root / track, f"{track.rsplit('/', 1)[-1]}: {true}, predicted {pred}", seconds=6, kbps=48
                ).data
                for track, true, pred in zip(shown["track"], shown["true"], shown["predicted"])
            )
        )

    def _copies(self):
        """The data set whose copies are counted and its :func:`copies_table`, or a
        :class:`Nothing` saying why there is none (no data here, no copies linked, too small);
        computed once: the table and the prose's numbers read the same."""
        if self._copies_found is None:
            self._copies_found = self._count_copies()
        return self._copies_found

    def _count_copies(self):
        from .datasets import load_dataset, load_extended_ballroom

        cfg: Any = self.cfg
        try:
            if cfg is not None and cfg.data_dir:
                ds = load_dataset(cfg.data_dir, kind=cfg.kind)
            elif self.key == "extended_ballroom":
                ds = load_extended_ballroom()  # the metadata links the copies; no audio needed
            else:
                return Nothing("no data set here to count copies in")
        except BBNNError as exc:
            return Nothing(f"no data set here to count copies in ({exc})")
        if len(set(ds.groups.tolist())) == len(ds.groups):
            return Nothing(f"{ds.name} links no copies of a song")
        seed, n_folds = (cfg.seed, cfg.n_folds) if cfg is not None else (0, 10)
        try:
            return ds, copies_table(ds.labels, ds.groups, seed=seed, n_folds=n_folds), seed, n_folds
        except BBNNError as exc:  # a protocol cannot split this data set (a class too small)
            return Nothing(f"copies not counted: {exc}")

    def copies(self):
        """Copies of one song on both sides of a split: for each protocol, how many test and
        validation tracks have a copy in the training part (the run's data; Extended Ballroom's
        metadata without it)."""
        found = self._copies()
        if isinstance(found, Nothing):
            return found
        ds, table, seed, n_folds = found
        cfg_data = bool(self.cfg is not None and getattr(self.cfg, "data_dir", None))
        return captioned(
            table.style.hide(axis="index").format(precision=1),
            f"Test and validation tracks of {ds.name} ({len(ds)} tracks, {len(set(ds.groups.tolist()))} distinct "
            f"songs) with a copy of the same song in the training part, per protocol ({n_folds} folds or draws, "
            f"seed {seed}).",
            source=self.source("copies", run=False, data=f"{ds.name}'s metadata" if not cfg_data else ds.name),
        )

    def copies_numbers(self) -> dict:
        """The values of :meth:`copies` the prose quotes (an empty dict when it has none)."""
        found = self._copies()
        if isinstance(found, Nothing):
            return {}
        ds, table, _, _ = found
        by = table.set_index("protocol")
        a = by.loc["authors"]
        return {
            "copy_tracks": len(ds),
            "copy_songs": len(set(ds.groups.tolist())),
            "copy_test": float(a["test tracks per fold"]),
            "copy_with": float(a["with a copy in training (mean)"]),
            "copy_share": float(a["share of test tracks (%)"]),
            "copy_range": str(a["range over folds"]),
            "copy_val": float(a["validation tracks with a copy (mean)"]),
            "copy_kfold_share": float(by.loc["kfold", "share of test tracks (%)"]),
            "copy_grouped_share": float(by.loc["grouped", "share of test tracks (%)"]),
        }

    @property
    def _n_train(self) -> int | None:
        """Training clips per fold of the run shown (its first fold), None without a run."""
        if self.summary is None or self.run_dir is None:
            return None
        from .runs import Run

        return len(Run.open(self.run_dir).splits()["folds"][0]["train"])

    def convergence(self):
        """Epochs run, best epoch and what ReduceLROnPlateau did per fold, this run beside the
        authors' released histories: whether ours ran as long as theirs (medians in :meth:`numbers`)."""
        hist = None
        if self.summary is not None:
            hist = read_histories(self.run_dir)
        table = stopping_table(summary=self.summary, histories=hist, authors=self.authors_hist, label="ours")
        if table.empty:
            return Nothing("no finished fold and no released history to show")
        who = [
            w
            for w, has in ((self._shown, self.summary), ("the authors' released histories", self.authors_hist))
            if has is not None
        ]
        return captioned(
            stopping_style(table),
            STOPPING_CAPTION.format(who=" beside ".join(who)),
            source=self.source("convergence", authors="fold*_history.csv"),
        )


def run_parameters(
    key: str,
    *,
    data_dir=None,
    dataset=None,
    kind=None,
    protocol="kfold",
    profile="paper",
    seed=0,
    n_folds=10,
    run_dir=None,
    train=None,
    committed=None,
):
    """A chapter's papermill parameters with their defaults filled in, as a :class:`TrainConfig`
    and whether to train.

    * ``dataset`` defaults to the data folder's name (the embedded ``gtzan_mini`` without one);
    * ``kind`` (the folder's layout) is guessed from the folder when None, so a folder-per-class
      set is read with its own classes;
    * ``run_dir`` defaults to ``committed`` (the book's committed run) for the embedded data and
      to ``runs/<dataset>-<protocol>-<profile>-seed<seed>`` for a user's data, never to a run of
      other data;
    * ``train`` defaults to True when ``data_dir`` is given: the page then trains (or resumes)
      the run before showing it; without data it shows the finished folds as they are.
    """
    from .datasets import dataset_name
    from .train import config_for

    if dataset is None:
        dataset = dataset_name(data_dir) if data_dir is not None else ("gtzan_mini" if key == "gtzan" else key)
    if run_dir is None and data_dir is None and committed is not None:
        run_dir = committed
    cfg = config_for(
        profile,
        dataset=dataset,
        data_dir=data_dir,
        kind=kind,
        protocol=protocol,
        seed=seed,
        n_folds=n_folds,
        run_dir=run_dir,
    )
    return cfg, (data_dir is not None) if train is None else bool(train)


def open_chapter(
    key: str, run_dir, *, dataset: str | None = None, protocol: str = "kfold", reruns=None, probes=None
) -> Chapter:
    """Read a finished (or partly finished) run and the authors' released material for a chapter.

    ``key`` is the paper's data set (``gtzan``, ``ballroom``, ``extended_ballroom``). Nothing here
    trains. ``reruns`` are run folders that rerun the run's folds (None: those kept beside it,
    :func:`bbnn_core.reruns.find_reruns`); ``probes`` probe runs on its folds (None: those kept
    beside it, :func:`bbnn_core.probe.probes_beside`). A run of another data set than ``dataset`` is refused
    (:func:`bbnn_core.reports.open_run`). What there is none of by design (no run of this project,
    nothing released) is recorded in ``missing``, a released file that could not be read in
    ``notes`` (one line each, for the page to print); both are left out of the figures.
    """
    from .metrics import authors_results
    from .resources import authors_history_path

    ch = Chapter(key, run_dir, protocol)
    opened = open_run(run_dir, dataset=dataset)
    if opened and opened[0].get("method") == "probe":
        raise BBNNError(
            f"{run_dir} is a probe run (a linear probe on {opened[0]['embedding']}), not a BBNN run: a chapter "
            "shows a BBNN run, with the probe runs on its folds beside it"
        )
    if opened:
        ch.summary, ch.cfg, ch.folds, ch.provenance = opened
        ch.reruns = find_reruns(run_dir) if reruns is None else list(reruns)
        ch.spread = rerun_spread(run_dir, ch.reruns)  # a folder that is not a rerun is refused
        from .baseline import paired_runs
        from .metrics import summarize_run
        from .probe import probes_beside
        from .runs import Run

        found = probes_beside(run_dir) if probes is None else {Run.open(p).config()["embedding"]: p for p in probes}
        ch.probes = {
            name: {"run": folder, "summary": summarize_run(folder), "paired": paired_runs(run_dir, folder)}
            for name, folder in found.items()
        }
    else:
        ch.missing.append(f"no finished fold in {run_dir}" if run_dir else "no run of this project is shown")
    if key not in AUTHORS_RELEASED:
        ch.missing.append(f"the authors released no results, models or training logs for {key}")
        return ch
    try:
        ch.authors_df, ch.authors_summary = authors_results(key)
    except ResourceError as exc:  # fold_results.csv comes through the mirror only
        ch.notes.append(f"no authors' results: {exc}")
    try:
        ch.authors_hist = read_histories(authors_history_path(key, 0).parent, authors=True)
    except ResourceError as exc:
        ch.notes.append(f"no authors' training logs: {exc}")
    return ch
