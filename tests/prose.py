"""The book's prose, measured on a built page: its sentences (paragraphs, list items and captions)
and its table cells, so that tests can hold the book to a readable length (issue 47: a mean
sentence of at most 18 words, no table cell over 25 words).

Code (``<pre>``, ``<code>``), the navigation, the hidden input cells and the scripts are not prose
and are left out. Run as a script on built pages to print their figures::

    python tests/prose.py _build/html/book/generated/*.html
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

# Blocks whose text is prose: paragraphs, list items, figure and table captions, definition terms.
PROSE = {"p", "li", "figcaption", "caption", "dd", "dt"}
SKIP = {"pre", "code", "script", "style", "nav", "button", "svg", "math"}  # never prose
SKIP_CLASSES = (
    "headerlink",
    "collapsed",
    "expanded",
    "toggle",
    "bbnn-audio",
    "bd-sidebar",
    "header-article",
    "prev-next",
    "bd-footer",
    "toc",
    "cell_input",
)
# A sentence ends at . ! or ? before a space and a capital letter, a digit or an opening bracket,
# except after the abbreviations the book uses.
ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "vs.", "Fig.", "cf.", "No.")
_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[“\"])")
_WORD = re.compile(r"[\w%'’-]*\w[\w%'’-]*")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped) of the open elements
        self.blocks: list[str] = []
        self.cells: list[str] = []
        self._block: list[str] | None = None
        self._block_depth = 0
        self._cell: list[str] | None = None
        self._in_main = False

    def _skipped(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "hr", "meta", "link", "input", "source", "wbr"}:
            return
        a = dict(attrs)
        classes = a.get("class") or ""
        skipped = tag in SKIP or any(c in classes for c in SKIP_CLASSES)
        if tag == "main" or (tag == "article" and "bd-article" in classes):
            self._in_main = True
        self.stack.append((tag, skipped))
        if not self._in_main or self._skipped():
            return
        if tag in PROSE and self._block is None and self._cell is None:
            self._block, self._block_depth = [], len(self.stack)
        if tag in {"td", "th"} and self._cell is None:
            self._cell = []

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            depth = len(self.stack) + 1
            if self._block is not None and depth == self._block_depth:
                self.blocks.append(" ".join("".join(self._block).split()))
                self._block = None
            if open_tag in {"td", "th"} and self._cell is not None:
                self.cells.append(" ".join("".join(self._cell).split()))
                self._cell = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self._in_main or self._skipped():
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._block is not None:
            self._block.append(data)


def words(text: str) -> int:
    return len(_WORD.findall(text))


def sentences(text: str) -> list[str]:
    """A block's sentences (blocks without a letter, like a lone number, are none)."""
    guarded = text
    for k, abbr in enumerate(ABBREVIATIONS):
        guarded = guarded.replace(abbr, f"\0{k}\0")
    out = []
    for s in _END.split(guarded):
        for k, abbr in enumerate(ABBREVIATIONS):
            s = s.replace(f"\0{k}\0", abbr)
        if re.search(r"[A-Za-z]", s) and words(s) and not s.strip().startswith("Source:"):
            out.append(s.strip())
    return out


def page_prose(html: str) -> tuple[list[str], list[str]]:
    """The sentences and the table cells of one built page."""
    parser = _Page()
    parser.feed(html)
    found = [s for block in parser.blocks for s in sentences(block)]
    return found, [c for c in parser.cells if c]


def measure(paths) -> dict[str, dict]:
    """Per page: sentences, mean words per sentence, the longest sentence and the longest cell."""
    out = {}
    for path in paths:
        found, cells = page_prose(Path(path).read_text(encoding="utf-8"))
        lengths = [words(s) for s in found]
        longest_cell = max(cells, key=words, default="")
        out[Path(path).stem] = {
            "sentences": len(found),
            "words": sum(lengths),
            "mean": sum(lengths) / len(lengths) if lengths else 0.0,
            "longest": max(found, key=words, default=""),
            "longest_cell": longest_cell,
        }
    return out


if __name__ == "__main__":
    stats = measure(sys.argv[1:])
    total_s = sum(s["sentences"] for s in stats.values())
    total_w = sum(s["words"] for s in stats.values())
    for name, s in stats.items():
        print(
            f"{name:20s} {s['sentences']:4d} sentences, mean {s['mean']:5.1f} words; longest "
            f"{words(s['longest'])} words, longest cell {words(s['longest_cell'])} words"
        )
    print(f"{'book':20s} {total_s:4d} sentences, mean {total_w / max(total_s, 1):5.1f} words")
