"""What a researcher would use instead of training BBNN: a pretrained model's embeddings and a
linear classifier on them (a *linear probe*, the recipe of today's benchmarks), on a run's folds.

An embedding is one vector per clip from a network trained on other data:

- ``musicnn-msd``, ``musicnn-mtt``: musicnn's penultimate layer (200 values) averaged over the
  clip's 3 s patches, of the model trained on the Million Song Dataset or on MagnaTagATune
  (:mod:`bbnn_core.musicnn`);
- ``bbnn-eb``: the authors' Extended Ballroom BBNN, as a feature extractor: its global average
  pooling (the input of its classifier), on the run's own log-mel features.

Embeddings are cached in ``BBNN_CACHE/embeddings``, keyed by the embedding and the content of the
features of every track (so a changed file is embedded again). The probe is a logistic regression
on standardised embeddings, its regularisation C chosen on the fold's validation part (drawn from
the training folds), scored on the fold's test part.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .resources import cache_dir
from .runs import atomic_write

__all__ = [
    "EMBEDDINGS",
    "EMBEDDING_VERSION",
    "PROBE_C",
    "embed",
    "embedding_model",
    "probe_fold",
    "apply_probe",
    "probes_beside",
]

EMBEDDINGS = {
    "musicnn-msd": "musicnn (Million Song Dataset), penultimate layer, mean over 3 s patches",
    "musicnn-mtt": "musicnn (MagnaTagATune), penultimate layer, mean over 3 s patches",
    "bbnn-eb": "the authors' Extended Ballroom BBNN, global average pooling",
}
EMBEDDING_VERSION = 1  # bumped when an embedding's computation changes: the cache then misses
PROBE_C = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)  # the regularisation tried on each fold's validation part


def _cache_path(fs, name: str, runtime: str) -> Path:
    # the embedding, its version, the runtime that computed it (OpenVINO's last bits differ from Keras')
    h = hashlib.sha256(f"{name}:{EMBEDDING_VERSION}:{runtime}:{json.dumps(list(fs.tracks))}".encode())
    h.update(np.ascontiguousarray(fs.X).data)  # the content: features change with the audio
    return cache_dir() / "embeddings" / f"{fs.dataset}-{name}-{h.hexdigest()[:16]}.npy"


def embed(fs, name: str, *, root=None, progress: bool | None = None) -> np.ndarray:
    """The ``name`` embedding of every track of the feature set ``fs``, ``(n_tracks, dim)``
    float32, in its track order; ``root``: the data set's folder (musicnn reads the audio)."""
    if name not in EMBEDDINGS:
        raise ParameterError(f"--embedding must be one of {', '.join(EMBEDDINGS)}; got {name!r}")
    from .musicnn import embedder_runtime, musicnn_input
    from .progress import bar

    if name != "bbnn-eb" and root is None:
        raise ParameterError(f"the {name} embedding reads the audio: give the data set's folder")
    path = _cache_path(fs, name, "keras" if name == "bbnn-eb" else embedder_runtime())
    if path.is_file():
        return np.load(path)
    embedder = embedding_model(name)
    if name == "bbnn-eb":
        batches = bar(range(0, len(fs), 8), desc=name, unit="batch", progress=progress)
        out = np.concatenate([embedder(fs.X[i : i + 8]) for i in batches])
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:  # the next clips' input is computed while the network runs
            patches = pool.map(lambda t: musicnn_input(Path(root) / t), fs.tracks)
            out = np.stack(
                [embedder(x).mean(0) for x in bar(patches, total=len(fs), desc=name, unit="clip", progress=progress)]
            )
    out = out.astype(np.float32)
    atomic_write(path, lambda fh: np.save(fh, out))
    return out


def embedding_model(name: str):
    """A function from a clip's windows to their embeddings, ``(n, dim)``, the one place that
    builds an embedding's network (training's embeddings and ``bbnn predict`` use it alike):
    ``bbnn-eb`` takes log-mel windows ``(n, frames, 128)`` of any length (the authors' Extended
    Ballroom model with its time axis open), the musicnn embeddings take musicnn's 3 s patches
    (:func:`bbnn_core.musicnn.musicnn_embedder`: OpenVINO where installed)."""
    if name not in EMBEDDINGS:
        raise ParameterError(f"--embedding must be one of {', '.join(EMBEDDINGS)}; got {name!r}")
    if name != "bbnn-eb":
        from .musicnn import musicnn_embedder

        return musicnn_embedder("MSD_musicnn" if name == "musicnn-msd" else "MTT_musicnn")
    import keras

    from .model import load_authors_model
    from .resources import authors_model_path

    model = load_authors_model(authors_model_path("extended_ballroom", 0), open_time_axis=True)
    trunk = keras.Model(model.inputs, model.get_layer("head_gap").output)

    def bbnn_embed(X):
        return trunk.predict(np.asarray(X)[..., None], verbose=0)

    return bbnn_embed


def probe_fold(E: np.ndarray, y: np.ndarray, fold, n_classes: int) -> tuple[dict, dict, np.ndarray]:
    """A logistic regression on the standardised embeddings ``E`` of ``fold``'s train part, C
    chosen from :data:`PROBE_C` on its validation part (accuracy, then log loss). Returns its metrics (accuracy and log loss
    per part, the C), the classifier as numbers (:func:`apply_probe` reads it back) and the test
    part's class probabilities."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(E[fold.train])
    Z = scaler.transform(E)
    best = None
    for C in PROBE_C:
        clf = LogisticRegression(C=C, max_iter=5000).fit(Z[fold.train], y[fold.train])
        p = np.zeros((len(fold.val), n_classes))
        p[:, clf.classes_] = clf.predict_proba(Z[fold.val])
        # the validation accuracy, ties (a validation part of 10 clips has many) to the lower log loss
        score = (float(np.mean(p.argmax(1) == y[fold.val])), -float(log_loss(y[fold.val], p, labels=range(n_classes))))
        if best is None or score > best[0]:
            best = (score, C, clf)
    assert best is not None
    _, C, clf = best
    classifier = {
        "C": C,
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": clf.coef_.tolist(),
        "intercept": clf.intercept_.tolist(),
        "classes": clf.classes_.tolist(),  # the class indices it saw in training
    }
    metrics: dict = {"C": C}
    probs = {}
    for part in ("train", "val", "test"):
        idx = np.asarray(getattr(fold, part))
        probs[part] = apply_probe(classifier, E[idx], n_classes)
        metrics[f"{part}_acc"] = float(np.mean(probs[part].argmax(1) == y[idx]))
        metrics[f"{part}_loss"] = float(log_loss(y[idx], probs[part], labels=list(range(n_classes))))
    return metrics, classifier, probs["test"]


def apply_probe(classifier: dict, E: np.ndarray, n_classes: int) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` of a :func:`probe_fold` classifier on embeddings."""
    Z = (np.asarray(E, np.float64) - classifier["mean"]) / np.asarray(classifier["scale"])
    coef, intercept = np.asarray(classifier["coef"]), np.asarray(classifier["intercept"])
    seen = classifier["classes"]
    if len(seen) == 2:  # scikit-learn's binary case: one column of weights, for the second class
        logits = np.stack([np.zeros(len(Z)), Z @ coef[0] + intercept[0]], axis=1)
    else:
        logits = Z @ coef.T + intercept
    logits -= logits.max(1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    out = np.zeros((len(Z), n_classes))
    out[:, seen] = p
    return out


def probes_beside(run_dir) -> dict[str, Path]:
    """The probe runs kept beside a run, on its data, protocol and seed
    (``<dataset>-<protocol>-probe-<embedding>-seed<seed>``) and on exactly its folds: embedding ->
    run folder, in :data:`EMBEDDINGS`' order."""
    from .runs import Run

    run = Run.open(run_dir)
    cfg, splits = run.config(), run.splits()
    found = {}
    for name in EMBEDDINGS:
        folder = run.path.parent / f"{splits['dataset']}-{cfg['protocol']}-probe-{name}-seed{cfg['seed']}"
        other = Run(folder)
        if other.exists and other.has_splits and other.config().get("embedding") == name:
            if other.splits()["folds"] == splits["folds"] and other.splits()["tracks"] == splits["tracks"]:
                found[name] = folder
    return found
