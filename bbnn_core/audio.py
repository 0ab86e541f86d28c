"""Audio in: decoding, mixing down, resampling and fitting to the analysis window.

Every decoded sample equals ``librosa.load(path, sr=sr)``'s (mono by averaging channels, other
rates resampled with soxr as librosa does). Bad input raises :class:`~bbnn_core.errors.AudioError`
naming the file and the reason, before a decoder can print anything of its own for a text file.
The log-mel DSP on top of this is :mod:`bbnn_core.features`.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from pathlib import Path

import numpy as np

from .errors import AudioError, printable

__all__ = [
    "SR",
    "N_SAMPLES",
    "PAD_WARN_FRACTION",
    "PaddingWarning",
    "open_audio",
    "read_audio",
    "decode_into",
    "to_mono_resampled",
    "load_audio",
    "fit_length",
    "padding_note",
    "fix_length",
    "describe_decode_error",
]

SR = 22050  # the paper's sample rate
N_SAMPLES = 661_794  # 30.01 s: a standard GTZAN clip, 647 frames at hop 1024

_workspace = threading.local()  # per-thread decode buffers


class PaddingWarning(UserWarning):
    """A clip was much shorter than the analysis window and was padded with silence."""


# Fraction of the window that may be padded without a warning: GTZAN clips run 29.98 s to 30.6 s,
# and those are padded by a few frames silently, as the authors did.
PAD_WARN_FRACTION = 0.05

_TRUNCATED = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def describe_decode_error(path: Path, exc: Exception) -> str:
    msg = str(exc)
    if "Format not recognised" in msg or "unknown format" in msg.lower() or "possibly a pipe" in msg:
        return "not a recognised audio format (wav, flac, ogg, mp3, aiff, au)"
    return msg.split(": ", 1)[-1] if msg.startswith("Error opening") else msg


def _sniff_text(path: Path) -> str | None:
    """A reason when the file is plainly text, not audio: said before a decoder sees it (MP3
    decoders otherwise print resync notes on stderr for a text file named ``.mp3``)."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head[:3] == b"ID3" or head[:4] in (b"RIFF", b"fLaC", b"OggS", b"FORM", b".snd"):
        return None
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    if head and printable == len(head):
        return "a text file, not a recognised audio format"
    return None


def open_audio(path: Path):
    """Open ``path`` with libsndfile, or raise an :class:`AudioError` that names it and says why."""
    import soundfile as sf

    if not path.exists():
        raise AudioError(path, "no such file")
    if path.is_dir():
        raise AudioError(path, "is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    # MP3 decoders print resync notes for a text file before they fail: sniff those first; any
    # other file is sniffed only once libsndfile has refused it (no extra open on the hot path)
    kind = _sniff_text(path) if path.suffix.lower() == ".mp3" else None
    if kind:
        raise AudioError(path, kind)
    try:
        f = sf.SoundFile(str(path))
    except Exception as exc:
        raise AudioError(path, _sniff_text(path) or describe_decode_error(path, exc)) from exc
    m = _TRUNCATED.search(f.extra_info or "")
    if m is not None:
        f.close()
        raise AudioError(
            path,
            f"truncated: the header declares {int(m.group(1))} bytes of audio but the file holds {int(m.group(2))}",
        )
    return f


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Decode a file to float32 ``(n_samples, n_channels)`` exactly as ``librosa.load`` would."""
    with open_audio(path) as f:
        return _readopen_audio(f, path), int(f.samplerate)


def _readopen_audio(f, path: Path) -> np.ndarray:
    """All of the open file ``f`` as float32 ``(n_samples, n_channels)``."""
    try:
        if f.subtype == "PCM_16":
            # libsndfile scales PCM_16 by 1/32768 when it returns floats: doing it here is exact
            # and much faster than its own conversion.
            y = f.read(dtype="int16", always_2d=True).astype(np.float32)
            y *= np.float32(1.0 / 32768.0)
        else:
            y = f.read(dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioError(path, describe_decode_error(path, exc)) from exc
    if y.shape[0] == 0:
        raise AudioError(path, "contains no samples")
    return y


def decode_into(path: Path, out: np.ndarray, sr: int) -> int:
    """Decode the first ``len(out)`` samples of ``path`` (mono, ``sr`` Hz) into ``out``.

    The rest of ``out`` is zeroed; returns the number of samples decoded. Mono files at ``sr``
    (all of GTZAN and Ballroom) are decoded straight into ``out`` through a reused buffer:
    a fresh array per clip costs more in page faults than decoding it. Other files are decoded
    whole, mixed down and resampled as in :func:`load_audio`. Either way the samples equal
    ``librosa.load(path, sr=sr)``'s.
    """
    with open_audio(path) as f:
        if f.channels != 1 or f.samplerate != sr:
            y = to_mono_resampled(_readopen_audio(f, path), f.samplerate, sr)
            n = min(y.shape[0], out.shape[0])
            out[:n] = y[:n]
        else:
            try:
                if f.subtype == "PCM_16":
                    raw = getattr(_workspace, "pcm", None)
                    if raw is None or raw.shape[0] < out.shape[0]:
                        raw = _workspace.pcm = np.empty((out.shape[0], 1), dtype=np.int16)
                    n = f.read(out.shape[0], dtype="int16", out=raw[: out.shape[0]]).shape[0]
                    np.multiply(raw[:n, 0], np.float32(1.0 / 32768.0), out=out[:n], casting="unsafe")
                else:
                    n = f.read(out.shape[0], dtype="float32", out=out[:, None]).shape[0]
            except Exception as exc:
                raise AudioError(path, describe_decode_error(path, exc)) from exc
    if n == 0:
        raise AudioError(path, "contains no samples")
    out[n:] = 0
    return n


def to_mono_resampled(y: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """``y`` is ``(n_samples, n_channels)``: average the channels, then resample as librosa."""
    mono = y[:, 0] if y.shape[1] == 1 else y.mean(axis=1, dtype=np.float32)
    if sr != target_sr:
        import librosa

        mono = librosa.resample(mono, orig_sr=sr, target_sr=target_sr, res_type="soxr_hq")
    return np.ascontiguousarray(mono, dtype=np.float32)


def load_audio(path: str | os.PathLike, *, sr: int = SR) -> np.ndarray:
    """Read an audio file as mono float32 at ``sr`` Hz (as ``librosa.load(path, sr=sr)``).

    wav, flac, ogg, mp3, aiff and au are read with libsndfile; stereo is averaged to mono; other
    rates are resampled (soxr, librosa's default).

    Returns
    -------
    y : np.ndarray [shape=(n,)], float32

    Raises
    ------
    AudioError
        Missing, empty, truncated or undecodable file; the message names the file.
    """
    path = Path(path)
    y, native = read_audio(path)
    return to_mono_resampled(y, native, sr)


def fit_length(y: np.ndarray, n_samples: int) -> tuple[np.ndarray, int]:
    """Crop to the first ``n_samples`` or pad with trailing zeros; also return the padding."""
    n = y.shape[-1]
    if n >= n_samples:
        return y[..., :n_samples], 0
    out = np.zeros(y.shape[:-1] + (n_samples,), dtype=y.dtype)
    out[..., :n] = y
    return out, n_samples - n


def padding_note(source: str, pad: int, n_samples: int) -> str | None:
    if pad > PAD_WARN_FRACTION * n_samples:
        return (
            f"{printable(source)}: {n_samples - pad} samples is shorter than the {n_samples}-sample window; "
            f"padded with {pad} samples of silence"
        )
    return None


def fix_length(y: np.ndarray, n_samples: int = N_SAMPLES, *, source: str = "<array>") -> np.ndarray:
    """Crop ``y`` to its first ``n_samples`` or pad it with trailing zeros (the authors' rule).

    Warns with :class:`PaddingWarning` (naming ``source``) when more than 5 % of the window is
    padding.
    """
    out, pad = fit_length(y, n_samples)
    note = padding_note(source, pad, n_samples)
    if note:
        warnings.warn(note, PaddingWarning, stacklevel=3)
    return out
