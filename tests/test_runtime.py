"""Inference runtimes: OpenVINO gives Keras' answers (f32: the probabilities; bf16: the genre of
every gtzan_mini clip for every one of the authors' models), converted graphs are cached by the
models' contents, and without OpenVINO `bbnn predict` runs on Keras with one line saying so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import without_module

from bbnn_core.model import build_bbnn, load_authors_model
from bbnn_core.resources import authors_model_path
from bbnn_core.runtime import KerasRunner, make_runner, native_bf16

pytest.importorskip("openvino")

REFERENCE = Path(__file__).parent / "data" / "authors_gtzan_mini_probs.npz"


@pytest.fixture(scope="module")
def reference(gtzan_mini_features):
    with np.load(REFERENCE) as z:
        assert list(z["tracks"]) == gtzan_mini_features.tracks
        return z["probs"]  # (100 clips, 10 models, 10 genres), Keras float32


@pytest.fixture(scope="module")
def files(mirror):
    return [authors_model_path("gtzan", k) for k in range(10)]


SAMPLE = slice(0, 100, 20)  # five clips, one per two genres


def test_the_reference_is_what_keras_computes(reference, files, gtzan_mini_features):
    X = gtzan_mini_features.X[SAMPLE, ..., None]
    spot = [0, 9]  # a spot check of the committed file: two models, five clips
    keras_probs = KerasRunner([load_authors_model(files[k]) for k in spot])(X)
    np.testing.assert_allclose(keras_probs, reference[SAMPLE][:, spot], atol=2e-6)


def test_openvino_f32_gives_the_keras_probabilities(reference, files, gtzan_mini_features):
    runner = make_runner(files, load_authors_model, runtime="openvino", precision="f32")
    assert runner.runtime == "openvino" and runner.n_models == 10
    got = runner(gtzan_mini_features.X[SAMPLE, ..., None])
    np.testing.assert_allclose(got, reference[SAMPLE], atol=2e-5)


def test_bf16_predicts_the_f32_genre_for_every_clip_and_model(reference, files, gtzan_mini_features):
    """Where the CPU computes bf16 natively, on all 100 clips; elsewhere the five sampled clips
    suffice (on an AVX2 CPU the plugin computed in f32 despite the hint: probabilities identical to
    the f32 graph's)."""
    runner = make_runner(files, load_authors_model, runtime="openvino", precision="bf16")
    clips = slice(None) if native_bf16() else SAMPLE
    got = runner(gtzan_mini_features.X[clips, ..., None])
    assert got.shape == reference[clips].shape
    assert (got.argmax(2) == reference[clips].argmax(2)).all()  # clips x 10 models
    assert np.abs(got - reference[clips]).max() < 0.1  # it does move the probabilities (about 0.05)


def test_the_converted_graph_is_cached_by_the_models_contents(tmp_path, monkeypatch):
    monkeypatch.setenv("BBNN_CACHE", str(tmp_path / "cache"))
    import keras

    def small(seed):
        keras.utils.set_random_seed(seed)
        return build_bbnn((647, 128, 1), n_classes=3, n_blocks=1, filters=4)

    paths = [tmp_path / f"m{k}.keras" for k in range(2)]
    for k, p in enumerate(paths):
        small(k).save(p)

    def load(p):
        return keras.models.load_model(p, compile=False)

    first = make_runner(paths, load, runtime="openvino", precision="f32")
    again = make_runner(paths, load, runtime="openvino", precision="bf16")
    assert first.convert_seconds is not None and again.convert_seconds is None  # converted once
    assert len(list((tmp_path / "cache" / "openvino").glob("ensemble-*.xml"))) == 1
    x = np.random.default_rng(0).normal(-40, 10, (3, 647, 128, 1)).astype(np.float32)
    expected = KerasRunner([load(p) for p in paths])(x)
    np.testing.assert_allclose(first(x), expected, atol=2e-5)
    # another model file (same name, other weights) is another graph, not the stale one
    small(7).save(paths[1])
    changed = make_runner(paths, load, runtime="openvino", precision="f32")
    assert changed.convert_seconds is not None
    np.testing.assert_allclose(changed(x), KerasRunner([load(p) for p in paths])(x), atol=2e-5)


def test_the_graph_cache_full_or_read_only(tmp_path, monkeypatch):
    """A full disk while the graph is written: one NoSpaceError naming the cache, no temporary
    file left, and the next run (room again) converts. A cache this user cannot write: the graph
    is converted into a temporary folder and predicts as Keras does, nothing written to the cache."""
    import errno

    import keras

    import bbnn_core.runtime as runtime
    from bbnn_core.errors import NoSpaceError

    cache = tmp_path / "cache"
    monkeypatch.setenv("BBNN_CACHE", str(cache))
    keras.utils.set_random_seed(0)
    paths = [tmp_path / "m.keras"]
    build_bbnn((647, 128, 1), n_classes=3, n_blocks=1, filters=4).save(paths[0])

    def load(p):
        return keras.models.load_model(p, compile=False)

    real = runtime.ensemble_graph

    class Full:
        def __init__(self, models):
            self.graph = real(models)

        def export(self, path, **kw):
            Path(path).write_text("<net")  # half-written, then the disk is full
            Path(path).with_suffix(".bin").write_bytes(bytes(10))
            raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(runtime, "ensemble_graph", Full)
    with pytest.raises(NoSpaceError, match=f"writing {cache}/openvino .*MB left"):
        make_runner(paths, load, runtime="openvino", precision="f32")
    assert not [p for p in (cache / "openvino").iterdir() if p.is_file()]

    class ReadOnly(Full):
        def export(self, path, **kw):
            if str(cache) in str(path):
                raise PermissionError(errno.EACCES, "Permission denied", path)
            return self.graph.export(path, **kw)

    monkeypatch.setattr(runtime, "ensemble_graph", ReadOnly)
    runner = make_runner(paths, load, runtime="openvino", precision="f32")
    assert runner.convert_seconds is not None and not list((cache / "openvino").glob("ensemble-*"))
    x = np.random.default_rng(0).normal(-40, 10, (2, 647, 128, 1)).astype(np.float32)
    np.testing.assert_allclose(runner(x), KerasRunner([load(p) for p in paths])(x), atol=2e-5)
    monkeypatch.setattr(runtime, "ensemble_graph", real)  # room again, writable: converted and cached
    assert make_runner(paths, load, runtime="openvino", precision="f32").convert_seconds is not None
    assert len(list((cache / "openvino").glob("ensemble-*.xml"))) == 1


NO_OPENVINO = without_module("openvino", "no OpenVINO wheel for this (simulated) platform") + textwrap.dedent("""
    from bbnn_core.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_without_openvino_predict_runs_on_keras_and_says_so(gtzan_mini):
    clip = gtzan_mini.root / "genres" / "blues" / "blues.00000.wav"
    res = subprocess.run(
        [sys.executable, "-c", NO_OPENVINO, "predict", str(clip), "--model", "authors-gtzan:0", "--top", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert res.returncode == 0, res.stderr
    [line] = res.stderr.strip().splitlines()
    assert line.startswith("bbnn: OpenVINO is not installed ") and line.endswith(" on Keras (slower)")
    assert res.stdout.startswith(f"{clip}\tblues ")
