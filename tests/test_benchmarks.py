"""The benchmarks run and print their figures (tiny sizes: speed is never asserted in tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the benchmarks: left out of make test-fast

BENCH = Path(__file__).parent.parent / "benchmarks"


def run(script, *args):
    res = subprocess.run(
        [sys.executable, str(BENCH / script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    return res.stdout


def numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"\d+\.\d+(?:e[-+]\d+)?", line)]


def test_features_benchmark(mirror):
    out = run("bench_features.py", "--clips", 3, "--repeat", 1)
    ratio = next(line for line in out.splitlines() if line.strip().startswith("ratio"))
    assert numbers(ratio)[0] > 0
    assert re.search(r"2 core\(s\)\s+extract\(\)\s+\d+\.\d clips/s .* computation\s+\d+\.\d clips/s", out)
    diff = re.search(r"max \|bbnn_core - librosa\| over 3 clips: (\S+) dB", out)
    assert diff and float(diff.group(1)) < 1e-3
    assert re.search(r"scipy\.fft \(pocketfft, used\)\s+\d+\.\d+ ms/clip", out)
    assert re.search(r"budget for the whole clip at 8x the naive path: \d+\.\d+ ms/clip", out)


def test_train_benchmark(mirror):
    out = run("bench_train.py", "--steps", 1, "--frames", 32, "--variants", "plain,project")
    rows = {line.split()[0]: numbers(line) for line in out.splitlines() if re.match(r"(plain|project)\s", line)}
    assert set(rows) == {"plain", "project"}
    assert rows["plain"][2] == 1.0 and all(v > 0 for v in rows["project"][:3])
    assert "0.37 GFLOP forward" in out  # count_flops at 32 frames
    assert re.search(r"project\s+\d+\.\d min", out)


def test_predict_benchmark(mirror):
    out = run(
        "bench_predict.py",
        *("--clips", 2, "--repeat", 1, "--skip-conversion"),
        *("--ensemble", "authors-gtzan:0,1", "--end-to-end", "openvino:f32"),
    )
    for label in ("1 model", "2 models"):
        assert re.search(rf"{label}: obvious way\s+\d+\.\d+ clips/s", out)
    rows = re.findall(
        r"(keras|openvino)\s+(f32|bf16)\s+(\d+\.\d+) clips/s.*difference (\S+), top genre differs on (\d+) of 2", out
    )
    assert len(rows) == 6, out  # three runtimes, one model and two
    for _runtime, precision, rate, diff, flips in rows:
        assert float(rate) > 0 and int(flips) == 0
        assert float(diff.rstrip(",")) < (0.1 if precision == "bf16" else 1e-4)
    assert "7.43 GFLOP per clip per model" in out
    assert re.search(r"bbnn predict --runtime openvino\s+f32\s+\(2 files\):\s+\d+\.\d s wall", out)


def test_train_benchmark_in_fresh_processes_counts_the_slow_ones(mirror):
    out = run("bench_train.py", "--fresh", 2, "--steps", 2, "--frames", 32)
    assert len(re.findall(r"process\s+\d: median\s+\d+\.\d+ s/step\s+\(steps: \d+\.\d+, \d+\.\d+\)", out)) == 2
    assert re.search(r"slow mode \(>= 1\.5x the fastest\): [0-2] of 2", out)


def test_ensemble_benchmark_per_extra_clip_and_phases(mirror):
    out = run("bench_ensemble.py", "--files", 1, "--repeat", 1, "--models", "authors-gtzan:0,1")
    m = re.search(r"per extra clip: (-?\d+\.\d+)x the plain ensemble; the same genre on (\d) of 2 files", out)
    assert m and int(m.group(2)) == 2, out
    assert len(re.findall(r"\| (plain TensorFlow|bbnn predict) \| \d+\.\d s \| \d+\.\d s \| -?\d+\.\d+ s \|", out)) == 2
    for phase in ("imports", "load", "first file", "rest"):
        assert re.search(rf"{phase}\s+\d+\.\d+ s", out), phase


def test_scale_benchmark_measures_every_command_and_leaves_nothing(mirror, tmp_path):
    import csv

    out = run(
        "bench_scale.py", "--sizes", "30,60", "--profile", "smoke", "--csv", tmp_path / "s.csv", "--tmp", tmp_path
    )
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert [(r["what"].split(",")[0], r["clips"]) for r in rows] == [
        (what, n)
        for n in ("30", "60")
        for what in ("bbnn features", "bbnn train", "bbnn train --workers 2", "bbnn predict")
    ]
    assert all(float(r["wall_s"]) > 0 and int(r["peak_mb"]) > 50 for r in rows)
    assert "| bbnn features | 60 |" in out and "| 1.00x |" in out
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]  # the clips, caches and runs are gone
