"""Time features of a series: sin/cos of known periods by position, and calendar sin/cos (hour of
day, day of week, position in the year) by timestamp, so that cyclic neighbours sit close."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Sequence

import numpy as np

from rnnlab.tasks.timeseries import frequency as tsfreq


def periodic_features(index: np.ndarray, periods: Sequence[float]) -> tuple[np.ndarray, list[str]]:
    """sin/cos of 2π·t/p for each known period p, by time index t (a position on the cycle)."""
    t = np.asarray(index, dtype=np.float64)
    cols, names = [], []
    for p in periods:
        angle = 2.0 * math.pi * t / float(p)
        cols += [np.sin(angle), np.cos(angle)]
        names += [f"sin_{p:g}", f"cos_{p:g}"]
    return (np.stack(cols, axis=1) if cols else np.zeros((t.size, 0))), names


CALENDAR_PARTS = ("hour", "dow", "year")


def calendar_features(stamps: Sequence[datetime], parts: Sequence[str] = ("hour", "dow")) -> tuple[np.ndarray, list[str]]:
    """Hour of day, day of week and position in the year as sin/cos, so 23:00 sits next to 00:00,
    Sunday next to Monday and December next to January. `parts` picks which (tsfreq says which
    vary at the series' frequency)."""
    hour = np.array([s.hour + s.minute / 60.0 + s.second / 3600.0 for s in stamps], dtype=np.float64)
    cols, names = [], []
    for part in parts:
        if part == "hour":
            angle = 2.0 * math.pi * hour / 24.0
        elif part == "dow":
            dow = np.array([s.weekday() for s in stamps], dtype=np.float64) + hour / 24.0
            angle = 2.0 * math.pi * dow / 7.0
        elif part == "year":
            doy = np.array([s.timetuple().tm_yday - 1 for s in stamps], dtype=np.float64) + hour / 24.0
            length = np.array([366.0 if _leap(s.year) else 365.0 for s in stamps])
            angle = 2.0 * math.pi * doy / length
        else:
            raise ValueError(f"unknown calendar part {part!r}")
        cols += [np.sin(angle), np.cos(angle)]
        names += [f"{part}_sin", f"{part}_cos"]
    return (np.stack(cols, axis=1) if cols else np.zeros((len(stamps), 0))), names


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def calendar_parts(stamps: Sequence[datetime], freq: tsfreq.Frequency) -> list[str]:
    """The calendar features that mean something here: those of the frequency (all three for an
    irregular series), less any that is constant over the series (hour on midnight dates)."""
    parts = list(freq.calendar) if freq.regular else list(CALENDAR_PARTS)
    out = []
    # a few thousand rows show whether a part varies (a day of hours, years of weeks)
    sample = stamps[:5000]
    for part in parts:
        cols, _ = calendar_features(sample, [part])
        if cols.size and np.ptp(cols, axis=0).max() > 1e-9:
            out.append(part)
    return out
