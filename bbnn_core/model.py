"""The Bottom-up Broadcast Neural Network, exactly as the authors built it.

The graph follows the authors' released Keras models (checked layer by layer against
``GTZAN_2048_1/model/*_fold_GTZAN_model.hdf5``), which agree with the paper's Table 1:

* stem: Conv2D(32, 3x3, same) -> BN -> ReLU -> MaxPool(4x1), time axis only (647 -> 161 frames);
* Broadcast Module: ``n_blocks`` Inception blocks with dense connectivity,
  ``x = concat([x, inception(x)])``, channels 32 -> 160 -> 288 -> 416;
* Inception block: every convolution is pre-activated (BN -> ReLU -> Conv2D, 32 filters, same),
  each branch with its own BN on the block input: 1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 |
  MaxPool(3x3, stride 1) -> 1x1, concatenated to 128 channels;
* transition: BN -> ReLU -> Conv2D(32, 1x1) -> AveragePool(2x2);
* head: BN -> ReLU -> GlobalAveragePooling2D -> Dense(n_classes, softmax).

No dropout, no weight decay. For (647, 128, 1) and 10 classes: 190,826 parameters, 185,642
trainable, 180,458 outside BatchNormalization (the paper's "Total Params").

Only backend-neutral Keras is used, so the model builds under ``KERAS_BACKEND`` tensorflow, jax
or torch.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import keras
from keras import layers

from .errors import ModelError, ParameterError

__all__ = [
    "INPUT_SHAPE",
    "build_bbnn",
    "load_authors_model",
    "open_time",
    "count_params",
    "count_flops",
    "batchnorm_statistics_of",
]

INPUT_SHAPE = (647, 128, 1)


def _bn_relu_conv(
    x, filters: int, kernel: int, prefix: str, created: list, padding: str = "same", momentum: float = 0.99
):
    bn = layers.BatchNormalization(momentum=momentum, name=f"{prefix}_bn")
    relu = layers.Activation("relu", name=f"{prefix}_relu")
    conv = layers.Conv2D(filters, (kernel, kernel), padding=padding, name=f"{prefix}_conv")
    created.extend([bn, conv])
    return conv(relu(bn(x)))


def _inception(x, filters: int, prefix: str, created: list, momentum: float):
    a = _bn_relu_conv(x, filters, 1, f"{prefix}_branch1x1", created, momentum=momentum)
    b = _bn_relu_conv(x, filters, 1, f"{prefix}_branch3x3_reduce", created, momentum=momentum)
    b = _bn_relu_conv(b, filters, 3, f"{prefix}_branch3x3", created, momentum=momentum)
    c = _bn_relu_conv(x, filters, 1, f"{prefix}_branch5x5_reduce", created, momentum=momentum)
    c = _bn_relu_conv(c, filters, 5, f"{prefix}_branch5x5", created, momentum=momentum)
    d = layers.MaxPooling2D((3, 3), strides=(1, 1), padding="same", name=f"{prefix}_pool")(x)
    d = _bn_relu_conv(d, filters, 1, f"{prefix}_pool_proj", created, momentum=momentum)
    return layers.Concatenate(axis=-1, name=f"{prefix}_inception_concat")([a, b, c, d])


def _build(input_shape, n_classes: int, n_blocks: int, filters: int, momentum: float = 0.99):
    created: list = []
    inputs = keras.Input(shape=input_shape, name="log_mel")
    stem_conv = layers.Conv2D(filters, (3, 3), padding="same", name="stem_conv")
    stem_bn = layers.BatchNormalization(momentum=momentum, name="stem_bn")
    created.extend([stem_conv, stem_bn])
    x = stem_bn(stem_conv(inputs))
    x = layers.Activation("relu", name="stem_relu")(x)
    x = layers.MaxPooling2D((4, 1), name="stem_pool")(x)
    for i in range(1, n_blocks + 1):
        block = _inception(x, filters, f"bm{i}", created, momentum)
        x = layers.Concatenate(axis=-1, name=f"bm{i}_broadcast_concat")([x, block])
    x = _bn_relu_conv(x, filters, 1, "transition", created, padding="valid", momentum=momentum)
    x = layers.AveragePooling2D((2, 2), name="transition_pool")(x)
    head_bn = layers.BatchNormalization(momentum=momentum, name="head_bn")
    created.append(head_bn)
    x = layers.Activation("relu", name="head_relu")(head_bn(x))
    x = layers.GlobalAveragePooling2D(name="head_gap")(x)
    # float32 output even under a mixed-precision policy (a stable softmax and loss)
    classifier = layers.Dense(n_classes, activation="softmax", name="classifier", dtype="float32")
    created.append(classifier)
    outputs = classifier(x)
    return keras.Model(inputs, outputs, name="bbnn"), created


def build_bbnn(
    input_shape: tuple[int | None, int, int] = INPUT_SHAPE,
    *,
    n_classes: int = 10,
    n_blocks: int = 3,
    filters: int = 32,
    bn_momentum: float = 0.99,
) -> keras.Model:
    """Build BBNN as a Keras 3 functional model.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_frames, n_mels, 1)``, time-major; the paper uses (647, 128, 1). The time axis must
        be at least 8 frames and the mel axis at least 2 (two poolings). ``n_frames`` may be
        None: BBNN is fully convolutional with global pooling, so one model takes any length.
    n_classes : int
        Number of genres (GTZAN 10, Ballroom 8, Extended Ballroom 13).
    n_blocks : int
        Inception blocks in the Broadcast Module (the paper: 3).
    filters : int
        Filters of every convolution (the paper: 32).
    bn_momentum : float
        Momentum of the BatchNormalization moving statistics (Keras' and the authors' 0.99).

    Returns
    -------
    keras.Model
        Uncompiled model mapping ``[batch, n_frames, n_mels, 1]`` log-mel dB to class
        probabilities ``[batch, n_classes]``.
    """
    if len(input_shape) != 3 or input_shape[2] != 1:
        raise ParameterError(f"input_shape must be (n_frames, n_mels, 1); got {input_shape!r}")
    if (input_shape[0] is not None and input_shape[0] < 8) or input_shape[1] is None or input_shape[1] < 2:
        raise ParameterError(
            f"input_shape needs at least 8 frames and 2 mel bands for the poolings; got {input_shape!r}"
        )
    for name, value, low in (("n_classes", n_classes, 2), ("n_blocks", n_blocks, 1), ("filters", filters, 1)):
        if not isinstance(value, int) or value < low:
            raise ParameterError(f"{name} must be an integer >= {low}; got {value!r}")
    if not 0.0 <= bn_momentum < 1.0:
        raise ParameterError(f"bn_momentum must be in [0, 1); got {bn_momentum!r}")
    model, _ = _build(tuple(input_shape), n_classes, n_blocks, filters, bn_momentum)
    return model


def count_params(model: keras.Model) -> dict[str, int]:
    """Parameter counts: ``total``, ``trainable`` and ``without_bn`` (the paper's Table 1 total)."""
    import numpy as np

    def size(ws):
        return int(sum(np.prod(w.shape) for w in ws))

    bn = [w for layer in model.layers if isinstance(layer, layers.BatchNormalization) for w in layer.weights]
    return {
        "total": size(model.weights),
        "trainable": size(model.trainable_weights),
        "without_bn": size(model.weights) - size(bn),
    }


def count_flops(model: keras.Model, n_frames: int | None = None) -> int:
    """Forward FLOPs for one example: 2 x the multiply-accumulates of every Conv2D and Dense.

    The usual convention (bias adds, BatchNorm, activations and pooling, about 1 % here, are not
    counted). A training step costs about 3x this per example (the backward pass computes
    gradients for both the inputs and the weights). For the paper's (647, 128, 1) input: 7.44 GFLOP.

    Parameters
    ----------
    model : keras.Model
        A BBNN (or any functional model of Conv2D and Dense layers).
    n_frames : int, optional
        Input length in frames; required if the model's time axis is None.
    """
    shape = tuple(model.input.shape[1:])
    if shape[0] is None or (n_frames is not None and n_frames != shape[0]):
        if n_frames is None:
            raise ParameterError("the model takes any length: pass n_frames to count its FLOPs")
        model = keras.models.clone_model(model, input_tensors=keras.Input((n_frames, *shape[1:])))
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            kh, kw = layer.kernel_size
            cin = int(layer.kernel.shape[2])
            _, h, w, cout = layer.output.shape
            total += 2 * kh * kw * cin * int(cout) * int(h) * int(w)
        elif isinstance(layer, layers.Dense):
            total += 2 * int(layer.kernel.shape[0]) * int(layer.kernel.shape[1])
    return total


_KIND = {
    "Conv2D": layers.Conv2D,
    "BatchNormalization": layers.BatchNormalization,
    "Dense": layers.Dense,
}


def open_time(model: keras.Model) -> keras.Model:
    """The same network and weights with an open time axis: BBNN pools globally, so it takes an
    input of any length (at least 8 frames), e.g. a short excerpt without padding. A model whose
    time axis is open already is returned as it is."""
    shape = tuple(model.input.shape[1:])
    if shape[0] is None:
        return model
    n_classes = int(model.output.shape[-1])
    n_incept = sum(1 for layer in model.layers if layer.name.endswith("_inception_concat"))
    filters = int(model.get_layer("stem_conv").filters)
    twin, _ = _build((None, *shape[1:]), n_classes, max(n_incept, 1), filters)
    twin.set_weights(model.get_weights())
    return twin


def _creation_index(name: str) -> int:
    # Keras 2 auto-names layers "<kind>_<counter>", the counter counting creations of that kind.
    m = re.search(r"_(\d+)$", name)
    return int(m.group(1)) if m else 0


def load_authors_model(path: str | os.PathLike, *, open_time_axis: bool = False) -> keras.Model:
    """Our :func:`build_bbnn` model carrying the weights of one of the authors' HDF5 files.

    Works for the ten GTZAN fold models and the 13-class Extended Ballroom model. The authors'
    layers are matched to ours by kind and creation order (Keras 2 numbers auto-named layers as it
    creates them, and :func:`build_bbnn` creates them in the authors' order); every weight's shape
    is checked.

    Parameters
    ----------
    path : path-like
        An authors' ``.hdf5`` model file (Keras 2.0.6).
    open_time_axis : bool
        Build the model with an open time axis (as :func:`open_time` would, without building it
        twice): for inputs of any length.

    Returns
    -------
    keras.Model
        Our model with the authors' weights; its outputs equal those of
        ``keras.models.load_model(path, compile=False)``.

    Raises
    ------
    ModelError
        If the file cannot be read or does not have the BBNN architecture.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"cannot load authors' model {path}: no such file")
    try:
        theirs = keras.models.load_model(path, compile=False)
    except Exception as exc:
        raise ModelError(f"cannot load authors' model {path}: {exc}") from exc
    input_shape = tuple(theirs.input_shape[1:])
    n_classes = int(theirs.output_shape[-1])
    n_incept = sum(1 for layer in theirs.layers if type(layer).__name__ == "Concatenate") // 2
    if open_time_axis:
        input_shape = (None, *input_shape[1:])
    ours, created = _build(input_shape, n_classes, max(n_incept, 1), 32)
    for kind, cls in _KIND.items():
        their_layers = sorted(
            (layer for layer in theirs.layers if type(layer).__name__ == kind),
            key=lambda layer: _creation_index(layer.name),
        )
        our_layers = [layer for layer in created if isinstance(layer, cls)]
        if len(their_layers) != len(our_layers):
            raise ModelError(
                f"{path} is not a BBNN model: it has {len(their_layers)} {kind} layers, "
                f"BBNN with {n_incept} blocks has {len(our_layers)}"
            )
        for mine, src in zip(our_layers, their_layers):
            weights = src.get_weights()
            expected = [tuple(w.shape) for w in mine.weights]
            got = [tuple(w.shape) for w in weights]
            if expected != got:
                raise ModelError(
                    f"{path} is not a BBNN model: layer {src.name} has weight shapes {got}, "
                    f"our {mine.name} expects {expected}"
                )
            mine.set_weights(weights)
    return ours


@contextmanager
def batchnorm_statistics_of(model: keras.Model, X, *, batch_size: int = 8):
    """Within the block, every BatchNormalization layer of ``model`` holds as moving statistics
    the mean of its batch statistics over ``X`` (re-estimated, "precise BN"); on leaving, the
    moving statistics and momenta are restored exactly, so training can go on unchanged.

    ``X`` is a batch of model inputs (channels included). This tells a lag of the moving averages
    (momentum 0.99 over few steps per epoch) apart from over-fitting: evaluated with re-estimated
    statistics, a model that only lags scores its held-out clips as the trainer's loss says.
    """
    import numpy as np

    bns = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    saved = [(b.moving_mean.numpy().copy(), b.moving_variance.numpy().copy(), b.momentum) for b in bns]
    try:
        for i in range(int(np.ceil(len(X) / batch_size))):
            for b in bns:  # momentum i/(i+1): the running value is the plain mean over the batches
                b.momentum = i / (i + 1)
            model(X[i * batch_size : (i + 1) * batch_size], training=True)
        yield model
    finally:
        for b, (mean, var, momentum) in zip(bns, saved):
            b.moving_mean.assign(mean)
            b.moving_variance.assign(var)
            b.momentum = momentum
