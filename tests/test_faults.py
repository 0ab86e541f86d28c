"""Faults a researcher meets: a full disk. The out-of-space error is injected at the project's
writers (a test cannot count on mounting a small filesystem); the message, the exit status, what
is left on disk and the next run are checked."""

from __future__ import annotations

import errno
import os
from pathlib import Path

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


def test_a_full_disk_under_the_book_is_one_line_and_no_half_written_page(tmp_path, monkeypatch):
    """papermill's output notebook and Jupyter Book's build: the error names the place; a page
    written in part is removed; with room again the book is made."""
    import subprocess

    import nbformat
    import papermill

    from bbnn_core.book import build_book
    from bbnn_core.errors import NoSpaceError

    root = tmp_path / "checkout"
    (root / "notebooks").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), root / "notebooks" / "intro.ipynb")
    page = root / "book" / "generated" / "intro.ipynb"

    def full(notebook, output, **kw):
        Path(output).write_text('{"cells": [')  # half-written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", output)

    monkeypatch.setattr(papermill, "execute_notebook", full)
    with pytest.raises(NoSpaceError, match=f"writing {page} .*MB left"):
        build_book({}, root=root, build=False, progress=False)
    assert not page.exists()

    def room(notebook, output, **kw):
        nbformat.write(nbformat.read(notebook, as_version=4), output)

    monkeypatch.setattr(papermill, "execute_notebook", room)
    built = subprocess.CompletedProcess([], 1, "", "OSError: [Errno 28] No space left on device: '_build/html/x'")
    monkeypatch.setattr(subprocess, "run", lambda *a, **kw: built)
    with pytest.raises(NoSpaceError, match=f"writing {root}/_build "):
        build_book({}, root=root, progress=False)
    assert page.exists()
    assert build_book({}, root=root, build=False, progress=False) == {}


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


@pytest.mark.slow
def test_two_writers_on_one_run_folder_one_trains_the_fold_the_other_is_refused(tmp_path):
    import subprocess
    import sys
    from dataclasses import replace

    from conftest import synthetic_features

    from bbnn_core.errors import RunError
    from bbnn_core.runs import Run
    from bbnn_core.train import config_for, train, train_fold

    fs = synthetic_features(tmp_path / "feat" / "synthetic.npz")
    cfg = config_for("smoke", dataset="synthetic", n_folds=3, epochs=1, run_dir=str(tmp_path / "run"))
    train(replace(cfg, folds=(0,)), features=fs, progress=False)
    run = Run.open(tmp_path / "run")
    # another process holds fold 1 (flock, as bbnn train does): this one is refused at it, writing nothing
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from bbnn_core.runs import Run\n"
            f"with Run.open({str(run.path)!r}).fold(1).lock():\n"
            "    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(RunError, match=rf"^fold 1 of {run.path} is being trained by process {holder.pid} on "):
            train(cfg, features=fs, progress=False)
        with pytest.raises(RunError, match="is being trained by process"):
            train_fold(run.path, 1, fs)  # a Dask task goes through the same lock
        assert sorted(p.name for p in (run.path / "fold1").iterdir()) == [".lock", "config.json"]
    finally:
        holder.kill()
        holder.wait()
    summary = train(cfg, features=fs, progress=False)  # the holder died: its lock went with it
    assert summary["folds_done"] == 3


def test_hostile_files_in_a_data_folder_are_one_line_each(tmp_path):
    """A symlink loop, a link to a parent folder, a file name with a newline, a WAV header that
    claims hours of audio, a WAV of 0 frames and 10,000 non-audio files beside the audio: each
    bad file is one line naming it (a newline in a name is written \\n), the rest is counted."""
    import struct
    import subprocess
    import sys

    from conftest import tone, write_audio

    root = tmp_path / "mine"
    for c in ("a", "b"):
        for i in range(3):
            write_audio(root / c / f"{c}{i}.wav", tone(1.0, seed=i))
    (root / "a" / "loop").symlink_to(root / "a" / "loop")
    (root / "a" / "up").symlink_to(root)
    write_audio(root / "b" / "new\nline.wav", tone(1.0))
    write_audio(root / "b" / "empty.wav", tone(0.0))
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 44100, 88200, 2, 16)
    header = b"RIFF" + struct.pack("<I", 0xFFFFFFF0) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", 0xFFFFFF00)
    (root / "a" / "hours.wav").write_bytes(header + bytes(1000))
    junk = root / "b" / "notes"
    junk.mkdir()
    for i in range(10_000):
        (junk / f"{i}.txt").write_text("x")

    def bbnn(*args):
        return subprocess.run([sys.executable, "-m", "bbnn_core.cli", *map(str, args)], capture_output=True, text=True)

    res = bbnn("validate", root)
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert lines[:3] == ["a\t4", "b\t5", "total\t9"]  # the junk and the links are not tracks
    assert [line.split(": ")[:2] for line in lines[3:]] == [
        ["unreadable", f"{root}/a/hours.wav"],
        ["unreadable", f"{root}/b/empty.wav"],
    ]
    res = bbnn("features", root, "--cache-dir", tmp_path / "cache", "--quiet")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert f"{root}/b/new\\nline.wav: " in res.stderr  # one line, the newline escaped
    assert sum(1 for line in res.stderr.splitlines() if line.startswith("  cannot decode ")) == 2
    (root / "a" / "hours.wav").unlink()
    (root / "b" / "empty.wav").unlink()
    assert bbnn("features", root, "--cache-dir", tmp_path / "cache", "--quiet").returncode == 0


@pytest.mark.slow
def test_a_run_resumes_on_its_data_moved_elsewhere_to_the_bytes_of_an_unmoved_run(make_gtzan, tmp_path):
    """A run started on a laptop continues on a cluster where the data sits at another path: the
    tracks decide that it is the same data, not the folder's path; no file of the run holds the
    absolute path of the machine it ran on; a copied run reads the same numbers."""
    import json
    import shutil

    from bbnn_core.metrics import summarize_run
    from bbnn_core.train import config_for, train

    data = make_gtzan(per_genre=3, seconds=1.0)

    def cfg(data_dir, run, folds=None):
        return config_for("smoke", data_dir=str(data_dir), n_folds=3, run_dir=str(run), folds=folds)

    train(cfg(data, tmp_path / "unmoved"), progress=False)
    train(cfg(data, tmp_path / "moved", folds=(0,)), progress=False)
    elsewhere = tmp_path / "cluster" / "scratch" / data.name
    shutil.copytree(data, elsewhere)  # mounted elsewhere, same tracks
    shutil.rmtree(data)
    train(cfg(elsewhere, tmp_path / "moved"), progress=False)
    for k in range(3):
        for name in ("history.csv", "predictions.csv"):
            assert (tmp_path / "moved" / f"fold{k}" / name).read_bytes() == (
                tmp_path / "unmoved" / f"fold{k}" / name
            ).read_bytes()
    assert json.loads((tmp_path / "moved" / "config.json").read_text())["data_dir"] == str(elsewhere)  # information
    machine = str(tmp_path / "moved")
    assert not [p for p in (tmp_path / "moved").rglob("*.json") if machine in p.read_text()]
    copy = shutil.copytree(tmp_path / "moved", tmp_path / "copied" / "run")
    shutil.rmtree(tmp_path / "moved")
    a, b = summarize_run(copy), summarize_run(tmp_path / "unmoved")
    assert a["test_acc"] == b["test_acc"] and a["pooled"] == b["pooled"]
