"""The authors' ten-model ensemble per extra clip, in fresh processes: ``bbnn predict`` against a
plain TensorFlow ensemble, in the same run, and where a fresh ``bbnn predict`` spends its time.

Each side runs as a fresh process on N and on 2N gtzan_mini files (the OpenVINO graph already in
the cache, as on every run but the first); the cost of an extra clip is
``(wall(2N) - wall(N)) / N``, which leaves out what a process pays once (imports, loading the
models), and the ratio is the plain ensemble's cost over ours. The plain ensemble: the ten Keras
models, each called through its own ``tf.function`` on batches of 8, on the project's own log-mel
features (computed one file after another), probabilities averaged; what a researcher would write.
Both must give the same genre for every file.

Then one fresh ``bbnn predict`` process timed phase by phase: imports, loading the ensemble (the
cached graph compiled), the first file (its features and the first inference request), the rest.

    python benchmarks/bench_ensemble.py [--files N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

PLAIN = """
import json, sys
import numpy as np
import tensorflow as tf
from bbnn_core.features import log_mel
from bbnn_core.predict import load_ensemble
ens = load_ensemble(sys.argv[1], runtime="keras")
models = [ens.loader(f) for f in ens.files]
calls = [tf.function(lambda x, m=m: m(x, training=False)) for m in models]
X = np.stack([log_mel(path) for path in sys.argv[2:]])[..., None]
mean = np.mean([np.concatenate([c(X[i : i + 8]).numpy() for i in range(0, len(X), 8)]) for c in calls], axis=0)
print(json.dumps([ens.classes[k] for k in mean.argmax(1)]))
"""

PHASES = """
import json, sys, time
t0 = time.perf_counter()
from bbnn_core.predict import iter_predictions, load_ensemble
t1 = time.perf_counter()
ens = load_ensemble(sys.argv[1])
ens.runner()
t2 = time.perf_counter()
list(iter_predictions(sys.argv[2:3], ens, progress=False))
t3 = time.perf_counter()
rest = list(iter_predictions(sys.argv[3:], ens, progress=False))
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "load": t2 - t1, "first file": t3 - t2, "rest": t4 - t3, "n_rest": len(rest)}))
"""


def _wall(cmd: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed:\n{res.stderr[-3000:]}")
    return time.perf_counter() - t, res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=16, help="N: the runs are on N and 2N files")
    ap.add_argument("--repeat", type=int, default=2, help="best of R per measurement")
    ap.add_argument("--models", default="authors-gtzan", help="the ensemble (tests: authors-gtzan:0,1)")
    args = ap.parse_args()
    from bbnn_core.datasets import load_dataset

    ds = load_dataset("gtzan_mini")
    paths = [str(p) for p in ds.paths()][:: max(1, len(ds) // (2 * args.files))][: 2 * args.files]
    ours = [sys.executable, "-m", "bbnn_core.cli", "predict", "-q", "--top", "1", "--model", args.models]
    plain = [sys.executable, "-c", PLAIN, args.models]
    _wall([*ours, paths[0]])  # the graph converted and cached, outside the timing
    rows = {}
    genres = {}
    for name, cmd in (("bbnn predict", ours), ("plain TensorFlow", plain)):
        for n in (args.files, 2 * args.files):
            best = float("inf")
            for _ in range(args.repeat):
                wall, out = _wall([*cmd, *paths[:n]])
                best = min(best, wall)
            rows[(name, n)] = best
            if n == 2 * args.files:
                genres[name] = (
                    json.loads(out)
                    if name == "plain TensorFlow"
                    else [ln.split("\t")[1].split()[0] for ln in out.splitlines()]
                )
    print(f"{os.cpu_count()} cores; ensemble {args.models}; best of {args.repeat} fresh processes each")
    print(f"| | N = {args.files} files | 2N files | per extra clip |")
    print("|---|---|---|---|")
    extra = {}
    for name in ("plain TensorFlow", "bbnn predict"):
        a, b = rows[(name, args.files)], rows[(name, 2 * args.files)]
        extra[name] = (b - a) / args.files
        print(f"| {name} | {a:.1f} s | {b:.1f} s | {extra[name]:.3f} s |")
    same = sum(x == y for x, y in zip(genres["bbnn predict"], genres["plain TensorFlow"]))
    print(
        f"bbnn predict per extra clip: {extra['plain TensorFlow'] / extra['bbnn predict']:.2f}x the plain ensemble; "
        f"the same genre on {same} of {len(paths)} files"
    )
    _, out = _wall([sys.executable, "-c", PHASES, args.models, *paths[: 2 * args.files]])
    ph = json.loads(out)
    print("\nwhere a fresh bbnn predict process spends its time (2N files):")
    for k in ("imports", "load", "first file", "rest"):
        print(f"   {k:<12}{ph[k]:7.2f} s" + (f"  ({ph[k] / ph['n_rest']:.3f} s per file)" if k == "rest" else ""))


if __name__ == "__main__":
    main()
