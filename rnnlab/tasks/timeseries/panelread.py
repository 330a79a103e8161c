"""A long-format panel's columns, read as the file means them (panel.read_long's helpers).

    the id column    refused in one line when it holds the times (`--id-column Date` made 74
                     "series" of one quarter each), naming the text column that tells series apart,
                     and when it holds the values (numbers, nearly every row different)
    the ids          as the file wrote them: `001` stays `001` (pandas reads it as the number 1),
                     ` UK` keeps its space (the reader skips spaces after a delimiter, for numbers),
                     so `--future`'s CSV joins back to the data
    the value        numeric columns besides the id and the time, without the row numbers
                     pandas' to_csv and R's write.csv write first (0.. or 1.., header empty)
    the time         `ds`, else the first column that parses as dates or is named like time; a
                     column whose times are written two ways (Japan's `1981 Q1`, the others' `1981`)
                     is refused in one line (read past, its dates were dropped without a word), and
                     so is a cell that is no date in a column of dates named like time (its line)
"""

from __future__ import annotations

import re
from typing import Optional

import numpy as np

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import read as tscsv
from rnnlab.tasks.timeseries import timeorder

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
        spaced = _spaced(table, j, out)  # ` UK`, `US `: the spaces are the file's (an outside trial)
        out = out if spaced is None else spaced
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
        raw = pd.read_csv(table.path, sep=table.delimiter, dtype=str, keep_default_na=False, skiprows=table.skiprows,
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
        else:
            refuse_mixed_times(table, name, id_col)
            if name.strip().lower() in (*_TIME_NAMES, "week", "quarter") and tscsv._mostly_dates(table.cells(j)):
                tscsv.times(table, name, ordered=False)  # dates under a time's name, one not: its line named, not passed over
    return None


def value_column(table: tscsv.Table, id_col: str, time_col: Optional[str]) -> str:
    """The one numeric column besides the id and the time, or a UserError: the id column holds the
    values (`--id-column Arrivals`), or there are none or several."""
    numeric = value_columns(table, time_col, id_col)  # R's and pandas' row numbers are not values
    if len(numeric) == 1:
        return numeric[0]
    j = table.header.index(id_col)
    nums, bad = tscsv.parse_column(table.cells(j))
    if not numeric and bad is None and nums.size > 3 and np.unique(nums[~np.isnan(nums)]).size > nums.size // 2:
        other = _id_like(table, id_col)
        first = ", ".join(str(c).strip() for c in table.text_cells(j).iloc[:2])  # as read: 14763.0 is 14763
        first = re.sub(r"\.0\b", "", first)
        hint = (f"name the column that tells the series apart: task.id_column = {other!r} (rnnlab data --id-column {other})"
                if other else "drop task.id_column to read one series")
        raise UserError(f"{table.path}: task.id_column = {id_col!r} holds the values (numbers, nearly every row different: "
                        f"{first}, …), not the series' names; {hint}")
    raise UserError(f"{table.path}: {len(numeric)} value columns besides the id {id_col!r} ({', '.join(numeric) or 'none'}); "
                    "set task.column to the one to forecast")


def _shapes(cells):
    """Each cell's shape: digits as 9, letters as A (`1981 Q1` -> `9999 A9`, `1981` -> `9999`)."""
    return cells.str.replace(r"\d", "9", regex=True).str.replace(r"[^\W\d_]", "A", regex=True)


def refuse_mixed_times(table: tscsv.Table, name: str, id_col: Optional[str]) -> None:
    """A UserError when the text column `name`, no dates as a whole, writes times two (or more)
    ways that each are times (quarters and years): one panel's series share one frequency, and
    passed over, the rows were read in file order without dates."""
    import pandas as pd

    j = table.header.index(name)
    cells = table.text_cells(j).str.strip()
    shapes = _shapes(cells)[cells != ""]
    firsts = shapes.drop_duplicates()
    if not 2 <= len(firsts) <= 6:
        return
    said = []
    for k, shape in firsts.items():
        same = cells[shapes.index[shapes == shape]]
        if re.fullmatch(r"9{4}", shape):  # years written as years
            v = same.astype(int)
            idx = pd.DatetimeIndex(pd.to_datetime({"year": v, "month": 1, "day": 1})) if v.between(1000, 2999).all() else None
        else:
            idx = tscsv._dates(same)
        if idx is None:
            return  # not times throughout: the column is no time column
        freq = tsfreq.infer(pd.DatetimeIndex(np.unique(idx.as_unit("ns").asi8)).as_unit("ns")).name
        who = f", series {str(table.text_cells(table.header.index(id_col)).iloc[k]).strip()!r}" if id_col in table.header else ""
        said.append(f"{cells[k]!r} ({freq + ', ' if freq != 'none' else ''}line {table.line(int(k))}{who})")
    raise UserError(f"{table.path}: column {name!r} writes its times {len(said)} ways: {', '.join(said[:-1])} and {said[-1]}; one "
                    f"panel's series share one frequency: write every row's time as {cells[firsts.index[0]]!r} is written, or "
                    "put the series of each form in a file of their own")


def _spaced(table: tscsv.Table, j: int, stripped: np.ndarray) -> Optional[np.ndarray]:
    """Column j's text cells with their spaces as the file wrote them (` UK`, `US `), or None when
    none has any or they cannot be matched row for row. A space every cell has after the
    delimiter (`2024-01, UK, 5`) or before it is the file's layout, not the ids', and is dropped."""
    import pandas as pd

    d, text = table.delimiter, table.text if table.path.exists() else ""
    if not any(f in text for f in (d + " ", " " + d, "\n ", " \n", " \r")) and not text.startswith(" "):  # a space by a cell
        return None
    try:
        raw = pd.read_csv(table.path, sep=table.delimiter, dtype=str, keep_default_na=False, skiprows=table.skiprows, encoding=table.encoding,
                          encoding_errors="replace", usecols=[table.frame.columns[j]], index_col=False)
    except (ValueError, OSError, pd.errors.ParserError):
        return None
    cells = raw.iloc[:, 0].astype(str)
    cells = cells[cells.str.strip() != ""].to_numpy(dtype=object)[: stripped.size]  # notes under the data come last
    cells = cells[::-1] if table.flipped else cells
    if cells.size != stripped.size or not all(a.strip() == b for a, b in zip(cells, stripped)):
        return None
    if j > 0 and all(c[:1] == " " for c in cells):  # `a, b` style: one space after every delimiter
        cells = np.array([c[1:] for c in cells], dtype=object)
    if all(c[-1:] == " " for c in cells):  # `a ,b`: a space before every delimiter
        cells = np.array([c[:-1] for c in cells], dtype=object)
    return cells if any(c != b for c, b in zip(cells, stripped)) else None


def refuse_long_as_wide(table: tscsv.Table, time_col: Optional[str], names: list[str]) -> None:
    """A UserError when `task.wide` is given a long file: a column (text, or whole numbers that
    repeat) names each row's series, the times repeating but never twice for one of its values.
    Read as wide, its year and value columns were two "series" without a time column (an outside
    trial). The times: the time column, else a column whose distinct values are years."""
    whens = [time_col] if time_col is not None else [c for c in names if _repeated_years(table, c)]
    for when in whens:
        times = timeorder.time_keys(table, when)
        if times is None or np.unique(times).size == times.size:
            continue
        texts = [k for k, col in enumerate(table.header) if col != when and tscsv.parse_column(table.cells(k))[1] is not None
                 and table.dates(k) is None]
        found = [table.header[k] for k in texts if timeorder.tells_apart(table.text_cells(k).to_numpy(dtype=object), times)]
        found = found or timeorder.code_columns(table, when, times)
        if found:
            col = found[0]
            raise UserError(f"{table.path}: task.wide = true (--wide) reads one column per series, but this file is long: column "
                            f"{col!r} names each row's series and the times in {when!r} repeat, once for each; read it as a long "
                            f"panel: --id-column {col} (task.id_column = {col!r}), without --wide")


def _repeated_years(table: tscsv.Table, name: str) -> bool:
    v, bad = tscsv.parse_column(table.cells(table.header.index(name)))
    return bad is None and v.size > 0 and not np.isnan(v).any() and np.unique(v).size < v.size and tscsv._years(np.unique(v))


__all__ = ["ids", "refuse_long_as_wide", "refuse_mixed_times", "refuse_time_id", "time_column", "value_column", "value_columns"]
