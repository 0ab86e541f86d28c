"""Faults a researcher meets: a full disk. The out-of-space error is injected at the project's
writers (a test cannot count on mounting a small filesystem); the message, the exit status, what
is left on disk and the next run are checked."""

from __future__ import annotations

import errno
import os

import pytest


def _full_while(monkeypatch, writing: str):
    """Make the disk full for every write of a file whose name starts with ``writing``."""
    real = os.fsync

    def fsync(fd):
        name = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
        if os.path.basename(name).startswith(writing):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_under_the_feature_cache_is_one_line_and_the_next_run_works(
    make_gtzan, tmp_path, monkeypatch, capsys
):
    from bbnn_core.cli import main

    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc to name an open file")
    root = make_gtzan(per_genre=1, seconds=1.0)
    cache = tmp_path / "cache"
    with monkeypatch.context() as m:
        _full_while(m, "synthetic_gtzan-")
        assert main(["features", str(root), "--cache-dir", str(cache), "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"bbnn: error: no space left on the device writing {cache}/synthetic_gtzan-")
    assert "MB left" in err and "nothing was half-written" in err
    assert list(cache.iterdir()) == []  # no temporary file, no partial feature file
    assert main(["features", str(root), "--cache-dir", str(cache), "--quiet"]) == 0  # room again
    assert [p.suffix for p in cache.iterdir()] == [".npz"]


@pytest.mark.slow
def test_a_full_disk_under_a_run_stops_it_and_the_next_run_resumes_to_the_same_bytes(tmp_path, monkeypatch):
    from conftest import synthetic_features

    from bbnn_core.errors import NoSpaceError
    from bbnn_core.train import config_for, train

    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc to name an open file")
    fs = synthetic_features(tmp_path / "feat" / "synthetic.npz")

    def cfg(run):
        return config_for("smoke", dataset="synthetic", n_folds=3, epochs=3, run_dir=str(run))

    train(cfg(tmp_path / "whole"), features=fs, progress=False)
    calls = {"n": 0}
    real = os.fsync

    def fsync(fd):  # the disk fills up at the 8th history.csv written: fold 2, its 2nd epoch
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        if name.startswith("history.csv"):
            calls["n"] += 1
            if calls["n"] == 8:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    with monkeypatch.context() as m:
        m.setattr(os, "fsync", fsync)
        with pytest.raises(NoSpaceError, match=r"no space left on the device writing .*fold2/history\.csv"):
            train(cfg(tmp_path / "cut"), features=fs, progress=False)
    cut = tmp_path / "cut"
    assert not [p for p in cut.rglob("*.tmp")] and (cut / "fold1" / "metrics.json").exists()
    assert not (cut / "fold2" / "metrics.json").exists()
    train(cfg(cut), features=fs, progress=False)  # room again: resumes fold 2 from its checkpoint
    for k in range(3):
        for name in ("history.csv", "predictions.csv"):
            assert (cut / f"fold{k}" / name).read_bytes() == (tmp_path / "whole" / f"fold{k}" / name).read_bytes()
