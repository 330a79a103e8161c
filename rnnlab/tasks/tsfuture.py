"""Forecasts past the end of the data: N steps after the last row of train+val+test, with bands.

    known rows 0..m-1 (work space)        | future rows m..m+N-1
    features from the data                | features from prepare() on the series extended with
                                          | future timestamps (calendar), indices (periods) and
                                          | the user's future covariate values
    column 0 = the scaled value           | column 0 = the model's own forecast, chunk by chunk

When N exceeds the trained horizon H the forecast is recursive: forecast H steps, write them into
column 0 of the next rows (the model predicts exactly the space column 0 lives in: scaled, and
differenced when the run differences), move the origin H steps on, repeat. Only at the end is the
whole path mapped back to original units (Prepared.to_original: exact inverse scaling, then the
cumulative sum from the last known level). Several runs forecast as their mean, chunk by chunk.

Bands are split-conformal per step of the path: the same recursive forecaster is run from origins
spread over the data after the training split (val and test: at forecast time the test split has
been scored and is simply the most recent past), and its errors at each step calibrate that step.
Steps further ahead than any calibration path reaches widen as √k from the last calibrated step
(the random-walk rate), and the report says which steps that was.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional, Sequence

import numpy as np
import torch

from rnnlab.errors import UserError
from rnnlab.tasks import tscovariates as tscov
from rnnlab.tasks import tsdata
from rnnlab.tasks import tsintervals as ti

# Calibration paths for future bands: at most this many origins (more when a high level needs
# them), and a step needs at least MIN_CALIBRATION errors before its band counts as calibrated.
CALIBRATION_ORIGINS = 128
MIN_CALIBRATION = 20


# ---------------------------------------------------------------- time steps


@dataclass(frozen=True)
class Step:
    """The series' own time step: a fixed timedelta, or a number of calendar months."""

    delta: Optional[timedelta] = None
    months: int = 0

    def describe(self) -> str:
        if self.months:
            return {1: "monthly", 3: "quarterly", 12: "yearly"}.get(self.months, f"every {self.months} months")
        return _describe_delta(self.delta or timedelta(0))

    def after(self, last: datetime, n: int) -> list[datetime]:
        """The n timestamps following `last`."""
        if self.months:
            return [_add_months(last, self.months * k) for k in range(1, n + 1)]
        return [last + self.delta * k for k in range(1, n + 1)]


_NAMED = {timedelta(hours=1): "hourly", timedelta(days=1): "daily", timedelta(weeks=1): "weekly",
          timedelta(minutes=1): "every minute"}


def _describe_delta(d: timedelta) -> str:
    return _NAMED.get(d, f"every {d}")


def _add_months(t: datetime, months: int) -> datetime:
    """Calendar months later; a month-end date stays at month end (Jan 31 -> Feb 29 -> Mar 31)."""
    month0 = t.month - 1 + months
    year, month = t.year + month0 // 12, month0 % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    at_end = t.day == calendar.monthrange(t.year, t.month)[1]
    return t.replace(year=year, month=month, day=last_day if at_end else min(t.day, last_day))


def infer_step(stamps: Sequence[datetime]) -> Step:
    """The median spacing of the timestamps; spacings of 28-31 days (and multiples: quarters,
    years) are calendar months, since months have no fixed length."""
    if len(stamps) < 2:
        raise UserError("the series has fewer than 2 timestamps; its time step cannot be inferred")
    secs = np.diff(np.array([s.timestamp() if s.tzinfo else (s - datetime(1970, 1, 1)).total_seconds() for s in stamps]))
    median = float(np.median(secs))
    days = median / 86400.0
    for months, lo, hi in ((1, 28, 31), (3, 89, 92), (6, 181, 184), (12, 365, 366)):
        if lo <= days <= hi:
            return Step(months=months)
    return Step(delta=timedelta(seconds=round(median)))


# ---------------------------------------------------------------- recursion


def _extended(task, n_future: int, future_covariates: Optional[dict[str, np.ndarray]]) -> tsdata.Prepared:
    """The task's series prepared again with `n_future` placeholder rows after its end (same
    scaler, same differencing), so every feature of a future row comes from the one pipeline."""
    d = task.data
    stamps = None
    if d.timestamps is not None:
        stamps = list(d.timestamps) + infer_step(d.timestamps).after(d.timestamps[-1], n_future)
    values = np.concatenate([d.levels, np.full(n_future, d.levels[-1])])
    series = tsdata.Series(values=values, timestamps=stamps, origin=d.origin, column=d.column)
    covariates = tscov.extend(task.covariates, n_future, future_covariates)
    # The run's own decision to difference, not a fresh one on the extended series.
    cfg = task.cfg.model_copy(update={"difference": bool(d.offset)})
    ext = task.prepare(series, cfg, covariates)
    m = d.features.shape[0]
    if ext.features.shape[0] != m + n_future or ext.features.shape[1] != d.features.shape[1]:
        raise RuntimeError("the extended series has other features than the run's; cannot forecast past the end")
    return ext


@torch.no_grad()
def paths(models: Sequence[torch.nn.Module], features: np.ndarray, origins: np.ndarray, steps: int, window: int, horizon: int,
          device: torch.device | str, point=None) -> np.ndarray:
    """Recursive forecasts (len(origins), steps) in model space from each origin (a work row):
    chunks of `horizon`, each chunk's forecasts fed back as column 0 of the rows it covers.
    `point` maps a probabilistic head's raw output to its point forecast (default: as is)."""
    origins = np.asarray(origins, dtype=np.int64)
    chunks = math.ceil(steps / horizon)
    out = np.zeros((origins.size, chunks * horizon))
    for c in range(chunks):
        at = origins + c * horizon
        rows = at[:, None] + np.arange(-window, 0)[None, :]
        x = features[rows].copy()
        ahead = rows - origins[:, None]  # >= 0: a row after the origin, holding a forecast
        fed = ahead >= 0
        if fed.any():
            x[..., 0][fed] = out[np.nonzero(fed)[0], ahead[fed]]
        preds = []
        for model in models:
            out_m, _ = model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device))
            raw = out_m[:, -1, :].float().cpu().numpy().astype(np.float64)
            preds.append(point(raw) if point is not None else raw)
        out[:, c * horizon : (c + 1) * horizon] = np.mean(preds, axis=0)
    return out[:, :steps]


def _calibration(models, task, features: np.ndarray, steps: int, levels, device) -> tuple[ti.Conformal, int]:
    """Conformal half-widths for each of `steps` path steps from origins after the training
    split, and how many steps had enough errors to be calibrated."""
    d = task.data
    m = d.features.shape[0]
    lo = d.splits.train
    hi = m - 1  # an origin needs at least one actual value after it
    # level L needs n >= L / (100 - L) errors for a finite rank ceil((n+1)L/100) <= n
    need = max(MIN_CALIBRATION, math.ceil(max(levels) / (100.0 - max(levels))))
    origins = np.arange(lo, hi + 1, dtype=np.int64)
    most = max(CALIBRATION_ORIGINS, 2 * need)
    if origins.size > most:
        origins = origins[np.linspace(0, origins.size - 1, most).round().astype(np.int64)]
    reach = min(steps, m - int(origins[0]))
    pred = paths(models, features, origins, reach, d.window, d.horizon, device, task.head.point)
    fc = d.to_original(pred, origins)
    idx = origins[:, None] + np.arange(reach)[None, :] + d.offset
    actual = np.where(idx < d.levels.size, d.levels[np.minimum(idx, d.levels.size - 1)], np.nan)
    conf = ti.Conformal.fit(actual - fc, levels)
    counts = np.sum(~np.isnan(actual), axis=0)
    calibrated = int(np.sum(counts >= need))
    radius = np.full((len(levels), steps), np.inf)
    radius[:, :reach] = conf.radius
    if calibrated == 0:
        raise UserError(
            f"too little data after the training split to calibrate {max(levels):g}% intervals: the first step has "
            f"{int(counts[0])} forecast errors, needs {need} (a lower --level, or more val/test data)"
        )
    # Beyond the calibrated steps: grow like a random walk's spread, sqrt(k), from the last one.
    k = np.arange(1, steps + 1, dtype=np.float64)
    last = calibrated - 1
    radius[:, calibrated:] = radius[:, [last]] * np.sqrt(k[calibrated:] / k[last])
    return ti.Conformal(tuple(float(v) for v in levels), radius, int(counts[:calibrated].min())), calibrated


def future_forecast(
    models: Sequence[torch.nn.Module],
    task,
    steps: int,
    levels: Sequence[float] = ti.LEVELS,
    device: torch.device | str = "cpu",
    future_covariates: Optional[dict[str, np.ndarray]] = None,
) -> dict[str, Any]:
    """{"time_column", "step", "rows": [{"time"|"index", "forecast", "lower_L", "upper_L"...}], ...}."""
    d = task.data
    h = d.horizon
    n_rows = math.ceil(steps / h) * h
    ext = _extended(task, n_rows, future_covariates)
    m = d.features.shape[0]
    for model in models:
        model.eval()
    origin = np.array([m], dtype=np.int64)
    pred = paths(models, ext.features, origin, steps, d.window, h, device, task.head.point)
    forecast = d.to_original(pred, origin)[0]
    conf, calibrated = _calibration(models, task, ext.features, steps, levels, device)
    bands = conf.bands(forecast)
    n = d.levels.size
    last_time: Any = n - 1
    if d.timestamps is not None:
        step = infer_step(d.timestamps)
        # dates stay dates: a daily/weekly/monthly CSV gets 2024-03-17, not 2024-03-17T00:00:00
        dates_only = all(t.hour == t.minute == t.second == t.microsecond == 0 and t.tzinfo is None for t in d.timestamps)
        fmt = (lambda t: t.date().isoformat()) if dates_only else (lambda t: t.isoformat())
        times: list[Any] = [fmt(t) for t in step.after(d.timestamps[-1], steps)]
        time_key, step_text, last_time = "time", step.describe(), fmt(d.timestamps[-1])
    else:
        times, time_key, step_text = list(range(n, n + steps)), "index", "1 row"
    rows = []
    for k in range(steps):
        row: dict[str, Any] = {time_key: times[k], "forecast": float(forecast[k])}
        for lv in conf.levels:
            lo, hi = bands[lv]
            row[f"lower_{ti.level_name(lv)}"] = float(lo[k])
            row[f"upper_{ti.level_name(lv)}"] = float(hi[k])
        rows.append(row)
    return {
        "steps": steps,
        "horizon": h,
        "recursive": steps > h,
        "time_column": time_key,
        "step": step_text,
        "last_time": last_time,
        "levels": [float(v) for v in conf.levels],
        "intervals": "split-conformal per step, from recursive forecasts at origins in the val and test splits",
        "calibrated_steps": calibrated,
        "calibration_errors": conf.n,
        "rows": rows,
    }


__all__ = ["Step", "future_forecast", "infer_step", "paths"]
