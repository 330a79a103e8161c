"""A series' frequency and seasons: inferred from its time column (pandas.infer_freq: business
days, quarters and months are pandas offsets), or from its values when it has none.

    timestamps ─► infer()  ─► Frequency(name, step, pandas offset, periods, season, calendar parts)
    values     ─► detect_periods()  (ACF + periodogram, for yearly/irregular/untimed series)

A frequency decides the defaults a forecaster would pick by hand: the known periods encoded as
sin/cos features, the season of the seasonal-naive baseline and MASE, and which calendar features
mean anything (hour of day is constant on daily data, day of week on weekly data). Explicit
`task.periods` / `task.season` always win over these defaults.

Rows missing from a regular series (a week with no row) are put back as NaN rows by
`regularize`, so one row is one step and the filler fills them like any missing value.
"""

from __future__ import annotations

import calendar
import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional, Sequence

import numpy as np

from rnnlab.tasks.timeseries import closures as tsclosures
from rnnlab.tasks.timeseries import metrics as tm
from rnnlab.tasks.timeseries import sessions as tssessions
from rnnlab.tasks.timeseries import timeforms as tsforms

DAY = 86400.0
# name -> (nominal step in seconds, tolerance as a fraction of the step)
_NOMINAL = (
    ("yearly", 365.2425 * DAY, 0.02),
    ("quarterly", 91.31 * DAY, 0.04),
    ("monthly", 30.44 * DAY, 0.1),
    ("weekly", 7 * DAY, 0.01),
    ("daily", DAY, 0.01),
    ("hourly", 3600.0, 0.01),
)
# Calendar-month steps (the others are fixed durations).
_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


@dataclass(frozen=True)
class Frequency:
    """What a series' time column says about its steps."""

    name: str  # hourly, daily, weekly, monthly, quarterly, yearly, "N minutes", irregular, none
    seconds: float = 0.0  # the typical step (0 when there are no timestamps)
    months: int = 0  # > 0 for calendar-month steps (monthly 1, quarterly 3, yearly 12)
    periods: tuple[float, ...] = ()  # known cycles, in steps, for sin/cos features
    season: int = 0  # seasonal-naive season in steps; 0 = none known (detect from the values)
    calendar: tuple[str, ...] = ()  # calendar features that vary at this frequency: hour, dow, year
    gaps: int = 0  # rows missing between timestamps (put back by `regularize`)
    offset: str = ""  # the pandas offset alias when pandas names the step (B, QS-OCT, MS, W-SUN, h)
    session: Optional[tssessions.Session] = None  # intraday rows only in opening hours (sessions.py)
    weekmask: str = ""  # business days of another working week ("Sun Mon Tue Wed Thu"); "" = Mon-Fri
    closed: tuple[str, ...] = ()  # (kind, code, first year) of the holidays it closes on (closures.py)
    form: str = ""  # how the file wrote its times when not as dates: "year" (1971), "quarter:{y}Q{q}" (timeforms.py)

    @property
    def regular(self) -> bool:
        return self.name not in ("irregular", "none")

    @property
    def sub_daily(self) -> bool:
        return self.regular and not self.months and 0 < self.seconds <= DAY + 1

    def describe(self) -> str:
        return self.name

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "seconds": self.seconds,
            "months": self.months,
            "periods": list(self.periods),
            "season": self.season,
            "calendar": list(self.calendar),
            "gaps": self.gaps,
            "offset": self.offset,
            "session": self.session.to_dict() if self.session else None,
            "weekmask": self.weekmask or None,
            "closed_on": f"{self.closed[1]} holidays" if self.closed else None,
        }

    @property
    def pandas_offset(self):
        """The step as pandas takes it (`freq=` of date_range): the alias, or a custom business
        day for a working week other than Monday to Friday."""
        if self.weekmask or self.closed:
            import pandas as pd

            closed = tsclosures.dates(self.closed[0], self.closed[1], int(self.closed[2])) if self.closed else None
            return pd.offsets.CustomBusinessDay(weekmask=self.weekmask or "Mon Tue Wed Thu Fri", holidays=closed)
        return self.offset


NONE = Frequency("none")


def _defaults(name: str, seconds: float) -> tuple[tuple[float, ...], int, tuple[str, ...]]:
    """periods, season and calendar features a forecaster would start from at this frequency."""
    if name == "hourly":
        return (24.0, 168.0), 24, ("hour", "dow")
    if name == "daily":
        return (7.0, 365.25), 7, ("dow", "year")
    if name == "business daily":
        # five trading days a week, about 261 a year
        return (5.0, 261.0), 5, ("dow", "year")
    if name == "weekly":
        return (365.25 / 7.0,), 52, ("year",)
    if name == "monthly":
        return (12.0,), 12, ("year",)
    if name == "quarterly":
        return (4.0,), 4, ("year",)
    if name == "yearly":
        return (), 0, ()
    if seconds > 0 and seconds < 3600 and 3600 % seconds == 0:
        # sub-hourly: a daily and a weekly cycle, counted in steps
        per_day = DAY / seconds
        return (per_day, 7 * per_day), int(per_day), ("hour", "dow")
    return (), 0, ()


def _months_between(a: datetime, b: datetime) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def add_months(stamp: datetime, months: int) -> datetime:
    """`stamp` moved by whole calendar months; the day is clamped to the month's length and a
    month-end stays a month-end (Jan 31 + 1 month = Feb 28/29, Feb 28 + 1 = Mar 31)."""
    y, m = divmod(stamp.month - 1 + months, 12)
    year, month = stamp.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    month_end = stamp.day == calendar.monthrange(stamp.year, stamp.month)[1]
    day = last if month_end else min(stamp.day, last)
    return stamp.replace(year=year, month=month, day=day)


def step(stamp: datetime, freq: Frequency, k: int = 1) -> datetime:
    """The timestamp `k` steps after `stamp` at frequency `freq` (calendar-aware for months,
    business days skip weekends)."""
    if freq.offset or freq.session:
        return future_stamps(stamp, freq, k)[-1] if k > 0 else stamp
    if freq.months:
        return add_months(stamp, freq.months * k)
    if freq.seconds <= 0:
        raise ValueError(f"frequency {freq.name!r} has no step")
    return stamp + timedelta(seconds=freq.seconds * k)


def future_stamps(last: datetime, freq: Frequency, n: int) -> list[datetime]:
    """The next `n` timestamps after `last`, continuing the series' own frequency."""
    if freq.session and n > 0:
        return tssessions.future(last, freq.session, n)
    if freq.offset and n > 0:
        import pandas as pd

        got = pd.date_range(start=last, periods=n + 1, freq=freq.pandas_offset)
        if got[0] != pd.Timestamp(last):  # `last` off the offset's anchor: count from the next one
            got = pd.date_range(start=last, periods=n, freq=freq.pandas_offset).insert(0, pd.Timestamp(last))
        return list(got[1 : n + 1].to_pydatetime())
    return [step(last, freq, k) for k in range(1, n + 1)]


def label(stamp: datetime, freq: Frequency, dates_only: bool = True) -> str:
    """A time of this series as its file wrote them: years as 1971, quarters as 2009Q4 or Q4 2009,
    financial years as 2019-20 (freq.form, timeforms.py),
    dates as 2024-03-17 (no T00:00:00 on daily and coarser data), other times in ISO 8601."""
    whole_day = stamp.hour == stamp.minute == stamp.second == stamp.microsecond == 0
    if freq.form and (as_written := tsforms.written(stamp, freq.form, freq.months)) is not None:
        return as_written
    if dates_only and whole_day:
        return stamp.date().isoformat()
    return stamp.isoformat()


# pandas offset name (without its anchor) -> (frequency name, calendar months)
_PANDAS = {"B": ("business daily", 0), "D": ("daily", 0), "h": ("hourly", 0), "H": ("hourly", 0),
           "W": ("weekly", 0), "MS": ("monthly", 1), "ME": ("monthly", 1), "M": ("monthly", 1),
           "QS": ("quarterly", 3), "QE": ("quarterly", 3), "Q": ("quarterly", 3),
           "YS": ("yearly", 12), "YE": ("yearly", 12), "Y": ("yearly", 12), "AS": ("yearly", 12), "A": ("yearly", 12)}


def _from_pandas(alias: str) -> Optional[Frequency]:
    """The Frequency of a pandas offset alias (infer_freq's answer), None for one not mapped here."""
    base = alias.split("-")[0]
    if base not in _PANDAS:
        return None
    name, months = _PANDAS[base]
    seconds = dict((n, s) for n, s, _ in _NOMINAL).get(name, DAY)
    periods, season, cal = _defaults(name, seconds)
    return Frequency(name, seconds, months, periods, season, cal, 0, alias)


# weekend rows a business-day series may have: the make-up working days of China's holiday
# calendar (about 6 of 250 a year), a market's odd Saturday session; a Mon-Sat shop (1 in 6) is daily
MAKE_UP_DAYS = 0.05
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# the working weeks of other calendars: Sunday to Thursday (Saudi Arabia, Egypt, Israel before
# 2026), Saturday to Wednesday; Monday to Friday is pandas' own B
_WEEKENDS = {(5, 6): "", (4, 5): "Sun Mon Tue Wed Thu", (3, 4): "Sat Sun Mon Tue Wed"}


def _business_days(base: np.ndarray, n: int) -> Optional[Frequency]:
    """A daily series with no rows on two weekdays in a row (Saturday and Sunday, or another
    calendar's weekend) and gaps pandas would not name, or only the odd one (MAKE_UP_DAYS, kept
    as rows): business days, pandas' B, or a custom business day for another working week."""
    days = base // 86400
    if n < 10 or np.any(base % 86400) or np.any(np.diff(days) <= 0):
        return None
    weekday = (days - 1) % 7  # proleptic ordinal 1 (0001-01-01) is a Monday
    counts = np.bincount(weekday, minlength=7)
    weekend = next((w for w in _WEEKENDS if counts[list(w)].sum() <= MAKE_UP_DAYS * n), None)
    if weekend is None:
        return None
    mask = _WEEKENDS[weekend]
    import pandas as pd

    first = datetime.fromordinal(int(days[0]))
    last = datetime.fromordinal(int(days[-1]))
    # business days between the first row and the last: those without a row were skipped
    working = pd.bdate_range(first, last, freq="C", weekmask=mask) if mask else pd.bdate_range(first, last)
    have = pd.DatetimeIndex([datetime.fromordinal(int(d)) for d in days])
    missing = working.difference(have)
    closed = tsclosures.closed_on(missing, have, first, last)  # a market's or a country's holidays
    gaps = len(missing)
    if closed is not None:
        shut = set(tsclosures.dates(*closed, first.year))
        gaps = sum(1 for d in missing.date if d not in shut)
    freq = _from_pandas("B")
    name = (freq.name + (f", {_DAY_NAMES[(weekend[1] + 1) % 7]}-{_DAY_NAMES[(weekend[0] - 1) % 7]}" if mask else "")
            + (f", {closed[1]} holidays" if closed else ""))
    return Frequency(name, freq.seconds, 0, freq.periods, freq.season, freq.calendar, max(0, gaps),
                     "C" if mask or closed else "B", weekmask=mask, closed=(*closed, first.year) if closed else ())


def infer(stamps: Optional[Sequence[datetime]]) -> Frequency:
    """The frequency of increasing timestamps: the nominal step closest to the typical (median)
    step, if (nearly) every step is a whole multiple of it; irregular otherwise."""
    if stamps is None or len(stamps) < 3:
        return NONE
    import pandas as pd

    idx = pd.DatetimeIndex(stamps)
    try:
        with warnings.catch_warnings():
            # pandas 3.1 announces an offset object instead of the string; either reads the same here
            warnings.simplefilter("ignore")
            alias = pd.infer_freq(idx)
        alias = getattr(alias, "freqstr", alias)
    except (TypeError, ValueError):
        alias = None
    if alias:
        named = _from_pandas(alias)
        if named is not None:
            return named
    # seconds since day 1 (0001-01-01 is day 1, as datetime.toordinal counts), whole seconds
    base = idx.as_unit("s").asi8 + 62135596800 + 86400
    secs = np.diff(base).astype(np.float64)
    typical = float(np.median(secs))
    if typical <= 0:
        return Frequency("irregular", typical)
    if typical < DAY:
        found = tssessions.detect(base, typical)
        if found is not None:
            return _in_sessions(*found)
    if abs(typical - DAY) < 1:
        bdays = _business_days(base, len(stamps))
        if bdays is not None:
            return bdays
    for name, nominal, tol in _NOMINAL:
        if abs(typical - nominal) <= tol * nominal:
            months = _MONTHS.get(name, 0)
            if months:
                diffs = np.array([_months_between(a, b) for a, b in zip(stamps[:-1], stamps[1:])])
                mult = diffs / months
                # a monthly series sits on one day of the month (or each month's end)
                ok = np.all(mult == np.round(mult)) and np.all(mult >= 1)
                gaps = int(np.sum(mult - 1)) if ok else 0
            else:
                mult = secs / nominal
                ok = bool(np.all(np.abs(mult - np.round(mult)) < 0.02) and np.all(np.round(mult) >= 1))
                gaps = int(np.sum(np.round(mult) - 1)) if ok else 0
            if not ok:
                break
            periods, season, cal = _defaults(name, nominal)
            return Frequency(name, nominal, months, periods, season, cal, gaps)
    years = _every_k_years(stamps, typical)
    if years is not None:
        return years
    # Other fixed steps (every 15 minutes, every 2 days): regular when steps are whole multiples.
    mult = secs / typical
    if np.all(np.abs(mult - np.round(mult)) < 0.02):
        periods, season, cal = _defaults("", typical)
        gaps = int(np.sum(np.round(mult) - 1))
        return Frequency(_every(typical), typical, 0, periods, season, cal, gaps)
    return Frequency("irregular", typical)


def _every_k_years(stamps: Sequence[datetime], typical: float) -> Optional[Frequency]:
    """Rows on one date, 2 to 10 whole years apart (the Olympics every 4, a census every 10),
    each gap a multiple of that step: calendar steps of 12·k months; no season."""
    if typical < 1.9 * 365.2425 * DAY:
        return None
    if any((a.month, a.day, a.time()) != (stamps[0].month, stamps[0].day, stamps[0].time()) for a in stamps):
        return None
    gaps = np.diff([a.year for a in stamps]).astype(np.int64)
    if np.any(gaps <= 0):
        return None
    k = int(np.gcd.reduce(gaps))  # 2000, 2004, 2012: every 4 years, one missing
    if not 2 <= k <= 10:
        return None
    return Frequency(f"every {k} years", k * 365.2425 * DAY, 12 * k, (), 0, (), int(np.sum(gaps // k - 1)))


def _in_sessions(session: tssessions.Session, gaps: int) -> Frequency:
    """An intraday series seen in opening hours: a daily cycle of one session's slots, a weekly
    one of five (or seven) sessions."""
    per_day = float(session.slots)
    week = 5 * per_day if session.weekdays else 7 * per_day
    name = f"{'hourly' if session.step == 3600 else _every(session.step)}, {session.describe()}"
    return Frequency(name, float(session.step), 0, (per_day, week), session.slots, ("hour", "dow"), gaps, "", session)


def _every(seconds: float) -> str:
    for unit, size in (("days", DAY), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"every {int(seconds // size)} {unit}"
    return f"every {seconds:g} seconds"


def regularize(values: np.ndarray, stamps: list[datetime], freq: Frequency) -> tuple[np.ndarray, list[datetime]]:
    """Put back the rows a regular series skips (as NaN, with their timestamps)."""
    if not freq.regular or not freq.gaps:
        return values, stamps
    if freq.session:
        import pandas as pd

        full = tssessions.grid(stamps, freq.session)
        got = pd.Series(np.asarray(values, dtype=np.float64), index=pd.DatetimeIndex(stamps))
        return got[~got.index.duplicated()].reindex(full).to_numpy(dtype=np.float64), list(full.to_pydatetime())
    if freq.offset:
        import pandas as pd

        full = pd.date_range(stamps[0], stamps[-1], freq=freq.pandas_offset)
        if freq.offset in ("B", "C"):  # the make-up days a business-day series has rows on stay rows
            seen = pd.DatetimeIndex(stamps)
            full = full.union(seen[~seen.isin(full)])
        got = pd.Series(np.asarray(values, dtype=np.float64), index=pd.DatetimeIndex(stamps))
        got = got[~got.index.duplicated()].reindex(full)
        return got.to_numpy(dtype=np.float64), list(full.to_pydatetime())
    out_v: list[float] = [float(values[0])]
    out_s: list[datetime] = [stamps[0]]
    for v, s in zip(values[1:], stamps[1:]):
        nxt = step(out_s[-1], freq)
        # guard: a step that cannot reach s (clock change, odd month ends) just appends
        for _ in range(1_000_000):
            if nxt >= s - timedelta(seconds=freq.seconds * 0.02 if not freq.months else 0):
                break
            out_v.append(float("nan"))
            out_s.append(nxt)
            nxt = step(nxt, freq)
        out_v.append(float(v))
        out_s.append(s)
    return np.asarray(out_v, dtype=np.float64), out_s


# ---------------------------------------------------------------- seasons from the values


@dataclass
class Detected:
    """Seasonal periods found in the values, strongest first, with their ACF heights."""

    periods: list[int] = field(default_factory=list)
    strength: list[float] = field(default_factory=list)


def detect_periods(values: np.ndarray, max_period: Optional[int] = None, top: int = 2) -> Detected:
    """Seasonal periods from the periodogram, kept when the ACF agrees (a local ACF peak near the
    period, above twice the white-noise band and 0.2). The series is linearly detrended first, and
    also differenced: the one whose ACF shows the clearer peak wins, so a trend does not hide a
    season and a slow cycle (sunspots) is not drowned in differenced noise.

    A period needs at least 3 cycles in `values`; NaN are interpolated."""
    y = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(y)
    if ok.sum() < 12:
        return Detected()
    if not ok.all():
        idx = np.arange(y.size)
        y = np.interp(idx, idx[ok], y[ok])
    n = y.size
    limit = max_period or n // 3
    limit = min(limit, n // 3)
    if limit < 2:
        return Detected()
    t = np.arange(n, dtype=np.float64)
    detrended = y - np.polyval(np.polyfit(t, y, 1), t)
    best: dict[int, float] = {}
    for z in (detrended, np.diff(y)):
        if z.size < 12 or np.allclose(z, z[0]):
            continue
        r = tm.acf(z, min(limit + limit // 5 + 1, z.size - 1))
        band = 1.96 / math.sqrt(z.size)
        spec = np.abs(np.fft.rfft(z - z.mean())) ** 2
        freqs = np.fft.rfftfreq(z.size)
        order = np.argsort(spec[1:])[::-1] + 1  # skip the zero frequency
        # A cycle stands above the spectrum around it. Against the neighbours, not the whole
        # spectrum: differencing tilts noise's spectrum up towards period 2, and a global floor
        # then takes the tilt for cycles. Noise's ordinates are exponential: 15x the local median
        # happens by chance about once in 30,000 bins.
        w = max(8, spec.size // 40)
        for k in order[:8]:
            near = spec[max(1, k - w) : k + w + 1]
            if spec[k] < 15.0 * float(np.median(near)):
                continue
            p = 1.0 / freqs[k]
            if p < 2 or p > limit:
                continue
            # the ACF peak within ±15% of the periodogram's period (its bins are coarse)
            lo, hi = max(2, int(math.floor(p * 0.85))), min(r.size - 2, int(math.ceil(p * 1.15)))
            if lo > hi:
                continue
            seg = r[lo : hi + 1]
            j = lo + int(np.argmax(seg))
            if r[j] < r[j - 1] or r[j] < r[j + 1]:
                continue
            # a peak, not a shoulder of the decay from lag 1: it rises 0.1 above the trough
            # before it
            if r[j] > max(0.2, 2 * band) and r[j] - r[1 : j + 1].min() >= 0.1:
                best[j] = max(best.get(j, -1.0), float(r[j]))
    # A period within 20% of a stronger kept one is the same peak seen through coarse bins.
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    kept: list[tuple[int, float]] = []
    for p, s in ranked:
        if any(abs(p - q) <= 0.2 * q for q, _ in kept):
            continue
        kept.append((p, s))
    # shortest first: the season of seasonal-naive is the shortest cycle (24 before 168)
    kept = sorted(kept[:top])
    return Detected([p for p, _ in kept], [s for _, s in kept])


__all__ = ["Frequency", "NONE", "infer", "regularize", "step", "future_stamps", "label", "add_months", "detect_periods", "Detected"]
