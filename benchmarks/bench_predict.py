"""Inference: clips per second of ``bbnn predict`` on each runtime, against the obvious way.

    python benchmarks/bench_predict.py [DATASET] [--clips N] [--repeat R] [--skip-conversion]
                                       [--ensemble authors-gtzan:0,1] [--end-to-end openvino:f32,...]

Prints, for the same audio files on this machine (features included: files in, genres out):

1. conversion and loading: seconds to turn one of the authors' GTZAN fold models, and all ten,
   into one OpenVINO graph (paid once: the graph is cached), and to start from the cache;
2. throughput, for one model (``--model authors-gtzan:0``) and the ten-model ensemble
   (``--model authors-gtzan``, the default; ``--ensemble`` names a smaller one, as the tests do),
   side by side in one run:
   - the obvious way: per file, ``librosa`` features then ``model.predict`` once per model;
   - ``iter_predictions`` (what ``bbnn predict`` runs) on each runtime: Keras (TensorFlow,
     ``--runtime keras``), OpenVINO f32 (``--precision f32``), OpenVINO bf16 (the default on a
     CPU with native bf16); with each one's largest probability difference from Keras and the
     files whose top genre differs from Keras';
3. the arithmetic: FLOPs per clip, FLOP/s reached and their fraction of the dense float32 matrix
   product peak measured on the same device (the ceiling for a convolution network);
4. ``bbnn predict --model authors-gtzan:0`` end to end in a fresh process, on each runtime (or on
   those ``--end-to-end`` names, as the tests do).

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


RUNTIMES = [("keras", "f32"), ("openvino", "f32"), ("openvino", "bf16")]


def main() -> None:
    # tests/test_benchmarks.py skips the timed conversion: tests/test_runtime.py tests converting
    skip_conversion = "--skip-conversion" in sys.argv
    if skip_conversion:
        sys.argv.remove("--skip-conversion")
    ensemble = "authors-gtzan"
    if "--ensemble" in sys.argv:
        at = sys.argv.index("--ensemble")
        ensemble = sys.argv[at + 1]
        del sys.argv[at : at + 2]
    end_to_end = RUNTIMES
    if "--end-to-end" in sys.argv:
        at = sys.argv.index("--end-to-end")
        end_to_end = [tuple(rt.split(":")) for rt in sys.argv[at + 1].split(",")]
        del sys.argv[at : at + 2]
    args = dataset_args(__doc__, clips=16, repeat=2, clips_help="files per timing")

    import tempfile

    import keras

    from bbnn_core.datasets import load_dataset
    from bbnn_core.model import build_bbnn, count_flops
    from bbnn_core.predict import iter_predictions, load_ensemble

    ds = load_dataset(args.dataset)
    paths = [str(p) for p in spread(ds.paths(), args.clips)]
    dev = device()
    print(f"data set: {ds.name}, {len(paths)} clips of 30 s; best of {args.repeat}")
    print(f"device: {dev}; keras {keras.__version__} ({keras.backend.backend()}); {os.cpu_count()} cores")

    print("\n1. conversion to one OpenVINO graph (once per set of model files; then cached)")
    with tempfile.TemporaryDirectory() as fresh:
        if skip_conversion:
            print("   skipped (--skip-conversion)")
            fresh = ""
        saved = os.environ.get("BBNN_CACHE")
        os.environ["BBNN_CACHE"] = fresh or saved or ""
        try:
            for spec in ("authors-gtzan:0", ensemble) if fresh else ():
                t = time.perf_counter()
                runner = load_ensemble(spec, runtime="openvino", precision="f32").runner()
                total = time.perf_counter() - t
                t = time.perf_counter()
                load_ensemble(spec, runtime="openvino", precision="f32").runner()
                cached = time.perf_counter() - t
                print(
                    f"   {spec:<16} convert {runner.convert_seconds:6.1f} s (of {total:.1f} s to the first "
                    f"prediction); from the cache {cached:5.2f} s"
                )
        finally:
            if saved is None:
                del os.environ["BBNN_CACHE"]
            else:
                os.environ["BBNN_CACHE"] = saved

    def ours(ens):
        return np.array([r.probs for r in iter_predictions(paths, ens, progress=False)])

    print("\n2. clips/s once loaded (files in, genres out)")
    rates = {}
    n_ensemble = load_ensemble(ensemble, runtime="keras").n_models
    for spec, label in (("authors-gtzan:0", "1 model"), (ensemble, f"{n_ensemble} models")):
        ensembles = {rt: load_ensemble(spec, runtime=rt[0], precision=rt[1]) for rt in RUNTIMES}
        models = [ensembles[RUNTIMES[0]].loader(f) for f in ensembles[RUNTIMES[0]].files]
        for ens in ensembles.values():
            ours(ens)  # warm-up: tracing, compilation
        obvious(paths[:1], models)
        t_obv = best_of(lambda models=models: obvious(paths, models), args.repeat)
        print(f"   {label}: obvious way {len(paths) / t_obv:6.2f} clips/s")
        reference = ours(ensembles[RUNTIMES[0]])
        for rt, ens in ensembles.items():
            t = best_of(lambda ens=ens: ours(ens), args.repeat)
            got = ours(ens)
            rates[(label, rt)] = len(paths) / t
            flips = int((got.argmax(1) != reference.argmax(1)).sum())
            print(
                f"      {rt[0]:<8} {rt[1]:<4} {len(paths) / t:6.2f} clips/s   vs Keras "
                f"{rates[(label, rt)] / rates[(label, RUNTIMES[0])]:4.2f}x   vs obvious {t_obv / t:5.2f}x   "
                f"max prob. difference {np.abs(got - reference).max():.1e}, top genre differs on {flips} "
                f"of {len(paths)} files"
            )

    flops = count_flops(build_bbnn())
    peak = matmul_peak("float32")
    print("\n3. arithmetic")
    print(
        f"   {flops / 1e9:.2f} GFLOP per clip per model; {n_ensemble}-model ensemble "
        f"{n_ensemble * flops / 1e9:.1f} GFLOP per clip"
    )
    for rt in RUNTIMES:
        reached = rates[("1 model", rt)] * flops
        print(
            f"   {rt[0]} {rt[1]}: {fmt_flops(reached)} = {reached / peak:.0%} of the measured float32 matmul peak "
            f"({fmt_flops(peak)})"
        )
    print(
        f"   ceiling at that peak: {peak / flops:.1f} clips/s with 1 model, {peak / flops / n_ensemble:.1f} "
        f"with {n_ensemble}"
    )

    bbnn = Path(sys.executable).with_name("bbnn")
    print("\n4. end to end, fresh process (graph already cached)")
    for rt in end_to_end:
        cmd = [str(bbnn) if bbnn.exists() else "bbnn", "predict", "--quiet", "--model", "authors-gtzan:0"]
        cmd += ["--runtime", rt[0], *(["--precision", rt[1]] if rt[0] == "openvino" else []), *paths]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        print(
            f"   bbnn predict --runtime {rt[0]:<8} {rt[1]:<4} ({len(paths)} files): {time.perf_counter() - t:5.1f} s wall"
        )


if __name__ == "__main__":
    main()
