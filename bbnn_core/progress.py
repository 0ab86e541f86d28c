"""The project's one progress idiom: a tqdm bar on stderr, shown only on a terminal by default."""

from __future__ import annotations

__all__ = ["bar"]


def bar(iterable=None, *, progress: bool | None = None, **kwargs):
    """A tqdm bar. ``progress``: True shows it, False hides it, None shows it only when stderr is a
    terminal (so logs and pipes stay clean)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=None if progress is None else not progress, **kwargs)
