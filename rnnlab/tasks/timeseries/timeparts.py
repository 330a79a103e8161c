"""A date written in separate columns: `year,month,day,ibm` (CRSP's daily returns),
`year,month,passengers` (the flights table as seaborn and R ship it), `Year,Month,Day,Hour,...`
(weather stations). The parts become one time column, `date`, in front of the others, and the
card says so; anything else is left as it is.

    year   whole numbers 1000..2999
    month  1..12, or month names / abbreviations (Jan, January; any case)
    day    1..31 (optional), hour 0..23 (optional, only with a day)
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

_NAMES = {"year": ("year", "yr", "yyyy"), "month": ("month", "mon", "mm"), "day": ("day", "dd"), "hour": ("hour", "hh", "hr")}
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
    """`frame` and `header` with year, month (day, hour) columns replaced by one `date` column in
    front, and the card's note; the input unchanged (and "") when the parts are not there or
    do not read as a calendar, or a `date` column exists already."""
    import pandas as pd

    where = {part: _find(header, part) for part in _NAMES}
    if where["year"] is None or where["month"] is None or TIME in (h.strip().lower() for h in header):
        return frame, header, ""
    parts = {"year": _whole(frame.iloc[:, where["year"]], 1000, 2999), "month": _month(frame.iloc[:, where["month"]])}
    if where["day"] is not None:
        parts["day"] = _whole(frame.iloc[:, where["day"]], 1, 31)
        if where["hour"] is not None:
            parts["hour"] = _whole(frame.iloc[:, where["hour"]], 0, 23)
    if any(v is None for v in parts.values()):
        return frame, header, ""
    stamps = pd.to_datetime({"year": parts["year"], "month": parts["month"], "day": parts.get("day", 1),
                             "hour": parts.get("hour", 0)}, errors="coerce")
    if stamps.isna().any():  # 31 February: not a calendar
        return frame, header, ""
    used = [where[p] for p in parts]
    keep = [j for j in range(frame.shape[1]) if j not in used]
    out = frame.iloc[:, keep].copy()
    out.insert(0, TIME, pd.DatetimeIndex(stamps))
    names = [header[j] for j in sorted(used)]
    return out.reset_index(drop=True), [TIME] + [header[j] for j in keep], f"{', '.join(names)} columns read as one time column ({TIME})"


__all__ = ["combine", "TIME"]
