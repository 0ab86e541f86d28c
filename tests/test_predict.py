"""Prediction: windows, ensembles, and the authors' GTZAN models on a real clip."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_audio

from bbnn_core.predict import load_ensemble, predict_files, windows

N = 661_794


@pytest.mark.parametrize(
    "length,shapes", [(100, [100]), (N, [N]), (N + N // 2 - 1, [N]), (N + N // 2, [N, N]), (3 * N, [N, N, N])]
)
def test_window_rule(length, shapes):
    y = np.arange(length, dtype=np.float32)
    w = windows(y, N)
    assert [x.shape[0] for x in w] == shapes
    n_full = length // N
    assert [x[0] for x in w[:n_full]] == [k * N for k in range(n_full)]  # the full windows, in order
    if 0 < n_full < len(w):  # what is left over counts as the file's last N samples (no silence added)
        assert w[-1][0] == length - N and w[-1][-1] == length - 1
    # a file shorter than the shortest input the network takes is padded with silence to it
    short = windows(y[:50], N, min_samples=80)[0]
    assert short.shape == (80,) and np.all(short[50:] == 0) and np.array_equal(short[:50], y[:50])


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
    with pytest.raises(RunError, match="authors-gtzn does not exist"):  # a typo of a name or a path
        load_ensemble("authors-gtzn")


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
    with pytest.raises(DatasetError, match="empty: folder holds no audio"):
        expand_inputs([tmp_path / "empty"])


def test_a_short_file_is_predicted_at_its_own_length(mirror, gtzan_mini, tmp_path):
    """A 10 s excerpt goes to the model as 10 s (no silence added), in the same chunk as a full
    clip; its probabilities are the Keras model's on the excerpt's own spectrogram."""
    from dataclasses import replace

    import soundfile as sf

    from bbnn_core.features import PAPER_PARAMS, spectrogram
    from bbnn_core.runtime import KerasRunner

    one = load_ensemble("authors-gtzan:0", precision="f32")
    clip = gtzan_mini.root / "genres/disco/disco.00000.wav"
    y, sr = sf.read(clip, dtype="float32")
    short = write_audio(tmp_path / "ten seconds.wav", y[: 10 * sr], sr)
    res_short, res_clip = predict_files([short, clip], one, progress=False)
    assert res_short.n_windows == 1 and res_clip.n_windows == 1
    assert "10.0 s is shorter than the 30" in res_short.note and "own length" in res_short.note
    assert res_clip.note is None
    x = spectrogram(y[: 10 * sr], replace(PAPER_PARAMS, n_samples=10 * sr))
    assert x.shape[0] == 1 + 10 * sr // PAPER_PARAMS.hop_length  # 216 frames, not 647
    keras_probs = KerasRunner([one.loader(one.files[0])])(x[None, ..., None])[0, 0]
    np.testing.assert_allclose(res_short.probs, keras_probs, atol=1e-5)
    # padding it with silence to 30 s, the old rule, gives another input and other probabilities
    padded = spectrogram(np.concatenate([y[: 10 * sr], np.zeros(N - 10 * sr, np.float32)]), PAPER_PARAMS)
    assert np.abs(one.probabilities(padded[None, ..., None])[0] - res_short.probs).max() > 1e-3
