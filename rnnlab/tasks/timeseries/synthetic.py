"""The builtin generated series: `builtin:synthetic` (hourly, level shifts and holes, `synthetic`)
and `builtin:synthetic-daily`, a generated daily series shaped like real sales or traffic data, with
public holidays that move it (the ts-holidays preset and tests; nothing is downloaded at run time).

    y = level + trend·t + Σ amplitude·sin(2πt/period)   ([task.synthetic] keys: a yearly and a
        + HOLIDAY_EFFECT on each US public holiday        weekly cycle in the preset)
        + AR(1) noise (φ = 0.5, innovations `noise`)
    then `missing_fraction` of the days are missing (NaN rows, filled like any gap)

The holiday dates come from the `holidays` package, as the features do: a model without
`task.holidays` has to take those days for noise.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np

from rnnlab.config import SyntheticConfig
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import holidays as tsholidays
from rnnlab.tasks.timeseries.series import Series

SYNTHETIC = "builtin:synthetic"

DAILY = "builtin:synthetic-daily"
START = datetime(2017, 1, 1)
COUNTRY = "US"
HOLIDAY_EFFECT = -12.0
AR = 0.5


def daily(cfg: SyntheticConfig):
    """The series for `cfg` (a pure function of it, its own seed) as a Series."""
    rng = np.random.default_rng([cfg.seed, 7])
    n = cfg.length
    t = np.arange(n, dtype=np.float64)
    stamps = [START + timedelta(days=i) for i in range(n)]
    y = cfg.level + cfg.trend * t
    for period, amplitude in cfg.seasonalities:
        y = y + amplitude * np.sin(2.0 * np.pi * t / period)
    holiday, _ = tsholidays.features(stamps, COUNTRY)
    y = y + HOLIDAY_EFFECT * holiday[:, 0]
    shocks = cfg.noise * rng.standard_normal(n)
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = AR * noise[i - 1] + shocks[i]
    y = y + noise
    k = int(round(cfg.missing_fraction * n))
    if k:
        y[rng.choice(n, size=k, replace=False)] = np.nan
    return Series(values=y, timestamps=stamps, origin=DAILY, column="value", time_kind="datetime",
                         frequency=tsfreq.infer(stamps))


def synthetic(cfg: SyntheticConfig) -> Series:
    """Level + trend + seasonalities + Gaussian noise + abrupt level shifts, then NaN holes;
    hourly timestamps from a Monday midnight. A pure function of `cfg` (its own seed)."""
    rng = np.random.default_rng(cfg.seed)
    n = cfg.length
    t = np.arange(n, dtype=np.float64)
    y = cfg.level + cfg.trend * t
    for period, amplitude in cfg.seasonalities:
        y = y + amplitude * np.sin(2.0 * math.pi * t / period)
    y = y + cfg.noise * rng.standard_normal(n)
    if cfg.level_shifts:
        at = rng.integers(1, n, size=cfg.level_shifts)
        signs = rng.choice([-1.0, 1.0], size=cfg.level_shifts)
        for pos, sign in zip(at, signs):
            y[pos:] += sign * cfg.level_shift_size
    k = int(round(cfg.missing_fraction * n))
    if k:
        y[rng.choice(n, size=k, replace=False)] = np.nan
    start = datetime(2024, 1, 1)  # a Monday
    stamps = [start + timedelta(hours=i) for i in range(n)]
    return Series(values=y, timestamps=stamps, origin=SYNTHETIC, column="value", time_kind="datetime", frequency=tsfreq.infer(stamps))


__all__ = ["DAILY", "HOLIDAY_EFFECT", "SYNTHETIC", "daily", "synthetic"]
