"""How a file wrote its times when not as dates, and a time written back the same way.

A time column is read into timestamps (timecells.py); a forecast's times past the end, a
backtest's origins and the card's span are written back as the file wrote them, so that a
forecaster can paste the rows beside their own:

    years            1971                     form "year"
    quarters         2009Q3, 1956 Q1, Q1 1970 form "quarter:{y}Q{q}", "quarter:{y} Q{q}", "quarter:Q{q} {y}"
    financial years  2019-20, 2019/2020, FY2019
                                              form "fiscal:{y}-{e}", "fiscal:{y}/{E}", "fiscal:FY{y}"
    other dates      2019 Sep, Jan-49, 1969-01, 01/31/2024, 31.01.2024 13:00
                                              form "format:%Y %b", ... (a strftime format)
    step numbers     63, 64 .. 92 (two-digit years), t = 1 .. 100, 0, 5, 10 ...
                                              form "steps:63:1" (the first row's number, the step)

A form is the kind, a colon and the template of the column's first cell ({y} the year, {q} the
quarter, {e} and {E} the financial year's end as 2 or 4 digits), or "format:" and the strftime
format that writes the column's first cells back exactly. ISO dates (2024-01-31, 2024-01-31T13:00:00)
have the form "": they are written as ISO 8601, as before; ISO times to the minute (2024-01-31 13:00,
2024-01-31T13:00) are written so, with their separator ("format:%Y-%m-%d %H:%M", minutes_form).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional, Sequence

QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
QUARTER_FIRST = re.compile(r"^Q([1-4])\s*[-/ ]?\s*(\d{4})$", re.IGNORECASE)
# a financial year as statistics offices write it (2019-20: July 2019 to June 2020)
FISCAL = re.compile(r"^(?:FY\s*)?(\d{4})\s*[-/\u2013]\s*(\d{2}|\d{4})$|^FY\s*(\d{4})$", re.IGNORECASE)
KINDS = ("year", "quarter", "fiscal", "format", "steps", "next")


def _template(cell: str, match: re.Match, fields: dict[int, str]) -> str:
    """`cell` with each matched group named in `fields` replaced by its placeholder."""
    out, at = [], 0
    for g in sorted(fields, key=match.start):
        if match.group(g) is None:
            continue
        out += [cell[at:match.start(g)].replace("{", "{{").replace("}", "}}"), fields[g]]
        at = match.end(g)
    return "".join(out) + cell[at:]


def pattern(kind: str, cell: str) -> str:
    """The template `cell` (a quarter or a financial year) is written in, "" when it is neither."""
    cell = str(cell).strip()
    if kind == "quarter":
        m = QUARTER.match(cell)
        if m:
            return _template(cell, m, {1: "{y}", 2: "{q}"})
        m = QUARTER_FIRST.match(cell)
        return _template(cell, m, {1: "{q}", 2: "{y}"}) if m else ""
    if kind == "fiscal":
        m = FISCAL.match(cell)
        if not m:
            return ""
        end = "{E}" if m.group(2) is not None and len(m.group(2)) == 4 else "{e}"
        return _template(cell, m, {1: "{y}", 2: end, 3: "{y}"})
    return ""


def format_of(stamps, cells, formats: Sequence[str]) -> str:
    """"format:FMT" when the first and the last (up to 50) `cells` (a pandas Series of the column)
    are `stamps` (a DatetimeIndex) written by strftime with FMT, the first of `formats` (the
    reader's text forms) that does so exactly, else "datetime". A form is only taken when it gives
    the file's own cells back, character for character, so a cell it cannot write (1/31/2024
    without its zero) leaves the times ISO."""
    n = min(50, len(cells), len(stamps))
    if not n or getattr(cells.dtype, "kind", "") == "M":  # parsed while reading: ISO cells
        return "datetime"
    # the first cells and the last: a column that changes its form on the way is left ISO
    head, tail = (list(part.fillna("").astype(str).str.strip()) for part in (cells[:n], cells[len(cells) - n:]))
    for fmt in formats:
        if _strftime(stamps[:n], fmt) == head and _strftime(stamps[len(stamps) - n:], fmt) == tail:
            return "format:" + fmt
    return "datetime"


def minutes_form(stamps, fmt: str) -> str:
    """"format:FMT" for a column whose cells are ISO times to the minute (`fmt` as the reader saw
    them: columnkinds.iso_columns), when every stamp is on a whole minute and not all are at
    midnight (daily data stays dates, as daily UTC times do); else "datetime" (ISO with seconds)."""
    if not len(stamps) or not (stamps == stamps.floor("min")).all() or (stamps == stamps.normalize()).all():
        return "datetime"
    return "format:" + fmt


def _strftime(stamps, fmt: str) -> list[str]:
    """`stamps` written with `fmt`, where %-m and %-d are the month and day without a leading zero
    (Excel's 5/1/1973; not every platform's strftime knows them)."""
    if "%-" not in fmt:
        return list(stamps.strftime(fmt))
    out = stamps.strftime(fmt.replace("%-m", "\x01").replace("%-d", "\x02"))
    return [s.replace("\x01", str(m)).replace("\x02", str(d)) for s, m, d in zip(out, stamps.month, stamps.day)]


def steps_of(nums) -> str:
    """"steps:FIRST:STEP" for a time column of whole numbers a constant step apart (a row's number
    is FIRST + STEP·row, so the future continues them: 93 after 92, 101 after 100); "next:LAST:STEP:N"
    for increasing whole numbers at irregular steps (N rows); else "index" (rows counted)."""
    import numpy as np

    v = np.asarray(nums, dtype=np.float64)
    d = np.diff(v)
    if v.size < 2 or not np.all(np.isfinite(v)) or not np.all(v == np.round(v)) or not np.all(d > 0):
        return "index"
    if np.all(d == d[0]):
        return f"steps:{int(v[0])}:{int(d[0])}"
    # a number skipped here and there (t = 1 .. 49, 51 .. 100): the future goes on from the last by
    # the usual step, never repeating one of the file's numbers; rows inside are not numbered
    return f"next:{int(v[-1])}:{int(np.median(d))}:{v.size}"


def step_number(form: str, row: int) -> int:
    """The number a file's step column gives row `row` (0 = the first row), or `row` itself."""
    kind, _, rest = form.partition(":")
    if kind == "next":  # irregular numbers: rows from the last one on
        last, step, n = (int(x) for x in rest.split(":"))
        return last + step * (row - n + 1) if row >= n - 1 else row
    if kind != "steps":
        return row
    first, _, step = rest.partition(":")
    return int(first) + int(step) * row


def form_of(kind: Optional[str]) -> str:
    """Frequency.form from a time column's kind (read.times: "year", "quarter:{y}Q{q}", ...): its
    years, quarters and financial years are written back; dates and step numbers get ""."""
    return kind if kind and kind.partition(":")[0] in KINDS else ""


def kind_of(form: str) -> Optional[str]:
    """"year", "quarter", "fiscal", "format" or "steps" (data --json's time_form), None for ISO dates."""
    return form.partition(":")[0] or None


def written(stamp: datetime, form: str, months: int) -> Optional[str]:
    """`stamp` in `form` (`months` the frequency's step in calendar months), or None when the
    form does not hold it (a date off the form's grid, or no form): then it is written as a date."""
    kind, _, template = form.partition(":")
    if kind == "format" and template:
        return stamp.strftime(template.replace("%-m", str(stamp.month)).replace("%-d", str(stamp.day)))
    if stamp.hour or stamp.minute or stamp.second or stamp.microsecond:
        return None
    if kind == "year" and months >= 12 and stamp.month == stamp.day == 1:  # yearly, every 10 years (decimal
        # years of monthly or quarterly data are dates: their Januaries read `1949` beside `1949-02-01`)
        return str(stamp.year)
    if kind == "quarter" and months == 3 and stamp.month in (1, 4, 7, 10) and stamp.day == 1:
        return (template or "{y}Q{q}").format(y=stamp.year, q=(stamp.month - 1) // 3 + 1)
    if kind == "fiscal" and template and stamp.month == stamp.day == 1:
        return template.format(y=stamp.year, e=f"{(stamp.year + 1) % 100:02d}", E=stamp.year + 1)
    return None
