"""Bring run folders made by older versions of bbnn to today's record, once:
``python results/migrate.py results/gtzan_mini-*`` (``BBNN_MIRROR`` set, so the data is found).

What it adds: the SVM baseline's per-clip test predictions (``baseline.json``'s ``predictions``),
which folds trained before commit d029948 did not record. They are recomputed from the run's own
features and split, and written only when the recomputed SVM reproduces the fold's recorded choice
of C and its test confusion matrix; otherwise the fold is named and left as it is.

What it adds too: the per-track record of the data a run began on (``splits.json``'s
``track_digests`` and ``track_profiles``, with ``labels``, ``dataset`` and ``dataset_checksum``),
which runs started before commits cde4d02 and 006278a did not keep. It is recomputed from the run's data, or
taken from the split of a run beside it, and written only when that record's features have the
very checksum the run's finished folds recorded (the same bytes, so the same per-track digests)
and the same tracks, classes and labels; otherwise the run is named and left as it is.

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
from bbnn_core.train import _data_record, features_for, load_run_config


def migrate(path: Path) -> list[str]:
    """Bring the run at ``path`` to today's record; one line per file changed or refused."""
    return _names_not_paths(path) + _splits_record(path) + _svm_predictions(path)


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


def _splits_record(path: Path) -> list[str]:
    """Add the per-track record of its data to the split of the run at ``path``, where it lacks it:
    from the data as this machine computes its features, or from the split of a run beside it
    that recorded the same feature bytes (features computed on another CPU class)."""
    run = Run.open(path)
    splits = run.splits()
    if "track_digests" in splits:
        return []
    cfg = load_run_config(path)
    here = _data_record(features_for(cfg, False), [Fold.from_dict(d) for d in splits["folds"]], cfg)
    beside = [Run(p).splits() for p in sorted(path.parent.iterdir()) if p != path and Run(p).has_splits]
    sums = {f.provenance().get("dataset_checksum") for f in run.finished_folds()}
    for found in [here, *beside]:
        same = all(found.get(k) == splits[k] for k in ("tracks", "classes")) and found.get("labels") == here["labels"]
        if same and "track_digests" in found and found["dataset_checksum"] in sums:
            keep = ("dataset", "labels", "track_digests", "track_profiles", "dataset_checksum")
            run.write_splits({**splits, **{k: found[k] for k in keep}})
            return [f"{path / 'splits.json'}: per-track record added"]
    return [f"{path}: no record of the feature bytes its folds trained on; split left as it is"]


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
