"""A time column's cells as timestamps: every form a spreadsheet, a statistics office or R writes.

    ISO          2024-01-31, 2024-01-31T13:00, 2024-01-31 13:00:00, 2024-01, 2024-01-31T13:00Z, +01:00
    slashes      2024/01/31, 01/31/2024 (US), 31/01/2024 (Europe), 31.01.2024, 20240131, 01/2024
    month dots   01.2024 (a German export's month, not the number 1.2024: month_dots, read.py)
    month names  1960 Jan, Jan 1960, 1960 January, 1960M01, Jan-60, 31-Jan-1960, 31 Jan 1960
    quarters     1959Q1, 1959 Q1, 1959-Q1, Q1 1959, Q1-1959
    ISO weeks    1991 W06, 1991-W06 (the week's Monday)
    fiscal years 2019-20, 2019/20, 2019-2020, FY2019 (yearly, each the year it is labelled by first)
    numbers      years (1700, decimal years 1749.042), digits of a date (20240131, 2024013113),
                 Unix seconds or milliseconds in a column
                 named like time (timestamp, epoch, time, ...), Excel's day serials (43831) in one
                 named date

Day-first and month-first dates (01/02/2024) are told apart by the whole column: the order whose
times increase (either way, oldest or newest first) and step most regularly wins, as a forecaster
reading the file would decide. pandas parses (one format per column, in C); pandas is imported on
first use.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any, Optional

import numpy as np

from rnnlab.tasks.timeseries.numbers import _numeric
from rnnlab.tasks.timeseries.timeforms import FISCAL, QUARTER, QUARTER_FIRST as _QUARTER_FIRST

_WEEK = re.compile(r"^(\d{4})\s*-?\s*W(\d{1,2})$", re.IGNORECASE)
ISO = re.compile(r"^\d{4}-\d{2}(-\d{2})?([T ]|$)")
# month names as R's tsibble (1960 Jan), spreadsheets (Jan 1960, Jan-60, 31-Jan-1960) and
# statistics offices (1960M01) write them
_TIME_FORMATS = ("%Y-%m", "%Y/%m/%d", "%Y/%m", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%Y%m%d",
                 "%Y %b", "%b %Y", "%Y %B", "%B %Y", "%b-%Y", "%Y-%b", "%YM%m", "%Y M%m",
                 "%d-%b-%Y", "%d %b %Y", "%d-%b-%y", "%b-%y", "%b %y", "%m/%Y")
# written either way round: the column decides (see the docstring)
_EITHER_WAY = (("%m/%d/%Y", "%d/%m/%Y"), ("%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M"), ("%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S"),
               ("%m-%d-%Y", "%d-%m-%Y"), ("%m/%d/%y", "%d/%m/%y"))
# the forms a column's times are written back in (timeforms.format_of): all but digits (20240131)
WRITTEN = tuple(f for f in (*_TIME_FORMATS, *(f for pair in _EITHER_WAY for f in pair)) if f != "%Y%m%d") + ("%m.%Y", "%G W%V", "%G-W%V")
WRITTEN += tuple(f.replace("%m", "%-m").replace("%d", "%-d") for f in WRITTEN if "%m/" in f or "%d/" in f or "%d." in f or "%m-%d" in f or "%d-%m" in f)  # 5/1/1973
TIME_NAMES = ("year", "yr", "time", "t", "index", "date", "period", "timestamp", "epoch", "unix", "unix_time", "ts", "datetime",
              "day")
DATE_FORMS = "(e.g. 2024-01-31, 2024-01-31T13:00, 01/31/2024, 2024-01, 2024 Jan, 1959Q1, 1991 W06) nor a year or step number"
# Unix time in seconds (1973..2103) or milliseconds: a step-number column never starts this high
_EPOCH = ((1e8, 4.3e9, "s"), (1e11, 4.3e12, "ms"))
_EXCEL_NAMES = ("date", "datetime", "day", "time", "timestamp")
# months written month first with a dot (German and Austrian exports: 01.1980), which a number
# reader takes for 1.198; two-digit months only, as no decimal number writes its leading zero
MONTH_DOT = re.compile(r"^(0[1-9]|1[0-2])\.(\d{4})$")
_MONTH_WORDS = ("month", "monat", "mois", "mes", "maand")


def from_year(y: float) -> datetime:
    year = int(math.floor(y))
    start = datetime(year, 1, 1)
    frac = y - year
    if frac <= 1e-9:
        return start
    length = (datetime(year + 1, 1, 1) - start).total_seconds()
    return start + timedelta(seconds=round(frac * length))


def month_of(y: float) -> datetime:
    year = int(math.floor(y + 1e-9))
    month = min(12, int(math.floor((y - year) * 12 + 0.01)) + 1)
    return datetime(year, month, 1)


def years(v: np.ndarray) -> bool:
    """Whole years 1000..2999, strictly increasing: a year column, not a measurement."""
    return (v.size > 2 and bool(np.all(v == np.round(v))) and v.min() >= 1000 and v.max() < 3000
            and bool(np.all(np.diff(v) > 0)) and float(np.median(np.diff(v))) <= 1.0 + 1e-9)


def year_named(name: str, strict: bool = False) -> bool:
    """A column name that says years: Year, year_start, yr, census; date and period too unless
    `strict` (a `period` counting 1 .. 1500 is a step number, not years 1 .. 1500)."""
    key = name.strip().lower()
    return "year" in key or "census" in key or key == "yr" or (not strict and key in ("date", "period"))


def year_steps(v: np.ndarray, name: str) -> bool:
    """Whole years 1000..2999 in a column named like years, 2 to 10 years apart (the greatest
    common step), with no more holes than rows: the Olympics' 1896, 1900 ..., a census' 1790,
    1800 ...; a step counter `t` = 1000, 1010 ... stays a step index."""
    if not year_named(name):
        return False
    if v.size < 3 or not np.all(v == np.round(v)) or v.min() < 1000 or v.max() >= 3000:
        return False
    d = np.diff(v).astype(np.int64)
    if np.any(d <= 0):
        return False
    k = int(np.gcd.reduce(d))
    return 2 <= k <= 10 and int(np.sum(d // k - 1)) <= v.size


def panel_years(v: np.ndarray, name: str) -> bool:
    """Years that repeat in a column named like years (a long panel's, 1952 .. 2007 for every
    country): the time column, which reading it as one series then names the id column for."""
    u = np.unique(v)
    return u.size < v.size and year_named(name) and (years(u) or year_steps(u, name))


def year_times(nums: np.ndarray, name: str, ordered: bool = True) -> Any:
    """Numbers of the time column `name` as years (a DatetimeIndex), or None: 1000..2999 in
    yearly steps or finer fractions of a year (1749.042 = January 1749); in a column named like
    years from year 1 (a tree-ring or a chronicle's series, 600 .. 1979) or 2 to 10 years apart
    (`year_steps`). Not `ordered` (a long panel's, series after series): by the distinct ones."""
    import pandas as pd

    if not ordered:
        u = np.unique(nums)
        if u.size > 2 and (years(u) or year_steps(u, name)):
            return pd.DatetimeIndex([from_year(v) for v in nums])
    early = nums.min() >= 1 and nums.max() >= 1000 and year_named(name, strict=True)
    if (nums.min() >= 1000 or early) and nums.max() < 3000 and np.median(np.diff(nums)) <= 1.0 + 1e-9:
        step = float(np.median(np.diff(nums)))
        if abs(step * 12 - round(step * 12)) < 0.02 and round(step * 12) in (1, 3):
            # decimal years of monthly or quarterly data: each month's first day, so the
            # calendar sees whole months
            return pd.DatetimeIndex([month_of(v) for v in nums])
        return pd.DatetimeIndex([from_year(v) for v in nums])
    if year_steps(nums, name):  # every 4 years (Olympics), every 10 (a census)
        return pd.DatetimeIndex([from_year(v) for v in nums])
    return None


def two_digit_years(nums: np.ndarray, name: str) -> str:
    """The card's note when the numbers of a column named like years are two-digit years (raw plm
    Cigar's 63 .. 92): read as step numbers, as before (the century is the file's to say), with how
    to get dates; "" when not so. The century shown is the one that puts them in the past."""
    u = np.unique(nums)
    if not year_named(name, strict=True) or u.size < 3 or u.min() < 0 or u.max() > 99 or not np.all(u == np.round(u)):
        return ""
    century = 2000 if 2000 + u.max() <= datetime.now().year else 1900
    if not years(u + century):
        return ""
    return (f"{name!r} holds {u.min():.0f} .. {u.max():.0f}, two-digit years? read as steps, without dates; write four-digit "
            f"years ({u.min() + century:.0f} .. {u.max() + century:.0f}) to read them as yearly")


def month_dots(cells, name: str) -> bool:
    """Whether text `cells` of column `name` are months as `01.1980` writes them, not decimal
    numbers: every cell so, in years 1700 .. 2199, and either the months in order (oldest or newest
    first) or the column named like time or months (Monat). Measurements with four decimals
    (05.1234) fail the years; ones in 1700 .. 2199 fail the order."""
    import pandas as pd

    if _numeric(cells) or pd.api.types.is_datetime64_any_dtype(cells.dtype) or len(cells) < 3:
        return False
    cells = cells.fillna("").astype(str)
    if not cells.head(50).str.strip().str.match(MONTH_DOT).all():  # the first cells before the whole column
        return False
    got = cells.str.strip().str.extract(MONTH_DOT)
    if got.isna().any(axis=None):
        return False
    years, months = got[1].astype(int).to_numpy(), got[0].astype(int).to_numpy()
    if years.min() < 1700 or years.max() > 2199:
        return False
    d = np.diff(years * 12 + months)
    key = name.strip().lower()
    return bool(np.all(d > 0) or np.all(d < 0)) or key in TIME_NAMES or any(key.startswith(w) for w in _MONTH_WORDS)  # not `times`


def from_numbers(nums: np.ndarray, name: str) -> Any:
    """Numbers that write a date's digits (`compact`, under any name), or, in a column named
    like time, numbers that count from an epoch: Unix seconds or milliseconds
    since 1970 (whole numbers), or Excel's day serials (43831 = 2020-01-01, a fraction the time of
    day) under a date-like name, as a spreadsheet saves unformatted dates. Their times (a
    DatetimeIndex), else None."""
    import pandas as pd

    key = name.strip().lower()
    got = compact(nums) if nums.size else None
    if got is not None or not nums.size or key not in TIME_NAMES:
        return got
    if key in _EXCEL_NAMES and nums.min() >= 20000 and nums.max() < 80000:  # 1954 .. 2119
        return pd.DatetimeIndex(pd.Timestamp("1899-12-30") + pd.to_timedelta(np.round(nums * 86400), unit="s"))
    if not np.all(nums == np.round(nums)):
        return None
    for low, high, unit in _EPOCH:
        if nums.min() >= low and nums.max() < high:
            return pd.DatetimeIndex(pd.to_datetime(nums.astype(np.int64), unit=unit))
    return None


def compact(nums: np.ndarray) -> Any:
    """Whole numbers written as digits of a date: 20240131, 2024013113 (DWD's hourly files),
    202401311300, 20240131130000; every one a valid date in 1000..2999, else None."""
    import pandas as pd

    if not np.all(nums == np.round(nums)) or nums.min() < 1e7:
        return None
    digits = len(str(int(nums.max())))
    fmt = {8: "%Y%m%d", 10: "%Y%m%d%H", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}.get(digits)
    if fmt is None or len(str(int(nums.min()))) != digits:
        return None
    text = pd.Series(nums.astype(np.int64).astype(str))
    got = pd.to_datetime(text, format=fmt, errors="coerce")
    return pd.DatetimeIndex(got) if got.notna().all() and 1000 <= got.min().year and got.max().year < 3000 else None


def parse_stamp(cell: str) -> Optional[datetime]:
    """One cell as a timestamp (UTC, naive, for zoned times), or None."""
    got = dates(series([cell]))
    return None if got is None else got[0].to_pydatetime()


def series(cells: list[str]):
    import pandas as pd

    return pd.Series(cells, dtype=object)


def _naive(idx):
    return idx.tz_convert("UTC").tz_localize(None) if idx.tz is not None else idx


def _with(cells, fmt: str) -> Any:
    """`cells` parsed with one format: a DatetimeIndex, or None when any cell does not parse."""
    import pandas as pd

    try:
        got = pd.to_datetime(cells, format=fmt, errors="coerce")
    except (ValueError, TypeError):
        try:  # mixed UTC offsets
            got = pd.to_datetime(cells, format=fmt, errors="coerce", utc=True)
        except (ValueError, TypeError):
            return None
    if got.isna().any() and got.notna().any():  # trailing spaces: the slow way, once
        got = pd.to_datetime(cells.str.strip(), format=fmt, errors="coerce", utc=getattr(got.dt, "tz", None) is not None)
    return _naive(pd.DatetimeIndex(got)) if got.notna().all() else None


def _order_score(idx) -> tuple[int, float]:
    """(monotonic, regular): whether the times increase (or decrease) throughout, and minus how
    many rows a grid at the typical step would need per row there is: the reading with the
    fewest holes scores highest (01/02 as 1 February in a monthly file, not a dozen days)."""
    d = np.abs(np.diff(idx.asi8))
    if not d.size:
        return 0, 0.0
    mono = int(bool(np.all(np.diff(idx.asi8) > 0) or np.all(np.diff(idx.asi8) < 0)))
    step = float(np.median(d))
    # months of 28 to 31 days step "more than evenly": no holes either way (a tie, to the first)
    return mono, -(max(1.0, round(float(d.sum()) / step / d.size, 2)) if step > 0 else np.inf)


def _century(idx, fmt: str):
    """Two-digit years (Jan-49) as the past: strptime reads 00-68 as 20xx, so a year more than
    two years ahead, which no observed series reaches, is a century earlier (1949, not 2049)."""
    import pandas as pd

    if "%y" not in fmt:
        return idx
    limit = pd.Timestamp.now() + pd.DateOffset(years=2)
    ahead = idx > limit
    return idx.where(~ahead, idx - pd.DateOffset(years=100)) if ahead.any() else idx


def fiscal(cells, head=None) -> Any:
    """Financial years (2019-20, 2019/2020, FY2019) as yearly times, each on 1 January of the
    year written first, or None. Checked before ISO months: 2000-01, 2001-02 ... are financial
    years (each ends the year after it starts), never months."""
    import pandas as pd

    head = cells.head(50).str.strip() if head is None else head
    if not head.str.match(FISCAL).all():
        return None

    def years(column):  # the first years, or None where a second year does not follow its first
        got = column.str.strip().str.extract(FISCAL)
        if got.isna().all(axis=1).any():
            return None
        first = got[0].fillna(got[2]).astype(int)
        ends = got[1].dropna()
        width = ends.str.len()
        then = first[ends.index] + 1
        ok = ((width == 2) & (ends.astype(int) == then % 100) | (width == 4) & (ends.astype(int) == then)).all()
        return first if ok else None

    # the first cells decide first: ISO months (1950-01) end here, not after the whole column
    if years(head) is None or (first := years(cells)) is None:
        return None
    return pd.DatetimeIndex(pd.to_datetime({"year": first, "month": 1, "day": 1}))


def quarters(cells) -> bool:
    """Whether text cells write quarters as quarters (1959Q1, Q1 1959): the form output keeps."""
    head = cells.head(50).fillna("").astype(str).str.strip()  # the first cells before the whole column
    forms = [p for p in (QUARTER, _QUARTER_FIRST) if len(head) and bool(head.str.match(p).all())]
    return any(bool(cells.fillna("").astype(str).str.strip().str.match(p).all()) for p in forms)


def mostly_dates(cells) -> bool:
    """Whether 9 in 10 of a column's first 50 cells are each a date in a form understood (so a
    column that fails as a whole has a few bad cells, not another meaning: Mon, Tue; morning)."""
    head = cells.head(50)
    good = sum(1 for c in head.tolist() if _dates(series([c])) is not None)
    return len(head) > 0 and good >= 0.9 * len(head)


def dates(cells) -> Any:
    """A pandas DatetimeIndex (naive, UTC for zoned times) when every cell parses in one of the
    forms understood, else None; a UserError for dates before 1678, which pandas' nanosecond
    times (and so the frequency, the gaps and the calendar features) cannot hold."""
    idx = _dates(cells)
    if idx is not None and len(idx) and idx.min().year < 1678:
        from rnnlab.errors import UserError

        raise UserError(f"column {cells.name!r}: dates before 1678 ({idx.min().date()}) cannot be read as dates; write "
                        "the years as numbers (a year column: 950, 951 …), which reads as yearly, or number the rows")
    return idx


def _dates(cells) -> Any:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(cells.dtype):  # parsed while reading (read_table)
        if not len(cells) or cells.isna().any():
            return None
        return _naive(pd.DatetimeIndex(cells))
    if not len(cells) or _numeric(cells):
        return None
    cells = cells.fillna("").astype(str)
    head = cells.head(50).str.strip()
    for pattern, year, quarter in ((QUARTER, 0, 1), (_QUARTER_FIRST, 1, 0)):
        if head.str.match(pattern).all() and cells.str.strip().str.match(pattern).all():
            q = cells.str.strip().str.extract(pattern)
            # 1959Q1 is the quarter's first day; the frequency keeps it a quarter when printed
            return pd.DatetimeIndex(pd.to_datetime({"year": q[year].astype(int), "month": 3 * q[quarter].astype(int) - 2,
                                                    "day": 1}))
    years = fiscal(cells, head)
    if years is not None:
        return years
    if head.str.match(_WEEK).all() and cells.str.strip().str.match(_WEEK).all():
        w = cells.str.strip().str.extract(_WEEK)
        # ISO weeks (tsibble's 1991 W06): the week's Monday
        got = pd.to_datetime(w[0] + " " + w[1] + " 1", format="%G %V %u", errors="coerce")
        return pd.DatetimeIndex(got) if got.notna().all() else None
    # each form is tried on the first cells before the whole column (300,000 cells a form)
    for fmt in ("ISO8601", *_TIME_FORMATS):
        if fmt == "ISO8601" and not head.str.match(ISO).all() or _with(head, fmt) is None:
            continue
        got = _with(cells, fmt)
        if got is not None:
            return _century(got, fmt)
    sample = cells.iloc[:: max(1, len(cells) // 2000)]  # a 13th day or month anywhere rules a reading out
    for pair in _EITHER_WAY:
        readings = [_century(got, fmt) for fmt in pair if _with(head, fmt) is not None and _with(sample, fmt) is not None
                    for got in [_with(cells, fmt)] if got is not None]
        if readings:
            return max(readings, key=_order_score)  # month-first on a tie (the first)
    return None
