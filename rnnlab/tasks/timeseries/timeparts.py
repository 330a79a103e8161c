"""A date written in separate columns: `year,month,day,ibm` (CRSP's daily returns),
`year,month,passengers` (the flights table as seaborn and R ship it), `Year,Month,Day,Hour,...`
(weather stations). The parts become one time column, `date`, in front of the others, and the
card says so; anything else is left as it is.

    year   whole numbers 1000..2999
    month  1..12, or month names / abbreviations (Jan, January; any case)
    day    1..31 (optional), hour 0..23 and minute 0..59 (optional, each only with the one before);
           a part that does not read so (an `hour` of 1..24) is left a column of its own

Not when another column already holds times (a `datetime` beside `year,month,day,hour`), and not
when the times they make repeat in a file with no text column to tell series apart (a `Time`
column of HH:MM beside them): the file is then read as it was.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

_NAMES = {"year": ("year", "yr", "yyyy"), "month": ("month", "mon"), "day": ("day", "dd"), "hour": ("hour",), "minute": ("minute", "min")}
_MONTHS = {m: k for k, names in enumerate((("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
                                           ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
                                           ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
                                           ("dec", "december")), 1) for m in names}
TIME = "date"


def _find(header: list[str], part: str) -> Optional[int]:
    return next((j for j, h in enumerate(header) if h.strip().lower() in _NAMES[part]), None)


def _whole(col: Any, low: int, high: int) -> Optional[np.ndarray]:
    import pandas as pd

    v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(v).any() or np.any(v != np.round(v)) or v.min() < low or v.max() > high:
        return None
    return v.astype(np.int64)


def _month(col: Any) -> Optional[np.ndarray]:
    got = _whole(col, 1, 12)
    if got is not None:
        return got
    words = col.astype(str).str.strip().str.lower().str.rstrip(".")
    mapped = words.map(_MONTHS)
    return None if mapped.isna().any() else mapped.to_numpy(dtype=np.int64)


def combine(frame: Any, header: list[str]) -> tuple[Any, list[str], str]:
    """`frame` and `header` with year, month (day, hour, minute) columns replaced by one `date`
    column in front, and the card's note; the input unchanged (and "") when the parts are not
    there or do not read as a calendar, or another column holds times (see the docstring)."""
    import pandas as pd

    from rnnlab.tasks.timeseries.timecells import dates

    where = {part: _find(header, part) for part in _NAMES}
    if where["year"] is None or where["month"] is None or TIME in (h.strip().lower() for h in header):
        return frame, header, ""
    parts = {"year": _whole(frame.iloc[:, where["year"]], 1000, 2999), "month": _month(frame.iloc[:, where["month"]])}
    if any(v is None for v in parts.values()):
        return frame, header, ""
    for part, (low, high), before in (("day", (1, 31), "month"), ("hour", (0, 23), "day"), ("minute", (0, 59), "hour")):
        if where[part] is not None and before in parts:
            got = _whole(frame.iloc[:, where[part]], low, high)
            if got is not None:
                parts[part] = got
    used = [where[p] for p in parts]
    others = [j for j in range(frame.shape[1]) if j not in used]
    texts = [j for j in others if not pd.api.types.is_numeric_dtype(frame.iloc[:, j].dtype)]
    clock = next((j for j in texts if "hour" not in parts and "day" in parts
                  and frame.iloc[:, j].astype(str).str.strip().str.fullmatch(r"\d{1,2}:\d\d(:\d\d)?").all()), None)
    if clock is not None:  # `Time` as 13:30 beside the date's parts: the time of day
        cells = frame.iloc[:, clock].astype(str).str.strip()
        parts["clock"] = pd.to_timedelta(cells.where(cells.str.count(":") == 2, cells + ":00")).to_numpy()
        used.append(clock)
        others.remove(clock)
        texts.remove(clock)
    if any(dates(frame.iloc[:200, j]) is not None for j in texts):
        return frame, header, ""  # a time column of its own: the parts are values beside it
    stamps = pd.to_datetime({"year": parts["year"], "month": parts["month"], "day": parts.get("day", 1),
                             "hour": parts.get("hour", 0), "minute": parts.get("minute", 0)}, errors="coerce")
    if "clock" in parts:
        stamps = stamps + pd.Series(parts["clock"])
    if stamps.isna().any() or (stamps.duplicated().any() and not texts):
        return frame, header, ""  # 31 February; or a finer time elsewhere that they leave out
    out = frame.iloc[:, others].copy()
    out.insert(0, TIME, pd.DatetimeIndex(stamps))
    names = [header[j] for j in sorted(used)]  # (the order of the file)
    return out.reset_index(drop=True), [TIME] + [header[j] for j in others], f"{', '.join(names)} columns combined into one time column ({TIME})"


__all__ = ["combine", "TIME"]
