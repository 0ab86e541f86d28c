"""Data sets as track lists: (path, label, group) and the class names in a fixed order.

Layouts read:

* **GTZAN** (and the embedded ``gtzan_mini``): ``genres/<genre>/<genre>.NNNNN.wav`` (or ``.au``).
  Classes in the alphabetical order the authors' models use.
* **Ballroom**: ``BallroomData/<Genre>/*.wav``; the three ``Rumba-*`` folders form one class
  *Rumba* (8 classes, 698 tracks, the paper's Table 2). The two identical files
  ``Albums-Latin_Jam-06`` and ``-15`` share a group.
* **Extended Ballroom**: ``<Genre>/<id>.mp3`` with ``extendedballroom_v1.1.xml`` (genre, id,
  md5 per track, duplicate links). The track list and per-genre counts come from the XML, with or
  without audio; groups join every ``version``/``exact``/``time``/``karaoke`` link (3727 groups).
* **folder**: any ``<class>/<file>`` tree of audio files; classes sorted by name.

Paths are kept relative to the data set root, so feature files and runs stay portable.
"""

from __future__ import annotations

import hashlib
import os
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import AudioError, DatasetError, printable

__all__ = [
    "Track",
    "Dataset",
    "GTZAN_GENRES",
    "BALLROOM_GENRES",
    "AUDIO_EXTENSIONS",
    "load_gtzan",
    "load_ballroom",
    "load_extended_ballroom",
    "load_folder",
    "load_dataset",
    "ValidationReport",
    "validate",
]

GTZAN_GENRES = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)
BALLROOM_GENRES = ("ChaChaCha", "Jive", "Quickstep", "Rumba", "Samba", "Tango", "VienneseWaltz", "Waltz")
_BALLROOM_FOLDERS = {
    "ChaChaCha": "ChaChaCha",
    "Jive": "Jive",
    "Quickstep": "Quickstep",
    "Rumba-American": "Rumba",
    "Rumba-International": "Rumba",
    "Rumba-Misc": "Rumba",
    "Samba": "Samba",
    "Tango": "Tango",
    "VienneseWaltz": "VienneseWaltz",
    "Waltz": "Waltz",
}
_BALLROOM_DUPLICATES = {"Albums-Latin_Jam-06": "Albums-Latin_Jam-06", "Albums-Latin_Jam-15": "Albums-Latin_Jam-06"}
AUDIO_EXTENSIONS = (".wav", ".au", ".flac", ".ogg", ".mp3", ".aif", ".aiff")
EXTENDED_BALLROOM_XML = "reference/extended_ballroom/extendedballroom_v1.1.xml"


@dataclass(frozen=True)
class Track:
    """One clip.

    Attributes
    ----------
    path : Path
        Relative to the data set root.
    label : str
        Class name.
    group : str
        Tracks sharing a group are copies of one song and must stay on one side of a split.
    md5 : str or None
        Published checksum of the audio, where the data set gives one.
    """

    path: Path
    label: str
    group: str
    md5: str | None = None


@dataclass
class Dataset:
    """A data set: its root, classes in a fixed order, and tracks.

    ``labels`` gives class indices, ``counts()`` tracks per class (Table 2).
    """

    name: str
    root: Path
    classes: tuple[str, ...]
    tracks: tuple[Track, ...]
    kind: str = "folder"
    has_audio: bool = True
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.tracks)

    @property
    def labels(self) -> np.ndarray:
        """Class index of every track, ``[shape=(n_tracks,)]``."""
        index = {c: i for i, c in enumerate(self.classes)}
        return np.array([index[t.label] for t in self.tracks], dtype=np.int64)

    @property
    def groups(self) -> np.ndarray:
        return np.array([t.group for t in self.tracks])

    def paths(self) -> list[Path]:
        """Absolute audio paths."""
        return [self.root / t.path for t in self.tracks]

    def counts(self) -> dict[str, int]:
        """Tracks per class, in class order."""
        c = Counter(t.label for t in self.tracks)
        return {k: c.get(k, 0) for k in self.classes}


def _require_dir(root: Path, what: str) -> Path:
    root = Path(root).expanduser()
    if not root.exists():
        raise DatasetError(f"{what} data directory {root} does not exist")
    if not root.is_dir():
        raise DatasetError(f"{what} data directory {root} is not a directory")
    return root


def audio_files(folder: Path, *, recursive: bool = False) -> list[Path]:
    """The audio files in ``folder`` (and below it when ``recursive``), sorted. Hidden files and
    folders (a leading dot: macOS's ``._*`` AppleDouble files, ``.DS_Store``, ``.git``) are not
    audio, whatever their extension; links to folders are not followed."""
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        p
        for p in found
        if p.suffix.lower() in AUDIO_EXTENSIONS
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.is_file()
    )


def _nonempty(ds: Dataset) -> Dataset:
    if not ds.tracks:
        raise DatasetError(f"{ds.kind} data set at {ds.root} has no audio files ({', '.join(AUDIO_EXTENSIONS)})")
    return ds


def load_gtzan(root: str | os.PathLike, *, name: str = "gtzan") -> Dataset:
    """GTZAN laid out as ``genres/<genre>/<genre>.NNNNN.wav``.

    ``root`` may be the folder that holds ``genres/`` or ``genres/`` itself.

    Raises
    ------
    DatasetError
        Missing directory, a folder that is not one of the 10 GTZAN genres, or no audio.
    """
    root = _require_dir(Path(root), "GTZAN")
    genres = root / "genres" if (root / "genres").is_dir() else root
    md5s = gtzan_checksums()
    tracks = []
    for sub in sorted(p for p in genres.iterdir() if p.is_dir()):
        if sub.name not in GTZAN_GENRES:
            raise DatasetError(f"unknown GTZAN genre folder {sub}: expected one of {', '.join(GTZAN_GENRES)}")
        for f in audio_files(sub):
            if f.name == GTZAN_BROKEN and not _is_riff(f):
                warnings.warn(
                    f"{f}: not audio in this copy of GTZAN (jazz.00054 is broken in many circulating copies); "
                    "left out, the run uses the other clips",
                    DataWarning,
                    stacklevel=2,
                )
                continue
            rel = f.relative_to(root)
            tracks.append(Track(rel, sub.name, group=f.stem, md5=md5s.get(f"genres/{sub.name}/{f.name}")))
    return _nonempty(Dataset(name, root, GTZAN_GENRES, tuple(tracks), kind="gtzan"))


# GTZAN's faults as Sturm catalogued them, quoted (counts of the 1000 excerpts): B. L. Sturm, "An
# analysis of the GTZAN music genre dataset", ACM MIRUM 2012, doi:10.1145/2390848.2390851, and
# "The GTZAN dataset: its contents, its faults, their effects on evaluation, and its future use",
# arXiv:1306.1461 (2013). Quotations, not results of this project.
GTZAN_FAULTS = (
    (
        "exact replicas",
        50,
        "the same audio twice (one pair in two genres): a replica split across train and test is a test clip already seen",
    ),
    ("excerpts of the same recording", 22, "different 30 s of one recording"),
    ("versions", 13, "the same music in another recording"),
    ("conspicuous mislabelings", 43, "the label is clearly wrong"),
    ("contentious mislabelings", 63, "the label is arguable"),
    ("Bob Marley among reggae excerpts", 35, "artist repetition: a random split tests on artists it trained on"),
    ("Britney Spears among pop excerpts", 24, "artist repetition"),
)
GTZAN_FAULTS_SOURCE = (
    "Sturm (2012), An analysis of the GTZAN music genre dataset, ACM MIRUM; Sturm (2013), arXiv:1306.1461"
)

GTZAN_BROKEN = "jazz.00054.wav"  # not a RIFF file in many circulating copies (e.g. Kaggle's)


class DataWarning(UserWarning):
    """A data set file is left out (e.g. GTZAN's broken jazz.00054)."""


def _is_riff(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"RIFF"


def gtzan_checksums() -> dict[str, str]:
    """``{"genres/<genre>/<file>.wav": md5}`` for the 1000 GTZAN clips (mirdata's index), or ``{}``
    when the checksum file is not available (no mirror, no download for it)."""
    from .errors import ResourceError
    from .resources import resolve

    try:
        return dict(_read_checksums(str(resolve("reference/gtzan_checksums/gtzan_genre_md5.csv"))))
    except ResourceError:
        return {}


@lru_cache(maxsize=4)
def _read_checksums(path: str) -> tuple[tuple[str, str], ...]:
    import csv

    with open(path, newline="") as fh:
        return tuple((row["path"], row["md5"]) for row in csv.DictReader(fh))


def load_ballroom(root: str | os.PathLike, *, name: str = "ballroom") -> Dataset:
    """Ballroom laid out as ``BallroomData/<Genre>/*.wav`` (root may be ``BallroomData`` itself)."""
    root = _require_dir(Path(root), "Ballroom")
    data = root / "BallroomData" if (root / "BallroomData").is_dir() else root
    tracks = []
    for sub in sorted(p for p in data.iterdir() if p.is_dir()):
        if sub.name not in _BALLROOM_FOLDERS:
            if sub.name.startswith((".", "_")) or sub.name in ("nada", "allBallroomFiles"):
                continue
            raise DatasetError(
                f"unknown Ballroom genre folder {sub}: expected one of {', '.join(sorted(_BALLROOM_FOLDERS))}"
            )
        label = _BALLROOM_FOLDERS[sub.name]
        for f in audio_files(sub):
            tracks.append(Track(f.relative_to(root), label, group=_BALLROOM_DUPLICATES.get(f.stem, f.stem)))
    return _nonempty(Dataset(name, root, BALLROOM_GENRES, tuple(tracks), kind="ballroom"))


def _parse_extended_ballroom(xml_path: Path):
    try:
        tree = ET.parse(xml_path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise DatasetError(f"cannot parse Extended Ballroom metadata {xml_path}: {exc}") from exc
    songs = []  # (genre, id, md5, linked ids)
    for genre in tree:
        for song in genre:
            sid = song.get("id")
            if sid is None:
                raise DatasetError(f"{xml_path}: a <{genre.tag}> song has no id")
            links = [child.get("id") for child in song if child.get("id")]
            songs.append((genre.tag, sid, song.get("hash"), links))
    return songs


def _union_groups(songs) -> dict[str, str]:
    parent = {sid: sid for _, sid, _, _ in songs}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for _, sid, _, links in songs:
        for other in links:
            if other in parent:
                ra, rb = find(sid), find(other)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    return {sid: find(sid) for sid in parent}


def load_extended_ballroom(
    root: str | os.PathLike | None = None,
    *,
    xml: str | os.PathLike | None = None,
    name: str = "extended_ballroom",
) -> Dataset:
    """Extended Ballroom from its XML metadata (4180 tracks, 13 genres).

    Parameters
    ----------
    root : path-like, optional
        Folder holding ``<Genre>/<id>.mp3``. Without it, the data set describes the metadata only
        (``has_audio`` is False): counts and groups work, features do not.
    xml : path-like, optional
        ``extendedballroom_v1.1.xml`` (default: ``root/extendedballroom_v1.1.xml`` if present, else
        found through ``BBNN_MIRROR``).
    """
    from .resources import resolve

    if root is not None:
        root = _require_dir(Path(root), "Extended Ballroom")
    if xml is None and root is not None and (root / "extendedballroom_v1.1.xml").is_file():
        xml = root / "extendedballroom_v1.1.xml"
    xml_path = Path(xml) if xml is not None else resolve(EXTENDED_BALLROOM_XML)
    if not Path(xml_path).is_file():
        raise DatasetError(f"Extended Ballroom metadata {xml_path} does not exist")
    songs = _parse_extended_ballroom(Path(xml_path))
    groups = _union_groups(songs)
    classes = tuple(sorted({g for g, _, _, _ in songs}))
    tracks = tuple(Track(Path(g) / f"{sid}.mp3", g, group=groups[sid], md5=h) for g, sid, h, _ in songs)
    ds = Dataset(
        name,
        root if root is not None else Path("."),
        classes,
        tracks,
        kind="extended_ballroom",
        has_audio=root is not None,
    )
    if not tracks:
        raise DatasetError(f"Extended Ballroom metadata {xml_path} lists no songs")
    return ds


def load_folder(root: str | os.PathLike, *, name: str | None = None) -> Dataset:
    """Any folder-per-class tree: ``<root>/<class>/<audio file>``, classes sorted by name. A class
    is a folder of the first level; its audio is found at any depth below it
    (``<class>/<album>/<track>``), as ``bbnn predict`` finds a folder's."""
    root = _require_dir(Path(root), "folder")
    tracks: list[Track] = []
    classes: list[str] = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = audio_files(sub, recursive=True)
        if files:
            classes.append(sub.name)
        tracks.extend(Track(f.relative_to(root), sub.name, group=str(f.relative_to(root))) for f in files)
    ds = Dataset(name or dataset_name(root), root, tuple(classes), tuple(tracks), kind="folder")
    if not tracks:
        flat = audio_files(root)
        if flat:
            raise DatasetError(
                f"folder data set at {root} holds {len(flat)} audio files but no class folders: "
                "lay it out as <folder>/<class>/<file>, one folder per class"
            )
    _nonempty(ds)
    if len(classes) < 2:
        raise DatasetError(f"folder data set at {root} needs at least 2 class folders with audio; found {classes}")
    return ds


KINDS = ("gtzan", "ballroom", "extended_ballroom", "folder")


def dataset_name(root: str | os.PathLike) -> str:
    """The name of the data set in a folder: the folder's own name (its parent's for a ``genres``
    or ``BallroomData`` folder), so that runs and feature files are named after the user's data."""
    root = Path(root).expanduser().resolve()
    if root.name in ("genres", "BallroomData") and root.parent.name:
        root = root.parent
    return root.name or "data"


def load_dataset(dataset: str | os.PathLike = "gtzan_mini", *, kind: str | None = None) -> Dataset:
    """Load a data set by embedded name or by folder.

    Parameters
    ----------
    dataset : str or path-like
        ``"gtzan_mini"`` (the embedded default, found through ``BBNN_MIRROR`` or fetched), or a
        data set folder.
    kind : {"gtzan", "ballroom", "extended_ballroom", "folder"}, optional
        Layout of the folder; guessed when omitted (``genres/`` -> GTZAN, ``BallroomData/`` ->
        Ballroom, an ``extendedballroom_v1.1.xml`` -> Extended Ballroom, else folder-per-class).
    """
    from .resources import dataset_dir

    if str(dataset) == "gtzan_mini" and kind in (None, "gtzan"):
        return load_gtzan(dataset_dir("gtzan_mini"), name="gtzan_mini")
    root = Path(dataset).expanduser()
    if not root.exists() and len(root.parts) == 1:  # a bare name, e.g. "gtzan": not a name known here
        raise DatasetError(
            f"the data directory {root} does not exist (data sets are given by their folder; the names known "
            "without one are gtzan_mini and, for its metadata, extended_ballroom)"
        )
    _require_dir(root, kind or "the")
    if kind is None:
        if (root / "genres").is_dir() or root.name == "genres":
            kind = "gtzan"
        elif (root / "BallroomData").is_dir() or root.name == "BallroomData":
            kind = "ballroom"
        elif (root / "extendedballroom_v1.1.xml").is_file():
            kind = "extended_ballroom"
        else:
            kind = "folder"
    loaders = {
        "gtzan": load_gtzan,
        "ballroom": load_ballroom,
        "extended_ballroom": load_extended_ballroom,
        "folder": load_folder,
    }
    if kind not in loaders:
        raise DatasetError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    return loaders[kind](root, name=dataset_name(root))


# ----------------------------------------------------------------------------------------------
# Validation


@dataclass
class ValidationReport:
    """What :func:`validate` found. ``ok`` is True when every list is empty."""

    dataset: str
    n_tracks: int
    missing: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    checksum_failed: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unreadable or self.checksum_failed)

    def lines(self) -> list[str]:
        """One line per problem, naming the file."""
        out = [f"missing: {printable(p)}" for p in self.missing]
        out += [f"unreadable: {printable(p)}: {why}" for p, why in self.unreadable]
        out += [f"checksum mismatch: {printable(p)}" for p in self.checksum_failed]
        return out


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def validate(
    dataset: Dataset, *, decode: bool = True, checksums: bool = True, progress: bool | None = None
) -> ValidationReport:
    """Check every track: present, decodable, and matching its published checksum.

    Parameters
    ----------
    dataset : Dataset
    decode : bool
        Decode every file fully (catches truncated and corrupt files).
    checksums : bool
        Compare md5 where one is published: Extended Ballroom's metadata, and for GTZAN's WAV
        files the independent index of all 1000 clips (mirdata's).
    progress : bool, optional
        Progress bar (default: only on a terminal).
    """
    from .audio import read_audio
    from .progress import bar

    report = ValidationReport(dataset.name, len(dataset), counts=dataset.counts())
    for track in bar(dataset.tracks, desc=f"validate {dataset.name}", unit="file", progress=progress):
        path = dataset.root / track.path
        if not dataset.has_audio or not path.is_file():
            report.missing.append(str(path if dataset.has_audio else track.path))
            continue
        if decode:
            try:
                read_audio(path)
            except AudioError as exc:
                report.unreadable.append((str(path), exc.reason))
                continue
        if checksums and track.md5 and _md5(path) != track.md5:
            report.checksum_failed.append(str(path))
    return report
