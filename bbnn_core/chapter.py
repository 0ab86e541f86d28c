"""One experiment chapter of the book: a run of this project and the authors' released results for
one of the paper's data sets, as the tables and figures the chapter shows.

The three experiment notebooks (``gtzan``, ``ballroom``, ``extended_ballroom``) differ only in
their text and parameters; what they compute lives here::

    ch = open_chapter("gtzan", run_dir, dataset="gtzan_mini", protocol="kfold", profile="quick")
    ch.overview(); ch.comparison(); ch.per_class(); ch.plot_losses(); ch.plot_results()
    ch.discrepancies()
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ResourceError
from .reports import (
    PAPER_PER_CLASS,
    comparison_table,
    discrepancies,
    open_run,
    per_class_table,
    plot_confusion,
    plot_fold_accuracies,
    plot_histories,
    read_histories,
    run_overview,
)

__all__ = ["Chapter", "open_chapter"]


def _markdown(text: str):
    from IPython.display import Markdown

    return Markdown(text)


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
    notes: list[str] = field(default_factory=list)

    def overview(self):
        """The run's facts (data, protocol, profile, provenance), or how to make a run."""
        if self.summary is not None:
            return run_overview(self.summary, self.cfg, self.provenance)
        return _markdown(
            f"No run of this project is shown: the audio of this data set is not on the machine that built "
            f"the book. With the data, `papermill` this notebook with `-p data_dir /path -p run_dir "
            f"runs/{self.key}`, or `bbnn train --data-dir /path --dataset {self.key} --protocol "
            f"{self.protocol} --profile paper`.")

    def comparison(self):
        """Accuracy against the literature, the authors' released runs, ours and the baseline."""
        label = f" ({self.cfg.dataset}, {self.cfg.protocol}, {self.cfg.profile})" if self.cfg else ""
        return comparison_table(self.key, ours=self.summary, authors=self.authors_summary,
                                data_label=label).style.hide(axis="index")

    def per_class(self):
        """Precision, recall and F-score per genre pooled over test folds, beside the paper's."""
        if self.summary is None:
            return _markdown("Needs a run of this project (the authors released no per-track predictions).")
        return (per_class_table(self.summary["pooled"], paper=PAPER_PER_CLASS[self.key])
                .style.hide(axis="index").format(precision=1))

    def plot_losses(self):
        """Figure 3: loss per epoch, this run beside the authors' released logs."""
        import matplotlib.pyplot as plt

        panels = []
        if self.summary is not None:
            panels.append((read_histories(self.run_dir), f"this run ({self.cfg.profile} profile)"))
        if self.authors_hist is not None:
            panels.append((self.authors_hist, "the authors' released logs"))
        if not panels:
            return _markdown("No training history to draw.")
        fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), sharey=True, squeeze=False)
        for ax, (hist, title) in zip(axes[0], panels):
            plot_histories(hist, ax=ax, title=title)
        fig.tight_layout()
        plt.show()

    def plot_results(self):
        """Figure 4: the pooled confusion matrix and test accuracy per fold (ours, the authors')."""
        import matplotlib.pyplot as plt

        panels = []
        if self.summary is not None:
            panels += [("confusion", "this run, pooled over test folds"), ("folds", "this run")]
        if self.authors_df is not None:
            panels.append(("authors", "the authors' released runs"))
        if not panels:
            return _markdown("No run to draw.")
        fig, axes = plt.subplots(1, len(panels), figsize=(5.8 * len(panels), 4.8), squeeze=False)
        for ax, (what, title) in zip(axes[0], panels):
            if what == "confusion":
                pooled = self.summary["pooled"]
                plot_confusion(pooled["confusion"], list(pooled["per_class"]), ax=ax, title=title)
            else:
                plot_fold_accuracies(self.folds if what == "folds" else self.authors_df, ax=ax, title=title)
        fig.tight_layout()
        plt.show()

    def discrepancies(self):
        """How the run shown differs from the paper's experiment, and why (Markdown)."""
        return _markdown(discrepancies(self.cfg, dataset=self.key, authors=self.authors_summary))


def open_chapter(key: str, run_dir, *, dataset: str, data_dir=None, protocol: str = "kfold",
                 profile: str = "paper", seed: int = 0, kind: str | None = None) -> Chapter:
    """Read (or train, when there is data and no finished run) and gather a chapter's material.

    ``key`` is the paper's data set (``gtzan``, ``ballroom``, ``extended_ballroom``); the other
    arguments are the notebook's papermill parameters (see :func:`bbnn_core.reports.open_run`).
    What is missing is recorded in ``notes`` (one line each) and left out of the figures.
    """
    from .metrics import authors_results
    from .resources import authors_history_path

    ch = Chapter(key, run_dir, protocol)
    opened = open_run(run_dir, dataset=dataset, data_dir=data_dir, protocol=protocol, profile=profile,
                      seed=seed, kind=kind)
    if opened:
        ch.summary, ch.cfg, ch.folds, ch.provenance = opened
    try:
        ch.authors_df, ch.authors_summary = authors_results(key)
    except ResourceError as exc:  # released for GTZAN and Extended Ballroom; fold_results.csv via the mirror
        ch.notes.append(f"no authors' results: {exc}")
    try:
        ch.authors_hist = read_histories(authors_history_path(key, 0).parent, "fold*_history.csv")
    except ResourceError as exc:
        ch.notes.append(f"no authors' training logs: {exc}")
    return ch
