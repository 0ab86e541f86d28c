"""How the released models behave when the audio is not a clean 30 s, 22.05 kHz clip.

Each *condition* changes a clip the way a user's audio differs from GTZAN's, then computes the
log-mel input and lets every model of an ensemble predict it:

* ``length``: only the first 3, 5, 10 or 20 s, padded with silence to one 30 s window (as
  ``bbnn predict`` placed a short file until it measured this), and, since BBNN pools globally,
  given to the model directly at its own length (``length-direct``, as ``bbnn predict`` does now);
* ``codec``: MP3 at 320/128/64/32 kbit/s and Ogg Vorbis, encoded at 44.1 kHz by libsndfile and
  decoded by the project's own loader (so its decoder's delays and padding count too);
* ``rate``: the audio stored at 8, 16, 44.1 or 48 kHz (16-bit WAV) and resampled back on loading;
* ``gain``: -20 to +12 dB, clipped to [-1, 1] as a 16-bit file would be;
* ``noise``: white Gaussian noise at a signal-to-noise ratio of 30, 20, 10 or 0 dB;
* ``stereo``: a two-channel file whose right channel lags 1 ms (a spaced microphone pair),
  mixed down to mono by the loader;
* ``features``: the right audio under preprocessing mistakes users make (dB relative to each
  clip's maximum, log1p or raw mel power instead of dB, a 1024-point FFT).

:func:`evaluate` computes every condition for every clip and model, one condition at a time,
each kept in a cache folder as soon as it is done, so a killed computation resumes where it
stopped; :func:`summarize` turns the rows into accuracies, agreement with the clean prediction
and intervals over the models, and :func:`advice` into one sentence per factor. The chapter's
figures are drawn by :mod:`bbnn_core.plots` from these rows.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import load_audio
from .errors import ParameterError
from .features import FEATURES_VERSION, PAPER_PARAMS, FeatureParams, spectrogram
from .progress import bar
from .runs import atomic_write as _atomic_write
from .runs import write_csv_gz

__all__ = [
    "Condition",
    "CONDITIONS",
    "FACTORS",
    "HOW",
    "conditions_table",
    "excerpt",
    "codec_round_trip",
    "codec_bitrates",
    "stored_at_rate",
    "apply_gain",
    "add_noise",
    "snr_db",
    "stereo_downmix",
    "mel_power",
    "variant_features",
    "condition_input",
    "evaluate",
    "saved_rows",
    "study",
    "summarize",
    "advice",
    "code_key",
]

SR = PAPER_PARAMS.sr
STEREO_DELAY_S = 0.001


@dataclass(frozen=True)
class Condition:
    """One level of one factor. ``value`` places it on the factor's axis (seconds, kbit/s, Hz,
    dB); ``level`` names it in tables. The clean input is ``Condition("clean", "clean", 0)``."""

    factor: str
    level: str
    value: float

    @property
    def id(self) -> str:
        return f"{self.factor}={self.level}".replace(" ", "_").replace("/", "_")


CLEAN = Condition("clean", "clean", 0.0)

FACTORS = {
    "length": "excerpt length, padded to 30 s with silence (s)",
    "length-direct": "excerpt length, given to the model at its own length as bbnn predict does (s)",
    "codec": "lossy coding (kbit/s)",
    "rate": "sample rate the audio was stored at (kHz)",
    "gain": "gain (dB), clipped to [-1, 1]",
    "noise": "white noise, signal-to-noise ratio (dB)",
    "stereo": "stereo file mixed down to mono",
    "features": "preprocessing",
}

# How each factor's conditions are made (the chapter's table of conditions; the levels come from
# CONDITIONS). "length" covers both placements of an excerpt.
HOW = {
    "length": (
        "excerpt length",
        "the first seconds of the clip, padded with silence to 30 s, or given at its own length as bbnn predict does",
    ),
    "codec": (
        "lossy coding",
        "resampled to 44.1 kHz, encoded by libsndfile (LAME, constant bitrate; Vorbis quality 0.5), decoded by "
        "the loader back to 22.05 kHz",
    ),
    "rate": ("sample rate", "resampled (soxr), stored as a 16-bit WAV at that rate, resampled back by the loader"),
    "gain": ("gain", "scaled and clipped to [-1, 1], as a 16-bit file would be"),
    "noise": ("noise", "white Gaussian noise (seeded per clip)"),
    "stereo": ("stereo", "a 16-bit stereo WAV (a spaced microphone pair), mixed down to mono by the loader"),
    "features": (
        "preprocessing",
        "the right audio with a feature mistake: dB against each clip's maximum, log1p or no logarithm, "
        "or a 1024-point FFT",
    ),
}


def conditions_table():
    """One row per factor: its levels (from :data:`CONDITIONS`) and how they are made."""
    import pandas as pd

    rows = [
        {"factor": name, "levels": ", ".join(c.level for c in CONDITIONS if c.factor == key), "how": how}
        for key, (name, how) in HOW.items()
    ]
    return pd.DataFrame(rows)


FEATURE_VARIANTS = {
    "dB re max": "dB relative to each clip's maximum (librosa.power_to_db(S, ref=np.max))",
    "log1p": "log(1 + mel power) instead of dB",
    "raw power": "mel power without a logarithm",
    "FFT 1024": "a 1024-point FFT (and window) instead of 2048",
}

CONDITIONS: tuple[Condition, ...] = (
    CLEAN,
    *(Condition("length", f"{s} s", s) for s in (3, 5, 10, 20)),
    *(Condition("length-direct", f"{s} s", s) for s in (3, 5, 10, 20)),
    *(Condition("codec", f"MP3 {k} kbit/s", k) for k in (320, 128, 64, 32)),
    Condition("codec", "Ogg Vorbis q0.5", float("nan")),
    *(Condition("rate", f"{r / 1000:g} kHz", r / 1000) for r in (8000, 16000, 44100, 48000)),
    *(Condition("gain", f"{g:+d} dB", g) for g in (-20, -10, -6, 6, 12)),
    *(Condition("noise", f"SNR {s} dB", s) for s in (30, 20, 10, 0)),
    Condition("stereo", "R lags 1 ms", STEREO_DELAY_S * 1000),
    *(Condition("features", name, float("nan")) for name in FEATURE_VARIANTS),
)


# ----------------------------------------------------------------------------------------------
# The perturbations: a mono float32 signal at ``sr`` in, one out


def excerpt(y: np.ndarray, seconds: float, sr: int = SR) -> np.ndarray:
    """The first ``seconds`` of ``y``."""
    n = int(round(seconds * sr))
    if n <= 0:
        raise ParameterError(f"an excerpt must be longer than 0 s; got {seconds}")
    return y[:n]


# libsndfile maps a compression level c to an MPEG-1 layer III constant bitrate of
# 320 - 288 c kbit/s, rounded down to a legal bitrate
_MP3_RATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


def _encode(y: np.ndarray, sr: int, fmt: str, kbps: float | None) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    if fmt == "mp3":
        if kbps not in _MP3_RATES:
            raise ParameterError(f"MP3 bitrate must be one of {_MP3_RATES} kbit/s; got {kbps}")
        level = min(max((320 - kbps) / 288 - 1e-6, 0.0), 0.9999)
        sf.write(buf, y, sr, format="MP3", subtype="MPEG_LAYER_III", compression_level=level, bitrate_mode="CONSTANT")
    elif fmt == "ogg":
        sf.write(buf, y, sr, format="OGG", subtype="VORBIS", compression_level=0.5)
    else:
        raise ParameterError(f"codec must be 'mp3' or 'ogg'; got {fmt!r}")
    return buf.getvalue()


def codec_round_trip(
    y: np.ndarray, fmt: str, kbps: float | None = None, *, sr: int = SR, coded_sr: int = 44100
) -> tuple[np.ndarray, float]:
    """``y`` encoded as MP3 (constant ``kbps``) or Ogg Vorbis (quality 0.5) at ``coded_sr`` and
    decoded by :func:`bbnn_core.audio.load_audio` back to ``sr``; also the file's bitrate in
    kbit/s, measured from its size."""
    import librosa

    up = librosa.resample(y, orig_sr=sr, target_sr=coded_sr, res_type="soxr_hq")
    data = _encode(np.clip(up, -1, 1), coded_sr, fmt, kbps)
    with tempfile.TemporaryDirectory(prefix="bbnn-codec-") as tmp:
        path = Path(tmp) / f"clip.{fmt}"
        path.write_bytes(data)
        out = load_audio(path, sr=sr)
    return out, len(data) * 8 / (len(y) / sr) / 1000


def mp3_bytes(y: np.ndarray, sr: int, kbps: int) -> bytes:
    """``y`` (float, at ``sr``) as an MP3 file at a constant ``kbps``."""
    return _encode(y, sr, "mp3", kbps)


def codec_bitrates(dataset, conditions: Sequence[Condition] = CONDITIONS) -> dict[str, float]:
    """The bitrate (kbit/s) of each codec condition's file for the data set's first clip."""
    y = load_audio(dataset.paths()[0], sr=SR)
    out = {}
    for c in conditions:
        if c.factor == "codec":
            fmt = "mp3" if c.level.startswith("MP3") else "ogg"
            out[c.level] = codec_round_trip(y, fmt, c.value if fmt == "mp3" else None)[1]
    return out


def stored_at_rate(y: np.ndarray, rate: int, *, sr: int = SR) -> np.ndarray:
    """``y`` resampled to ``rate``, stored as a 16-bit WAV and read back at ``sr`` by the loader."""
    import librosa
    import soundfile as sf

    at_rate = librosa.resample(y, orig_sr=sr, target_sr=rate, res_type="soxr_hq") if rate != sr else y
    with tempfile.TemporaryDirectory(prefix="bbnn-rate-") as tmp:
        path = Path(tmp) / "clip.wav"
        sf.write(path, np.clip(at_rate, -1, 1), rate, subtype="PCM_16")
        return load_audio(path, sr=sr)


def apply_gain(y: np.ndarray, db: float) -> np.ndarray:
    """``y`` scaled by ``db`` decibels and clipped to [-1, 1]."""
    return np.clip(y * np.float32(10 ** (db / 20)), -1, 1).astype(np.float32)


def snr_db(signal: np.ndarray, noise: np.ndarray) -> float:
    """Signal-to-noise ratio in dB: ``10 log10(mean(signal^2) / mean(noise^2))``."""
    return float(
        10 * np.log10(np.mean(np.square(signal, dtype=np.float64)) / np.mean(np.square(noise, dtype=np.float64)))
    )


def add_noise(y: np.ndarray, snr: float, *, seed: int = 0) -> np.ndarray:
    """``y`` plus white Gaussian noise scaled to a signal-to-noise ratio of ``snr`` dB (not
    clipped: the model reads floats)."""
    if not np.any(y):
        raise ParameterError("cannot set a signal-to-noise ratio for a silent signal")
    noise = np.random.default_rng(seed).standard_normal(y.shape[0])
    noise *= 10 ** ((snr_db(y, noise) - snr) / 20)  # type: ignore[arg-type]  # numpy's stubs: float | ndarray
    return (y + noise).astype(np.float32)


def stereo_downmix(y: np.ndarray, *, delay_s: float = STEREO_DELAY_S, sr: int = SR) -> np.ndarray:
    """A 16-bit stereo WAV whose left channel is ``y`` and right channel ``y`` ``delay_s`` later,
    read back by the loader (which averages the channels)."""
    import soundfile as sf

    d = int(round(delay_s * sr))
    right = np.concatenate([np.zeros(d, np.float32), y[: y.shape[0] - d]])
    with tempfile.TemporaryDirectory(prefix="bbnn-stereo-") as tmp:
        path = Path(tmp) / "clip.wav"
        sf.write(path, np.clip(np.stack([y, right], axis=1), -1, 1), sr, subtype="PCM_16")
        return load_audio(path, sr=sr)


def mel_power(y: np.ndarray, params: FeatureParams = PAPER_PARAMS) -> np.ndarray:
    """Mel power ``(n_frames, n_mels)`` of a signal of ``params.n_samples`` samples, through
    librosa's own calls (the authors' notebook before its ``power_to_db``)."""
    import librosa

    S = librosa.feature.melspectrogram(
        y=y, sr=params.sr, n_fft=params.n_fft, hop_length=params.hop_length, n_mels=params.n_mels
    )
    return S.T.astype(np.float32)


def variant_features(y: np.ndarray, variant: str, params: FeatureParams = PAPER_PARAMS) -> np.ndarray:
    """The model's input for ``y`` (``params.n_samples`` samples) under a preprocessing mistake
    named in :data:`FEATURE_VARIANTS`."""
    import librosa

    if variant == "dB re max":
        return librosa.power_to_db(mel_power(y, params), ref=np.max, top_db=params.top_db)
    if variant == "log1p":
        return np.log1p(mel_power(y, params))
    if variant == "raw power":
        return mel_power(y, params)
    if variant == "FFT 1024":
        return spectrogram(y, FeatureParams(n_fft=1024, hop_length=params.hop_length, n_samples=params.n_samples))
    raise ParameterError(f"unknown preprocessing variant {variant!r}; known: {', '.join(FEATURE_VARIANTS)}")


def _fixed(y: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, np.float32)
    out[: min(n, y.shape[0])] = y[:n]
    return out


def condition_input(y: np.ndarray, cond: Condition, *, seed: int = 0, params: FeatureParams = PAPER_PARAMS):
    """The model's input ``(n_frames, n_mels)`` for clip ``y`` (mono float32 at ``params.sr``)
    under ``cond``; 647 frames except for ``length-direct``."""
    n = params.n_samples
    f = cond.factor
    if f == "clean":
        z = y
    elif f == "length":
        z = excerpt(y, cond.value, params.sr)  # one window padded with silence
    elif f == "length-direct":
        z = excerpt(y, cond.value, params.sr)
        short = FeatureParams(n_samples=z.shape[0], sr=params.sr)
        return spectrogram(np.ascontiguousarray(z, dtype=np.float32), short)
    elif f == "codec":
        fmt = "mp3" if cond.level.startswith("MP3") else "ogg"
        z = codec_round_trip(y, fmt, cond.value if fmt == "mp3" else None, sr=params.sr)[0]
    elif f == "rate":
        z = stored_at_rate(y, int(round(cond.value * 1000)), sr=params.sr)
    elif f == "gain":
        z = apply_gain(y, cond.value)
    elif f == "noise":
        z = add_noise(y, cond.value, seed=seed)
    elif f == "stereo":
        z = stereo_downmix(y, delay_s=cond.value / 1000, sr=params.sr)
    elif f == "features":
        return variant_features(_fixed(y, n), cond.level, params)
    else:
        raise ParameterError(f"unknown factor {f!r}; known: clean, {', '.join(FACTORS)}")
    return spectrogram(_fixed(z, n), params)


# ----------------------------------------------------------------------------------------------
# Every condition, clip and model


# The version of what the rows are computed by (the perturbations, the conditions' inputs, the
# feature variants). Bump it in the commit that changes a row: rows of another version are then
# recomputed. tests/test_cache_versions.py fails until it is.
ROBUSTNESS_VERSION = 1


def code_key() -> str:
    """The versions of the code the rows come from (:data:`ROBUSTNESS_VERSION` and
    :data:`bbnn_core.features.FEATURES_VERSION`): rows made by other code are recomputed, never
    reused."""
    return f"robustness {ROBUSTNESS_VERSION}, features {FEATURES_VERSION}"


def evaluate(
    signals: Callable[[], Sequence[tuple[str, int, np.ndarray]]],
    predict: Callable[[np.ndarray], np.ndarray],
    predict_direct: Callable[[np.ndarray], np.ndarray],
    work_dir: str | os.PathLike,
    *,
    key: dict,
    conditions: Sequence[Condition] = CONDITIONS,
    progress: bool | None = None,
):
    """Rows ``(factor, level, value, clip, label, model, pred, p_true)`` for every condition,
    clip and model, as a DataFrame.

    ``signals()`` gives ``(clip name, label index, mono float32 signal)`` for every clip (called
    once, and only when a condition is missing); ``predict(X)`` gives every model's
    probabilities ``(n, n_models, n_classes)`` for 647-frame inputs ``(n, frames, mels, 1)``;
    ``predict_direct`` the same for inputs of any length (the ``length-direct`` conditions).
    Each finished condition is written to ``work_dir/<id>.csv`` beside a ``key.json`` holding
    ``key`` plus :func:`code_key`; a folder whose key differs is emptied first.
    """
    import pandas as pd

    work = Path(work_dir)
    key = {**key, "code": code_key()}
    key_file = work / "key.json"
    current = key_file.exists() and json.loads(key_file.read_text()) == key
    if not current:  # a cache another user made, current and read-only here, is only read
        for old in work.glob("*.csv"):
            old.unlink()
        _atomic_write(key_file, json.dumps(key, indent=1, sort_keys=True))
    clips = None
    parts = []
    for cond in bar(conditions, desc="robustness", unit="condition", progress=progress):
        part = work / f"{cond.id}.csv"
        if not part.exists():
            clips = clips if clips is not None else list(signals())
            X = [condition_input(y, cond, seed=i) for i, (_, _, y) in enumerate(clips)]
            run = predict_direct if cond.factor == "length-direct" else predict
            probs = run(np.stack(X)[..., None])  # (n_clips, n_models, n_classes)
            labels = np.array([lab for _, lab, _ in clips])
            n_models = probs.shape[1]
            df = pd.DataFrame(
                {
                    "factor": cond.factor,
                    "level": cond.level,
                    "value": cond.value,
                    "clip": np.repeat([name for name, _, _ in clips], n_models),
                    "label": np.repeat(labels, n_models),
                    "model": np.tile(np.arange(n_models), len(clips)),
                    "pred": probs.argmax(axis=2).ravel(),
                    "p_true": np.round(probs[np.arange(len(clips)), :, labels].ravel(), 6),
                }
            )
            _atomic_write(part, df.to_csv(index=False))
        parts.append(pd.read_csv(part))
    return pd.concat(parts, ignore_index=True)


def summarize(rows, *, level: float = 0.95, reference=("clean", "clean")):
    """Per condition: accuracy of each model and their mean with a t interval over the models;
    the change from the ``reference`` condition (the clean input by default; paired per model)
    with its interval; agreement with each model's prediction there; the mean number of clips
    whose prediction changed. ``reference=("rate", "44.1 kHz")`` sets the codecs, which code at
    44.1 kHz, against the same round trip without a codec."""
    import pandas as pd
    from scipy import stats

    pm = per_model(rows, reference=reference)
    ref = pm[(pm.factor == reference[0]) & (pm.level == reference[1])]
    clean_acc = ref.set_index("model")["accuracy"]
    out = []
    for (factor, lvl), g in pm.groupby(["factor", "level"], sort=False):
        g = g.set_index("model")
        delta = g.accuracy - clean_acc.loc[g.index]
        m = len(g)
        t = stats.t.ppf(0.5 + level / 2, m - 1) if m > 1 else float("nan")
        half = t * delta.std(ddof=1) / np.sqrt(m) if m > 1 else float("nan")
        out.append(
            {
                "factor": factor,
                "level": lvl,
                "value": g.value.iloc[0],
                "models": m,
                "clips": int(g.clips.iloc[0]),
                "accuracy": g.accuracy.mean(),
                "accuracy_min": g.accuracy.min(),
                "accuracy_max": g.accuracy.max(),
                "change": delta.mean(),
                "change_low": delta.mean() - half,
                "change_high": delta.mean() + half,
                "agreement": g.agreement.mean(),
                "changed": ((1 - g.agreement) * g.clips).mean(),
            }
        )
    return pd.DataFrame(out)


def advice(summary, *, tolerated: float = 5.0) -> dict[str, str]:
    """One sentence per factor: which levels change at most ``tolerated`` predictions of 100
    (mean over the models) and which change more, with the numbers."""
    text = {}
    for factor, g in summary[summary.factor != "clean"].groupby("factor", sort=False):
        per100 = 100 * g.changed / g.clips
        fine = [f"{lv} ({c:.1f})" for lv, c in zip(g.level, per100) if c <= tolerated]
        bad = [f"{lv} ({c:.1f})" for lv, c in zip(g.level, per100) if c > tolerated]
        parts = []
        if fine:
            parts.append(f"at most {tolerated:g} of 100 predictions change under {', '.join(fine)}")
        if bad:
            parts.append(f"more change under {', '.join(bad)}")
        text[factor] = (
            f"{FACTORS[factor].split(' (')[0].capitalize()}: "
            + "; ".join(parts)
            + (" (predictions changed per 100 clips, mean over the models).")
        )
    return text


# ----------------------------------------------------------------------------------------------
# The chapter's computation: an ensemble's models on a data set's clips


ROWS_FILE = "rows.csv.gz"
KEY_FILE = "key.json"


@functools.lru_cache(maxsize=8)
def _clips_digest(clips: tuple) -> str:
    """One hash of every clip's path, label and bytes; ``clips`` holds (path, label, file,
    mtime, size), so a clip changed on disk is read again (the chapter keys two studies on the
    same 100 files: they are read once)."""
    from .resources import sha256

    h = hashlib.sha256()
    for rel, label, path, _, _ in clips:
        h.update(f"{rel} {label} {sha256(path)}\n".encode())
    return h.hexdigest()


def study_key(dataset, ensemble) -> dict:
    """What the rows depend on besides the code: every clip's bytes and label, every model
    file's bytes, and the runtime and precision the models ran at (resolved, so a machine
    without native bf16 does not reuse bf16 results)."""
    from .resources import sha256
    from .runtime import native_bf16, openvino_available

    stats = [p.stat() for p in dataset.paths()]
    clips = _clips_digest(
        tuple(
            (t.path.as_posix(), t.label, str(p), st.st_mtime_ns, st.st_size)
            for t, p, st in zip(dataset.tracks, dataset.paths(), stats)
        )
    )
    runtime = ensemble.runtime if ensemble.runtime != "auto" else ("openvino" if openvino_available() else "keras")
    precision = ensemble.precision
    if precision == "auto":
        precision = "bf16" if runtime == "openvino" and native_bf16() else "f32"
    return {
        "clips": clips,
        "n_clips": len(dataset),
        "models": [sha256(f) for f in ensemble.files],
        "runtime": runtime,
        "precision": precision,
    }


def _direct_runner(ensemble):
    """Every model of ``ensemble`` on Keras, whose runner opens the time axis (``length-direct``)."""
    from .runtime import KerasRunner

    return KerasRunner([ensemble.loader(Path(f)) for f in ensemble.files])


def saved_rows(saved: str | os.PathLike, dataset, ensemble, *, conditions: Sequence[Condition] = CONDITIONS):
    """The rows a :func:`study` wrote to ``saved``, when they are what this computation would give
    (same clips, models, runtime, precision, code and conditions), else None."""
    return _read_if_current(Path(saved), {**study_key(dataset, ensemble), "conditions": [c.id for c in conditions]})


def _read_if_current(folder: Path, key: dict):
    """The rows saved in ``folder`` if its key is ``key`` under the current code, else None."""
    import pandas as pd

    if not (folder / KEY_FILE).is_file() or json.loads((folder / KEY_FILE).read_text()) != {**key, "code": code_key()}:
        return None
    return pd.read_csv(folder / ROWS_FILE)


def study(
    dataset,
    ensemble,
    *,
    saved: str | os.PathLike | None = None,
    write: bool = False,
    work_dir: str | os.PathLike | None = None,
    conditions: Sequence[Condition] = CONDITIONS,
    progress: bool | None = None,
):
    """Rows of :func:`evaluate` for ``ensemble`` on ``dataset``.

    ``saved``: a folder written with ``write`` (the book's committed results); read when its key
    equals this computation's key (same clips, models, runtime, precision, code and conditions),
    else every condition is computed in ``work_dir`` (default: the cache), resuming there, and,
    when ``write``, the rows and their key are written to ``saved``.
    """

    from .resources import cache_dir

    key = {**study_key(dataset, ensemble), "conditions": [c.id for c in conditions]}
    if saved is not None and (rows := _read_if_current(Path(saved), key)) is not None:
        return rows
    work = (
        Path(work_dir)
        if work_dir is not None
        else cache_dir() / "robustness" / hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    )
    direct: list = []

    def signals():
        return [
            (t.path.as_posix(), lab, load_audio(p, sr=SR))
            for t, lab, p in zip(dataset.tracks, dataset.labels, dataset.paths())
        ]

    def predict_direct(X):
        if not direct:
            direct.append(_direct_runner(ensemble))
        return direct[0](X, batch_size=8)

    def predict(X):
        return ensemble.runner()(X)  # compiled on first use: not at all when every condition is done

    rows = evaluate(signals, predict, predict_direct, work, key=key, conditions=conditions, progress=progress)
    if write and saved is not None:
        _save(rows, Path(saved), key)
    return rows


def _save(rows, folder: Path, key: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv_gz(rows, folder / ROWS_FILE)
    _atomic_write(folder / KEY_FILE, json.dumps({**key, "code": code_key()}, indent=1, sort_keys=True))


# ----------------------------------------------------------------------------------------------
# The chapter's numbers per model and its summary table (its figures: bbnn_core.plots)


def per_model(rows, *, reference=("clean", "clean")):
    """Accuracy and agreement with the prediction under ``reference`` (a ``(factor, level)``;
    the clean clip by default), per condition and model."""
    clean = rows[(rows.factor == reference[0]) & (rows.level == reference[1])].set_index(["model", "clip"])["pred"]
    if clean.empty:
        raise ValueError(f"no rows of the reference condition {reference}")
    same = rows["pred"].to_numpy() == clean.loc[list(zip(rows["model"], rows["clip"]))].to_numpy()
    r = rows.assign(correct=rows["pred"] == rows["label"], same=same)
    return r.groupby(["factor", "level", "model"], sort=False, as_index=False).agg(
        value=("value", "first"), accuracy=("correct", "mean"), agreement=("same", "mean"), clips=("label", "size")
    )


def summary_table(summary):
    """The chapter's summary table: one row per condition, in percent."""
    import pandas as pd

    s = summary[summary.factor != "clean"]
    return pd.DataFrame(
        {
            "factor": s.factor,
            "condition": s.level,
            "accuracy (%)": [
                f"{100 * a:.1f} [{100 * lo:.0f}–{100 * hi:.0f}]"
                for a, lo, hi in zip(s.accuracy, s.accuracy_min, s.accuracy_max)
            ],
            "change (points)": [
                f"{100 * c:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]"
                for c, lo, hi in zip(s.change, s.change_low, s.change_high)
            ],
            "predictions changed (of 100)": [f"{100 * c / n:.1f}" for c, n in zip(s.changed, s.clips)],
        }
    )
