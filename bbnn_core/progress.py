"""What the project writes to the terminal besides results: its one progress idiom (a tqdm bar
on stderr, shown only on a terminal by default), a filter for the backend's start-up noise, and
the plural of a counted word for every message and page."""

from __future__ import annotations

import os
import re
import sys
import threading

__all__ = ["bar", "backend_noise_filtered", "plural"]


def bar(iterable=None, *, progress: bool | None = None, **kwargs):
    """A tqdm bar. ``progress``: True shows it, False hides it, None shows it only when stderr is a
    terminal (so logs and pipes stay clean)."""
    from tqdm import tqdm  # not tqdm.auto: in a notebook it would ask for ipywidgets

    return tqdm(iterable, disable=None if progress is None else not progress, **kwargs)


def plural(n: int, word: str, *, count: bool = True) -> str:
    """``word`` for ``n`` things, with its count by default: ``plural(1, "fold")`` is "1 fold",
    ``plural(3, "fold")`` "3 folds", ``plural(3, "fold", count=False)`` "folds"."""
    said = word if n == 1 else word + "s"
    return f"{n} {said}" if count else said


# Lines TensorFlow's C++ runtime writes to file descriptor 2 whatever TF_CPP_MIN_LOG_LEVEL says.
_BACKEND_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog|[IW]\d{4} [\d:. ]+\d+ \S+\.cc:\d+\]|"
    r"To enable the following instructions:|This TensorFlow binary is optimized)"
)


class backend_noise_filtered:  # noqa: N801 - used as a context manager, like contextlib's
    """``with backend_noise_filtered(): ...``: route file descriptor 2 through a thread that drops
    the backend's start-up notes (which TensorFlow's C++ runtime writes whatever
    TF_CPP_MIN_LOG_LEVEL says) and forwards everything else, in order."""

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        self.thread = threading.Thread(target=self._pump, args=(read,), daemon=True)
        self.thread.start()
        return self

    def _pump(self, fd):
        with os.fdopen(fd, "rb") as pipe, os.fdopen(os.dup(self.saved), "wb", buffering=0) as out:
            for line in iter(pipe.readline, b""):
                if not _BACKEND_NOISE.match(line.decode(errors="replace")):
                    out.write(line)

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self.saved, 2)  # closes the pipe's last write end: the pump sees EOF
        self.thread.join(timeout=2)
        os.close(self.saved)
        return False
