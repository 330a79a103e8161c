"""Intraday series that are only observed in opening hours: a call centre's 5-minute counts from
07:00 to 21:00 on weekdays, a market's hourly prices, a shop's footfall.

Put on a plain 5-minute grid such a series gets every night and weekend back as missing rows
(59 % of fpp3's `bank_calls`), which the filler then invents. The series' own grid is the
session: the same slots every (business) day, `first` to `last` time of day, one `step` apart.
A weekday without rows is put back like a missing business day, unless a holiday calendar
explains those days (a US call centre is shut on US holidays: `closures.py`), as for business-day
series; nights, weekends and holidays are not rows at all, and the future continues at the next
session's opening.

    Session(start, end, step, weekdays, closed)   times of day in seconds; weekdays: Mon-Fri (and
                                          the odd Saturday a file has rows on; the future skips
                                          them); closed: (kind, code, first year) of its holidays
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

import numpy as np

from rnnlab.tasks.timeseries import closures as tsclosures

DAY = 86400


@dataclass(frozen=True)
class Session:
    start: int  # seconds after midnight of the first slot
    end: int  # ... and of the last
    step: int  # seconds between slots
    weekdays: bool  # only Monday to Friday
    closed: tuple = ()  # (kind, code, first year) of the holidays it is shut on (closures.py)

    @property
    def slots(self) -> int:
        return (self.end - self.start) // self.step + 1

    def describe(self) -> str:
        return (f"{_hhmm(self.start)}-{_hhmm(self.end)}" + (" Mon-Fri" if self.weekdays else "")
                + (f", {self.closed[1]} holidays" if self.closed else ""))

    def to_dict(self) -> dict:
        return {"start": _hhmm(self.start), "end": _hhmm(self.end), "step_seconds": self.step,
                "weekdays_only": self.weekdays, "slots_per_day": self.slots,
                "closed_on": f"{self.closed[1]} holidays" if self.closed else None}

    def days(self, first, periods: Optional[int] = None, last=None):
        """The days it opens on from `first`: to `last`, or `periods` of them (a DatetimeIndex)."""
        import pandas as pd

        if not self.weekdays:
            return pd.date_range(first, last, periods=periods, freq="D")
        if not self.closed:
            return pd.bdate_range(first, last, periods=periods)
        shut = tsclosures.dates(self.closed[0], self.closed[1], int(self.closed[2]))
        return pd.bdate_range(first, last, periods=periods, freq="C", holidays=shut)


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def detect(seconds: np.ndarray, step: float) -> Optional[tuple[Session, int]]:
    """The session of increasing timestamps (whole seconds; day k starts at k * 86400 and day 1
    is a Monday, as datetime.toordinal counts) and the rows its grid puts back, or None when the
    rows fill whole days (or do not sit on one grid of times of day). A session is taken only where
    it explains the holes: the plain grid would put back over a fifth of the rows, the session's
    under a quarter as many as that."""
    n = seconds.size
    step = int(round(step))
    if n < 20 or step <= 0 or DAY % step:
        return None
    tod = seconds % DAY
    start, end = int(tod.min()), int(tod.max())
    if np.any((tod - start) % step):
        return None
    session_slots = (end - start) // step + 1
    if session_slots > 0.85 * (DAY // step):
        return None
    days = seconds // DAY
    seen = np.unique(days)
    weekend = seen[(seen - 1) % 7 >= 5]
    # a market open on weekdays and now and then a Saturday: weekdays, with those Saturdays kept
    weekdays = weekend.size <= 0.15 * seen.size  # a Mon-Sat shop (1 day in 6) reads as a full week
    first, last = int(days[0]), int(days[-1])
    closed: tuple = ()
    if weekdays:  # business days before the last, the last if a weekday, and the weekend days with rows
        n_days = int(np.busday_count(_date(first), _date(last))) + int((last - 1) % 7 < 5) + weekend.size
        closed = _holidays(seen, first, last)
        if closed:
            shut = set(tsclosures.dates(*closed))
            rows = set(seen.tolist())  # a holiday it has rows on (a bank open on Good Friday) stays a session
            n_days -= sum(1 for d in np.arange(_date(first), _date(last) + 1).astype(object)
                          if d in shut and d.weekday() < 5 and d.toordinal() not in rows)
    else:
        n_days = last - first + 1
    grid = n_days * session_slots - (int(tod[0]) - start) // step - (end - int(tod[-1])) // step
    plain = (int(seconds[-1]) - int(seconds[0])) // step + 1
    gaps, plain_gaps = grid - n, plain - n
    if gaps < 0 or plain_gaps <= 0.2 * n or gaps > 0.25 * plain_gaps:
        return None
    return Session(start, end, step, weekdays, closed), gaps


def _date(day: int) -> np.datetime64:
    return np.datetime64(datetime.fromordinal(day).date())


def _holidays(seen: np.ndarray, first: int, last: int) -> tuple:
    """(kind, code, first year) of the calendar whose holidays explain the weekdays without a
    row between days `first` and `last` (ordinals; `seen` the days with rows), or ()."""
    import pandas as pd

    start, end = datetime.fromordinal(first), datetime.fromordinal(last)
    have = pd.DatetimeIndex([datetime.fromordinal(int(d)) for d in seen])
    missing = pd.bdate_range(start, end).difference(have)
    found = tsclosures.closed_on(missing, have, start, end)
    return (*found, start.year) if found else ()


def grid(stamps: list[datetime], session: Session):
    """Every slot of `session` from the first of `stamps` to the last (a DatetimeIndex); the
    weekend days and holidays a weekday session has rows on are kept."""
    import pandas as pd

    first, last = stamps[0], stamps[-1]
    days = session.days(first.date(), last=last.date())
    if session.weekdays:  # the odd Saturday, a holiday it was open on: days it has rows on stay
        seen = pd.DatetimeIndex(stamps).normalize().unique()
        days = days.union(seen[~seen.isin(days)])
    idx = _slots(days, session)
    return idx[(idx >= pd.Timestamp(first)) & (idx <= pd.Timestamp(last))]


def future(last: datetime, session: Session, n: int) -> list[datetime]:
    """The `n` slots after `last`: later the same day, then at the next (business) day's opening."""
    import pandas as pd

    days = session.days(last.date(), periods=n // session.slots + 2)
    days = days.union(pd.DatetimeIndex([pd.Timestamp(last.date())]))  # the rest of a day it opened on (a holiday too)
    idx = _slots(days, session)
    return list(idx[idx > pd.Timestamp(last)][:n].to_pydatetime())


def _slots(days, session: Session):
    """Every slot of `session` on each of `days` (a DatetimeIndex)."""
    import pandas as pd

    offsets = pd.to_timedelta(session.start + session.step * np.arange(session.slots), unit="s")
    return pd.DatetimeIndex((days.values[:, None] + offsets.values[None, :]).ravel())
