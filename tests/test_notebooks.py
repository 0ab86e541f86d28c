"""Notebooks: each jupytext text file and its .ipynb (which carries nbval's reference outputs)
hold the same cells, and every notebook has one cell tagged `parameters`."""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("text", NOTEBOOKS, ids=lambda p: p.name)
def test_pair_in_sync(text):
    ipynb = text.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} missing: run jupytext --sync {text.name}"
    a = [(c.cell_type, c.source.strip()) for c in jupytext.read(text).cells]
    b = [
        (c.cell_type, c.source.strip())
        for c in jupytext.read(ipynb).cells
        if "injected-parameters" not in c.metadata.get("tags", [])
    ]
    assert a == b, f"{text.name} and {ipynb.name} differ: run jupytext --sync {text.name}"


@pytest.mark.parametrize("text", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell(text):
    tagged = [c for c in jupytext.read(text).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("text", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_name_no_machine_path(text):
    """The committed outputs (shown where a reader opens the notebook) hold no path of the machine
    that executed them: no installed package's file, no home or checkout folder."""
    root = str(Path(__file__).resolve().parents[1])
    for cell in json.loads(text.with_suffix(".ipynb").read_text())["cells"]:
        for out in cell.get("outputs", []):
            shown = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
            for needle in ("site-packages", root, str(Path.home()) + "/"):
                assert needle not in shown, f"{text.name}: an output shows {needle!r}"
