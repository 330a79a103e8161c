"""What a forecasting window is measured from (`task.relative`), and the scale that goes with it.

    "none"  inputs and targets are the scaled series itself (levels, or differences)
    "last"  column 0 of the inputs and the targets minus the value before the origin: the net
            learns the path from where the series stands, not its level, so a trend that leaves
            the training range keeps its inputs familiar (as the global model's panel does)
    "ets"   the inputs as with "last"; the targets minus ETS's forecast from the origin (the run's
            ETS baseline: fitted once on the training split, run forward with fixed parameters),
            so the net learns what ETS leaves and its forecast is ETS's plus a correction: the
            shape of Smyl's ES-RNN, the M4 winner (exponential smoothing joined with an LSTM),
            at its smallest. A net that outputs 0 forecasts exactly ETS.

With either, "standard" scaling divides by the mean absolute seasonal step of the training split
(the in-sample seasonal-naive MAE, MASE's denominator) instead of the levels' spread: what the
network sees are steps, and the MSE it minimises is in MASE's units. Measured on 11 real series
(benchmarks/forecast_real.py, BENCHMARKS.md item 15, benchmarks/NOTES.md section 15).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np

MODES = ("none", "last", "ets")


def step_scaler(train: np.ndarray, fitted, season: int):
    """`fitted` (a tsdata.Scaler, "standard") with its spread replaced by the mean absolute
    seasonal step of `train` (NaN = not observed); another kind, or a series that never moves,
    keeps `fitted`."""
    if fitted.kind != "standard":
        return fitted
    seen = np.asarray(train, dtype=np.float64)
    m = max(1, int(season))
    step = np.abs(seen[m:] - seen[:-m])
    step = step[~np.isnan(step)]
    mae = float(step.mean()) if step.size else 0.0
    return replace(fitted, scale=mae) if mae > 0 else fitted


def ets_base(levels: np.ndarray, train: int, season: int, scaler, horizon: int) -> Optional[np.ndarray]:
    """ETS's forecast from every origin 0..n of `levels` (n + 1, horizon), scaled by `scaler`;
    origins before the fit's first row take the value before them. None when ETS cannot fit
    (the windows are then measured from the last value)."""
    from rnnlab.tasks.timeseries import classical as tsclassical

    ets = tsclassical.ETS.fit(levels[:train], season)
    if ets is None:
        return None
    n = levels.size
    out = np.repeat(scaler.transform(levels[np.maximum(np.arange(n + 1) - 1, 0)])[:, None], horizon, axis=1)
    o = np.arange(ets.start + 1, n + 1)
    out[o] = scaler.transform(ets.forecast(levels, o, horizon))
    return out


__all__ = ["MODES", "ets_base", "step_scaler"]
