"""What the network listens to: occlusion sensitivity and gradient saliency of the released models,
for the "Beyond the paper" chapter (its figures: :mod:`bbnn_core.plots`).

:func:`listening` computes both maps for every clip of a data set under an ensemble, or reads them
from a results folder when their key (the clips, the models, this module's two map functions and the
feature code) is current; :func:`listening_examples` picks the clips whose maps are played in the
chapter.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .progress import bar
from .robustness import code_key, study_key
from .runs import atomic_write, write_csv_gz

__all__ = [
    "occlusion",
    "saliency",
    "listening",
    "listening_examples",
    "genre_bands",
    "OCCLUSION_GRID",
]


def occlusion(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    labels: Sequence[int],
    *,
    grid: tuple[int, int] = (8, 8),
    progress: bool | None = None,
) -> np.ndarray:
    """Occlusion sensitivity: for each clip of ``X`` ``(n, frames, mels)`` and each of the
    ``grid`` time x mel patches, how much the probability of the clip's true class drops when the
    patch is set to the clip's floor (its quietest value: silence in the log-mel input).

    ``predict(X)`` gives every model's probabilities ``(n, n_models, n_classes)``; their mean is
    used. Returns ``(n, grid_t, grid_m)``: positive where hiding the patch hurts.
    """
    n, frames, mels = X.shape
    t_edges = np.linspace(0, frames, grid[0] + 1).round().astype(int)
    m_edges = np.linspace(0, mels, grid[1] + 1).round().astype(int)
    out = np.empty((n, *grid))
    for i in bar(range(n), desc="occlusion", unit="clip", progress=progress):
        x = X[i]
        batch = np.repeat(x[None], 1 + grid[0] * grid[1], axis=0)
        for a in range(grid[0]):
            for b in range(grid[1]):
                batch[1 + a * grid[1] + b, t_edges[a] : t_edges[a + 1], m_edges[b] : m_edges[b + 1]] = x.min()
        p = predict(batch[..., None]).mean(axis=1)[:, labels[i]]
        out[i] = (p[0] - p[1:]).reshape(grid)
    return out


def saliency(models: Sequence, X: np.ndarray, labels: Sequence[int]) -> np.ndarray:
    """Gradient saliency: ``|d p(true class) / d input|`` for each clip ``(n, frames, mels)``,
    averaged over ``models`` (Keras, TensorFlow backend)."""
    import tensorflow as tf

    out = np.zeros(X.shape, dtype=np.float64)
    for model in models:
        for i in range(X.shape[0]):
            x = tf.constant(X[i][None, ..., None], tf.float32)
            with tf.GradientTape() as tape:
                tape.watch(x)
                p = model(x, training=False)[0, int(labels[i])]
            out[i] += np.abs(tape.gradient(p, x).numpy()[0, ..., 0])
    return out / len(models)


OCCLUSION_FILE = "occlusion.csv.gz"
SALIENCY_FILE = "saliency.csv.gz"
LISTENING_KEY_FILE = "listening.json"
OCCLUSION_GRID = (8, 8)


# The version of occlusion() and saliency() and their grid. Bump it in the commit that changes a
# map: maps of another version are then recomputed. tests/test_cache_versions.py fails until it is.
LISTENING_VERSION = 1


def listening(dataset, ensemble, *, saved: str | os.PathLike | None = None, write: bool = False, progress=None):
    """Occlusion rows ``(clip, label, t, m, drop)`` and saliency rows ``(clip, label, mel, value)``
    (the saliency summed over time, so a profile over the mel bands) for every clip of
    ``dataset`` under ``ensemble``. Read from ``saved`` when its key is current, else computed
    (and written there when ``write``)."""
    import pandas as pd

    from .features import extract

    key = {**study_key(dataset, ensemble), "code": f"listening {LISTENING_VERSION}", "features": code_key()}
    folder = Path(saved) if saved is not None else None
    if folder is not None and (folder / LISTENING_KEY_FILE).is_file():
        if json.loads((folder / LISTENING_KEY_FILE).read_text()) == key:
            return pd.read_csv(folder / OCCLUSION_FILE), pd.read_csv(folder / SALIENCY_FILE)
    fs = extract(dataset, progress=progress)
    X, y = fs.X, fs.y
    names = list(fs.tracks)
    occ = occlusion(ensemble.runner(), X, list(y), grid=OCCLUSION_GRID, progress=progress)
    gt, gm = OCCLUSION_GRID
    occ_rows = pd.DataFrame(
        {
            "clip": np.repeat(names, gt * gm),
            "label": np.repeat(y, gt * gm),
            "t": np.tile(np.repeat(np.arange(gt), gm), len(names)),
            "m": np.tile(np.arange(gm), gt * len(names)),
            "drop": np.round(occ.ravel(), 6),
        }
    )
    models = [ensemble.loader(Path(f)) for f in ensemble.files]
    sal = saliency(models, X, list(y)).sum(axis=1)  # (n, mels)
    sal_rows = pd.DataFrame(
        {
            "clip": np.repeat(names, X.shape[2]),
            "label": np.repeat(y, X.shape[2]),
            "mel": np.tile(np.arange(X.shape[2]), len(names)),
            "value": sal.ravel(),
        }
    )
    if write and folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_csv_gz(occ_rows, folder / OCCLUSION_FILE)
        write_csv_gz(sal_rows, folder / SALIENCY_FILE)
        atomic_write(folder / LISTENING_KEY_FILE, json.dumps(key, indent=1, sort_keys=True))
    return occ_rows, sal_rows


def listening_examples(occ, dataset, *, k: int = 3) -> list[tuple[str, Path]]:
    """``k`` clips of different genres whose occlusion maps show the strongest dependence (the
    largest single-patch drop), as ``(track path, file)``."""
    peak = occ.groupby(["clip", "label"], as_index=False)["drop"].max().sort_values("drop", ascending=False)
    chosen, genres = [], set()
    for clip, label in zip(peak["clip"], peak["label"]):
        if label not in genres:
            chosen.append(clip)
            genres.add(label)
        if len(chosen) == k:
            break
    root = Path(dataset.root)
    return [(c, root / c) for c in chosen]


def genre_bands(occ, sal, classes, params=None):
    """Which frequencies each genre's decisions rest on, from :func:`listening`'s rows: per genre,
    the frequency below which half of the gradient saliency lies (each clip's profile normalised
    to sum to 1, then averaged over the genre's clips), the share of the saliency below 500 Hz,
    and the mel band range (of the occlusion grid) whose silencing lowers the true genre's
    probability most on average, with that mean drop."""
    import pandas as pd

    from .features import PAPER_PARAMS
    from .figures import mel_centres

    params = params or PAPER_PARAMS
    centres = mel_centres(params)
    gm = OCCLUSION_GRID[1]
    width = params.n_mels // gm
    rows = []
    for label, genre in enumerate(classes):
        s = sal[sal["label"] == label].pivot(index="clip", columns="mel", values="value")
        profile = (s.div(s.sum(axis=1), axis=0)).mean(axis=0).to_numpy()
        half = int(np.searchsorted(np.cumsum(profile), 0.5))
        o = occ[occ["label"] == label].groupby("m")["drop"].mean()
        band = int(o.idxmax())
        lo, hi = centres[band * width], centres[min((band + 1) * width, len(centres)) - 1]
        rows.append(
            {
                "genre": genre,
                "half the saliency below (Hz)": float(centres[half]),
                "saliency below 500 Hz (%)": 100 * float(profile[centres < 500].sum()),
                "band that matters most (Hz)": f"{lo:.0f}–{hi:.0f}",
                "mean drop there": float(o.max()),
            }
        )
    return pd.DataFrame(rows)
