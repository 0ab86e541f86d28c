"""Shared by the benchmarks: the device, its measured dense peak, and timing helpers."""

from __future__ import annotations

import argparse
import os
import time

# Nominal dense peaks (FLOP/s) of accelerators we may be lent, from the vendors' data sheets.
NOMINAL_PEAK = {
    ("H100", "bfloat16"): 989e12,
    ("H100", "float32"): 67e12,
    ("H200", "bfloat16"): 989e12,
    ("H200", "float32"): 67e12,
}


def quiet_tensorflow() -> None:
    import logging

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # notes on tracing one function per model


def device() -> str:
    from bbnn_core.runs import device_name

    return device_name()


def matmul_peak(dtype: str = "float32", n: int = 4096, repeat: int = 5) -> float:
    """Measured FLOP/s of an n x n matrix product on the Keras backend's device: the practical
    peak that a convolution network's FLOP/s are compared with."""
    import keras

    a = keras.random.normal((n, n), dtype=dtype, seed=0)
    keras.ops.convert_to_numpy(keras.ops.cast(keras.ops.sum(keras.ops.matmul(a, a)), "float32"))  # warm-up, compile
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        keras.ops.convert_to_numpy(keras.ops.cast(keras.ops.sum(keras.ops.matmul(a, a)), "float32"))
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


def nominal_peak(device_name: str, dtype: str) -> float | None:
    for (chip, dt), flops in NOMINAL_PEAK.items():
        if chip in device_name and dt == dtype:
            return flops
    return None


def fmt_flops(x: float) -> str:
    for unit, scale in (("TFLOP/s", 1e12), ("GFLOP/s", 1e9)):
        if x >= scale:
            return f"{x / scale:.1f} {unit}"
    return f"{x / 1e6:.1f} MFLOP/s"


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def dataset_args(doc: str, *, clips: int, repeat: int, clips_help: str) -> argparse.Namespace:
    """The command line every audio benchmark takes: ``[DATASET] [--clips N] [--repeat R]``."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("dataset", nargs="?", default="gtzan_mini")
    ap.add_argument("--clips", type=int, default=clips, help=clips_help)
    ap.add_argument("--repeat", type=int, default=repeat)
    return ap.parse_args()


def spread(paths: list, n: int) -> list:
    """``n`` paths spread evenly over the data set (every genre, not the first folder)."""
    return list(paths)[:: max(1, len(paths) // n)][:n]
