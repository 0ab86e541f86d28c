"""musicnn (Pons & Serra 2019), a pretrained music tagger, in Keras 3: its input, its graph and
its released weights, for embeddings beside BBNN.

The weights are the TF1 checkpoints inside the ``musicnn`` 0.1.0 wheel on PyPI (ISC licence). The
wheel is fetched and checked like every reference file (:func:`bbnn_core.resources.resolve`) and
read as the zip it is; it is never pip-installed, because its metadata pins ``numpy<1.17``. Its
own TF1 code does not run on Keras 3; this graph is rebuilt from ``models.py`` layer by layer and
matches the original's outputs on real clips (``tests/test_musicnn.py``, against reference outputs
made by ``results/musicnn_reference.py``). Three details each break it if wrong: TF1's BatchNorm
epsilon (1e-3), the back-end's max and mean pools interleaved feature by feature, and even
kernels padded 'same' as TensorFlow pads them.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .resources import cache_dir, resolve
from .runs import atomic_write

__all__ = [
    "MUSICNN_MODELS",
    "PATCH_FRAMES",
    "musicnn_input",
    "musicnn_weights",
    "build_musicnn",
    "musicnn_embedder",
    "embedder_runtime",
    "MUSICNN_TAGS",
]

WHEEL = "reference/musicnn/musicnn-0.1.0-py3-none-any.whl"
MUSICNN_MODELS = ("MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg")
SR, N_FFT, HOP, N_MELS = 16000, 512, 256, 96  # musicnn's configuration.py
PATCH_FRAMES = 187  # 3 s: librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1
BN_EPSILON = 1e-3  # TF1's tf.compat.v1.layers.batch_normalization default
_MTT = (
    "guitar,classical,slow,techno,strings,drums,electronic,rock,fast,piano,ambient,beat,violin,vocal,synth,female,"
    "indian,opera,male,singing,vocals,no vocals,harpsichord,loud,quiet,flute,woman,male vocal,no vocal,pop,soft,"
    "sitar,solo,man,classic,choir,voice,new age,dance,male voice,female vocal,beats,harp,cello,no voice,weird,country,"
    "metal,female voice,choral"
)
_MSD = (
    "rock,pop,alternative,indie,electronic,female vocalists,dance,00s,alternative rock,jazz,beautiful,metal,chillout,"
    "male vocalists,classic rock,soul,indie rock,Mellow,electronica,80s,folk,90s,chill,instrumental,punk,oldies,blues,"
    "hard rock,ambient,acoustic,experimental,female vocalist,guitar,Hip-Hop,70s,party,country,easy listening,sexy,"
    "catchy,funk,electro,heavy metal,Progressive rock,60s,rnb,indie pop,sad,House,happy"
)
# the 50 tags of each model's output, in its order (musicnn's configuration.py)
MUSICNN_TAGS = {f"{data}_{arch}": tuple((_MTT if data == "MTT" else _MSD).split(",")) for data in ("MTT", "MSD")
                for arch in ("musicnn", "vgg")}  # fmt: skip


def musicnn_input(path: str | os.PathLike, *, y: np.ndarray | None = None) -> np.ndarray:
    """The patches musicnn's extractor feeds its graph, ``(n_patches, 187, 96)`` float32: the file
    at 16 kHz, a 96-band power mel spectrogram (n_fft 512, hop 256), rounded to float16 as musicnn
    does, then ``log10(10000 x + 1)`` computed in float32 (numpy 1's result: numpy 2 keeps float16
    and overflows above 6.55), cut into 3 s patches without overlap (the last partial one dropped).
    ``y``: the samples at 16 kHz instead of reading ``path``."""
    import librosa

    from .audio import load_audio

    if y is None:
        y = load_audio(path, sr=SR)
    mel = librosa.feature.melspectrogram(y=y, sr=SR, hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS).T
    rep = np.log10(10000 * mel.astype(np.float16).astype(np.float32) + 1)
    n = (len(rep) - PATCH_FRAMES) // PATCH_FRAMES + 1
    if n < 1:
        raise ParameterError(f"{path}: shorter than musicnn's 3 s patch ({len(rep)} of {PATCH_FRAMES} frames)")
    return rep[: n * PATCH_FRAMES].reshape(n, PATCH_FRAMES, N_MELS)


def musicnn_weights(name: str) -> dict[str, np.ndarray]:
    """The model tensors of one released musicnn checkpoint, by TF1 variable name (``conv2d/kernel``,
    ``batch_normalization_3/moving_mean``, ...; the optimiser's state left out). Read once from the
    wheel with TensorFlow's checkpoint reader, then kept as ``BBNN_CACHE/musicnn-0.1.0/<name>.npz``
    (so that a JAX process reads them without TensorFlow)."""
    if name not in MUSICNN_MODELS:
        raise ParameterError(f"no musicnn model {name!r} (models: {', '.join(MUSICNN_MODELS)})")
    kept = cache_dir() / "musicnn-0.1.0" / f"{name}.npz"
    if not kept.is_file():
        import tempfile

        import tensorflow as tf

        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(resolve(WHEEL)) as wheel:
            for f in (".index", ".data-00000-of-00001"):  # the checkpoint's files have an empty prefix
                (Path(tmp) / f).write_bytes(wheel.read(f"musicnn/{name}/{f}"))
            reader = tf.compat.v1.train.NewCheckpointReader(tmp + "/")
            tensors = {
                k: reader.get_tensor(k)
                for k in reader.get_variable_to_shape_map()
                if "Adam" not in k and "_power" not in k
            }
        atomic_write(kept, lambda fh: np.savez(fh, **tensors))
    with np.load(kept) as z:
        return {k: z[k] for k in z.files}


def build_musicnn(name: str = "MSD_musicnn", *, weights: bool = True, frames: int = PATCH_FRAMES):
    """One of the released models as a Keras 3 model in inference mode, input ``(batch, frames,
    96)`` patches (:func:`musicnn_input`), output a dict. ``*_musicnn`` (``models.build_musicnn``,
    the 64-filter mid-end and 200-unit back-end): ``taggram`` (50 sigmoid tags), ``logits``,
    ``penultimate`` (200, the embedding), ``mean_pool`` and ``max_pool`` (753, over time).
    ``*_vgg`` (``models.vgg``, 5 layers of 128 3 x 3 filters, 3 s patches only): ``taggram``,
    ``logits`` and ``penultimate`` (256: its last pooling, flattened). ``weights``: load the
    released checkpoint ``name``."""
    if name not in MUSICNN_MODELS:
        raise ParameterError(f"no musicnn model {name!r} (models: {', '.join(MUSICNN_MODELS)})")
    if name.endswith("_vgg"):
        return _build_vgg(name, weights=weights)
    import keras
    from keras import layers, ops

    n_tags = len(MUSICNN_TAGS[name])
    convs: list = []
    norms: list = []

    def conv(x, filters, kernel, padding="valid"):  # created in TF1's order: conv2d, conv2d_1, ...
        layer = layers.Conv2D(filters, kernel, padding=padding, activation="relu")
        convs.append(layer)
        return layer(x)

    def norm(x):  # batch_normalization, batch_normalization_1, ...
        layer = layers.BatchNormalization(epsilon=BN_EPSILON)
        norms.append(layer)
        return layer(x)

    def pad_time(x):  # 3 frames each side: the 7-frame 'valid' convolutions keep the length
        return ops.pad(x, [[0, 0], [3, 3], [0, 0], [0, 0]])

    x = keras.Input((frames, N_MELS))
    inp = norm(ops.expand_dims(x, 3))
    front = []
    for width in (int(0.4 * N_MELS), int(0.7 * N_MELS)):  # timbral: 7 x 38 and 7 x 67
        front.append(ops.max(norm(conv(pad_time(inp), 204, (7, width))), axis=2))
    for length in (128, 64, 32):  # temporal: 128, 64 and 32 frames by 1 band
        front.append(ops.max(norm(conv(inp, 51, (length, 1), padding="same")), axis=2))
    front_out = ops.expand_dims(ops.concatenate(front, axis=2), 3)  # (batch, frames, 561, 1)
    c1 = ops.transpose(norm(conv(pad_time(front_out), 64, (7, 561))), [0, 1, 3, 2])
    c2 = ops.transpose(norm(conv(pad_time(c1), 64, (7, 64))), [0, 1, 3, 2]) + c1
    c3 = ops.transpose(norm(conv(pad_time(c2), 64, (7, 64))), [0, 1, 3, 2]) + c2
    mid = ops.concatenate([front_out, c1, c2, c3], axis=2)  # (batch, frames, 753, 1)
    max_pool, mean_pool = ops.max(mid, axis=1), ops.mean(mid, axis=1)
    pooled = ops.reshape(ops.concatenate([max_pool, mean_pool], axis=2), (-1, 2 * 753))  # interleaved
    dense, out = layers.Dense(200, activation="relu"), layers.Dense(n_tags)
    penultimate = norm(dense(norm(pooled)))
    logits = out(penultimate)
    model = keras.Model(
        x,
        {
            "taggram": ops.sigmoid(logits),
            "logits": logits,
            "penultimate": penultimate,
            "mean_pool": ops.squeeze(mean_pool, 2),
            "max_pool": ops.squeeze(max_pool, 2),
        },
        name=name,
    )
    if weights:
        tensors = musicnn_weights(name)

        def suffix(i):
            return f"_{i}" if i else ""

        for i, layer in enumerate(convs):
            layer.set_weights([tensors[f"conv2d{suffix(i)}/kernel"], tensors[f"conv2d{suffix(i)}/bias"]])
        for i, layer in enumerate(norms):
            key = f"batch_normalization{suffix(i)}/"
            layer.set_weights([tensors[key + k] for k in ("gamma", "beta", "moving_mean", "moving_variance")])
        for i, layer in enumerate((dense, out)):
            layer.set_weights([tensors[f"dense{suffix(i)}/kernel"], tensors[f"dense{suffix(i)}/bias"]])
    return model


def _build_vgg(name: str, *, weights: bool = True):
    """musicnn's ``models.vgg`` with 128 filters: BN, then five of conv 3 x 3 'same' + ReLU, BN,
    max-pooling ((4, 1) then (2, 2) three times, strides 2; then (4, 4), stride 4), flattened
    into the 50 tags' dense layer. Dropout is left out: inference only."""
    import keras
    from keras import layers, ops

    x = keras.Input((PATCH_FRAMES, N_MELS))
    norms = [layers.BatchNormalization(epsilon=BN_EPSILON) for _ in range(6)]
    convs = [layers.Conv2D(128, (3, 3), padding="same", activation="relu") for _ in range(5)]
    pools = [((4, 1), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((4, 4), (4, 4))]
    h = norms[0](ops.expand_dims(x, 3))
    for conv, norm, (size, stride) in zip(convs, norms[1:], pools):
        h = layers.MaxPooling2D(size, strides=stride)(norm(conv(h)))
    flat = ops.reshape(h, (-1, int(np.prod(h.shape[1:]))))  # (batch, 256): 2 x 1 x 128, as TF1 flattens
    out = layers.Dense(len(MUSICNN_TAGS[name]))
    logits = out(flat)
    model = keras.Model(x, {"taggram": ops.sigmoid(logits), "logits": logits, "penultimate": flat}, name=name)
    if weights:
        t = musicnn_weights(name)
        for i, layer in enumerate(convs, 1):
            layer.set_weights([t[f"{i}CNN/kernel"], t[f"{i}CNN/bias"]])
        for i, layer in enumerate(norms):
            key = f"batch_normalization{f'_{i}' if i else ''}/"
            layer.set_weights([t[key + k] for k in ("gamma", "beta", "moving_mean", "moving_variance")])
        out.set_weights([t["dense/kernel"], t["dense/bias"]])
    return model


def embedder_runtime() -> str:
    """What :func:`musicnn_embedder` runs on here: ``openvino-f32`` or ``keras``."""
    import keras

    try:
        import openvino  # noqa: F401
    except ImportError:
        return "keras"
    return "openvino-f32" if keras.backend.backend() == "tensorflow" else "keras"


def musicnn_embedder(name: str):
    """A function from patches ``(n, 187, 96)`` to each patch's ``penultimate`` layer, for
    embeddings: compiled by OpenVINO at f32 where it is installed and the Keras backend is
    TensorFlow (1.85x Keras' speed on this project's CPU, equal within 4e-6: benchmarks/RESULTS.md),
    else the Keras model. Its ``runtime`` attribute says which (the embeddings' cache keys on it)."""
    model = build_musicnn(name)
    if embedder_runtime() == "keras":

        def keras_embed(x):
            return model.predict(x, verbose=0)["penultimate"]

        keras_embed.runtime = "keras"  # type: ignore[attr-defined]
        return keras_embed
    import tempfile

    import openvino as ov

    with tempfile.TemporaryDirectory() as tmp:  # the graph leaves no file behind
        model.export(tmp + "/model", format="tf_saved_model", verbose=False)
        compiled = ov.Core().compile_model(ov.convert_model(tmp + "/model"), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    request = compiled.create_infer_request()
    out = next(o for o in compiled.outputs if "penultimate" in o.get_names())

    def openvino_embed(x):
        return np.array(request.infer({0: np.ascontiguousarray(x, np.float32)})[out])

    openvino_embed.runtime = "openvino-f32"  # type: ignore[attr-defined]
    return openvino_embed
