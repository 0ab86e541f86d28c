"""Feature extraction: bbnn_core's log-mel against the naive librosa path, measured in one run.

    python benchmarks/bench_features.py [DATASET] [--clips N] [--repeat R]

Prints, for the same clips on this machine:

1. steady state, one core: clips/s of ``log_mel`` (soundfile integer decode + blocked float32 FFT
   + banded dense mel) and of the naive ``librosa.load`` + ``melspectrogram`` + ``power_to_db``,
   after one warm-up clip each, with BLAS/OpenMP limited to one thread; and their ratio;
2. cold start: a fresh Python process computing its first clip each way (imports included), the
   cost a one-file script or a fresh worker pays;
3. scaling with 1..all cores (threads, after a warm-up run): ``extract`` on the whole data set
   (fixed costs included: listing, writing the feature file) and the computation alone;
4. equality: the largest difference between the two paths, in dB;
5. the floor: the real FFTs alone (one clip's 647 frames of 2048 samples, float32, one core) with
   scipy and with each faster FFT library that is installed (pyFFTW, mkl_fft, ducc0: none is a
   dependency; ``pip install pyfftw mkl_fft ducc0`` to compare), beside the budget that the
   issue's 8x per core leaves for the whole clip.

DATASET defaults to ``gtzan_mini`` (found through BBNN_MIRROR or downloaded).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402
from _common import best_of, dataset_args, spread  # noqa: E402


def per_clip(fn, paths, repeat):
    fn(paths[0])  # warm-up: imports, caches, numba
    return best_of(lambda: [fn(p) for p in paths], repeat) / len(paths)


COLD = """
import time; t = time.perf_counter()
from bbnn_core.features import {fn}
{fn}({path!r})
print(time.perf_counter() - t)
"""


def cold(fn, path):
    out = subprocess.run(
        [sys.executable, "-c", COLD.format(fn=fn, path=str(path))], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    args = dataset_args(__doc__, clips=40, repeat=3, clips_help="clips for the per-core timing")

    from bbnn_core.datasets import load_dataset
    from bbnn_core.features import PAPER_PARAMS, _worker, extract, log_mel, log_mel_librosa

    ds = load_dataset(args.dataset)
    paths = ds.paths()
    sample = spread(paths, args.clips)
    print(f"data set: {ds.name}, {len(paths)} clips; per-core timing on {len(sample)} clips, best of {args.repeat}")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, numpy {np.__version__}")

    t_naive = per_clip(log_mel_librosa, sample, args.repeat)
    t_ours = per_clip(log_mel, sample, args.repeat)
    print("\n1. steady state, one core")
    print(f"   naive librosa  {t_naive * 1e3:7.2f} ms/clip  {1 / t_naive:7.1f} clips/s")
    print(f"   bbnn_core      {t_ours * 1e3:7.2f} ms/clip  {1 / t_ours:7.1f} clips/s")
    print(f"   ratio          {t_naive / t_ours:7.2f}x")

    c_naive = cold("log_mel_librosa", sample[0])
    c_ours = cold("log_mel", sample[0])
    print("\n2. cold start: fresh process, imports + first clip")
    print(f"   naive librosa  {c_naive:7.2f} s")
    print(f"   bbnn_core      {c_ours:7.2f} s")
    print(f"   ratio          {c_naive / c_ours:7.2f}x")

    print(f"\n3. whole data set, best of {args.repeat}: extract() (threads, feature file written) and the")
    print("   computation alone (4 passes over the data set in a warmed thread pool)")
    n_cores = os.cpu_count() or 1
    jobs = [(i, p, PAPER_PARAMS) for i, p in enumerate(paths)] * 4
    base = {}
    with tempfile.TemporaryDirectory() as tmp:
        extract(ds, cache_dir=tmp, n_jobs=1, force=True, progress=False)  # warm-up: page cache, imports
        for n in range(1, n_cores + 1):
            t_extract = best_of(
                lambda n=n: extract(ds, cache_dir=tmp, n_jobs=n, force=True, progress=False), args.repeat
            )
            with ThreadPoolExecutor(n) as pool:
                list(pool.map(_worker, jobs[: 2 * n]))
                t_compute = best_of(lambda: list(pool.map(_worker, jobs)), args.repeat)
            rates = {"extract": len(paths) / t_extract, "compute": len(jobs) / t_compute}
            base = base or rates
            e, c = rates["extract"], rates["compute"]
            print(
                f"   {n} core(s)   extract() {e:7.1f} clips/s {e / base['extract']:5.2f}x"
                f"   computation {c:7.1f} clips/s {c / base['compute']:5.2f}x"
            )

    diff = max(float(np.abs(log_mel(p) - log_mel_librosa(p)).max()) for p in sample)
    print(f"\n4. max |bbnn_core - librosa| over {len(sample)} clips: {diff:.2e} dB (float32 rounding)")

    print(f"\n5. the floor: the real FFTs alone, {PAPER_PARAMS.n_frames} x {PAPER_PARAMS.n_fft} float32, one core")
    for name, t in fft_floor(PAPER_PARAMS.n_frames, PAPER_PARAMS.n_fft, args.repeat).items():
        print(f"   {name:28s} {t * 1e3:6.2f} ms/clip")
    print(f"   budget for the whole clip at 8x the naive path: {t_naive / 8 * 1e3:.2f} ms/clip")


def fft_floor(n_frames: int, n_fft: int, repeat: int) -> dict[str, float]:
    """Seconds per clip of the real FFTs alone, per installed library (blocks of 128 frames)."""
    import scipy.fft

    frames = np.random.default_rng(0).standard_normal((128, n_fft)).astype(np.float32)
    blocks = -(-n_frames // 128)
    libs = {"scipy.fft (pocketfft, used)": lambda: scipy.fft.rfft(frames, axis=-1)}
    try:
        import pyfftw

        a = pyfftw.empty_aligned(frames.shape, dtype="float32")
        a[:] = frames
        b = pyfftw.empty_aligned((128, n_fft // 2 + 1), dtype="complex64")
        libs["pyFFTW (FFTW_PATIENT)"] = pyfftw.FFTW(a, b, axes=(1,), flags=("FFTW_PATIENT",), threads=1)
    except ImportError:
        pass
    try:
        import mkl_fft

        libs["mkl_fft (Intel MKL)"] = lambda: mkl_fft.rfft(frames, axis=-1)
    except ImportError:
        pass
    try:
        import ducc0

        out = np.empty((128, n_fft // 2 + 1), dtype=np.complex64)
        libs["ducc0"] = lambda: ducc0.fft.r2c(frames, axes=(1,), nthreads=1, out=out)
    except ImportError:
        pass
    result = {}
    for name, fn in libs.items():
        fn()
        result[name] = best_of(lambda fn=fn: [fn() for _ in range(blocks)], max(repeat, 10))
    return result


if __name__ == "__main__":
    main()
