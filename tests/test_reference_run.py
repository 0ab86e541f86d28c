"""Committed reference runs: retraining their fold gives the same bytes.

``tests/data/reference_run/<instruction set>/`` holds fold 0 of a smoke-profile run on the
synthetic features of ``conftest.synthetic_features`` (its history, predictions and metrics; no
model), with ``machine.json``: the CPU instruction-set class (:func:`bbnn_core.runs.instruction_set`)
and the library versions it was made with. Training is bit-for-bit repeatable on the same CPU
class and software, so on such a machine any change to the training, model or numerics that
moves a result fails here, and must regenerate the reference in the same change::

    python tests/test_reference_run.py --regenerate

(it writes the reference of the machine it runs on). On another CPU class or other versions the
bytes differ in the last digits (the AVX-512 and the AVX2 references below differ from the 7th
digit of the first training loss on), so there the byte test is skipped and the tolerance test
still holds the numbers to every reference.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).parent / "data" / "reference_run"
FILES = ("history.csv", "predictions.csv")
VERSIONED = ("keras", "numpy", "tensorflow-cpu", "tensorflow")


def _machine() -> dict:
    from bbnn_core.runs import cpu_info, library_versions

    versions = library_versions()
    return {
        "instruction_set": cpu_info()["instruction_set"],
        "versions": {k: versions[k] for k in VERSIONED if k in versions},
    }


def _references() -> dict[Path, dict]:
    return {
        d: json.loads((d / "machine.json").read_text()) for d in sorted(ROOT.iterdir()) if (d / "machine.json").exists()
    }


def _same_software(ref: dict, here: dict) -> bool:
    return ref["instruction_set"] == here["instruction_set"] and all(
        here["versions"].get(k) == v for k, v in ref["versions"].items()
    )


def _make(features_dir: Path, run_dir: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).parent))
    from unittest import mock

    from conftest import synthetic_features
    from sklearn.model_selection import StratifiedKFold

    from bbnn_core.splits import Fold
    from bbnn_core.train import config_for, train

    fs = synthetic_features(features_dir / "synthetic.npz")

    def fixed_split(y, **_):
        """The references' split, fixed here so that they measure training, not the split policy:
        three stratified parts (seed 0); fold k tests on part k and validates on part k+1."""
        parts = [test for _, test in StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(y)), y)]
        rest = [np.sort(np.concatenate([parts[j] for j in range(3) if j not in (k, (k + 1) % 3)])) for k in range(3)]
        return [Fold(rest[k], np.sort(parts[(k + 1) % 3]), np.sort(parts[k])) for k in range(3)]

    with mock.patch("bbnn_core.train.make_splits", fixed_split):
        train(
            config_for("smoke", dataset="synthetic", n_folds=3, epochs=3, folds=(0,), run_dir=str(run_dir)),
            features=fs,
            progress=False,
            threads=2,  # the numbers depend on it: the references were made on 2 cores, as CI has
        )
    return run_dir / "fold0"


@pytest.fixture(scope="module")
def retrained(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("reference")
    return _make(tmp / "feat", tmp / "run")


def test_there_are_references_for_two_cpu_classes():
    refs = _references()
    assert {m["instruction_set"] for m in refs.values()} >= {"avx2", "avx512_bf16"}
    for d in refs:
        assert all((d / name).exists() for name in (*FILES, "metrics.json")), d


def test_retraining_the_reference_fold_gives_the_same_bytes(retrained):
    here = _machine()
    matching = [d for d, m in _references().items() if _same_software(m, here)]
    if not matching:
        pytest.skip(
            f"no reference for this machine ({here['instruction_set']}, {here['versions']}): "
            "make one with python tests/test_reference_run.py --regenerate"
        )
    ref = matching[0]
    for name in FILES:
        assert (retrained / name).read_bytes() == (ref / name).read_bytes(), (
            f"{name} differs from the committed reference {ref.name}: if the change is meant to move "
            "results, regenerate it (python tests/test_reference_run.py --regenerate) and the committed runs"
        )
    old = json.loads((ref / "metrics.json").read_text())
    new = json.loads((retrained / "metrics.json").read_text())
    for key in ("train_loss", "val_loss", "test_loss", "test_acc", "best_epoch", "epochs_run"):
        assert new[key] == old[key], key


@pytest.mark.parametrize("cpu", ["avx2", "avx512_bf16"])
def test_retraining_stays_within_rounding_of_every_reference(retrained, cpu):
    """Across CPU classes the numbers move only in the last digits: losses within 1e-2 relative
    (measured: 6e-4 at most between the two references), the same predicted classes."""
    ref = ROOT / cpu
    h_ref, h_new = pd.read_csv(ref / "history.csv"), pd.read_csv(retrained / "history.csv")
    assert list(h_new.columns) == list(h_ref.columns) and len(h_new) == len(h_ref)
    for col in ("loss", "val_loss"):
        np.testing.assert_allclose(h_new[col], h_ref[col], rtol=1e-2, err_msg=f"{col} against {cpu}")
    assert (h_new[["acc", "val_acc", "lr"]].to_numpy() == h_ref[["acc", "val_acc", "lr"]].to_numpy()).all()
    p_ref, p_new = pd.read_csv(ref / "predictions.csv"), pd.read_csv(retrained / "predictions.csv")
    probs = [c for c in p_ref if c.startswith("p_")]
    assert p_new.drop(columns=probs).equals(p_ref.drop(columns=probs))
    np.testing.assert_allclose(p_new[probs], p_ref[probs], atol=2e-3)  # measured: 1.7e-4 at most


if __name__ == "__main__" and sys.argv[1:] == ["--regenerate"]:
    import tempfile

    machine = _machine()
    target = ROOT / machine["instruction_set"]
    with tempfile.TemporaryDirectory() as tmp:
        fold = _make(Path(tmp) / "feat", Path(tmp) / "run")
        target.mkdir(parents=True, exist_ok=True)
        for name in (*FILES, "metrics.json"):
            shutil.copy(fold / name, target / name)
    (target / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    print(f"regenerated {target}")
