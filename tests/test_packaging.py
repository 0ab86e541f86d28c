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
