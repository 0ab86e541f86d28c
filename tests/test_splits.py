"""Splits: disjoint, covering, stratified, grouped, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from bbnn_core.errors import DatasetError, ParameterError
from bbnn_core.splits import Fold, check_folds, copies_in_training, make_splits


@pytest.fixture
def labels():
    return np.repeat(np.arange(10), 10)  # gtzan_mini's shape: 10 classes x 10


def _sets(f):
    return set(f.train.tolist()), set(f.val.tolist()), set(f.test.tolist())


@pytest.mark.parametrize("protocol", ["authors", "kfold"])
def test_disjoint_8_1_1_and_stratified(labels, protocol):
    folds = make_splits(labels, protocol=protocol, seed=3)
    assert len(folds) == 10
    check_folds(folds, len(labels))
    for f in folds:
        tr, va, te = _sets(f)
        assert not (tr & va or tr & te or va & te)
        assert (len(tr), len(va), len(te)) == (80, 10, 10)
        assert np.bincount(labels[f.test], minlength=10).tolist() == [1] * 10  # one clip per genre
        assert np.bincount(labels[f.train], minlength=10).tolist() == [8] * 10


def test_kfold_tests_every_track_exactly_once(labels):
    folds = make_splits(labels, protocol="kfold", seed=0)
    tested = np.concatenate([f.test for f in folds])
    assert sorted(tested.tolist()) == list(range(100))
    # and validation is a different part from test in every fold
    assert sorted(np.concatenate([f.val for f in folds]).tolist()) == list(range(100))


def test_authors_protocol_test_sets_overlap(labels):
    """What the authors' code does: independent draws, so "folds" share test clips."""
    folds = make_splits(labels, protocol="authors", seed=0)
    tested = np.concatenate([f.test for f in folds])
    assert len(set(tested.tolist())) < 100


def test_grouped_keeps_groups_on_one_side(rng):
    y = np.repeat(np.arange(4), 30)
    groups = np.array([f"g{i // 3}" for i in range(120)])  # 40 songs, three copies each
    folds = make_splits(y, protocol="grouped", groups=groups, seed=1)
    for f in folds:
        sides = [set(groups[f.train]), set(groups[f.val]), set(groups[f.test])]
        assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(120))


def test_plain_kfold_would_split_groups():
    y = np.repeat(np.arange(4), 30)
    groups = np.array([f"g{i // 3}" for i in range(120)])
    folds = make_splits(y, protocol="kfold", seed=1)
    split = any(set(groups[f.train]) & set(groups[f.test]) for f in folds)
    assert split  # which is why the grouped protocol exists


def test_copies_in_training_counts_test_and_validation_tracks_whose_song_is_trained_on():
    groups = np.array(["a", "a", "b", "c", "c", "d", "e", "e"])
    fold = Fold(train=np.array([0, 3, 5]), val=np.array([4, 6]), test=np.array([1, 2, 7]))
    # test: 1 (a, trained), 2 (b), 7 (e, only in validation); validation: 4 (c, trained), 6 (e)
    assert copies_in_training([fold], groups) == [{"test": 3, "test_copied": 1, "val": 2, "val_copied": 1}]
    y = np.repeat(np.arange(4), 30)
    songs = np.array([f"g{i // 3}" for i in range(120)])  # 40 songs, three copies each
    grouped = copies_in_training(make_splits(y, protocol="grouped", groups=songs, seed=1), songs)
    assert all(r["test_copied"] == 0 and r["val_copied"] == 0 for r in grouped)
    plain = copies_in_training(make_splits(y, protocol="kfold", seed=1), songs)
    assert sum(r["test_copied"] for r in plain) > 0


@pytest.mark.parametrize("protocol", ["authors", "kfold"])
def test_deterministic_for_a_seed(labels, protocol):
    a = make_splits(labels, protocol=protocol, seed=7)
    b = make_splits(labels, protocol=protocol, seed=7)
    c = make_splits(labels, protocol=protocol, seed=8)
    assert all(np.array_equal(x.test, y.test) for x, y in zip(a, b))
    assert not all(np.array_equal(x.test, y.test) for x, y in zip(a, c))


def test_fault_filtered_needs_full_gtzan(gtzan_mini):
    with pytest.raises(DatasetError, match="needs the full GTZAN"):
        make_splits(gtzan_mini.labels, protocol="fault-filtered", tracks=[str(t.path) for t in gtzan_mini.tracks])


def test_fault_filtered_on_a_full_track_list(mirror):
    from bbnn_core.resources import resolve

    names = []
    for part in ("train", "valid", "test"):
        names += resolve(f"reference/gtzan_fault_filtered/{part}_filtered.txt").read_text().split()
    tracks = [f"genres/{n}" for n in sorted(names)] + ["genres/jazz/jazz.00054.wav"]
    y = np.array([0] * len(tracks))
    (fold,) = make_splits(y, protocol="fault-filtered", tracks=tracks)
    assert (len(fold.train), len(fold.val), len(fold.test)) == (443, 197, 290)
    check_folds([fold], len(tracks))


def test_bad_arguments(labels):
    with pytest.raises(ParameterError):
        make_splits(labels, protocol="loo")
    with pytest.raises(ParameterError):
        make_splits(labels, protocol="grouped")
    with pytest.raises(DatasetError, match="at least 10 tracks per class"):
        make_splits(np.repeat(np.arange(3), 5), protocol="kfold")


def test_fault_filtered_part_names_what_the_split_leaves_out(gtzan_mini):
    from bbnn_core.splits import fault_filtered_lists, fault_filtered_part

    lists = fault_filtered_lists()
    assert {k: len(v) for k, v in lists.items()} == {"train": 443, "valid": 197, "test": 290}
    parts = fault_filtered_part([str(t.path) for t in gtzan_mini.tracks])
    out = sorted(t.path.name for t, p in zip(gtzan_mini.tracks, parts) if p is None)
    assert len(out) == 7 and out[0] == "country.00008.wav" and sum(n.startswith("reggae") for n in out) == 4
    # a path in another layout (an .au file, Windows separators) is found by its genre/name
    assert fault_filtered_part(["x\\blues\\blues.00000.au", "rock/rock.99999.wav"])[1] is None
    assert fault_filtered_part([lists["test"][0]]) == ["test"]


@pytest.mark.parametrize("n_folds", [3, 5])
def test_k_folds_validate_on_one_track_in_nine_of_the_others_not_a_whole_part(n_folds):
    """At K=3 a whole part would validate on a third of the clips; the paper's 8/1/1 keeps eight
    ninths of the non-test clips for training, and so does every K (stratified, one per class at
    least); K=10 is the paper's rotation, unchanged. Groups stay on one side."""
    y = np.repeat(np.arange(4), 18)
    for groups in (None, np.arange(len(y)) // 2):  # grouped: pairs of copies
        folds = make_splits(
            y, protocol="grouped" if groups is not None else "kfold", n_folds=n_folds, seed=3, groups=groups
        )
        check_folds(folds, len(y))
        assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(y)))  # each tested once
        for f in folds:
            rest = len(f.train) + len(f.val)
            assert abs(len(f.val) - rest / 9) <= 4 and len(np.unique(y[f.val])) == 4
            if groups is not None:
                assert not set(groups[f.val]) & set(groups[f.train])
    paper = make_splits(y, protocol="kfold", n_folds=10, seed=3)
    assert all(np.array_equal(paper[k].val, paper[(k + 1) % 10].test) for k in range(10))
