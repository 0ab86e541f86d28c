"""Shared fixtures: a seeded rng, the mirror, synthetic audio and data sets made on the fly."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# the tests' downloads and feature files go to the checkout's .cache (ignored by git), never to the
# user's own cache folder, unless BBNN_CACHE says where (CI sets it to the same place)
os.environ.setdefault("BBNN_CACHE", str(Path(__file__).resolve().parents[1] / ".cache"))
# as the bbnn command sets it (bbnn_core.train.prepare_process): a test that trains after another
# started TensorFlow in the same worker still trains repeatably
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")


def synthetic_features(path: Path):
    """18 synthetic 'clips' (647 x 128) of 3 classes whose spectra differ, saved as a feature file
    at ``path``: enough for 3-fold smoke runs. The same bytes on every machine (seeded numpy)."""
    import json

    from bbnn_core.features import FeatureSet

    r = np.random.default_rng(0)
    X = r.normal(-40, 6, (18, 647, 128)).astype(np.float32)
    y = np.repeat(np.arange(3), 6)
    for c in range(3):
        X[y == c, :, 20 * c : 20 * c + 20] += 25.0
    tracks = [f"synthetic/{i}.wav" for i in range(18)]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        X=X,
        y=y,
        tracks=np.array(tracks),
        groups=np.array([str(i) for i in range(18)]),
        fingerprints=np.array([""] * 18),
        meta=np.array(
            json.dumps(
                {
                    "dataset": "synthetic",
                    "classes": ["a", "b", "c"],
                    "params": {
                        "sr": 22050,
                        "n_fft": 2048,
                        "hop_length": 1024,
                        "n_mels": 128,
                        "n_samples": 661794,
                        "top_db": 80.0,
                    },
                }
            )
        ),
    )
    return FeatureSet.load(path)


@pytest.fixture
def rng():
    return np.random.default_rng(20191104)


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The BBNN_MIRROR folder; tests that need the real clips or the authors' files use it."""
    value = os.environ.get("BBNN_MIRROR")
    if not value:
        pytest.skip("BBNN_MIRROR is unset (CI sets it to the shared mirror)")
    return Path(value)


@pytest.fixture(scope="session")
def gtzan_mini(mirror):
    from bbnn_core.datasets import load_dataset

    return load_dataset("gtzan_mini")


@pytest.fixture(scope="session")
def gtzan_mini_features(gtzan_mini, tmp_path_factory):
    from bbnn_core.features import extract

    return extract(gtzan_mini, cache_dir=tmp_path_factory.mktemp("features"), progress=False)


def tone(seconds: float, sr: int = 22050, freq: float = 440.0, channels: int = 1, seed: int = 0) -> np.ndarray:
    """A decaying tone with a little noise: ``(n,)`` or ``(n, channels)`` float32."""
    r = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * freq * t) * np.exp(-t % 1.0) + 0.01 * r.standard_normal(t.size)
    y = y.astype(np.float32)
    return np.stack([y, 0.5 * y], axis=1) if channels == 2 else y


def write_audio(path: Path, y: np.ndarray, sr: int = 22050, **kw) -> Path:
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, **kw)
    return path


def fake_commands(folder: Path, **scripts) -> Path:
    """Executables in ``folder`` named after ``scripts``' keys, each running its shell line (stand-ins
    for a batch system's commands)."""
    folder.mkdir(exist_ok=True)
    for name, line in scripts.items():
        (folder / name).write_text(f"#!/bin/sh\n{line}\n")
        (folder / name).chmod(0o755)
    return folder


def three_tone_genres(root: Path) -> Path:
    """Three 'genres' of four 1 s tones each in ``root``: a 3-fold smoke run in seconds."""
    for gi, g in enumerate(("low", "mid", "high")):
        for i in range(4):
            write_audio(root / g / f"{g}{i}.wav", tone(1.0, freq=110 * 2**gi * (1 + i / 10), seed=i))
    return root


@pytest.fixture
def make_gtzan(tmp_path):
    """Build a small synthetic GTZAN tree: ``make_gtzan(per_genre=2, genres=[...], seconds=2)``."""

    def make(per_genre: int = 2, genres=None, seconds: float = 1.0) -> Path:
        from bbnn_core.datasets import GTZAN_GENRES

        root = tmp_path / "synthetic_gtzan"
        for gi, g in enumerate(genres or GTZAN_GENRES):
            for i in range(per_genre):
                write_audio(root / "genres" / g / f"{g}.{i:05d}.wav", tone(seconds, freq=110 * (gi + 1), seed=i))
        return root

    return make


def without_module(module: str, why: str) -> str:
    """Python code that makes ``module`` (and its submodules) unimportable, raising ImportError(why):
    to prepend to a ``python -c`` script that simulates a machine without it."""
    return textwrap.dedent(f"""
        import sys
        class _Without:
            def find_spec(self, name, path=None, target=None):
                if name == {module!r} or name.startswith({module + "."!r}):
                    raise ImportError({why!r})
        sys.meta_path.insert(0, _Without())
    """)
