"""Rows of a CSV that are not data: a source note under the table ("Source: ABS, table 5"), a
spreadsheet's totals row under a time column (`Total,336776`: a sum, not a time step), and a row wider than its header, which is refused when the extra fields hold something (a decimal
comma in a comma-separated file cuts `1,5` in two) and read when they are empty (`...,112,`, a
trailing delimiter).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries.timecells import parse_stamp

NOTE = re.compile(r"[:©*]|[A-Za-z]{3,}\W+(.*\W)?[A-Za-z]{3,}")
_LETTER = re.compile(r"[^\W\d_]")


def is_note(first, rest) -> bool:
    """A note in the first cell (a colon, a ©, two words), not a time, and no number after it."""
    if not isinstance(first, str) or not NOTE.search(first) or parse_stamp(first.strip()) is not None:
        return False
    return all(v != v or isinstance(v, str) and (not v.strip() or _LETTER.search(v)) for v in rest)


# a spreadsheet's summary rows under the data: labels a time column never holds
TOTAL = re.compile(r"^(grand\s+)?(totals?|sum|summe|gesamt|insgesamt|average|mean|avg|median|max(imum)?|min(imum)?|count|"
                   r"std|total général|合计|总计|总和|平均|最大|最小)\s*:?$", re.I)
MAX_TOTALS = 3


def without_totals(frame):
    """`frame` without its last rows (at most MAX_TOTALS) whose first cell is a total's label
    (Total, Sum, Average, 合计), when the rows above them hold times there; and how many."""
    from rnnlab.tasks.timeseries.timecells import dates

    end = frame.shape[0]
    while (frame.shape[0] - end < MAX_TOTALS and end > 1 and isinstance(frame.iloc[end - 1, 0], str)
           and TOTAL.match(frame.iloc[end - 1, 0].strip())):
        end -= 1
    if end == frame.shape[0]:
        return frame, 0
    above = frame.iloc[max(0, end - 200):end, 0]
    import pandas as pd

    as_number = pd.to_numeric(above, errors="coerce")
    if not (bool(as_number.notna().all()) or dates(above.astype(str).str.strip()) is not None):
        return frame, 0  # an id column (a panel's "Total" series), not a time column
    return frame.iloc[:end], frame.shape[0] - end


def benign(row, delim: str, width: int) -> bool:
    """Whether one row (its cells, or its line) wider than the header is a trailing delimiter or
    a note (read), not data."""
    if isinstance(row, str):
        row = next(csv.reader(io.StringIO(row), delimiter=delim), [])
    return len(row) <= width or not any(c.strip() for c in row[width:]) or is_note(row[0], row[1:])


def overfull(path: Path, text: str, delim: str, skip: int, whole: bool) -> int:
    """The header's width, after refusing the first row wider than it that is not benign (every
    row of a file held in memory, the first 500 of a longer one)."""
    reader = csv.reader(io.StringIO(text if whole else "\n".join(text[:200_000].splitlines()[:500]), newline=""), delimiter=delim)
    try:
        width = len(next(reader))
        for row in reader:
            if len(row) > width and not benign(row, delim, width):
                raise UserError(f"{path}, line {reader.line_num + skip}: {len(row)} fields but the header has {width}"
                                + ("; a decimal comma in a comma-separated file? quote the numbers or use ';'" if delim == "," else ""))
    except (StopIteration, csv.Error):
        return 0
    return width


def file_line(path: Path, encoding: str, n: int) -> str:
    """Line `n` of the file (1-based), as pandas numbers them in its errors."""
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        return next((ln for k, ln in enumerate(fh, 1) if k == n), "")


def without_notes(frame):
    """`frame` without its last rows when they are notes."""
    if frame.shape[1] < 2:
        return frame
    end = frame.shape[0]
    while end > 0 and is_note(frame.iloc[end - 1, 0], frame.iloc[end - 1, 1:]):
        end -= 1
    return frame.iloc[:end] if end < frame.shape[0] else frame
