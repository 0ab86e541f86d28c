"""Bring run folders made by older versions of bbnn to today's record, once:
``python results/migrate.py results/gtzan_mini-*`` (``BBNN_MIRROR`` set, so the data is found).

What it adds: the SVM baseline's per-clip test predictions (``baseline.json``'s ``predictions``),
which folds trained before commit d029948 did not record. They are recomputed from the run's own
features and split, and written only when the recomputed SVM reproduces the fold's recorded choice
of C and its test confusion matrix; otherwise the fold is named and left as it is.

What it removes: the absolute paths of the machine that trained the run, which runs recorded
before they named their folder and their feature file by name (``config.json``'s ``run_dir``,
``provenance.json``'s ``feature_file``); they become the names.

Nothing else of a fold is touched. A folder already current is left byte for byte as it was.

What cannot be added: a record that needs the machine the fold ran on (its CPU class per process,
whether it trained deterministically, the feature code's commit). Folds without it keep saying
"not recorded".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bbnn_core.baseline import baseline_fold
from bbnn_core.runs import Run, write_json
from bbnn_core.splits import Fold
from bbnn_core.train import features_for, load_run_config


def migrate(path: Path) -> list[str]:
    """Bring the run at ``path`` to today's record; one line per file changed or refused."""
    return _names_not_paths(path) + _svm_predictions(path)


def _names_not_paths(path: Path) -> list[str]:
    lines = []
    for config in [path / "config.json", *sorted(path.glob("fold*/config.json"))]:
        cfg = json.loads(config.read_text())
        if Path(cfg.get("run_dir") or "").is_absolute():
            write_json(config, {**cfg, "run_dir": Path(cfg["run_dir"]).name})
            lines.append(f"{config}: run_dir by name")
    for prov in sorted(path.glob("fold*/provenance.json")):
        p = json.loads(prov.read_text())
        if Path(p.get("feature_file") or "").is_absolute():
            write_json(prov, {**p, "feature_file": Path(p["feature_file"]).name})
            lines.append(f"{prov}: feature_file by name")
    return lines


def _svm_predictions(path: Path) -> list[str]:
    """Add the SVM's per-clip predictions to every finished fold of the run at ``path`` that lacks
    them; one line per fold changed or refused."""
    run = Run.open(path)
    todo = [f for f in run.finished_folds() if "predictions" not in f.baseline()]
    if not todo:
        return []
    splits = run.splits()
    fs = features_for(load_run_config(path), False)
    if list(fs.tracks) != list(splits["tracks"]):
        return [f"{path}: its features hold other tracks than its split; left as it is"]
    lines = []
    for fold in todo:
        recorded = fold.baseline()
        again = baseline_fold(fs, Fold.from_dict(splits["folds"][fold.index]))
        same = again["C"] == recorded.get("C") and again["report"]["confusion"] == recorded["report"]["confusion"]
        if not same:
            lines.append(f"{fold.path}: the SVM recomputed here differs from its record; left as it is")
            continue
        fold.write_baseline({**recorded, "predictions": again["predictions"]})
        lines.append(f"{fold.path}: SVM per-clip predictions added")
    return lines


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        if (Path(arg) / "splits.json").is_file():
            for line in migrate(Path(arg)):
                print(line)
