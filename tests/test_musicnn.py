"""musicnn in Keras 3 against the original TF1 graph's outputs (tests/data/musicnn_reference.npz,
made by tests/data/make_musicnn_reference.py in a throwaway environment), on real clips."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).with_name("data") / "musicnn_reference.npz"
CLIPS = ("blues.00000", "classical.00000", "metal.00000")


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as z:
        return {k: z[k] for k in z.files}


def test_the_input_is_musicnns(mirror, reference):
    """Our patches of a clip are musicnn's: 10 patches of 187 frames by 96 bands for a 30 s clip
    (the reference keeps the first and the last), equal but where a value sits on a float16
    rounding boundary."""
    from bbnn_core.musicnn import musicnn_input

    for clip in CLIPS:
        ours = musicnn_input(mirror / "datasets" / "gtzan_mini" / "genres" / clip.split(".")[0] / f"{clip}.wav")
        theirs = reference[f"{clip}/input"]
        assert ours.shape == (10, 187, 96) and theirs.shape == (2, 187, 96)
        ours = ours[[0, -1]]
        assert np.abs(ours - theirs).max() < 1e-3
        assert np.mean(ours == theirs) > 0.99


@pytest.mark.parametrize("name", ["MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"])
def test_the_released_models_give_the_original_graphs_outputs(name, reference):
    """Fed the original's own input patches, the four released models give its tags and
    penultimate layer (the musicnn models also its pools) to 1e-4 (relative or absolute), on two
    patches of each of three clips."""
    from bbnn_core.musicnn import MUSICNN_TAGS, build_musicnn

    model = build_musicnn(name)
    assert len(MUSICNN_TAGS[name]) == 50
    for clip in CLIPS:
        out = model.predict(reference[f"{clip}/input"], verbose=0)
        np.testing.assert_allclose(out["taggram"], reference[f"{name}/{clip}/taggram"], atol=1e-5)
        np.testing.assert_allclose(out["penultimate"], reference[f"{name}/{clip}/penultimate"], rtol=1e-4, atol=1e-4)
        for pool in ("mean_pool", "max_pool") if name.endswith("musicnn") else ():
            np.testing.assert_allclose(out[pool], reference[f"{name}/{clip}/{pool}"], rtol=1e-4, atol=1e-4)


def test_on_jax_the_same_outputs_without_tensorflow(reference, tmp_path):
    """The JAX backend (the GPU path) gives the same taggram, and once the weights are unpacked
    into the cache it never imports TensorFlow."""
    pytest.importorskip("jax")
    from bbnn_core.musicnn import musicnn_weights

    musicnn_weights("MSD_musicnn")  # unpacked here, with TensorFlow, into BBNN_CACHE
    np.save(tmp_path / "x.npy", reference["blues.00000/input"])
    code = textwrap.dedent(f"""
        import sys, numpy as np, keras
        assert keras.backend.backend() == "jax"
        from bbnn_core.musicnn import build_musicnn
        out = build_musicnn("MSD_musicnn").predict(np.load({str(tmp_path / "x.npy")!r}), verbose=0)
        np.save({str(tmp_path / "tags.npy")!r}, out["taggram"])
        assert "tensorflow" not in sys.modules, "the jax path imported tensorflow"
    """)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stderr[-2000:]
    tags = np.load(tmp_path / "tags.npy")
    np.testing.assert_allclose(tags, reference["MSD_musicnn/blues.00000/taggram"], atol=1e-5)


def test_a_clip_shorter_than_a_patch_is_one_error_naming_it(tmp_path):
    from bbnn_core.errors import ParameterError
    from bbnn_core.musicnn import musicnn_input

    with pytest.raises(ParameterError, match=r"short.wav: shorter than musicnn's 3 s patch"):
        musicnn_input(tmp_path / "short.wav", y=np.zeros(16000, "float32"))


def test_the_embedder_on_openvino_gives_keras_penultimate_layer(reference):
    """Embeddings run on OpenVINO (f32) where it is installed: the same penultimate layer as the
    Keras model within 1e-4, and a runtime name the embeddings' cache keys on."""
    pytest.importorskip("openvino")
    from bbnn_core.musicnn import build_musicnn, embedder_runtime, musicnn_embedder

    embed = musicnn_embedder("MSD_musicnn")
    assert embed.runtime == embedder_runtime() == "openvino-f32"
    x = reference["metal.00000/input"]
    keras_out = build_musicnn("MSD_musicnn").predict(x, verbose=0)["penultimate"]
    np.testing.assert_allclose(embed(x), keras_out, atol=1e-4)
    np.testing.assert_allclose(embed(x), reference["MSD_musicnn/metal.00000/penultimate"], rtol=1e-4, atol=1e-4)
