"""An experiment chapter's material: a committed run and the authors' logs, or what is missing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

RESULTS = Path(__file__).resolve().parents[1] / "results" / "gtzan_mini-kfold-quick-seed0"
PAPER = RESULTS.parent / "gtzan_mini-kfold-paper-seed0"  # the paper run, fold by fold as it finishes


@pytest.fixture
def shown(monkeypatch):
    """The figures a chapter shows (through figures.show): each one's panel titles; their captions
    in ``shown.captions``."""

    class Shown(list):
        captions: list[str] = []
        ylims: list[list] = []

    figures = Shown()
    figures.captions, figures.ylims = [], []

    def show(fig, caption=None, **_):
        figures.append([ax.get_title() for ax in fig.axes])
        figures.captions.append(caption)
        figures.ylims.append([ax.get_ylim() for ax in fig.axes if ax.get_title()])

    monkeypatch.setattr("bbnn_core.chapter.show", show)
    return figures


def test_gtzan_chapter_from_a_committed_run(mirror, shown):
    from bbnn_core.chapter import open_chapter

    ch = open_chapter("gtzan", str(RESULTS), dataset="gtzan_mini", protocol="kfold")
    assert ch.notes == [] and ch.summary["folds_done"] == 10 and ch.authors_summary["n"] == 10
    assert ch.overview().data.loc["protocol"].iloc[0] == "kfold"
    html = ch.comparison().to_html()
    assert re.search(r"<caption><b>Table \d+\.</b> Accuracy against published methods", html)
    assert "BBNN, our run" in html and "93.9" in html  # ours beside the paper's
    assert "reduced: not the paper&#x27;s recipe" in html or "reduced: not the paper's recipe" in html
    assert "blues" in ch.per_class().to_html()
    ch.plot_losses()
    ch.plot_results()
    assert len(shown) == 3
    assert any("this run" in t for t in shown[0]) and any("authors" in t for t in shown[0])  # Figure 3
    assert "pooled" in shown[1][0]  # Figure 4, left: the confusion matrix, a figure of its own
    assert shown[2][0] == "this run" and "authors" in shown[2][1]  # Figure 4, right: the folds, ours and theirs
    assert len(set(shown.ylims[2])) == 1  # the two panels side by side on one scale
    loss, confusion, folds = shown.captions
    assert "Figure 3a" in loss and "Figure 4 (left)" in confusion
    assert "reduced: not the paper's recipe" in confusion and "of 10 folds" not in confusion  # all finished
    assert "Top: our run (" in folds and "Bottom: the authors'" in folds


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


def test_how_long_each_fold_trained_beside_the_authors(mirror):
    from bbnn_core.chapter import open_chapter
    from bbnn_core.reports import read_histories, stopping_table

    ch = open_chapter("gtzan", str(PAPER), dataset="gtzan_mini")
    done = ch.summary["folds_done"]
    shown = [ch.convergence()]
    table = shown[0].data
    assert list(table["run"]) == ["ours"] * done + ["authors"] * 10
    assert (table["best epoch"] <= table["epochs run"]).all() and table["test acc (%)"].iloc[:done].notna().all()
    assert "our run (gtzan_mini, kfold, paper profile" in shown[0].caption and "authors'" in shown[0].caption
    n = ch.numbers()  # the medians the page quotes, from the same table
    assert n["epochs_median"] == table[table["run"] == "ours"]["epochs run"].median()
    assert n["authors_first_cut_median"] == table[table["run"] == "authors"]["first LR cut (epoch)"].median()
    assert n["n_train"] == 80 and n["n_train_paper"] == 800 and n["recipe"] == "the paper's recipe"
    quick_ch = open_chapter("gtzan", str(RESULTS), dataset="gtzan_mini")
    quick = quick_ch.numbers()
    assert quick["recipe"] == "the reduced quick profile"  # a reduced run is named so on the page
    # the training sentences follow a reduced run's own table: its epoch cap, the folds that cut the
    # rate (none may), its steps; no value reads "nan"
    ours = stopping_table(summary=quick_ch.summary, histories=read_histories(RESULTS), authors=None, label="ours")
    cut = ours["first LR cut (epoch)"]
    assert quick["epochs_max"] == 5 and quick["folds_cut"] == int(cut.notna().sum())
    texts = quick_ch.texts(quick)
    assert texts["first_cut_median"] == (f"{cut.median():g}" if cut.notna().any() else "n/a")
    assert texts["epoch_steps"] == "10 steps" and not any(v in ("nan", "1 steps") for v in texts.values())
    one = quick_ch.texts({"steps": 1, "epoch_steps": "1 step", "first_cut_median": float("nan")})
    assert one["first_cut_median"] == "n/a"


BATCHNORM = PAPER.parent / "gtzan_mini-bn-statistics"  # results/bn_statistics.py's measurement of PAPER


def test_the_numbers_a_page_quotes_come_from_the_run(mirror):
    """Every value the prose glues, recomputed here from the run's own files: accuracy from the
    predictions, the clip-by-clip pairing, the weakest genre, the epochs; all keys, none extra."""
    import numpy as np
    import pandas as pd
    from scipy.stats import binomtest

    from bbnn_core.chapter import Chapter, open_chapter

    ch = open_chapter("gtzan", str(PAPER), dataset="gtzan_mini")
    n = ch.numbers(batchnorm=BATCHNORM)
    assert set(n) == set(Chapter.NUMBER_KEYS)
    preds = pd.concat(pd.read_csv(f / "predictions.csv") for f in sorted(PAPER.glob("fold*")))
    right = preds["true"] == preds["predicted"]
    assert n["n_test"] == len(preds) and n["acc"] == pytest.approx(100 * right.mean())
    assert n["both_right"] + n["bbnn_only"] == right.sum()
    assert n["both_right"] + n["bbnn_only"] + n["svm_only"] + n["both_wrong"] == len(preds)
    b, c = n["bbnn_only"], n["svm_only"]
    assert n["p_value"] == pytest.approx(binomtest(min(b, c), b + c, 0.5).pvalue)
    recall = right.groupby(preds["true"]).mean()
    assert 100 * recall[n["worst_genre"]] == pytest.approx(n["worst_recall"])
    wrong = preds[(preds["true"] == n["worst_genre"]) & ~right]["predicted"].value_counts()
    assert wrong.max() == n["worst_as_n"] and wrong[n["worst_as"]] == n["worst_as_n"]
    runs = [len(pd.read_csv(f / "history.csv")) for f in sorted(PAPER.glob("fold*"))]
    assert n["epochs_median"] == np.median(runs) and n["n_train"] + 20 == n["n_test"]  # 80/10/10 of 100
    texts = Chapter.texts(n)
    assert texts["acc"] == f"{n['acc']:.1f}" and texts["n_test"] == str(len(preds)) and texts["p_value"] == "0.83"
    none = Chapter.texts(open_chapter("ballroom", None, dataset="ballroom").numbers())
    assert set(none) == set(Chapter.NUMBER_KEYS) and none["acc"] == "n/a" and none["paper"] != "n/a"


def test_the_batchnorm_measurement_is_of_the_committed_run(mirror, shown):
    """results/bn_statistics.py retrains fold 0 with the run's seeds: its training and validation
    losses are the run's own history, so the page may set the two side by side."""
    import pandas as pd

    from bbnn_core.chapter import Nothing, open_chapter

    measured = pd.read_csv(BATCHNORM / "epochs.csv")
    history = pd.read_csv(PAPER / "fold0" / "history.csv").iloc[: len(measured)]
    assert list(measured["train_loss"]) == pytest.approx(list(history["loss"]), rel=1e-6)
    assert list(measured["val_loss"]) == pytest.approx(list(history["val_loss"]), rel=1e-6)
    ch = open_chapter("gtzan", str(PAPER), dataset="gtzan_mini")
    n = ch.batchnorm_numbers(BATCHNORM)
    assert n["bn_val"] == history["val_loss"].iloc[0] and n["bn_val_precise"] < n["bn_val"] / 5
    late = measured.iloc[n["bn_caught_up"] - 1 :]
    assert late.iloc[0]["train_loss_inference"] <= 2 * late.iloc[0]["train_loss"]
    ch.batchnorm_lag(BATCHNORM)
    assert len(shown) == 1
    quick = open_chapter("gtzan", str(RESULTS), dataset="gtzan_mini")  # measured on another run: nothing
    assert isinstance(quick.batchnorm_lag(BATCHNORM), Nothing) and "bn_val" not in quick.numbers(batchnorm=BATCHNORM)


def test_the_clip_by_clip_table(mirror):
    from bbnn_core.chapter import open_chapter

    ch = open_chapter("gtzan", str(PAPER), dataset="gtzan_mini")
    paired = ch.paired_table().data
    n = ch.numbers()
    assert (
        paired.loc["BBNN right", "SVM wrong"] == n["bbnn_only"]
        and paired.loc["BBNN wrong", "SVM right"] == n["svm_only"]
    )
    assert paired.to_numpy().sum() == n["n_test"]


def test_a_run_of_other_data_is_refused(mirror):
    from bbnn_core.chapter import open_chapter
    from bbnn_core.errors import RunError

    with pytest.raises(RunError, match="a run of 'gtzan_mini', not of 'my_music'"):
        open_chapter("gtzan", str(RESULTS), dataset="my_music")


def test_chapter_without_audio_or_released_logs(mirror):
    from bbnn_core.chapter import open_chapter

    ch = open_chapter("ballroom", None, dataset="ballroom", protocol="kfold")
    assert ch.summary is None and ch.authors_summary is None
    assert ch.notes == []  # nothing failed to load: what is missing is missing by design
    assert len(ch.missing) == 2 and "no run of this project" in ch.missing[0]
    assert ch.missing[1].startswith("the authors released no ") and ch.missing[1].endswith(" for ballroom")
    # the parts with nothing to show say so in a notebook, and show nothing in the book
    from bbnn_core.chapter import NOTHING_MIME, Nothing

    for part in (ch.overview(), ch.plot_losses(), ch.plot_results(), ch.paired_table(), ch.misclassified()):
        assert isinstance(part, Nothing), part
        bundle = part._repr_mimebundle_()
        assert set(bundle) == {NOTHING_MIME, "text/plain"} and bundle[NOTHING_MIME]["why"] in bundle["text/plain"]
    quoted = ch.per_class()  # the paper's Table 6, quoted, and what it implies
    assert "quoted from the paper's Table 6" in quoted.caption and "Waltz (Slow Waltz)" in quoted.to_html()
    assert ">nan<" not in quoted.to_html()  # a computed row without precision shows a dash
    assert round(quoted.data.iloc[-1]["recall"], 1) == 97.1


def _rerun(src: Path, dst: Path, *, folds=(0, 1, 2), config=None, provenance=None, flip=None) -> Path:
    """A copy of run ``src`` that finished ``folds`` only, with ``config`` and each fold's
    ``provenance`` updated, and, per fold in ``flip``, that many correct test predictions made wrong."""
    import json

    import pandas as pd

    shutil.copytree(src, dst)
    (dst / "config.json").write_text(json.dumps(json.loads((dst / "config.json").read_text()) | (config or {})))
    for fold in dst.glob("fold*"):
        k = int(fold.name[4:])
        if k not in folds:
            (fold / "metrics.json").unlink()
            continue
        prov = json.loads((fold / "provenance.json").read_text()) | (provenance or {})
        (fold / "provenance.json").write_text(json.dumps(prov))
        n = (flip or {}).get(k, 0)
        if n:
            preds = pd.read_csv(fold / "predictions.csv")
            right = preds.index[preds["true"] == preds["predicted"]][:n]
            preds.loc[right, "predicted"] = [
                next(c for c in sorted(set(preds["true"])) if c != t) for t in preds.loc[right, "true"]
            ]
            preds.to_csv(fold / "predictions.csv", index=False)
            metrics = json.loads((fold / "metrics.json").read_text())
            metrics["test_acc"] = float((preds["true"] == preds["predicted"]).mean())
            (fold / "metrics.json").write_text(json.dumps(metrics))
    return dst


def test_the_rerun_spread_beside_the_numbers(mirror, tmp_path):
    """Reruns kept beside a run (<run>-*) are found; their table gives each fold's accuracy in each,
    the train-seed range and the numeric change, pooled over the folds all finished."""
    from bbnn_core.chapter import open_chapter
    from bbnn_core.errors import RunError
    from bbnn_core.reruns import rerun_style, rerun_table, spread_summary

    run = shutil.copytree(RESULTS, tmp_path / "run")
    _rerun(run, tmp_path / "run-train1", config={"train_seed": 1}, flip={0: 1})
    _rerun(
        run, tmp_path / "run-avx2", provenance={"cpu": {"flags": ["avx", "avx2", "fma"]}, "dataset_checksum": "f" * 64}
    )
    _rerun(run, tmp_path / "run-split5", config={"seed": 5})  # another split: not a rerun, left out
    (tmp_path / "run-notes").mkdir()
    ch = open_chapter("gtzan", str(run), dataset="gtzan_mini")
    assert [p.name for p in ch.reruns] == ["run-avx2", "run-train1"]

    table = rerun_table(ch.spread)
    assert rerun_style(table).to_html().count("white-space: nowrap") >= 1  # "fold 0" stays on one line
    data = table.set_index("")
    ref0 = data.loc["fold 0", "this run"]
    assert data.loc["fold 0", "train seed 1"] == pytest.approx(ref0 - 10)
    assert data.loc["fold 0", "train-seed range (points)"] == pytest.approx(10)
    assert data.loc["fold 1", "train-seed range (points)"] == 0
    assert (data["numeric change (points)"] == 0).all()
    assert "same seeds, other CPU class, feature bytes" in data.columns  # features computed there round otherwise
    assert data.loc["pooled over folds 0, 1, 2", "train-seed range (points)"] == pytest.approx(10 / 3)
    summary = spread_summary(ch.spread)
    assert (summary["train seed"]["changed"], summary["train seed"]["compared"]) == (1, 30)
    assert summary["train seed"]["pooled_max_abs"] == pytest.approx(1 / 30)
    # the numeric rerun moved nothing, to the byte (its provenance alone differs)
    assert summary["numeric"]["identical"] == summary["numeric"]["rows"] == 3

    # one rerun of one fold: that fold's change
    one = _rerun(run, tmp_path / "one-fold", folds=(0,), provenance={"cpu": {"flags": ["avx", "avx2"]}}, flip={0: 2})
    single = spread_summary(open_chapter("gtzan", str(run), dataset="gtzan_mini", reruns=[one]).spread)
    assert set(single) == {"numeric"} and single["numeric"]["folds"] == [0]
    assert single["numeric"]["fold_max_abs"] == pytest.approx(0.2) and single["numeric"]["changed"] == 2

    # a train-seed rerun made on another CPU class says so in its column
    from bbnn_core.reruns import rerun_spread, rerun_table

    elsewhere = _rerun(
        run, tmp_path / "t2", folds=(0,), config={"train_seed": 2}, provenance={"cpu": {"flags": ["avx2"]}}
    )
    assert "train seed 2, other CPU class" in rerun_table(rerun_spread(run, [elsewhere])).columns

    with pytest.raises(RunError, match="is not a rerun of"):
        open_chapter("gtzan", str(run), dataset="gtzan_mini", reruns=[tmp_path / "run-split5"])
    alone = open_chapter("gtzan", str(run), dataset="gtzan_mini", reruns=[])
    assert alone.spread is None or alone.spread.empty


def test_a_repeat_of_a_fold_is_said_to_reproduce_it_byte_for_byte(mirror, tmp_path, shown):
    """A rerun with the same seeds and nothing recorded differing is a repeat: it gave the fold's
    bytes (when it did), apart from the numeric reruns, whose spread it does not dilute."""
    import matplotlib.pyplot as plt

    from bbnn_core.chapter import open_chapter
    from bbnn_core.metrics import read_run
    from bbnn_core.plots import plot_fold_accuracies
    from bbnn_core.reruns import fold_marks, spread_summary

    run = shutil.copytree(RESULTS, tmp_path / "run")
    _rerun(run, tmp_path / "run-avx2", folds=(0,), provenance={"cpu": {"flags": ["avx2"]}}, flip={0: 1})
    _rerun(run, tmp_path / "run-repeat", folds=(1,))
    ch = open_chapter("gtzan", str(run), dataset="gtzan_mini")
    assert list(ch.spread["kind"]) == ["numeric", "repeat"]
    summary = spread_summary(ch.spread)
    assert summary["repeat"]["identical"] == summary["repeat"]["rows"] == 1 and summary["repeat"]["folds"] == [1]
    assert summary["numeric"]["fold_max_abs"] == pytest.approx(0.1) and summary["numeric"]["changed"] == 1
    from bbnn_core.reruns import rerun_table

    data = rerun_table(ch.spread).set_index("")
    assert list(data.columns[:3]) == ["this run", "same seeds, other CPU class", "same seeds, same settings"]
    assert data.loc["fold 1", "same seeds, same settings"] == data.loc["fold 1", "this run"]
    assert list(data["numeric change (points)"]) == pytest.approx([10, 0])

    # a train seed on fold 0 alone: fold 1 has one seed, so no range (a dash), not a range of 0
    from bbnn_core.reruns import rerun_spread, rerun_table

    seeds = _rerun(run, tmp_path / "run-train1", folds=(0,), config={"train_seed": 1}, flip={0: 1})
    seeds_spread = rerun_spread(run, [seeds])
    ranges = rerun_table(rerun_spread(run, [seeds, tmp_path / "run-repeat"])).set_index("")["train-seed range (points)"]
    assert ranges["fold 0"] == pytest.approx(10) and ranges.isna()["fold 1"]

    folds, _ = read_run(run)
    ax = plot_fold_accuracies(folds, marks=fold_marks(ch.spread))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]  # filled column by column: bars on row 1
    assert legend == ["train", "numeric rerun", "validation", "repeat", "test"]
    (plus,) = [c for c in ax.collections if c.get_label() == "repeat"]
    assert plus.get_offsets()[0][1] == pytest.approx(folds["test_acc"][1])
    ch.plot_results()
    marks = shown.captions[-1].split("Black marks:")[1]  # the kinds of rerun drawn, and only those
    assert "a cross" in marks and "a plus" in marks and "a circle" not in marks
    # at the chapter's panel size, with every kind of mark, the legend is no wider than its axes
    import pandas as pd

    from bbnn_core.figures import BOOK_STYLE, FIGURE_WIDTH

    with plt.rc_context(BOOK_STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.1))
        plot_fold_accuracies(folds, ax=ax, title="this run", marks=fold_marks(pd.concat([ch.spread, seeds_spread])))
        fig.tight_layout()
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        assert ax.get_legend().get_window_extent(renderer).width <= ax.get_window_extent(renderer).width
    plt.close("all")


def test_the_fold_figure_marks_each_rerun(mirror, tmp_path):
    """Figure 4 (right) marks each rerun's test accuracy on its fold's test bar."""
    import matplotlib.pyplot as plt

    from bbnn_core.plots import plot_fold_accuracies
    from bbnn_core.reruns import fold_marks, rerun_spread

    run = shutil.copytree(RESULTS, tmp_path / "run")
    seeds = _rerun(run, tmp_path / "run-train1", config={"train_seed": 1}, flip={0: 2})
    spread = rerun_spread(run, [seeds])
    from bbnn_core.metrics import read_run

    folds, _ = read_run(run)
    ax = plot_fold_accuracies(folds, marks=fold_marks(spread))
    (marks,) = [c for c in ax.collections if c.get_label() == "other seed"]
    offsets = marks.get_offsets()
    assert len(offsets) == 3 and offsets[0][1] == pytest.approx(folds["test_acc"][0] - 0.2)
    assert 0 < offsets[0][0] < 0.27 * 1.5  # on fold 0's test bar
    assert ax.get_ylim()[0] <= offsets[:, 1].min()
    plt.close("all")


def test_reruns_are_found_in_natural_order(tmp_path):
    from bbnn_core.reruns import find_reruns

    run = shutil.copytree(RESULTS, tmp_path / "run")
    for seed in (10, 2, 1):
        _rerun(run, tmp_path / f"run-train{seed}", config={"train_seed": seed})
    shutil.copytree(run, tmp_path / "runs-other")  # another name: not kept beside it as a rerun
    assert [p.name for p in find_reruns(run)] == ["run-train1", "run-train2", "run-train10"]


def test_extended_ballroom_copies_on_both_sides_of_a_split(mirror):
    """Counted from the metadata alone: the authors' random draws and plain k-fold put copies of a
    song in training beside their test tracks; the grouped protocol puts none."""
    from bbnn_core.chapter import open_chapter
    from bbnn_core.datasets import load_extended_ballroom
    from bbnn_core.reports import copies_table
    from bbnn_core.splits import copies_in_training, make_splits

    eb = load_extended_ballroom()
    table = copies_table(eb.labels, eb.groups).set_index("protocol")
    draws = copies_in_training(make_splits(eb.labels, protocol="authors", seed=0), eb.groups)
    share = 100 * sum(r["test_copied"] for r in draws) / sum(r["test"] for r in draws)
    assert table.loc["authors", "share of test tracks (%)"] == round(share, 1) > 5
    assert table.loc["kfold", "share of test tracks (%)"] > 5
    assert (
        table.loc["grouped", "share of test tracks (%)"]
        == 0
        == table.loc["grouped", "validation tracks with a copy (mean)"]
    )
    ch = open_chapter("extended_ballroom", None, dataset="extended_ballroom", protocol="grouped")
    shown = ch.copies().data.set_index("protocol")
    assert shown.loc["authors", "share of test tracks (%)"] == round(share, 1)
    n = ch.copies_numbers()  # what the page's prose quotes
    assert n["copy_share"] == round(share, 1) and n["copy_grouped_share"] == 0 and n["copy_tracks"] == len(eb)
    assert n["copy_songs"] == len(set(eb.groups)) < len(eb)
    assert "no data set" in open_chapter("ballroom", None, dataset="ballroom").copies().why


def test_copies_of_a_data_set_too_small_to_split_are_not_counted(tmp_path, monkeypatch):
    """A folder of the user's whose groups link copies but whose classes are too small for the
    authors' draws: one line saying why, no traceback."""
    import numpy as np

    from bbnn_core import chapter
    from bbnn_core.datasets import Dataset, Track

    tracks = tuple(Track(Path(f"{c}/{i}.wav"), c, group=f"{c}{i // 2}") for c in ("a", "b") for i in range(4))
    small = Dataset("small", tmp_path, ("a", "b"), tracks)
    monkeypatch.setattr("bbnn_core.datasets.load_dataset", lambda *a, **k: small)
    cfg = type("Cfg", (), {"data_dir": str(tmp_path), "kind": None, "seed": 0, "n_folds": 10})()
    nothing = chapter.Chapter("extended_ballroom", cfg=cfg).copies()
    assert nothing.why.startswith("copies not counted:") and "tracks per class" in nothing.why
    assert chapter.Chapter("extended_ballroom", cfg=cfg).copies_numbers() == {}
    assert np.array_equal(small.groups[:2], ["a0", "a0"])


def test_the_reproducibility_tables_of_a_run_and_its_reruns(mirror, tmp_path):
    """The reproducibility page's two tables: how each fold was made, from its provenance, and per
    rerun fold what differed, what moved and where it parted from the run."""
    import json

    import pandas as pd

    from bbnn_core.reports import fold_provenance_table
    from bbnn_core.reruns import rerun_detail_table, rerun_spread, rerun_table

    folds = fold_provenance_table(PAPER)
    assert list(folds["fold"]) == list(range(10)) and set(folds["commit"]) == {"bf5c178"}
    assert set(folds["threads"]) == {2} and set(folds["deterministic"]) == {"yes"}
    prov = json.loads((PAPER / "fold3" / "provenance.json").read_text())
    row = folds.set_index("fold").loc[3]
    assert row["feature bytes"] == prov["dataset_checksum"][:8] and row["processes"] == len(prov["sessions"])
    assert row["wall time (h)"] == pytest.approx(prov["wall_time_s"] / 3600)
    assert folds.set_index("fold").loc[0, "CPU class"] == "avx512_bf16" and row["CPU class"] == "avx2"

    run = shutil.copytree(RESULTS, tmp_path / "run")
    seeds = _rerun(run, tmp_path / "run-train1", config={"train_seed": 1}, flip={0: 1})
    avx2 = _rerun(run, tmp_path / "run-avx2", folds=(0,), provenance={"cpu": {"flags": ["avx", "avx2"]}})
    hist = pd.read_csv(avx2 / "fold0/history.csv")  # a numeric rerun: where its history parted from the run's
    hist.loc[0, "loss"] *= 1 + 3e-5
    hist.loc[2, "val_acc"] += 0.1
    hist.iloc[:-1].to_csv(avx2 / "fold0/history.csv", index=False)
    spread = rerun_spread(run, [seeds, avx2])
    row = spread.set_index("kind").loc["numeric"]
    assert row["first_loss_rel"] == pytest.approx(3e-5) and row["apart_from_epoch"] == 3
    assert row["rerun_epochs"] == row["reference_epochs"] - 1
    detail = rerun_detail_table(spread)
    assert list(detail["rerun"]) == ["train seed 1"] * 3 + ["numeric"]
    numeric = detail.iloc[-1]
    assert numeric["differs in"] == "CPU class" and numeric["accuracies part at epoch"] == "3"
    assert numeric["first loss, rel. diff."] == pytest.approx(3e-5)
    assert numeric["epochs, run → rerun"] == f"{row['reference_epochs']} → {row['rerun_epochs']}"
    assert numeric["test acc (%), run → rerun"] == f"{100 * row['reference_acc']:.1f} → {100 * row['rerun_acc']:.1f}"
    assert detail.iloc[0]["predictions changed"] == "1 of 10" and detail.iloc[1]["predictions changed"] == "0 of 10"

    again = _rerun(run, tmp_path / "run-again", folds=(0,))  # a repeat: nothing differs, the same bytes
    same = rerun_spread(run, [again])
    assert same.loc[0, "kind"] == "repeat" and same.loc[0, "identical"]
    assert same.loc[0, "first_loss_rel"] == 0 and same.loc[0, "apart_from_epoch"] is None
    repeat = rerun_detail_table(same).iloc[0]
    assert repeat["differs in"] == "nothing recorded" and repeat["accuracies part at epoch"] == "never"
    # a rerun on another CPU class that gave the bytes is not called a repeat: what differed is named
    elsewhere = _rerun(run, tmp_path / "run-bytes", folds=(0,), provenance={"cpu": {"flags": ["avx", "avx2"]}})
    assert rerun_spread(run, [elsewhere]).loc[0, "kind"] == "numeric"
    # each setting has one name, the same in the tables and `bbnn evaluate --rerun`
    threads = _rerun(run, tmp_path / "run-threads", folds=(0,), provenance={"determinism": {"intra_op_threads": 7}})
    spread = rerun_spread(run, [threads])
    assert spread.loc[0, "differs_in"] == "thread count" and spread.loc[0, "differs"].startswith("thread count 7 vs ")
    assert rerun_detail_table(spread).iloc[0]["differs in"] == "thread count"
    assert "same seeds, other thread count" in rerun_table(spread).columns
    # a repeat that did not give the same bytes says where it parted
    hist = pd.read_csv(again / "fold0/history.csv")
    hist.loc[0, "loss"] *= 1 + 1e-7
    hist.to_csv(again / "fold0/history.csv", index=False)
    parted = rerun_spread(run, [again])
    assert parted.loc[0, "kind"] == "repeat" and not parted.loc[0, "identical"]
    assert rerun_detail_table(parted).iloc[0]["first loss, rel. diff."] == pytest.approx(1e-7)


def test_the_book_leaves_out_what_has_nothing_to_show(tmp_path):
    """prune_empty_sections drops Nothing outputs, and a section whose code then shows nothing;
    a section with something left, or with code that never had outputs, stays."""
    import json

    import nbformat

    from bbnn_core.book import prune_empty_sections
    from bbnn_core.chapter import Nothing

    def nothing(why):
        data = Nothing(why)._repr_mimebundle_()
        return nbformat.v4.new_output("display_data", data=data)

    table = nbformat.v4.new_output("display_data", data={"text/html": "<table></table>", "text/plain": "t"})
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Ballroom\n\nIntro."),
        nbformat.v4.new_code_cell("setup()"),  # no outputs, not a section: stays
        nbformat.v4.new_markdown_cell("## Accuracy\n\nText."),
        nbformat.v4.new_code_cell("ch.comparison()", outputs=[table]),
        nbformat.v4.new_code_cell("ch.paired()", outputs=[nothing("needs a run")]),
        nbformat.v4.new_markdown_cell("## Loss curves\n\nText."),
        nbformat.v4.new_code_cell("ch.plot_losses()", outputs=[nothing("no training history to draw")]),
        nbformat.v4.new_markdown_cell("More text of the section."),
        nbformat.v4.new_markdown_cell("## How to rerun this page\n\nCommands."),
        nbformat.v4.new_code_cell("x = 1"),  # code without outputs and no Nothing: stays
    ]
    path = tmp_path / "ballroom.ipynb"
    nbformat.write(nb, path)
    assert prune_empty_sections(path) == ["Loss curves"]
    cells = json.loads(path.read_text())["cells"]
    sources = ["".join(c["source"]).split("\n")[0] for c in cells]
    assert sources == [
        "# Ballroom",
        "setup()",
        "## Accuracy",
        "ch.comparison()",
        "ch.paired()",
        "## How to rerun this page",
        "x = 1",
    ]
    assert [len(c.get("outputs", [])) for c in cells if c["cell_type"] == "code"] == [0, 1, 0, 0]
    assert prune_empty_sections(path) == []  # a second pass changes nothing


def test_the_papers_rows_say_they_are_on_gtzan_beside_a_run_of_other_classes(mirror):
    """A run of a user's own classes shown on the GTZAN page: the paper's literature rows and the
    authors' are labelled as on GTZAN, not this run's data (issue 40); a GTZAN run's are not."""
    from bbnn_core.chapter import open_chapter

    ch = open_chapter("gtzan", str(RESULTS), dataset="gtzan_mini")
    assert not ch.of_other_data and "not this run" not in ch.comparison().to_html()
    numbers = ch.numbers()
    assert numbers["data_name"] == numbers["title"] == "GTZAN"  # gtzan_mini's clips are GTZAN's
    assert numbers["dataset"] == "gtzan_mini"
    ch.summary = {**ch.summary, "classes": ["accordion", "banjo", "kazoo", "theremin"]}
    numbers = ch.numbers()
    assert ch.of_other_data and numbers["data_name"] == numbers["title"] == "gtzan_mini"  # the run's own name
    table = ch.comparison().data
    quoted = table[table["source"].str.startswith("quoted from the paper")]
    assert len(quoted) and (quoted["source"] == "quoted from the paper, on GTZAN, not this run's data").all()
    assert table[table["method"].str.startswith("BBNN, our run")]["source"].str.startswith("our run").all()


def test_bbnn_book_gives_each_notebook_the_runs_of_its_data(tmp_path):
    """``bbnn book``'s parameters: each data set's chapter reads its run; a copy of GTZAN stands in
    for gtzan_mini in the data chapter and, trained with the paper's recipe, in the reproduction
    report; a user's own folder is counted in the data chapter and leaves the report on GTZAN."""
    import json
    from types import SimpleNamespace

    from bbnn_core.book import chapter_parameters
    from bbnn_core.paper import PAPER_TABLE2

    def run(name, classes, profile="paper", key="gtzan"):
        folder = tmp_path / "runs" / name
        folder.mkdir(parents=True)
        (folder / "splits.json").write_text(json.dumps({"classes": classes}))
        return SimpleNamespace(data_dir=f"/data/{name}", dataset=name, protocol="kfold", profile=profile,
                               seed=0, n_folds=10, run_dir=str(folder))  # fmt: skip

    gtzan = run("GTZAN", list(PAPER_TABLE2["gtzan"]))
    params = chapter_parameters({"gtzan": gtzan})
    assert params["gtzan"]["run_dir"] == gtzan.run_dir and params["gtzan"]["train"] is False
    assert params["data"] == {"gtzan_dir": "/data/GTZAN"}
    assert params["reproduction"] == {"runs": {"kfold": gtzan.run_dir}}
    quick = run("GTZAN-quick", list(PAPER_TABLE2["gtzan"]), profile="quick")
    assert "reproduction" not in chapter_parameters({"gtzan": quick})  # not the paper's recipe
    mine = run("my_music", ["accordion", "banjo", "kazoo"])
    ballroom = run("Ballroom", list(PAPER_TABLE2["ballroom"]))
    params = chapter_parameters({"gtzan": mine, "ballroom": ballroom})
    assert params["data"] == {"own": {"my_music": "/data/my_music"}, "ballroom_dir": "/data/Ballroom"}
    assert "reproduction" not in params and params["ballroom"]["run_dir"] == ballroom.run_dir


def test_the_probe_runs_beside_a_run_are_its_rows_and_its_table(mirror, tmp_path):
    """The probe runs kept beside a committed run (on its folds) join the comparison table,
    labelled as pretrained embeddings with a linear probe, and the probes table pairs each with BBNN
    clip by clip; a copy of the run with no probes beside it shows neither."""
    import shutil

    from bbnn_core.baseline import paired_runs
    from bbnn_core.chapter import Nothing, open_chapter

    ch = open_chapter("gtzan", str(RESULTS), dataset="gtzan_mini")
    assert list(ch.probes) == ["musicnn-msd", "musicnn-mtt", "bbnn-eb"]
    rows = ch.comparison().data
    probes = rows[rows["method"].str.startswith("linear probe on")]
    assert len(probes) == 3 and probes["method"].str.endswith("not BBNN").all()
    numbers = ch.numbers()
    msd = paired_runs(RESULTS, RESULTS.parent / "gtzan_mini-kfold-probe-musicnn-msd-seed0")
    assert numbers["probe_msd_p"] == msd["p_value"] and numbers["probe_msd"] == 92.0
    table = ch.probes_table().data
    assert table["right where BBNN is wrong"].tolist()[0] == msd["other_only"]
    alone = tmp_path / RESULTS.name
    shutil.copytree(RESULTS, alone)
    lone = open_chapter("gtzan", str(alone), dataset="gtzan_mini")
    assert lone.probes == {} and isinstance(lone.probes_table(), Nothing)
    assert not lone.comparison().data["method"].str.startswith("linear probe").any()


def test_a_probe_run_given_as_the_pages_run_is_refused_in_one_line(mirror):
    """A chapter shows a BBNN run; a probe run given in its place is refused, naming it."""
    from bbnn_core.chapter import open_chapter
    from bbnn_core.errors import BBNNError

    probe = RESULTS.parent / "gtzan_mini-kfold-probe-musicnn-msd-seed0"
    with pytest.raises(BBNNError, match="is a probe run .*musicnn-msd.*not a BBNN run") as err:
        open_chapter("gtzan", str(probe), dataset="gtzan_mini")
    assert "\n" not in str(err.value)
