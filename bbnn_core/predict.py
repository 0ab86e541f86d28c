"""Genre predictions for audio files, from a trained run or the authors' released models.

A file longer than the 30 s analysis window is cut into consecutive 30 s windows (a last partial
window counts when it holds at least half a window, and a file shorter than one window is padded);
the class probabilities are averaged over windows and over the ensemble's models (the folds of a
run, or the authors' ten GTZAN fold models).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AudioError, ModelError
from .features import PAPER_PARAMS, FeatureParams, _fit, _spectrogram, load_audio

__all__ = ["Ensemble", "load_ensemble", "windows", "predict_files", "Prediction"]

AUTHORS = {
    "authors-gtzan": ("gtzan", range(10)),
    "authors-extended-ballroom": ("extended_ballroom", range(1)),
}


@dataclass
class Ensemble:
    """Models whose probabilities are averaged, and their class names."""

    models: list
    classes: tuple[str, ...]
    name: str


def load_ensemble(spec: str | os.PathLike) -> Ensemble:
    """``"authors-gtzan"``, ``"authors-extended-ballroom"``, or a run folder (its finished folds)."""
    from .datasets import GTZAN_GENRES, load_extended_ballroom

    spec = str(spec)
    if spec in AUTHORS:
        from .model import load_authors_model
        from .resources import authors_model_path

        dataset, folds = AUTHORS[spec]
        models = [load_authors_model(authors_model_path(dataset, k)) for k in folds]
        classes = GTZAN_GENRES if dataset == "gtzan" else load_extended_ballroom().classes
        return Ensemble(models, tuple(classes), spec)
    run = Path(spec)
    if not (run / "splits.json").is_file():
        raise ModelError(f"--model must be authors-gtzan, authors-extended-ballroom or a run folder; "
                         f"{run} has no splits.json")
    import keras

    paths = sorted(run.glob("fold*/best.keras"))
    done = [p for p in paths if (p.parent / "metrics.json").exists()]
    if not done:
        raise ModelError(f"run folder {run} has no finished fold (fold*/metrics.json)")
    models = [keras.models.load_model(p, compile=False) for p in done]
    classes = tuple(json.loads((run / "splits.json").read_text())["classes"])
    return Ensemble(models, classes, str(run))


def windows(y: np.ndarray, n_samples: int = PAPER_PARAMS.n_samples) -> list[np.ndarray]:
    """Consecutive ``n_samples`` windows of ``y`` (see the module's rule for the last one)."""
    n_full, rest = divmod(y.shape[0], n_samples)
    out = [y[i * n_samples : (i + 1) * n_samples] for i in range(n_full)]
    if n_full == 0 or rest >= n_samples // 2:
        out.append(_fit(y[n_full * n_samples :], n_samples)[0])
    return out


@dataclass
class Prediction:
    """One file's result: ``probs`` over ``classes``, or ``error``."""

    path: str
    probs: np.ndarray | None = None
    n_windows: int = 0
    error: str | None = None

    def top(self, classes, k: int = 3) -> list[tuple[str, float]]:
        order = np.argsort(self.probs)[::-1][:k]
        return [(classes[i], float(self.probs[i])) for i in order]


def _file_features(path: str, params: FeatureParams):
    try:
        y = load_audio(path, sr=params.sr)
        return path, np.stack([_spectrogram(w, params) for w in windows(y, params.n_samples)]), None
    except AudioError as exc:
        return path, None, str(exc)


def predict_files(
    paths, ensemble: Ensemble, *, params: FeatureParams = PAPER_PARAMS, n_jobs: int | None = None,
    batch_size: int = 16, progress: bool | None = None,
) -> list[Prediction]:
    """Predict every file; a bad file gets an ``error`` and the others are still predicted."""
    from tqdm.auto import tqdm

    paths = [str(p) for p in paths]
    with ThreadPoolExecutor(max(1, n_jobs or os.cpu_count() or 1)) as pool:
        feats = list(tqdm(pool.map(lambda p: _file_features(p, params), paths), total=len(paths),
                          desc="features", unit="file", disable=None if progress is None else not progress))
    results = [Prediction(p, error=err) for p, _, err in feats]
    good = [(i, X) for i, (_, X, err) in enumerate(feats) if err is None]
    if good:
        X = np.concatenate([X for _, X in good])[..., None]
        probs = np.mean([m.predict(X, batch_size=batch_size, verbose=0) for m in ensemble.models], axis=0)
        start = 0
        for i, Xi in good:
            n = Xi.shape[0]
            results[i].probs = probs[start : start + n].mean(axis=0)
            results[i].n_windows = n
            start += n
    return results
