"""Cost as the work grows: wall time and peak memory of the commands a user runs, at 100, 1,000
and 10,000 clips, each as a ratio to the 100-clip figure.

The data: a folder-per-class set of 30 s, 22,050 Hz, 16-bit WAV clips in GTZAN's ten genres, made
from the real gtzan_mini clips so that decoding and features cost what real audio costs: clip j of
a genre is one of that genre's ten clips, played 0.95-1.05x as fast (resampled), circularly shifted
by a random offset, mixed with another clip of the genre at a third of its level, and scaled. The
10,000 clips (13 GB) are written once into a temporary folder; the 100 and 1,000 sets are hard
links to their first clips. Everything (clips, feature files, runs) lives in that folder, deleted
at the end; nothing is committed but the table.

Each command runs as a user runs it, a fresh process with a fresh ``BBNN_CACHE`` per size (the
authors' model fetched and converted before the timing), and its peak resident memory is the
largest of the process and of the processes it waited for (``wait4``):

* ``bbnn features SET``: decode and extract every clip into one feature file;
* ``bbnn train --data-dir SET --profile paper --epochs 1 --folds 0``: one epoch of the paper's
  recipe on fold 0 of 10 (80 % of the clips), its validation and test, the SVM (100 and 1,000 only);
* ``bbnn train ... --folds 0,1 --workers 2``: the same on the Dask path, two folds on two local
  worker processes of one thread each (100 and 1,000 only);
* ``bbnn predict --model authors-gtzan:0 SET``: one of the authors' models on every clip.

    python benchmarks/bench_scale.py [--sizes 100,1000,10000] [--csv benchmarks/scale.csv]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

SR = 22050
SECONDS = 30
TRAIN_UP_TO = 1000  # one epoch of the paper's recipe costs about 7 minutes per 1,000 clips here


def _sources():
    from bbnn_core.audio import load_audio
    from bbnn_core.datasets import load_dataset

    mini = load_dataset("gtzan_mini")
    by_genre: dict[str, list[np.ndarray]] = {}
    for t in mini.tracks:
        y = load_audio(mini.root / t.path, sr=SR)
        by_genre.setdefault(t.label, []).append(np.pad(y, (0, max(0, SR * SECONDS - len(y))))[: SR * SECONDS])
    return by_genre


def _clip(sources: list[np.ndarray], j: int) -> np.ndarray:
    rng = np.random.default_rng(j)
    a, b = sources[j % len(sources)], sources[rng.integers(len(sources))]
    n = SR * SECONDS
    speed = rng.uniform(0.95, 1.05)
    y = np.interp(np.arange(n) * speed % n, np.arange(n), a)
    y = np.roll(y, rng.integers(n)) + np.roll(b, rng.integers(n)) / 3
    return (y / max(1e-9, np.abs(y).max()) * rng.uniform(0.3, 0.9)).astype(np.float32)


def make_clips(root: Path, n: int) -> Path:
    """``n`` clips, ``n // 10`` per genre, in ``root/<genre>/<genre>.NNNNN.wav``."""
    import soundfile as sf

    sources = _sources()
    genres = sorted(sources)

    def write(j: int) -> None:
        g = genres[j % len(genres)]
        k = j // len(genres)
        sf.write(root / g / f"{g}.{k:05d}.wav", _clip(sources[g], k), SR, subtype="PCM_16")

    for g in genres:
        (root / g).mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(write, range(n)))
    return root


def subset(full: Path, dest: Path, n: int) -> Path:
    """The first ``n // 10`` clips of each genre of ``full``, hard-linked into ``dest``."""
    for g in sorted(p.name for p in full.iterdir()):
        (dest / g).mkdir(parents=True, exist_ok=True)
        for k in range(n // 10):
            os.link(full / g / f"{g}.{k:05d}.wav", dest / g / f"{g}.{k:05d}.wav")
    return dest


def measure(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak resident MB of ``cmd`` (the largest of it and its waited-for children)."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: nobody reads while it runs
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read().decode()[-3000:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--csv", type=Path, help="also write the rows here")
    ap.add_argument("--tmp", type=Path, help="folder for the scratch data (default: the system's temporary folder)")
    ap.add_argument("--profile", default="paper", help="the training profile (tests: smoke)")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    bbnn = [sys.executable, "-m", "bbnn_core.cli"]
    rows: list[dict] = []
    tmp = Path(tempfile.mkdtemp(prefix="bbnn-scale-", dir=args.tmp))
    try:
        t = time.perf_counter()
        full = make_clips(tmp / f"set{sizes[-1]}", sizes[-1])
        print(f"{sizes[-1]} clips written in {time.perf_counter() - t:.0f} s", flush=True)
        for n in sizes:
            data = full if n == sizes[-1] else subset(full, tmp / f"set{n}", n)
            env = dict(os.environ, BBNN_CACHE=str(tmp / f"cache{n}"))
            one = next(data.glob("*/*.wav"))  # the model fetched and converted outside the timing
            measure([*bbnn, "predict", "-q", "--model", "authors-gtzan:0", str(one)], env)
            steps = {"bbnn features": [*bbnn, "features", "-q", str(data)]}
            if n <= TRAIN_UP_TO:
                train = [*bbnn, "train", "-q", "--data-dir", str(data), "--profile", args.profile, "--epochs", "1"]
                train += ["--n-folds", str(min(10, n // 10))]  # 10, or as many as the smallest sets allow
                steps["bbnn train, 1 epoch of fold 0"] = [
                    *train,
                    "--folds",
                    "0",
                    "--run-dir",
                    str(tmp / f"run{n}"),
                ]
                steps["bbnn train --workers 2, 1 epoch of folds 0 and 1"] = [
                    *train,
                    "--folds",
                    "0,1",
                    "--workers",
                    "2",
                    "--run-dir",
                    str(tmp / f"dask{n}"),
                ]
            steps["bbnn predict, 1 model"] = [*bbnn, "predict", "-q", "--model", "authors-gtzan:0", str(data)]
            for what, cmd in steps.items():
                wall, peak = measure(cmd, env)
                rows.append(
                    {
                        "what": what,
                        "clips": n,
                        "folds": min(10, n // 10),
                        "wall_s": round(wall, 1),
                        "peak_mb": round(peak),
                    }
                )
                print(f"{n:>6} clips  {what:<50}{wall:9.1f} s {peak:8.0f} MB", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = {r["what"]: r for r in rows if r["clips"] == sizes[0]}
    print(
        f"\n| command | clips | wall time | x the {sizes[0]}-clip time | peak memory | x the {sizes[0]}-clip memory |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        b = base[r["what"]]
        print(
            f"| {r['what']} | {r['clips']:,} | {r['wall_s']:.1f} s | {r['wall_s'] / b['wall_s']:.1f}x "
            f"| {r['peak_mb']:,} MB | {r['peak_mb'] / b['peak_mb']:.2f}x |"
        )
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
