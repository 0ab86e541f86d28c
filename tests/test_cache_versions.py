"""Caches carry explicit versions, which a change bumps: ``features.FEATURES_VERSION`` (feature
files, and the robustness and attribution results computed from features),
``robustness.ROBUSTNESS_VERSION`` (the robustness rows) and ``attribution.LISTENING_VERSION``
(occlusion and saliency maps). The library keys its caches on these numbers alone.

This test keeps the numbers honest: it records, per version, a hash of the syntax tree (docstrings
and comments left out) of the code whose output each cache holds. When that code changes, it
fails. If the output changes, bump the version and add the new hash under it; if every byte stays
the same (a refactoring), replace the version's hash.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import textwrap

from bbnn_core import attribution, audio, features, robustness

# what each cache's bytes are computed by
COMPUTING = {
    "features": (
        features,
        [
            "FeatureParams",
            "_MEL_SEGMENTS",
            "_mel_blocks",
            "_window",
            "_power_py",
            "_power_to_db",
            "_buffers",
            "_signal_buffer",
            "spectrogram",
            "_clip_spectrogram",
            "_buffered_spectrogram",
        ],
        audio,
        [
            "SR",
            "N_SAMPLES",
            "read_audio",
            "_readopen_audio",
            "decode_into",
            "to_mono_resampled",
            "load_audio",
            "fit_length",
        ],
    ),
    "robustness": (
        robustness,
        [
            "SR",
            "CONDITIONS",
            "FEATURE_VARIANTS",
            "excerpt",
            "_encode",
            "codec_round_trip",
            "stored_at_rate",
            "apply_gain",
            "snr_db",
            "add_noise",
            "stereo_downmix",
            "mel_power",
            "variant_features",
            "_fixed",
            "condition_input",
            "evaluate",
        ],
    ),
    "listening": (attribution, ["OCCLUSION_GRID", "occlusion", "saliency"]),
}

# per cache, per version: the hash of its computing code at that version
KNOWN = {
    "features": {1: "b0fb54400d794130"},
    "robustness": {1: "62dd63a0abb1847e"},
    "listening": {1: "a143483a976f96c6"},
}

VERSIONS = {
    "features": features.FEATURES_VERSION,
    "robustness": robustness.ROBUSTNESS_VERSION,
    "listening": attribution.LISTENING_VERSION,
}


def _tree(obj) -> str:
    """A function's or class's source as its syntax tree prints it (no comments, no docstrings, one
    layout), or a constant's repr."""
    obj = inspect.unwrap(obj)  # a cached function's own code
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return repr(obj)
    tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def code_hash(cache: str) -> str:
    parts = COMPUTING[cache]
    h = hashlib.sha256()
    for module, names in zip(parts[::2], parts[1::2]):
        for name in names:
            h.update(f"{module.__name__}.{name}\n{_tree(getattr(module, name))}\n".encode())
    return h.hexdigest()[:16]


def test_each_cache_version_matches_the_code_it_names():
    wrong = {
        cache: f"version {version}: recorded {KNOWN[cache].get(version)!r}, the code hashes to {code_hash(cache)!r}"
        for cache, version in VERSIONS.items()
        if KNOWN[cache].get(version) != code_hash(cache)
    }
    assert not wrong, (
        "the code a cache is computed by changed: bump its version if its output changes (and record the new "
        f"hash in tests/test_cache_versions.py), else replace the hash: {wrong}"
    )


def test_the_hash_ignores_docstrings_and_sees_code():
    def f(x):
        """one"""
        return x + 1  # a comment

    def g(x):
        """two"""
        return x + 1

    def h(x):
        return x + 2

    assert _tree(f).replace("def f", "def g") == _tree(g) and _tree(g).replace("def g", "def h") != _tree(h)
    assert _tree(functools.lru_cache(h)) == _tree(h)
