"""Figures and tables as the book shows them: font sizes that stay legible at the page's width,
PNGs that carry their smallest text size (the book's test checks it), numbered captions, and a
mel-band axis labelled in Hz. Every module that draws (``reports``, ``robustness``, ``chapter``)
uses these; they read nothing but the feature parameters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = [
    "FIGURE_DPI",
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
    "mel_axis_in_hz",
    "mel_centres",
]


FIGURE_DPI = 100
FONT_KEY = "bbnn:min-font-px"  # PNG text chunk: the figure's smallest text, in its own pixels

BOOK_STYLE: dict = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 12,
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
    """``fig`` as an IPython image (for ``display`` or ``glue``), closed afterwards."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    img = Image(data=figure_png(fig), format="png")
    plt.close(fig)
    return img


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


def show(fig, caption: str | None = None, *, label: str | None = None) -> None:
    """Display ``fig`` in a notebook as the book shows figures (see :func:`figure_png`), with a
    numbered caption under it."""
    from IPython.display import HTML, display

    display(figure_image(fig))
    if caption:
        display(HTML(f'<p class="bbnn-caption">{numbered("Figure", caption, label=label)}</p>'))


def captioned(table, caption: str, *, label: str | None = None):
    """A table (a DataFrame, shown without its index, or a pandas Styler) with a numbered caption
    above it, as a paper places table captions."""
    from pandas.io.formats.style import Styler

    styler = table if isinstance(table, Styler) else table.style.hide(axis="index")
    return styler.set_caption(numbered("Table", caption, label=label))


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
