"""A long-format panel's columns, read as the file means them (panel.read_long's helpers).

    the id column    refused in one line when it holds the times (`--id-column Date` made 74
                     "series" of one quarter each), naming the text column that tells series apart
    the ids          as the file wrote them: `001` stays `001` (pandas reads it as the number 1),
                     so `--future`'s CSV joins back to the data
    the value        numeric columns besides the id and the time, without the row numbers
                     pandas' to_csv and R's write.csv write first (0.. or 1.., header empty)
    the time         `ds`, else the first column that parses as dates or is named like time
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import read as tscsv

_TIME_NAMES = set(tscsv._TIME_NAMES) | {"ds", "year", "month"}


def refuse_time_id(table: tscsv.Table, id_col: str, j: int) -> None:
    """A UserError when the id column is the file's time column (dates, quarters, or the years a
    time column holds): each of its values would be one 'series' of a few rows."""
    cells = table.cells(j)
    _, bad = tscsv.parse_column(cells)
    if bad is not None:  # text: dates or quarters?
        timed = table.dates(j) is not None
    else:  # numbers: the column the single-series reader would take for the time (years)
        timed = id_col.strip().lower() in _TIME_NAMES and tscsv.find_time_column(table) == id_col
    if not timed:
        return
    first = str(table.text_cells(j).iloc[0]).strip()
    other = _id_like(table, id_col)
    hint = (f"name the column that tells the series apart: task.id_column = {other!r} (rnnlab data --id-column {other})"
            if other else "no other column of the file tells series apart: drop task.id_column to read one series")
    raise UserError(f"{table.path}: task.id_column = {id_col!r} is the time column (dates/times such as {first!r}), not "
                    f"the series' names; {hint}")


def _id_like(table: tscsv.Table, id_col: str) -> Optional[str]:
    """The column most likely to name the series: the text column (not dates) with the most
    names (country, not continent), else a column of whole numbers that repeat (Grunfeld's firm)."""
    texts, codes = [], []
    for k, col in enumerate(table.header):
        if col == id_col:
            continue
        cells = table.cells(k)
        nums, bad = tscsv.parse_column(cells)
        if bad is not None:
            if table.dates(k) is None:
                texts.append((cells.nunique(), col))
        elif (not np.isnan(nums).any() and np.all(nums == np.round(nums)) and 1 < np.unique(nums).size <= nums.size // 2
              and tscsv.find_time_column(table) != col):
            codes.append((-np.unique(nums).size, col))  # the fewest values: an id, not a count
    return max(texts)[1] if texts else max(codes)[1] if codes else None


def value_columns(table: tscsv.Table, time_col: Optional[str], id_col: str) -> list[str]:
    """The numeric columns that could be the value: not the id, not the time, and not a column of
    row numbers (0.. or 1.., as pandas and R write an index) while another is left."""
    numeric = [c for c in tscsv.numeric_columns(table, time_col) if c != id_col]
    counted = [c for c in numeric if tscsv._row_numbers(table, c)]
    return [c for c in numeric if c not in counted] if len(numeric) > len(counted) else numeric


def ids(table: tscsv.Table, j: int, name: str) -> np.ndarray:
    """Each row's series id as text, as the file wrote it; a UserError for an empty one."""
    cells = table.cells(j)
    if tscsv._numeric(cells):
        v = cells.to_numpy(dtype=np.float64)
        out = _as_written(table, j, v)
        if out is None:
            out = np.array([("" if x != x else str(int(x)) if x == int(x) else repr(x)) for x in v], dtype=object)
    else:
        out = cells.fillna("").astype(str).str.strip().to_numpy(dtype=object)
    empty = np.flatnonzero(out == "")
    if empty.size:
        raise UserError(f"{table.path}, line {table.line(int(empty[0]))}: the id column {name!r} is empty; every row names its series")
    return out


def _as_written(table: tscsv.Table, j: int, numbers: np.ndarray) -> Optional[np.ndarray]:
    """Column j's cells as text from the file (pandas read them as numbers: `001` became 1.0),
    or None when they cannot be matched row for row to the numbers read (the caller writes the
    numbers then)."""
    import pandas as pd

    if np.isnan(numbers).any():
        return None
    name = table.frame.columns[j]
    try:
        skip = [*range(table.skip), table.skip + 1] if table.units else table.skip  # a units row (`(USD)`) too
        raw = pd.read_csv(table.path, sep=table.delimiter, dtype=str, keep_default_na=False, skiprows=skip,
                          encoding=table.encoding, encoding_errors="replace", skipinitialspace=True, usecols=[name],
                          index_col=False)
    except (ValueError, OSError, pd.errors.ParserError):
        return None
    cells = raw.iloc[:, 0].astype(str).str.strip()
    cells = cells[cells != ""].to_numpy(dtype=object)
    if table.flipped:
        cells = cells[::-1]
    if cells.size < numbers.size:
        return None
    cells = cells[: numbers.size]  # notes and totals under the data come last
    back = pd.to_numeric(pd.Series(cells), errors="coerce").to_numpy(dtype=np.float64)
    return cells if np.array_equal(back, numbers) else None


def time_column(table: tscsv.Table, id_col: str, column: Optional[str]) -> Optional[str]:
    """`ds`, else the first column (not the id's or the value's) that parses as dates, or that is
    named like time (year, date, period) and holds numbers."""
    if "ds" in table.header and id_col != "ds":
        return "ds"
    for j, name in enumerate(table.header):
        if name in (id_col, column):
            continue
        nums, bad = tscsv.parse_column(table.cells(j))
        if bad is None:
            if name.strip().lower() in _TIME_NAMES and not np.isnan(nums).any():
                return name
        elif table.dates(j) is not None:
            return name
    return None


__all__ = ["ids", "refuse_time_id", "time_column", "value_columns"]
