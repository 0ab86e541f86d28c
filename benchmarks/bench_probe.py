"""A researcher's small data set: a linear probe on pretrained embeddings against BBNN trained from
scratch and the SVM, on the same folds, accuracy and wall time.

The set: 4 gtzan_mini genres (blues, classical, metal, reggae) of 8 real clips each, copied into a
temporary folder-per-class tree; a fresh temporary BBNN_CACHE, so features and embeddings are
computed in the time measured. Each command is a fresh process, run as a user would:

    bbnn train --data-dir SET --n-folds 3 --method probe --embedding musicnn-msd
    bbnn train --data-dir SET --n-folds 3 --profile quick
    bbnn train --data-dir SET --n-folds 3 --profile smoke

The SVM is the baseline every run fits on the same folds (its figure is the same in all three).

    python benchmarks/bench_probe.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENRES = ("blues", "classical", "metal", "reggae")
PER_CLASS = 8
RUNS = {
    "probe on musicnn-msd": ["--method", "probe", "--embedding", "musicnn-msd"],
    "BBNN, quick profile (5 epochs)": ["--profile", "quick"],
    "BBNN, smoke profile (2 epochs, 1 block)": ["--profile", "smoke"],
}


def main() -> None:
    from bbnn_core.datasets import load_dataset

    mini = load_dataset("gtzan_mini")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "four_genres"
        for genre in GENRES:
            for track in [t for t in mini.tracks if t.label == genre][:PER_CLASS]:
                (data / genre).mkdir(parents=True, exist_ok=True)
                shutil.copy(mini.root / track.path, data / genre / Path(track.path).name)
        rows = []
        for name, args in RUNS.items():
            env = dict(os.environ, BBNN_CACHE=str(Path(tmp) / f"cache-{len(rows)}"))  # cold: nothing cached
            cmd = [sys.executable, "-m", "bbnn_core.cli", "train", "--data-dir", str(data), "--n-folds", "3"]
            t = time.perf_counter()
            res = subprocess.run([*cmd, *args, "--json", "-q", "--run-dir", str(Path(tmp) / f"run{len(rows)}")],
                                 capture_output=True, text=True, env=env, check=True)  # fmt: skip
            wall = time.perf_counter() - t
            s = json.loads(res.stdout)
            rows.append((name, s["test_acc"], s["baseline_test_acc"], wall))
    print(f"{len(GENRES)} classes x {PER_CLASS} real clips, 3 folds; fresh process and cache per command")
    print("| what | test accuracy (Wilson 95 %) | SVM, same folds | wall time, whole command |")
    print("|---|---|---|---|")
    for name, acc, svm, wall in rows:
        print(
            f"| {name} | {acc['correct']} of {acc['n_clips']} ({100 * acc['pooled']:.1f} %, "
            f"{100 * acc['ci_low']:.1f}-{100 * acc['ci_high']:.1f}) | {svm['correct']} of {svm['n_clips']} | {wall:.0f} s |"
        )


if __name__ == "__main__":
    main()
