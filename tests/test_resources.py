"""The resolver: explicit path, else BBNN_MIRROR, else a checked download."""

from __future__ import annotations

import shutil

import pytest

from bbnn_core import resources
from bbnn_core.errors import ResourceError


def test_mirror_files_are_found_and_checked(mirror):
    p = resources.authors_model_path("gtzan", 3)
    assert p == mirror.resolve() / "reference/bbnn_authors/gtzan/fold3_model.hdf5"
    assert resources.authors_history_path("extended_ballroom", 9).is_file()
    assert resources.dataset_dir("gtzan_mini") == mirror.resolve() / "datasets/gtzan_mini"


def test_a_damaged_file_fails_its_checksum(mirror, tmp_path, monkeypatch):
    fake = tmp_path / "mirror"
    target = fake / "reference/bbnn_authors/gtzan/fold0_history.csv"
    target.parent.mkdir(parents=True)
    shutil.copy(mirror / "reference/bbnn_authors/gtzan/fold0_history.csv", target)
    monkeypatch.setenv("BBNN_MIRROR", str(fake))
    assert resources.authors_history_path("gtzan", 0) == target.resolve()
    with target.open("a") as fh:
        fh.write("99,1,0,0,1,0\n")
    with pytest.raises(ResourceError, match="checksum mismatch"):
        resources.authors_history_path("gtzan", 0)


def test_explicit_path_wins_and_is_checked(mirror, tmp_path):
    copy = tmp_path / "model.hdf5"
    shutil.copy(mirror / "reference/bbnn_authors/gtzan/fold1_model.hdf5", copy)
    assert resources.resolve("reference/bbnn_authors/gtzan/fold1_model.hdf5", path=copy) == copy
    with pytest.raises(ResourceError, match="checksum mismatch"):
        resources.resolve("reference/bbnn_authors/gtzan/fold2_model.hdf5", path=copy)


def test_file_without_public_download_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("BBNN_MIRROR", str(tmp_path))
    with pytest.raises(ResourceError, match="no public download.*BBNN_MIRROR"):
        resources.resolve("reference/extended_ballroom/extendedballroom_v1.1.xml")


def test_mirror_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("BBNN_MIRROR", str(tmp_path / "absent"))
    with pytest.raises(ResourceError, match="BBNN_MIRROR must name a folder"):
        resources.mirror_dir()


def test_every_registered_download_has_a_checksum():
    for relpath, (url, digest) in resources.REGISTRY.items():
        assert digest and len(digest) == 64, relpath
        if url:
            assert url.startswith("https://"), relpath


def test_only_known_models():
    with pytest.raises(ResourceError):
        resources.authors_model_path("ballroom", 0)
    with pytest.raises(ResourceError):
        resources.authors_model_path("extended_ballroom", 3)
