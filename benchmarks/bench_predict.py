"""Inference: clips per second of ``bbnn predict`` once its models are loaded, against the obvious way.

    python benchmarks/bench_predict.py [DATASET] [--clips N] [--repeat R]

Prints, for the same audio files on this machine (features included: files in, genres out):

1. loading: seconds to load one of the authors' GTZAN fold models and all ten (counted apart);
2. throughput once loaded, for one model (``--model authors-gtzan:0``) and for the ten-model
   ensemble (``--model authors-gtzan``, the default):
   - the obvious way: per file, ``librosa`` features then ``model.predict`` once per model;
   - bbnn_core: ``iter_predictions``, what ``bbnn predict`` runs (threaded features, chunks of
     files, ``predict_on_batch``);
3. the arithmetic: FLOPs per clip, FLOP/s reached and their fraction of the dense float32 matrix
   product peak measured on the same device (the ceiling for a convolution network);
4. ``bbnn predict --model authors-gtzan:0`` end to end in a fresh process (start-up, imports, one
   model, the files).

DATASET defaults to ``gtzan_mini`` (found through BBNN_MIRROR or downloaded).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of, dataset_args, device, fmt_flops, matmul_peak, quiet_tensorflow, spread  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402


def obvious(paths, models):
    """What a first script does: one file at a time, librosa, ``model.predict`` per model."""
    from bbnn_core.features import log_mel_librosa

    out = []
    for p in paths:
        x = log_mel_librosa(p)[None, ..., None]
        out.append(np.mean([m.predict(x, verbose=0)[0] for m in models], axis=0))
    return out


def main() -> None:
    args = dataset_args(__doc__, clips=16, repeat=2, clips_help="files per timing")

    import keras

    from bbnn_core.datasets import load_dataset
    from bbnn_core.model import build_bbnn, count_flops
    from bbnn_core.predict import iter_predictions, load_ensemble

    ds = load_dataset(args.dataset)
    paths = [str(p) for p in spread(ds.paths(), args.clips)]
    dev = device()
    print(f"data set: {ds.name}, {len(paths)} clips of 30 s; best of {args.repeat}")
    print(f"device: {dev}; keras {keras.__version__} ({keras.backend.backend()}); {os.cpu_count()} cores")

    t = time.perf_counter()
    one = load_ensemble("authors-gtzan:0")
    t_one = time.perf_counter() - t
    t = time.perf_counter()
    ten = load_ensemble("authors-gtzan")
    t_ten = time.perf_counter() - t
    print("\n1. loading (not counted below)")
    print(f"   1 model     {t_one:6.2f} s   (first load: includes building the graph)")
    print(f"   10 models   {t_ten:6.2f} s")

    def ours(ens):
        return [r.probs for r in iter_predictions(paths, ens, progress=False)]

    print("\n2. clips/s once loaded")
    rates = {}
    for label, ens in (("1 model", one), ("10 models", ten)):
        ours(ens), obvious(paths[:1], ens.models)  # warm-up: graph tracing, librosa
        t_obv = best_of(lambda ens=ens: obvious(paths, ens.models), args.repeat)
        t_ours = best_of(lambda ens=ens: ours(ens), args.repeat)
        diff = max(float(np.abs(a - b).max()) for a, b in zip(ours(ens), obvious(paths, ens.models)))
        rates[label] = len(paths) / t_ours
        print(
            f"   {label:<10} obvious {len(paths) / t_obv:6.2f} clips/s   bbnn_core {len(paths) / t_ours:6.2f} "
            f"clips/s   ratio {t_obv / t_ours:5.2f}x   (max prob. difference {diff:.1e})"
        )

    flops = count_flops(build_bbnn())
    peak = matmul_peak("float32")
    reached = rates["1 model"] * flops
    print("\n3. arithmetic")
    print(f"   {flops / 1e9:.2f} GFLOP per clip per model; 10-model ensemble {10 * flops / 1e9:.1f} GFLOP per clip")
    print(
        f"   reached {fmt_flops(reached)} = {reached / peak:.0%} of the measured float32 matmul peak "
        f"({fmt_flops(peak)})"
    )
    print(f"   ceiling at that peak: {peak / flops:.1f} clips/s with 1 model, {peak / flops / 10:.1f} with 10")

    bbnn = Path(sys.executable).with_name("bbnn")
    cmd = [str(bbnn) if bbnn.exists() else "bbnn", "predict", "--quiet", "--model", "authors-gtzan:0", *paths]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t
    print("\n4. end to end, fresh process")
    print(
        f"   bbnn predict --model authors-gtzan:0 ({len(paths)} files): {wall:.1f} s wall, "
        f"of which about {len(paths) / rates['1 model']:.1f} s prediction"
    )


if __name__ == "__main__":
    main()
