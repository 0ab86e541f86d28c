"""Linear probes on pretrained embeddings (bbnn_core.probe) and ``bbnn train --method probe``."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import tone, write_audio


@pytest.mark.parametrize("n_classes", [2, 4])
def test_the_stored_classifier_gives_scikit_learns_probabilities(n_classes):
    """probe.json holds numbers, not a pickle: read back, they give what scikit-learn's fitted
    model gives, also in its binary case (one column of weights) and with a class absent from
    the training part (probability 0)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from bbnn_core.probe import apply_probe, probe_fold
    from bbnn_core.splits import Fold

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(n_classes), 10)
    E = rng.normal(size=(len(y), 6)) + y[:, None]
    fold = Fold(train=list(range(0, len(y), 2)), val=list(range(1, len(y), 4)), test=list(range(3, len(y), 4)))
    metrics, classifier, probs = probe_fold(E, y, fold, n_classes)
    scaler = StandardScaler().fit(E[fold.train])
    clf = LogisticRegression(C=classifier["C"], max_iter=5000).fit(scaler.transform(E[fold.train]), y[fold.train])
    np.testing.assert_allclose(probs, clf.predict_proba(scaler.transform(E[fold.test])), atol=1e-9)
    assert metrics["test_acc"] == np.mean(probs.argmax(1) == y[fold.test])
    absent = {**classifier, "classes": [c + 1 for c in classifier["classes"]]}  # class 0 never seen
    assert (apply_probe(absent, E[:3], n_classes + 1)[:, 0] == 0).all()


def test_embeddings_are_cached_by_content(monkeypatch, tmp_path):
    """The second call reads the cache; changed features (other audio) miss it."""
    import bbnn_core.probe as probe
    from bbnn_core.features import FeatureSet

    monkeypatch.setenv("BBNN_CACHE", str(tmp_path))
    fs = FeatureSet(X=np.zeros((2, 4, 3), "float32"), y=np.array([0, 1]), tracks=["a.wav", "b.wav"],
                    groups=["a", "b"], classes=["x", "y"], dataset="tiny")  # fmt: skip
    calls = []

    def embedder(name):
        def run(x):
            calls.append(1)
            return np.ones((1, 200), "float32")

        run.runtime = "keras"
        return run

    monkeypatch.setattr("bbnn_core.musicnn.musicnn_embedder", embedder)
    monkeypatch.setattr("bbnn_core.musicnn.musicnn_input", lambda path: np.zeros((1, 187, 96), "float32"))
    first = probe.embed(fs, "musicnn-msd", root=tmp_path)
    assert first.shape == (2, 200) and len(calls) == 2
    assert (probe.embed(fs, "musicnn-msd", root=tmp_path) == first).all() and len(calls) == 2
    changed = dataclasses.replace(fs, X=np.ones((2, 4, 3), "float32"))
    probe.embed(changed, "musicnn-msd", root=tmp_path)
    assert len(calls) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "probe"], "--method probe needs an --embedding"),
        (["--embedding", "musicnn-msd"], "--embedding goes with --method probe"),
    ],
)
def test_a_probe_without_its_embedding_is_one_line(args, message, tmp_path):
    res = subprocess.run([sys.executable, "-m", "bbnn_core.cli", "train", *args], capture_output=True, text=True,
                         cwd=tmp_path, timeout=600)  # fmt: skip
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and message in res.stderr, res.stderr


@pytest.mark.slow
def test_a_probe_run_on_a_small_set_of_ones_own(tmp_path):
    """``bbnn train --method probe`` on 4 classes of 6 clips with --n-folds 3: a run like any other
    (bbnn evaluate reads it), on the same folds as BBNN's run of the same data and seed."""
    music = tmp_path / "my_music"
    for c, name in enumerate(["accordion", "banjo", "kazoo", "theremin"]):
        for i in range(6):
            write_audio(music / name / f"{i}.wav", tone(3.5, freq=150.0 * (c + 1), seed=i))

    def bbnn(*args):
        res = subprocess.run([sys.executable, "-m", "bbnn_core.cli", *args], capture_output=True, text=True,
                             cwd=tmp_path, timeout=1800)  # fmt: skip
        assert res.returncode == 0, res.stderr[-2000:]
        return res.stdout

    out = bbnn("train", "--data-dir", str(music), "--method", "probe", "--embedding", "musicnn-msd",
               "--n-folds", "3", "--json", "-q")  # fmt: skip
    summary = json.loads(out)
    run = tmp_path / summary["run_dir"]
    assert run.name == "my_music-kfold-probe-musicnn-msd-seed0"
    assert summary["method"] == "probe" and summary["folds_done"] == 3 and summary["test_acc"]["n_clips"] == 24
    assert summary["test_acc"]["pooled"] >= 0.9  # four tones an octave apart
    probe = json.loads((run / "fold0" / "probe.json").read_text())
    assert probe["embedding"] == "musicnn-msd" and np.asarray(probe["coef"]).shape == (4, 200)
    assert "probe(musicnn-msd)" in bbnn("evaluate", str(run))
    write_audio(tmp_path / "new.flac", tone(5.0, freq=300.0), format="FLAC")  # banjo's pitch
    write_audio(tmp_path / "short.wav", tone(1.0, freq=300.0))
    res = subprocess.run([sys.executable, "-m", "bbnn_core.cli", "predict", "--model", str(run), "--top", "1",
                          str(tmp_path / "new.flac"), str(tmp_path / "short.wav")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=1800)  # fmt: skip
    assert res.returncode == 1 and res.stdout.startswith(f"{tmp_path / 'new.flac'}\tbanjo "), res
    assert "short.wav: 1.00 s is too short" in res.stderr
    res = subprocess.run([sys.executable, "-m", "bbnn_core.cli", "robustness", "--model", str(run), str(music)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)  # fmt: skip
    assert res.returncode == 1 and "is a probe run" in res.stderr
    bbnn("train", "--data-dir", str(music), "--profile", "smoke", "--n-folds", "3", "-q")
    theirs = json.loads((tmp_path / "runs" / "my_music-kfold-smoke-seed0" / "splits.json").read_text())
    assert json.loads((run / "splits.json").read_text())["folds"] == theirs["folds"]


def test_the_committed_probe_runs_notes_state_what_their_files_say():
    """Each committed probe run's NOTE.md is written by hand: the clips it gets right and, against
    the paper run on the same test clips, the clips each gets right alone, are what its files say."""
    import re

    from bbnn_core.baseline import paired_runs
    from bbnn_core.metrics import summarize_run

    results = Path(__file__).resolve().parents[1] / "results"
    probes = sorted(results.glob("gtzan_mini-kfold-probe-*-seed0"))
    assert [p.name.split("-probe-")[1] for p in probes] == ["bbnn-eb-seed0", "musicnn-msd-seed0", "musicnn-mtt-seed0"]
    for path in probes:
        note = " ".join((path / "NOTE.md").read_text().split())
        acc = summarize_run(path)["test_acc"]
        paired = paired_runs(results / "gtzan_mini-kfold-paper-seed0", path)
        said = re.search(
            r"It gets (\d+) of (\d+) clips .* it gets (\d+) clips right where BBNN is wrong, (\d+) the other", note
        )
        assert said and [int(x) for x in said.groups()] == [
            acc["correct"],
            acc["n_clips"],
            paired["other_only"],
            paired["run_only"],
        ], path.name
