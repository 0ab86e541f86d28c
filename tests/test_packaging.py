"""pyproject.toml and environment.yml describe the same environment; the layout is in place."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's
CONDA_NAMES = {"pysoundfile": "soundfile"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in meta["dependencies"]}
    for extra in ("book", "test"):
        wanted |= {_name(r) for r in meta["optional-dependencies"][extra]}
    wanted = {"tensorflow-cpu" if n == "tensorflow" else n for n in wanted}

    have = set()
    text = (ROOT / "environment.yml").read_text()
    deps = text.split("dependencies:", 1)[1]
    for line in deps.splitlines():
        m = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)", line)
        if m and not line.strip().startswith("- -e"):
            have.add(CONDA_NAMES.get(_name(m.group(1)), _name(m.group(1))))
    have -= {"python", "pip"}
    assert have == wanted


def test_layout():
    for p in (
        "bbnn_core",
        "notebooks",
        "book",
        "tests",
        "_config.yml",
        "_toc.yml",
        "environment.yml",
        "pyproject.toml",
        "README.md",
        "Makefile",
        ".ci/run",
    ):
        assert (ROOT / p).exists(), p


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text().split("---")[0]
    assert "make book" in head and "make test" in head


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_no_machine_paths_in_code():
    needle = "..", "/shared"  # split so that this file does not match itself
    for folder in ("bbnn_core", "tests", "notebooks"):
        for f in (ROOT / folder).rglob("*.py"):
            assert "".join(needle) not in f.read_text(), f


def test_readme_costs_of_the_paper_run_are_its_own():
    """The README's epochs and minutes per fold of the committed paper run are read from the run's
    files: a fold finishing later (or a rerun replacing one) cannot leave the prose behind."""
    import json

    run = ROOT / "results" / "gtzan_mini-kfold-paper-seed0"
    epochs, minutes = {}, {}
    for fold in sorted(run.glob("fold*/metrics.json")):
        k = int(fold.parent.name.removeprefix("fold"))
        epochs[k] = json.loads(fold.read_text())["epochs_run"]
        minutes[k] = json.loads((fold.parent / "provenance.json").read_text())["wall_time_s"] / 60
    text = " ".join((ROOT / "README.md").read_text().split())

    def span(values):
        values = list(values)
        return f"{round(min(values))}-{round(max(values))}"

    assert f"a fold ran {span(epochs.values())} epochs" in text
    fast, slow = [0, 1], [4, 5, 6, 7, 8, 9]
    assert (
        f"took {span(minutes[k] for k in fast)} min ({span(epochs[k] for k in fast)} epochs of 10 steps; folds 0 and 1)"
        in text
    )
    assert (
        f"and {span(minutes[k] for k in slow)} min ({span(epochs[k] for k in slow)} epochs at about 150 s; folds 4-9"
        in text
    )


def test_readme_names_the_paper_runs_reruns():
    """The README's sentence on what reruns of the committed paper run measured follows the run
    folders: each rerun kept beside the run is named, and a kind of rerun is said to be "not
    measured yet" exactly when none of that kind is committed."""
    from bbnn_core.metrics import find_reruns, rerun_spread

    run = ROOT / "results" / "gtzan_mini-kfold-paper-seed0"
    reruns = find_reruns(run)
    spread = rerun_spread(run, reruns) if reruns else None
    kinds = set(spread["kind"]) if spread is not None else set()
    text = " ".join((ROOT / "README.md").read_text().split())
    for path in reruns:
        assert f"results/{path.name}" in text, path.name
    said = {
        "train seed": "Reruns from other training seeds are not measured yet" in text,
        "numeric": "Reruns with the same seeds on another machine are not measured yet" in text,
    }
    for kind, not_measured in said.items():
        assert not_measured == (kind not in kinds), kind
    # a repeat (the same seeds and settings) is said to give the run's bytes exactly when it did
    repeats = spread[spread["kind"] == "repeat"] if spread is not None else []
    gave_bytes = len(repeats) > 0 and bool(repeats["identical"].all())
    assert ("its history and predictions are byte for byte the run's" in text) == gave_bytes


def test_the_paper_runs_notes_follow_their_files(monkeypatch):
    """Each committed paper-profile run folder's NOTE.md is what ``results/write_note.py`` writes
    from its files (commit, CPU class, epochs, wall time; for a rerun, what it moved), so landing a
    fold without rewriting the note fails here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("write_note", ROOT / "results" / "write_note.py")
    assert spec and spec.loader
    write_note = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(write_note)
    monkeypatch.chdir(ROOT)  # the note names its folder as committed: results/<run>
    runs = sorted(p.parent.relative_to(ROOT) for p in (ROOT / "results").glob("*-paper-*/config.json"))
    assert len(runs) >= 2
    for run in runs:
        assert (run / "NOTE.md").read_text() == write_note.note(run), run
