"""Rolling-origin backtests (Darts' historical forecasts, NeuralForecast's cross-validation) with
the model fixed: forecast the horizon from K origins over the test split, `stride` steps apart,
and score each origin beside the naive and seasonal-naive forecasts from the same origin.

            train            |      val       |             test
                                               o1 ──h──▶
                                                  o2 ──h──▶        (stride apart, the last
                                                         ...        origin's horizon ends at
                                                            oK ──h──▶  the end of the data)

Beside the model, the fused forecast `--future` gives by default ("fused": the members refitted
on train + val as for the test split, with the weights the even validation origins chose).
Every forecaster gets a split-conformal band calibrated on its own validation errors (the model's
on the odd validation origins, which chose nothing), the fused forecast the rolling band `train`
scored the test split with (errors known at each origin), so each origin also reports the
coverage and width of each level; "mean" averages the origins' scores and "pooled"
scores all origins' errors together.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import torch

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import fusion as tsfusion
from rnnlab.tasks.timeseries import intervals as ti
from rnnlab.tasks.timeseries import metrics as tm
from rnnlab.tasks.timeseries import timeforms as tsforms

SCORES = ("rmse", "mae", "mase", "smape")


def backtest_origins(task, k: int, stride: Optional[int]) -> np.ndarray:
    """K origins `stride` apart (default: the horizon), the last one as late as the test split
    allows; a UserError when the test split cannot hold them."""
    starts = task.data.starts("test")
    h = task.data.horizon
    s = int(stride or h)
    last = int(starts[-1])
    first = last - s * (k - 1)
    if first < int(starts[0]):
        most = (last - int(starts[0])) // s + 1
        raise UserError(
            f"--backtest {k} with stride {s}: the test split has room for {most} origins "
            f"({starts.size} forecast origins, horizon {h}); ask for at most {most} or a smaller --stride"
        )
    return np.arange(first, last + 1, s, dtype=np.int64)


def _scores(task, actual: np.ndarray, forecast: np.ndarray, bands) -> dict[str, float]:
    train = task.data.train_observed()  # as _metrics scores the test split: the observed training rows
    out = {
        "rmse": tm.rmse(actual, forecast),
        "mae": tm.mae(actual, forecast),
        "mase": tm.mase(actual, forecast, train, task.season),
        "smape": tm.smape(actual, forecast),
    }
    out.update({k.removeprefix("x_"): v for k, v in ti.interval_scores(actual, forecast, bands, "x").items()})
    return out


def backtest_report(
    models: Sequence[torch.nn.Module], task, k: int, stride: Optional[int], device: torch.device | str,
    levels: Sequence[float] = ti.LEVELS,
) -> dict[str, Any]:
    """{"origins": [{"origin", "time", "model": scores, "naive": ..., "seasonal_naive": ...}],
    "mean": {forecaster: scores}, "pooled": {...}, ...}; scores are rmse/mae/mase/smape and the
    conformal bands' coverage_L / width_L / pinball, in the series' own units."""
    d = task.data
    origins = backtest_origins(task, k, stride)
    val = task.eval_origins("val")
    x, _ = d.windows(origins)
    xv, _ = d.windows(val)
    for m in models:
        m.eval()
    pred = np.mean([task.forecast_scaled(m, x, device) for m in models], axis=0)
    pred_val = np.mean([task.forecast_scaled(m, xv, device) for m in models], axis=0)
    forecasts = {"model": d.to_original(pred, origins)}
    calib = {"model": d.to_original(pred_val, val)}
    base, base_val = task.baseline_forecasts(origins), task.baseline_forecasts(val)
    forecasts.update(base)
    calib.update(base_val)
    forecasts["fused"], fused_radius = _fused(models, task, origins, val, device, levels)
    actual = d.actual(origins)
    # the model's band from the odd validation origins (the even ones pick the fusion), the
    # baselines' from all of them; every band finite, with tsfusion's normal fallback where too
    # few origins calibrate. The fused band is the one the test split scored (rolling, _fused).
    rows_of = {name: slice(1, None, 2) if name == "model" else slice(None) for name in calib}
    conformal = {name: tsfusion.calibrate((d.actual(val) - calib[name])[rows_of[name]], task.fallback_sigma(), levels).conformal
                 for name in calib}
    bands = {name: conformal[name].bands(fc) for name, fc in forecasts.items() if name in conformal}
    bands["fused"] = {lv: (forecasts["fused"] - fused_radius[:, j], forecasts["fused"] + fused_radius[:, j])
                      for j, lv in enumerate(float(v) for v in levels)}

    rows = []
    for i, t in enumerate(origins):
        row: dict[str, Any] = {"origin": int(t) + d.offset, "time": _time(d, int(t))}
        for name, fc in forecasts.items():
            one = {lv: (lo[i], hi[i]) for lv, (lo, hi) in bands[name].items()}
            row[name] = _scores(task, actual[i], fc[i], one)
        rows.append(row)
    names = list(forecasts)
    # over the origins that have a score: an origin whose horizon was never observed scores NaN
    # and would make every mean NaN
    mean = {name: {key: _nanmean([r[name][key] for r in rows]) for key in rows[0][name]} for name in names}
    pooled = {name: _scores(task, actual, forecasts[name], bands[name]) for name in names}
    return {
        "split": "test",
        "backtest": int(origins.size),
        "stride": int(stride or d.horizon),
        "horizon": d.horizon,
        "season": task.season,
        "levels": [float(v) for v in levels],
        "members": len(models),
        "intervals": "split-conformal per horizon step, each forecaster calibrated on its own validation errors; "
                     "the fused forecast's rolling over the errors known at each origin, as the test split scored it",
        "origins": rows,
        "mean": mean,
        "pooled": pooled,
    }


def _fused(models, task, origins: np.ndarray, val: np.ndarray, device, levels: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The fused forecast at `origins` and its bands' half-widths (N, levels, horizon), as `train`
    scored the test split (tsfusion.evaluate): weights from the even validation origins
    (tsfusion.fit), the members refitted on train + val, the recurrent member the models' mean,
    and rolling-origin conformal bands from the errors known at each origin (the odd validation
    origins', then the test origins' whose horizon has passed)."""
    d = task.data
    h, off, y = d.horizon, d.offset, d.levels
    members = tsfusion.train_members(task)
    val_fc = tsfusion.members_forecasts(members, y, val + off, h)
    val_fc[tsfusion.RNN] = tsfusion._rnn_mean(task, models, device, val)
    sigma = task.fallback_sigma()
    fused = tsfusion.fit(val_fc, d.actual(val), sigma, unweighted=tsfusion.peer_only(members))
    test = task.eval_origins("test")
    every = np.union1d(origins, test)
    fc = tsfusion.members_forecasts(tsfusion.refitted_members(task), y, every + off, h)
    fc[tsfusion.RNN] = tsfusion._rnn_mean(task, models, device, every)
    weights = tsfusion.kept_weights(fused.weights, fc)
    at_every = tsfusion.combine(fc, weights)
    at_test = at_every[np.searchsorted(every, test)]
    errors, at = tsfusion.unchosen_errors(task, val, tsfusion.combine(val_fc, weights), test, at_test)
    radius = tsfusion.rolling_bands(y, off, errors, at, origins, sigma, levels)
    return at_every[np.searchsorted(every, origins)], radius


def _time(d, t: int) -> Optional[str]:
    """The timestamp of the first forecast row of origin t (work row), if the series has times."""
    if d.timestamps is None:  # a file's step numbers (63, 64 ...) where it has them
        return str(tsforms.step_number(d.frequency.form, t + d.offset)) if d.frequency.form.startswith("steps") else None
    stamp = d.timestamps[t + d.offset]
    # daily and coarser data: dates without T00:00:00; quarters as 2009Q4 (tsfreq.label)
    return tsfreq.label(stamp, d.frequency, dates_only=d.frequency.months > 0 or d.frequency.seconds >= tsfreq.DAY)


def _nanmean(values: list) -> float:
    """The mean of the finite values (an origin with no observed actual scores NaN), NaN if none."""
    v = np.asarray(values, dtype=np.float64)
    return float(np.mean(v[np.isfinite(v)])) if np.isfinite(v).any() else float("nan")


__all__ = ["backtest_origins", "backtest_report"]
