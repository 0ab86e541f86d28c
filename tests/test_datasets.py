"""Data sets: layouts, class order, groups, Table 2 counts, validation and errors."""

from __future__ import annotations

import hashlib

import pytest
from conftest import tone, write_audio

from bbnn_core.datasets import (
    BALLROOM_GENRES,
    GTZAN_GENRES,
    load_dataset,
    load_extended_ballroom,
    load_folder,
    load_gtzan,
    validate,
)
from bbnn_core.errors import DatasetError
from bbnn_core.paper import PAPER_TABLE2

PAPER_EXTENDED_BALLROOM = PAPER_TABLE2["extended_ballroom"]  # the paper's Table 2


def test_gtzan_mini_is_100_clips_in_the_authors_order(gtzan_mini):
    assert len(gtzan_mini) == 100
    assert gtzan_mini.classes == GTZAN_GENRES == tuple(sorted(GTZAN_GENRES))
    assert set(gtzan_mini.counts().values()) == {10}
    t = gtzan_mini.tracks[0]
    assert str(t.path) == "genres/blues/blues.00000.wav" and t.label == "blues"
    assert (gtzan_mini.root / t.path).is_file()


def test_gtzan_accepts_the_genres_folder_itself(make_gtzan):
    root = make_gtzan(per_genre=1, genres=["blues", "rock"])
    a, b = load_gtzan(root), load_gtzan(root / "genres")
    assert [a.root / t.path for t in a.tracks] == [b.root / t.path for t in b.tracks]


def test_unknown_genre_folder(make_gtzan):
    root = make_gtzan(per_genre=1, genres=["blues"])
    (root / "genres" / "polka").mkdir()
    with pytest.raises(DatasetError, match=r"unknown GTZAN genre folder .*polka"):
        load_gtzan(root)


def test_empty_data_set(tmp_path):
    (tmp_path / "genres" / "blues").mkdir(parents=True)
    with pytest.raises(DatasetError, match="no audio files"):
        load_gtzan(tmp_path)


def test_missing_data_directory(tmp_path):
    with pytest.raises(DatasetError, match=r"does not exist"):
        load_gtzan(tmp_path / "nowhere")
    with pytest.raises(DatasetError, match=r"does not exist"):
        load_dataset(tmp_path / "nowhere")


def test_ballroom_merges_rumba_and_groups_the_duplicate(tmp_path):
    data = tmp_path / "BallroomData"
    for folder, stem in [
        ("ChaChaCha", "Albums-Cafe_Paradiso-05"),
        ("Rumba-American", "a"),
        ("Rumba-International", "b"),
        ("Rumba-Misc", "c"),
        ("Samba", "Albums-Latin_Jam-06"),
        ("Samba", "Albums-Latin_Jam-15"),
        ("Waltz", "w"),
    ]:
        write_audio(data / folder / f"{stem}.wav", tone(0.5))
    ds = load_dataset(tmp_path)
    assert ds.kind == "ballroom" and ds.classes == BALLROOM_GENRES
    assert ds.counts()["Rumba"] == 3 and ds.counts()["Samba"] == 2
    groups = {t.path.stem: t.group for t in ds.tracks}
    assert groups["Albums-Latin_Jam-06"] == groups["Albums-Latin_Jam-15"]
    assert len(set(groups.values())) == len(groups) - 1


def test_folder_per_class(tmp_path):
    for cls in ("speech", "music"):
        for i in range(2):
            write_audio(tmp_path / cls / f"{i}.flac", tone(0.5), format="FLAC")
    (tmp_path / "music" / "README.txt").write_text("ignored")
    ds = load_folder(tmp_path)
    assert ds.classes == ("music", "speech") and len(ds) == 4
    assert list(ds.labels) == [0, 0, 1, 1]


def test_a_class_is_a_first_level_folder_with_its_audio_at_any_depth(tmp_path):
    """``class/album/track`` is found (training used to leave it out while predict used it);
    macOS's ``._*`` files, hidden files and hidden folders are not audio, whatever their name."""
    for cls in ("jazz", "rock"):
        write_audio(tmp_path / cls / "single.wav", tone(0.5))
        write_audio(tmp_path / cls / "album" / "disc 1" / "track.wav", tone(0.5, seed=1))
        (tmp_path / cls / "._single.wav").write_bytes(b"\x00\x05\x16\x07" + bytes(4000))  # AppleDouble
        (tmp_path / cls / "album" / "._track.wav").write_bytes(bytes(4000))
        write_audio(tmp_path / cls / ".Trash" / "old.wav", tone(0.5))
    (tmp_path / ".DS_Store").write_bytes(bytes(100))
    ds = load_folder(tmp_path)
    assert ds.classes == ("jazz", "rock")
    assert [str(t.path) for t in ds.tracks if t.label == "jazz"] == ["jazz/album/disc 1/track.wav", "jazz/single.wav"]
    report = validate(ds)
    assert report.ok and report.counts == {"jazz": 2, "rock": 2}, report


def test_extended_ballroom_counts_equal_the_papers_table_2(mirror):
    ds = load_extended_ballroom()
    assert len(ds) == 4180 and not ds.has_audio
    assert ds.counts() == {k: PAPER_EXTENDED_BALLROOM[k] for k in sorted(PAPER_EXTENDED_BALLROOM)}
    assert ds.classes == tuple(sorted(PAPER_EXTENDED_BALLROOM))  # the authors' 13-class order


def test_extended_ballroom_duplicate_groups(mirror):
    ds = load_extended_ballroom()
    groups = {}
    for t in ds.tracks:
        groups.setdefault(t.group, set()).add(t.label)
    assert len(groups) == 3727
    assert all(len(labels) == 1 for labels in groups.values())  # no song spans two genres
    assert sum(1 for t in ds.tracks if t.md5) == 4180


def _mini_extended_ballroom(tmp_path):
    audio = {}
    for genre, sid in [("Jive", "1"), ("Jive", "2"), ("Salsa", "3"), ("Salsa", "4")]:
        f = write_audio(tmp_path / genre / f"{sid}.wav", tone(0.5, seed=int(sid)))
        target = tmp_path / genre / f"{sid}.mp3"
        f.rename(target)  # libsndfile reads by content, not by extension
        audio[sid] = hashlib.md5(target.read_bytes()).hexdigest()
    xml = f"""<ballroom>
  <Jive><song id="1" hash="{audio["1"]}"><exact id="2"/></song><song id="2" hash="{audio["2"]}"/></Jive>
  <Salsa><song id="3" hash="{audio["3"]}"/><song id="4" hash="0000"/><song id="5" hash="1111"/></Salsa>
</ballroom>"""
    (tmp_path / "extendedballroom_v1.1.xml").write_text(xml)
    return tmp_path


def test_validate_reports_missing_unreadable_and_checksum(tmp_path):
    root = _mini_extended_ballroom(tmp_path)
    (root / "Salsa" / "3.mp3").write_text("garbage")
    ds = load_dataset(root)
    assert ds.kind == "extended_ballroom"
    assert ds.tracks[0].group == ds.tracks[1].group  # the <exact> link
    report = validate(ds, progress=False)
    assert not report.ok
    assert report.missing == [str(root / "Salsa" / "5.mp3")]
    assert [f for f, _ in report.unreadable] == [str(root / "Salsa" / "3.mp3")]
    assert report.checksum_failed == [str(root / "Salsa" / "4.mp3")]
    assert report.counts == {"Jive": 2, "Salsa": 3}
    assert len(report.lines()) == 3 and all("Salsa" in line for line in report.lines())


def test_validate_clean_gtzan(make_gtzan):
    report = validate(
        load_gtzan(make_gtzan(per_genre=1)), checksums=False, progress=False
    )  # synthetic audio, real names
    assert report.ok and report.n_tracks == 10 and report.lines() == []


def test_validate_checks_gtzan_against_the_independent_checksums(mirror, gtzan_mini, tmp_path):
    """A copy of gtzan_mini with one byte changed in one clip and another clip replaced by text:
    `bbnn validate` names both and exits non-zero."""
    import shutil

    from test_cli import bbnn

    copy = tmp_path / "gtzan_copy"
    shutil.copytree(gtzan_mini.root, copy)
    changed = copy / "genres" / "rock" / "rock.00003.wav"
    data = bytearray(changed.read_bytes())
    data[100_000] ^= 0x01  # one sample's lowest bit: still decodes, checksum differs
    changed.write_bytes(bytes(data))
    texted = copy / "genres" / "pop" / "pop.00002.wav"
    texted.write_text("not a song\n")
    res = bbnn("validate", copy, "--quiet")
    assert res.returncode == 1
    assert f"checksum mismatch: {changed}" in res.stdout
    assert f"unreadable: {texted}: a text file" in res.stdout
    assert len([line for line in res.stdout.splitlines() if line.startswith(("checksum", "unreadable"))]) == 2
    # the untouched copy passes, every one of its 100 clips checked
    assert bbnn("validate", gtzan_mini.root, "--quiet").returncode == 0
    assert sum(t.md5 is not None for t in load_dataset(gtzan_mini.root).tracks) == 100


def test_a_broken_jazz_00054_is_left_out_with_a_warning(make_gtzan):
    root = make_gtzan(per_genre=2, genres=["jazz", "rock"])
    broken = root / "genres" / "jazz" / "jazz.00054.wav"
    broken.write_bytes(b"\x00" * 4096)  # as in many circulating copies: not a RIFF file
    with pytest.warns(UserWarning, match=r"jazz\.00054\.wav: not audio in this copy"):
        ds = load_dataset(root)
    assert len(ds) == 4 and not any("00054" in str(t.path) for t in ds.tracks)
