"""The project's one writer, runs.atomic_write: whole files only, created as open() would create
them under the user's umask (mkstemp alone makes them 0600, unreadable to a group)."""

from __future__ import annotations

import os
import stat

import pytest

from bbnn_core.errors import NoSpaceError
from bbnn_core.runs import atomic_write


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_write_follows_the_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        atomic_write(tmp_path / "a" / "f.json", "{}\n")
        atomic_write(tmp_path / "a" / "g.bin", lambda fh: fh.write(b"\x00"))
        with open(tmp_path / "plain", "w"):
            pass
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a" / "f.json").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "a" / "g.bin").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "plain").stat().st_mode) == mode  # as open() does
    assert (tmp_path / "a" / "f.json").read_text() == "{}\n" and (tmp_path / "a" / "g.bin").read_bytes() == b"\x00"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write(target, "old")

    def fail(fh):
        fh.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(NoSpaceError, match=r"^no space left on the device writing .*f\.txt \(.* MB left\)"):
        atomic_write(target, fail)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
