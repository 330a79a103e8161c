"""Reading a real-world CSV into one numeric column and its time column (stdlib csv + numpy).

What spreadsheets and national statistics offices actually export:

    delimiter    , ; tab |  (detected, or `task.delimiter`)
    numbers      1234.5   1,234.5   1.234,5   1234,5   12%   1 234   (-3)  NA  n/a  (empty)
    time column  ISO dates and times, 2024-01, 2024/01/31, 31.01.2024, 1959Q1,
                 years (1700, 1700.0, decimal years 1749.042), or any increasing integers

The decimal mark is decided per column (a comma is a decimal comma in ;-separated files and when
no cell of the column reads as thousands groups), so `1,100` is eleven hundred in a comma file
whose cells are quoted, and 1.1 in a semicolon file. Every cell that still is not a number is a
UserError naming the file, line and column.

csv.Sniffer is not used for the delimiter: it guesses from character frequencies and picks the
comma in `date;value` files with decimal commas. Parsing the first lines with each candidate and
keeping the one that gives the same number (>= 2) of fields on every line is what it should do.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import numpy as np

from rnnlab.errors import UserError

_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "--", "?", "#n/a", "missing"}
_DELIMITERS = (",", ";", "\t", "|")
_SPACES = ("\u00a0", "\u202f", " ", "'", "\u2019")
_GROUPS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_GROUPS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
_DEC_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_TIME_FORMATS = ("%Y-%m", "%Y/%m/%d", "%Y/%m", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%Y%m%d")
NUMBER_FORMS = "a number (1234.5, 1,234.5, 1.234,5, 1234,5 or 12%)"


@dataclass
class Table:
    """The cells of a CSV: header, rows with their line numbers, and the delimiter used."""

    path: Path
    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str


def _parse(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader]


def detect_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (>= 2) of fields, most
    fields first; a comma when none does (a one-column file)."""
    head = "\n".join(text.splitlines()[:50])
    best, best_n = ",", 1
    for d in _DELIMITERS:
        try:
            counts = {len(r) for _, r in _parse(head, d) if any(c.strip() for c in r)}
        except csv.Error:
            continue
        if len(counts) == 1:
            n = counts.pop()
            if n > best_n:
                best, best_n = d, n
    return best


def read_table(path: Path, delimiter: Optional[str] = None) -> Table:
    """The header and non-blank rows of `path`, or a UserError saying what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file (task.source); expected a CSV file or 'builtin:synthetic'") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory (task.source); expected a CSV file") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text (task.source); expected a CSV file") from None
    if delimiter is not None and (len(delimiter) != 1 or delimiter in "\"\r\n"):
        raise UserError(f"task.delimiter = {delimiter!r}: expected one character such as ',', ';' or '\\t'")
    delim = delimiter or detect_delimiter(text)
    try:
        lines = _parse(text, delim)
    except csv.Error as err:
        raise UserError(f"{path}: not a readable CSV: {err}") from None
    lines = [(n, r) for n, r in lines if any(c.strip() for c in r)]
    if not lines:
        raise UserError(f"{path}: empty CSV; expected a header line and one row per time step")
    header = [h.strip() for h in lines[0][1]]
    rows = lines[1:]
    if not rows:
        raise UserError(f"{path}: no data rows after the header ({', '.join(header)}); expected one row per time step")
    return Table(path, header, rows, delim)


# ---------------------------------------------------------------- numbers


def _clean(cell: str) -> tuple[str, bool]:
    """The cell without spaces and thousands apostrophes, and whether it was negative in
    accountants' brackets or had a percent sign."""
    s = cell.strip()
    for ch in _SPACES:
        s = s.replace(ch, "")
    if s.endswith("%"):
        s = s[:-1]
    neg = s.startswith("(") and s.endswith(")")
    if neg:
        s = s[1:-1]
    return s, neg


def decimal_mark(cells: list[str], delimiter: str) -> str:
    """"," when the column writes decimals with a comma, "." otherwise."""
    comma_groups = dot_groups = dec_comma = 0
    for cell in cells:
        s, _ = _clean(cell)
        if "," in s and "." in s:
            # both: whichever comes last is the decimal mark
            return "," if s.rfind(",") > s.rfind(".") else "."
        if _GROUPS_COMMA.match(s):
            comma_groups += 1
        elif _DEC_COMMA.match(s):
            dec_comma += 1
        elif _GROUPS_DOT.match(s) and s.count(".") > 1:
            dot_groups += 1
    if dot_groups:
        return ","
    if dec_comma:
        return ","
    if comma_groups:
        # `1,100` alone is ambiguous: a ;-separated file is a decimal-comma export
        return "," if delimiter in (";", "\t") else "."
    return "."


def parse_number(cell: str, mark: str = ".") -> Optional[float]:
    """float, NaN for a missing cell, None when it is not a number written any usual way."""
    if cell.strip().lower() in _MISSING:
        return float("nan")
    s, neg = _clean(cell)
    if mark == ",":
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    try:
        v = float(s)
    except ValueError:
        return None
    if math.isinf(v):
        return None
    return -v if neg else v


def numeric_columns(table: Table, skip: Optional[str]) -> list[str]:
    out = []
    for j, name in enumerate(table.header):
        if name == skip:
            continue
        cells = [r[j] for _, r in table.rows if j < len(r)]
        mark = decimal_mark(cells, table.delimiter)
        parsed = [parse_number(c, mark) for c in cells]
        if parsed and all(p is not None for p in parsed) and any(p == p for p in parsed):
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
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise UserError(f"{table.path}: no numeric column found (columns: {', '.join(table.header)}); set task.column")
    # a year column is numeric too; without a time_column given, prefer the other one
    if time_column is None and len(numeric) == 2:
        years = [c for c in numeric if _looks_like_time(table, c)]
        if len(years) == 1:
            return next(c for c in numeric if c not in years)
    raise UserError(f"{table.path}: {len(numeric)} numeric columns ({', '.join(numeric)}); set task.column to one of them")


def _looks_like_time(table: Table, name: str) -> bool:
    j = table.header.index(name)
    try:
        v = np.array([float(r[j]) for _, r in table.rows], dtype=np.float64)
    except ValueError:
        return False
    return v.size > 2 and bool(np.all(np.diff(v) > 0)) and name.strip().lower() in ("year", "yr", "time", "t", "index", "date", "period")


def values(table: Table, column: str) -> np.ndarray:
    j = column_index(table, column, "column")
    cells = [r[j] if j < len(r) else "" for _, r in table.rows]
    mark = decimal_mark(cells, table.delimiter)
    out = np.empty(len(cells), dtype=np.float64)
    for k, ((line, row), cell) in enumerate(zip(table.rows, cells)):
        if len(row) != len(table.header):
            raise UserError(f"{table.path}, line {line}: {len(row)} fields but the header has {len(table.header)}")
        v = parse_number(cell, mark)
        if v is None:
            raise UserError(
                f"{table.path}, line {line}: column {column!r} has {cell.strip()!r}, not {NUMBER_FORMS}; "
                "a missing value is an empty cell or NA"
            )
        out[k] = v
    return out


# ---------------------------------------------------------------- time


def _from_year(y: float) -> datetime:
    year = int(math.floor(y))
    start = datetime(year, 1, 1)
    frac = y - year
    if frac <= 1e-9:
        return start
    length = (datetime(year + 1, 1, 1) - start).total_seconds()
    return start + timedelta(seconds=round(frac * length))


def _month_of(y: float) -> datetime:
    year = int(math.floor(y + 1e-9))
    month = min(12, int(math.floor((y - year) * 12 + 0.01)) + 1)
    return datetime(year, month, 1)


def parse_stamp(cell: str) -> Optional[datetime]:
    s = cell.strip()
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        pass
    m = _QUARTER.match(s)
    if m:
        return datetime(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    return None


def times(table: Table, time_column: str) -> tuple[Optional[list[datetime]], str]:
    """The timestamps of `time_column` (kind "datetime" or "year"), or (None, "index") for a column
    of increasing plain numbers; a UserError naming the line for anything else."""
    j = column_index(table, time_column, "time_column")
    cells = [r[j].strip() if j < len(r) else "" for _, r in table.rows]
    nums = [parse_number(c) for c in cells]
    if all(v is not None and v == v for v in nums):
        arr = np.asarray(nums, dtype=np.float64)
        _increasing(table, time_column, arr.tolist(), cells)
        # years: 1000..2999, yearly steps or finer fractions of a year (1749.042 = Jan 1749)
        if arr.min() >= 1000 and arr.max() < 3000 and np.median(np.diff(arr)) <= 1.0 + 1e-9:
            step = float(np.median(np.diff(arr)))
            if abs(step * 12 - round(step * 12)) < 0.02 and round(step * 12) in (1, 3):
                # decimal years of monthly or quarterly data (1749.042 = mid-January 1749): snap
                # to each month's first day, so the calendar sees whole months
                return [_month_of(v) for v in arr], "year"
            return [_from_year(v) for v in arr], "year"
        return None, "index"
    stamps: list[datetime] = []
    for (line, _), cell in zip(table.rows, cells):
        stamp = parse_stamp(cell)
        if stamp is None:
            raise UserError(
                f"{table.path}, line {line}: column {time_column!r} has {cell!r}, not a date or time "
                "(e.g. 2024-01-31, 2024-01-31T13:00, 2024-01, 1959Q1) nor a year or step number"
            )
        if stamp.tzinfo is not None:
            stamp = stamp.replace(tzinfo=None) - (stamp.utcoffset() or timedelta(0))
        stamps.append(stamp)
    _increasing(table, time_column, stamps, cells)
    return stamps, "datetime"


def _increasing(table: Table, name: str, seq: list, cells: list[str]) -> None:
    for k in range(1, len(seq)):
        if not seq[k] > seq[k - 1]:
            line = table.rows[k][0]
            raise UserError(
                f"{table.path}, line {line}: time {cells[k]} in column {name!r} is not after the previous "
                "row's; rows must be in increasing time order"
            )
