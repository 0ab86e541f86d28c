"""Genre predictions for audio files, from a trained run or the authors' released models.

A file longer than the 30 s analysis window is cut into consecutive 30 s windows; when what is left
after the last full window holds at least half a window, the file's last 30 s count as one more
window (it overlaps the one before; no silence is added). A file shorter than one window is given
to the models at its own length: BBNN pools globally, so it takes any input of at least
:data:`MIN_FRAMES` frames. Padding a short file with silence to 30 s instead changes most
predictions (the book's robustness chapter: 77 of 100 gtzan_mini clips cut to 10 s change genre
when padded, 8 when given at their own length). The class probabilities are averaged over windows
and over the ensemble's models (the folds of a run, or the authors' ten GTZAN fold models).

Cost: one model costs 7.4 GFLOP per 30 s window, so the authors' ten-model GTZAN ensemble costs
74 GFLOP per clip. The models run on the fastest runtime measured (:mod:`bbnn_core.runtime`):
``benchmarks/RESULTS.md`` has the figures. ``SPEC:K`` selects fold models (``authors-gtzan:0``,
``runs/x:0,3``) for ten times the speed.
Files are processed in chunks, so results stream out and memory stays bounded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .audio import fit_length, load_audio
from .errors import AudioError, DatasetError, ModelError, ParameterError, RunError, printable
from .features import PAPER_PARAMS, FeatureParams, spectrogram
from .progress import plural
from .runs import Run

__all__ = [
    "Ensemble",
    "ProbeEnsemble",
    "load_ensemble",
    "windows",
    "MIN_FRAMES",
    "SHORT_WARN_SECONDS",
    "predict_files",
    "iter_predictions",
    "Prediction",
    "expand_inputs",
]

AUTHORS = {
    "authors-gtzan": ("gtzan", range(10)),
    "authors-extended-ballroom": ("extended_ballroom", range(1)),
}


@dataclass
class Ensemble:
    """Models whose probabilities are averaged, and their class names.

    The models stay files until the first prediction: then :func:`bbnn_core.runtime.make_runner`
    compiles them into one graph on the chosen ``runtime`` and ``precision`` (by default
    OpenVINO, bf16 where the CPU has it natively; a converted graph is cached, so Keras is not
    even loaded the next time)."""

    files: list[Path]
    classes: tuple[str, ...]
    name: str
    loader: Callable[[Path], Any] = field(repr=False)
    runtime: str = "auto"
    precision: str = "auto"
    note: str | None = None  # a warning for the user, e.g. a run with folds still to train
    _runner: Any = field(default=None, repr=False)

    @property
    def n_models(self) -> int:
        return len(self.files)

    def runner(self):
        """The compiled ensemble (built on first use)."""
        if self._runner is None:
            from .runtime import make_runner

            self._runner = make_runner(self.files, self.loader, runtime=self.runtime, precision=self.precision)
        return self._runner

    def probabilities(self, X: np.ndarray, batch_size: int = 16) -> np.ndarray:
        """Mean probabilities over the models, ``(n, n_classes)``, for windows ``X`` ``(n, frames, mels, 1)``."""
        return self.runner()(X, batch_size).mean(axis=1)


def _authors_load(path: Path):
    from .model import load_authors_model  # imports Keras: only when a graph must be built

    return load_authors_model(path, open_time_axis=True)  # the runtimes open the time axis anyway


def _keras_load(path: Path):
    import keras

    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:  # noqa: BLE001 - Keras raises many kinds for a damaged file
        raise ModelError(f"cannot load model {path}: {exc}") from exc


def _split_spec(spec: str) -> tuple[str, list[int] | None]:
    m = re.fullmatch(r"(.+?):(\d+(?:,\d+)*)", spec)
    if m is None:
        return spec, None
    return m.group(1), [int(k) for k in m.group(2).split(",")]


def load_ensemble(
    spec: str | os.PathLike, *, runtime: str = "auto", precision: str = "auto"
) -> Ensemble | ProbeEnsemble:
    """``"authors-gtzan"``, ``"authors-extended-ballroom"``, or a run folder (its finished folds).

    A suffix ``:K`` or ``:K,L,...`` keeps only those folds (``"authors-gtzan:0"``: one model).
    ``runtime`` and ``precision``: see :func:`bbnn_core.runtime.make_runner`. Every model file is
    checked to exist here; a file that is not a model fails at the first prediction.
    """
    from .datasets import GTZAN_GENRES, load_extended_ballroom
    from .runtime import PRECISIONS, RUNTIMES

    if runtime not in RUNTIMES:
        raise ParameterError(f"runtime must be one of {', '.join(RUNTIMES)}; got {runtime!r}")
    if precision not in PRECISIONS:
        raise ParameterError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    base, wanted = _split_spec(str(spec))
    if base in AUTHORS:
        from .resources import authors_model_path

        dataset, fold_range = AUTHORS[base]
        folds = list(fold_range)
        if wanted is not None:
            unknown = [k for k in wanted if k not in folds]
            if unknown:
                raise ModelError(f"{base} has folds {folds[0]}..{folds[-1]}; no fold {unknown[0]}")
            folds = wanted
        files = [authors_model_path(dataset, k) for k in folds]
        classes = GTZAN_GENRES if dataset == "gtzan" else load_extended_ballroom().classes
        return Ensemble(files, tuple(classes), str(spec), _authors_load, runtime, precision)
    if not Run(base).exists:
        why = "is not a run folder" if Path(base).exists() else "does not exist"
        raise RunError(f"--model must be authors-gtzan, authors-extended-ballroom or a run folder; {base} {why}")
    run = Run(base)
    config = run.config()
    probe = config.get("method") == "probe"
    done = {f.index: f.path / "probe.json" if probe else f.best_model for f in run.finished_folds()}
    if wanted is not None:
        missing = [k for k in wanted if k not in done]
        if missing:
            raise RunError(f"run folder {base} has no finished fold {missing[0]} (finished: {sorted(done) or 'none'})")
        done = {k: done[k] for k in wanted}
    if not done:
        raise RunError(f"run folder {base} has no finished fold yet")
    absent = [str(p) for p in done.values() if not p.is_file()]
    if absent:
        raise RunError(f"run folder {base}: model file {absent[0]} is missing (model files are not committed)")
    splits = run.splits()
    n_folds = len(splits["folds"])
    notes = []
    if wanted is None and len(done) < n_folds:
        notes.append(
            f"run {base}: {len(done)} of {n_folds} folds finished; predicting with their "
            f"{plural(len(done), 'model')} (folds {', '.join(map(str, sorted(done)))})"
        )
    if probe:
        import json

        classifiers = [json.loads(p.read_text()) for p in done.values()]
        note = "\n".join(notes) or None
        return ProbeEnsemble(classifiers, tuple(splits["classes"]), str(spec), config["embedding"], note)
    first = [k for k in sorted(done) if run.fold(k).metrics()["best_epoch"] == 0]
    if first:
        notes.append(
            f"run {base}: folds {','.join(map(str, first))} kept the weights of their first epoch: their "
            "models are barely trained, and their predictions close to a guess (bbnn evaluate shows how close)"
        )
    note = "\n".join(notes) or None
    return Ensemble(list(done.values()), tuple(splits["classes"]), str(spec), _keras_load, runtime, precision, note)


@dataclass
class ProbeEnsemble:
    """The folds of a ``probe`` run (:mod:`bbnn_core.probe`): each file's embedding, then every
    fold's linear classifier, their probabilities averaged. A musicnn embedding averages the
    file's 3 s patches, ``bbnn-eb`` its 30 s windows (as :class:`Ensemble` does)."""

    classifiers: list[dict]
    classes: tuple[str, ...]
    name: str
    embedding: str
    note: str | None = None
    _model: Any = field(default=None, repr=False)

    @property
    def n_models(self) -> int:
        return len(self.classifiers)

    def predict_file(self, path: str, params: FeatureParams) -> Prediction:
        """One file's :class:`Prediction` (an ``error`` for a file that cannot be read)."""
        from .probe import apply_probe, embedding_model

        if self._model is None:  # as the run's embeddings were computed
            self._model = embedding_model(self.embedding)
        if self.embedding == "bbnn-eb":
            _, X, error, note = _file_features(path, params)
            if error is not None:
                return Prediction(path, error=error)
            E = np.concatenate([self._model(x[None]) for x in X])  # windows of a short file have their own length
        else:
            from .musicnn import SR, musicnn_input

            note = None
            try:
                y = load_audio(path, sr=SR)
            except AudioError as exc:
                return Prediction(path, error=str(exc))
            if y.shape[0] < MIN_SECONDS * SR:
                return Prediction(path, error=_too_short(path, y.shape[0] / SR))
            E = self._model(musicnn_input(path, y=y))
        mean = E.mean(0, keepdims=True)
        probs = np.mean([apply_probe(c, mean, len(self.classes))[0] for c in self.classifiers], axis=0)
        return Prediction(path, probs=probs, n_windows=len(E), note=note)


MIN_FRAMES = 8  # the shortest input the network's poolings accept (model.build_bbnn)
SHORT_WARN_SECONDS = 20.0  # a shorter file gets a note: the robustness chapter's measured cost
# a shorter file is not predicted: the shortest excerpt the robustness chapter measures (its
# "length" conditions); below it, how far the models can be trusted is not known
MIN_SECONDS = 3.0


def windows(y: np.ndarray, n_samples: int = PAPER_PARAMS.n_samples, min_samples: int = 0) -> list[np.ndarray]:
    """The windows of ``y`` that are predicted (the module's rule): consecutive ``n_samples``
    windows, the last ``n_samples`` as one more when at least half a window is left over, or
    ``y`` itself when it is shorter than a window (padded with silence to ``min_samples`` only
    if it is shorter than that)."""
    n_full, rest = divmod(y.shape[0], n_samples)
    if n_full == 0:
        return [fit_length(y, max(y.shape[0], min_samples))[0]]
    out = [y[i * n_samples : (i + 1) * n_samples] for i in range(n_full)]
    if rest >= n_samples // 2:
        out.append(y[-n_samples:])
    return out


@dataclass
class Prediction:
    """One file's result: ``probs`` over ``classes``, or ``error``."""

    path: str
    probs: np.ndarray | None = None
    n_windows: int = 0
    error: str | None = None
    note: str | None = None  # a warning, e.g. a file much shorter than the window

    def top(self, classes, k: int = 3) -> list[tuple[str, float]]:
        if self.probs is None:
            raise ValueError(f"{self.path} has no prediction: {self.error}")
        probs = self.probs
        order = np.argsort(probs)[::-1][:k]
        return [(classes[i], float(probs[i])) for i in order]


def _too_short(path: str, seconds: float) -> str:
    """The error line of a file too short to predict (under :data:`MIN_SECONDS`)."""
    return (
        f"{printable(path)}: {seconds:.2f} s is too short to predict: the shortest excerpt the book "
        f"measures the models on is {MIN_SECONDS:g} s"
    )


def _file_features(path: str, params: FeatureParams):
    """(path, the windows' features, error, note): the note warns of a file much shorter than a
    window. The features are a list: a file shorter than a window has its own length."""
    try:
        y = load_audio(path, sr=params.sr)
        if y.shape[0] < MIN_SECONDS * params.sr:
            return path, None, _too_short(path, y.shape[0] / params.sr), None
        min_samples = (MIN_FRAMES - 1) * params.hop_length + 1
        X = [spectrogram(w, replace(params, n_samples=w.shape[0])) for w in windows(y, params.n_samples, min_samples)]
    except AudioError as exc:
        return path, None, str(exc), None
    seconds = y.shape[0] / params.sr
    note = None
    if seconds < min(SHORT_WARN_SECONDS, params.n_samples / params.sr):
        note = (
            f"{path}: {seconds:.1f} s is shorter than the {params.n_samples / params.sr:.0f} s window the model "
            "was trained on; predicted at its own length, so its prediction is less reliable"
        )
    return path, X, None, note


def expand_inputs(items, stdin=None) -> list[str]:
    """The audio files that command-line ``items`` name, in order.

    A folder stands for the audio files under it (recursively, sorted; see
    :data:`~bbnn_core.datasets.AUDIO_EXTENSIONS`), ``-`` for the paths read from ``stdin``, one per
    line (``find ... | bbnn predict -``); anything else is taken as a file, to be reported by
    :func:`iter_predictions` if it cannot be read.

    Raises
    ------
    DatasetError
        For a folder that holds no audio file.
    """
    import sys

    from .datasets import AUDIO_EXTENSIONS, audio_files

    out: list[str] = []
    for item in items:
        item = str(item)
        if item == "-":
            out.extend(line.rstrip("\r\n") for line in (stdin or sys.stdin) if line.strip())
        elif Path(item).is_dir():
            found = [str(p) for p in audio_files(Path(item), recursive=True)]
            if not found:
                raise DatasetError(f"{item}: folder holds no audio file ({', '.join(AUDIO_EXTENSIONS)})")
            out.extend(found)
        else:
            out.append(item)
    return out


def iter_predictions(
    paths,
    ensemble: Ensemble | ProbeEnsemble,
    *,
    params: FeatureParams = PAPER_PARAMS,
    n_jobs: int | None = None,
    batch_size: int = 16,
    chunk: int = 32,
    progress: bool | None = None,
):
    """Yield a :class:`Prediction` per file, in order, ``chunk`` files at a time.

    Features of a chunk are computed on ``n_jobs`` threads, then every model runs on the chunk's
    windows. A file that cannot be read gets an ``error``; the others are still predicted.
    """
    from .progress import bar as progress_bar

    paths = [str(p) for p in paths]
    bar = progress_bar(
        total=len(paths),
        desc=f"predict ({plural(ensemble.n_models, 'model')})",
        unit="file",
        progress=progress,
    )
    with bar, ThreadPoolExecutor(max(1, n_jobs or os.cpu_count() or 1)) as pool:
        if isinstance(ensemble, ProbeEnsemble):  # one file at a time: the embedding's model is not shared
            for path in paths:
                yield ensemble.predict_file(path, params)
                bar.update(1)
            return
        for start in range(0, len(paths), chunk):
            feats = list(pool.map(lambda p: _file_features(p, params), paths[start : start + chunk]))
            results = [Prediction(p, error=err, note=note) for p, _, err, note in feats]
            # the windows of the chunk grouped by length (a short file has its own), each group run at once
            by_length: dict[int, list[tuple[int, np.ndarray]]] = {}
            for i, (_, X, err, _) in enumerate(feats):
                for x in X if err is None else ():
                    by_length.setdefault(x.shape[0], []).append((i, x))
            sums: dict[int, np.ndarray] = {}
            for group in by_length.values():
                probs = ensemble.probabilities(np.stack([x for _, x in group])[..., None], batch_size)
                for (i, _), p in zip(group, probs):
                    sums[i] = sums.get(i, 0) + p
                    results[i].n_windows += 1
            for i, total in sums.items():
                results[i].probs = total / results[i].n_windows
            bar.update(len(results))
            yield from results


def predict_files(
    paths,
    ensemble: Ensemble | ProbeEnsemble,
    *,
    params: FeatureParams = PAPER_PARAMS,
    n_jobs: int | None = None,
    batch_size: int = 16,
    progress: bool | None = None,
) -> list[Prediction]:
    """Predict every file; a bad file gets an ``error`` and the others are still predicted."""
    return list(
        iter_predictions(paths, ensemble, params=params, n_jobs=n_jobs, batch_size=batch_size, progress=progress)
    )
