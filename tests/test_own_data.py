"""A researcher's own folder-per-class data: bound runs, small sets, names, one-line errors."""

from __future__ import annotations

import dataclasses
import json
import os
import re

import numpy as np
import pytest
from conftest import synthetic_features, tone, write_audio
from test_cli import bbnn

from bbnn_core.errors import RunError
from bbnn_core.metrics import accuracy_ci, summarize_run
from bbnn_core.train import config_for, train

CLASSES = ["accordion", "banjo", "kazoo", "theremin"]  # none of them a GTZAN genre


@pytest.fixture(scope="module")
def four_classes(tmp_path_factory):
    """4 classes x 6 clips of 2 s (distinct pitches), as a user's folder."""
    root = tmp_path_factory.mktemp("own") / "my music"
    for ci, c in enumerate(CLASSES):
        for i in range(6):
            write_audio(root / c / f"take {i}.wav", tone(2.0, freq=150.0 * (ci + 1), seed=i))
    return root


@pytest.fixture
def features(tmp_path):
    return synthetic_features(tmp_path / "feat" / "synthetic.npz")


def _cfg(run_dir, **kw):
    return config_for("smoke", dataset="synthetic", n_folds=3, epochs=1, run_dir=str(run_dir), **kw)


def _subset(fs, keep):
    return dataclasses.replace(
        fs, X=fs.X[keep], y=fs.y[keep], tracks=[fs.tracks[i] for i in keep], groups=[fs.groups[i] for i in keep]
    )


@pytest.mark.slow  # trains
@pytest.mark.parametrize("change", ["deleted", "added", "changed", "relabelled"])
def test_a_run_refuses_to_resume_on_other_data(features, tmp_path, change):
    run = tmp_path / "run"
    keep = [i for i in range(18) if i != 17]
    start = _subset(features, keep)
    train(_cfg(run, folds=(0,)), features=start, progress=False)
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    if change == "deleted":
        other = _subset(features, keep[:-1])
    elif change == "added":
        other = features
    elif change == "changed":
        X = start.X.copy()
        X[3] += 1.0
        other = dataclasses.replace(start, X=X)
    else:
        y = start.y.copy()
        y[0] = 1
        other = dataclasses.replace(start, y=y)
    word = {"deleted": "removed", "added": "added", "changed": "changed", "relabelled": "changed"}[change]
    with pytest.raises(RunError, match=rf"other data: 1 track {word}.*--restart") as err:
        train(_cfg(run, folds=(1,)), features=other, progress=False)
    assert "\n" not in str(err.value)
    assert not (run / "fold1").exists()  # nothing mixed
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before
    # --restart discards the old run and starts on the new data
    train(_cfg(run, folds=(1,)), features=other, progress=False, restart=True)
    assert not (run / "fold0").exists() and (run / "fold1" / "metrics.json").exists()


@pytest.mark.slow  # trains
def test_a_run_of_an_older_bbnn_is_refused_naming_the_migration(features, tmp_path):
    """A split without the per-track record (made before it existed): resuming is one line naming
    results/migrate.py, nothing written; with the record back (what the migration adds) it resumes."""
    run = tmp_path / "run"
    train(_cfg(run, folds=(0,)), features=features, progress=False)
    record = json.loads((run / "splits.json").read_text())
    old = {
        k: v for k, v in record.items() if k not in ("track_digests", "track_profiles", "labels", "dataset_checksum")
    }
    (run / "splits.json").write_text(json.dumps(old))
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    with pytest.raises(RunError, match=r"older bbnn.*results/migrate\.py") as err:
        train(_cfg(run, folds=(1,)), features=features, progress=False)
    assert "\n" not in str(err.value) and {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before
    (run / "splits.json").write_text(json.dumps(record))  # as results/migrate.py writes it back
    train(_cfg(run, folds=(1,)), features=features, progress=False)
    assert (run / "fold1" / "metrics.json").exists()


@pytest.mark.slow  # trains
def test_a_run_resumes_on_features_computed_on_another_cpu(features, tmp_path):
    """Features computed on a CPU of another class differ in their last bits: the run resumes (the
    same audio, within the tolerance), the fold records how its features matched, and evaluate
    says what differs instead of calling it other data."""
    from bbnn_core.runs import provenance_warnings

    run = tmp_path / "run"
    train(_cfg(run, folds=(0,)), features=features, progress=False)
    X = np.nextafter(features.X, np.float32(np.inf))  # every value one unit in the last place up
    train(_cfg(run, folds=(1,)), features=dataclasses.replace(features, X=X), progress=False)
    match = json.loads((run / "fold1" / "provenance.json").read_text())["data_match"]
    assert match["identical"] is False and match["tracks_not_identical"] == len(features)
    assert 0 < match["max_profile_difference_db"] <= 1e-3
    assert json.loads((run / "fold0" / "provenance.json").read_text())["data_match"]["identical"] is True
    [line] = [w for w in provenance_warnings(run) if "features" in w]
    assert line.startswith("folds were trained on features ") and "different machines (folds 0; folds 1)" in line
    assert not any("different data" in w for w in provenance_warnings(run))


def test_restart_refuses_a_folder_that_is_not_a_run(features, tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.tex").write_text("x")
    with pytest.raises(RunError, match="not a run folder"):
        train(_cfg(tmp_path / "precious"), features=features, progress=False, restart=True)
    assert (tmp_path / "precious" / "thesis.tex").exists()


def test_wilson_interval_stays_inside_0_1():
    for correct, n in ((10, 10), (0, 10), (1, 1), (95, 100)):
        ci = accuracy_ci(correct, n)
        assert 0.0 <= ci["ci_low"] <= ci["accuracy"] <= ci["ci_high"] <= 1.0
    ci = accuracy_ci(53, 100)  # hand-computed Wilson score interval
    assert (ci["ci_low"], ci["ci_high"]) == pytest.approx((0.4329, 0.6249), abs=1e-4)


def _smoke_train(data, run) -> tuple:
    """``bbnn train`` arguments for a one-epoch, 3-fold smoke run of the folder ``data``."""
    return (
        "train",
        "--data-dir",
        data,
        "--profile",
        "smoke",
        "--n-folds",
        3,
        "--epochs",
        1,
        "--run-dir",
        run,
        "--quiet",
    )


@pytest.mark.slow  # trains
@pytest.mark.parametrize("protocol", ["kfold", "grouped"])
def test_each_kfold_protocol_trains_a_small_four_class_folder(four_classes, tmp_path, protocol):
    run = tmp_path / "run"
    res = bbnn(
        *_smoke_train(four_classes, run), "--protocol", protocol, "--json", env={"BBNN_CACHE": str(tmp_path / "cache")}
    )
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["folds_done"] == summary["n_folds"] == 3
    assert 0.0 <= summary["test_acc"]["ci_low"] <= summary["test_acc"]["ci_high"] <= 1.0
    assert set(summary["pooled"]["per_class"]) == set(CLASSES)
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["dataset"] == "my music" and cfg["n_folds"] == 3  # named after the folder
    assert "bbnn: training my music" in res.stderr
    assert not list(four_classes.rglob("*.npz"))  # nothing written into the user's data
    assert list((tmp_path / "cache").rglob("my_music-*.npz")) or list((tmp_path / "cache").rglob("my music-*.npz"))


@pytest.mark.parametrize(
    "protocol, message",
    [
        (
            "authors",
            "the authors protocol (stratified random 80/10/10 draws) needs at least 10 tracks per class; "
            "the smallest class, accordion, has 6",
        ),
        ("fault-filtered", "the fault-filtered split needs the full GTZAN"),
    ],
)
def test_protocols_that_cannot_split_a_small_set_say_so_in_one_line(four_classes, tmp_path, protocol, message):
    run = tmp_path / "run"
    res = bbnn(
        "train",
        "--data-dir",
        four_classes,
        "--protocol",
        protocol,
        "--profile",
        "smoke",
        "--n-folds",
        3,
        "--run-dir",
        run,
        "--quiet",
        env={"BBNN_CACHE": str(tmp_path / "cache")},
    )
    lines = [line for line in res.stderr.splitlines() if not line.startswith("bbnn: warning")]
    assert res.returncode == 1 and message in res.stderr
    assert len([line for line in lines if line.startswith("bbnn: error")]) == 1 and "Traceback" not in res.stderr
    assert not run.exists()


def test_kfold_with_too_many_folds_says_how_many_it_can_take(four_classes, tmp_path):
    res = bbnn(
        "train",
        "--data-dir",
        four_classes,
        "--profile",
        "smoke",
        "--run-dir",
        tmp_path / "r",
        "--quiet",
        env={"BBNN_CACHE": str(tmp_path / "cache")},
    )
    assert res.returncode == 1 and "accordion, has 6 (use --n-folds 6 or fewer)" in res.stderr


@pytest.mark.parametrize(
    "folds, code, message",
    [
        ("11", 1, "fold 11 does not exist: this kfold run has folds 0-2"),
        ("a,b", 2, "expected comma-separated fold numbers"),
    ],
)
def test_bad_folds_are_refused_before_anything_is_written(four_classes, tmp_path, folds, code, message):
    run = tmp_path / "run"
    res = bbnn(
        "train",
        "--data-dir",
        four_classes,
        "--profile",
        "smoke",
        "--n-folds",
        3,
        "--folds",
        folds,
        "--run-dir",
        run,
        "--quiet",
        env={"BBNN_CACHE": str(tmp_path / "cache")},
    )
    assert res.returncode == code and message in res.stderr and "Traceback" not in res.stderr
    assert not run.exists()


def test_flat_and_one_class_folders_are_explained(tmp_path):
    flat = tmp_path / "flat"
    for i in range(6):
        write_audio(flat / f"song{i}.wav", tone(0.5, seed=i))
    res = bbnn("validate", flat, "--quiet")
    assert res.returncode == 1
    assert "6 audio files but no class" in res.stderr and "<folder>/<class>/<file>" in res.stderr
    one = tmp_path / "one"
    write_audio(one / "jazz" / "a.wav", tone(0.5))
    res = bbnn("validate", one, "--quiet")
    assert res.returncode == 1 and "needs at least 2 class folders" in res.stderr


def test_text_named_mp3_is_one_line_without_decoder_noise(tmp_path):
    root = tmp_path / "data"
    for c in ("a", "b"):
        write_audio(root / c / "ok.wav", tone(0.5))
    (root / "a" / "fake.mp3").write_text("this is not an mp3\n" * 20)
    res = bbnn("validate", root, "--quiet")
    assert res.returncode == 1
    assert "fake.mp3: a text file, not a " in res.stdout
    assert "pipe" not in res.stdout + res.stderr and "Note:" not in res.stderr


@pytest.mark.slow  # trains
def test_evaluate_without_a_finished_fold_fails(features, tmp_path):
    run = tmp_path / "run"
    train(_cfg(run, folds=(0,)), features=features, progress=False)
    for f in run.glob("fold0/*"):
        f.unlink()
    res = bbnn("evaluate", run)
    assert res.returncode == 1 and "no finished fold yet (0 of 3)" in res.stderr
    res = bbnn("evaluate", tmp_path)
    assert res.returncode == 1 and "is not a run folder" in res.stderr


@pytest.mark.slow  # trains
def test_evaluate_warns_when_folds_were_made_differently(features, tmp_path):
    run = tmp_path / "run"
    train(_cfg(run, folds=(0, 1)), features=features, progress=False)
    for k, change in ((0, {"git_dirty": False}), (1, {"git_commit": "0" * 40, "git_dirty": True})):
        prov = run / f"fold{k}" / "provenance.json"
        p = json.loads(prov.read_text())
        p["sessions"] = [s | {"git_dirty": False} for s in p["sessions"]]
        p["determinism"]["intra_op_threads"] = 1 + k
        # fold 0 made on an AVX-512 BF16 CPU (before sessions recorded theirs), fold 1 started on
        # an AVX2 one and finished on AVX-512
        p["cpu"]["flags"] = ["avx", "avx2", "avx512_bf16", "avx512f", "fma"]
        if k == 0:
            for s in p["sessions"]:
                s.pop("cpu_instruction_set", None)
        else:
            p["sessions"][0]["cpu_instruction_set"] = "avx2"
        prov.write_text(json.dumps(p | change))
    res = bbnn("evaluate", run)
    assert res.returncode == 0
    assert re.search(r"different code .*\(folds 0; folds 1\)", res.stderr)
    assert "thread counts (1 for folds 0; 2 for folds 1)" in res.stderr
    assert re.search(r"folds 1 were trained .*uncommitted", res.stderr)
    assert "(avx512_bf16 for folds 0; avx2+avx512_bf16 for folds 1)" in res.stderr
    assert re.search(r"folds 1 were resumed .*instruction set", res.stderr)


def test_a_short_clip_is_predicted_with_a_warning(mirror, tmp_path):
    f = write_audio(tmp_path / "three seconds.wav", tone(3.0))
    res = bbnn("predict", f, "--model", "authors-gtzan:0", "--quiet")
    assert res.returncode == 0 and res.stdout.startswith(str(f))
    assert "three seconds.wav: 3.0 s is shorter than" in res.stderr
    assert "predicted at its own length" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_a_clip_shorter_than_the_book_measures_is_not_predicted(mirror, tmp_path):
    """A 20 ms click and a 2.9 s clip are each one line and a non-zero exit; the 3 s file beside
    them is predicted. The floor is the shortest excerpt the robustness chapter measures."""
    from bbnn_core.predict import MIN_SECONDS
    from bbnn_core.robustness import CONDITIONS

    assert MIN_SECONDS == min(c.value for c in CONDITIONS if c.factor == "length")
    files = [
        write_audio(tmp_path / "click.wav", tone(0.02)),
        write_audio(tmp_path / "short.wav", tone(2.9)),
        write_audio(tmp_path / "three.wav", tone(3.0)),
    ]
    res = bbnn("predict", *files, "--model", "authors-gtzan:0", "--quiet")
    assert res.returncode == 1 and res.stdout.startswith(str(files[2]))
    errors = [line for line in res.stderr.splitlines() if "too short" in line]
    assert [line.split(": ")[2:4] for line in errors] == [
        [str(files[0]), "0.02 s is too short to predict"],
        [str(files[1]), "2.90 s is too short to predict"],
    ]


def test_feature_cache_follows_the_data(four_classes, tmp_path):
    """The cache describes exactly the tracks asked for, after delete / add / rename / modify /
    corruption, and computes only what is new."""
    import shutil

    from bbnn_core.datasets import load_dataset
    from bbnn_core.features import extract

    root = tmp_path / "data"
    shutil.copytree(four_classes, root)
    cache = tmp_path / "cache"

    def run():
        return extract(load_dataset(root), cache_dir=cache, progress=False)

    first = run()
    assert len(first) == 24
    (root / "banjo" / "take 0.wav").unlink()
    fs = run()
    assert len(fs) == 23 and "banjo/take 0.wav" not in fs.tracks
    assert len(type(fs).load(fs.path)) == 23  # the file on disk, not only the returned object
    write_audio(root / "banjo" / "take 9.wav", tone(2.0, freq=999.0))
    fs = run()
    assert len(fs) == 24 and "banjo/take 9.wav" in fs.tracks
    (root / "banjo" / "take 9.wav").rename(root / "banjo" / "renamed.wav")
    fs = run()
    assert "banjo/renamed.wav" in fs.tracks and "banjo/take 9.wav" not in fs.tracks
    i = fs.tracks.index("kazoo/take 1.wav")
    old_row = fs.X[i].copy()
    write_audio(root / "kazoo" / "take 1.wav", tone(2.0, freq=77.0, seed=5))
    fs = run()
    assert not np.array_equal(fs.X[fs.tracks.index("kazoo/take 1.wav")], old_row)
    # an edit that keeps the size and puts the modification time back is seen (its change time moves)
    path = root / "kazoo" / "take 2.wav"
    row, st = fs.X[fs.tracks.index("kazoo/take 2.wav")].copy(), path.stat()
    write_audio(path, tone(2.0, freq=1234.0, seed=7))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    fs = run()
    assert not np.array_equal(fs.X[fs.tracks.index("kazoo/take 2.wav")], row)
    fs.path.write_bytes(fs.path.read_bytes()[:1000])  # half-written
    again = run()
    assert len(again) == 24 and np.array_equal(again.X, fs.X)


@pytest.mark.slow  # trains
def test_dataset_given_a_folder_is_the_data_dir_and_the_cache_stays_in_the_cache(four_classes, tmp_path):
    run = tmp_path / "run"
    cache = tmp_path / "cache"
    res = bbnn(
        "train",
        "--dataset",
        four_classes,
        "--profile",
        "smoke",
        "--n-folds",
        3,
        "--folds",
        0,
        "--epochs",
        1,
        "--run-dir",
        run,
        "--quiet",
        env={"BBNN_CACHE": str(cache)},
    )
    assert res.returncode == 0, res.stderr
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["dataset"] == "my music" and cfg["data_dir"] == str(four_classes)
    files = list(cache.rglob("*.npz"))
    assert len(files) == 1 and files[0].parent == cache / "features" and files[0].name.startswith("my music-")
    assert not list(four_classes.parent.rglob("*.npz"))  # nothing inside or beside the user's data


@pytest.mark.slow  # trains
def test_the_command_refuses_to_resume_after_a_file_is_deleted(four_classes, tmp_path):
    """End to end, as a user meets it: train, delete a file from the folder, run the same command."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(four_classes, data)
    run, env = tmp_path / "run", {"BBNN_CACHE": str(tmp_path / "cache")}
    args = _smoke_train(data, run)
    assert bbnn(*args, "--folds", 0, env=env).returncode == 0
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    (data / "kazoo" / "take 2.wav").unlink()
    res = bbnn(*args, env=env)
    errors = [line for line in res.stderr.splitlines() if line.startswith("bbnn: error")]
    assert res.returncode == 1 and len(errors) == 1
    assert "1 track removed since (first: kazoo/take 2.wav)" in errors[0]
    assert "--restart" in errors[0] and "Traceback" not in res.stderr
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before  # nothing written, nothing mixed


def test_barely_trained_folds_are_named():
    """First-epoch weights kept, or one class for every test clip: one line each, folds named."""
    import pandas as pd

    from bbnn_core.metrics import training_warnings

    folds = pd.DataFrame({"fold": [0, 1, 2], "best_epoch": [0, 4, 7]})
    preds = pd.DataFrame({"fold": [0, 0, 1, 1, 2, 2], "predicted": ["a", "b", "c", "c", "a", "b"]})
    first, one = training_warnings(folds, preds)
    assert first.startswith("folds 0 ") and "first epoch" in first and one.startswith("folds 1 ") and "one class" in one
    assert training_warnings(folds.assign(best_epoch=3), preds.assign(predicted=list("abcdab"))) == []


@pytest.mark.slow  # trains
def test_predicting_with_first_epoch_weights_says_so(features, tmp_path):
    run = tmp_path / "run"
    train(_cfg(run), features=features, progress=False)  # one epoch: each fold keeps its first
    assert any("first epoch" in w for w in summarize_run(run)["warnings"])
    song = write_audio(tmp_path / "song.wav", tone(5.0))
    res = bbnn("predict", song, "--model", run, "--quiet", "--runtime", "keras")
    assert res.returncode == 0 and res.stdout.startswith(str(song))
    assert "bbnn: warning: run " in res.stderr and "folds 0,1,2 kept the weights" in res.stderr
