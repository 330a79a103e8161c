"""Forecasts past the end of the data: N steps after the last row of train+val+test, with bands.

    known rows 0..m-1 (work space)        | future rows m..m+N-1
    features from the data                | features from the run's own pipeline (task.prepare,
                                          | every decision kept) on the series extended with
                                          | future timestamps (tsfreq: calendar, holidays),
                                          | indices (periods) and future covariate values
    column 0 = the scaled value           | column 0 = the model's own forecast, chunk by chunk

When N exceeds the trained horizon H the forecast is recursive: forecast H steps, write them into
column 0 of the next rows (the model predicts exactly the space column 0 lives in: scaled, and
differenced when the run differences), move the origin H steps on, repeat. Only at the end is the
whole path mapped back to original units (Prepared.to_original: exact inverse scaling, then
tsstat.Differencing.invert: the first difference summed from the last known level, then the
seasonal difference P undone step by step, reading its own earlier forecasts past P steps). Several runs forecast as their mean, chunk by chunk.

Bands are split-conformal per step of the path: the same recursive forecaster is run from origins
spread over the data after the training split (val and test: at forecast time the test split has
been scored and is simply the most recent past), and its errors at each step calibrate that step.
Steps further ahead than any calibration path reaches widen as √k from the last calibrated step
(the random-walk rate), or keep its width where ADF and KPSS both call the series stationary and
it was not differenced (its errors level off: tsstat.errors_grow); the report says which steps
were calibrated.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Optional, Sequence

import numpy as np
import torch

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import covariates as tscov
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import intervals as ti
from rnnlab.tasks.timeseries import stationarity as tsstat
from rnnlab.tasks.timeseries import timeforms as tsforms
from rnnlab.tasks.timeseries.series import Series

# Calibration paths for future bands: at most this many origins (more when a high level needs
# them), and a step needs at least MIN_CALIBRATION errors before its band counts as calibrated.
CALIBRATION_ORIGINS = 128
MIN_CALIBRATION = 20


# ---------------------------------------------------------------- time steps


def future_times(d: tsdata.Prepared, n: int) -> list[datetime]:
    """The n timestamps after the data's last, at the frequency tsfreq inferred for the run
    (calendar months for monthly data, month ends kept as month ends)."""
    f = d.frequency
    if not f.months and f.seconds <= 0:
        raise UserError(
            f"{d.origin}: the time column has too few rows to infer a time step ({f.name}); "
            "forecasting past the end needs a regular time column (or none: rows are then numbered)"
        )
    return tsfreq.future_stamps(d.timestamps[-1], f, n)


# ---------------------------------------------------------------- recursion


def _extended(task, n_future: int, future_covariates: Optional[dict[str, np.ndarray]]) -> tsdata.Prepared:
    """The task's series prepared again with `n_future` placeholder rows after its end, through
    the task's own pipeline with every decision of the run kept (task.prepare: scaling,
    differencing, periods, calendar parts, holidays), so a future row's features (the calendar and
    holidays of its date, its periods, covariates) come from the same code as a known row's.
    Column 0 of the future rows is a placeholder that `paths` overwrites with forecasts."""
    d = task.data
    stamps = None
    if d.timestamps is not None:
        stamps = list(d.timestamps) + future_times(d, n_future)
    values = np.concatenate([d.levels, np.full(n_future, d.levels[-1])])
    series = Series(values=values, timestamps=stamps, origin=d.origin, column=d.column, frequency=d.frequency)
    covariates = tscov.extend(task.covariates, n_future, future_covariates)
    ext = task.prepare(series, covariates=covariates)
    m = d.features.shape[0]
    # the same pipeline, so the known rows' features are the run's own (bar future covariates'
    # leads, which now hold the supplied values instead of 0)
    if ext.features.shape != (m + n_future, d.features.shape[1]) or ext.feature_names != d.feature_names:
        raise RuntimeError("the extended series has other features than the run's; cannot forecast past the end")
    return ext


@torch.no_grad()
def paths(models: Sequence[torch.nn.Module], features: np.ndarray, origins: np.ndarray, steps: int, window: int, horizon: int,
          device: torch.device | str, point=None, relative: str = "none") -> np.ndarray:
    """Recursive forecasts (len(origins), steps) in model space from each origin (a work row):
    chunks of `horizon`, each chunk's forecasts fed back as column 0 of the rows it covers.
    `point` maps a probabilistic head's raw output to its point forecast (default: as is).
    `relative` (task.relative) "last": each chunk's window is measured from its own last value and
    its forecasts added to it; the path comes back measured from the value before `origins`, as
    Prepared.to_original expects. "ets": one chunk only (future_forecast refuses more), the
    model's output as is: to_original adds ETS's forecast back."""
    if relative == "ets" and steps > horizon:
        raise ValueError("relative 'ets' paths reach one horizon")
    origins = np.asarray(origins, dtype=np.int64)
    chunks = math.ceil(steps / horizon)
    out = np.zeros((origins.size, chunks * horizon))  # absolute scaled values, made relative at the end
    for c in range(chunks):
        at = origins + c * horizon
        rows = at[:, None] + np.arange(-window, 0)[None, :]
        x = features[rows].copy()
        ahead = rows - origins[:, None]  # >= 0: a row after the origin, holding a forecast
        fed = ahead >= 0
        if fed.any():
            x[..., 0][fed] = out[np.nonzero(fed)[0], ahead[fed]]
        base = x[:, -1, 0].astype(np.float64) if relative != "none" else np.zeros(origins.size)
        x[..., 0] -= base[:, None].astype(x.dtype)
        if relative == "ets":
            base = np.zeros(origins.size)
        preds = []
        for model in models:
            out_m, _ = model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device))
            raw = out_m[:, -1, :].float().cpu().numpy().astype(np.float64)
            preds.append(point(raw) if point is not None else raw)
        out[:, c * horizon : (c + 1) * horizon] = np.mean(preds, axis=0) + base[:, None]
    if relative == "last":
        out -= features[origins - 1, 0].astype(np.float64)[:, None]
    return out[:, :steps]


def _calibration(models, task, features: np.ndarray, steps: int, levels, device) -> tuple[ti.Conformal, int, list[str]]:
    """Conformal half-widths for each of `steps` path steps from origins after the training
    split, how many steps had enough errors to be calibrated, and a note for each level that
    fell back: with too few errors (a short series), the fused bands' normal fallback z_L·σ_k
    of seasonal-naive's errors on the training split, widened as √k past the horizon (flat for a
    stationary series, tsstat.errors_grow)."""
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
    pred = paths(models, features, origins, reach, d.window, d.horizon, device, task.head.point, d.relative)
    fc = d.to_original(pred, origins)
    idx = origins[:, None] + np.arange(reach)[None, :] + d.offset
    actual = np.where(idx < d.levels.size, d.levels[np.minimum(idx, d.levels.size - 1)], np.nan)
    conf = ti.Conformal.fit(actual - fc, levels)
    counts = np.sum(~np.isnan(actual), axis=0)
    calibrated = int(np.sum(counts >= need))
    radius = np.full((len(levels), steps), np.inf)
    radius[:, :reach] = conf.radius
    grows = tsstat.errors_grow(d.diff, d.stationarity)
    if calibrated == 0:
        from rnnlab.tasks.timeseries import fusion

        h = d.horizon
        sigma = fusion.fallback_sigma(d.levels, d.splits.train + d.offset, task.season, h)
        radius = np.empty((len(levels), steps))
        near = min(steps, h)
        radius[:, :near] = fusion.fallback_radius(sigma, levels)[:, :near]
        ti.widen_past(radius, h, grows)
        notes = [fusion.fallback_note(lv, int(counts[0]), need=need, wider=False) for lv in levels]
        return ti.Conformal(tuple(float(v) for v in levels), radius, int(counts[0])), 0, notes
    # Beyond the calibrated steps: grow like a random walk's spread, sqrt(k), from the last one
    # (flat where the series is stationary and not differenced: its errors level off)
    ti.widen_past(radius, calibrated, grows)
    return ti.Conformal(tuple(float(v) for v in levels), radius, int(counts[:calibrated].min())), calibrated, []


def future_forecast(
    models: Sequence[torch.nn.Module],
    task,
    steps: int,
    levels: Sequence[float] = ti.LEVELS,
    device: torch.device | str = "cpu",
    future_covariates: Optional[dict[str, np.ndarray]] = None,
    model: str = "fused",
) -> dict[str, Any]:
    """{"time_column", "step", "rows": [{"time"|"index", "forecast", "lower_L", "upper_L"...}], ...}.

    `model`: "fused" (the default: fusion.future's combination of the RNN and the classical
    members), "rnn" (the recurrent model alone, with its own recursive-path bands below) or a
    member's name; the report also carries every member's path ("members") and the weights."""
    d = task.data
    h = d.horizon
    if d.relative == "ets" and steps > h:
        raise UserError(
            f"this run learned what ETS's forecast misses (task.relative = 'ets'), one horizon ahead: --future {steps} "
            f"needs at most {h} steps (or a run with task.relative = 'last' or 'none')"
        )
    n_rows = math.ceil(steps / h) * h
    ext = _extended(task, n_rows, future_covariates)
    m = d.features.shape[0]
    for net in models:
        net.eval()
    origin = np.array([m], dtype=np.int64)
    pred = paths(models, ext.features, origin, steps, d.window, h, device, task.head.point, d.relative)
    forecast = d.to_original(pred, origin)[0]
    fused: dict[str, Any] = {}
    rnn_notes: list[str] = []
    if model == "rnn":
        conf, calibrated, rnn_notes = _calibration(models, task, ext.features, steps, levels, device)
        intervals = ("split-conformal per step, from recursive forecasts at origins in the val and test splits"
                     if calibrated else "the normal fallback ±z·σ of seasonal-naive's errors on the training split, "
                     "too few val and test origins to calibrate; beyond the horizon widened as sqrt(k) unless stationary")
    else:
        from rnnlab.tasks.timeseries import fusion

        fz = fusion.future(task, models, device, forecast, steps, levels, model)
        forecast = fz["path"]
        conf = ti.Conformal(tuple(float(v) for v in levels), fz["radius"], fz["calibration"].origins)
        calibrated = min(steps, h)
        intervals = (f"split-conformal per step from the latest {fusion.CALIBRATION_WINDOW} errors of the odd validation "
                     "origins and the test origins (not those that chose the weights), the wider of them as made and "
                     "rescaled to how much the series moves now, as on the test split; beyond the horizon widened as sqrt(k) "
                     "unless the series is stationary and not differenced (then as at the horizon)")
        members = fz["members"]
        notes = fz["calibration"].notes()
        cfg = task.cfg
        if future_covariates is None and (cfg.future_covariates or (cfg.covariates and steps > h)):
            # a classical member asked for without the covariates' future: the model's path (and so
            # the fused one) would read made-up covariate values; left out, not shown
            members = {k: p for k, p in members.items() if k not in (fusion.RNN, "fused")}
            notes.append(f"the recurrent model and the fused forecast need the covariates' next {steps} values "
                         "(--covariates FILE.csv); the classical members read the series alone")
        fused = {"model": model, "weights": fz["weights"], "notes": notes,
                 "members": {k: [float(v) for v in p] for k, p in members.items()}}
    bands = conf.bands(forecast)
    n = d.levels.size
    last_time: Any = n - 1
    if d.timestamps is not None:
        # dates stay dates: a daily/weekly/monthly CSV gets 2024-03-17, not 2024-03-17T00:00:00
        dates_only = all(t.hour == t.minute == t.second == t.microsecond == 0 and t.tzinfo is None for t in d.timestamps)
        # quarters stay quarters: 2009Q3 continues as 2009Q4 (tsfreq.label)
        fmt = lambda t: tsfreq.label(t, d.frequency, dates_only)  # noqa: E731
        times: list[Any] = [fmt(t) for t in future_times(d, steps)]
        time_key, step_text, last_time = "time", d.frequency.describe(), fmt(d.timestamps[-1])
    else:
        # a file's own step numbers continue (93 after 92); without a time column, row numbers
        times, time_key, step_text = [tsforms.step_number(d.frequency.form, n + k) for k in range(steps)], "index", "1 row"
        last_time = tsforms.step_number(d.frequency.form, n - 1)
    # a series never negative in its data (counts, prices, sales): no forecast or band below 0, which
    # can only bring each nearer a value that is not negative either (the test scores are unclipped)
    floor = 0.0 if float(np.nanmin(d.levels)) >= 0.0 else -math.inf
    cut = min(float(np.min(forecast[:steps])), *(float(np.min(bands[lv][0][:steps])) for lv in conf.levels)) < floor
    rows = []
    for k in range(steps):
        row: dict[str, Any] = {time_key: times[k], "forecast": max(floor, float(forecast[k]))}
        for lv in conf.levels:
            lo, hi = bands[lv]
            row[f"lower_{ti.level_name(lv)}"] = max(floor, float(lo[k]))
            row[f"upper_{ti.level_name(lv)}"] = max(floor, float(hi[k]))
        rows.append(row)
    return {
        "steps": steps,
        "horizon": h,
        "recursive": steps > h,
        "time_column": time_key,
        "step": step_text,
        "last_time": last_time,
        "levels": [float(v) for v in conf.levels],
        "intervals": intervals,
        "calibrated_steps": calibrated,
        "calibration_errors": conf.n,
        "rows": rows,
        "clipped_at": 0.0 if cut else None,  # only when some forecast or bound was below 0
        **({"model": "rnn", "notes": rnn_notes} if not fused else fused),
    }


__all__ = ["future_forecast", "future_times", "paths"]
