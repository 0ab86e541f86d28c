"""Folds as a Slurm job array, tested without Slurm: ``bbnn train --cluster slurm-array`` prepares
the runs and hands the script to a stand-in ``sbatch``; the script's tasks then run here as Slurm
would run them (``SLURM_ARRAY_TASK_ID``), one killed mid-fold and run again (a requeue), one sent
the walltime warning; the run has the sequential run's bytes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import fake_commands, three_tone_genres

from bbnn_core.cluster import ClusterConfig, array_script
from bbnn_core.train import config_for

pytestmark = pytest.mark.slow  # trains three folds three times: left out of make test-fast

COMPARED = ("history.csv", "predictions.csv", "baseline.json")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return three_tone_genres(tmp_path_factory.mktemp("tones"))


def test_the_array_script_asks_for_what_the_config_says(tmp_path):
    cfg = ClusterConfig(
        scheduler="slurm-array",
        queue="gpu",
        account="my-lab",
        cores=4,
        memory="8GB",
        walltime="01:00:00",
        gpus=1,
        jobs=3,
        python="/shared/env/bin/python",
        prologue=["module load cuda/12.4"],
        env={"KERAS_BACKEND": "jax"},
    )
    cells = [(str(tmp_path / "run seed0"), 0), (str(tmp_path / "run seed0"), 2), (str(tmp_path / "seed1"), 1)]
    script = array_script(cells, cfg, tmp_path / "logs")
    lines = script.splitlines()
    for line in (
        "#SBATCH --array=0-2%3",
        "#SBATCH --cpus-per-task=4",
        "#SBATCH --mem=8GB",
        "#SBATCH --time=01:00:00",
        "#SBATCH --partition=gpu",
        "#SBATCH --account=my-lab",
        "#SBATCH --gres=gpu:1",
        "#SBATCH --requeue",
        "#SBATCH --signal=B:USR1@120",
        f"#SBATCH --output={tmp_path / 'logs'}/%A_%a.out",
        "export KERAS_BACKEND=jax",
        "export TF_NUM_INTRAOP_THREADS=4",
        "module load cuda/12.4",
        f"runs=('{tmp_path / 'run seed0'}' '{tmp_path / 'run seed0'}' {tmp_path / 'seed1'})",
        "folds=(0 2 1)",
    ):
        assert line in lines, line
    assert '/shared/env/bin/python -m bbnn_core.cli fold "${runs[$i]}" "${folds[$i]}" --threads 4 &' in lines
    assert lines.index("module load cuda/12.4") > lines.index("export KERAS_BACKEND=jax")  # after the env
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0  # valid bash
    # without a limit in the config, every task may run at once
    assert "#SBATCH --array=0-2" in array_script(cells, ClusterConfig(scheduler="slurm-array"), tmp_path).splitlines()


def _task(script: Path, i: int, env: dict) -> subprocess.Popen:
    """Task ``i`` as Slurm starts it: the script under bash with the array's variables set."""
    env = {**env, "SLURM_ARRAY_JOB_ID": "4242", "SLURM_ARRAY_TASK_ID": str(i)}
    return subprocess.Popen(["bash", str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _until_an_epoch_is_saved(fold: Path, timeout: float = 300) -> int:
    """The pid training ``fold`` once its checkpoint holds a finished epoch."""
    state = fold / "checkpoint" / "state.json"
    deadline = time.time() + timeout
    while time.time() < deadline and not (state.exists() and json.loads(state.read_text())["epoch"] >= 1):
        time.sleep(0.02)
    return json.loads(state.read_text())["sessions"][-1]["pid"]


def test_a_job_array_of_folds_killed_and_requeued_gives_the_sequential_bytes(data, tmp_path):
    bin_ = fake_commands(
        tmp_path / "bin",
        sbatch=f'echo "$@" >> {tmp_path}/sbatch.log; echo "4242;cluster"',
        squeue="exit 0",
        scontrol=f'echo "$@" >> {tmp_path}/scontrol.log',
    )
    env = {**os.environ, "PATH": f"{bin_}:{Path(sys.executable).parent}:/usr/bin:/bin"}
    (tmp_path / "cluster.yaml").write_text("cores: 1\njobs: 2\n")
    run = tmp_path / "runs" / "tones-seed0"
    train = [sys.executable, "-m", "bbnn_core.cli", "train", "--dataset", "tones", "--data-dir", str(data)]
    train += ["--kind", "folder", "--profile", "smoke", "--n-folds", "3", "--epochs", "8", "--run-dir", str(run)]
    train += ["--cluster", "slurm-array", "--cluster-config", str(tmp_path / "cluster.yaml")]
    res = subprocess.run(train, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert res.returncode == 0, res.stderr
    script = tmp_path / "runs" / "tones-seed0.slurm-array.sh"
    assert res.stdout.splitlines() == [f"array\t4242\t{script}"] + [f"task\t{run}\tfold {k}" for k in range(3)]
    assert (tmp_path / "sbatch.log").read_text() == f"--parsable {script}\n"
    assert "#SBATCH --array=0-2%2" in script.read_text()
    assert (run / "splits.json").is_file() and not (run / "fold0" / "metrics.json").exists()  # prepared, not trained

    assert _task(script, 0, env).wait(timeout=600) == 0
    # task 1 is preempted mid-fold (its process killed), then requeued: the same task again
    task = _task(script, 1, env)
    pid = _until_an_epoch_is_saved(run / "fold1")
    os.kill(pid, signal.SIGKILL)
    assert task.wait(timeout=60) != 0 and not (run / "fold1" / "metrics.json").exists()
    assert _task(script, 1, env).wait(timeout=600) == 0
    # task 2 gets the walltime warning: it asks Slurm to requeue it and trains on until stopped
    task = _task(script, 2, env)
    _until_an_epoch_is_saved(run / "fold2")
    task.send_signal(signal.SIGUSR1)
    out, err = task.communicate(timeout=600)
    assert task.returncode == 0, err
    assert (tmp_path / "scontrol.log").read_text() == "requeue 4242_2\n"

    seq = tmp_path / "seq"
    cfg = config_for("smoke", dataset="tones", data_dir=str(data), kind="folder", n_folds=3, epochs=8, run_dir=str(seq))
    code = "import json,sys; from bbnn_core.train import TrainConfig, train; "
    code += "train(TrainConfig(**json.loads(sys.argv[1])), progress=False, threads=1)"
    done = subprocess.run([sys.executable, "-c", code, json.dumps(cfg.to_json())], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    for k in range(3):
        for name in COMPARED:
            assert (run / f"fold{k}" / name).read_bytes() == (seq / f"fold{k}" / name).read_bytes(), (k, name)
    sessions = json.loads((run / "fold1" / "provenance.json").read_text())["sessions"]
    assert len(sessions) == 2 and sessions[0]["pid"] == pid and sessions[1]["first_epoch"] >= 2
    summary = json.loads((run / "summary.json").read_text())
    assert summary["folds_done"] == 3 and summary["run_dir"] == "tones-seed0"
    res = subprocess.run([sys.executable, "-m", "bbnn_core.cli", "evaluate", str(run), "--json"], capture_output=True)
    assert res.returncode == 0 and json.loads(res.stdout)["folds_done"] == 3

    # the same command again: nothing left to train, nothing submitted
    res = subprocess.run(train, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert res.returncode == 0 and res.stdout == "" and "nothing submitted" in res.stderr, res.stderr
    assert (tmp_path / "sbatch.log").read_text().count("\n") == 1


def test_slurm_array_is_refused_where_it_cannot_work(tmp_path):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    for args, said in (
        (["train", "--profile", "smoke", "--cluster", "slurm-array"], "needs the command sbatch, not found"),
        (["book", "--cluster", "slurm-array", "--no-build"], "--cluster slurm-array submits folds and returns"),
        (["train", "--cluster", "slurm-array", "--threads", "2"], "--threads: an array task uses the cores its job"),
        (["fold", "nowhere", "0"], "nowhere does not exist (expected a run folder)"),
    ):
        res = subprocess.run(
            [sys.executable, "-m", "bbnn_core.cli", *args], capture_output=True, text=True, cwd=tmp_path, env=env
        )
        assert res.returncode == 1 and res.stderr.count("\n") == 1 and said in res.stderr, res.stderr
        assert not any(tmp_path.iterdir())
