"""Reading a real-world CSV into one numeric column and its time column (pandas.read_csv).

What spreadsheets and national statistics offices actually export:

    dialect      , ; tab |  (sniffed, or `task.delimiter`); UTF-8, UTF-16 or Windows' code page;
                 a title above the header, a units row under it (`,(USD)`: dialect.py) and notes
                 under the rows (rows.py) are not read, and the card says so (Table.reading)
    numbers      1234.5   1,234.5   1.234,5   1234,5   12%   1 234   (-3)  NA  n/a  .  ..  (empty)
    time column  every form in timecells.py (ISO, 01/31/2024, 1960 Jan, 1959Q1, 1991 W06, years,
                 Unix seconds); found without being named: the first column that parses as dates
                 or years; rows written newest first are read oldest first

The decimal mark is decided per column (a comma is a decimal comma in ;-separated files and when
no cell of the column reads as thousands groups), so `1,100` is eleven hundred in a comma file
whose cells are quoted, and 1.1 in a semicolon file. Every cell that still is not a number is a
UserError naming the file, line and column.

The cells are read as text by pandas' C parser and converted a column at a time (vectorised),
except a column whose first cells are ISO dates: pandas parses it while reading (parse_dates,
ISO8601; 4x faster than parsing 300,000 strings after); a cell that is not an ISO date keeps
the text, a missing one has the file read again as text. pandas is imported on first use.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import clock as tsclock
from rnnlab.tasks.timeseries import rows as tsrows
from rnnlab.tasks.timeseries import timeparts as tstimeparts
from rnnlab.tasks.timeseries.columnkinds import iso_columns, text_columns
from rnnlab.tasks.timeseries.dialect import _decode, _parse, _preamble, detect_delimiter, units_row  # noqa: F401
from rnnlab.tasks.timeseries.numbers import _MISSING, NUMBER_FORMS, _numeric, decimal_mark, parse_column, parse_number  # noqa: F401
from rnnlab.tasks.timeseries.timeforms import form_of, format_of, minutes_form, pattern, steps_of  # noqa: F401 (tscsv.form_of)
from rnnlab.tasks.timeseries.timecells import (  # noqa: F401 (read.parse_stamp as before)
    DATE_FORMS, FISCAL, ISO as _ISO, MONTH_DOT, TIME_NAMES, TIME_NAMES as _TIME_NAMES, WRITTEN, compact, dates as _dates, fiscal as _fiscal, from_numbers,
    month_dots, panel_years, two_digit_years,
    mostly_dates as _mostly_dates, parse_stamp, quarters, series as _series, year_named, year_steps as _year_steps, year_times, years as _years,
)
from rnnlab.tasks.timeseries.timeorder import increasing as _increasing, panel_hint as _panel_hint, unordered_years


@dataclass
class Table:
    """The cells of a CSV as text: header, one column of strings per header name, the delimiter,
    and the text (for line numbers in errors)."""

    path: Path
    header: list[str]
    frame: Any  # pandas.DataFrame, one row per non-blank data line
    delimiter: str
    _text: Optional[str] = field(default=None, repr=False)
    encoding: str = "utf-8-sig"
    skip: int = 0  # lines above the header (a title, a source note), not read
    units: str = ""  # the units row under the header (`(USD)`), not read: the line after the header
    flipped: bool = False  # rows were newest first and are now read oldest first
    notes: int = 0  # rows under the data that are notes ("Source: ..."), not read
    totals: int = 0  # a spreadsheet's totals rows under the data ("Total,336776"), not read
    parts: str = ""  # year, month, day columns read as one time column (timeparts.py): the card's note
    clock: bool = False  # local clock times moved to standard time (clock.py)
    utc: bool = False  # times written with a UTC offset (Z, +10:00), read and written in UTC
    fiscal: bool = False  # financial years (2019-20) read as yearly times
    ancient: str = ""  # years before year 1 (-6000 .. 1979): no calendar date holds them, read as steps
    two_digit: str = ""  # two-digit years (63 .. 92) read as steps: how to get dates (timecells.two_digit_years)
    _dates: dict = field(default_factory=dict, repr=False)  # column -> parsed dates (or None)
    written: dict = field(default_factory=dict, repr=False)  # column -> its text, where read as months (01.1980)
    minutes: dict = field(default_factory=dict, repr=False)  # name -> "%Y-%m-%d %H:%M" (or T): ISO times to the minute

    @property
    def skiprows(self) -> Any:
        """pandas' skiprows to read the file from disk again: the title lines, and the units row."""
        return skiprows(self.skip, self.units)

    def reading(self) -> tuple[str, ...]:
        """What was read differently from a plain file, for the card to say."""
        return tuple(line for line, shown in (
            (f"{self.skip} line{'s' if self.skip != 1 else ''} above the header skipped (a title)", self.skip),
            (f"a units row under the header skipped: {self.units}", self.units),
            (f"{self.notes} note row{'s' if self.notes != 1 else ''} under the data skipped", self.notes),
            (f"{self.totals} total row{'s' if self.totals != 1 else ''} under the data skipped", self.totals),
            (self.parts, self.parts),
            ("rows newest first, read oldest first", self.flipped),
            ("local clock times: the summer rows moved back one hour (standard time)", self.clock),
            ("times with a UTC offset read in UTC; the forecast's times are UTC too", self.utc),
            ("financial years (2019-20) read as yearly, each at the year written first", self.fiscal),
            (self.ancient, self.ancient), (self.two_digit, self.two_digit),
            (f"read as {self.encoding}", self.encoding not in ("utf-8-sig", "utf-8"))) if shown)

    def dates(self, j: int) -> Any:
        """Column j parsed as dates (a DatetimeIndex) or None; parsed once per table."""
        if j not in self._dates:
            self._dates[j] = _dates(self.cells(j))
        return self._dates[j]

    @property
    def text(self) -> str:
        """The file's text (read again only to name a line in an error)."""
        if self._text is None:
            self._text = self.path.read_text(encoding=self.encoding)
        return self._text

    @property
    def n_rows(self) -> int:
        return int(self.frame.shape[0])

    def cells(self, j: int) -> Any:
        """Column j as a pandas Series: floats where pandas read numbers, else strings (NaN for
        the missing-value words), spaces after a delimiter already skipped."""
        return self.frame.iloc[:, j]

    def text_cells(self, j: int) -> Any:
        """Column j as strings ("" for a missing cell)."""
        import pandas as pd

        col = self.frame.iloc[:, j]
        if j in self.written:
            return self.written[j]
        if pd.api.types.is_datetime64_any_dtype(col.dtype):  # parsed while reading: no NaT (read_table)
            return col.astype(str)
        if _numeric(col):
            return col.map(lambda v: "" if v != v else repr(v) if isinstance(v, float) else str(v))
        return col.fillna("").astype(str)

    def line(self, k: int) -> int:
        """The file line of data row k (1-based, the header is line 1 after blank lines)."""
        if self.flipped:
            k = self.n_rows - 1 - k
        seen = -1
        for n, text in enumerate(self.text.splitlines(), 1):
            if n > self.skip and text.strip(" \t,;|"):
                seen += 1
                if seen == k + 1 + bool(self.units):
                    return n
        return k + 2

    def flip(self) -> None:
        """Read the rows the other way round (a file written newest first)."""
        self.frame = self.frame.iloc[::-1].reset_index(drop=True)
        self._dates = {j: None if d is None else d[::-1] for j, d in self._dates.items()}
        self.written = {j: t.iloc[::-1].reset_index(drop=True) for j, t in self.written.items()}
        self.flipped = not self.flipped

    @property
    def rows(self) -> list[tuple[int, list[str]]]:
        """(line, cells) per row: for error paths and small tables only."""
        values = self.frame.to_numpy().tolist()
        return [(self.line(k), list(r)) for k, r in enumerate(values)]


def read_table(path: Path, delimiter: Optional[str] = None) -> Table:
    """The header and non-blank rows of `path`, or a UserError saying what is wrong with it.
    Lines above the header (a title) and one-cell notes under the rows (a source) are not read."""
    import pandas as pd

    try:
        text, whole, encoding = _decode(path)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file (task.source); expected a CSV file or 'builtin:synthetic'") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory (task.source); expected a CSV file") from None
    if delimiter is not None and (len(delimiter) != 1 or delimiter in "\"\r\n"):
        raise UserError(f"task.delimiter = {delimiter!r}: expected one character such as ',', ';' or '\\t'")
    if not text.strip():
        raise UserError(f"{path}: empty CSV; expected a header line and one row per time step")
    skip = _preamble(text, delimiter)
    full = text
    if skip:
        text = "".join(text.splitlines(True)[skip:])
    delim = delimiter or detect_delimiter(text)
    units = units_row(text, delim)
    if units:  # `,(USD)` under `date,price`: the table is the rest (a file read from disk: skiprows)
        lines = text.splitlines(True)
        text = "".join(lines[:1] + lines[2:])
    dtype = text_columns(text, delim)
    dates, minutes = iso_columns(text, delim) if dtype is not str else ([], {})
    if isinstance(dtype, dict):  # "2024-01-31 13:00" has a space like "1 234", but is a date
        dtype = {j: t for j, t in dtype.items() if j not in dates} or None

    def read(dates: list[int], lenient: bool):
        # numbers pandas can read itself come back as floats (in C); the rest stays text for the
        # rules above; missing-value words are NaN either way
        return pd.read_csv(io.StringIO(text) if whole else path, encoding=encoding, sep=delim, keep_default_na=False,
                           na_values=_NA_VALUES, skip_blank_lines=True, skipinitialspace=True, engine="c", dtype=dtype,
                           parse_dates=dates or False, date_format="ISO8601" if dates else None,
                           skiprows=0 if whole else skiprows(skip, units), index_col=False,
                           usecols=range(width) if lenient and width else None,
                           # rows ending in a delimiter, or a note with a comma in it (_overfull refuses the rest)
                           encoding_errors="replace")  # a stray byte past the sniffed head (a note's ©)

    width = tsrows.overfull(path, text, delim, skip + bool(units), whole)
    try:
        with warnings.catch_warnings():  # index_col=False drops empty trailing fields with a warning
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            try:
                frame = read(dates, whole)  # a file in memory was checked row by row
            except pd.errors.ParserError as err:  # a long file: lenient only past an empty or note row
                m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
                if whole or not m or not tsrows.benign(tsrows.file_line(path, encoding, int(m.group(2))), delim, width):
                    raise
                frame = read(dates, True)
        if dates and any(pd.api.types.is_datetime64_any_dtype(frame.dtypes.iloc[j]) and frame.iloc[:, j].isna().any()
                         for j in dates if j < frame.shape[1]):
            frame = read([], True)  # a missing time: the error names the cell as the file has it
    except pd.errors.EmptyDataError:
        raise UserError(f"{path}: empty CSV; expected a header line and one row per time step") from None
    except pd.errors.ParserError as err:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if m:
            line = int(m.group(2)) + (skip + bool(units) if whole else 0)  # pandas counts the skipped lines of a file it opens
            raise UserError(f"{path}, line {line}: {m.group(3)} fields but the header has {m.group(1)}") from None
        raise UserError(f"{path}: not a readable CSV: {err}") from None
    header = [str(h).strip() for h in frame.columns]
    # pandas names repeated or empty headers itself ("a.1", "Unnamed: 2"); the text says what they were
    first = next((ln for ln in text[:100_000].splitlines() if ln.strip()), "")
    try:
        raw = next(csv.reader([first], delimiter=delim))
        if len(raw) == len(header):
            header = [h.strip() for h in raw]
    except csv.Error:
        pass
    blank = frame.isna().all(axis=1) if frame.shape[0] and frame.shape[1] > 1 else None
    if blank is not None and bool(blank.any()):
        frame = frame.loc[~blank].reset_index(drop=True)
    rows = frame.shape[0]
    frame, totals = tsrows.without_totals(tsrows.without_notes(frame))
    frame = tsrows.without_notes(frame)  # a source note above the totals row
    notes = rows - frame.shape[0] - totals
    if frame.shape[0] == 0:
        raise UserError(f"{path}: no data rows after the header ({', '.join(header)}); expected one row per time step")
    frame, header, parts = tstimeparts.combine(frame, header)
    # 01.1980 is January 1980, not 1.198: read as dates, the text kept for errors and written times
    written = {j: frame.iloc[:, j].astype(str).str.strip() for j in range(frame.shape[1]) if month_dots(frame.iloc[:, j], header[j])}
    for j, cells in written.items():
        frame.isetitem(j, pd.to_datetime(cells, format="%m.%Y"))
    return Table(path, header, frame, delim, full if whole else None, encoding=encoding, skip=skip, notes=notes, totals=totals,
                 parts=parts, written=written, units=units, minutes={header[j]: f for j, f in minutes.items() if j < len(header)})


def skiprows(skip: int, units: str) -> Any:
    """The lines above the header, and the units row under it when there is one (`,(USD)`)."""
    return [*range(skip), skip + 1] if units else skip


_NA_VALUES = sorted({v for w in _MISSING for v in (w, w.upper(), w.title())} - {""}) + [""]


def numeric_columns(table: Table, skip: Optional[str]) -> list[str]:
    out = []
    for j, name in enumerate(table.header):
        if name == skip:
            continue
        parsed, bad = parse_column(table.cells(j), table.delimiter)
        if parsed.size and bad is None and not np.isnan(parsed).all():
            out.append(name)
    return out


def column_index(table: Table, name: str, key: str) -> int:
    header = table.header
    if name in header:
        return header.index(name)
    close = difflib.get_close_matches(name, header, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise UserError(f"{table.path}: no column {name!r} (task.{key}){hint}; columns are: {', '.join(header)}")


def pick_column(table: Table, time_column: Optional[str]) -> str:
    numeric = numeric_columns(table, time_column)
    # the row numbers pandas' to_csv and R's write.csv write first (0.. or 1..): not a series
    counted = [c for c in numeric if _row_numbers(table, c)]
    if counted and len(numeric) > len(counted):
        numeric = [c for c in numeric if c not in counted]
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        others = [c for c in table.header if c != time_column]
        if time_column is not None and len(others) == 1:
            if table.dates(table.header.index(others[0])) is not None:  # `-t deaths`: the values named as the time
                raise UserError(f"{table.path}: task.time_column = {time_column!r} names the column of values, and {others[0]!r} holds "
                                f"the times: -t {others[0]} (task.time_column = {others[0]!r}), or leave it unset to find it")
            values(table, others[0])  # the one value column: name its first cell that is not a number
        sep = next((c for c in ",;\t|" if len(table.header) == 1 and c in table.header[0]), None)
        if sep is not None:  # `--delimiter tab` on a comma file: one column named `date,deaths`
            raise UserError(f"{table.path}: one column {table.header[0]!r} when split on {table.delimiter!r}; the file's separator "
                            f"looks like {sep!r} (leave --delimiter / task.delimiter unset to detect it)")
        raise UserError(f"{table.path}: no numeric column found (columns: {', '.join(table.header)}); set task.column")
    # a year column is numeric too; without a time_column given, prefer the other one
    if time_column is None and len(numeric) == 2:
        years = [c for c in numeric if _looks_like_time(table, c)]
        if len(years) == 1:
            return next(c for c in numeric if c not in years)
    # the example names the column a forecaster most often means (a price's close, a value)
    pick = next((c for c in numeric if c.strip().lower() in ("close", "value", "y", "sales", "demand", "price")), numeric[0])
    others = ", ".join(repr(c) for c in numeric if c != pick)
    raise UserError(f"{table.path}: {len(numeric)} numeric columns ({', '.join(numeric)}); set task.column to one of them "
                    f"(rnnlab data -c {pick}, rnnlab train --set task.column={pick}); the others can be its "
                    f"inputs: task.covariates = [{others}]" + (_panel_hint(table, time_column) if time_column and panel_years(
                        parse_column(table.cells(table.header.index(time_column)))[0], time_column) else f"; or, if each column is a "
                    f"series of its own, one model over all {len(numeric)}: task.wide = true (rnnlab data --wide)" if len(numeric) > 2 else ""))


def _row_numbers(table: Table, name: str) -> bool:
    v = parse_column(table.cells(table.header.index(name)))[0]
    return v.size > 2 and v[0] in (0.0, 1.0) and bool(np.all(np.diff(v) == 1))


def _looks_like_time(table: Table, name: str) -> bool:
    v, bad = parse_column(table.cells(table.header.index(name)))
    if bad is not None or np.isnan(v).any():
        return False
    return v.size > 2 and bool(np.all(np.diff(v) > 0)) and name.strip().lower() in _TIME_NAMES


def find_time_column(table: Table, skip: Optional[str] = None, ordered: bool = True) -> Optional[str]:
    """The first column that parses as dates or as years (a column named like time, with
    increasing numbers, too), or None: what a forecaster means by the time column. Years in no
    order under a time's name are a UserError (timeorder.py): passed over, the rows were modelled
    in file order; with `ordered` False (a file joined by date: --covariates) they are its column."""
    repeating = named = unordered = None  # a long panel's years (every country 1952 .. 2007): unless a column holds dates
    for j, name in enumerate(table.header):
        if name == skip:
            continue
        cells = table.cells(j)
        v, bad = parse_column(cells)
        if bad is None:
            # years written newest first too (oldest_first flips the rows)
            if not np.isnan(v).any() and (_years(v) or _years(v[::-1]) or _year_steps(v[::-1] if v.size and v[0] > v[-1] else v, name)
                                          or _looks_like_time(table, name) or compact(v) is not None):
                return name
            if repeating is None and not np.isnan(v).any() and panel_years(v, name):
                repeating = name
            unordered = unordered or (unordered_years(table, name, v) and name)
            continue
        if _dates(cells.head(200)) is not None and table.dates(j) is not None:
            return name
        named = named or (name if name.strip().lower() in (*TIME_NAMES, "month", "week", "quarter", "ds") and _mostly_dates(cells) else None)
    if unordered and not (repeating or named):  # years in no order: refused, not passed over
        if not ordered:
            return unordered
        raise UserError(unordered_years(table, unordered, parse_column(table.cells(table.header.index(unordered)))[0]))
    return repeating or named  # dates under a time's name (Date) with a bad cell: times() names its line


def values(table: Table, column: str) -> np.ndarray:
    j = column_index(table, column, "column")
    out, bad = parse_column(table.cells(j), table.delimiter)
    if bad is not None:
        cell = str(table.frame.iloc[bad, j]).strip()
        raise UserError(
            f"{table.path}, line {table.line(bad)}: column {column!r} has {cell!r}, not {NUMBER_FORMS}; "
            "a missing value is an empty cell or NA"
        )
    return out


# ---------------------------------------------------------------- time


def times(table: Table, time_column: str, ordered: bool = True) -> tuple[Optional[Any], str]:
    """The timestamps of `time_column` as a pandas DatetimeIndex (kind "datetime", "year" or a form: "fiscal:{y}-{e}"),
    or (None, "index") for a column of increasing plain numbers; a UserError naming the line for anything else."""
    import pandas as pd

    j = column_index(table, time_column, "time_column")
    cells = table.cells(j)
    nums, bad = parse_column(cells)
    if bad is None and not np.isnan(nums).any():
        if ordered:
            _increasing(table, time_column, nums, cells)
        as_years = year_times(nums, time_column, ordered)
        if as_years is not None:
            return as_years, "year"
        if ordered and nums.min() < 1 and 1000 <= nums.max() < 3000 and year_named(time_column, strict=True) and np.all(nums == np.round(nums)):
            table.ancient = (f"years before year 1 in {time_column!r} ({nums[0]:.0f} .. {nums[-1]:.0f}) read as steps, "
                             "without dates (no calendar holds them); --future counts steps after the last row")
        table.two_digit = two_digit_years(nums, time_column)
        numbered = from_numbers(nums, time_column)  # a date's digits, Unix time, Excel serials
        return (numbered, "datetime") if numbered is not None else (None, steps_of(nums) if ordered else "index")
    idx = table.dates(j)
    if idx is None:
        k = next((k for k, c in enumerate(table.text_cells(j).tolist()) if _dates(_series([c])) is None), 0)
        raise UserError(
            f"{table.path}, line {table.line(k)}: column {time_column!r} has {table.text_cells(j).iloc[k].strip()!r}, not a date or time "
            f"{DATE_FORMS}"
        )
    # parsed as dates while reading, a column is ISO times (no financial years): not turned back into text
    table.fiscal = (not pd.api.types.is_datetime64_any_dtype(cells.dtype) and bool(FISCAL.match(str(cells.iloc[0]).strip()))
                    and _fiscal(table.text_cells(j)) is not None)
    table.utc = tsclock.zoned(cells)
    if ordered:
        moved = tsclock.standard_time(idx)  # a local clock across daylight-saving changes
        if moved is not None:
            idx, table.clock = moved, True
        _increasing(table, time_column, idx.as_unit("ns").asi8, cells)
    kind = "fiscal" if table.fiscal else "quarter" if not pd.api.types.is_datetime64_any_dtype(cells.dtype) and quarters(cells) else ""
    form = f"{kind}:{pattern(kind, str(cells.iloc[0]))}" if kind else (
        "datetime" if table.clock else format_of(idx, table.written.get(j, cells), WRITTEN))
    if form == "datetime" and not table.clock and time_column in table.minutes:  # 1990-12-12 08:40, not 08:40:00
        form = minutes_form(idx, table.minutes[time_column])
    # times read in UTC from offsets are written back marked so (2013-04-01T04:00:00Z): naive, pandas
    # would not compare the forecast's times with the file's (an outside trial)
    return idx, ("format:%Y-%m-%dT%H:%M:%SZ" if table.utc and form == "datetime" and not (idx == idx.normalize()).all() else form)


def oldest_first(table: Table, time_column: Optional[str]) -> None:
    """Flip `table` when its times decrease throughout (an export written newest first)."""
    if time_column is None:
        return
    j = column_index(table, time_column, "time_column")
    nums, bad = parse_column(table.cells(j))
    if bad is None and not np.isnan(nums).any():
        seq = nums
    else:
        idx = table.dates(j)
        if idx is None:
            return
        seq = idx.as_unit("ns").asi8
    d = np.diff(seq)
    if len(seq) > 2 and bool(np.all(d <= 0)) and bool(np.any(d < 0)):  # a repeated time is named after the flip
        table.flip()
