"""Prediction: windows, ensembles, and the authors' GTZAN models on a real clip."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_audio

from bbnn_core.predict import load_ensemble, predict_files, windows

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
    assert authors.n_models == 10
    assert results[0].top(authors.classes, 1)[0][0] == "blues"
    assert results[1].error and "bad.wav" in results[1].error
    assert results[2].n_windows == 3 and results[2].top(authors.classes, 1)[0][0] == "blues"
    np.testing.assert_allclose(results[0].probs.sum(), 1.0, atol=1e-5)


def test_unknown_model_spec(tmp_path):
    from bbnn_core.errors import RunError

    with pytest.raises(RunError, match="is not a run folder"):
        load_ensemble(tmp_path)


def test_fold_selection(mirror, tmp_path):
    from bbnn_core.errors import ModelError

    two = load_ensemble("authors-gtzan:0,3")
    assert two.n_models == 2 and two.classes[0] == "blues"
    with pytest.raises(ModelError, match="no fold 12"):
        load_ensemble("authors-gtzan:12")
    from bbnn_core.errors import RunError

    (tmp_path / "splits.json").write_text("{}")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(RunError, match="no finished fold 1"):
        load_ensemble(f"{tmp_path}:1")


def test_chunks_stream_in_order_and_match_one_batch(mirror, gtzan_mini, tmp_path):
    from bbnn_core.predict import iter_predictions

    one = load_ensemble("authors-gtzan:0")
    files = [gtzan_mini.root / t.path for t in gtzan_mini.tracks[::25]]
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"")
    paths = [files[0], bad, *files[1:]]
    whole = predict_files(paths, one, progress=False)
    stream = iter_predictions(paths, one, chunk=2, batch_size=3, progress=False)
    first = next(stream)  # available before the later chunks are computed
    assert first.path == str(files[0])
    rest = list(stream)
    assert [r.path for r in [first, *rest]] == [str(p) for p in paths]
    assert rest[0].error and "empty" in rest[0].error
    for a, b in zip(whole, [first, *rest]):
        if a.error is None:
            np.testing.assert_allclose(a.probs, b.probs, atol=1e-5)


def test_expand_inputs_folders_stdin_and_files(tmp_path):
    import io

    from bbnn_core.errors import DatasetError
    from bbnn_core.predict import expand_inputs

    for name in ("b/2.wav", "b/sub/3.FLAC", "a.wav", "b/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    stdin = io.StringIO(f"{tmp_path / 'a.wav'}\n\n/no/such.wav\r\n")
    got = expand_inputs([tmp_path / "b", "-", "missing.wav"], stdin=stdin)
    assert got == [
        str(tmp_path / "b/2.wav"),
        str(tmp_path / "b/sub/3.FLAC"),  # folder: audio only, sorted
        str(tmp_path / "a.wav"),
        "/no/such.wav",  # stdin: blank lines skipped
        "missing.wav",
    ]  # left for iter_predictions to report
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty: folder holds no audio file"):
        expand_inputs([tmp_path / "empty"])
