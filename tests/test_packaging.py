"""The environment is pinned: requirements.lock holds every package make install installs, at a
version pyproject.toml allows, and .venv and environment.yml install exactly it; the layout is in
place."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
# the extras make install installs (the Makefile's LOCK_EXTRAS)
EXTRAS = re.findall(r"--extra (\S+)", re.search(r"^LOCK_EXTRAS\s*:=(.*)$", (ROOT / "Makefile").read_text(), re.M)[1])


def _locked() -> list[tuple[str, Version, Marker | None, int]]:
    """The lock's entries: name, version, environment marker (None: every environment), hashes."""
    entries = []
    for block in re.split(r"\n(?=\S)", LOCK.read_text()):
        if block.startswith("#") or not block.strip():
            continue
        m = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)(?:\s*;\s*(.+?))?\s*\\?\n", block)
        assert m, f"not a pinned entry: {block.splitlines()[0]}"
        marker = Marker(m[3]) if m[3] else None
        entries.append((canonicalize_name(m[1]), Version(m[2]), marker, block.count("--hash=sha256:")))
    return entries


def _here() -> dict[str, Version]:
    """The lock's versions for this interpreter and platform."""
    here: dict[str, Version] = {}
    for name, version, marker, _ in _locked():
        if marker is None or marker.evaluate():
            assert name not in here, f"{name} pinned twice for this environment"
            here[name] = version
    return here


def _requirements() -> list[Requirement]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in meta["dependencies"]]
    for extra in EXTRAS:
        reqs += [Requirement(r) for r in meta["optional-dependencies"][extra]]
    return reqs


def test_the_lock_pins_every_entry_with_hashes():
    entries = _locked()
    assert len(entries) > 100
    for name, _, _, hashes in entries:
        assert hashes >= 1, name
    # nothing left to the resolver: every requirement line is an exact pin (no range, URL or path)
    heads = [line for line in LOCK.read_text().splitlines() if line and not line[0].isspace() and line[0] != "#"]
    assert len(heads) == len(entries)
    assert all(re.match(r"[A-Za-z0-9_.\-]+==[^\s;,]+( ;| \\|$)", line) for line in heads), heads


def test_every_dependency_is_locked_at_a_version_its_range_allows():
    entries, here = _locked(), _here()
    for req in _requirements():
        name = canonicalize_name(req.name)
        pins = [(v, m) for n, v, m, _ in entries if n == name]
        assert pins, f"{req} is not in the lock"
        for version, _ in pins:
            assert req.specifier.contains(version, prereleases=True), f"{req}: the lock has {version}"
        # where the requirement applies here, the lock has one version of it for here
        if req.marker is None or req.marker.evaluate():
            assert name in here, f"{req}: no entry of the lock applies to this environment"


def test_the_lock_covers_the_platforms_it_names():
    """A lock for Linux only would leave macOS and arm64 readers without an environment: every
    requirement has an entry on each of them (uv pip compile --universal)."""
    platforms = {
        "linux-x86_64": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"},
        "linux-aarch64": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64"},
        "macos-x86_64": {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "x86_64"},
        "macos-arm64": {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"},
    }
    entries = _locked()
    for label, env in platforms.items():
        for python in ("3.11.7", "3.12.3"):
            env = env | {"python_version": python.rsplit(".", 1)[0], "python_full_version": python}
            for req in _requirements():
                if req.marker is not None and not req.marker.evaluate(env):
                    continue
                name = canonicalize_name(req.name)
                found = [v for n, v, m, _ in entries if n == name and (m is None or m.evaluate(env))]
                assert len(found) == 1, f"{req} on {label}, Python {python}: {found}"


def test_the_lock_installs_its_own_build_tools():
    """make install builds the package with --no-build-isolation, from the lock's setuptools and
    wheel; with isolation pip would fetch unpinned ones."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    here = _here()
    for r in meta["build-system"]["requires"]:
        req = Requirement(r)
        assert canonicalize_name(req.name) in here, r
        assert req.specifier.contains(here[canonicalize_name(req.name)]), (r, here[canonicalize_name(req.name)])


@pytest.mark.skipif(
    not (Path(sys.prefix) / LOCK.name).exists(),
    reason="not the venv make install built from the lock",
)
def test_the_installed_versions_are_the_locks():
    """In .venv (make install copies the lock it built from into it), every package installed is the
    lock's, at the lock's version, and every package the lock has for here is installed."""
    assert (Path(sys.prefix) / LOCK.name).read_text() == LOCK.read_text(), "make install: .venv is of another lock"
    here = _here()
    installed = {canonicalize_name(d.metadata["Name"]): Version(d.version) for d in metadata.distributions()}
    installed.pop("bbnn-core")  # the package itself, installed without dependencies
    installed.pop("pip")  # the venv's own
    assert {n: str(v) for n, v in installed.items() if here.get(n) != v} == {}
    assert set(here) - set(installed) == set()


def test_make_install_and_the_conda_file_install_from_the_lock():
    make = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK)" in make and "--no-deps" in make
    env = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- -r requirements\.lock\s*$", env, re.M)
    # nothing else of its own: no package, no range, beside Python and pip
    listed = re.findall(r"^\s+- (?!pip:)(\S.*)$", env.split("dependencies:", 1)[1], re.M)
    assert sorted(listed) == ["-r requirements.lock", "pip", "python=3.11"], listed


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
        "requirements.lock",
        "README.md",
        "Makefile",
        ".ci/run",
    ):
        assert (ROOT / p).exists(), p


def test_the_readme_is_a_guide_that_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert first_block and text.index("```bash") < 30, "the README opens with its commands"
    commands = [line.split("#")[0].strip() for line in first_block[1].splitlines()]
    assert commands == ["make book", "make test"], commands
    assert len(text.splitlines()) <= 170
    # every make target the README names exists
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    for target in re.findall(r"`make ([\w-]+)", text) + re.findall(r"make ([\w-]+):", text):
        assert target in targets, target


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_no_machine_paths_in_code():
    needle = "..", "/shared"  # split so that this file does not match itself
    for folder in ("bbnn_core", "tests", "notebooks"):
        for f in (ROOT / folder).rglob("*.py"):
            assert "".join(needle) not in f.read_text(), f


def test_the_costs_of_the_paper_run_in_results_md_are_its_own():
    """benchmarks/RESULTS.md's epochs and minutes per fold of the committed paper run are read from the run's
    files: a fold finishing later (or a rerun replacing one) cannot leave the prose behind."""
    import json

    run = ROOT / "results" / "gtzan_mini-kfold-paper-seed0"
    epochs, minutes = {}, {}
    for fold in sorted(run.glob("fold*/metrics.json")):
        k = int(fold.parent.name.removeprefix("fold"))
        epochs[k] = json.loads(fold.read_text())["epochs_run"]
        minutes[k] = json.loads((fold.parent / "provenance.json").read_text())["wall_time_s"] / 60
    text = " ".join((ROOT / "benchmarks" / "RESULTS.md").read_text().split())

    def span(values):
        values = list(values)
        return f"{round(min(values))}-{round(max(values))}"

    fast, slow = [0, 1], [4, 5, 6, 7, 8, 9]
    assert (
        f"{span(minutes[k] for k in fast)} min ({span(epochs[k] for k in fast)} epochs of 10 steps; folds 0 and 1)"
        in text
    )
    assert (
        f"{span(minutes[k] for k in slow)} min ({span(epochs[k] for k in slow)} epochs at about 150 s; folds 4-9"
        in text
    )


def test_results_md_names_the_paper_runs_reruns():
    """benchmarks/RESULTS.md's sentence on what reruns of the committed paper run measured follows the run
    folders: each rerun kept beside the run is named, and a kind of rerun is said to be "not
    measured yet" exactly when none of that kind is committed."""
    from bbnn_core.reruns import find_reruns, rerun_spread

    run = ROOT / "results" / "gtzan_mini-kfold-paper-seed0"
    reruns = find_reruns(run)
    spread = rerun_spread(run, reruns) if reruns else None
    kinds = set(spread["kind"]) if spread is not None else set()
    text = " ".join((ROOT / "benchmarks" / "RESULTS.md").read_text().split())
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
    assert ("byte for byte the run's" in text) == gave_bytes


def _note_rows(note: str) -> dict[int, list[str]]:
    """The per-fold table of a NOTE.md: fold -> its other cells."""
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in note.splitlines()]
    return {int(row[0]): row[1:] for row in cells if row[0].isdigit()}


def test_the_paper_runs_notes_state_what_their_files_say():
    """Each committed paper-profile run folder's NOTE.md is written by hand; what it states is what
    its files say: a row per finished fold (commits, tree, determinism, CPU class, processes,
    epochs, stopping, best epoch, wall time), the total wall time, every warning of ``bbnn
    evaluate``, and for a rerun, per fold, what it moved. Landing a fold without the note fails."""
    from bbnn_core.metrics import summarize_run
    from bbnn_core.reruns import find_reruns, rerun_spread
    from bbnn_core.runs import Run, fold_instruction_sets

    runs = sorted(p.parent for p in (ROOT / "results").glob("*-paper-*/config.json"))
    assert len(runs) >= 2
    for path in runs:
        note = (path / "NOTE.md").read_text()
        rows, folds = _note_rows(note), Run.open(path).finished_folds()
        assert sorted(rows) == [f.index for f in folds], path
        for f in folds:
            p, m = f.provenance(), f.metrics()
            sessions = p["sessions"]
            assert rows[f.index] == [
                ", ".join(sorted({s["git_commit"][:10] for s in sessions})),
                "dirty" if p["git_dirty"] or any(s["git_dirty"] for s in sessions) else "clean",
                str(p["determinism"]["deterministic"]),
                ", ".join(fold_instruction_sets(p)),
                str(len(sessions)),
                str(m["epochs_run"]),
                str(m["stopped_early"]),
                str(m["best_epoch"] + 1),
                f"{p['wall_time_s'] / 60:.1f} min",
            ], (path.name, f.index)
        hours = float(re.search(r"Training wall time(?: so far)?: ([\d.]+) h", note)[1])
        assert hours == round(sum(f.provenance()["wall_time_s"] for f in folds) / 3600, 2), path.name
        said = re.findall(r"^Warning from `bbnn evaluate`: (.*)\.$", note, re.M)
        assert said == summarize_run(path)["warnings"], path.name
        reference = path.parent / path.name.rsplit("-", 1)[0]
        if reference.is_dir() and path in find_reruns(reference):
            for _, row in rerun_spread(reference, [path]).iterrows():
                line = next(x for x in note.splitlines() if x.startswith(f"- fold {row['fold']}: "))
                if row["identical"]:
                    assert "byte for byte" in line, path.name
                    continue
                moved = re.search(
                    r"test accuracy ([\d.]+) % -> ([\d.]+) %, (\d+) of (\d+) .* (\d+) -> (\d+) epochs", line
                )
                assert moved and [float(moved[1]), float(moved[2])] == [
                    round(100 * row["reference_acc"], 1),
                    round(100 * row["rerun_acc"], 1),
                ], path.name
                assert [int(x) for x in moved.groups()[2:]] == [
                    row["predictions_changed"],
                    row["n_test"],
                    row["reference_epochs"],
                    row["rerun_epochs"],
                ], path.name


def test_make_test_fast_leaves_out_what_is_slow():
    """make test-fast runs the library's tests without notebooks, training, browser or cluster:
    what it collects is a large share of the tests and none of the slow files."""
    import subprocess

    make = (ROOT / "Makefile").read_text()
    command = re.search(r"^test-fast:.*\n\t\$\(PY\) -m pytest (.*)$", make, re.M)
    assert command, "no test-fast target"
    args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', command[1]) if not a.startswith("--durations")]
    res = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    ids = [line for line in res.stdout.splitlines() if "::" in line]
    files = {i.split("::")[0] for i in ids}
    assert len(ids) > 200 and not any(f.startswith("notebooks/") for f in files), files
    for slow in ("test_train", "test_book", "test_cluster", "test_notebooks_e2e", "test_benchmarks"):
        assert f"tests/{slow}.py" not in files, slow
    assert "tests/test_cli.py::test_train_smoke_on_the_embedded_data" not in ids
    assert "tests/test_cli.py::test_help[command0]" in ids  # the file's quick tests stay


def test_no_committed_result_holds_a_path_of_the_machine_that_made_it():
    """Run folders, results and executed notebooks name folders and files by name or relative to
    the checkout: an absolute path (/work/..., /home/..., /tmp/...) belongs to one machine."""
    absolute = re.compile(r"(?<![\w.~])/(?:work|home|root|tmp|Users|scratch|mnt)/[\w.-]+")
    files = [p for p in (ROOT / "results").rglob("*") if p.suffix in (".json", ".md", ".csv")]
    files += list((ROOT / "notebooks").glob("*.ipynb"))
    found = {
        str(p.relative_to(ROOT)): m.group(0) for p in files if (m := absolute.search(p.read_text(errors="replace")))
    }
    assert found == {}
