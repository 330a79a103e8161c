"""How a file wrote its times when not as dates, and a time written back the same way.

A time column is read into timestamps (timecells.py); a forecast's times past the end, a
backtest's origins and the card's span are written back as the file wrote them, so that a
forecaster can paste the rows beside their own:

    years            1971                     form "year"
    quarters         2009Q3, 1956 Q1, Q1 1970 form "quarter:{y}Q{q}", "quarter:{y} Q{q}", "quarter:Q{q} {y}"
    financial years  2019-20, 2019/2020, FY2019
                                              form "fiscal:{y}-{e}", "fiscal:{y}/{E}", "fiscal:FY{y}"

A form is the kind, a colon and the template of the column's first cell ({y} the year, {q} the
quarter, {e} and {E} the financial year's end as 2 or 4 digits). Dates stay dates: the form is
"" for them, and for anything else.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
QUARTER_FIRST = re.compile(r"^Q([1-4])\s*[-/ ]?\s*(\d{4})$", re.IGNORECASE)
# a financial year as statistics offices write it (2019-20: July 2019 to June 2020)
FISCAL = re.compile(r"^(?:FY\s*)?(\d{4})\s*[-/\u2013]\s*(\d{2}|\d{4})$|^FY\s*(\d{4})$", re.IGNORECASE)
KINDS = ("year", "quarter", "fiscal")


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


def form_of(kind: Optional[str]) -> str:
    """Frequency.form from a time column's kind (read.times: "year", "quarter:{y}Q{q}", ...): its
    years, quarters and financial years are written back; dates and step numbers get ""."""
    return kind if kind and kind.partition(":")[0] in KINDS else ""


def kind_of(form: str) -> Optional[str]:
    """"year", "quarter" or "fiscal" (data --json's time_form), None for dates."""
    return form.partition(":")[0] or None


def written(stamp: datetime, form: str, months: int) -> Optional[str]:
    """`stamp` in `form` (`months` the frequency's step in calendar months), or None when the
    form does not hold it (a date off the form's grid, or no form): then it is written as a date."""
    kind, _, template = form.partition(":")
    if stamp.hour or stamp.minute or stamp.second or stamp.microsecond:
        return None
    if kind == "year" and stamp.month == stamp.day == 1:  # yearly, every 10 years
        return str(stamp.year)
    if kind == "quarter" and months == 3 and stamp.month in (1, 4, 7, 10) and stamp.day == 1:
        return (template or "{y}Q{q}").format(y=stamp.year, q=(stamp.month - 1) // 3 + 1)
    if kind == "fiscal" and template and stamp.month == stamp.day == 1:
        return template.format(y=stamp.year, e=f"{(stamp.year + 1) % 100:02d}", E=stamp.year + 1)
    return None
