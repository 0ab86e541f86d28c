"""Folds as Dask tasks: a real LocalCluster of two worker processes gives the sequential run's
bytes, survives a worker killed mid-fold, and fails cleanly on bad input; the Slurm, PBS and SGE
job scripts are built from the documented config without a batch system."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
from conftest import fake_commands, three_tone_genres

from bbnn_core.cluster import ClusterConfig, jobqueue_cluster, local_workers, train_runs
from bbnn_core.errors import DatasetError, ParameterError, RunError
from bbnn_core.runs import Run
from bbnn_core.train import config_for, prepare_run

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # starts Dask clusters and trains: left out of make test-fast

COMPARED = ("history.csv", "predictions.csv", "baseline.json")


@pytest.fixture(scope="module")
def workers():
    with local_workers(2, threads=1) as w:
        yield w


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return three_tone_genres(tmp_path_factory.mktemp("tones"))


def _cfg(data, run_dir, **kw):
    return config_for(
        "smoke", dataset="tones", data_dir=str(data), kind="folder", n_folds=3, run_dir=str(run_dir), **kw
    )


def _same_fold(a, b, k):
    for name in COMPARED:
        assert (a / f"fold{k}" / name).read_bytes() == (b / f"fold{k}" / name).read_bytes(), (k, name)
    ma, mb = (json.loads((d / f"fold{k}" / "metrics.json").read_text()) for d in (a, b))
    ma.pop("wall_time_s"), mb.pop("wall_time_s")
    assert ma == mb, k


SEQUENTIAL = """
import json, sys
from bbnn_core.train import TrainConfig, train
d = json.loads(sys.argv[1])
d["folds"] = tuple(d["folds"]) if d["folds"] is not None else None
train(TrainConfig(**d), progress=False, threads=1)
"""


def _sequential(cfg):
    """The run in one fresh process on one thread, as ``bbnn train --threads 1`` runs it. (Not in
    this process: the thread count would stay set for every later test in it, and the committed
    reference run of tests/test_reference_run.py was made on all cores.)"""
    res = subprocess.run(
        [sys.executable, "-c", SEQUENTIAL, json.dumps(cfg.to_json())], capture_output=True, text=True, timeout=900
    )
    assert res.returncode == 0, res.stderr[-3000:]


def test_two_workers_give_the_sequential_bytes_and_compute_features_once(workers, data, tmp_path):
    _sequential(_cfg(data, tmp_path / "seq"))
    cfgs = [_cfg(data, tmp_path / "dask-seed0"), _cfg(data, tmp_path / "dask-seed1", seed=1, folds=(0,))]
    t0 = time.perf_counter()
    summaries = train_runs(cfgs, workers, progress=False)
    print(f"4 fold tasks on 2 workers: {time.perf_counter() - t0:.1f} s")
    assert [s["folds_done"] for s in summaries] == [3, 1]
    for k in range(3):
        _same_fold(tmp_path / "seq", tmp_path / "dask-seed0", k)
    # both seeds (four fold tasks over two processes) read one feature file, written before them
    prov = [f.provenance() for c in cfgs for f in Run(c.run_dir).finished_folds()]
    files = {p["feature_file"] for p in prov}
    assert len(files) == 1
    from bbnn_core.resources import cache_dir

    written = os.stat(cache_dir() / "features" / files.pop()).st_mtime  # recorded by name: no machine's path
    assert all(written <= os.stat(Run(c.run_dir).fold(0).path / "config.json").st_mtime for c in cfgs)
    assert len({p["sessions"][0]["pid"] for p in prov}) == 2  # the folds ran in both workers
    assert all(p["determinism"]["intra_op_threads"] == 1 for p in prov)
    seed1 = Run(cfgs[1].run_dir).fold(0).history()
    assert not seed1.equals(Run(cfgs[0].run_dir).fold(0).history())  # another seed, other numbers


def test_a_worker_killed_mid_fold_resumes_to_the_same_bytes(workers, data, tmp_path):
    _sequential(_cfg(data, tmp_path / "seq", epochs=8, folds=(1,)))
    cfg = _cfg(data, tmp_path / "dask", epochs=8, folds=(1,))
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(s=train_runs([cfg], workers, progress=False)))
    thread.start()
    state = tmp_path / "dask" / "fold1" / "checkpoint" / "state.json"
    deadline = time.time() + 300
    while time.time() < deadline and not (state.exists() and json.loads(state.read_text())["epoch"] >= 1):
        time.sleep(0.02)
    pid = json.loads(state.read_text())["sessions"][-1]["pid"]
    assert not (tmp_path / "dask" / "fold1" / "metrics.json").exists()  # killed mid-fold
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=600)
    assert result["s"][0]["folds_done"] == 1
    _same_fold(tmp_path / "seq", tmp_path / "dask", 1)
    sessions = Run(cfg.run_dir).fold(1).provenance()["sessions"]
    assert len(sessions) == 2 and sessions[0]["pid"] == pid and sessions[1]["first_epoch"] >= 2


def test_a_failing_fold_fails_the_run_after_the_others_finish(workers, data, tmp_path):
    from bbnn_core.features import extract

    cfg = _cfg(data, tmp_path / "run")
    from bbnn_core.datasets import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepare_run(cfg, extract(load_dataset(str(data), kind="folder"), progress=False))
    damaged = tmp_path / "run" / "fold1" / "checkpoint"
    damaged.mkdir(parents=True)
    (damaged / "state.json").write_text("{not json")
    (damaged / "model.keras").write_bytes(b"not a model")
    with pytest.raises(RunError, match=r"fold 1 of .*run failed: cannot read .*fold1/checkpoint/state.json"):
        train_runs([cfg], workers, progress=False)
    run = Run(cfg.run_dir)
    assert [f.index for f in run.finished_folds()] == [0, 2]
    assert json.loads((run.path / "summary.json").read_text())["folds_done"] == 2


def test_a_broken_audio_file_fails_the_run_with_its_name(workers, data, tmp_path):
    import shutil

    root = tmp_path / "tones"
    shutil.copytree(data, root)
    (root / "mid" / "mid2.wav").write_text("this is not audio")
    with pytest.raises(DatasetError, match=r"mid2\.wav"):
        train_runs([_cfg(root, tmp_path / "run")], workers, progress=False)
    assert not (tmp_path / "run").exists()


CONFIG = """
queue: gpu
account: bbnn-lab
walltime: "06:00:00"
cores: 8
memory: 32GB
gpus: 1
jobs: 5
python: /shared/envs/bbnn/bin/python
prologue:
  - module load cuda/12.4
env:
  KERAS_BACKEND: jax
"""


def test_the_slurm_job_script_asks_for_what_the_config_says(tmp_path, monkeypatch):
    monkeypatch.setenv("BBNN_CACHE", "/shared/bbnn cache")
    path = tmp_path / "cluster.yaml"
    path.write_text(CONFIG)
    cluster = jobqueue_cluster(ClusterConfig.load(path, "slurm"))
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in (
        "#SBATCH -p gpu",
        "#SBATCH -A bbnn-lab",
        "#SBATCH -t 06:00:00",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --mem=30G",
        "#SBATCH --gres=gpu:1",
        "export BBNN_CACHE='/shared/bbnn cache'",
        "export KERAS_BACKEND=jax",
        "export TF_NUM_INTRAOP_THREADS=8",
        "module load cuda/12.4",
    ):
        assert line in script, line
    worker = script.strip().splitlines()[-1]
    assert worker.startswith("/shared/envs/bbnn/bin/python -m distributed.cli.dask_worker tcp://")
    assert "--nthreads 1" in worker and "--resources GPU=1" in worker


@pytest.mark.parametrize(
    ("scheduler", "lines"),
    [("pbs", ["#PBS -l select=1:ncpus=8:mem=32GB:ngpus=1"]), ("sge", ["#$ -l gpu=1", "#$ -pe smp 8"])],
)
def test_pbs_and_sge_job_scripts(tmp_path, scheduler, lines):
    path = tmp_path / "cluster.yaml"
    path.write_text(CONFIG)
    cluster = jobqueue_cluster(ClusterConfig.load(path, scheduler))
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in lines:
        assert line in script, (line, script)


def test_a_cluster_config_with_an_unknown_key_is_refused_by_name(tmp_path):
    path = tmp_path / "cluster.yaml"
    path.write_text("queue: gpu\ngpu: 1\n")
    with pytest.raises(ParameterError, match="unknown key 'gpu'"):
        ClusterConfig.load(path, "slurm")


def test_bbnn_book_trains_and_executes_the_chapters_as_tasks(workers, data, tmp_path):
    import shutil

    import nbformat

    from bbnn_core.book import build_book, parse_data

    root = tmp_path / "checkout"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(Path(__file__).parents[1] / "notebooks" / "gtzan.ipynb", root / "notebooks")
    with pytest.raises(ParameterError, match="no chapter 'jazz'"):
        parse_data([f"jazz={data}"])
    runs = build_book(
        parse_data([f"gtzan={data}"]),
        root=root,
        profile="smoke",
        n_folds=3,
        runs=tmp_path / "runs",
        workers=workers,
        build=False,
        progress=False,
    )
    run = Run(runs["gtzan"])
    assert run.path.parent == tmp_path / "runs" and len(run.finished_folds()) == 3
    nb = nbformat.read(root / "book" / "generated" / "gtzan.ipynb", as_version=4)
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
    )
    # the chapter read the run trained above, with the parameters given: the numbers its prose quotes
    assert "'recipe': 'the reduced smoke profile'" in text and "'n_folds': '3'" in text, text[:2000]
    assert "'protocol_text': 'true 3-fold cross-validation" in text
    assert f"'title': '{data.name}'" in text  # the page is titled after the data, not "GTZAN"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers must be at least 1; got 0"),
        (["--workers", "2", "--scheduler", "tcp://x:1"], "--workers and --scheduler exclude each other"),
        (["--cluster-config", "c.yaml"], "--cluster-config needs --cluster slurm, slurm-array, pbs or sge"),
        (["--seeds", "0,1", "--run-dir", "runs/x"], "--run-dir must contain {seed}"),
    ],
)
def test_where_the_folds_run_is_checked_in_one_line(args, message, tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "bbnn_core.cli", "train", "--profile", "smoke", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=1800,
    )
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
    assert not any(tmp_path.iterdir())  # nothing written


def test_a_batch_system_not_here_or_not_answering_is_one_line_never_a_hang(tmp_path, monkeypatch):
    """No sbatch on PATH (a laptop), a controller that does not answer (a hang cut at the
    timeout), one that refuses: each one ParameterError naming the command, in seconds."""
    from bbnn_core.cluster import check_scheduler
    from bbnn_core.errors import ParameterError

    bin_ = fake_commands(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(bin_))
    with pytest.raises(ParameterError, match="^--cluster slurm needs .*sbatch, not found on PATH"):
        check_scheduler("slurm")
    fake_commands(
        bin_,
        sbatch="exit 0",
        squeue="exec /bin/sleep 60",
        qsub="exit 0",
        qstat="echo 'qstat: cannot connect to server' >&2; exit 2",
    )
    t = time.monotonic()
    with pytest.raises(ParameterError, match=r"`squeue --noheader --user \S+` did not answer within 1 s"):
        check_scheduler("slurm", timeout=1)
    assert time.monotonic() - t < 10
    with pytest.raises(ParameterError, match=r"^--cluster pbs: `qstat -B` failed \(qstat: cannot connect to server\)"):
        check_scheduler("pbs")
    fake_commands(bin_, squeue="exit 0")
    check_scheduler("slurm")  # there and answering: no error


def test_bbnn_train_on_a_cluster_that_is_not_there_fails_at_once_in_one_line(tmp_path):
    """--cluster without its scheduler's commands, --scheduler at an address nobody serves."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    for args, said in (
        (["--cluster", "slurm"], "--cluster slurm needs the command sbatch, not found on PATH"),
        (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach a Dask scheduler at tcp://127.0.0.1:9"),
    ):
        t = time.monotonic()
        res = subprocess.run(
            [sys.executable, "-m", "bbnn_core.cli", "train", "--profile", "smoke", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
        assert res.returncode == 1 and res.stderr.count("\n") == 1 and said in res.stderr, res.stderr
        assert time.monotonic() - t < 120 and not any(tmp_path.iterdir())  # nothing written
