"""What pandas is told about a CSV's columns before it reads them (read.read_table), from the
first rows' text: the columns it must keep as text (numbers.py's rules read their numbers), the
ones whose ISO times it may parse while reading, and which of those are written to the minute.

Why the last: a column parsed while reading keeps no text, and `1990-12-12 08:40` came back from
`forecast --future` as `1990-12-12T08:40:00` (an outside trial). The form seen here is written
back (timeforms.minutes_form), as other forms are (timeforms.format_of).
"""

from __future__ import annotations

import re
from typing import Any

from rnnlab.tasks.timeseries.dialect import _parse
from rnnlab.tasks.timeseries.timecells import ISO, MONTH_DOT, fiscal, series

# an ISO time to the minute, nothing after it (no seconds, no Z or offset): the separator kept
MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}([T ])\d{2}:\d{2}$")


def text_columns(text: str, delim: str) -> Any:
    """str for every column whose first cells pandas would misread as numbers: decimal commas
    (1,5 in a ;-file), thousands groups, percent signs, brackets. Other columns are left to
    pandas (plain numbers in C)."""
    head = _parse("\n".join(text[:100_000].splitlines()[:200]), delim)
    if len(head) < 2:
        return str
    width = len(head[0][1])
    text_cols = set()
    for _, row in head[1:]:
        for j, cell in enumerate(row[:width]):
            c = cell.strip()
            if (any(ch in c for ch in (",", "%", "(", "'", "\u00a0", "\u202f")) or c.count(".") > 1 or (" " in c and c[:1].isdigit())
                    or MONTH_DOT.match(c)):  # 01.1980: a month (month_dots) or, after all, a number
                text_cols.add(j)
    return {j: str for j in text_cols} if text_cols else None


def iso_columns(text: str, delim: str) -> tuple[list[int], dict[int, str]]:
    """The columns whose first (up to 200) cells are all ISO dates or times (2024-01,
    2024-01-31, 2024-01-31T13:00...): pandas can parse them while reading; and, of those, the
    ones whose cells are all times to the minute with one separator, with the strftime format
    that writes them (`%Y-%m-%d %H:%M` or `%Y-%m-%dT%H:%M`)."""
    head = _parse("\n".join(text[:100_000].splitlines()[:201]), delim)
    rows = [r for _, r in head[1:] if any(c.strip() for c in r)]
    if not head or not rows:
        return [], {}
    width = len(head[0][1])
    # not financial years (2000-01 .. 2011-12) nor months alone (1969-01: their text kept, timeforms)
    iso = [j for j in range(width) if all(j < len(r) and ISO.match(r[j].strip()) and len(r[j].strip()) > 7 for r in rows)
           and fiscal(series([r[j] for r in rows])) is None]
    minutes = {}
    for j in iso:
        seps = {m.group(1) if (m := MINUTES.match(r[j].strip())) else None for r in rows}
        if len(seps) == 1 and None not in seps:
            minutes[j] = f"%Y-%m-%d{seps.pop()}%H:%M"
    return iso, minutes
