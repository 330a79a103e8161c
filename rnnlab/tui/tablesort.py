"""Sorting a table of shown cells by one column: numbers by their value ("mse 0.0401",
"600/1000", "4,513" read as 0.0401, 600, 4513), names by their text, empty cells ("-", "–")
last in either direction. Plain Python: the lab's compare table and `rnnlab compare --sort`
both use it."""

from __future__ import annotations

import re
from typing import Sequence

_NUMBER = re.compile(r"(?:^|(?<=\s))-?\d[\d,]*\.?\d*(?:e[-+]?\d+)?")
_EMPTY = ("", "–", "-", "?", "…")


def sort_key(text: object, numeric: bool = True) -> tuple:
    """A cell as a sort key: (0, value) for a number in a numeric column, (1, text) otherwise,
    (2,) for an empty cell. A name such as `lr-01` is text: a number must start the cell or
    follow a space."""
    text = str(text).strip()
    if text in _EMPTY:
        return (2, 0.0, "")
    m = _NUMBER.search(text) if numeric else None
    if m:
        try:
            return (0, float(m.group().replace(",", "")), text)
        except ValueError:
            pass
    return (1, 0.0, text.lower())


def sort_rows(rows: Sequence[Sequence], column: int, desc: bool = False, numeric: bool = True) -> list:
    """`rows` sorted by `column` (stable: ties keep their order), empty cells last."""
    keys = [sort_key(r[column], numeric) for r in rows]
    known = [r for r, k in zip(rows, keys) if k[0] < 2]
    kk = [k for k in keys if k[0] < 2]
    rest = [r for r, k in zip(rows, keys) if k[0] == 2]
    order = sorted(range(len(known)), key=lambda j: kk[j], reverse=desc)
    return [known[j] for j in order] + rest
