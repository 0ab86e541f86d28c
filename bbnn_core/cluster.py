"""Runs on Dask: the folds (and seeds) of runs as tasks, from a laptop to a Slurm cluster.

The unit of work is one fold of one run: it writes only its own folder and resumes from its last
epoch, so a task that Dask runs again after its worker died continues where the worker stopped.
Before the folds, one task per data set computes its feature file (in ``$BBNN_CACHE``, which on
a cluster must be a folder every node sees); the folds read it and never recompute it.

Three ways to get workers, all handled by Dask itself (no scheduler, queue or retry loop here):

* ``LocalCluster``: N worker processes on this machine (``bbnn train --workers N``);
* an existing scheduler (``--scheduler tcp://host:8786``);
* ``dask-jobqueue``: Slurm, PBS or SGE jobs built from a small YAML file (``--cluster slurm
  --cluster-config cluster.yaml``); see :class:`ClusterConfig`.

Or no Dask at all: ``--cluster slurm-array`` writes and submits a Slurm job array, one task per
fold and seed (:func:`submit_array`), each task the ordinary resumable fold (``bbnn fold``).

The numbers of a fold depend on its backend's intra-op thread count
(:func:`bbnn_core.train.determinism_settings`). Each worker trains with ``threads`` threads
(on a ``LocalCluster``, the cores divided among the workers); a run made on N local workers
therefore gives the same bytes as ``bbnn train --threads <cores // N>`` in one process.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import BBNNError, ParameterError, RunError
from .extras import require

__all__ = [
    "ClusterConfig",
    "Workers",
    "local_workers",
    "connect",
    "check_scheduler",
    "jobqueue_cluster",
    "batch_workers",
    "train_runs",
    "wait_all",
    "array_script",
    "submit_array",
    "array_task",
]

SCHEDULERS = ("slurm", "pbs", "sge")
ARRAY = "slurm-array"  # a Slurm job array of bbnn fold tasks, no Dask


# ----------------------------------------------------------------------------------------------
# Where the tasks run


@dataclass
class Workers:
    """A Dask client and how its workers train: ``threads`` intra-op threads per fold (None: the
    backend's default), ``resources`` asked by every fold task (e.g. ``{"GPU": 1}``)."""

    client: object
    threads: int | None = None
    resources: dict | None = None
    description: str = ""

    @property
    def dashboard(self) -> str | None:
        """The dashboard's address, when the scheduler serves one (it needs ``bokeh``)."""
        try:
            if "dashboard" not in self.client.scheduler_info().get("services", {}):  # type: ignore[attr-defined]
                return None
            return self.client.dashboard_link  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - an address is a courtesy, never a failure
            return None


def _dashboard_address() -> str | None:
    return ":0" if importlib.util.find_spec("bokeh") else None  # any free port; none without bokeh


def local_workers(n: int, *, threads: int | None = None, quiet: bool = True) -> AbstractContextManager[Workers]:
    """A ``LocalCluster`` of ``n`` worker processes, one task each, sharing this machine's cores:
    each trains with ``threads`` (default ``cores // n``) intra-op threads. Checked at once (the
    cluster extra installed, ``n``); the cluster starts on entering the context."""
    require("cluster", "--workers (folds as tasks on local Dask workers)", ("distributed",))
    if n < 1:
        raise ParameterError(f"--workers must be at least 1; got {n}")
    return _local_workers(n, threads or max(1, (os.cpu_count() or 1) // n), quiet)


@contextmanager
def _local_workers(n: int, threads: int, quiet: bool) -> Iterator[Workers]:
    import logging

    from distributed import Client, LocalCluster

    env = {"TF_NUM_INTRAOP_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        env=env,
        dashboard_address=_dashboard_address(),
        silence_logs=logging.ERROR if quiet else logging.WARNING,
    )
    try:
        with Client(cluster) as client:
            yield Workers(client, threads=threads, description=f"{n} local worker processes, {threads} threads each")
    finally:
        cluster.close()


def connect(address: str, *, threads: int | None = None) -> AbstractContextManager[Workers]:
    """The workers of a running Dask scheduler at ``address`` (``tcp://host:8786``), reached at
    once (one line within 30 s when nobody answers there)."""
    require("cluster", "--scheduler (folds as tasks on a Dask scheduler)", ("distributed",))
    from distributed import Client

    try:
        client = Client(address, timeout="30s")
    except OSError as exc:
        raise ParameterError(f"cannot reach a Dask scheduler at {address}: {exc}") from exc
    return _connected(client, address, threads)


@contextmanager
def _connected(client, address: str, threads: int | None) -> Iterator[Workers]:
    with client:
        yield Workers(client, threads=threads, description=f"the Dask scheduler at {address}")


@dataclass
class ClusterConfig:
    """A batch-system cluster for ``bbnn train --cluster slurm|pbs|sge --cluster-config FILE``.

    The file is YAML; every key is optional::

        queue: gpu               # partition (Slurm) or queue (PBS, SGE)
        account: my-project      # account / project to charge
        walltime: "04:00:00"     # per job; a fold outliving its job resumes in the next
        cores: 8                 # CPUs per job: one worker, one fold at a time, 8 threads
        memory: 32GB             # per job
        gpus: 1                  # GPUs per job (0: CPU only)
        jobs: 10                 # jobs (workers) to start; slurm-array: tasks at once (default all)
        python: /shared/env/bin/python   # the environment on the nodes (default: this one)
        prologue: [module load cuda/12.4]  # shell lines before the worker starts
        env: {KERAS_BACKEND: jax}          # environment of the workers
        gpu_directive: "--gres=gpu:{gpus}" # how to ask for GPUs, if the site differs

    ``BBNN_CACHE`` and ``BBNN_MIRROR`` are passed on from this process unless ``env`` sets them;
    the cache must be on a file system every node sees, as must the run folders.
    """

    scheduler: str = "slurm"
    queue: str | None = None
    account: str | None = None
    walltime: str = "04:00:00"
    cores: int = 4
    memory: str = "16GB"
    gpus: int = 0
    jobs: int | None = None
    python: str = field(default_factory=lambda: sys.executable)
    prologue: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    gpu_directive: str | None = None

    @classmethod
    def load(cls, path: str | os.PathLike | None, scheduler: str) -> ClusterConfig:
        if scheduler not in (*SCHEDULERS, ARRAY):
            raise ParameterError(f"--cluster must be one of {', '.join((*SCHEDULERS, ARRAY))}; got {scheduler!r}")
        if scheduler != ARRAY:  # an array needs no Dask: only PyYAML, for a config file
            require("cluster", f"--cluster {scheduler} (folds as batch jobs)")
        data: dict = {}
        if path is not None:
            require("cluster", f"--cluster-config {path}", ("yaml",))
            import yaml

            try:
                data = yaml.safe_load(Path(path).read_text()) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise ParameterError(f"cannot read cluster config {path}: {exc}") from exc
            if not isinstance(data, dict):
                raise ParameterError(f"cluster config {path}: expected keys such as queue, walltime, gpus")
        known = {f.name for f in fields(cls)} - {"scheduler"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParameterError(
                f"cluster config {path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
        cfg = cls(scheduler=scheduler, **data)
        for name in ("cores", "jobs"):
            if getattr(cfg, name) is not None and int(getattr(cfg, name)) < 1:
                raise ParameterError(f"cluster config {path}: {name} must be at least 1")
        return cfg

    def worker_env(self) -> dict[str, str]:
        env = {k: os.environ[k] for k in ("BBNN_CACHE", "BBNN_MIRROR") if k in os.environ}
        env |= {k: str(v) for k, v in self.env.items()}
        env.setdefault("TF_NUM_INTRAOP_THREADS", str(self.cores))
        env.setdefault("OMP_NUM_THREADS", str(self.cores))
        return env


_GPU_DIRECTIVES = {"slurm": "--gres=gpu:{gpus}", "pbs": "-l ngpus={gpus}", "sge": "-l gpu={gpus}"}


def jobqueue_cluster(cfg: ClusterConfig):
    """The ``dask-jobqueue`` cluster object for ``cfg`` (not yet scaled: nothing is submitted).

    Each job runs one worker that works on one fold at a time (Dask's ``cores=1``) with
    ``cfg.cores`` CPUs booked for the backend's threads, and offers ``GPU=cfg.gpus`` as a Dask
    resource that every fold task asks for."""
    import shlex

    require("cluster", f"--cluster {cfg.scheduler} (folds as batch jobs)")
    import dask_jobqueue

    prologue = [f"export {k}={shlex.quote(str(v))}" for k, v in sorted(cfg.worker_env().items())] + list(cfg.prologue)
    directives: list[str] = []
    extra_args = ["--resources", f"GPU={cfg.gpus}"] if cfg.gpus else []
    if cfg.gpus:
        directives.append((cfg.gpu_directive or _GPU_DIRECTIVES[cfg.scheduler]).format(gpus=cfg.gpus))
    common: dict[str, Any] = {
        "cores": 1,  # one task (fold) per worker; the backend's threads are booked below
        "processes": 1,
        "memory": cfg.memory,
        "walltime": cfg.walltime,
        "queue": cfg.queue,
        "python": cfg.python,
        "job_script_prologue": prologue,
        "worker_extra_args": extra_args,
        "job_name": "bbnn",
        "scheduler_options": {"dashboard_address": _dashboard_address()},
    }
    if cfg.scheduler == "slurm":
        return dask_jobqueue.SLURMCluster(
            account=cfg.account, job_cpu=cfg.cores, job_extra_directives=directives, **common
        )
    if cfg.scheduler == "pbs":
        spec = f"select=1:ncpus={cfg.cores}:mem={cfg.memory}" + (f":ngpus={cfg.gpus}" if cfg.gpus else "")
        return dask_jobqueue.PBSCluster(
            account=cfg.account,
            resource_spec=spec,
            job_extra_directives=[d for d in directives if "ngpus" not in d],
            **common,
        )
    return dask_jobqueue.SGECluster(
        project=cfg.account,
        resource_spec=f"h_vmem={cfg.memory}",
        job_extra_directives=[*directives, f"-pe smp {cfg.cores}"],
        **common,
    )


# per batch system: the command that submits a job, and one that must answer when its controller
# is reachable (the user's jobs on Slurm, the server's state on PBS, the queue on SGE)
_COMMANDS = {
    "slurm": ("sbatch", ["squeue", "--noheader", "--user"]),
    "pbs": ("qsub", ["qstat", "-B"]),
    "sge": ("qsub", ["qstat"]),
}


def check_scheduler(scheduler: str, *, timeout: float = 30.0, option: str | None = None) -> None:
    """Refuse in one line, before any job is built, a batch system whose commands are not on
    ``PATH`` or whose controller does not answer within ``timeout`` seconds (never a hang)."""
    import getpass
    import shutil
    import subprocess

    submit, status = _COMMANDS[scheduler]
    named = option or scheduler  # what the user asked for: --cluster slurm-array also runs sbatch
    if scheduler == "slurm":
        status = [*status, getpass.getuser()]
    where = f"run bbnn where {scheduler} jobs are submitted (a login node), or use --workers N here"
    for command in (submit, status[0]):
        if shutil.which(command) is None:
            raise ParameterError(f"--cluster {named} needs the command {command}, not found on PATH: {where}")
    asked = " ".join(status)
    try:
        res = subprocess.run(status, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ParameterError(f"--cluster {named}: `{asked}` did not answer within {timeout:g} s: {where}") from None
    if res.returncode != 0:
        said = (res.stderr or res.stdout).strip().splitlines()
        raise ParameterError(
            f"--cluster {named}: `{asked}` failed ({said[-1] if said else f'exit {res.returncode}'}): {where}"
        )


def batch_workers(cfg: ClusterConfig, *, timeout: float = 30.0) -> AbstractContextManager[Workers]:
    """On entering the context, submit ``cfg.jobs`` batch jobs and yield their workers as they
    join. The batch system is checked at once (:func:`check_scheduler`)."""
    require("cluster", f"--cluster {cfg.scheduler} (folds as batch jobs)")
    check_scheduler(cfg.scheduler, timeout=timeout)
    return _batch_workers(cfg)


@contextmanager
def _batch_workers(cfg: ClusterConfig) -> Iterator[Workers]:
    from distributed import Client

    cluster = jobqueue_cluster(cfg)
    try:
        cluster.scale(jobs=cfg.jobs or 1)
        with Client(cluster) as client:
            yield Workers(
                client,
                threads=cfg.cores,
                resources={"GPU": 1} if cfg.gpus else None,
                description=f"{cfg.jobs or 1} {cfg.scheduler} jobs ({cfg.cores} cores"
                + (f", {cfg.gpus} GPU" if cfg.gpus else "")
                + f", {cfg.walltime})",
            )
    finally:
        cluster.close()


# ----------------------------------------------------------------------------------------------
# The tasks (run in the worker processes)


def _features_task(cfg_json: dict) -> str:
    """Compute (or find current in the cache) the feature file of a run's data; its path."""
    from .train import TrainConfig, features_for

    cfg = TrainConfig(**{**cfg_json, "folds": None})
    return str(features_for(cfg, False).path)


@lru_cache(maxsize=2)
def _load_features(path: str, stamp: int):
    from .features import FeatureSet

    return FeatureSet.load(path)


def _fold_task(run_dir: str, k: int, feature_path: str, threads: int | None) -> dict:
    """Train (or resume) fold ``k``: the unit of work. Features are read once per worker."""
    from .train import train_fold

    fs = _load_features(feature_path, Path(feature_path).stat().st_mtime_ns)
    return train_fold(run_dir, k, fs, threads=threads)


# ----------------------------------------------------------------------------------------------
# A set of runs as one task graph


def wait_all(futures: list, desc: str, unit: str, progress: bool | None) -> list[tuple[object, BaseException]]:
    """Wait for every future, counting them on one bar; the failed ones with their exceptions."""
    from distributed import as_completed

    from .progress import bar

    failed = []
    with bar(total=len(futures), desc=desc, unit=unit, progress=progress) as pbar:
        for fut in as_completed(futures):
            if fut.status == "error":
                failed.append((fut, fut.exception()))
            pbar.update(1)
    return failed


def _run_dirs(cfgs) -> list[str]:
    """The run folders of ``cfgs``, refused if two runs would share one."""
    dirs = [str(Path(c.run_dir)) for c in cfgs]
    if len(set(dirs)) != len(dirs):
        raise ParameterError("two runs would share one run folder: give each seed its own --run-dir")
    return dirs


def _source(cfg) -> tuple:
    return (cfg.dataset, cfg.data_dir, cfg.kind)


def train_runs(
    cfgs: Sequence,
    workers: Workers,
    *,
    restart: bool = False,
    progress: bool | None = None,
) -> list[dict]:
    """Train every fold of every run in ``cfgs`` (e.g. one per seed) as Dask tasks and return
    each run's summary, in order.

    One feature task per data set runs first; the fold tasks of a run are submitted once its
    split is written. A worker that dies takes its task with it and Dask runs the task again on
    another worker, where the fold resumes from its last epoch. A fold that fails (a bad input,
    a damaged checkpoint) does not stop the others: when all have ended, the run's summary is
    written from the finished folds and the first failure is raised, naming its fold.
    """
    from .runs import Run
    from .train import finish_run, prepare_run

    client = workers.client
    cfgs = list(cfgs)
    dirs = _run_dirs(cfgs)
    feature_futures = {}
    for cfg in cfgs:
        if _source(cfg) not in feature_futures:
            feature_futures[_source(cfg)] = client.submit(_features_task, cfg.to_json(), pure=False)  # type: ignore[attr-defined]
    fold_futures = {}
    plans = []
    for cfg in cfgs:
        path = feature_futures[_source(cfg)].result()  # raises the data set's error, naming its files
        fs = _load_features(path, Path(path).stat().st_mtime_ns)
        plan = prepare_run(cfg, fs, restart=restart)
        plans.append(plan)
        for k in plan.todo:
            fut = client.submit(  # type: ignore[attr-defined]
                _fold_task,
                str(plan.run.path),
                k,
                path,
                workers.threads,
                pure=False,
                resources=workers.resources,
            )
            fold_futures[fut] = (plan.run.path, k)
    failures = [(*fold_futures[f], exc) for f, exc in wait_all(list(fold_futures), "folds", "fold", progress)]
    summaries = [finish_run(Run(p.run.path)) for p in plans]
    if failures:
        failures.sort(key=lambda f: (dirs.index(str(f[0])), f[1]))
        run_dir, k, exc = failures[0]
        more = f" ({len(failures) - 1} more folds failed)" if len(failures) > 1 else ""
        if type(exc).__name__ == "KilledWorker":  # Dask gave up after several workers died in it
            raise RunError(
                f"fold {k} of {run_dir}: every worker that ran it died (out of memory or killed); "
                f"the same command resumes it{more}"
            ) from exc
        if not isinstance(exc, BBNNError):
            raise exc
        raise RunError(f"fold {k} of {run_dir} failed: {exc}{more}") from exc
    return summaries


# ----------------------------------------------------------------------------------------------
# A Slurm job array: one task per fold and seed, no Dask


def array_script(cells: Sequence[tuple[str, int]], cfg: ClusterConfig, logs: str | os.PathLike) -> str:
    """The ``sbatch`` script of a job array whose task ``i`` trains fold ``cells[i][1]`` of the run
    folder ``cells[i][0]`` (``bbnn fold``), with ``cfg``'s resources per task and at most
    ``cfg.jobs`` tasks at once.

    Requeue: ``--requeue`` lets Slurm put a preempted task back in the queue; at the walltime, Slurm
    sends ``USR1`` two minutes early and the script requeues its own task. A requeued task runs
    the same fold again, which resumes from its last finished epoch."""
    import shlex

    q = shlex.quote
    lines = [
        "#!/bin/bash",
        "#SBATCH --job-name=bbnn",
        f"#SBATCH --array=0-{len(cells) - 1}" + (f"%{cfg.jobs}" if cfg.jobs else ""),
        f"#SBATCH --cpus-per-task={cfg.cores}",
        f"#SBATCH --mem={cfg.memory}",
        f"#SBATCH --time={cfg.walltime}",
        f"#SBATCH --output={Path(logs).resolve()}/%A_%a.out",
        "#SBATCH --open-mode=append",
        "#SBATCH --requeue",
        "#SBATCH --signal=B:USR1@120",
    ]
    lines += [f"#SBATCH --partition={cfg.queue}"] if cfg.queue else []
    lines += [f"#SBATCH --account={cfg.account}"] if cfg.account else []
    if cfg.gpus:
        lines.append("#SBATCH " + (cfg.gpu_directive or _GPU_DIRECTIVES["slurm"]).format(gpus=cfg.gpus))
    lines += ["# written by bbnn train --cluster slurm-array: each task trains one fold and resumes it"]
    lines += [f"export {k}={q(str(v))}" for k, v in sorted(cfg.worker_env().items())]
    lines += list(cfg.prologue)
    lines += [
        "runs=(" + " ".join(q(str(Path(r).resolve())) for r, _ in cells) + ")",
        "folds=(" + " ".join(str(int(k)) for _, k in cells) + ")",
        "i=${SLURM_ARRAY_TASK_ID:?run me with sbatch, or set SLURM_ARRAY_TASK_ID}",
        "trap 'scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"' USR1",
        f'{q(cfg.python)} -m bbnn_core.cli fold "${{runs[$i]}}" "${{folds[$i]}}" --threads {cfg.cores} &',
        "child=$!",
        'wait "$child"; status=$?',
        'while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done  # requeued: until Slurm stops it',
        'exit "$status"',
    ]
    return "\n".join(lines) + "\n"


def submit_array(cfgs: Sequence, cfg: ClusterConfig, *, restart: bool = False, progress: bool | None = None) -> dict:
    """Prepare every run of ``cfgs`` here (features computed or found in the cache, split and
    configs written: a bad input fails now, before anything is queued), write the job array's
    script beside the first run folder and submit it with ``sbatch``.

    Returns ``{"job": id or None, "script": path, "cells": [(run folder, fold), ...]}``; with no
    fold left to train, nothing is submitted. The runs are read as always (``bbnn evaluate``)."""
    import subprocess

    from .train import features_for, prepare_run

    check_scheduler("slurm", option=ARRAY)
    _run_dirs(cfgs)  # refused before anything is prepared
    features: dict = {}
    cells: list[tuple[str, int]] = []
    for c in cfgs:
        if _source(c) not in features:
            features[_source(c)] = features_for(c, progress)
        plan = prepare_run(c, features[_source(c)], restart=restart)
        cells += [(str(plan.run.path), k) for k in plan.todo]
    first = Path(cfgs[0].run_dir)
    script = first.parent / f"{first.name}.slurm-array.sh"
    if not cells:
        return {"job": None, "script": None, "cells": []}
    logs = first.parent / f"{first.name}.slurm-logs"
    logs.mkdir(parents=True, exist_ok=True)
    from .runs import atomic_write

    atomic_write(script, array_script(cells, cfg, logs))
    res = subprocess.run(
        ["sbatch", "--parsable", str(script)], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    if res.returncode != 0:
        said = (res.stderr or res.stdout).strip().splitlines()
        raise ParameterError(
            f"sbatch refused {script} ({said[-1] if said else f'exit {res.returncode}'}); "
            "the runs are prepared: fix the script or the config and submit it again"
        )
    return {"job": res.stdout.strip().split(";")[0], "script": str(script), "cells": cells}


def array_task(run_dir: str | os.PathLike, k: int, *, threads: int | None = None) -> dict:
    """One task of a job array: train, resume or skip fold ``k`` of a run that :func:`submit_array`
    prepared, then write the run's summary (:func:`bbnn_core.train.finish_run`: the last task to
    finish writes it with every fold). Returns the fold's metrics."""
    from .runs import Run
    from .train import features_for, finish_run, load_run_config, train_fold

    run = Run.open(run_dir)
    fs = features_for(load_run_config(run.path), False)  # the data set's cached feature file
    metrics = train_fold(run.path, k, fs, threads=threads)
    finish_run(run)
    return metrics
