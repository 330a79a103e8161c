"""The time-series data pipeline (numpy only, no model code): load, fill, difference, split,
scale, add time features, cut windows.

The steps, in order (anything fitted, only on the training split, so nothing of val/test leaks):

    raw (CSV or builtin:synthetic, NaN = missing)
      └─ fill           interpolate | ffill                 levels x[0..n)
          └─ difference  optional, z[i] = x[i+1] - x[i]      work   z[0..m), m = n - offset
              └─ split   chronological: train | val | test   (test = the last test_fraction)
                  └─ scale  standard | minmax | none, FITTED ON TRAIN ONLY
                      └─ features  [scaled, sin/cos of each known period, calendar sin/cos]

A window forecasts the `horizon` values at work rows t..t+horizon from the `window` rows before t.
Training windows lie wholly inside the training split. Validation and test windows have their
targets inside their split and read their inputs from the rows just before (the past is known at
forecast time), so the training split needs window + horizon rows and val/test need horizon each.
Work row i is original row i + offset, which is how forecasts go back to original units.
"""

from __future__ import annotations

import csv
import difflib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from rnnlab.config import SyntheticConfig, TaskConfig
from rnnlab.errors import UserError

# Cells that count as missing besides empty ones (common spreadsheet exports).
_MISSING = {"", "na", "n/a", "nan", "null", "none"}

SYNTHETIC = "builtin:synthetic"


@dataclass
class Series:
    """A raw series: values with NaN where missing, optional timestamps, where it came from."""

    values: np.ndarray
    timestamps: Optional[list[datetime]]
    origin: str
    column: str


# ---------------------------------------------------------------- sources


def load_series(cfg: TaskConfig) -> Series:
    """The series named by `task.source`: a CSV path or builtin:synthetic."""
    source = cfg.source or SYNTHETIC
    if source == SYNTHETIC:
        return synthetic(cfg.synthetic)
    if source.startswith("builtin:"):
        raise UserError(f"task.source = {source!r}: unknown builtin; the time-series builtin is {SYNTHETIC!r}")
    return load_csv(Path(source).expanduser(), column=cfg.column, time_column=cfg.time_column)


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
    return Series(values=y, timestamps=stamps, origin=SYNTHETIC, column="value")


def _parse_float(cell: str) -> Optional[float]:
    """float, NaN for a missing cell, None when it is not a number."""
    s = cell.strip()
    if s.lower() in _MISSING:
        return float("nan")
    try:
        return float(s)
    except ValueError:
        return None


def _pick_column(path: Path, header: list[str], rows: list[tuple[int, list[str]]], time_column: Optional[str]) -> str:
    numeric = []
    for j, name in enumerate(header):
        if name == time_column:
            continue
        cells = [r[j] for _, r in rows if j < len(r)]
        parsed = [_parse_float(c) for c in cells]
        if parsed and all(p is not None for p in parsed) and any(p == p for p in parsed):
            numeric.append(name)
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise UserError(f"{path}: no numeric column found (columns: {', '.join(header)}); set task.column")
    raise UserError(f"{path}: {len(numeric)} numeric columns ({', '.join(numeric)}); set task.column to one of them")


def _column_index(path: Path, header: list[str], name: str, key: str) -> int:
    if name in header:
        return header.index(name)
    close = difflib.get_close_matches(name, header, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise UserError(f"{path}: no column {name!r} (task.{key}){hint}; columns are: {', '.join(header)}")


def load_csv(path: Path, column: Optional[str] = None, time_column: Optional[str] = None) -> Series:
    """Read one numeric column (and optionally an ISO timestamp column) from a CSV with a header.

    Empty cells (and NA/NaN/null) are missing values; anything else that is not a finite number
    is a UserError naming the line."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            # Keep each row's line number for error messages.
            rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except FileNotFoundError:
        raise UserError(f"{path}: no such file (task.source); expected a CSV file or {SYNTHETIC!r}") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory (task.source); expected a CSV file") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text (task.source); expected a CSV file") from None
    except csv.Error as err:
        raise UserError(f"{path}: not a readable CSV: {err}") from None
    if not header or not any(h.strip() for h in header):
        raise UserError(f"{path}: empty CSV; expected a header line and one row per time step")
    header = [h.strip() for h in header]
    if time_column is not None:
        ti = _column_index(path, header, time_column, "time_column")
    if column is None:
        column = _pick_column(path, header, rows, time_column)
    ci = _column_index(path, header, column, "column")

    values = np.empty(len(rows), dtype=np.float64)
    stamps: Optional[list[datetime]] = [] if time_column is not None else None
    for k, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise UserError(f"{path}, line {line}: {len(row)} fields but the header has {len(header)}")
        v = _parse_float(row[ci])
        if v is None or math.isinf(v):
            raise UserError(
                f"{path}, line {line}: column {column!r} has {row[ci].strip()!r}, not a number; "
                "leave the cell empty for a missing value"
            )
        values[k] = v
        if stamps is not None:
            cell = row[ti].strip()
            try:
                stamp = datetime.fromisoformat(cell)
            except ValueError:
                raise UserError(
                    f"{path}, line {line}: column {time_column!r} has {cell!r}, not an ISO timestamp "
                    "(e.g. 2024-01-31T13:00)"
                ) from None
            if stamps and stamp <= stamps[-1]:
                raise UserError(
                    f"{path}, line {line}: timestamp {cell} is not after the previous row's; "
                    "rows must be in increasing time order"
                )
            stamps.append(stamp)
    if not rows:
        raise UserError(f"{path}: no data rows after the header")
    return Series(values=values, timestamps=stamps, origin=str(path), column=column)


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


@dataclass(frozen=True)
class Splits:
    """Row counts of the chronological split of the work series."""

    train: int
    val: int
    test: int

    @property
    def total(self) -> int:
        return self.train + self.val + self.test

    def bounds(self, name: str) -> tuple[int, int]:
        lo = {"train": 0, "val": self.train, "test": self.train + self.val}[name]
        return lo, lo + getattr(self, name)


def split_sizes(m: int, val_fraction: float, test_fraction: float) -> Splits:
    """test = the last round(m * test_fraction) rows, val = round(m * val_fraction) before it."""
    n_test = int(round(m * test_fraction))
    n_val = int(round(m * val_fraction))
    return Splits(max(0, m - n_val - n_test), n_val, n_test)


def _short(s: Splits, window: int, horizon: int) -> list[str]:
    out = []
    if s.train < window + horizon:
        out.append(f"the training split has {s.train} rows, needs window + horizon = {window + horizon}")
    for name in ("val", "test"):
        if getattr(s, name) < horizon:
            out.append(f"the {name} split has {getattr(s, name)} rows, needs horizon = {horizon}")
    return out


def check_length(m: int, cfg: TaskConfig, origin: str, offset: int) -> Splits:
    """The splits for `m` work rows, or a UserError saying which split is short and what would do."""
    s = split_sizes(m, cfg.val_fraction, cfg.test_fraction)
    problems = _short(s, cfg.window, cfg.horizon)
    if not problems:
        return s
    train_frac = 1.0 - cfg.val_fraction - cfg.test_fraction
    if train_frac <= 0:
        raise UserError(
            f"{origin}: task.val_fraction + task.test_fraction = {cfg.val_fraction + cfg.test_fraction:g} "
            "leaves no training split; keep their sum below 1"
        )
    # Rounding makes each split at most half a row longer than its fraction, so no length below
    # this bound can work; scanning up from it finds the shortest one that does.
    need = max(
        1,
        math.floor((cfg.window + cfg.horizon - 1) / train_frac),
        math.floor((cfg.horizon - 0.5) / cfg.val_fraction),
        math.floor((cfg.horizon - 0.5) / cfg.test_fraction),
    )
    while _short(split_sizes(need, cfg.val_fraction, cfg.test_fraction), cfg.window, cfg.horizon):
        need += 1
    raise UserError(
        f"{origin}: series too short for window {cfg.window} and horizon {cfg.horizon}: "
        f"{'; '.join(problems)}; it has {m + offset} rows, needs at least {need + offset} "
        "(or a smaller task.window / task.horizon)"
    )


# ---------------------------------------------------------------- features


def periodic_features(index: np.ndarray, periods: Sequence[float]) -> tuple[np.ndarray, list[str]]:
    """sin/cos of 2π·t/p for each known period p, by time index t (a position on the cycle)."""
    t = np.asarray(index, dtype=np.float64)
    cols, names = [], []
    for p in periods:
        angle = 2.0 * math.pi * t / float(p)
        cols += [np.sin(angle), np.cos(angle)]
        names += [f"sin_{p:g}", f"cos_{p:g}"]
    return (np.stack(cols, axis=1) if cols else np.zeros((t.size, 0))), names


def calendar_features(stamps: Sequence[datetime]) -> tuple[np.ndarray, list[str]]:
    """Hour of day and day of week as sin/cos, so 23:00 sits next to 00:00 and Sunday to Monday."""
    hour = np.array([s.hour + s.minute / 60.0 + s.second / 3600.0 for s in stamps], dtype=np.float64)
    dow = np.array([s.weekday() for s in stamps], dtype=np.float64) + hour / 24.0
    h = 2.0 * math.pi * hour / 24.0
    d = 2.0 * math.pi * dow / 7.0
    cols = np.stack([np.sin(h), np.cos(h), np.sin(d), np.cos(d)], axis=1) if len(stamps) else np.zeros((0, 4))
    return cols, ["hour_sin", "hour_cos", "dow_sin", "dow_cos"]


def make_windows(features: np.ndarray, target: np.ndarray, starts: np.ndarray, window: int, horizon: int):
    """Inputs features[t-window:t] and targets target[t:t+horizon] for each forecast origin t."""
    starts = np.asarray(starts, dtype=np.int64)
    x = features[starts[:, None] + np.arange(-window, 0)[None, :]]
    y = target[starts[:, None] + np.arange(horizon)[None, :]]
    return x, y


# ---------------------------------------------------------------- the whole pipeline


@dataclass
class Prepared:
    """A series ready for windows. Work row i is original row i + offset."""

    levels: np.ndarray  # filled series in original units, length n
    offset: int  # 1 when differenced
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

    def starts(self, split: str) -> np.ndarray:
        """Every forecast origin t of a split (see the module docstring for the rule)."""
        lo, hi = self.splits.bounds(split)
        if split == "train":
            lo += self.window
        return np.arange(lo, hi - self.horizon + 1, dtype=np.int64)

    def windows(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(inputs (N, window, F) float32, scaled targets (N, horizon))."""
        return make_windows(self.features, self.scaled, starts, self.window, self.horizon)

    def actual(self, starts: np.ndarray) -> np.ndarray:
        """The true future in original units, (N, horizon)."""
        idx = np.asarray(starts)[:, None] + np.arange(self.horizon)[None, :] + self.offset
        return self.levels[idx]

    def to_original(self, pred_scaled: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Undo scaling, then differencing from the last known level before each origin."""
        work = self.scaler.inverse(pred_scaled)
        if not self.offset:
            return work
        return undifference(work, self.levels[np.asarray(starts) + self.offset - 1])

    def history(self, t: int) -> np.ndarray:
        """All original values known at forecast origin t."""
        return self.levels[: int(t) + self.offset]

    def train_levels(self) -> np.ndarray:
        return self.levels[: self.splits.train + self.offset]


def prepare(series: Series, cfg: TaskConfig, scaler: Optional[Scaler] = None) -> Prepared:
    """Run the pipeline. A given `scaler` (from a saved run) is used instead of fitting one."""
    levels = fill_missing(series.values, cfg.fill, series.origin)
    missing = int(np.isnan(series.values).sum())
    offset = 1 if cfg.difference else 0
    work = difference(levels) if offset else levels.copy()
    splits = check_length(work.size, cfg, series.origin, offset)
    if scaler is None:
        scaler = Scaler.fit(work[: splits.train], cfg.scale)
    scaled = scaler.transform(work)
    index = np.arange(work.size) + offset
    cols, names = [scaled[:, None]], ["value"]
    per, per_names = periodic_features(index, cfg.periods)
    cols.append(per)
    names += per_names
    if cfg.calendar_features and series.timestamps is not None:
        cal, cal_names = calendar_features(series.timestamps[offset:])
        cols.append(cal)
        names += cal_names
    features = np.concatenate(cols, axis=1).astype(np.float32)
    return Prepared(
        levels=levels,
        offset=offset,
        work=work,
        scaled=scaled,
        features=features,
        feature_names=names,
        scaler=scaler,
        splits=splits,
        window=cfg.window,
        horizon=cfg.horizon,
        missing=missing,
        origin=series.origin,
        column=series.column,
        timestamps=series.timestamps,
    )
