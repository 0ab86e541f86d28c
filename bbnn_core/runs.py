"""Run folders: the one place that knows their layout, reads them and writes them atomically.

A run folder, as :func:`bbnn_core.train.train` writes it::

    config.json  splits.json  summary.json
    fold{k}/config.json  history.csv  best.keras  predictions.csv  metrics.json
           provenance.json  baseline.json  checkpoint/{model.keras,state.json}

``metrics.json`` is written last: a fold that has it is finished. Every other module reaches
these files through :class:`Run` and :class:`FoldRun`; none spells their names. The authors'
released logs have a layout of their own (``fold{k}_history.csv``), named here as well.

It also gathers what a fold's numbers depend on, for its ``provenance.json``: the commit and
whether the tree was clean, the CPU's instruction-set class, the device and the library versions;
and reads them back: which folds of a run were made differently (:func:`provenance_warnings`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import RunError, no_space

__all__ = [
    "Run",
    "FoldRun",
    "atomic_write",
    "write_json",
    "write_csv_gz",
    "HISTORY_COLUMNS",
    "AUTHORS_HISTORY",
    "PROFILE_TOLERANCE_DB",
    "code_state",
    "repo_root",
    "instruction_set",
    "cpu_info",
    "device_name",
    "library_versions",
    "fold_instruction_sets",
    "provenance_warnings",
    "replacing",
]

HISTORY_COLUMNS = ["epoch", "acc", "loss", "lr", "val_acc", "val_loss"]

# the authors' released training logs: one file per fold, in the folder of their models
AUTHORS_HISTORY = "fold{fold}_history.csv"
_AUTHORS_HISTORY_GLOB = "fold*_history.csv"


# ----------------------------------------------------------------------------------------------
# Atomic files (the project's one writer)


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it to read it, which
    another thread creating a file at that moment would see)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere (macOS): set and restore at once
    os.umask(mask)
    return mask


@contextmanager
def replacing(where: str | os.PathLike, *temporaries: str | os.PathLike, needed: int | None = None) -> Iterator[None]:
    """Around a write into ``temporaries`` that are then renamed onto ``where``: if it fails, the
    temporaries are removed, and a full disk is one :class:`~bbnn_core.errors.NoSpaceError` naming
    ``where`` (with ``needed`` bytes, when known). Every writer of the project goes through it."""
    try:
        yield
    except BaseException as exc:
        for tmp in temporaries:
            Path(tmp).unlink(missing_ok=True)
        full = no_space(exc, where, needed)
        if full is not None:
            raise full from exc
        raise


def atomic_write(path: str | os.PathLike, data: str | bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never a part.

    ``data`` is text, bytes, or a function that writes into the open binary file (e.g.
    ``lambda fh: np.savez(fh, ...)``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    with replacing(path, tmp, needed=len(data) if isinstance(data, bytes | str) else None):
        os.fchmod(fd, 0o666 & ~_umask())  # as open() would: mkstemp's 0600 hides runs from a group
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode() if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def write_csv_gz(frame, path: str | os.PathLike) -> None:
    """A pandas ``frame`` as a gzipped CSV without its index, atomically, with the same bytes for the
    same rows: no time stamp and no file name in the gzip header (a writer that names the file
    records its temporary name, so every rewrite of unchanged rows would change the file)."""
    import gzip

    atomic_write(path, gzip.compress(frame.to_csv(index=False).encode(), compresslevel=9, mtime=0))


def _jsonable(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))


def write_json(path: str | os.PathLike, obj) -> None:
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=True, default=_jsonable) + "\n")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RunError(f"cannot read {path}: {exc}") from exc


# ----------------------------------------------------------------------------------------------
# One fold


@dataclass(frozen=True)
class FoldRun:
    """The folder of fold ``index`` of a run."""

    path: Path
    index: int

    @property
    def finished(self) -> bool:
        return (self.path / "metrics.json").is_file()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the fold for this process while it trains. A second writer (a second ``bbnn train``
        on the same run folder, a requeued job whose old one still runs, a Dask task run twice) is
        refused with a :class:`RunError` naming the holder; the lock goes with the process, so a
        killed one holds none. ``flock`` on a file in the fold folder (on NFS, Linux emulates it
        with a lock of the server)."""
        import fcntl

        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise RunError(
                    f"fold {self.index} of {self.path.parent} is being trained by {holder}: wait for it to "
                    "finish or stop it; nothing was written"
                ) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"process {os.getpid()} on {platform.node()}\n")
            fh.flush()
            yield

    @property
    def best_model(self) -> Path:
        return self.path / "best.keras"

    @property
    def checkpoint_model(self) -> Path:
        return self.path / "checkpoint" / "model.keras"

    @property
    def has_checkpoint(self) -> bool:
        return (self.path / "checkpoint" / "state.json").is_file() and self.checkpoint_model.is_file()

    # reading
    def metrics(self) -> dict:
        return _read_json(self.path / "metrics.json")

    def provenance(self) -> dict:
        return _read_json(self.path / "provenance.json")

    def baseline(self) -> dict:
        p = self.path / "baseline.json"
        return _read_json(p) if p.is_file() else {}

    def state(self) -> dict:
        return _read_json(self.path / "checkpoint" / "state.json")

    def history(self):
        """``history.csv`` as a DataFrame (empty when the fold has not finished an epoch)."""
        import pandas as pd

        p = self.path / "history.csv"
        return pd.read_csv(p) if p.is_file() else pd.DataFrame(columns=HISTORY_COLUMNS)

    def predictions(self):
        import pandas as pd

        return pd.read_csv(self.path / "predictions.csv")

    # writing
    def write_config(self, config: dict) -> None:
        write_json(self.path / "config.json", config)

    def write_state(self, state: dict) -> None:
        write_json(self.path / "checkpoint" / "state.json", state)

    def write_history(self, rows: list[dict]) -> None:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in HISTORY_COLUMNS})
        atomic_write(self.path / "history.csv", buf.getvalue())

    def write_predictions(self, header: list[str], rows: list[list]) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        atomic_write(self.path / "predictions.csv", buf.getvalue())

    def write_baseline(self, baseline: dict) -> None:
        write_json(self.path / "baseline.json", baseline)

    def write_provenance(self, provenance: dict) -> None:
        write_json(self.path / "provenance.json", provenance)

    def write_metrics(self, metrics: dict) -> None:
        """Last: marks the fold finished."""
        write_json(self.path / "metrics.json", metrics)

    def save_model(self, model, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.keras")
        with replacing(path, tmp):
            model.save(tmp)
            os.replace(tmp, path)

    def clear_checkpoint(self) -> None:
        shutil.rmtree(self.path / "checkpoint", ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# A run


@dataclass(frozen=True)
class Run:
    """A run folder. ``Run(path)`` does not touch the disk; :meth:`open` checks that it is a run."""

    path: Path

    def __init__(self, path: str | os.PathLike):
        object.__setattr__(self, "path", Path(path))

    @classmethod
    def open(cls, path: str | os.PathLike) -> Run:
        """The run in ``path``, or a :class:`RunError` saying that the folder is not one."""
        run = cls(path)
        if not run.path.exists():
            raise RunError(f"{run.path} does not exist (expected a run folder)")
        if not run.exists:
            raise RunError(f"{run.path} is not a run folder (no config.json and splits.json)")
        return run

    @property
    def exists(self) -> bool:
        return (self.path / "config.json").is_file() and (self.path / "splits.json").is_file()

    @property
    def has_config(self) -> bool:
        return (self.path / "config.json").is_file()

    @property
    def has_splits(self) -> bool:
        return (self.path / "splits.json").is_file()

    def config(self) -> dict:
        return _read_json(self.path / "config.json")

    def splits(self) -> dict:
        return _read_json(self.path / "splits.json")

    def write_config(self, config: dict) -> None:
        write_json(self.path / "config.json", config)

    def write_splits(self, splits: dict) -> None:
        write_json(self.path / "splits.json", splits)

    def write_summary(self, summary: dict) -> None:
        """Write ``summary.json``, naming the run by its folder's name: the file lives in the folder,
        and holds no path of the machine that wrote it."""
        write_json(self.path / "summary.json", {**summary, "run_dir": self.path.name})

    @contextmanager
    def summary_lock(self) -> Iterator[None]:
        """Wait for, then hold, the right to write ``summary.json``: fold tasks finishing at once
        (a job array) write it one after another, the last with every finished fold."""
        import fcntl

        with open(self.path / ".summary.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    def fold(self, k: int) -> FoldRun:
        return FoldRun(self.path / f"fold{int(k)}", int(k))

    def folds(self) -> list[FoldRun]:
        """Every fold folder, in fold order (finished or not)."""
        found = [p for p in self.path.glob("fold*") if p.is_dir() and re.fullmatch(r"fold\d+", p.name)]
        return sorted((FoldRun(p, int(p.name[4:])) for p in found), key=lambda f: f.index)

    def finished_folds(self) -> list[FoldRun]:
        return [f for f in self.folds() if f.finished]

    def discard(self) -> None:
        """Delete the run folder: only a folder that is a run (or empty)."""
        if not self.path.exists():
            return
        if not self.exists and any(self.path.iterdir()):
            raise RunError(f"{self.path} is not a run folder; --restart only discards runs")
        shutil.rmtree(self.path)


def authors_histories(folder: str | os.PathLike) -> list[tuple[int, Path]]:
    """``(fold, path)`` of the authors' released training logs in ``folder``, in fold order."""
    found = []
    for p in Path(folder).glob(_AUTHORS_HISTORY_GLOB):
        m = re.fullmatch(r"fold(\d+)_history\.csv", p.name)
        if m:
            found.append((int(m.group(1)), p))
    return sorted(found)


# ----------------------------------------------------------------------------------------------
# Provenance: what a fold's numbers depend on, recorded in its provenance.json

# A run records each track's mean level in mel band groups (dB); a track whose features are not
# byte-identical between two records but whose levels differ by at most this much is the same
# audio, its features computed on a CPU of another class
PROFILE_TOLERANCE_DB = 1e-3


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=Path(__file__).parent, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode(errors="replace") if out.returncode == 0 else None


def repo_root() -> Path | None:
    """The top folder of the git checkout this code runs from, None outside one (an installed package)."""
    top = (_git("rev-parse", "--show-toplevel") or "").strip()
    return Path(top) if top else None


def code_state() -> dict:
    """The commit of the code that runs, whether its tree differs from it (tracked files), the
    SHA-256 of that difference, and the last commit that changed the feature code."""
    import hashlib

    commit = (_git("rev-parse", "HEAD") or "").strip() or None
    if commit is None:  # not a git checkout (an installed package)
        return {"git_commit": None, "git_dirty": None, "git_diff_sha256": None, "features_commit": None}
    diff = _git("diff", "HEAD", "--binary") or ""
    feat = (_git("log", "-1", "--format=%H", "--", "features.py", "audio.py") or "").strip() or None
    return {
        "git_commit": commit,
        "git_dirty": bool(diff),
        "git_diff_sha256": hashlib.sha256(diff.encode()).hexdigest() if diff else None,
        "features_commit": feat,
    }


def instruction_set(flags) -> str:
    """The widest vector instruction set the backend's CPU kernels (oneDNN) can use, from the CPU's
    flags: the numbers of a run are bit-comparable only between CPUs of the same class (the same
    seed gave losses that differ from the 7th digit on between an AVX-512 and an AVX2 machine)."""
    flags = set(flags or ())
    for name, needs in (
        ("amx", ("amx_bf16",)),
        ("avx512_bf16", ("avx512f", "avx512_bf16")),
        ("avx512", ("avx512f",)),
        ("avx2", ("avx2", "fma")),
        ("avx", ("avx",)),
    ):
        if all(f in flags for f in needs):
            return name
    return "other" if flags else "unknown"


def cpu_info() -> dict:
    """CPU model, the instruction-set flags that change numerics or kernels and their class."""
    info = _cpu_flags()
    info["instruction_set"] = instruction_set(info["flags"])
    return info


def _cpu_flags() -> dict:
    info: dict = {"machine": platform.machine(), "model": platform.processor() or None, "flags": []}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and not info["model"]:
            info["model"] = value.strip()
        if key.strip() == "flags":
            wanted = ("avx", "fma", "amx", "sse4_2")
            info["flags"] = sorted(f for f in value.split() if f.startswith(wanted))
            break
    return info


def device_name() -> str:
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            return ", ".join(f"{d.platform}:{getattr(d, 'device_kind', '')}" for d in jax.devices())
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            return ", ".join(g.name for g in gpus) if gpus else f"cpu ({os.cpu_count()} cores)"
        if backend == "torch":
            import torch

            return torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"cpu ({os.cpu_count()} cores)"
    except Exception:  # provenance must never break a run
        pass
    return f"cpu ({os.cpu_count()} cores)"


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in (
        "bbnn-core",
        "numpy",
        "keras",
        "tensorflow",
        "tensorflow-cpu",
        "jax",
        "jaxlib",
        "torch",
        "librosa",
        "soundfile",
        "scikit-learn",
    ):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


# ----------------------------------------------------------------------------------------------
# How the folds of a run were made: what differs between them


# what a fold's numbers depend on beyond its configuration: folds that differ in one of these
# were not made under the same conditions, and their mean mixes them
_PROVENANCE_KEYS = {
    "git_commit": "code (git commit)",
    "git_diff_sha256": "uncommitted changes",
    "versions": "library versions",
    "keras_backend": "Keras backend",
    "device": "device",
    "dataset_checksum": "data",
}


def _folds_by(prov: dict, value) -> dict:
    """Fold numbers grouped by ``value(provenance)``, in fold order."""
    groups: dict = {}
    for k, p in prov.items():
        groups.setdefault(value(p), []).append(k)
    return groups


def fold_instruction_sets(p: dict) -> list[str]:
    """The CPU instruction-set classes a fold was trained on: each recorded session's, and the
    finishing machine's (folds that predate the per-session record have only the latter)."""
    found = {s["cpu_instruction_set"] for s in p.get("sessions", []) if s.get("cpu_instruction_set")}
    if (p.get("cpu") or {}).get("flags"):
        found.add(instruction_set(p["cpu"]["flags"]))
    return sorted(found) or ["unknown"]


def _same_audio(p: dict) -> bool:
    """Whether a fold's features matched its run's record, byte for byte or within the tolerance
    for features computed on another CPU (``data_match`` in its provenance)."""
    match = p.get("data_match") or {}
    return bool(match) and match.get("max_profile_difference_db", float("inf")) <= PROFILE_TOLERANCE_DB


def provenance_warnings(run_dir: str | os.PathLike) -> list[str]:
    """One line per way in which the finished folds of a run were made differently: code, dirty
    tree, library versions, backend, device, data, determinism; and folds made from a dirty tree."""
    prov = {f.index: f.provenance() for f in Run(run_dir).finished_folds()}
    out: list[str] = []
    if not prov:
        return out
    for key, name in _PROVENANCE_KEYS.items():
        groups = _folds_by(prov, lambda p, key=key: json.dumps(p.get(key), sort_keys=True))
        if len(groups) > 1:
            parts = "; ".join("folds " + ",".join(map(str, ks)) for ks in groups.values())
            if key == "dataset_checksum" and all(_same_audio(p) for p in prov.values()):
                out.append(
                    f"folds were trained on features computed on different machines ({parts}): every track equal "
                    "within the run's tolerance, not byte for byte"
                )
            elif key == "dataset_checksum" and not all(p.get("data_match") for p in prov.values()):
                out.append(f"feature bytes differ ({parts}): other data, or the same audio on another CPU class")
            else:
                out.append(f"folds were made under different {name} ({parts})")
    groups = _folds_by(prov, lambda p: p["determinism"].get("intra_op_threads"))
    if len(groups) > 1:
        parts = "; ".join(f"{t} for folds {','.join(map(str, ks))}" for t, ks in groups.items())
        out.append(
            f"folds were trained with different backend thread counts ({parts}): their numbers are not bit-comparable"
        )
    isas = {k: fold_instruction_sets(p) for k, p in prov.items()}
    groups = _folds_by(isas, lambda v: "+".join(v))
    if len(groups) > 1:
        parts = "; ".join(f"{isa} for folds {','.join(map(str, ks))}" for isa, ks in groups.items())
        out.append(f"CPUs of different instruction sets ({parts}): not bit-comparable")
    mixed = [k for k, v in isas.items() if len(v) > 1]
    if mixed:
        out.append("folds " + ",".join(map(str, mixed)) + " were resumed on a CPU of another instruction set")
    bad = [k for k, p in prov.items() if not p["determinism"]["deterministic"]]
    if bad:
        out.append(
            "folds " + ",".join(map(str, bad)) + " were not trained deterministically: "
            "training them again can give other numbers"
        )
    dirty = [k for k, p in prov.items() if p["git_dirty"] or any(s["git_dirty"] for s in p["sessions"])]
    if dirty:
        out.append("folds " + ",".join(map(str, dirty)) + " were trained from a tree with uncommitted changes")
    commits = {k: {s["git_commit"] for s in p["sessions"]} for k, p in prov.items()}
    resumed = [k for k, c in commits.items() if len(c) > 1]
    if resumed:
        out.append("folds " + ",".join(map(str, resumed)) + " were resumed under other code than they started with")
    return out
