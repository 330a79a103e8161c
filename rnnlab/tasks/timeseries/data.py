"""The time-series data pipeline (numpy only, no model code): load, fill, difference, split,
scale, add time features, cut windows.

The steps, in order (anything fitted, only on the training split, so nothing of val/test leaks):

    raw (CSV via read or builtin:synthetic; NaN = missing; a regular series' skipped rows put back as NaN; tsfreq)
      └─ fill           causal: the last observed value     levels x[0..n), observed mask
          └─ difference  tsstat.Differencing: seasonal P, then first order ("auto": ADF/KPSS on
          │              the training split)                work   z[0..m), m = n - offset
              └─ split   chronological: train | val | test   (test = the last test_fraction)
                  └─ scale  standard | minmax | none, FITTED ON TRAIN ONLY (task.relative: "standard"
                  │         divides by the mean seasonal step, relative.step_scaler)
                      └─ features  [scaled, sin/cos of each period, calendar sin/cos, holidays]
                                   (features, holidays)

Periods and season: task.periods / task.season, else the frequency, else detected in the training
split's values (resolve_seasons); `Prepared.choices()` says which. A series starts at its first
value and ends at its last: the file's empty rows before and after are not the series'.
A window forecasts the `horizon` values at work rows t..t+horizon from the `window` rows before t.
Training windows lie wholly inside the training split. Validation and test windows have their
targets inside their split and read their inputs from the rows just before (the past is known at
forecast time), so the training split needs window + horizon rows and val/test need horizon each.
Work row i is original row i + offset, which is how forecasts go back to original units.
`task.relative` ("last": from the value before the origin; "ets": targets from ETS's forecast): relative.py.

No leakage by construction: a missing value is filled from the past only (the last observed value;
rows before the first observation take that first value), so no input at or before row t-1 reads
x[t] or later, whatever `task.fill` says (interpolation would put (x[t-2] + x[t]) / 2 at t-1, the
first target inside the input). The observed mask is kept beside the values: a target that was
never observed is NaN, and drops out of the loss, every metric, the baselines' scores and the
conformal residuals.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import numpy as np

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import read as tscsv
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import holidays as tsholidays
from rnnlab.tasks.timeseries import relative as tsrel
from rnnlab.tasks.timeseries import stationarity as tsstat
from rnnlab.tasks.timeseries.features import CALENDAR_PARTS, calendar_features, calendar_parts, periodic_features  # noqa: F401 (re-exported)
from rnnlab.tasks.timeseries.series import Series, Stamps
from rnnlab.tasks.timeseries.sizes import (  # noqa: F401 (tsdata.split_sizes etc. as before)
    Splits, check_length, default_window_horizon, min_rows, resolve_window, split_sizes)
from rnnlab.tasks.timeseries.synthetic import DAILY, SYNTHETIC, daily, synthetic

# ---------------------------------------------------------------- sources


def load_series(cfg: TaskConfig) -> Series:
    """The series named by `task.source`: a CSV path or builtin:synthetic."""
    source = cfg.source or SYNTHETIC
    if source == SYNTHETIC:
        return synthetic(cfg.synthetic)
    if source == DAILY:
        return daily(cfg.synthetic)
    if source.startswith("builtin:"):
        raise UserError(
            f"task.source = {source!r}: unknown builtin; the time-series builtins are {SYNTHETIC!r}, "
            "'builtin:synthetic-daily' and 'builtin:synthetic-driven'"
        )
    return load_csv(Path(source).expanduser(), column=cfg.column, time_column=cfg.time_column, delimiter=cfg.delimiter)


def load_csv(path: Path, column: Optional[str] = None, time_column: Optional[str] = None, delimiter: Optional[str] = None) -> Series:
    """Read one numeric column and its time column from a CSV with a header (forms: read.py);
    without `time_column`, the first column that parses as dates or years. A regular series'
    missing rows (a week without a row) come back as NaN rows, like empty cells."""
    table = tscsv.read_table(path, delimiter)
    if time_column is not None:
        tscsv.column_index(table, time_column, "time_column")  # a misspelt name first
    elif column is None or column in table.header:
        time_column = tscsv.find_time_column(table, skip=column)
    if column is None:
        column = tscsv.pick_column(table, time_column)
    tscsv.oldest_first(table, time_column)
    values = tscsv.values(table, column)
    stamps, kind, index = None, None, None
    if time_column is not None:
        index, kind = tscsv.times(table, time_column)
        if index is None:
            time_column = time_column if kind.startswith(("index", "steps", "next")) else None
    # empty rows before the first value (a column that begins later) and after the last: not the series'
    seen = np.flatnonzero(~np.isnan(values))
    lead, empty = (int(seen[0]), int(values.size - seen[-1] - 1)) if seen.size else (0, 0)
    if empty or lead:
        values, index = values[lead : seen[-1] + 1], None if index is None else index[lead : seen[-1] + 1]
        if kind and kind.startswith(("steps", "next")):  # the file's own numbers of the rows kept
            kind = tscsv.steps_of(tscsv.values(table, time_column)[lead : seen[-1] + 1])
    # years and quarters are written back as the file wrote them (tsfreq.label)
    freq = replace(tsfreq.infer(index), form=tscsv.form_of(kind))
    if index is not None:
        stamps = Stamps(index)
        if freq.gaps:
            values, stamps = tsfreq.regularize(values, stamps, freq)
    notes = ((f"{lead} empty rows before the first value left out: the series starts at its first value",) if lead else ()) + (
        (f"{empty} empty rows after the last value left out: the series ends at its last value",) if empty else ())
    return Series(values=values, timestamps=stamps, origin=str(path), column=column, time_kind=kind and kind.partition(":")[0], frequency=freq,
                  time_column=time_column, file_rows=table.n_rows - empty - lead, file_start=lead, reading=table.reading() + notes)

# ---------------------------------------------------------------- preprocessing


def fill_missing(values: np.ndarray, method: str = "interpolate", origin: str = "series") -> np.ndarray:
    """Fill NaN: linear interpolation between neighbours, or carry the last value forward.
    Leading gaps take the first known value (and with interpolate, trailing gaps the last)."""
    y = np.asarray(values, dtype=np.float64).copy()
    bad = np.isnan(y)
    if not bad.any():
        return y
    if bad.all():
        raise UserError(f"{origin}: every value is missing; nothing to forecast")
    idx = np.arange(y.size)
    if method == "interpolate":
        y[bad] = np.interp(idx[bad], idx[~bad], y[~bad])
    elif method == "ffill":
        last = np.where(~bad, idx, 0)
        np.maximum.accumulate(last, out=last)
        first = int(np.argmax(~bad))
        last[:first] = first
        y = y[last]
    else:
        raise UserError(f"task.fill = {method!r}: expected 'interpolate' or 'ffill'")
    return y


def fill_causal(values: np.ndarray, origin: str = "series") -> np.ndarray:
    """Fill NaN with the last observed value (never a later one); rows before the first
    observation take that first value, as nothing earlier exists."""
    return fill_missing(values, "ffill", origin)


def difference(levels: np.ndarray) -> np.ndarray:
    """First differences z[i] = x[i+1] - x[i] (one shorter): removes trend and level shifts."""
    return np.diff(np.asarray(levels, dtype=np.float64))


def undifference(diffs: np.ndarray, last_level: float | np.ndarray) -> np.ndarray:
    """Invert `difference` along the last axis: last_level + cumulative sum of the differences.
    `last_level` is the known level just before the first difference (one per row if 2-D)."""
    d = np.asarray(diffs, dtype=np.float64)
    base = np.asarray(last_level, dtype=np.float64)
    return base[..., None] + np.cumsum(d, axis=-1) if base.ndim else base + np.cumsum(d, axis=-1)


@dataclass
class Scaler:
    """An affine map v -> (v - center) / scale; `fit` looks only at the values it is given."""

    kind: str = "none"
    center: float = 0.0
    scale: float = 1.0

    @classmethod
    def fit(cls, values: np.ndarray, kind: str) -> "Scaler":
        v = np.asarray(values, dtype=np.float64)
        if kind == "standard":
            center, scale = float(v.mean()), float(v.std())
        elif kind == "minmax":
            # Maps the training range onto [0, 1].
            center, scale = float(v.min()), float(v.max() - v.min())
        elif kind == "none":
            center, scale = 0.0, 1.0
        else:
            raise UserError(f"task.scale = {kind!r}: expected 'standard', 'minmax' or 'none'")
        # A constant training split would divide by zero; leave its spread alone instead.
        return cls(kind, center, scale if scale > 0 else 1.0)

    def transform(self, values):
        return (np.asarray(values, dtype=np.float64) - self.center) / self.scale

    def inverse(self, values):
        return np.asarray(values, dtype=np.float64) * self.scale + self.center

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "center": self.center, "scale": self.scale}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Scaler":
        return cls(str(d["kind"]), float(d["center"]), float(d["scale"]))


# ---------------------------------------------------------------- features


def make_windows(features: np.ndarray, target: np.ndarray, starts: np.ndarray, window: int, horizon: int):
    """Inputs features[t-window:t] and targets target[t:t+horizon] for each forecast origin t."""
    starts = np.asarray(starts, dtype=np.int64)
    x = features[starts[:, None] + np.arange(-window, 0)[None, :]]
    y = target[starts[:, None] + np.arange(horizon)[None, :]]
    return x, y


# ---------------------------------------------------------------- the whole pipeline


@dataclass
class Seasons:
    """The periods (sin/cos features) and season (seasonal naive, MASE) in use, and whence."""

    periods: list[float]
    season: int
    source: str  # "task.periods", a frequency name ("weekly"), "detected" or "none found"


def resolve_seasons(cfg: TaskConfig, freq: tsfreq.Frequency, train_levels: np.ndarray) -> Seasons:
    """Explicit task.periods / task.season win; then the frequency's defaults; then periods
    detected in the training split's values (yearly, irregular or untimed series)."""
    if cfg.periods is not None:
        periods, source = [float(p) for p in cfg.periods], "task.periods"
    elif freq.periods:
        periods, source = list(freq.periods), freq.name
    else:
        found = tsfreq.detect_periods(train_levels)
        periods = [float(p) for p in found.periods]
        source = "detected" if periods else "none found"
    if cfg.season:
        season = int(cfg.season)
    elif cfg.periods is None and freq.season:
        season = freq.season
    else:
        season = int(round(periods[0])) if periods else 1
    return Seasons(periods, max(1, season), source)


@dataclass
class Prepared:
    """A series ready for windows. Work row i is original row i + offset."""

    levels: np.ndarray  # filled series in original units, length n
    offset: int  # rows lost to differencing (seasonal P + first-order d)
    work: np.ndarray  # the modelled series before scaling, length m = n - offset
    scaled: np.ndarray
    features: np.ndarray  # (m, F) float32, column 0 = scaled
    feature_names: list[str]
    scaler: Scaler
    splits: Splits
    window: int
    horizon: int
    missing: int = 0
    origin: str = ""
    column: str = ""
    timestamps: Optional[list[datetime]] = field(default=None, repr=False)
    diff: tsstat.Differencing = field(default_factory=tsstat.Differencing)
    frequency: tsfreq.Frequency = field(default_factory=lambda: tsfreq.NONE)
    seasons: Seasons = field(default_factory=lambda: Seasons([], 1, "none found"))
    # ADF/KPSS on the training split, when task.difference = "auto" asked for them
    stationarity: Optional[dict[str, Any]] = None
    holidays: Optional[str] = None  # the country whose holidays are features
    calendar: tuple[str, ...] = ()  # the calendar parts that are features (hour, dow, year)
    observed: Optional[np.ndarray] = field(default=None, repr=False)  # (n,) bool: the value was in the data
    relative: str = "none"  # task.relative; with "ets", ETS's forecast from each origin 0..m, scaled:
    ets_base: Optional[np.ndarray] = field(default=None, repr=False)

    def base(self, starts: np.ndarray) -> np.ndarray:
        """What the targets of each origin are measured from, scaled: ETS's forecast (relative
        "ets", (N, horizon)), else the value before the origin ((N, 1): any path's length)."""
        if self.ets_base is not None:
            return self.ets_base[np.asarray(starts, dtype=np.int64)]
        return self.last(starts)[:, None]

    def last(self, starts: np.ndarray) -> np.ndarray:
        """The scaled value before each origin t (t may be the series' end, for --future)."""
        return self.scaled[np.asarray(starts, dtype=np.int64) - 1]

    def starts(self, split: str) -> np.ndarray:
        """Every forecast origin t of a split (see the module docstring for the rule)."""
        lo, hi = self.splits.bounds(split)
        if split == "train":
            lo += self.window
        return np.arange(lo, hi - self.horizon + 1, dtype=np.int64)

    def windows(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(inputs (N, window, F) float32, scaled targets (N, horizon)); `relative`: column 0 of
        the inputs minus the value before the origin, the targets minus `base` (relative.py)."""
        x, y = make_windows(self.features, self.target, starts, self.window, self.horizon)
        if self.relative != "none":
            x[:, :, 0] -= self.last(starts)[:, None].astype(np.float32)  # make_windows' fancy indexing made a copy
            y = y - self.base(starts)
        return x, y

    @property
    def target(self) -> np.ndarray:
        """The scaled series with NaN where the value was never observed (what the loss reads)."""
        if self.observed is None or self.observed.all():
            return self.scaled
        return np.where(self.observed[self.offset :], self.scaled, np.nan)

    def actual(self, starts: np.ndarray) -> np.ndarray:
        """The true future in original units, (N, horizon); NaN where never observed."""
        idx = np.asarray(starts)[:, None] + np.arange(self.horizon)[None, :] + self.offset
        if self.observed is None:
            return self.levels[idx]
        return np.where(self.observed[idx], self.levels[idx], np.nan)

    def to_original(self, pred_scaled: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Undo the relative window (add the value before the origin back), scaling, then
        differencing from the levels known before each origin."""
        if self.relative != "none":
            pred_scaled = np.asarray(pred_scaled, dtype=np.float64)
            pred_scaled = pred_scaled + self.base(starts)[:, : pred_scaled.shape[-1]]
        work = self.scaler.inverse(pred_scaled)
        return self.diff.invert(work, self.levels, np.asarray(starts) + self.offset)

    def history(self, t: int) -> np.ndarray:
        """All original values known at forecast origin t."""
        return self.levels[: int(t) + self.offset]

    def train_levels(self) -> np.ndarray:
        return self.levels[: self.splits.train + self.offset]

    def train_observed(self) -> np.ndarray:
        """The training split's values as observed (NaN where missing): the MASE scale's data."""
        n = self.splits.train + self.offset
        if self.observed is None:
            return self.levels[:n]
        return np.where(self.observed[:n], self.levels[:n], np.nan)

    def choices(self) -> str:
        """What was inferred, in a few words for the `started:` line."""
        f = self.frequency
        if f.name == "none":
            what = "step numbers" if f.form.startswith(("steps", "next")) else "no time column"  # `day` 1..1108: the file's own
        else:
            what = f.name + (f", {f.gaps} missing rows put back" if f.gaps else "")
        per = ", ".join(f"{p:.4g}" for p in self.seasons.periods) or "none"
        out = f"{what}; season {self.seasons.season}, periods [{per}] ({self.seasons.source})"
        parts = []
        if self.diff.seasonal:
            parts.append(f"seasonal difference {self.diff.seasonal}")
        if self.stationarity is not None:
            parts.append(("differenced" if self.diff.order else "not differenced") + f" (auto: {tsstat.verdict(self.stationarity)})")
        elif self.diff.order:
            parts.append("differenced")
        if self.holidays:
            parts.append(f"{self.holidays} holidays")
        return out + ("; " + ", ".join(parts) if parts else "")


def prepare(series: Series, cfg: TaskConfig, scaler: Optional[Scaler] = None, like: Optional[Prepared] = None) -> Prepared:
    """Run the pipeline. A given `scaler` (from a saved run) is used instead of fitting one.

    `like` (the run's own Prepared) fixes every decision instead of taking it again: frequency,
    periods and season, differencing, calendar parts, scaling. Another version of the run's series
    (extended into the future with its timestamps, or with forecasts written in) then gets exactly
    the run's feature columns from this same code, e.g. holidays and calendar features of future
    dates (tsfuture)."""
    if cfg.fill not in ("interpolate", "ffill"):
        raise UserError(f"task.fill = {cfg.fill!r}: expected 'interpolate' or 'ffill'")
    levels = fill_causal(series.values, series.origin)
    missing = int(np.isnan(series.values).sum())
    if like is not None:
        return _features(series, cfg, levels, missing, like.diff, like.seasons, like.frequency, like.calendar,
                         scaler or like.scaler, like.stationarity, (like.window, like.horizon))
    # Decisions read the training split only: what the model is scored on must not shape the
    # model. Differencing moves the split by a row or so, hence the margin.
    P = int(cfg.seasonal_difference)
    n_train = max(2, split_sizes(levels.size - P - 1, cfg.val_fraction, cfg.test_fraction).train - 1)
    seasons = resolve_seasons(cfg, series.frequency, levels[:n_train])
    if P and P >= n_train // 2:
        raise UserError(
            f"task.seasonal_difference = {P}: the training split has {n_train} rows; a seasonal "
            f"difference needs at least two seasons in it (use a value below {n_train // 2})"
        )
    stationarity = None
    if cfg.relative == "ets" and (P or cfg.difference is True):
        raise UserError(
            "task.relative = 'ets' measures the targets from ETS's forecast in the series' own units (ETS has its own "
            "trend and season): set task.difference = false (or \"auto\") and no task.seasonal_difference"
        )
    if cfg.difference == "auto" and cfg.relative == "ets":
        order = 0
    elif cfg.difference == "auto":
        base = tsstat.Differencing(0, P).apply(levels[:n_train])
        stationarity = tsstat.tests(base)
        order = 0 if stationarity["stationary"] else 1
    else:
        order = int(bool(cfg.difference))
    diff = tsstat.Differencing(order, P)
    parts: tuple[str, ...] = ()
    if cfg.calendar_features and series.timestamps is not None:
        parts = tuple(calendar_parts(series.timestamps, series.frequency))
    return _features(series, cfg, levels, missing, diff, seasons, series.frequency, parts, scaler, stationarity)


def _features(series: Series, cfg: TaskConfig, levels: np.ndarray, missing: int, diff: tsstat.Differencing, seasons: Seasons,
              frequency: tsfreq.Frequency, parts: tuple[str, ...], scaler: Optional[Scaler],
              stationarity: Optional[dict[str, Any]], sizes: Optional[tuple[int, int]] = None) -> Prepared:
    """The pipeline after its decisions: difference, split, scale, and the feature columns (the
    one place they are computed, for the run's series and for any version of it)."""
    offset = diff.offset
    work = diff.apply(levels)
    window, horizon = sizes or resolve_window(cfg, work.size, offset, seasons.season, series.origin)
    splits = check_length(work.size, cfg, series.origin, offset, window, horizon)
    if scaler is None:
        scaler = Scaler.fit(work[: splits.train], cfg.scale)
        if cfg.relative != "none":  # relative windows are steps: measured in the mean seasonal step
            scaler = tsrel.step_scaler(work[: splits.train], scaler, seasons.season)
    scaled = scaler.transform(work)
    index = np.arange(work.size) + offset
    cols, names = [scaled[:, None]], ["value"]
    per, per_names = periodic_features(index, seasons.periods)
    cols.append(per)
    names += per_names
    if parts:
        cal, cal_names = calendar_features(series.timestamps[offset:], parts)
        cols.append(cal)
        names += cal_names
    if cfg.holidays:
        tsholidays.check_series(series.timestamps, frequency, series.origin)
        hol, hol_names = tsholidays.features(series.timestamps[offset:], cfg.holidays, cfg.holiday_subdivision)
        cols.append(hol)
        names += hol_names
    features = np.concatenate(cols, axis=1).astype(np.float32)
    ets_base = tsrel.ets_base(levels, splits.train, seasons.season, scaler, horizon) if cfg.relative == "ets" else None
    return Prepared(
        ets_base=ets_base,
        levels=levels,
        offset=offset,
        work=work,
        scaled=scaled,
        features=features,
        feature_names=names,
        scaler=scaler,
        splits=splits,
        window=window,
        horizon=horizon,
        missing=missing,
        observed=~np.isnan(np.asarray(series.values, dtype=np.float64)),
        origin=series.origin,
        column=series.column,
        timestamps=series.timestamps,
        diff=diff,
        frequency=frequency,
        seasons=seasons,
        calendar=parts,
        stationarity=stationarity,
        relative=cfg.relative,
        holidays=(cfg.holidays.upper() + (f"-{cfg.holiday_subdivision}" if cfg.holiday_subdivision else "")) if cfg.holidays else None,
    )
