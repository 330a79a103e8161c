"""Holiday features from the `holidays` package: for each row, whether
its date is a public holiday of `task.holidays` (a country code, optional
`task.holiday_subdivision`), and how many days to the next and since the last one.

    holiday            1.0 on a holiday, else 0.0
    days_to_holiday    1 / (1 + days until the next holiday)   1 on it, 0.5 the day before, ...
    days_since_holiday 1 / (1 + days since the last holiday)   1 on it, 0.5 the day after, ...

The distances are what let a window that ends the day before a holiday know that the next
step is one: the model reads only rows before the forecast origin. As 1/(1 + days) they lie in
(0, 1] like the sin/cos features and are far apart exactly where it matters (1, 0.5, 0.33 for
0, 1, 2 days; a linear days/30 made "tomorrow" and "in two days" differ by 0.03 and a small
model did not learn the effect). Dates are known ahead, so these features are known for any
future row too. Only for daily and finer data: a weekly row has no one date.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime
from typing import Optional, Sequence

import numpy as np

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import frequency as tsfreq

# beyond the calendar's years (never within the series): as far as a month away
CAP_DAYS = 30.0
NAMES = ["holiday", "days_to_holiday", "days_since_holiday"]


def calendar(country: str, subdivision: Optional[str], years: range):
    """The holidays package's calendar, or a UserError naming the key and valid values."""
    import holidays

    supported = holidays.list_supported_countries()
    code = country.strip().upper()
    if code not in supported:
        close = difflib.get_close_matches(code, list(supported), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UserError(
            f"task.holidays = {country!r}: not a country code the holidays package knows{hint}; "
            "use an ISO 3166 code such as 'US', 'GB', 'DE', 'FR', 'CN', 'JP'"
        )
    subdivs = supported[code]
    if subdivision is not None and subdivision not in subdivs:
        listed = ", ".join(subdivs[:12]) + (", ..." if len(subdivs) > 12 else "")
        raise UserError(
            f"task.holiday_subdivision = {subdivision!r}: not a subdivision of {code}"
            + (f"; valid ones: {listed}" if subdivs else f"; {code} has none")
        )
    return holidays.country_holidays(code, subdiv=subdivision, years=years)


def check_series(stamps: Optional[Sequence[datetime]], freq: tsfreq.Frequency, origin: str) -> None:
    if stamps is None:
        raise UserError(
            f"{origin}: task.holidays needs dates: set task.time_column to the column with the dates "
            "(holiday features are for daily or finer data)"
        )
    if freq.regular and not freq.sub_daily:
        raise UserError(
            f"{origin}: task.holidays needs daily or finer data; this series is {freq.name} "
            "(remove task.holidays, or use daily data)"
        )


def features(stamps: Sequence[datetime], country: str, subdivision: Optional[str] = None) -> tuple[np.ndarray, list[str]]:
    """(len(stamps), 3) holiday features and their names."""
    if not len(stamps):
        return np.zeros((0, 3)), list(NAMES)
    days = [s.date() if isinstance(s, datetime) else s for s in stamps]
    first, last = min(days), max(days)
    # a year on each side, so the next/last holiday is known at the series' ends
    cal = calendar(country, subdivision, range(first.year - 1, last.year + 2))
    hol = np.array(sorted(d.toordinal() for d in cal.keys()), dtype=np.int64)
    o = np.array([d.toordinal() for d in days], dtype=np.int64)
    is_hol = np.isin(o, hol).astype(np.float64)
    nxt = np.searchsorted(hol, o, side="left")  # first holiday >= day
    prv = np.searchsorted(hol, o, side="right") - 1  # last holiday <= day
    to_next = np.where(nxt < hol.size, hol[np.minimum(nxt, hol.size - 1)] - o, CAP_DAYS).astype(np.float64)
    since = np.where(prv >= 0, o - hol[np.maximum(prv, 0)], CAP_DAYS).astype(np.float64)
    cols = np.stack([is_hol, 1.0 / (1.0 + to_next), 1.0 / (1.0 + since)], axis=1)
    return cols, list(NAMES)


def holiday_dates(stamps: Sequence[datetime], country: str, subdivision: Optional[str] = None) -> list[date]:
    """The holidays that fall on the series' dates (for tests and the data card)."""
    cols, _ = features(stamps, country, subdivision)
    return [s.date() for s, h in zip(stamps, cols[:, 0]) if h]


__all__ = ["features", "check_series", "calendar", "holiday_dates", "NAMES"]
