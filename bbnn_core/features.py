"""Log-mel spectrograms exactly as the authors computed them, fast.

The authors' preprocessing (their ``without_split_feature_extraction`` notebook, checked against
their released models) is, for every clip:

1. ``librosa.load(path, sr=None)``: mono, native rate; other rates resampled to 22050 Hz;
2. crop or zero-pad the samples to a fixed length (661,794 samples, 30.01 s: the length of a
   standard GTZAN clip, which gives 647 frames);
3. ``librosa.feature.melspectrogram(n_fft=2048, hop_length=1024)``: Hann window, centred frames,
   128 mel bands (Slaney), power 2;
4. ``librosa.power_to_db`` with ``ref=1.0`` (and ``top_db=80``), no normalisation;
5. transposed to time-major: ``(647, 128)``.

:func:`log_mel_librosa` is that recipe written with librosa's own calls (the reference and the
benchmark's baseline). :func:`log_mel` computes the same thing faster: PCM is decoded as integers
straight into a buffer each thread reuses and scaled exactly as libsndfile does, frames go through
scipy's single-precision real FFT 128 at a time, numba squares the spectrum in one pass, and the
mel projection is a few dense products along the banded filterbank's diagonal. Its output agrees
with the reference to float32 rounding (up to 4.3e-4 dB measured on the gtzan_mini clips;
``tests/test_features`` checks that it stays below 1e-3 dB).

:func:`extract` turns a whole :class:`~bbnn_core.datasets.Dataset` into one feature file per
(data set, parameters), in parallel over cores (threads), with a progress bar, written atomically and reused
(row by row) while the audio files and the parameters are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .audio import PaddingWarning, decode_into, fix_length, padding_note, to_mono_resampled
from .errors import AudioError, DatasetError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from .datasets import Dataset

__all__ = [
    "FeatureParams",
    "PAPER_PARAMS",
    "log_mel",
    "log_mel_librosa",
    "FeatureSet",
    "extract",
    "feature_file",
    "spectrogram",
]


@dataclass(frozen=True)
class FeatureParams:
    """Log-mel parameters. The defaults are the paper's.

    Attributes
    ----------
    sr : int
        Sample rate in Hz (audio at other rates is resampled).
    n_fft : int
        FFT size and Hann window length, in samples.
    hop_length : int
        Hop between frames, in samples.
    n_mels : int
        Mel bands (Slaney scale and norm, 0 Hz to sr/2, as ``librosa.filters.mel``).
    n_samples : int
        Samples each clip is cropped or zero-padded to (661,794 = 30.01 s at 22050 Hz).
    top_db : float
        Dynamic range kept below each clip's maximum, in dB (``librosa.power_to_db``).
    """

    sr: int = 22050
    n_fft: int = 2048
    hop_length: int = 1024
    n_mels: int = 128
    n_samples: int = 661_794
    top_db: float = 80.0

    def __post_init__(self):
        for name in ("sr", "n_fft", "hop_length", "n_mels", "n_samples"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ParameterError(f"FeatureParams.{name} must be a positive integer; got {value!r}")
        if self.hop_length > self.n_fft:
            raise ParameterError(
                f"FeatureParams.hop_length must not exceed n_fft; got {self.hop_length} > {self.n_fft}"
            )

    @property
    def n_frames(self) -> int:
        """Frames per clip with centred framing: ``1 + n_samples // hop_length`` (647)."""
        return 1 + self.n_samples // self.hop_length

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_frames, n_mels)``, time-major."""
        return (self.n_frames, self.n_mels)

    def key(self) -> str:
        """A short stable hash of the parameters, used to name feature files."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:10]


PAPER_PARAMS = FeatureParams()

# The version of what this module and audio.py compute. Bump it in the commit that changes a byte
# of the features: feature files (and the robustness and attribution results computed from them)
# made by another version are then not reused. tests/test_cache_versions.py fails until it is.
FEATURES_VERSION = 1

# The Slaney filterbank is banded: cut along its diagonal into this many row ranges, its
# nonzero weights fit in dense blocks covering 14 % of the full matrix (fewer BLAS calls than
# that do more arithmetic, more do too little per call).
_MEL_SEGMENTS = 8


@lru_cache(maxsize=8)
def _mel_blocks(sr: int, n_fft: int, n_mels: int) -> tuple:
    """``librosa.filters.mel`` as dense blocks ``(bin0, bin1, mel0, mel1, weights)``.

    Every nonzero weight of the ``(n_fft//2+1, n_mels)`` filterbank lies in one block, so
    ``power[:, bin0:bin1] @ weights`` summed into ``mel[:, mel0:mel1]`` is the full product.
    """
    import librosa

    basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels).astype(np.float32).T
    nonzero = basis != 0
    edges = np.linspace(0, basis.shape[0], _MEL_SEGMENTS + 1).astype(int)
    blocks = []
    for a, b in zip(edges[:-1], edges[1:]):
        cols = np.flatnonzero(nonzero[a:b].any(axis=0))
        if cols.size:
            c0, c1 = int(cols[0]), int(cols[-1]) + 1
            blocks.append((int(a), int(b), c0, c1, np.ascontiguousarray(basis[a:b, c0:c1])))
    return tuple(blocks)


@lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    import scipy.signal

    return scipy.signal.get_window("hann", n_fft, fftbins=True).astype(np.float32)


def _power_py(spec, out):  # pragma: no cover - compiled by numba (see _power)
    for i in range(spec.shape[0]):
        for j in range(spec.shape[1]):
            z = spec[i, j]
            out[i, j] = z.real * z.real + z.imag * z.imag


@lru_cache(maxsize=1)
def _power():
    """``out[...] = |spec| ** 2`` in one pass (numpy needs two passes and a temporary).

    numba (a dependency of librosa) compiles it on first use and caches the machine code.
    """
    import numba

    return numba.njit(nogil=True, cache=True)(_power_py)


def _power_to_db(S: np.ndarray, top_db: float) -> np.ndarray:
    # librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=top_db)
    out = np.log10(np.maximum(S, np.float32(1e-10)))
    out *= np.float32(10.0)
    np.maximum(out, out.max() - np.float32(top_db), out=out)
    return out


_BLOCK = 128  # frames per FFT call: its input buffer (1 MB) stays in cache and is reused
_workspace = threading.local()


def _buffers(params: FeatureParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This thread's reusable (centred signal, windowed frames, power spectrum) buffers.

    Fresh multi-megabyte arrays cost more in page faults than the FFT costs in arithmetic, so
    each thread allocates its buffers once per parameter set.
    """
    key = (params.n_fft, params.n_samples, params.n_frames)
    if getattr(_workspace, "key", None) != key:
        _workspace.key = key
        _workspace.padded = np.zeros(params.n_samples + 2 * (params.n_fft // 2), dtype=np.float32)
        _workspace.frames = np.empty((_BLOCK, params.n_fft), dtype=np.float32)
        _workspace.power = np.empty((params.n_frames, params.n_fft // 2 + 1), dtype=np.float32)
    return _workspace.padded, _workspace.frames, _workspace.power


def _signal_buffer(params: FeatureParams) -> np.ndarray:
    """The part of this thread's centred buffer that holds the ``n_samples`` of a clip."""
    half = params.n_fft // 2
    return _buffers(params)[0][half:-half]


def spectrogram(y: np.ndarray, params: FeatureParams) -> np.ndarray:
    """Fixed-length mono float32 signal -> (n_frames, n_mels) log-mel dB.

    librosa's centred, zero-padded STFT -> power -> Slaney mel -> dB, in float32: frames are
    windowed ``_BLOCK`` at a time into a reused buffer and go through scipy's real FFT, numba
    squares the spectrum in place of numpy's two passes, and the mel projection is a few dense
    products along the filterbank's diagonal (:func:`_mel_blocks`).
    """
    if y.shape != (params.n_samples,):
        raise ParameterError(f"expected {params.n_samples} samples (see fix_length); got shape {y.shape}")
    _signal_buffer(params)[:] = y  # the margins stay zero
    return _buffered_spectrogram(params)


def _clip_spectrogram(path: Path, params: FeatureParams) -> tuple[np.ndarray, int]:
    """A file's log-mel spectrogram and how many samples of padding it needed."""
    n = decode_into(path, _signal_buffer(params), params.sr)
    return _buffered_spectrogram(params), params.n_samples - n


def _buffered_spectrogram(params: FeatureParams) -> np.ndarray:
    """The log-mel spectrogram of the signal in this thread's centred buffer."""
    import scipy.fft

    padded, buf, power = _buffers(params)
    frames = np.lib.stride_tricks.sliding_window_view(padded, params.n_fft)[:: params.hop_length]
    window = _window(params.n_fft)
    square = _power()
    for start in range(0, frames.shape[0], _BLOCK):
        m = min(_BLOCK, frames.shape[0] - start)
        np.multiply(frames[start : start + m], window, out=buf[:m])
        square(scipy.fft.rfft(buf[:m], axis=-1, overwrite_x=True), power[start : start + m])
    mel = np.zeros((frames.shape[0], params.n_mels), dtype=np.float32)
    for a, b, c0, c1, weights in _mel_blocks(params.sr, params.n_fft, params.n_mels):
        mel[:, c0:c1] += power[:, a:b] @ weights
    return _power_to_db(mel, params.top_db)


def _as_signal(audio, sr: int | None, params: FeatureParams) -> np.ndarray:
    """An array of samples, checked, as mono float32 at ``params.sr``."""
    y = np.asarray(audio)
    if y.ndim not in (1, 2) or y.size == 0:
        raise ParameterError(
            f"audio must be a path, a 1-D array of samples, or (n_channels, n_samples); got an array of shape {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"audio arrays must hold floats in [-1, 1]; got dtype {y.dtype}")
    if not np.all(np.isfinite(y)):
        raise ParameterError("audio array holds NaN or infinite samples")
    y = y.astype(np.float32, copy=False)
    y = y[None, :] if y.ndim == 1 else y  # librosa's (channels, samples)
    return to_mono_resampled(y.T, int(sr or params.sr), params.sr)


def log_mel(
    audio: str | os.PathLike | np.ndarray,
    *,
    sr: int | None = None,
    params: FeatureParams = PAPER_PARAMS,
) -> np.ndarray:
    """The authors' log-mel spectrogram of one clip.

    Parameters
    ----------
    audio : path-like or np.ndarray
        A file (wav, flac, ogg, mp3, ...), a 1-D float array of samples, or a
        ``(n_channels, n_samples)`` array (mixed down to mono).
    sr : int, optional
        Sample rate of an ``audio`` array in Hz (default: ``params.sr``). Ignored for files,
        whose rate is read from the file. Audio at another rate is resampled.
    params : FeatureParams
        Analysis parameters (default: the paper's).

    Returns
    -------
    S : np.ndarray [shape=(n_frames, n_mels)], float32, dB
        Time-major log-mel spectrogram; (647, 128) with the paper's parameters. Clips are cropped
        to their first 30.01 s or padded with silence.

    Raises
    ------
    AudioError
        For an unreadable file (the message names it).
    ParameterError
        For an array that is not audio.
    """
    if isinstance(audio, (str, os.PathLike)):
        S, pad = _clip_spectrogram(Path(audio), params)
        note = padding_note(str(audio), pad, params.n_samples)
        if note:
            warnings.warn(note, PaddingWarning, stacklevel=2)
        return S
    y = _as_signal(audio, sr, params)
    return spectrogram(fix_length(y, params.n_samples, source="<array>"), params)


def log_mel_librosa(path: str | os.PathLike, *, params: FeatureParams = PAPER_PARAMS) -> np.ndarray:
    """The same features through librosa's own calls: the reference and the naive baseline.

    ``librosa.load`` -> crop/pad -> ``librosa.feature.melspectrogram`` -> ``librosa.power_to_db``
    -> transpose, exactly the authors' notebook.
    """
    import librosa

    y, _ = librosa.load(path, sr=params.sr)
    y = fix_length(y, params.n_samples, source=str(path))
    S = librosa.feature.melspectrogram(
        y=y, sr=params.sr, n_fft=params.n_fft, hop_length=params.hop_length, n_mels=params.n_mels
    )
    return librosa.power_to_db(S, ref=1.0, top_db=params.top_db).T.astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Whole data sets


@dataclass
class FeatureSet:
    """Features of a whole data set, in the data set's track order.

    Attributes
    ----------
    X : np.ndarray [shape=(n_tracks, n_frames, n_mels)], float32, dB
    y : np.ndarray [shape=(n_tracks,)], int
        Class indices into ``classes``.
    tracks : list of str
        Track paths relative to the data set root.
    groups : list of str
        Group of each track (copies of one song share a group).
    classes : list of str
    dataset : str
        Data set name.
    params : FeatureParams
    path : Path or None
        The feature file these came from.
    """

    X: np.ndarray
    y: np.ndarray
    tracks: list[str]
    groups: list[str]
    classes: list[str]
    dataset: str
    params: FeatureParams = PAPER_PARAMS
    path: Path | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return int(self.X.shape[0])

    @classmethod
    def load(cls, path: str | os.PathLike) -> FeatureSet:
        """Read a feature file written by :func:`extract`."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                return cls(
                    X=z["X"],
                    y=z["y"],
                    tracks=[str(t) for t in z["tracks"]],
                    groups=[str(g) for g in z["groups"]],
                    classes=list(meta["classes"]),
                    dataset=meta["dataset"],
                    params=FeatureParams(**meta["params"]),
                    path=path,
                )
        except (OSError, KeyError, ValueError) as exc:
            raise DatasetError(f"cannot read feature file {path}: {exc}") from exc


def _fingerprint(path: Path) -> str:
    """Size, modification and change time: an edit that keeps the size and puts the modification
    time back (``touch -r``, ``rsync -t``, a tool restoring it) still moves the change time, which
    no user call can set; a change of mode or owner moves it too, and costs one recomputation."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def feature_file(dataset: Dataset, params: FeatureParams = PAPER_PARAMS, *, cache_dir=None) -> Path:
    """Where :func:`extract` keeps the features of ``dataset`` under ``params``."""
    from .resources import cache_dir as default_cache

    root_key = hashlib.sha256(str(Path(dataset.root).resolve()).encode()).hexdigest()[:8]
    base = Path(cache_dir) if cache_dir is not None else default_cache() / "features"
    return base / f"{dataset.name}-{root_key}-{params.key()}-v{FEATURES_VERSION}.npz"


def _reuse_cached(path: Path, X: np.ndarray, rel: list[str], prints: list[str], dataset: Dataset):
    """Fill ``X`` (tracks x frames x mels) with the tracks the feature file at ``path`` holds
    unchanged: the same relative path, size and modification time, and features of ``X``'s shape.

    Returns the indices of the tracks still to compute, and whether the file describes exactly these
    tracks, files, labels and classes (then it can be returned as it is). A missing, corrupt or
    half-written file reuses nothing."""
    todo = list(range(len(rel)))
    if not path.exists():
        return todo, False
    try:
        with np.load(path, allow_pickle=False) as z:
            stored_tracks, stored_prints = [str(t) for t in z["tracks"]], [str(f) for f in z["fingerprints"]]
            if tuple(z["X"].shape[1:]) != X.shape[1:]:
                return todo, False
            old = {(t, f): i for i, (t, f) in enumerate(zip(stored_tracks, stored_prints))}
            reuse = [(i, old[(rel[i], prints[i])]) for i in todo if (rel[i], prints[i]) in old]
            if reuse:
                new_idx, old_idx = map(list, zip(*reuse))
                X[new_idx] = z["X"][old_idx]
                done = set(new_idx)
                todo = [i for i in todo if i not in done]
            current = (
                not todo
                and stored_tracks == rel
                and stored_prints == prints
                and np.array_equal(z["y"], dataset.labels)
                and json.loads(str(z["meta"]))["classes"] == list(dataset.classes)
            )
    except Exception:  # noqa: BLE001 - a corrupt or half-written cache (BadZipFile, EOFError, ...)
        X[:] = 0
        return list(range(len(rel))), False
    return todo, current


def _worker(args):
    index, path, params = args
    try:
        # warnings.catch_warnings is not thread-safe: padding notes travel back with the result
        S, pad = _clip_spectrogram(Path(path), params)
        note = padding_note(str(path), pad, params.n_samples)
        return index, S, None, [note] if note else []
    except AudioError as exc:
        return index, None, str(exc), []


def extract(
    dataset: Dataset,
    *,
    params: FeatureParams = PAPER_PARAMS,
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int | None = None,
    progress: bool | None = None,
    force: bool = False,
) -> FeatureSet:
    """Log-mel features of every track of ``dataset``, cached in one file.

    The feature file always describes exactly the tracks asked for: tracks whose path, size and
    modification time are unchanged since the last call are reused from it, the others are
    computed in parallel over ``n_jobs`` threads, and tracks no longer in the data set are dropped.
    A corrupt or half-written cache is recomputed. The file is written atomically (a killed run
    leaves the previous file intact).

    Parameters
    ----------
    dataset : Dataset
        From :mod:`bbnn_core.datasets`; every track must have audio.
    params : FeatureParams
    cache_dir : path-like, optional
        Folder for the feature file (default: ``$BBNN_CACHE/features`` or the user cache).
    n_jobs : int, optional
        Worker threads (default: all cores).
    progress : bool, optional
        Show a progress bar (default: only on a terminal).
    force : bool
        Recompute everything.

    Returns
    -------
    FeatureSet

    Raises
    ------
    DatasetError
        If any track cannot be decoded: the message lists every failing file and why.
    """
    from .progress import bar as progress_bar

    if len(dataset) == 0:
        raise DatasetError(f"data set {dataset.name!r} at {dataset.root} has no tracks")
    out = feature_file(dataset, params, cache_dir=cache_dir)
    paths = [dataset.root / t.path for t in dataset.tracks]
    rel = [str(t.path) for t in dataset.tracks]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        shown = "; ".join(missing[:5]) + (f"; and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DatasetError(f"{len(missing)} audio files of {dataset.name!r} are missing: {shown}")
    prints = [_fingerprint(p) for p in paths]

    X = np.empty((len(paths), *params.shape), dtype=np.float32)
    todo, current = (list(range(len(paths))), False) if force else _reuse_cached(out, X, rel, prints, dataset)
    if current:
        return FeatureSet.load(out)

    failures: list[str] = []
    notes: list[str] = []
    jobs = [(i, paths[i], params) for i in todo]
    n_jobs = max(1, min(n_jobs or os.cpu_count() or 1, len(jobs)))
    # Threads, not processes: decoding (libsndfile) and the FFT (scipy.fft) release the GIL, so
    # threads scale with cores without pickling, spawn start-up or a __main__ guard.
    with (
        progress_bar(total=len(jobs), desc=f"log-mel {dataset.name}", unit="clip", progress=progress) as bar,
        ThreadPoolExecutor(n_jobs) as pool,
    ):
        for index, S, err, warns in pool.map(_worker, jobs):
            if err is not None:
                failures.append(err)
            else:
                X[index] = S
            notes.extend(warns)
            bar.update(1)
    for note in notes:
        warnings.warn(note, PaddingWarning, stacklevel=2)
    if failures:
        shown = "\n  ".join(failures[:20]) + (f"\n  and {len(failures) - 20} more" if len(failures) > 20 else "")
        raise DatasetError(f"{len(failures)} of {len(paths)} files of {dataset.name!r} failed:\n  {shown}")

    meta = {
        "dataset": dataset.name,
        "classes": list(dataset.classes),
        "params": asdict(params),
        "root": str(dataset.root),
    }
    _atomic_savez(
        out,
        X=X,
        y=dataset.labels,
        tracks=np.array(rel),
        groups=np.array([t.group for t in dataset.tracks]),
        fingerprints=np.array(prints),
        meta=np.array(json.dumps(meta)),
    )
    return FeatureSet(
        X=X,
        y=dataset.labels,
        tracks=rel,
        groups=[t.group for t in dataset.tracks],
        classes=list(dataset.classes),
        dataset=dataset.name,
        params=params,
        path=out,
    )


def _atomic_savez(path: Path, **arrays) -> None:
    from .runs import atomic_write

    atomic_write(path, lambda fh: np.savez(fh, **arrays))
