"""Figures and tables as the book shows them: font sizes that stay legible at the page's width,
PNGs that carry their smallest text size (the book's test checks it), numbered captions, and a
mel-band axis labelled in Hz. Every module that draws (``reports``, ``robustness``, ``chapter``)
uses these; they read nothing but the feature parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = [
    "FIGURE_DPI",
    "SHOWN_DPI",
    "FIGURE_WIDTH",
    "FONT_KEY",
    "BOOK_STYLE",
    "book_style",
    "smallest_font_pt",
    "figure_png",
    "figure_image",
    "numbered",
    "chapter_number",
    "number_captions_for",
    "show",
    "captioned",
    "Source",
    "source_line",
    "source_text",
    "executed_at",
    "shown_path",
    "mel_axis_in_hz",
    "mel_centres",
]


# PNGs are drawn at 200 dpi and shown at half their pixel width (100 CSS px per inch of figure),
# so that they stay sharp on a high-density screen and a figure's inches map onto the page alike
FIGURE_DPI = 200
SHOWN_DPI = 100
FONT_KEY = "bbnn:min-font-px"  # PNG text chunk: the figure's smallest text, in its own pixels

# The widest a figure is drawn, in inches: shown at SHOWN_DPI, the narrowest column the book's test
# checks (608 CSS px, a 1200 px window with both side bars) scales it by about 0.85 (the labels
# outside the axes widen it a little), and BOOK_STYLE's smallest text (11 pt, 15.3 px) comes out
# at about 13 px, above 80 % of the 16 px body text
FIGURE_WIDTH = 6.8

BOOK_STYLE: dict = {
    "font.size": 12,
    "axes.titlesize": 12.5,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "figure.titlesize": 12.5,
}


def book_style() -> None:
    """Font sizes that stay legible when a figure is scaled to the book's content width."""
    import matplotlib.pyplot as plt

    plt.rcParams.update(BOOK_STYLE)


def smallest_font_pt(fig) -> float:
    """The size (pt) of the smallest visible, non-empty text of ``fig``."""
    from matplotlib.text import Text

    sizes = [
        t.get_fontsize()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and (t.axes is None or t.axes.get_visible())
    ]
    return min(sizes) if sizes else float("inf")


def figure_png(fig, *, dpi: int = FIGURE_DPI) -> bytes:
    """``fig`` as PNG bytes, carrying its smallest text size in pixels (``FONT_KEY``) so that a
    test can check it against the width the page gives the image."""
    import io

    buf = io.BytesIO()
    px = smallest_font_pt(fig) * dpi / 72
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={FONT_KEY: f"{px:.2f}"})
    return buf.getvalue()


def figure_image(fig):
    """``fig`` as an IPython image (for ``display`` or ``glue``), closed afterwards: drawn at
    ``FIGURE_DPI`` and shown ``SHOWN_DPI`` CSS pixels per inch wide (the page may scale it down
    further to its column)."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    png = figure_png(fig)
    img = Image(data=png, format="png", width=round(_png_width(png) * SHOWN_DPI / FIGURE_DPI))
    plt.close(fig)
    return img


def _png_width(png: bytes) -> int:
    """The width in pixels a PNG's header gives."""
    return int.from_bytes(png[16:20], "big")


# The numbers given so far on this page (one kernel runs one page), per kind and label, and the
# page's chapter number in the book (None: captions are numbered 1, 2, ... without a chapter).
_NUMBERS: dict[str, dict[str, int]] = {}
_CHAPTER: list[int | None] = [None]


def chapter_number(page: str, toc: str | Path | None = None) -> int | None:
    """The chapter number the book gives ``page`` (a notebook's name, ``"gtzan"``): its position
    among the chapters of ``_toc.yml`` (found in the working folder or a parent), counted from 1
    as Jupyter Book numbers them; None when there is no such book around."""
    import re

    if toc is None:
        here = Path.cwd().resolve()
        toc = next((d / "_toc.yml" for d in (here, *here.parents) if (d / "_toc.yml").is_file()), None)
        if toc is None:
            return None
    files = re.findall(r"^\s*- file:\s*(\S+)\s*$", Path(toc).read_text(), re.M)
    names = [Path(f).name for f in files]
    return names.index(page) + 1 if page in names else None


def number_captions_for(page: str, toc: str | Path | None = None) -> int | None:
    """Number this page's captions by its chapter: "Table 3.2" for the second table of chapter 3,
    so that the book's numbers cannot be taken for the paper's ("the paper's Table 3"). Returns
    the chapter number (None: plain numbers, outside the book)."""
    _CHAPTER[0] = chapter_number(page, toc)
    return _CHAPTER[0]


def numbered(kind: str, text: str, *, label: str | None = None) -> str:
    """``text`` as a numbered caption: "<b>Figure c.n.</b> text", with the page's chapter number
    (:func:`number_captions_for`; none outside the book) and its next number of that kind
    ("Figure" or "Table"). The same ``label`` (default: the text) keeps its number when a cell
    runs again, so re-running a cell does not renumber the page."""
    import html

    seen = _NUMBERS.setdefault(kind, {})
    n = seen.setdefault(label or text, len(seen) + 1)
    chapter = f"{_CHAPTER[0]}." if _CHAPTER[0] is not None else ""
    return f"<b>{kind} {chapter}{n}.</b> {html.escape(text, quote=False)}"


@dataclass(frozen=True)
class Source:
    """Where a table or figure comes from, for the provenance line under its caption: the function
    that computed or drew it, the run folder it reads (as :func:`shown_path` names it) with the
    commit that run was trained at, and any other files it reads."""

    drawn_by: str
    run: str | None = None
    trained_at: str | None = None
    data: str | None = None


@lru_cache(maxsize=1)
def _repo_root() -> Path | None:  # one git call per process, not one per caption
    from .runs import repo_root

    return repo_root()


def shown_path(path) -> str:
    """A folder as a reader names it: relative to the checkout when inside it (``results/...``),
    else its name alone, so that no page shows a path of the machine that built it."""
    p = Path(path).resolve()
    root = _repo_root()
    if root is not None and p.is_relative_to(root):
        return p.relative_to(root).as_posix()
    return p.name


@lru_cache(maxsize=1)
def executed_at() -> str:
    """The short commit of the code a page is executed with, with "+" when the checkout's tracked
    files other than notebooks differ from it (uncommitted changes to the code or the data it
    reads; the notebooks' own outputs change by being executed); "no git checkout" outside one."""
    import subprocess

    root = _repo_root()
    if root is None:
        return "no git checkout"

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20).stdout

    commit = git("rev-parse", "HEAD").strip()
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)*.ipynb").strip()
    return commit[:7] + ("+" if dirty else "") if commit else "no git checkout"


@lru_cache(maxsize=1)
def _repository_url() -> str:
    """The repository URL set in the book's ``_config.yml`` (``repository: url:``), or ""."""
    root = _repo_root()
    try:
        import yaml

        config = yaml.safe_load((root / "_config.yml").read_text()) if root else {}
    except (ImportError, OSError, ValueError):
        return ""
    return str(((config or {}).get("repository") or {}).get("url") or "").rstrip("/")


def _commit(sha: str) -> str:
    """A commit as the provenance line shows it: linked where the book names its repository."""
    import html

    url = _repository_url()
    bare = sha.rstrip("+")
    if url and bare and all(c in "0123456789abcdef" for c in bare):
        return f'<a href="{html.escape(url)}/commit/{bare}"><code>{html.escape(sha)}</code></a>'
    return f"<code>{html.escape(sha)}</code>"


def source_line(source: Source) -> str:
    """The provenance line of a caption (HTML): "Source: <function>, run <folder> (trained at
    <commit>), <data>; page executed at <commit>" (a "+" marks uncommitted changes)."""
    import html

    parts = [f"<code>{html.escape(source.drawn_by)}</code>"]
    if source.run:
        trained = f" (trained at {_commit(source.trained_at)})" if source.trained_at else ""
        parts.append(f"run <code>{html.escape(source.run)}</code>{trained}")
    if source.data:
        parts.append(html.escape(source.data))
    return f'<span class="bbnn-source">Source: {", ".join(parts)}; page executed at {_commit(executed_at())}.</span>'


def source_text(source: Source) -> str:
    """:func:`source_line` as plain text, for captions written in Markdown (a glued figure's)."""
    import re

    return re.sub(r"<[^>]+>", "", source_line(source)).replace("&amp;", "&").replace("&#x27;", "'")


def show(fig, caption: str | None = None, *, label: str | None = None, source: Source | None = None) -> None:
    """Display ``fig`` in a notebook as the book shows figures (see :func:`figure_png`), with a
    numbered caption under it, and its provenance line (:func:`source_line`) when ``source`` is given."""
    from IPython.display import HTML, display

    display(figure_image(fig))
    if caption:
        tail = f"<br/>{source_line(source)}" if source is not None else ""
        display(HTML(f'<p class="bbnn-caption">{numbered("Figure", caption, label=label)}{tail}</p>'))


def captioned(table, caption: str, *, label: str | None = None, source: Source | None = None):
    """A table (a DataFrame, shown without its index, or a pandas Styler) with a numbered caption
    above it, as a paper places table captions, and its provenance line when ``source`` is given."""
    from pandas.io.formats.style import Styler

    styler = table if isinstance(table, Styler) else table.style.hide(axis="index")
    tail = f"<br/>{source_line(source)}" if source is not None else ""
    return styler.set_caption(numbered("Table", caption, label=label) + tail)


def mel_axis_in_hz(ax, params=None, *, axis: str = "y") -> None:
    """Label a mel-band axis (band indices 0..n_mels) in Hz."""
    from .features import PAPER_PARAMS

    params = params or PAPER_PARAMS
    centres = mel_centres(params)
    ticks, labels = [], []
    for hz in (100, 500, 1000, 2000, 4000, 8000):
        band = float(np.interp(hz, centres, np.arange(len(centres))))
        ticks.append(band + 0.5)
        labels.append(f"{hz / 1000:g}k" if hz >= 1000 else str(hz))
    (ax.set_yticks if axis == "y" else ax.set_xticks)(ticks, labels)
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)("frequency (Hz)")


def mel_centres(params=None) -> np.ndarray:
    """Centre frequency (Hz) of each mel band of the features (Slaney scale, 0 Hz to sr/2)."""
    import librosa

    from .features import PAPER_PARAMS

    params = params or PAPER_PARAMS
    return librosa.mel_frequencies(params.n_mels + 2, fmin=0.0, fmax=params.sr / 2)[1:-1]
