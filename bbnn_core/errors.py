"""The project's exceptions.

Every error raised on bad input is a :class:`BBNNError`. Its message states the rule that was
broken, the value received and, where there is one, the file concerned, so that the command line
can print it as one line::

    cannot decode genres/blues/blues.00007.wav: not a RIFF file
"""

from __future__ import annotations

import errno
import shutil
from os import PathLike
from pathlib import Path

__all__ = [
    "BBNNError",
    "ParameterError",
    "AudioError",
    "DatasetError",
    "ResourceError",
    "ModelError",
    "RunError",
    "MissingExtraError",
    "NoSpaceError",
    "no_space",
    "printable",
]


def printable(path: str | PathLike) -> str:
    """A file name as one line of output: characters that are not printable (a newline or a tab in
    a file name, an escape code) written as Python escapes, as ``ls -b`` does."""
    s = str(path)
    return s if s.isprintable() else "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in s)


class BBNNError(Exception):
    """Base class of every error the project raises on purpose."""


class ParameterError(BBNNError, ValueError):
    """A function received an argument outside its allowed range or type."""


class AudioError(BBNNError):
    """An audio file is missing, empty, truncated or cannot be decoded.

    Parameters
    ----------
    path : str or PathLike
        The file concerned.
    reason : str
        What is wrong with it.
    """

    def __init__(self, path: str | PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot decode {printable(self.path)}: {reason}")

    def __reduce__(self):  # travels between processes (Dask workers) intact
        return (type(self), (self.path, self.reason))


class DatasetError(BBNNError):
    """A data set folder is missing, empty or not laid out as expected."""


class ResourceError(BBNNError):
    """A reference file (authors' model, log, metadata) cannot be found, fetched or verified."""


class ModelError(BBNNError):
    """A model file does not have the BBNN architecture or cannot be read."""


class RunError(BBNNError):
    """A folder is not a run, holds no finished fold, or holds a run that does not match what was
    asked (other data, classes, split or configuration)."""


class MissingExtraError(BBNNError, ImportError):
    """An optional part of the package (an extra: ``fast``, ``cluster``, ``book``) is needed and
    not installed; the message names the extra to install (:mod:`bbnn_core.extras`)."""


class NoSpaceError(BBNNError):
    """The disk (or the user's quota) under a place the project writes is full. The message names
    the place, the space left and, where known, the space the write needed; the file being
    written was not replaced, and nothing half-written is left."""


_FULL = (errno.ENOSPC, errno.EDQUOT)


def no_space(exc: BaseException, where: str | PathLike, needed: int | None = None) -> NoSpaceError | None:
    """A :class:`NoSpaceError` for ``exc`` when it is an out-of-space error of a write under
    ``where`` (a file or folder), else None."""
    if not isinstance(exc, OSError) or exc.errno not in _FULL:
        return None
    place = Path(where)
    folder = next((p for p in (place, *place.parents) if p.is_dir()), place)
    try:
        free = f"{shutil.disk_usage(folder).free / 1e6:.1f} MB left"
    except OSError:
        free = "space left unknown"
    need = f", {needed / 1e6:.1f} MB needed" if needed else ""
    what = "disk quota exceeded" if exc.errno == errno.EDQUOT else "no space left on the device"
    return NoSpaceError(f"{what} writing {place} ({free}{need}); nothing was half-written")
