"""Each optional part of the package (an extra) is named in one line where code needs it and it is
missing; the core imports without any of them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from conftest import without_module
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bbnn_core.errors import MissingExtraError
from bbnn_core.extras import EXTRAS

ROOT = Path(__file__).resolve().parents[1]


def _hide(monkeypatch, *modules: str) -> None:
    """Make ``modules`` unimportable in this process, as on a machine without them."""
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)


def _says_extra(exc: pytest.ExceptionInfo, extra: str, purpose: str) -> None:
    message = str(exc.value)
    assert "\n" not in message and purpose in message, message
    assert f'pip install "bbnn-core[{extra}]"' in message, message


def test_extras_name_what_pyproject_declares():
    """The modules :mod:`bbnn_core.extras` checks come from the extra pyproject.toml puts them in."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for extra, modules in EXTRAS.items():
        reqs = [Requirement(r) for r in extras[extra]]
        # a package or one its extra brings: dask[distributed] declares distributed
        declared = {canonicalize_name(n) for r in reqs for n in (r.name, *r.extras)}
        for dist in modules.values():
            assert canonicalize_name(dist) in declared, (extra, dist)


def test_openvino_asked_for_without_the_fast_extra(monkeypatch):
    from bbnn_core import runtime

    _hide(monkeypatch, "openvino")
    runtime.openvino_available.cache_clear()
    try:
        with pytest.raises(MissingExtraError) as exc:
            runtime.make_runner([Path("fold0_model.hdf5")], load=lambda p: None, runtime="openvino")
    finally:
        runtime.openvino_available.cache_clear()
    _says_extra(exc, "fast", "--runtime openvino")


@pytest.mark.parametrize(
    ("call", "purpose"),
    [
        (lambda c: c.local_workers(2), "--workers"),
        (lambda c: c.connect("tcp://127.0.0.1:1"), "--scheduler"),
        (lambda c: c.ClusterConfig.load(None, "slurm"), "--cluster slurm"),
        (lambda c: c.batch_workers(c.ClusterConfig(scheduler="pbs")), "--cluster pbs"),
    ],
)
def test_workers_asked_for_without_the_cluster_extra(monkeypatch, call, purpose):
    from bbnn_core import cluster

    _hide(monkeypatch, "distributed", "dask_jobqueue", "yaml")
    with pytest.raises(MissingExtraError) as exc:
        call(cluster)  # at once, before any cluster or context is entered
    _says_extra(exc, "cluster", purpose)


def test_bbnn_book_without_the_book_extra(monkeypatch, tmp_path):
    from bbnn_core.book import build_book

    _hide(monkeypatch, "papermill")
    with pytest.raises(MissingExtraError) as exc:
        build_book({}, root=tmp_path)
    _says_extra(exc, "book", "bbnn book")
    assert not any(tmp_path.iterdir())  # nothing written


def test_the_command_line_says_it_in_one_line_before_anything_starts(tmp_path):
    """``bbnn train --workers 2`` without Dask: one line naming the extra, exit status 1, nothing
    written, nothing announced."""
    script = without_module("distributed", "No module named 'distributed'") + textwrap.dedent("""
        from bbnn_core.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    res = subprocess.run(
        [sys.executable, "-c", script, "train", "--profile", "smoke", "--workers", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert res.returncode == 1, res.stderr
    [line] = res.stderr.splitlines()
    assert line.startswith("bbnn: error: --workers (folds as tasks ") and " needs distributed, " in line
    assert line.endswith('pip install "bbnn-core[cluster]" (make install installs every extra)'), line
    assert not any(tmp_path.iterdir())


def test_the_core_imports_without_any_extra():
    """The library's modules import on a machine with the core only (each extra is imported where
    it is used, never at the top of a module)."""
    hidden = "".join(without_module(m, f"No module named {m!r}") for ms in EXTRAS.values() for m in ms)
    modules = sorted(p.stem for p in (ROOT / "bbnn_core").glob("*.py") if p.stem != "__main__")
    script = hidden + f"\nimport importlib\nfor m in {modules!r}: importlib.import_module('bbnn_core.' + m)\n"
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
