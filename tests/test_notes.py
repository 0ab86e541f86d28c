"""The sentences beside the tables: each computed, each saying what the numbers say."""

from __future__ import annotations


def _fold(k, *, epochs, best, train_acc, test_acc):
    return {"fold": k, "epochs_run": epochs, "best_epoch": best, "train_acc": train_acc, "test_acc": test_acc}


def test_discrepancies_set_a_paper_run_against_the_paper_and_the_svm():
    from types import SimpleNamespace

    from bbnn_core.notes import discrepancies

    cfg = SimpleNamespace(profile="paper", dataset="gtzan_mini", protocol="kfold", n_folds=10)

    def run(correct, svm_correct, lo, hi):
        acc = {"pooled": correct / 20, "ci_low": lo, "ci_high": hi, "correct": correct, "n_clips": 20}
        svm = {"pooled": svm_correct / 20, "correct": svm_correct}
        folds = [
            _fold(0, epochs=9, best=3, train_acc=0.95, test_acc=0.5),
            _fold(1, epochs=9, best=3, train_acc=0.85, test_acc=0.7),
        ]
        return {"test_acc": acc, "baseline_test_acc": svm, "per_fold": folds, "folds_done": 2, "n_folds": 10}

    below = discrepancies(cfg, dataset="gtzan", ours=run(12, 15, 0.39, 0.78), n_train=80).splitlines()[0]
    assert below.startswith("- This run reaches 60.0 % [39.0, 78.0] over 2 of 10 folds, the paper 93.9 % (outside")
    assert "each fold here trains on 80 clips, each of the paper's runs on about 800" in below
    assert "90.0 % on their own training clips (per fold 85.0-95.0 %) and 60.0 % on the test clips" in below
    assert "**BBNN stays below the SVM** on the same folds: 60.0 % against 75.0 %, 3 of 20 test clips" in below
    above = discrepancies(cfg, dataset="gtzan", ours=run(19, 15, 0.76, 0.99), n_train=80).splitlines()[0]
    assert "(inside that interval)" in above and "BBNN is ahead by 4 of 20 test clips" in above
    assert "as many of the 20 test clips" in discrepancies(cfg, dataset="gtzan", ours=run(15, 15, 0.5, 0.9))
    finished = run(15, 15, 0.5, 0.9) | {"n_folds": 2}
    assert "over its 2 folds, the paper 93.9 %" in discrepancies(cfg, dataset="gtzan", ours=finished)
    reduced = discrepancies(
        SimpleNamespace(**{**vars(cfg), "profile": "quick", "epochs": 5, "crop_frames": 320, "bn_momentum": 0.9}),
        dataset="gtzan",
        ours=run(12, 15, 0.39, 0.78),
    )
    assert "This run reaches" not in reduced  # a reduced run is not set against the paper's number


def test_the_papers_training_clips_per_run():
    from bbnn_core.paper import paper_train_clips

    assert (paper_train_clips("gtzan"), paper_train_clips("extended_ballroom")) == (800, 3344)  # 8/1/1 of Table 2
    assert paper_train_clips("my_music") == 0


def test_the_rerun_phrase_names_what_was_pooled():
    from bbnn_core.notes import spread_note

    one = {"numeric": {"reruns": 1, "folds": [0], "rows": 1, "identical": 0, "pooled_max_abs": 0.1}}
    assert spread_note(one) == (
        "up to 10.0 points with the same seeds on other settings (1 rerun of fold 0, that fold's accuracy); "
        "other training seeds: not measured yet"
    )
    assert spread_note({}) == ""
    still = {"train seed": {"reruns": 1, "folds": [0], "rows": 1, "identical": 0, "pooled_max_abs": 0.0}}
    assert spread_note(still).startswith("no change with other training seeds (1 rerun of fold 0")
    two = {"train seed": {"reruns": 2, "folds": [0, 1], "rows": 4, "identical": 0, "pooled_max_abs": 0.05}}
    assert spread_note(two | one) == (
        "up to 5.0 points with other training seeds (2 reruns of folds 0, 1, the accuracy pooled over those folds); "
        "up to 10.0 points with the same seeds on other settings (1 rerun of fold 0, that fold's accuracy)"
    )
    repeat = {"repeat": {"reruns": 1, "folds": [6], "rows": 1, "identical": 1, "pooled_max_abs": 0.0}}
    assert spread_note(repeat) == (
        "byte for byte the same history and predictions with the same seeds and settings (1 rerun of fold 6); "
        "other training seeds: not measured yet"
    )
    repeat["repeat"]["identical"] = 0  # the same accuracy, other bytes: said as a change of none
    assert spread_note(repeat).startswith("no change with the same seeds and settings (1 rerun of fold 6, that fold's")


def test_a_counted_word_is_plural_unless_there_is_one():
    from bbnn_core.progress import plural

    assert [plural(n, "fold") for n in (0, 1, 2)] == ["0 folds", "1 fold", "2 folds"]
    assert (plural(1, "Fold", count=False), plural(3, "Fold", count=False)) == ("Fold", "Folds")
