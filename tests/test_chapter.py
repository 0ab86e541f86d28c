"""An experiment chapter's material: the committed quick run and the authors' logs, or what is missing."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

RESULTS = Path(__file__).resolve().parents[1] / "results" / "gtzan_mini-kfold-quick-seed0"


def test_gtzan_chapter_from_the_committed_run(mirror):
    import matplotlib.pyplot as plt

    from bbnn_core.chapter import open_chapter

    ch = open_chapter("gtzan", str(RESULTS), dataset="gtzan_mini", protocol="kfold", profile="quick", kind="gtzan")
    assert ch.notes == [] and ch.summary["folds_done"] == 10 and ch.authors_summary["n"] == 10
    assert ch.overview().loc["protocol"].iloc[0] == "kfold"
    html = ch.comparison().to_html()
    assert "this reproduction" in html and "93.9" in html  # ours beside the paper's
    assert "blues" in ch.per_class().to_html()
    before = plt.get_fignums()
    ch.plot_losses()
    ch.plot_results()
    assert len(plt.get_fignums()) >= len(before)  # drew without error (shown and closed by Agg)
    assert "quick" in ch.discrepancies().data and "10-fold" in ch.discrepancies().data


def test_chapter_without_audio_or_released_logs(mirror):
    from bbnn_core.chapter import open_chapter

    ch = open_chapter("ballroom", None, dataset="ballroom", protocol="kfold", profile="paper")
    assert ch.summary is None and ch.authors_summary is None
    assert any("no authors' results" in n for n in ch.notes)
    assert "papermill" in ch.overview().data
    assert "per-track predictions" in ch.per_class().data
    assert "No training history" in ch.plot_losses().data and "No run" in ch.plot_results().data
    assert "97.1" in ch.discrepancies().data
