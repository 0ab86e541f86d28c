"""The model: exactly the authors' graph, and their weights carried faithfully."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from bbnn_core.errors import ModelError, ParameterError


@pytest.fixture(scope="module")
def model():
    from bbnn_core.model import build_bbnn

    return build_bbnn()


def test_parameter_counts_match_the_paper(model):
    from bbnn_core.model import count_params

    assert count_params(model) == {"total": 190_826, "trainable": 185_642, "without_bn": 180_458}


def test_shapes_follow_table_1(model):
    shape = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shape["stem_pool"] == (161, 128, 32)
    assert shape["bm1_broadcast_concat"] == (161, 128, 160)
    assert shape["bm2_broadcast_concat"] == (161, 128, 288)
    assert shape["bm3_broadcast_concat"] == (161, 128, 416)
    assert shape["bm1_inception_concat"] == (161, 128, 128)
    assert shape["transition_pool"] == (80, 64, 32)
    assert shape["classifier"] == (10,)


def _flops_by_hand(frames: int, mels: int, n_blocks: int, f: int, n_classes: int) -> int:
    """2 x MACs, written out from Table 1 independently of the layer walk."""
    stem = frames * mels * 9 * 1 * f
    pos = (frames // 4) * mels  # after MaxPool(4x1)
    blocks, cin = 0, f
    for _ in range(n_blocks):
        blocks += pos * (4 * cin * f + 9 * f * f + 25 * f * f)  # four 1x1 on the input, 3x3, 5x5
        cin += 4 * f
    transition = pos * cin * f
    return 2 * (stem + blocks + transition + f * n_classes)


def test_flops_per_clip(model):
    from bbnn_core.model import build_bbnn, count_flops

    assert count_flops(model) == _flops_by_hand(647, 128, 3, 32, 10) == 7_433_609_856
    small = build_bbnn((40, 16, 1), n_classes=4, n_blocks=1, filters=4)
    assert count_flops(small) == _flops_by_hand(40, 16, 1, 4, 4)
    any_length = build_bbnn((None, 128, 1))
    assert count_flops(any_length, n_frames=647) == count_flops(model)
    assert count_flops(any_length, n_frames=160) == _flops_by_hand(160, 128, 3, 32, 10)
    with pytest.raises(ParameterError, match="n_frames"):
        count_flops(any_length)


def test_layer_names_read_like_the_paper(model):
    names = {layer.name for layer in model.layers}
    for expected in (
        "stem_conv",
        "bm1_branch3x3_conv",
        "bm3_branch5x5_reduce_conv",
        "bm2_pool_proj_conv",
        "transition_conv",
        "head_gap",
        "classifier",
    ):
        assert expected in names


def test_no_dropout_no_regularisers(model):
    import keras

    assert not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
    assert all(getattr(layer, "kernel_regularizer", None) is None for layer in model.layers)


def test_other_sizes_build():
    from bbnn_core.model import build_bbnn

    m = build_bbnn((64, 32, 1), n_classes=13, n_blocks=2, filters=8)
    assert m.output_shape == (None, 13)
    out = m.predict(np.zeros((2, 64, 32, 1), "float32"), verbose=0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"input_shape": (647, 128)},
        {"input_shape": (4, 128, 1)},
        {"n_classes": 1},
        {"n_blocks": 0},
        {"filters": 2.5},
        {"bn_momentum": 1.0},
    ],
)
def test_bad_arguments_raise_parameter_error(kwargs):
    from bbnn_core.model import build_bbnn

    with pytest.raises(ParameterError):
        build_bbnn(**kwargs)


@pytest.fixture(scope="module")
def real_batch(gtzan_mini_features):
    # one clip of each of four genres: real log-mel input
    idx = [0, 25, 55, 95]
    return gtzan_mini_features.X[idx][..., None]


@pytest.mark.parametrize("dataset,fold", [("gtzan", 0), ("gtzan", 7), ("extended_ballroom", 0)])
def test_authors_weights_reproduce_their_outputs(dataset, fold, real_batch):
    import keras

    from bbnn_core.model import load_authors_model
    from bbnn_core.resources import authors_model_path

    path = authors_model_path(dataset, fold)
    ours = load_authors_model(path)
    theirs = keras.models.load_model(path, compile=False)
    assert ours.output_shape == theirs.output_shape == (None, 13 if dataset == "extended_ballroom" else 10)
    a = ours.predict(real_batch, verbose=0)
    b = theirs.predict(real_batch, verbose=0)
    assert np.abs(a - b).max() <= 1e-5


def test_all_ten_gtzan_folds_load(mirror):
    from bbnn_core.model import load_authors_model
    from bbnn_core.resources import authors_model_path

    for fold in range(10):
        assert load_authors_model(authors_model_path("gtzan", fold)).count_params() == 190_826


def test_load_authors_model_rejects_non_bbnn(tmp_path):
    from bbnn_core.model import build_bbnn, load_authors_model

    with pytest.raises(ModelError, match="no such file"):
        load_authors_model(tmp_path / "nothing.hdf5")
    junk = tmp_path / "junk.hdf5"
    junk.write_text("not a model")
    with pytest.raises(ModelError, match="junk.hdf5"):
        load_authors_model(junk)
    other = build_bbnn((64, 32, 1), n_blocks=2, filters=8)
    other.save(tmp_path / "small.h5")
    with pytest.raises(ModelError, match="not a BBNN model"):
        load_authors_model(tmp_path / "small.h5")


def test_builds_and_runs_on_jax_backend():
    pytest.importorskip("jax")
    code = textwrap.dedent("""
        import numpy as np, keras
        assert keras.backend.backend() == "jax"
        from bbnn_core.model import build_bbnn, count_params
        m = build_bbnn()
        assert count_params(m)["total"] == 190826
        out = m.predict(np.zeros((1, 647, 128, 1), "float32"), verbose=0)
        assert out.shape == (1, 10)
        import sys; assert "tensorflow" not in sys.modules, "jax path imported tensorflow"
        print("ok")
    """)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().endswith("ok")


def test_batchnorm_statistics_re_estimated_then_restored():
    """Within the block each BatchNormalization layer holds the mean of its batch statistics over
    the clips given; after it, the moving statistics and momenta are back, bit for bit."""
    import keras

    from bbnn_core.model import batchnorm_statistics_of, build_bbnn

    m = build_bbnn((64, 32, 1), n_classes=3, n_blocks=1, filters=4)
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(12, 64, 32, 1)).astype("float32")
    stem = m.get_layer("stem_bn")
    before = [
        (b.moving_mean.numpy().copy(), b.moving_variance.numpy().copy(), b.momentum)
        for b in m.layers
        if isinstance(b, keras.layers.BatchNormalization)
    ]
    conv = keras.Model(m.input, m.get_layer("stem_conv").output)
    batches = [conv(X[i : i + 5]).numpy() for i in (0, 5, 10)]  # batch size 5: 5 + 5 + 2 clips
    with batchnorm_statistics_of(m, X, batch_size=5):
        expected = np.mean([b.mean(axis=(0, 1, 2)) for b in batches], axis=0)
        np.testing.assert_allclose(stem.moving_mean.numpy(), expected, rtol=1e-4, atol=1e-5)
        assert not np.allclose(stem.moving_mean.numpy(), before[0][0])
    after = [
        (b.moving_mean.numpy(), b.moving_variance.numpy(), b.momentum)
        for b in m.layers
        if isinstance(b, keras.layers.BatchNormalization)
    ]
    for (m0, v0, k0), (m1, v1, k1) in zip(before, after):
        assert np.array_equal(m0, m1) and np.array_equal(v0, v1) and k0 == k1
