"""The paper's training recipe, run fold by fold into a folder of artifacts, resumably.

Recipe (paper 3.3 and the authors' training notebook): Adam, learning rate 0.01, batch 8, up to
100 epochs, categorical cross-entropy; ReduceLROnPlateau on the *training* loss (factor 0.5,
patience 3); EarlyStopping on the training loss (min_delta 0.01, patience 10); the weights of the
best validation accuracy are kept and evaluated on the test set.

A run folder (its layout: :mod:`bbnn_core.runs`) holds the run's configuration and split, and per
fold its configuration, history, best weights, test predictions, metrics, baseline and provenance.
Every file is written atomically. The metrics are written last: a fold that has them is done and
skipped when the run is started again; a fold with a checkpoint resumes from its last finished
epoch, with the same shuffling, learning rate and callback state, so a killed run ends with
byte-identical results to one that was never interrupted.

Profiles:

* ``paper``: the recipe above on full 647-frame clips (GPU work: ~3.5 s per step on 2 CPU cores);
* ``quick``: **reduced**, for a CPU run of minutes: 5 epochs on random 160-frame (7.4 s) crops,
  evaluated on full clips (BBNN is fully convolutional with global pooling), and BatchNorm
  momentum 0.9 instead of 0.99: with only ~50 steps, 0.99 leaves the moving statistics 60 % at
  their initial values and the evaluated model near chance (measured: 0.16 mean test accuracy on
  5 gtzan_mini folds);
* ``smoke``: seconds, for tests: 2 epochs, 1 Inception block of 4 filters, 32-frame crops.
"""

from __future__ import annotations

import json
import os
import platform
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from .errors import ParameterError, RunError
from .paper import PAPER_RECIPE
from .progress import plural
from .runs import (
    HISTORY_COLUMNS,
    PROFILE_TOLERANCE_DB,
    FoldRun,
    Run,
    code_state,
    cpu_info,
    device_name,
    library_versions,
)
from .splits import PROTOCOLS, Fold, check_folds, make_splits

__all__ = [
    "TrainConfig",
    "METHODS",
    "PROFILES",
    "config_for",
    "train",
    "prepare_run",
    "train_fold",
    "features_for",
    "data_match",
    "finish_run",
    "RunPlan",
    "is_run",
    "load_run_config",
    "HISTORY_COLUMNS",
    "determinism_settings",
    "code_state",
    "initial_state",
    "reduce_on_plateau",
    "early_stopping",
]


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on; written into every run folder.

    The first six fields are the notebooks' papermill parameters, one to one.
    """

    dataset: str = "gtzan_mini"
    data_dir: str | None = None
    protocol: str = "kfold"
    profile: str = "paper"
    seed: int = 0
    run_dir: str = "runs/gtzan_mini-kfold-paper-seed0"
    # the recipe
    epochs: int = PAPER_RECIPE["epochs"]
    batch_size: int = PAPER_RECIPE["batch_size"]
    learning_rate: float = PAPER_RECIPE["learning_rate"]
    lr_factor: float = PAPER_RECIPE["lr_factor"]
    lr_patience: int = PAPER_RECIPE["lr_patience"]
    lr_min_delta: float = 1e-4
    es_min_delta: float = PAPER_RECIPE["es_min_delta"]
    es_patience: int = PAPER_RECIPE["es_patience"]
    n_folds: int = PAPER_RECIPE["folds"]
    folds: tuple[int, ...] | None = None
    # model and input
    n_blocks: int = 3
    filters: int = 32
    crop_frames: int | None = None
    bn_momentum: float = 0.99
    mixed_precision: bool = False
    kind: str | None = None
    # the seed of the weights' initialisation and of the epochs' order and crops; None: ``seed``.
    # ``seed`` alone draws the split, so runs that differ only in ``train_seed`` test on the same folds
    train_seed: int | None = None
    # "bbnn": the recipe above; "probe": a linear classifier on a pretrained ``embedding``
    # (bbnn_core.probe), on the same folds, for the same summary (the recipe's fields unused)
    method: str = "bbnn"
    embedding: str | None = None

    @property
    def init_seed(self) -> int:
        """The seed training draws from (``train_seed``, else ``seed``)."""
        return self.seed if self.train_seed is None else self.train_seed

    def __post_init__(self):
        if self.protocol not in PROTOCOLS:
            raise ParameterError(f"protocol must be one of {', '.join(PROTOCOLS)}; got {self.protocol!r}")
        if self.profile not in PROFILES:
            raise ParameterError(f"profile must be one of {', '.join(PROFILES)}; got {self.profile!r}")
        for name in ("epochs", "batch_size", "n_blocks", "filters"):
            if int(getattr(self, name)) < 1:
                raise ParameterError(f"{name} must be >= 1; got {getattr(self, name)!r}")
        from .probe import EMBEDDINGS

        if self.method not in METHODS:
            raise ParameterError(f"method must be one of {', '.join(METHODS)}; got {self.method!r}")
        if (self.method == "probe") != (self.embedding is not None):
            raise ParameterError("--embedding goes with --method probe, and --method probe needs an --embedding")
        if self.embedding is not None and self.embedding not in EMBEDDINGS:
            raise ParameterError(f"embedding must be one of {', '.join(EMBEDDINGS)}; got {self.embedding!r}")

    def to_json(self) -> dict:
        d = asdict(self)
        d["folds"] = list(self.folds) if self.folds is not None else None
        return d


METHODS = ("bbnn", "probe")
PROFILES: dict[str, dict] = {
    "paper": {},
    "quick": {"epochs": 5, "crop_frames": 160, "bn_momentum": 0.9},
    "smoke": {"epochs": 2, "n_blocks": 1, "filters": 4, "crop_frames": 32, "bn_momentum": 0.9},
}


def config_for(profile: str = "paper", **overrides) -> TrainConfig:
    """A :class:`TrainConfig` for a named profile, with overrides (e.g. ``seed=1``)."""
    if profile not in PROFILES:
        raise ParameterError(f"profile must be one of {', '.join(PROFILES)}; got {profile!r}")
    base = {**PROFILES[profile], **{k: v for k, v in overrides.items() if v is not None}}
    if "run_dir" not in base:
        recipe = f"probe-{base.get('embedding')}" if base.get("method") == "probe" else profile
        base["run_dir"] = (
            f"runs/{Path(str(base.get('dataset', 'gtzan_mini'))).name}-"
            f"{base.get('protocol', 'kfold')}-{recipe}-seed{base.get('seed', 0)}"
            + (f"-train{base['train_seed']}" if base.get("train_seed") is not None else "")
        )
    if base.get("folds") is not None:
        base["folds"] = tuple(int(f) for f in base["folds"])
    return TrainConfig(profile=profile, **base)


def load_run_config(run_dir: str | os.PathLike) -> TrainConfig:
    """The configuration a run folder records, with ``run_dir`` where the folder is now (a run is
    read from wherever it was copied or mounted)."""
    d = {**Run(run_dir).config(), "run_dir": str(run_dir)}
    if d.get("folds") is not None:
        d["folds"] = tuple(d["folds"])
    return TrainConfig(**d)


# ----------------------------------------------------------------------------------------------
# The data a run was made on


def _data_checksum(fs) -> str:
    import hashlib

    h = hashlib.sha256()
    h.update(json.dumps([fs.tracks, [int(v) for v in fs.y]]).encode())
    h.update(np.ascontiguousarray(fs.X).view(np.uint8).data)
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------
# Training


def prepare_process() -> None:
    """What a process that may train sets before TensorFlow starts: one TensorFlow inter-op thread
    (``TF_NUM_INTEROP_THREADS=1``, unless the environment already chose), which makes training
    bit-for-bit repeatable (:func:`determinism_settings`). :func:`train` sets the same through
    ``tf.config`` when it is the first to start TensorFlow; this covers a process that runs
    TensorFlow before it trains. The command line and the test session call it first; importing
    ``bbnn_core`` does not (it changes no environment variable)."""
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")


def determinism_settings(threads: int | None = None) -> dict:
    """Make this process's training bit-for-bit repeatable (on the same machine and software) and
    say what it depends on.

    Measured on a 2-core CPU (``benchmarks/bench_train.py``, variants ``project`` and
    ``project-nondet``): TensorFlow's op determinism alone leaves runs that differ from the 5th
    decimal of the training loss on, because BBNN's parallel Inception branches run as concurrent
    ops that share the intra-op thread pool. One inter-op thread (each op still uses every core)
    makes two runs byte-identical and costs nothing measurable, so it is always on.

    The numbers also depend on the intra-op thread count (how oneDNN splits each reduction):
    two runs give the same bytes only with the same count. ``threads`` sets it (default: what
    TensorFlow chose, all cores); it is recorded, and :func:`bbnn_core.runs.provenance_warnings`
    names folds made with different counts.

    Thread pools can only be set before TensorFlow starts. When something in this process
    started it first (e.g. a notebook that loaded a model), the setting in force is recorded and,
    if it is not 1 inter-op thread, ``deterministic`` is False and a warning says so.
    """
    import keras

    backend = keras.backend.backend()
    out: dict = {"keras_backend": backend, "deterministic": backend != "torch", "threads": os.cpu_count()}
    if backend == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")  # retracing notes for the last, smaller batch
        tf.config.experimental.enable_op_determinism()
        try:
            tf.config.threading.set_inter_op_parallelism_threads(1)
            if threads:
                tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        except RuntimeError:  # TensorFlow already started in this process
            pass
        inter = tf.config.threading.get_inter_op_parallelism_threads()
        inter = inter or int(os.environ.get("TF_NUM_INTEROP_THREADS", "0"))
        intra = tf.config.threading.get_intra_op_parallelism_threads()
        intra = intra or int(os.environ.get("TF_NUM_INTRAOP_THREADS", "0")) or os.cpu_count()
        out |= {
            "op_determinism": True,
            "inter_op_threads": inter,
            "intra_op_threads": intra,
            "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
        }
        if threads and intra != int(threads):
            import warnings

            warnings.warn(
                f"TensorFlow started before training with {intra} intra-op threads, not the {threads} "
                "asked for: this fold's numbers match runs made with that many",
                stacklevel=2,
            )
        if inter != 1:
            out["deterministic"] = False
            import warnings

            warnings.warn(
                "TensorFlow started before training with parallel inter-op threads: this run is not "
                "bit-for-bit repeatable (start the process with TF_NUM_INTEROP_THREADS=1)",
                stacklevel=2,
            )
    elif backend == "jax":
        out["xla_flags"] = os.environ.get("XLA_FLAGS", "")
    return out


def _set_seed(seed: int, threads: int | None = None) -> dict:
    import keras

    settings = determinism_settings(threads)
    keras.utils.set_random_seed(seed)
    return settings


@contextmanager
def _own_python_random(seed: int):
    """Keras draws the seeds of unseeded initializers from Python's global ``random``, which the
    other threads of a process also draw from (a Dask worker's event loop does, between any two
    lines of a task), so the initial weights would depend on their timing. While the model is
    built, Keras draws from a generator of its own, seeded as ``keras.utils.set_random_seed(seed)``
    seeds the global one: the same weights as in an undisturbed process, in any process."""
    import random

    from keras.src.random import seed_generator

    saved = seed_generator.python_random
    seed_generator.python_random = random.Random(seed)
    try:
        yield
    finally:
        seed_generator.python_random = saved


def _epoch_batch(X, y, idx, cfg: TrainConfig, fold: int, epoch: int):
    """The epoch's shuffled (and, if cropping, randomly cropped) training data, from the seed."""
    rng = np.random.default_rng([cfg.init_seed, fold, epoch])
    order = idx[rng.permutation(len(idx))]
    xb = X[order]
    if cfg.crop_frames and cfg.crop_frames < X.shape[1]:
        starts = rng.integers(0, X.shape[1] - cfg.crop_frames + 1, size=len(order))
        xb = np.stack([xb[i, s : s + cfg.crop_frames] for i, s in enumerate(starts)])
    return xb[..., None], y[order]


def _build(cfg: TrainConfig, n_classes: int, n_mels: int):
    import keras

    from .model import build_bbnn

    if cfg.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = build_bbnn(
            (None, n_mels, 1),
            n_classes=n_classes,
            n_blocks=cfg.n_blocks,
            filters=cfg.filters,
            bn_momentum=cfg.bn_momentum,
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=cfg.learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _evaluate(model, X, y1h, idx, batch=16):
    probs = model.predict(X[idx][..., None], batch_size=batch, verbose=0).astype(np.float64)
    t = y1h[idx]
    loss = float(-np.mean(np.sum(t * np.log(np.clip(probs, 1e-7, 1.0)), axis=1)))
    acc = float(np.mean(probs.argmax(1) == t.argmax(1)))
    return probs, loss, acc


def initial_state(cfg: TrainConfig) -> dict:
    """A fold's training state before its first epoch: the learning rate and the counters of the
    learning-rate and stopping rules, the best validation accuracy so far, the time spent."""
    return {
        "epoch": -1,
        "lr": cfg.learning_rate,
        "plateau_best": float("inf"),
        "plateau_wait": 0,
        "es_best": float("inf"),
        "es_wait": 0,
        "best_val_acc": -1.0,
        "best_epoch": -1,
        "stopped_early": False,
        "elapsed": 0.0,
    }


def reduce_on_plateau(state: dict, loss: float, cfg: TrainConfig) -> dict:
    """The state after one epoch of Keras' ``ReduceLROnPlateau(monitor="loss")`` as the authors set it:
    an epoch whose training loss is not below the best by ``cfg.lr_min_delta`` counts; after
    ``cfg.lr_patience`` such epochs the learning rate is multiplied by ``cfg.lr_factor`` and the
    count restarts. Returns a new state (``lr``, ``plateau_best``, ``plateau_wait``)."""
    if loss < state["plateau_best"] - cfg.lr_min_delta:
        return {**state, "plateau_best": loss, "plateau_wait": 0}
    wait = state["plateau_wait"] + 1
    if wait >= cfg.lr_patience:
        return {**state, "lr": float(state["lr"] * cfg.lr_factor), "plateau_wait": 0}
    return {**state, "plateau_wait": wait}


def early_stopping(state: dict, loss: float, cfg: TrainConfig) -> dict:
    """The state after one epoch of Keras' ``EarlyStopping(monitor="loss")`` as the authors set it:
    training stops after ``cfg.es_patience`` epochs in a row whose training loss is not below the
    best by ``cfg.es_min_delta``. Returns a new state (``es_best``, ``es_wait``, ``stopped_early``)."""
    if loss < state["es_best"] - cfg.es_min_delta:
        return {**state, "es_best": loss, "es_wait": 0}
    wait = state["es_wait"] + 1
    return {**state, "es_wait": wait, "stopped_early": state["stopped_early"] or wait >= cfg.es_patience}


def _train_fold(
    fs, fold: Fold, k: int, cfg: TrainConfig, out: FoldRun, progress, checksum: str, threads: int | None = None
) -> dict:
    import keras

    from .metrics import classification_report
    from .progress import bar as progress_bar

    n_classes = len(fs.classes)
    y1h = np.eye(n_classes, dtype=np.float32)[fs.y]
    t0 = time.perf_counter()
    # seeds and deterministic ops in every process, also one that resumes
    determinism = _set_seed(cfg.init_seed * 1000 + k, threads)
    if out.has_checkpoint:
        state = out.state()
        with _own_python_random(cfg.init_seed * 1000 + k):  # deserialised initializers draw seeds too
            model = keras.models.load_model(out.checkpoint_model)
        model.optimizer.learning_rate.assign(state["lr"])
        history = state["history"]
    else:
        with _own_python_random(cfg.init_seed * 1000 + k):
            model = _build(cfg, n_classes, fs.X.shape[2])
        state = initial_state(cfg)
        history = []
    # each process that works on the fold: its code and first epoch (provenance of a resumed fold)
    state.setdefault("sessions", []).append(_session(determinism, state["epoch"] + 1))
    bar = progress_bar(
        total=cfg.epochs,
        initial=state["epoch"] + 1,
        desc=f"fold {k}",
        unit="epoch",
        progress=progress,
    )
    epoch = state["epoch"] + 1
    while epoch < cfg.epochs and not state["stopped_early"]:
        xb, yb = _epoch_batch(fs.X, y1h, fold.train, cfg, k, epoch)
        logs = model.fit(xb, yb, batch_size=cfg.batch_size, epochs=1, shuffle=False, verbose=0).history
        loss, acc = float(logs["loss"][-1]), float(logs["accuracy"][-1])
        _, val_loss, val_acc = _evaluate(model, fs.X, y1h, fold.val)
        history.append(
            {"epoch": epoch, "acc": acc, "loss": loss, "lr": state["lr"], "val_acc": val_acc, "val_loss": val_loss}
        )
        if val_acc > state["best_val_acc"]:  # ModelCheckpoint(monitor=val_acc, save_best_only)
            state["best_val_acc"], state["best_epoch"] = val_acc, epoch
            out.save_model(model, out.best_model)
        lr = state["lr"]
        state = early_stopping(reduce_on_plateau(state, loss, cfg), loss, cfg)
        if state["lr"] != lr:
            model.optimizer.learning_rate.assign(state["lr"])
        state["epoch"] = epoch
        state["elapsed"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        state["history"] = history
        out.save_model(model, out.checkpoint_model)
        out.write_state(state)
        out.write_history(history)
        bar.set_postfix(loss=f"{loss:.3f}", acc=f"{acc:.2f}", val_acc=f"{val_acc:.2f}")
        bar.update(1)
        epoch += 1
    bar.close()

    best = keras.models.load_model(out.best_model, compile=False)
    result = {
        "fold": k,
        "best_epoch": state["best_epoch"],
        "epochs_run": state["epoch"] + 1,
        "stopped_early": state["stopped_early"],
    }
    probs = {}
    for part in ("train", "val", "test"):
        p, loss, acc = _evaluate(best, fs.X, y1h, getattr(fold, part))
        probs[part] = p
        result[f"{part}_loss"], result[f"{part}_acc"] = loss, acc
    test_idx = fold.test
    y_pred = probs["test"].argmax(1)
    result["report"] = classification_report(fs.y[test_idx], y_pred, fs.classes)

    _write_outcome(out, fs, fold, cfg, probs["test"], checksum, determinism, state["elapsed"], state["sessions"])
    result["wall_time_s"] = round(state["elapsed"], 3)
    out.write_metrics(result)  # last: marks the fold done
    out.clear_checkpoint()
    return result


def _session(determinism: dict, first_epoch: int) -> dict:
    """One process's record of its work on a fold: its code, first epoch, determinism, CPU class,
    host and pid (a resumed fold has several)."""
    return {
        **code_state(),
        "first_epoch": first_epoch,
        "determinism": determinism,
        "cpu_instruction_set": cpu_info()["instruction_set"],
        "host": platform.node(),
        "pid": os.getpid(),
    }


def _write_outcome(out: FoldRun, fs, fold: Fold, cfg: TrainConfig, probs, checksum, determinism, elapsed, sessions):
    """A finished fold's test predictions (``probs``: the test part's class probabilities), the
    SVM baseline on its parts, and its provenance; its metrics are written after, last."""
    import keras

    from .baseline import baseline_fold

    y_pred = probs.argmax(1)
    out.write_predictions(
        ["track", "true", "predicted", *[f"p_{c}" for c in fs.classes]],
        [
            [fs.tracks[i], fs.classes[fs.y[i]], fs.classes[y_pred[row]], *[f"{v:.6f}" for v in probs[row]]]
            for row, i in enumerate(fold.test)
        ],
    )
    out.write_baseline(baseline_fold(fs, fold))
    out.write_provenance(
        {
            **code_state(),
            "versions": library_versions(),
            "keras_backend": keras.backend.backend(),
            "device": device_name(),
            "cpu": cpu_info(),
            "determinism": determinism,
            "dataset_checksum": checksum,
            "data_match": data_match(Run(out.path.parent), fs),
            "feature_file": Path(fs.path).name if fs.path else None,  # in the cache of the machine that ran it
            "seed": cfg.seed,
            "train_seed": cfg.init_seed,
            "wall_time_s": round(elapsed, 3),
            "host": platform.node(),
            "sessions": sessions,
        }
    )


def _probe_fold(
    fs, fold: Fold, k: int, cfg: TrainConfig, out: FoldRun, progress, checksum: str, threads: int | None = None
) -> dict:
    """A fold of a ``probe`` run: the pretrained embedding of every clip (cached), a logistic
    regression on the fold's train part (C chosen on its validation part), its test predictions,
    the SVM baseline and the provenance, in the files a BBNN fold writes (and ``probe.json``: the
    classifier)."""

    from .metrics import classification_report
    from .probe import embed, probe_fold
    from .runs import write_json

    t0 = time.perf_counter()
    determinism = _set_seed(cfg.init_seed * 1000 + k, threads)
    root = None
    if cfg.embedding != "bbnn-eb":  # musicnn reads the audio
        from .datasets import load_dataset

        root = load_dataset(cfg.data_dir or cfg.dataset, kind=cfg.kind).root
    E = embed(fs, str(cfg.embedding), root=root, progress=progress)
    metrics, classifier, probs = probe_fold(E, fs.y, fold, len(fs.classes))
    y_pred = probs.argmax(1)
    write_json(out.path / "probe.json", {"embedding": cfg.embedding, **classifier})
    elapsed = round(time.perf_counter() - t0, 3)
    _write_outcome(out, fs, fold, cfg, probs, checksum, determinism, elapsed, [_session(determinism, 1)])
    result = {
        "fold": k,
        "method": "probe",
        "embedding": cfg.embedding,
        **metrics,
        "best_epoch": None,  # no epochs: a closed-form fit
        "epochs_run": None,
        "stopped_early": None,
        "report": classification_report(fs.y[fold.test], y_pred, fs.classes),
        "wall_time_s": elapsed,
    }
    out.write_metrics(result)  # last: marks the fold done
    return result


def _track_digests(fs) -> list[str]:
    """A short digest of each track's features: which tracks changed between two runs' data."""
    import hashlib

    return [hashlib.sha256(np.ascontiguousarray(x).data).hexdigest()[:16] for x in fs.X]


# Features computed on CPUs of another class differ in their last bits (measured: the authors'
# fold-0 model's probabilities on gtzan_mini moved by 1.2e-6 between an AVX-512 BF16 and an AVX2
# machine), so a run also records each track's mean level in 32 mel band groups (dB, 4 decimals):
# a track whose digest differs but whose profile stays within PROFILE_TOLERANCE_DB (bbnn_core.runs) is
# the same audio
PROFILE_BANDS = 32


def _track_profiles(fs) -> list[list[float]]:
    """Each track's mean log-mel level (dB) in :data:`PROFILE_BANDS` groups of adjacent mel bands."""
    means = np.asarray(fs.X, dtype=np.float64).mean(axis=1)  # (tracks, mels)
    groups = np.array_split(np.arange(means.shape[1]), min(PROFILE_BANDS, means.shape[1]))
    prof = np.stack([means[:, g].mean(axis=1) for g in groups], axis=1)
    return np.round(prof, 4).tolist()


def _profile_deviation(old: dict, new: dict) -> dict[str, float]:
    """Per track present in both records whose features are not byte-identical: the largest
    difference of its band profile (dB)."""
    before = {t: (d, q) for t, d, q in zip(old["tracks"], old["track_digests"], old["track_profiles"])}
    return {
        t: float(np.abs(np.subtract(before[t][1], p)).max())
        for t, d, p in zip(new["tracks"], new["track_digests"], new["track_profiles"])
        if t in before and before[t][0] != d
    }


def data_match(run: Run, fs) -> dict:
    """How the features ``fs`` compare with the data a run recorded when it began: identical,
    or equal within :data:`PROFILE_TOLERANCE_DB` (features computed on another CPU), with the
    largest profile difference."""
    old = run.splits()
    dev = _profile_deviation(
        old, {"tracks": fs.tracks, "track_digests": _track_digests(fs), "track_profiles": _track_profiles(fs)}
    )
    return {
        "identical": not dev,
        "tracks_not_identical": len(dev),
        "max_profile_difference_db": max(dev.values(), default=0.0),
    }


def _recorded(cfg: TrainConfig) -> dict:
    """``cfg`` as a run folder records it: the folder by its name, never the absolute path of the
    machine that wrote it (:func:`load_run_config` puts back where the folder is); the data folder
    as information (where it was, on that machine)."""
    return {**cfg.to_json(), "run_dir": Path(cfg.run_dir).name}


def _data_record(fs, folds, cfg: TrainConfig) -> dict:
    return {
        "protocol": cfg.protocol,
        "seed": cfg.seed,
        "dataset": fs.dataset,
        "tracks": fs.tracks,
        "classes": fs.classes,
        "labels": [int(v) for v in fs.y],
        "track_digests": _track_digests(fs),
        "track_profiles": _track_profiles(fs),
        "dataset_checksum": _data_checksum(fs),
        "folds": [f.as_dict() for f in folds],
    }


def _check_same_data(run: Run, new: dict) -> None:
    """Refuse, in one line, to resume or extend a run whose data, classes or split differ."""
    old = run.splits()
    fix = "start a new run (another --run-dir) or discard this one (--restart)"
    if "track_profiles" not in old:
        raise RunError(
            f"{run.path} was made by an older bbnn, without a per-track record of its data: "
            f"add it with `python results/migrate.py {run.path}` (in the bbnn-book repository), or {fix}"
        )
    if old.get("classes") != new["classes"]:
        raise RunError(
            f"{run.path} was trained on classes {', '.join(old.get('classes', []))}, not {', '.join(new['classes'])}: {fix}"
        )
    before, after = old.get("tracks", []), new["tracks"]
    removed = sorted(set(before) - set(after))
    added = sorted(set(after) - set(before))
    # not byte-identical and not within the tolerance: changed
    changed = [t for t, dev in _profile_deviation(old, new).items() if not dev <= PROFILE_TOLERANCE_DB]
    if not (removed or added or changed) and old["labels"] != new["labels"]:
        changed = [t for t, a, b in zip(after, old["labels"], new["labels"]) if a != b]
    if removed or added or changed:
        parts = [
            plural(len(x), "track") + f" {w}"
            for x, w in ((removed, "removed"), (added, "added"), (changed, "changed"))
            if x
        ]
        first = (removed or added or changed)[0]
        raise RunError(
            f"{run.path} was trained on other data: {', '.join(parts)} since (first: {first}); "
            f"resuming would mix folds of two data sets: {fix}"
        )
    if old.get("folds") != new["folds"]:
        raise RunError(f"{run.path} was split differently ({old.get('protocol')}, seed {old.get('seed')}): {fix}")


def is_run(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a run folder written by :func:`train`."""
    return Run(path).exists


def train(
    cfg: TrainConfig,
    *,
    features=None,
    progress: bool | None = None,
    restart: bool = False,
    threads: int | None = None,
) -> dict:
    """Run (or resume) every fold of ``cfg`` in this process and return the run summary.

    A run is bound to its data: resuming or extending it with other tracks, changed files,
    other classes or another split is refused (:class:`RunError`), never mixed.
    :func:`bbnn_core.cluster.train_runs` runs the same folds as tasks on a Dask cluster.

    Parameters
    ----------
    cfg : TrainConfig
    features : FeatureSet, optional
        Precomputed features (e.g. a feature file carried to a GPU machine); else they are
        extracted (or read from the cache) for ``cfg.dataset`` / ``cfg.data_dir``.
    progress : bool, optional
        Progress bars (default: only on a terminal).
    restart : bool
        Discard the run already in ``cfg.run_dir`` (only if it is a run folder) and start anew.
    threads : int, optional
        Intra-op threads of the backend (default: all cores). The numbers depend on it: a run
        repeats byte for byte with the same count (see :func:`determinism_settings`).

    Returns
    -------
    dict
        ``summary.json``: per-fold metrics and their mean, standard deviation and 95 % CI.
    """
    fs = features if features is not None else features_for(cfg, progress)
    plan = prepare_run(cfg, fs, restart=restart)
    for k in plan.todo:
        out = plan.run.fold(k)
        with out.lock():  # one writer per fold
            if not out.finished:  # another process may have finished it meanwhile
                fit = _probe_fold if cfg.method == "probe" else _train_fold
                fit(fs, plan.folds[k], k, cfg, out, progress, plan.checksum, threads)
    return finish_run(plan.run)


@dataclass(frozen=True)
class RunPlan:
    """A run folder made ready by :func:`prepare_run`: its folds and the ones still to train."""

    run: Run
    folds: list[Fold]
    todo: list[int]
    checksum: str


def prepare_run(cfg: TrainConfig, fs, *, restart: bool = False) -> RunPlan:
    """Check ``cfg`` and the features against the run folder, write its config and split, and
    list the folds still to train (each fold's ``config.json`` is written here as well)."""
    run = Run(cfg.run_dir)
    folds = make_splits(
        fs.y,
        protocol=cfg.protocol,
        n_folds=cfg.n_folds,
        seed=cfg.seed,
        groups=np.array(fs.groups),
        tracks=fs.tracks,
        classes=fs.classes,
    )
    check_folds(folds, len(fs))
    asked = list(cfg.folds) if cfg.folds is not None else list(range(len(folds)))
    bad = [k for k in asked if not 0 <= k < len(folds)]
    if bad:
        raise ParameterError(f"fold {bad[0]} does not exist: this {cfg.protocol} run has folds 0-{len(folds) - 1}")
    if restart:
        run.discard()
    if run.has_config:
        old = load_run_config(run.path)
        # the same run, any fold subset, its data anywhere: the tracks decide (_check_same_data)
        if replace(old, run_dir=cfg.run_dir, folds=cfg.folds, data_dir=cfg.data_dir) != cfg:
            changed = [
                k
                for k, v in old.to_json().items()
                if k not in ("run_dir", "folds", "data_dir") and cfg.to_json().get(k) != v
            ]
            raise RunError(
                f"{run.path} holds a run with a different configuration ({', '.join(changed)}): "
                "use another --run-dir, or --restart to discard it"
            )
    record = _data_record(fs, folds, cfg)
    if run.has_splits:
        _check_same_data(run, record)
    run.write_config(_recorded(cfg))
    if not run.has_splits:
        run.write_splits(record)
    todo = [k for k in asked if not run.fold(k).finished]
    for k in todo:
        run.fold(k).write_config({**_recorded(cfg), "fold": k})
    return RunPlan(run=run, folds=folds, todo=todo, checksum=record["dataset_checksum"])


def train_fold(run_dir: str | os.PathLike, k: int, fs, *, threads: int | None = None) -> dict:
    """Train (or resume, or skip if finished) fold ``k`` of a run that :func:`prepare_run` made
    ready: the unit of work of a cluster task. Everything it needs is read from the run folder
    and the features; it returns the fold's ``metrics.json``."""
    run = Run.open(run_dir)
    out = run.fold(k)
    with out.lock():  # one writer per fold, also against a bbnn train on the same folder
        if out.finished:  # e.g. a task that ran again after its worker died at the very end
            return out.metrics()
        cfg = load_run_config(run.path)
        fold = Fold.from_dict(run.splits()["folds"][k])
        fit = _probe_fold if cfg.method == "probe" else _train_fold
        return fit(fs, fold, k, cfg, out, False, _data_checksum(fs), threads)  # of the features it trains on


def finish_run(run: Run) -> dict:
    """Summarise the finished folds of ``run`` into its ``summary.json``, under the run's summary
    lock: processes finishing folds of one run at once (array tasks, two ``bbnn train --folds``)
    write it one after another, the last with every finished fold."""
    from .metrics import summarize_run

    with run.summary_lock():
        summary = summarize_run(run.path)
        run.write_summary(summary)
    return summary


def features_for(cfg: TrainConfig, progress=None):
    """The feature file of the data set ``cfg`` trains on (computed, or read from the cache)."""
    from .datasets import load_dataset
    from .features import extract

    ds = load_dataset(cfg.data_dir or cfg.dataset, kind=cfg.kind)
    return extract(ds, progress=progress)
