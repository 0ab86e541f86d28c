"""Inference runtimes: the models of an ensemble as one compiled graph, on OpenVINO or Keras.

Measured on this project's 2-core CPU (``benchmarks/bench_predict.py``, one run): OpenVINO runs
BBNN faster than TensorFlow at float32 and about twice as fast again at bfloat16 on a CPU with
native bf16 (AVX512-BF16 or AMX). Two precisions are offered:

* ``f32``: the exact path (largest difference from Keras about 1e-6 in a probability);
* ``bf16``: the fast path, used by default where the CPU computes bf16 natively. Its
  probabilities move by up to a few hundredths; on every gtzan_mini clip and for each of the
  authors' ten GTZAN models it predicts the same genre as float32 (``tests/test_runtime.py``).

All models of an ensemble go into one graph (input -> every model -> their probabilities
stacked), with an open time axis so that a file shorter than 30 s is predicted at its own length
(measured: the same speed and the same outputs as the graph fixed at 647 frames), converted once: the graph is cached in ``$BBNN_CACHE/openvino`` under the SHA-256 of
the model files (and the two libraries' versions), so later runs skip Keras entirely and start
in about a second. Where OpenVINO is not installed (no wheel for the platform), the Keras path
runs instead and one line on stderr says so.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .resources import sha256
from .runs import replacing

__all__ = ["RUNTIMES", "PRECISIONS", "Runner", "make_runner", "openvino_available", "native_bf16"]

RUNTIMES = ("auto", "openvino", "keras")
GRAPH_FORM = "open-time"  # part of the cache key: graphs of another form are converted again
PRECISIONS = ("auto", "bf16", "f32")


@lru_cache(maxsize=1)
def openvino_available() -> bool:
    """Whether OpenVINO imports here (no wheel for the platform, or a broken install: no)."""
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _core():
    import openvino as ov

    from .resources import cache_dir

    core = ov.Core()
    compiled = cache_dir() / "openvino" / "compiled"
    try:
        compiled.mkdir(parents=True, exist_ok=True)
    except OSError:  # a cache this user cannot write: graphs are compiled each time, not cached
        return core
    core.set_property({"CACHE_DIR": str(compiled)})  # OpenVINO's own cache of compiled graphs
    return core


@lru_cache(maxsize=1)
def native_bf16() -> bool:
    """Whether OpenVINO's CPU plugin computes bf16 natively on this CPU."""
    if not openvino_available():
        return False
    return "BF16" in _core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def graph_key(files: Sequence[Path]) -> str:
    """The cache key of the ensemble graph of ``files``: their contents and the converters."""
    from importlib.metadata import version  # the versions, without importing Keras

    h = hashlib.sha256()
    for f in files:
        h.update(sha256(f).encode())
    h.update(f"keras {version('keras')} openvino {version('openvino')} {GRAPH_FORM}".encode())
    return h.hexdigest()[:24]


class Runner:
    """``runner(X)``: probabilities of every model, ``(n, n_models, n_classes)`` float64, for
    inputs ``X`` of shape ``(n, frames, mels, 1)``, computed ``batch_size`` windows at a time."""

    runtime: str = ""
    precision: str = ""
    n_models: int = 0
    convert_seconds: float | None = None  # set when this runner had to convert its graph

    def __call__(self, X: np.ndarray, batch_size: int = 16) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float32)
        return np.concatenate([self._run(X[i : i + batch_size]) for i in range(0, X.shape[0], batch_size)]).astype(
            np.float64
        )

    def _run(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class KerasRunner(Runner):
    """One traced function per model (under TensorFlow: traced once, batch and time axes open;
    ``predict_on_batch`` would trace again for every new batch size). Each model is given an open
    time axis (:func:`bbnn_core.model.open_time`), so it takes inputs of any length."""

    runtime, precision = "keras", "f32"

    def __init__(self, models: list):
        from .model import open_time

        self.n_models = len(models)
        self._fns = [_inference_fn(open_time(m)) for m in models]

    def _run(self, x):
        return np.stack([fn(x) for fn in self._fns], axis=1)


def _inference_fn(model) -> Callable[[np.ndarray], np.ndarray]:
    import keras

    if keras.backend.backend() != "tensorflow":
        return lambda x: np.asarray(model.predict_on_batch(x))
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # one function per model: TensorFlow calls that "retracing"

    def call(x):
        return model(x, training=False)

    spec = tf.TensorSpec((None, None, *model.input.shape[2:]), tf.float32)
    fn = tf.function(call, input_signature=[spec], autograph=False)
    return lambda x: fn(tf.constant(x, tf.float32)).numpy()


class OpenVINORunner(Runner):
    """The ensemble's graph compiled by OpenVINO for the CPU at ``precision``, fed one window per
    request through an asynchronous queue of as many requests as the plugin finds best (its
    THROUGHPUT mode: parallel streams). Measured: one window per request is the fastest batch
    and keeps the memory of the ten-model graph under 1 GB (batches of 16 took 8 GB)."""

    runtime = "openvino"

    def __init__(self, xml: Path, n_models: int, precision: str):
        import openvino as ov

        self.n_models, self.precision = n_models, precision
        self._compiled = _core().compile_model(
            str(xml), "CPU", {"INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "THROUGHPUT"}
        )
        self._n_classes = self._compiled.output(0).get_partial_shape()[2].get_length()
        n_requests = int(self._compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        self._queue = ov.AsyncInferQueue(self._compiled, max(1, n_requests))

    def __call__(self, X: np.ndarray, batch_size: int = 16) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float32)
        out = np.empty((X.shape[0], self.n_models, self._n_classes), dtype=np.float64)

        def done(request, i):
            out[i] = request.get_output_tensor(0).data[0]  # copied: the request's buffer is reused

        self._queue.set_callback(done)
        for i in range(X.shape[0]):
            self._queue.start_async({0: X[i : i + 1]}, i)
        self._queue.wait_all()
        return out


def ensemble_graph(models: list):
    """One Keras model: the input, every model of ``models`` on it, their outputs stacked on
    axis 1. The time axis is open (:func:`bbnn_core.model.open_time`): BBNN pools globally."""
    import keras

    from .model import open_time

    models = [open_time(m) for m in models]
    x = keras.Input((None, *models[0].input.shape[2:]), name="log_mel")
    # each model under a name of its own (they are all called "bbnn"): the same layers, renamed
    members = [keras.Model(m.inputs[0], m.outputs[0], name=f"model_{i}") for i, m in enumerate(models)]
    outs = [m(x, training=False) for m in members]
    n_classes = int(models[0].output.shape[-1])
    rows = [keras.layers.Reshape((1, n_classes), name=f"row_{i}")(o) for i, o in enumerate(outs)]
    y = rows[0] if len(rows) == 1 else keras.layers.Concatenate(axis=1, name="stack")(rows)
    return keras.Model(x, y, name="ensemble")


def _convert(graph, xml: Path) -> None:
    """Write the OpenVINO IR of ``graph`` (a Keras model) as ``xml`` and its ``.bin``, atomically,
    so two processes converting at once leave one whole pair. A full disk is one
    :class:`NoSpaceError` naming the folder, with no temporary file left behind."""
    tmp = xml.with_name(f".{xml.stem}.{os.getpid()}.xml")
    with replacing(xml.parent, tmp, tmp.with_suffix(".bin")):
        xml.parent.mkdir(parents=True, exist_ok=True)
        graph.export(str(tmp), format="openvino", verbose=False)
        os.replace(tmp.with_suffix(".bin"), xml.with_suffix(".bin"))
        os.replace(tmp, xml)  # last: the .xml marks a complete pair


def make_runner(
    files: Sequence[Path],
    load: Callable[[Path], object],
    *,
    runtime: str = "auto",
    precision: str = "auto",
) -> Runner:
    """A :class:`Runner` for the models stored in ``files`` (``load`` reads one into Keras).

    ``runtime``: ``auto`` (OpenVINO when installed, else Keras with a line on stderr),
    ``openvino`` or ``keras``. ``precision``: ``auto`` (bf16 where the CPU has it natively, else
    f32), ``bf16`` or ``f32``; the Keras path is always f32.
    """
    if runtime not in RUNTIMES:
        raise ParameterError(f"runtime must be one of {', '.join(RUNTIMES)}; got {runtime!r}")
    if precision not in PRECISIONS:
        raise ParameterError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    files = [Path(f) for f in files]
    if runtime == "auto":
        if openvino_available():
            runtime = "openvino"
        else:
            print("bbnn: OpenVINO is not installed here: running the models on Keras (slower)", file=sys.stderr)
            runtime = "keras"
    if runtime == "openvino" and not openvino_available():
        from .extras import require

        require("fast", "--runtime openvino")
    if runtime == "keras":
        if precision == "bf16":
            raise ParameterError("precision bf16 needs the OpenVINO runtime; the Keras path is f32")
        return KerasRunner([load(f) for f in files])
    if precision == "auto":
        precision = "bf16" if native_bf16() else "f32"
    from .resources import cache_dir

    xml = cache_dir() / "openvino" / f"ensemble-{graph_key(files)}.xml"
    if xml.is_file() and xml.with_suffix(".bin").is_file():
        runner = OpenVINORunner(xml, len(files), precision)
        runner.convert_seconds = None
        return runner
    t = time.perf_counter()
    graph = ensemble_graph([load(f) for f in files])
    with tempfile.TemporaryDirectory() as tmp:
        try:
            _convert(graph, xml)
        except OSError as exc:  # a cache this user cannot write (shared, read-only): converted each time
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            xml = Path(tmp) / xml.name
            _convert(graph, xml)
        seconds = time.perf_counter() - t
        runner = OpenVINORunner(xml, len(files), precision)
    runner.convert_seconds = seconds
    return runner
