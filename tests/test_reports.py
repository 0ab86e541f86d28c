"""Tables: Table 1 from the model equals the paper's; tables and figures read from artifacts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from bbnn_core.paper import PAPER_TABLE1_PARAMS  # noqa: E402
from bbnn_core.plots import plot_confusion, plot_fold_accuracies, plot_histories  # noqa: E402
from bbnn_core.reports import read_histories, table1, table2  # noqa: E402


@pytest.fixture(scope="module")
def t1():
    return table1()


def test_table1_rows_equal_the_papers(t1):
    for (part, layer), params in PAPER_TABLE1_PARAMS.items():
        row = t1[(t1.part == part) & (t1.layer == layer)]
        assert len(row) == 1, (part, layer)
        assert int(row["params"].iloc[0]) == params, (part, layer)


def test_table1_totals_and_shapes(t1):
    totals = t1.set_index("layer")
    assert totals.loc["Total (without BN)", "params"] == 180_458
    assert totals.loc["Total (all / trainable)", "params"] == 190_826
    assert totals.loc["Total (all / trainable)", "params with BN"] == 185_642
    # the per-row "with BN" column adds up to the model's total
    assert int(t1["params with BN"].iloc[:-2].sum()) == 190_826
    shapes = dict(zip(t1.layer, t1["output size"]))
    assert shapes["Inception (c), bottom"] == "161 x 128 x 416"
    assert shapes["Average Pool"] == "80 x 64 x 32"


def test_table2_from_data_sets(gtzan_mini, mirror):
    from bbnn_core.datasets import load_extended_ballroom

    t = table2({"gtzan_mini": gtzan_mini, "Extended Ballroom": load_extended_ballroom()})
    assert t[("gtzan_mini", "tracks")].iloc[10] == 100
    assert t[("Extended Ballroom", "tracks")].iloc[13] == 4180


def test_figures_from_the_authors_logs(mirror, tmp_path):
    from bbnn_core.metrics import authors_results

    hist = read_histories(mirror / "reference/bbnn_authors/gtzan", authors=True)
    assert sorted(hist.fold.unique()) == list(range(10))
    ax = plot_histories(hist, title="GTZAN, authors' runs")
    assert len(ax.lines) == 24  # 10 folds x 2 curves, 2 means, the last epoch every fold reached, the kept weights
    df, _ = authors_results("gtzan")
    ax = plot_fold_accuracies(df)
    assert len(ax.patches) == 30
    ax = plot_confusion(np.eye(3, dtype=int) * 4 + 1, ["a", "b", "c"])
    ax.figure.savefig(tmp_path / "cm.png")
    assert (tmp_path / "cm.png").stat().st_size > 1000


def test_read_histories_of_a_run(tmp_path):
    for k in range(2):
        (tmp_path / f"fold{k}").mkdir()
        pd.DataFrame(
            {
                "epoch": [0, 1],
                "acc": [0.5, 0.6],
                "loss": [1, 0.8],
                "lr": [0.01, 0.01],
                "val_acc": [0.4, 0.5],
                "val_loss": [1.2, 1.1],
            }
        ).to_csv(tmp_path / f"fold{k}/history.csv", index=False)
    h = read_histories(tmp_path)
    assert list(h.fold) == [0, 0, 1, 1]


def test_comparison_table_quotes_and_computes():
    from bbnn_core.reports import comparison_table

    summary = {
        "test_acc": {"mean": 0.53, "ci_low": 0.434, "ci_high": 0.626},
        "baseline_test_acc": {"mean": 0.74, "ci_low": 0.643, "ci_high": 0.837},
    }
    t = comparison_table("gtzan", ours=summary, authors={"mean": 0.911, "ci_low": 0.89, "ci_high": 0.93})
    assert (t.source == "quoted from the paper").sum() == 8
    assert t.iloc[-2]["accuracy (%)"] == "53.0 [43.4, 62.6]"
    assert t.iloc[-1]["method"].startswith("SVM")
    assert "91.1" in t.iloc[-3]["accuracy (%)"]


def test_per_class_table_has_the_papers_columns():
    from bbnn_core.metrics import classification_report
    from bbnn_core.paper import PAPER_PER_CLASS
    from bbnn_core.reports import per_class_table

    classes = ["blues", "jazz"]
    t = per_class_table(classification_report([0, 0, 1, 1], [0, 1, 1, 1], classes), paper=PAPER_PER_CLASS["gtzan"])
    assert list(t.genre) == ["blues", "jazz", "average"]
    assert t.loc[0, "recall"] == 50.0 and t.loc[1, "precision"] == pytest.approx(66.7)
    assert t.loc[1, "paper precision"] == 99.0 and t.loc[2, "support"] == 4


def test_per_class_average_row_quotes_the_papers_printed_average():
    """E12: the paper prints 93.7 / 94.0 / 93.7 under Table 4, not the mean of its rows (93.8)."""
    from bbnn_core.metrics import classification_report
    from bbnn_core.paper import PAPER_PER_CLASS, PAPER_PER_CLASS_AVERAGE
    from bbnn_core.reports import per_class_table

    classes = list(PAPER_PER_CLASS["gtzan"])
    report = classification_report([0, 1, 2], [0, 1, 1], classes)
    t = per_class_table(report, paper=PAPER_PER_CLASS["gtzan"], paper_average=PAPER_PER_CLASS_AVERAGE["gtzan"])
    avg = t[t.genre == "average"].iloc[0]
    assert (avg["paper precision"], avg["paper recall"], avg["paper F-score"]) == (93.7, 94.0, 93.7)
    rows_mean = round(sum(p for p, _, _ in PAPER_PER_CLASS["gtzan"].values()) / 10, 1)
    assert rows_mean == 93.8  # what the book used to show as the paper's


def test_captions_are_numbered_per_kind_and_keep_their_number_when_rerun(monkeypatch):
    from bbnn_core import figures

    monkeypatch.setattr(figures, "_NUMBERS", {})
    assert figures.numbered("Figure", "Loss <per> epoch.") == "<b>Figure 1.</b> Loss &lt;per&gt; epoch."
    assert figures.numbered("Table", "Accuracy.").startswith("<b>Table 1.</b>")
    assert figures.numbered("Figure", "Confusion.").startswith("<b>Figure 2.</b>")
    assert figures.numbered("Figure", "Loss <per> epoch.").startswith("<b>Figure 1.</b>")  # the cell ran again
    assert figures.numbered("Figure", "Loss, redrawn.", label="other").startswith("<b>Figure 3.</b>")
    styled = figures.captioned(pd.DataFrame({"a": [1]}), "A table.")
    assert (
        styled.caption == "<b>Table 2.</b> A table."
        and "<caption><b>Table 2.</b> A table.</caption>" in styled.to_html()
    )
    assert figures.captioned(pd.DataFrame({"a": [1]}).style, "Another.").caption.startswith("<b>Table 3.</b>")


def test_show_puts_the_numbered_caption_under_the_figure(monkeypatch):
    import matplotlib.pyplot as plt

    from bbnn_core import figures

    shown = []
    monkeypatch.setattr(figures, "_NUMBERS", {})
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    figures.show(fig, "A line.")
    assert [type(o).__name__ for o in shown] == ["Image", "HTML"]
    assert shown[1].data == '<p class="bbnn-caption"><b>Figure 1.</b> A line.</p>'


def _history(lr, loss, val_acc):
    return pd.DataFrame({"lr": lr, "loss": loss, "val_acc": val_acc})


def test_lr_schedule_reads_the_cuts_off_the_learning_rate():
    from bbnn_core.reports import lr_schedule

    h = _history([0.01, 0.01, 0.005, 0.005, 0.0025], [2.0, 1.5, 1.4, 1.3, 1.25], [0.1] * 5)
    assert lr_schedule(h) == {"first LR cut (epoch)": 3.0, "LR cuts": 2, "last training loss": 1.25}
    never = lr_schedule(_history([0.01] * 3, [1.0, 0.9, 0.8], [0.1] * 3))
    assert np.isnan(never["first LR cut (epoch)"]) and never["LR cuts"] == 0


def _fold(k, *, epochs, best, train_acc, test_acc):
    return {"fold": k, "epochs_run": epochs, "best_epoch": best, "train_acc": train_acc, "test_acc": test_acc}


def test_stopping_table_puts_a_runs_folds_beside_the_authors_histories():
    from bbnn_core.reports import stopping_table

    ours_hist = pd.concat(
        [
            _history([0.01, 0.005, 0.005, 0.0025], [2.0, 1.0, 0.6, 0.5], [0.1, 0.5, 0.4, 0.3]).assign(fold=0),
            _history([0.01, 0.01, 0.005], [2.0, 1.0, 0.4], [0.1, 0.6, 0.2]).assign(fold=1),
        ]
    )
    summary = {
        "per_fold": [
            _fold(0, epochs=4, best=1, train_acc=0.9, test_acc=0.7),
            _fold(1, epochs=3, best=1, train_acc=0.8, test_acc=0.6),
        ]
    }
    theirs = pd.concat(
        [
            _history([0.01] * 5 + [0.005] * 3, np.linspace(2, 0.05, 8), np.r_[np.zeros(6), 1, 0]).assign(fold=k)
            for k in range(3)
        ]
    )
    table = stopping_table(summary=summary, histories=ours_hist, authors=theirs, label="ours")
    assert list(table["run"]) == ["ours"] * 2 + ["authors"] * 3
    assert list(table["epochs run"]) == [4, 3, 8, 8, 8]
    assert list(table["best epoch"]) == [2, 2, 7, 7, 7]  # counted from 1
    assert list(table["first LR cut (epoch)"]) == [2, 3, 6, 6, 6]
    assert list(table["LR cuts"]) == [2, 1, 1, 1, 1]
    assert table["train acc (%)"].iloc[:2].tolist() == [90, 80] and table["test acc (%)"].iloc[2:].isna().all()
    empty = stopping_table()
    assert empty.empty and list(empty.columns)[:4] == ["run", "fold", "epochs run", "best epoch"]


def test_run_overview_prints_numbers_as_a_reader_writes_them():
    from types import SimpleNamespace

    from bbnn_core.reports import run_overview

    cfg = SimpleNamespace(
        dataset="gtzan_mini",
        data_dir=None,
        protocol="kfold",
        profile="paper",
        epochs=100,
        crop_frames=None,
        bn_momentum=0.99,
        seed=0,
    )
    summary = {
        "n_tracks": 100,
        "pooled": {"per_class": {"a": {"support": 40}, "b": {"support": 40}}},
        "folds_done": 8,
        "n_folds": 10,
        "wall_time_s": 76286.75,
    }
    prov = {"keras_backend": "tensorflow", "device": "cpu (2 cores)", "git_commit": "bf5c178af3e1", "git_dirty": False}
    prov |= {"determinism": {"deterministic": True}, "features_commit": None}
    about = run_overview(summary, cfg, prov)[""]
    assert about["training wall time"] == "21.2 h over 8 folds (2.6 h per fold)"
    assert about["clips tested"] == "80"
    html = run_overview(summary, cfg, prov).style.to_html()
    assert ">0.99<" in html and "0.990000" not in html and ">100<" in html  # not 100.000000
    short = run_overview(summary | {"folds_done": 2, "wall_time_s": 600.0}, cfg, prov)[""]
    assert short["training wall time"] == "10.0 min over 2 folds (5.0 min per fold)"


def test_captions_carry_the_chapter_number_the_book_gives_the_page(monkeypatch, tmp_path):
    """In the book a page's captions read "Table 3.1" (chapter 3: its place among the chapters of
    _toc.yml), never "Table 3", which a reader would take for the paper's; outside a book, plain."""
    from pathlib import Path

    from bbnn_core import figures

    toc = Path(__file__).resolve().parents[1] / "_toc.yml"
    monkeypatch.setattr(figures, "_NUMBERS", {})
    monkeypatch.setattr(figures, "_CHAPTER", [None])
    assert figures.number_captions_for("gtzan", toc) == 3
    assert figures.numbered("Table", "Accuracy.") == "<b>Table 3.1.</b> Accuracy."
    assert figures.numbered("Figure", "Loss.").startswith("<b>Figure 3.1.</b>")
    assert figures.chapter_number("robustness", toc) == 7 and figures.chapter_number("intro", toc) is None
    monkeypatch.chdir(tmp_path)  # no _toc.yml here or above
    assert figures.number_captions_for("gtzan") is None
    assert figures.numbered("Table", "Other.") == "<b>Table 2.</b> Other."


def test_the_papers_training_clips_per_run():
    from bbnn_core.paper import paper_train_clips

    assert (paper_train_clips("gtzan"), paper_train_clips("extended_ballroom")) == (800, 3344)  # 8/1/1 of Table 2
    assert paper_train_clips("my_music") == 0


def test_a_counted_word_is_plural_unless_there_is_one():
    from bbnn_core.progress import plural

    assert [plural(n, "fold") for n in (0, 1, 2)] == ["0 folds", "1 fold", "2 folds"]
    assert (plural(1, "Fold", count=False), plural(3, "Fold", count=False)) == ("Fold", "Folds")
