"""A time column out of order: the one-line error that names the line where time goes back, and
what would set it right (sort the file, name another time column, or name the column that tells
a long panel's series apart).

A column named like years that holds whole years in no order (1961 .. 2015, then 1901 .. 1960)
is refused as well, although it was not named as the time column: passed over, it left the series
modelled in file order, with `frequency none` and no word of why. Plain numbers in no order
(a count) are not years to the reader and are left alone.

A long panel's series may be named by numbers (Grunfeld's firm 1..10, Cigar's state 001..051):
such a column is named as the id too when, grouped by it, no time repeats (`code_columns`).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries.numbers import parse_column
from rnnlab.tasks.timeseries.timecells import TIME_NAMES, year_named, year_steps, years


def increasing(table, name: str, seq, cells) -> None:
    """A UserError at the first row of `seq` (the time column `name`'s times) not after the one
    before it."""
    d = np.diff(np.asarray(seq))
    if (d <= 0).any():
        k = int(np.argmax(d <= 0)) + 1
        step = float(np.median(d)) if d.size else 0.0
        # a local clock repeats an hour when daylight saving time ends
        dst = ("; a time written twice, as local clocks do when daylight saving time ends? write the times in UTC or with "
               "their offset (2021-10-31T02:00+01:00)") if d[k - 1] == 0 and isinstance(seq[0], np.integer) and 0 < step <= 3.6e12 else ""
        raise UserError(
            f"{table.path}, line {table.line(k)}: time {table.text_cells(table.header.index(name)).iloc[k].strip()} in column {name!r} is not after the previous "
            "row's; rows must be in increasing time order" + (dst or panel_hint(table, name))
        )


def unordered_years(table, name: str, v: np.ndarray) -> Optional[str]:
    """The error to give when the numbers `v` of column `name` would be the time column but for
    their order, else None: named like years or time, whole years that, sorted, read as yearly (or
    every few years), none repeated (a long panel's repeat), neither increasing nor decreasing
    throughout."""
    if v.size < 3 or np.isnan(v).any() or not (year_named(name) or name.strip().lower() in TIME_NAMES):
        return None
    ranked = np.sort(v)
    if not np.all(v == np.round(v)) or not np.all(np.diff(ranked) > 0) or not (years(ranked) or year_steps(ranked, name)):
        return None
    d = np.diff(v)
    if np.all(d > 0) or np.all(d < 0):
        return None
    k = int(np.argmax(d * np.sign(d[0]) < 0)) + 1  # the first row against the way the file runs
    return (f"{table.path}, line {table.line(k)}: time {v[k]:.0f} in column {name!r} is not after the previous row's; "
            f"rows must be in increasing time order ({v[k]:.0f} after {v[k - 1]:.0f}): sort the file by {name!r}, "
            "or name another time column (-t/--time-column COLUMN, task.time_column)")


def panel_hint(table, time_column: str) -> str:
    """When a text column besides the time could tell several series apart (a long-format
    panel, as R's tsibble and pandas' melt write it), the setting that reads it as one."""
    # the text column with the most names (country, not continent): the one that tells rows apart
    texts = [(table.cells(j).nunique(), col) for j, col in enumerate(table.header)
             if col != time_column and parse_column(table.cells(j))[1] is not None]
    for _, col in texts:  # `-t law` (a 0/1 column) beside the real time column
        idx = table.dates(table.header.index(col))
        if idx is not None and len(idx) > 2 and bool((np.diff(idx.as_unit("ns").asi8) > 0).all()):
            return f"; column {col!r} holds increasing times: is it the time column? (-t {col}, task.time_column = {col!r})"
    codes = [] if texts else code_columns(table, time_column, time_keys(table, time_column))
    if not texts and not codes:
        return ""
    col = max(texts, key=lambda t: t[0])[1] if texts else codes[0]
    return (f"; or, if the file holds several series one after another, name the column that tells them apart: "
            f"task.id_column = {col!r} (rnnlab data --id-column {col})")


def time_keys(table, name: str) -> Optional[np.ndarray]:
    """Column `name`'s times as numbers that compare (years, steps; dates as nanoseconds), or None
    when it is neither numbers without a gap nor dates."""
    j = table.header.index(name)
    v, bad = parse_column(table.cells(j))
    if bad is None:
        return None if np.isnan(v).any() else v
    idx = table.dates(j)
    return None if idx is None else idx.as_unit("ns").asi8


def tells_apart(group: np.ndarray, times: np.ndarray) -> bool:
    """Whether the rows' times repeat, but never within one value of `group`: the rows are
    several series, one after another, and `group` names each row's."""
    import pandas as pd

    frame = pd.DataFrame({"g": group, "t": times})
    return bool(frame["t"].duplicated().any()) and not bool(frame.duplicated().any())


def code_columns(table, time_column: str, times: Optional[np.ndarray]) -> list[str]:
    """The columns of whole numbers that repeat (firm 1..10, state 001..051, read as numbers) and
    tell the series apart by the times `times`, fewest values first: an id, not a count."""
    if times is None:
        return []
    found = []
    for j, col in enumerate(table.header):
        if col == time_column:
            continue
        v, bad = parse_column(table.cells(j))
        if bad is not None or not v.size or np.isnan(v).any() or not np.all(v == np.round(v)):
            continue
        n = np.unique(v).size
        if 1 < n <= v.size // 2 and tells_apart(v, times):
            found.append((n, col))
    return [col for _, col in sorted(found)]
