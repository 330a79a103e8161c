"""Local clock times across daylight-saving changes, as meters and grid operators export them.

A local clock skips an hour in spring (01:00, 03:00) and repeats one in autumn (01:00, 02:00,
02:00, 03:00). Written as is, the autumn hour reads as time going back. The rows themselves are
one step apart throughout; only the clock moved. `standard_time` moves the summer rows back one
hour, from the hour after the spring gap to the autumn repeat, so the column steps evenly in the
zone's standard time (the winter clock), and the card says so.

It is taken only when the clock's pattern is all there is: a step back of exactly one hour, each
after summer rows that began at a spring gap of exactly one hour (or at the file's start), one
change at a time. Anything else (a time written twice for another reason, rows out of order) is
left to the caller's time-order error.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

HOUR = 3_600_000_000_000  # ns
# 2013-12-30T18:00:00-05:00, ...Z: a time of day with its UTC offset (not 31-12-2020, 1990-1991)
_ZONE = r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d:?\d\d)$"


def zoned(cells: Any) -> bool:
    """Whether a time column was written with UTC offsets (read as UTC, naive: timecells.dates),
    so the card can say the times, and the future's, are UTC."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(cells.dtype):
        return getattr(cells.dt, "tz", None) is not None
    head = cells.head(50).astype(str).str.strip()
    return bool(len(head)) and bool(head.str.contains(_ZONE).all())


def standard_time(idx: Any) -> Optional[Any]:
    """`idx` (a naive DatetimeIndex) in standard time when it is a local clock's hourly or finer
    series across daylight-saving changes, else None."""
    t = idx.as_unit("ns").asi8
    d = np.diff(t)
    if d.size < 3 or not (d <= 0).any():
        return None
    step = int(np.median(d))
    if step <= 0 or step > HOUR or HOUR % step:
        return None
    back = np.flatnonzero(d == step - HOUR)  # autumn: the clock turns back an hour
    gaps = np.flatnonzero(d == step + HOUR)  # spring: it skips one
    # every other step is the step or a whole number of them (missing rows, put back as ever)
    other = (d != step) & (d != step - HOUR) & ~((d > step) & (d % step == 0))
    if other.any() or not back.size:
        return None
    events = sorted([(int(i), "back") for i in back] + [(int(i), "gap") for i in gaps])
    if not _plausible([t[i + 1] for i, _ in events]):
        return None
    shift = np.zeros(t.size, dtype=np.int64)
    summer_from = 0 if events[0][1] == "back" else None  # a file that starts in summer
    for i, kind in events:
        if kind == "gap":
            if summer_from is not None:
                return None  # two springs without an autumn
            summer_from = i + 1
        else:
            if summer_from is None:
                return None  # two autumns without a spring
            shift[summer_from : i + 1] = HOUR
            summer_from = None
    if summer_from is not None:
        shift[summer_from:] = HOUR  # a file that ends in summer
    out = t - shift
    if not bool(np.all(np.diff(out) > 0)):
        return None
    import pandas as pd

    return pd.DatetimeIndex(out.astype("datetime64[ns]"))


def _plausible(when: list[int]) -> bool:
    """Clock changes happen in the small hours (00:00 to 04:00) of March, April, September,
    October or November (north and south), and a summer or a winter lasts 100 to 260 days: a
    time written twice in January is not an autumn."""
    import pandas as pd

    stamps = pd.DatetimeIndex(np.asarray(when, dtype="datetime64[ns]"))
    apart = np.diff(np.asarray(when, dtype=np.int64)) / (24 * HOUR)
    return (bool(np.all(stamps.hour <= 4)) and bool(np.all(np.isin(stamps.month, (3, 4, 9, 10, 11))))
            and bool(np.all((apart >= 100) & (apart <= 260))))

