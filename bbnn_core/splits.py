"""Train / validation / test splits, one protocol per way of evaluating.

* ``authors``: what the authors' code does: 10 independent stratified random 80/10/10 draws
  (``train_test_split`` twice). Test sets of different "folds" overlap; kept to compare with the
  authors' numbers, not for estimating generalisation.
* ``kfold``: true stratified 10-fold cross-validation, 8/1/1: fold ``k`` tests on part ``k``,
  validates on part ``k+1`` and trains on the other eight, so every track is tested exactly once.
  With ``K`` parts other than 10, fold ``k`` still tests on part ``k``, and validates on one track
  in nine of the other parts (a stratified draw: the share part ``k+1`` has among nine), so that
  training keeps eight ninths of them whatever ``K`` (a whole part would take a third at K=3).
* ``grouped``: like ``kfold``, but no group (copies of one song, e.g. Extended Ballroom's
  duplicate links) is split across train / validation / test.
* ``fault-filtered``: the fixed GTZAN split of Kereliuk et al. (2015), 443/197/290 tracks, one
  fold; needs the full GTZAN.

All are deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import DatasetError, ParameterError

__all__ = [
    "PROTOCOLS",
    "Fold",
    "make_splits",
    "check_folds",
    "copies_in_training",
    "fault_filtered_lists",
    "fault_filtered_part",
]

PROTOCOLS = ("authors", "kfold", "grouped", "fault-filtered")

# the fewest tracks per class each protocol can split (fault-filtered needs the full GTZAN); the
# k-fold protocols need n_folds tracks (grouped: song groups) per class
AUTHORS_MIN = 10  # so that the 20 % held out holds two per class, one each for validation and test
MIN_FOLDS = 3


@dataclass(frozen=True)
class Fold:
    """Index arrays into the data set's track list."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def as_dict(self) -> dict[str, list[int]]:
        return {k: [int(i) for i in getattr(self, k)] for k in ("train", "val", "test")}

    @classmethod
    def from_dict(cls, parts: dict) -> Fold:
        """The inverse of :meth:`as_dict` (a fold as ``splits.json`` records it)."""
        return cls(**{k: np.asarray(parts[k], dtype=int) for k in ("train", "val", "test")})


def _smallest(y: np.ndarray, classes=None, per=None) -> tuple[int, str]:
    """The smallest count per present class (of tracks, or of distinct ``per`` values) and its name."""
    counts: dict[int, int] = {}
    for c in np.unique(y):
        members = per[y == c] if per is not None else y[y == c]
        counts[int(c)] = len(np.unique(members)) if per is not None else int(members.size)
    c = min(counts, key=lambda k: counts[k])
    name = classes[c] if classes is not None and c < len(classes) else f"class {c}"
    return counts[c], name


def _authors(y: np.ndarray, n_folds: int, seed: int, classes=None) -> list[Fold]:
    from sklearn.model_selection import train_test_split

    n, name = _smallest(y, classes)
    if n < AUTHORS_MIN:
        raise DatasetError(
            f"the authors protocol (stratified random 80/10/10 draws) needs at least {AUTHORS_MIN} "
            f"tracks per class; the smallest class, {name}, has {n} (try --protocol kfold --n-folds 3)"
        )
    idx = np.arange(len(y))
    folds = []
    for k in range(n_folds):
        train, rest = train_test_split(idx, test_size=0.2, stratify=y, random_state=seed * 1000 + k)
        val, test = train_test_split(rest, test_size=0.5, stratify=y[rest], random_state=seed * 1000 + k)
        folds.append(Fold(np.sort(train), np.sort(val), np.sort(test)))
    return folds


def _rotate(parts: list[np.ndarray], n_folds: int) -> list[Fold]:
    folds = []
    for k in range(n_folds):
        test, val = parts[k], parts[(k + 1) % n_folds]
        train = np.concatenate([parts[j] for j in range(n_folds) if j not in (k, (k + 1) % n_folds)])
        folds.append(Fold(np.sort(train), np.sort(val), np.sort(test)))
    return folds


def _validation(rest: np.ndarray, y: np.ndarray, k: int, seed: int, groups=None) -> tuple[np.ndarray, np.ndarray]:
    """(train, val) of the tracks ``rest``: per class, one in nine of its tracks (of its song
    groups, with ``groups``), at least one of a class with two or more, drawn with ``seed`` and ``k``."""
    rng = np.random.default_rng([seed, k])
    unit = np.asarray(groups)[rest] if groups is not None else rest
    val: list = []
    for c in np.unique(y[rest]):
        units = np.unique(unit[y[rest] == c])
        take = max(1, round(len(units) / 9)) if len(units) > 1 else 0
        val.extend(rng.choice(units, take, replace=False).tolist())
    held = np.isin(unit, val)
    return np.sort(rest[~held]), np.sort(rest[held])


def _kfold(y: np.ndarray, n_folds: int, seed: int, groups=None, classes=None) -> list[Fold]:
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    n, name = _smallest(y, classes, per=groups)
    if n < n_folds:
        what = "song groups" if groups is not None else "tracks"
        raise DatasetError(
            f"stratified {n_folds}-fold{' grouped' if groups is not None else ''} cross-validation needs at least "
            f"{n_folds} {what} per class; the smallest class, {name}, has {n} (use --n-folds {max(3, n)} or fewer"
            f"{'' if n >= 3 else ', after adding tracks'})"
        )
    x = np.zeros(len(y))
    if groups is None:
        splitter = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
        parts = [test for _, test in splitter.split(x, y)]
    else:
        splitter = StratifiedGroupKFold(n_folds, shuffle=True, random_state=seed)
        parts = [test for _, test in splitter.split(x, y, groups)]
    if n_folds == 10:  # the paper's 8/1/1: the next part validates
        folds = _rotate(parts, n_folds)
    else:
        folds = []
        for k in range(n_folds):
            train, val = _validation(np.concatenate([p for j, p in enumerate(parts) if j != k]), y, k, seed, groups)
            folds.append(Fold(train, val, np.sort(parts[k])))
    for k, f in enumerate(folds):
        if not len(f.val) or not len(f.test):
            raise DatasetError(f"fold {k} of {n_folds} has an empty validation or test part: use fewer folds")
    return folds


FAULT_FILTERED_PARTS = ("train", "valid", "test")


def _gtzan_name(track: str) -> str:
    """``genre/genre.NNNNN.wav``, the fault-filtered lists' name of a GTZAN track path."""
    parts = track.replace("\\", "/").split("/")
    return "/".join(parts[-2:]).replace(".au", ".wav")


def fault_filtered_lists() -> dict[str, list[str]]:
    """The fault-filtered split of Kereliuk et al. (2015): its train, valid and test track names."""
    from .resources import resolve

    return {
        part: resolve(f"reference/gtzan_fault_filtered/{part}_filtered.txt").read_text().split()
        for part in FAULT_FILTERED_PARTS
    }


def fault_filtered_part(tracks: list[str]) -> list[str | None]:
    """For each GTZAN track path, the fault-filtered part that holds it, or None when the split
    leaves it out (a replica, a mislabelled or distorted excerpt, or an artist kept apart)."""
    where = {name: part for part, names in fault_filtered_lists().items() for name in names}
    return [where.get(_gtzan_name(t)) for t in tracks]


def _fault_filtered(tracks: list[str]) -> list[Fold]:
    index = {_gtzan_name(t): i for i, t in enumerate(tracks)}
    out = {}
    for part, names in fault_filtered_lists().items():
        missing = [n for n in names if n not in index]
        if missing:
            raise DatasetError(
                f"the fault-filtered split needs the full GTZAN: {len(missing)} of its {len(names)} "
                f"{part} tracks are not in this data set (first: {missing[0]})"
            )
        out[part] = np.sort(np.array([index[n] for n in names]))
    return [Fold(out["train"], out["valid"], out["test"])]


def make_splits(
    y: np.ndarray,
    *,
    protocol: str = "kfold",
    n_folds: int = 10,
    seed: int = 0,
    groups: np.ndarray | None = None,
    tracks: list[str] | None = None,
    classes: list[str] | None = None,
) -> list[Fold]:
    """Per-fold train / validation / test indices.

    Parameters
    ----------
    y : np.ndarray [shape=(n_tracks,)], int
        Class index of each track.
    protocol : {"authors", "kfold", "grouped", "fault-filtered"}
    n_folds : int
        Folds (10 in the paper); ignored by ``fault-filtered``.
    seed : int
    groups : np.ndarray, optional
        Group of each track; required by ``grouped``.
    tracks : list of str, optional
        Track paths; required by ``fault-filtered``.
    classes : list of str, optional
        Class names, to name the smallest class when a protocol cannot split the data.

    Raises
    ------
    DatasetError
        When a class is too small for the protocol (the message names it and the minimum).
    """
    y = np.asarray(y)
    if protocol not in PROTOCOLS:
        raise ParameterError(f"protocol must be one of {', '.join(PROTOCOLS)}; got {protocol!r}")
    if protocol != "fault-filtered" and (not isinstance(n_folds, (int, np.integer)) or n_folds < MIN_FOLDS):
        raise ParameterError(f"n_folds must be an integer >= {MIN_FOLDS}; got {n_folds!r}")
    if protocol == "authors":
        return _authors(y, n_folds, seed, classes)
    if protocol == "kfold":
        return _kfold(y, n_folds, seed, classes=classes)
    if protocol == "grouped":
        if groups is None:
            raise ParameterError("the grouped protocol needs the tracks' groups")
        return _kfold(y, n_folds, seed, groups=np.asarray(groups), classes=classes)
    if tracks is None:
        raise ParameterError("the fault-filtered protocol needs the track paths")
    return _fault_filtered(tracks)


def check_folds(folds: list[Fold], n: int) -> None:
    """Raise if any fold's parts overlap or index outside ``range(n)``."""
    for k, f in enumerate(folds):
        parts = [set(f.train.tolist()), set(f.val.tolist()), set(f.test.tolist())]
        if parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2]:
            raise DatasetError(f"fold {k}: train, validation and test overlap")
        if any(i < 0 or i >= n for p in parts for i in p):
            raise DatasetError(f"fold {k}: an index is outside the data set")


def copies_in_training(folds: list[Fold], groups: np.ndarray) -> list[dict[str, int]]:
    """Per fold, how many of its test and validation tracks have a copy in its training part: a
    track of the same group (for Extended Ballroom, the same song linked in its metadata), so that
    the model is scored on a song it was trained on.

    Parameters
    ----------
    folds : list of Fold
    groups : np.ndarray [shape=(n_tracks,)]
        Group of each track.

    Returns
    -------
    list of dict
        ``{"test": n, "test_copied": m, "val": n, "val_copied": m}`` per fold.
    """
    groups = np.asarray(groups)
    out = []
    for f in folds:
        trained = set(groups[f.train].tolist())
        row = {}
        for part in ("test", "val"):
            idx = getattr(f, part)
            row[part] = int(len(idx))
            row[f"{part}_copied"] = int(sum(g in trained for g in groups[idx].tolist()))
        out.append(row)
    return out
