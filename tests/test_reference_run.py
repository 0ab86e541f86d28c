"""A committed reference run: retraining its fold gives the same bytes.

``tests/data/reference_run/`` holds fold 0 of a smoke-profile run on the synthetic features of
``conftest.synthetic_features`` (its history, predictions and metrics; no model). Training is
bit-for-bit repeatable on the same machine type and software, so any change to the training,
model or numerics that moves a result fails here, and must regenerate the reference in the same
change::

    python tests/test_reference_run.py --regenerate

(CI runs on the same machine type as the one that made it; on other CPUs or library versions the
numbers can differ in the last digits, which the book's rerun-spread section quantifies.)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

REFERENCE = Path(__file__).parent / "data" / "reference_run"
FILES = ("history.csv", "predictions.csv")


def _make(features_dir: Path, run_dir: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import synthetic_features

    from bbnn_core.train import config_for, train

    fs = synthetic_features(features_dir / "synthetic.npz")
    train(
        config_for("smoke", dataset="synthetic", n_folds=3, epochs=3, folds=(0,), run_dir=str(run_dir)),
        features=fs,
        progress=False,
        threads=2,  # the numbers depend on it: the reference was made on 2 cores, as CI has
    )
    return run_dir / "fold0"


def test_retraining_the_reference_fold_gives_the_same_bytes(tmp_path):
    fold = _make(tmp_path / "feat", tmp_path / "run")
    for name in FILES:
        assert (fold / name).read_bytes() == (REFERENCE / name).read_bytes(), (
            f"{name} differs from the committed reference: if the change is meant to move results, "
            "regenerate it (python tests/test_reference_run.py --regenerate) and the committed runs"
        )
    ref = json.loads((REFERENCE / "metrics.json").read_text())
    new = json.loads((fold / "metrics.json").read_text())
    for key in ("train_loss", "val_loss", "test_loss", "test_acc", "best_epoch", "epochs_run"):
        assert new[key] == ref[key], key


if __name__ == "__main__" and sys.argv[1:] == ["--regenerate"]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fold = _make(Path(tmp) / "feat", Path(tmp) / "run")
        REFERENCE.mkdir(parents=True, exist_ok=True)
        for name in (*FILES, "metrics.json"):
            shutil.copy(fold / name, REFERENCE / name)
    print(f"regenerated {REFERENCE}")
