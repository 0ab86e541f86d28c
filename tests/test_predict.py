"""Prediction: windows, ensembles, and the authors' GTZAN models on a real clip."""

from __future__ import annotations

import numpy as np
import pytest

from bbnn_core.predict import load_ensemble, predict_files, windows
from conftest import write_audio

N = 661_794


@pytest.mark.parametrize("length,expected", [(100, 1), (N, 1), (N + N // 2 - 1, 1), (N + N // 2, 2), (3 * N, 3)])
def test_window_rule(length, expected):
    w = windows(np.zeros(length, np.float32), N)
    assert len(w) == expected and all(x.shape == (N,) for x in w)


@pytest.fixture(scope="module")
def authors(mirror):
    return load_ensemble("authors-gtzan")


def test_authors_gtzan_ensemble_puts_blues_first(authors, gtzan_mini, tmp_path):
    import soundfile as sf

    blues = gtzan_mini.root / "genres/blues/blues.00000.wav"
    y, sr = sf.read(blues, dtype="float32")
    long = write_audio(tmp_path / "long_blues.wav", np.concatenate([y, y, y[: sr * 20]]), sr)
    bad = tmp_path / "bad.wav"
    bad.write_text("nope")
    results = predict_files([blues, bad, long], authors, progress=False)
    assert len(authors.models) == 10
    assert results[0].top(authors.classes, 1)[0][0] == "blues"
    assert results[1].error and "bad.wav" in results[1].error
    assert results[2].n_windows == 3 and results[2].top(authors.classes, 1)[0][0] == "blues"
    np.testing.assert_allclose(results[0].probs.sum(), 1.0, atol=1e-5)


def test_unknown_model_spec(tmp_path):
    from bbnn_core.errors import ModelError

    with pytest.raises(ModelError, match="run folder"):
        load_ensemble(tmp_path)
