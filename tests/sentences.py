"""The test assertions that compare English sentences of six words or more (the count issue 47
limits to 25): an ``assert`` whose tested expression holds a string literal of at least six English
words, or a ``match=`` pattern of that many. A word is a token of letters (an apostrophe allowed)
with at most one punctuation mark on either side; paths, patterns, numbers and markup are not.
A message after the assertion's comma is not compared and does not count.

Usage, from the project's root: python tests/sentences.py [-v]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

WORD = re.compile(r"^[(\"']?[A-Za-z][a-z'’]*[,.;:)\"']?$")
ERROR = re.compile(r"\berror\b|^bbnn: |: not |no such|must ")


def _strings(node: ast.AST):
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            yield n.value
        elif isinstance(n, ast.JoinedStr):
            yield " ".join(v.value if isinstance(v, ast.Constant) else "{}" for v in n.values)


def n_words(text: str) -> int:
    """The English words of ``text``."""
    return sum(bool(WORD.match(t)) for t in text.split())


def sentence_assertions(root: str | Path = "tests") -> list[tuple[str, int, str, str]]:
    """(file, line, "error" or "other", the first long string) of each such assertion."""
    out = []
    for f in sorted(Path(root).glob("test_*.py")):
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.Assert):
                kind, tested = "assert", n.test
            elif isinstance(n, ast.Call) and any(k.arg == "match" for k in n.keywords):
                kind, tested = "match", next(k.value for k in n.keywords if k.arg == "match")
            else:
                continue
            long = [s for s in _strings(tested) if n_words(s) >= 6]
            if long:
                error = kind == "match" or any(ERROR.search(s) for s in long)
                out.append((f.name, n.lineno, "error" if error else "other", long[0][:100]))
    return out


if __name__ == "__main__":
    found = sentence_assertions()
    if "-v" in sys.argv:
        for row in found:
            print(*row, sep=" | ")
    errors = sum(kind == "error" for _, _, kind, _ in found)
    print(f"{len(found)} assertions compare a sentence of six words or more ({errors} on error messages)")
