"""An experiment chapter's material: a committed run and the authors' logs, or what is missing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

RESULTS = Path(__file__).resolve().parents[1] / "results" / "gtzan_mini-kfold-quick-seed0"


@pytest.fixture
def shown(monkeypatch):
    """The figures a chapter shows (through reports.show): each one's panel titles; their captions
    in ``shown.captions``."""

    class Shown(list):
        captions: list[str] = []

    figures = Shown()
    figures.captions = []

    def show(fig, caption=None, **_):
        figures.append([ax.get_title() for ax in fig.axes])
        figures.captions.append(caption)

    monkeypatch.setattr("bbnn_core.chapter.show", show)
    return figures


def test_gtzan_chapter_from_a_committed_run(mirror, shown):
    from bbnn_core.chapter import open_chapter

    ch = open_chapter("gtzan", str(RESULTS), dataset="gtzan_mini", protocol="kfold")
    assert ch.notes == [] and ch.summary["folds_done"] == 10 and ch.authors_summary["n"] == 10
    assert ch.overview().data.loc["protocol"].iloc[0] == "kfold"
    html = ch.comparison().to_html()
    assert re.search(r"<caption><b>Table \d+\.</b> Accuracy against published methods, as the paper's Table 3", html)
    assert "this reproduction" in html and "93.9" in html  # ours beside the paper's
    assert "reduced: not the paper&#x27;s recipe" in html or "reduced: not the paper's recipe" in html
    assert "blues" in ch.per_class().to_html()
    ch.plot_losses()
    ch.plot_results()
    assert len(shown) == 3
    assert any("this run" in t for t in shown[0]) and any("authors" in t for t in shown[0])  # Figure 3
    assert "pooled" in shown[1][0]  # Figure 4, left: the confusion matrix, a figure of its own
    assert shown[2][0] == "this run" and "authors" in shown[2][1]  # Figure 4, right: the folds, ours and theirs
    assert "quick" in ch.discrepancies().data and "10-fold" in ch.discrepancies().data
    loss, confusion, folds = shown.captions
    assert "the paper's Figure 3a" in loss and "the paper's Figure 4, left" in confusion
    assert "reduced: not the paper's recipe, 10 of 10 folds" in confusion
    assert "(left) and per released run of the authors" in folds


def test_a_partly_finished_run_says_how_many_folds(mirror, tmp_path, shown):
    from bbnn_core.chapter import open_chapter

    run = tmp_path / "run"
    shutil.copytree(RESULTS, run)
    for k in range(3, 10):
        (run / f"fold{k}" / "metrics.json").unlink()  # folds 3-9 still training
    ch = open_chapter("gtzan", str(run), dataset="gtzan_mini")
    assert ch.summary["folds_done"] == 3
    assert ch.overview().data.loc["folds finished"].iloc[0].startswith("3 of 10 (training continues")
    assert "3 of 10 folds" in ch.comparison().to_html()
    ch.plot_losses()
    assert any("3 of 10 folds" in t for t in shown[0])


def test_a_run_of_other_data_is_refused(mirror):
    from bbnn_core.chapter import open_chapter
    from bbnn_core.errors import RunError

    with pytest.raises(RunError, match="holds a run of 'gtzan_mini', not of 'my_music'"):
        open_chapter("gtzan", str(RESULTS), dataset="my_music")


def test_chapter_without_audio_or_released_logs(mirror):
    from bbnn_core.chapter import open_chapter

    ch = open_chapter("ballroom", None, dataset="ballroom", protocol="kfold")
    assert ch.summary is None and ch.authors_summary is None
    assert ch.notes == [
        "no run of this project is shown",
        "the authors released no results, models or training logs for ballroom",
    ]
    assert "papermill" in ch.overview().data
    quoted = ch.per_class()  # the paper's Table 6, quoted, and what it implies
    assert "the paper's Table 6, quoted" in quoted.caption and "per-track predictions" in quoted.caption
    assert round(quoted.data.iloc[-1]["recall"], 1) == 97.1
    assert "No training history" in ch.plot_losses().data and "No run" in ch.plot_results().data
    assert "97.1" in ch.discrepancies().data
