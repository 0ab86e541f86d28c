"""One resolver for reference material and the embedded data set.

Every file the project reads but does not own (the authors' released models and logs, the
Extended Ballroom metadata, the fault-filtered GTZAN split, the ``gtzan_mini`` clips) is found in
this order:

1. an explicit path given by the caller;
2. the folder named by the environment variable ``BBNN_MIRROR``, laid out like this::

       $BBNN_MIRROR/datasets/gtzan_mini/genres/<genre>/<genre>.NNNNN.wav
       $BBNN_MIRROR/reference/bbnn_authors/gtzan/fold{0..9}_model.hdf5
       $BBNN_MIRROR/reference/bbnn_authors/gtzan/fold{0..9}_history (.csv)
       $BBNN_MIRROR/reference/extended_ballroom/extendedballroom_v1.1.xml
       ...

3. a download of the public original with :mod:`pooch`, checked against a known checksum and kept
   in the cache folder (``BBNN_CACHE``, else the user's cache directory).

A file with a known checksum is checked wherever it comes from, the mirror included.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from .errors import ResourceError
from .runs import AUTHORS_HISTORY

__all__ = [
    "MIRROR_ENV",
    "CACHE_ENV",
    "mirror_dir",
    "cache_dir",
    "resolve",
    "dataset_dir",
    "authors_model_path",
    "authors_history_path",
    "sha256",
]

MIRROR_ENV = "BBNN_MIRROR"
CACHE_ENV = "BBNN_CACHE"

_AUTHORS_RAW = "https://raw.githubusercontent.com/CaifengLiu/music-genre-classification/master/"

# relative path in the mirror layout -> (public URL or None, sha256 or None)
_GTZAN_MODEL_SHA = [
    "d937044d60d8cc0eaabbedaa13e0f87fa1d85677e09c2ce5328e30c895a04642",
    "a7a72c49d8fd31a1b0015a45e8bbdabbc84b317983bfc69c4e6ca6bf072dd43f",
    "0da912cfaf43ef81197e44cb4e80edfe5261befcd567d3a20f873905c258ca9d",
    "810bfd9d5d6970b372aeda867b161c54e13f65ab87fd59a791d3c21a6f64e177",
    "7c5657bb20c787cab37a8afed45fe9f450b57ee710e861b9d5ff7e3d68333f72",
    "94b3ca9bdc649c0acf3ba7c8cfa552f5aaed01f2643ce33c4c8bcb39cacfb2a9",
    "153769bae09181d0a321f057dd2b75c3a5b9548b7403778c09e6ae5a2f5047f9",
    "64603d4fe51ac4190c6892fd116ae82604f6f7344d5f0c7ecaeea83813f8c7c7",
    "ad2e9a24310cce4ea5ef16d8bd8d092650ad34830abbd69ff5b951437699c88b",
    "51ae0bf2d3ce36a49bd5b76c75e2aed5fa6e0b720d8a9fd686409a064eb34432",
]
_GTZAN_HISTORY_SHA = [
    "74092041471974ef840b6bd2e0a96c52ddb0663a89951ee0827f9109dedb279b",
    "666fbe600b19cb9d2bf4ccbbc5d21f65086198a75e450b61dc0ad0ba3a1ff2a9",
    "7233de912e63101d515da7127e43dc757a5f10f7d6c5e39c589cf5f91b162b03",
    "ac44c45832cf5c58cc3396ea58ce5e899292e29afcc394156d2bfada48ad2df7",
    "baf9201630f2c38c9f0a007fa6ee27ee6f973b6bfe6b98c4a89cefe204795711",
    "1b9c0c9ff8a066b1a6a9bdfc081b846ffa190aede6e0736163e9477ed10727c8",
    "2cae5f9271de4b6d8de3d831b282f3980fe8f75e244f5327923fef505f70de17",
    "1137bc6ccd05d91dcdce3860c96c2b2109397bcc80fdc2d04f03837e869a695c",
    "53794db18d350acaee75fee843ac8373c4b326c364933925a7a61098ac44e7e8",
    "e693b781673d60b7e73c1ed36370313041bea2f0f342fe7238b6de677a3d0cf9",
]
_EBR_HISTORY_SHA = [
    "8efbbafe940384ea7b4c339f629e974fb64efbd9792fbfc2fb52ef32175abe8c",
    "8218696290c021ef194728e72a3df67f1c327808be4411d7e73f170c46e56045",
    "b66a2d4eb6917e40aea4e82e8729b5416bf5ab57b456aeb04dabaf79f4f40ce7",
    "c9013942b99e45d582d5f63ee96f8b3d5e39f9572e4ee56f98c014e2d48b2726",
    "d25a5a8bba8ffb4adc0c71ab43b0d8aeee17bcd69ff150ff9202591d1c788582",
    "93178155d73daa3789267ae000baf93ea79156ad48d387a678a9a5ced1a3d5dc",
    "05fedf8241354662b60d2384ba5ce6c5f0036a439c1361d2e546625ce523f5a3",
    "db6f9c17a19b5a68ad6a4e1ff2923138aab6c0ebea8e86a9cfacbc99225699ad",
    "02d26bfa0a1900c8f51780ee24772db8fd5eac7725da2a06891d5c463f8b30f2",
    "7ad07f73b85e5f425aea9ffb57cce3d07ee825dd8414687cdcf432c04d8d3052",
]


def _registry() -> dict[str, tuple[str | None, str | None]]:
    reg: dict[str, tuple[str | None, str | None]] = {}
    for i in range(10):
        reg[f"reference/bbnn_authors/gtzan/fold{i}_model.hdf5"] = (
            f"{_AUTHORS_RAW}GTZAN_2048_1/model/{i}_fold_GTZAN_model.hdf5",
            _GTZAN_MODEL_SHA[i],
        )
        reg["reference/bbnn_authors/gtzan/" + AUTHORS_HISTORY.format(fold=i)] = (
            f"{_AUTHORS_RAW}GTZAN_2048_1/2048log/{i}_fold_GTZAN_csv.csv",
            _GTZAN_HISTORY_SHA[i],
        )
        reg["reference/bbnn_authors/extended_ballroom/" + AUTHORS_HISTORY.format(fold=i)] = (
            f"{_AUTHORS_RAW}ExtendeBallroom_2048_1/2048log/{i}_fold_ExtendeBallroom_csv.csv",
            _EBR_HISTORY_SHA[i],
        )
    reg["reference/bbnn_authors/extended_ballroom/fold0_model.hdf5"] = (
        f"{_AUTHORS_RAW}ExtendeBallroom_2048_1/ExtendeBallroom2048/0_fold_ExtendeBallroom_model.hdf5",
        "1ff7425d977d4bda4310c84c65a9821d1d6d1e127146435139b4510f61adff5a",
    )
    # Tabulated from the authors' logs / published inside archives: no single public file to fetch.
    reg["reference/bbnn_authors/gtzan/fold_results.csv"] = (
        None,
        "c153e1a18f4609c946897c22638bfccf587f418f4b2c8edac36e58e4539381af",
    )
    reg["reference/bbnn_authors/extended_ballroom/fold_results.csv"] = (
        None,
        "2a8532778d3bb382a4d8a4877ddbace93cd7612c0a6e4ba4d06c68564f319a19",
    )
    reg["reference/extended_ballroom/extendedballroom_v1.1.xml"] = (
        None,
        "a28cdd10086f2872a6bf35dbb68935eed5c507d1ae008c74f0c99e47c8888d08",
    )
    for part, digest in (
        ("train", "2b04966cef1486f1a7767b74271533fa23e220388db804a1937835e1fc4fa3fa"),
        ("valid", "f8fbee7c52397a0e0f3a91dc54fedecb2e27f5bdc9a9daeab8cb10d077e26956"),
        ("test", "09cafa6a89ce0a27f30ed250d56ecb4d03c22fffb5a693f96c7ae655ee02ac72"),
    ):
        reg[f"reference/gtzan_fault_filtered/{part}_filtered.txt"] = (None, digest)
    # MD5 of all 1000 GTZAN clips, from mirdata 0.3.8's GTZAN index (in its wheel, BSD-3)
    reg["reference/gtzan_checksums/gtzan_genre_md5.csv"] = (
        None,
        "ef36ab28d703ef83bca42751040cdb6c2374bd83cb1e2b543423036db4a1847c",
    )
    # musicnn 0.1.0's wheel on PyPI, which holds its released checkpoints (bbnn_core.musicnn)
    reg["reference/musicnn/musicnn-0.1.0-py3-none-any.whl"] = (
        "https://files.pythonhosted.org/packages/1b/6f/38229e7d99c438e11114bbfa39c8c39185458c398011d0b6d7d7c7401617/"
        "musicnn-0.1.0-py3-none-any.whl",
        "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa",
    )
    return reg


REGISTRY = _registry()

# The embedded data set: mirdata's "mini" GTZAN remote (the gtzan_mini repository archive).
GTZAN_MINI_URL = "https://github.com/TempoBeatDownbeat/gtzan_mini/archive/refs/heads/main.zip"
GTZAN_MINI_MD5 = "44f7f23af8363d96c59663a987f29a4c"

_WHERE_TO_GET = {
    "reference/extended_ballroom/": "the Extended Ballroom metadata ships in the data set's "
    "archive (Marchand & Peeters 2016)",
    "reference/gtzan_fault_filtered/": "the fault-filtered split files of Kereliuk et al. 2015 (coreyker/dnn-mgr)",
    "reference/gtzan_checksums/": "the MD5 of the 1000 GTZAN clips, from mirdata's GTZAN index",
    "reference/bbnn_authors/": "tabulated from the authors' logs in the bbnn-book mirror",
}


def mirror_dir() -> Path | None:
    """The folder named by ``BBNN_MIRROR``, or None where it is unset or empty.

    Raises
    ------
    ResourceError
        If the variable names a folder that does not exist.
    """
    value = os.environ.get(MIRROR_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise ResourceError(f"{MIRROR_ENV} must name a folder; got {value!r}, which does not exist")
    return path


def cache_dir() -> Path:
    """Where downloads and feature files are kept (``BBNN_CACHE``, else the user cache)."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    import pooch

    return Path(pooch.os_cache("bbnn"))


def sha256(path: str | os.PathLike, *, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=256)
def _verified(path: str, mtime_ns: int, size: int, expected: str) -> bool:
    return sha256(path) == expected


def _check(path: Path, expected: str | None, what: str) -> Path:
    if expected is not None:
        st = path.stat()
        if not _verified(str(path), st.st_mtime_ns, st.st_size, expected):
            raise ResourceError(
                f"checksum mismatch for {path} ({what}): expected sha256 {expected[:12]}..., "
                f"got {sha256(path)[:12]}...; the file is damaged or not the published one"
            )
    return path


def resolve(relpath: str, *, path: str | os.PathLike | None = None) -> Path:
    """Find one reference file: explicit ``path``, else the mirror, else a checked download.

    Parameters
    ----------
    relpath : str
        The file's path in the mirror layout, e.g.
        ``"reference/bbnn_authors/gtzan/fold0_model.hdf5"``.
    path : path-like, optional
        Use this file instead (it is still checked where its checksum is known).

    Returns
    -------
    Path
        A local file, checked against its known checksum.

    Raises
    ------
    ResourceError
        If the file is nowhere to be found, cannot be fetched, or fails its checksum.
    """
    url, digest = REGISTRY.get(relpath, (None, None))
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_file():
            raise ResourceError(f"{relpath}: the given path {p} is not a file")
        return _check(p, digest, relpath)
    mirror = mirror_dir()
    if mirror is not None and (mirror / relpath).is_file():
        return _check(mirror / relpath, digest, relpath)
    if url is None:
        hint = next((v for k, v in _WHERE_TO_GET.items() if relpath.startswith(k)), "")
        where = f"{MIRROR_ENV}={mirror}" if mirror else f"{MIRROR_ENV} is unset"
        raise ResourceError(
            f"{relpath} not found ({where}) and it has no public download; pass its path or set "
            f"{MIRROR_ENV} to a folder that holds it" + (f" ({hint})" if hint else "")
        )
    return _fetch(url, digest, relpath)


def _fetch(url: str, digest: str | None, relpath: str) -> Path:
    import pooch

    target = cache_dir() / Path(relpath).parent
    try:
        got = pooch.retrieve(
            url,
            known_hash=f"sha256:{digest}" if digest else None,
            fname=Path(relpath).name,
            path=target,
            progressbar=False,
        )
    except Exception as exc:  # network errors come in many types
        raise ResourceError(f"could not fetch {relpath} from {url}: {exc}") from exc
    return Path(got)


def dataset_dir(name: str = "gtzan_mini", *, path: str | os.PathLike | None = None) -> Path:
    """The root folder of an embedded data set (the folder that holds ``genres/``).

    Only ``gtzan_mini`` is embedded; other data sets are passed by path.

    Raises
    ------
    ResourceError
        If the data set is not in the mirror and cannot be fetched.
    """
    if path is not None:
        return Path(path).expanduser()
    if name != "gtzan_mini":
        raise ResourceError(f"only 'gtzan_mini' is an embedded data set; got {name!r}: pass its folder instead")
    mirror = mirror_dir()
    if mirror is not None and (mirror / "datasets" / name / "genres").is_dir():
        return mirror / "datasets" / name
    import pooch

    target = cache_dir() / "datasets"
    unpacked = target / "gtzan_mini-main"
    if (unpacked / "genres").is_dir():
        return unpacked
    try:
        pooch.retrieve(
            GTZAN_MINI_URL,
            known_hash=f"md5:{GTZAN_MINI_MD5}",
            fname="gtzan_mini-main.zip",
            path=target,
            processor=pooch.Unzip(extract_dir="."),
            progressbar=False,
        )
    except Exception as exc:
        raise ResourceError(f"could not fetch gtzan_mini from {GTZAN_MINI_URL}: {exc}") from exc
    if not (unpacked / "genres").is_dir():
        raise ResourceError(f"the gtzan_mini archive did not unpack to {unpacked}/genres")
    return unpacked


def authors_model_path(dataset: str = "gtzan", fold: int = 0) -> Path:
    """The authors' released model of one fold (``gtzan``: 0-9; ``extended_ballroom``: 0)."""
    if dataset not in ("gtzan", "extended_ballroom"):
        raise ResourceError(f"the authors released models for gtzan and extended_ballroom; got {dataset!r}")
    relpath = f"reference/bbnn_authors/{dataset}/fold{fold}_model.hdf5"
    if relpath not in REGISTRY:
        raise ResourceError(f"the authors released no {dataset} model for fold {fold}")
    return resolve(relpath)


def authors_history_path(dataset: str = "gtzan", fold: int = 0) -> Path:
    """The authors' per-epoch training log of one run (fold 0-9)."""
    relpath = f"reference/bbnn_authors/{dataset}/" + AUTHORS_HISTORY.format(fold=fold)
    if relpath not in REGISTRY:
        raise ResourceError(f"the authors released no {dataset} history for fold {fold}")
    return resolve(relpath)
