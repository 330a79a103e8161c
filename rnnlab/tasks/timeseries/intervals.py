"""Prediction intervals for any point forecaster: split-conformal bands, and how to score them.

Split conformal (Vovk et al. 2005; Lei et al. 2018), per horizon step k: on a calibration set the
forecaster never trained on (the validation split), take the absolute errors |y - ŷ| at step k;
the interval at level L is ŷ ± the ⌈(n+1)·L⌉-th smallest of those n errors. If calibration and
new errors are exchangeable this covers with probability ≥ L whatever the model, so the band is
as honest as the model is good: a bad model gets a wide band, not a wrong one. Time-series errors
are not exchangeable, which is why coverage is always measured on data the band did not see
(the test split, or the backtest origins) and reported beside the width.

Scores (numpy only): coverage (fraction of actual values inside), mean width, and the pinball
(quantile) loss averaged over the median and every band edge, a proper scoring rule for the
quantiles an interval claims (its mean over many quantiles approximates the CRPS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from rnnlab.tasks.timeseries.verdict import needed_origins

# Default levels in percent, as forecasters usually publish them.
LEVELS = (80.0, 95.0)


def level_name(level: float) -> str:
    """80.0 -> '80', 97.5 -> '97.5': the suffix of lower_L / upper_L / coverage_L."""
    return f"{level:g}"


@dataclass
class Conformal:
    """Half-widths (len(levels), horizon) in original units, from n calibration errors per step."""

    levels: tuple[float, ...]
    radius: np.ndarray
    n: int

    @classmethod
    def fit(cls, residuals: np.ndarray, levels: Sequence[float] = LEVELS) -> "Conformal":
        """`residuals` (n, horizon): actual - forecast on the calibration origins. NaN entries
        (a step whose actual value lies beyond the data) are left out of that step."""
        r = np.abs(np.asarray(residuals, dtype=np.float64))
        if r.ndim != 2:
            raise ValueError(f"residuals must be (n, horizon), got shape {r.shape}")
        radius = np.full((len(levels), r.shape[1]), np.inf)
        counts = np.sum(~np.isnan(r), axis=0)
        for k in range(r.shape[1]):
            col = np.sort(r[~np.isnan(r[:, k]), k])
            n = col.size
            for j, level in enumerate(levels):
                rank = math.ceil((n + 1) * float(level) / 100.0)
                # Too few errors for this level: no finite band is guaranteed, say so with inf.
                if 1 <= rank <= n:
                    radius[j, k] = col[rank - 1]
        return cls(tuple(float(v) for v in levels), radius, int(counts.min()) if counts.size else 0)

    def bands(self, forecast: np.ndarray) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """{level: (lower, upper)} around `forecast` (..., horizon)."""
        f = np.asarray(forecast, dtype=np.float64)
        width = f.shape[-1]
        return {lv: (f - self.radius[j, :width], f + self.radius[j, :width]) for j, lv in enumerate(self.levels)}

    def to_dict(self) -> dict[str, Any]:
        return {"levels": list(self.levels), "radius": self.radius.tolist(), "n": self.n}


def local_scale(y: np.ndarray, rows: np.ndarray, window: int) -> np.ndarray:
    """The series' mean absolute one-step change over the `window` rows before each row of
    `rows` (reading y[:row] only): how much the series moves now, which a residual is measured in
    when bands must follow a change of volatility. NaN where there is no such change."""
    y = np.asarray(y, dtype=np.float64)
    d = np.abs(np.diff(y))
    ok = ~np.isnan(d)
    c = np.concatenate([[0.0], np.cumsum(np.where(ok, d, 0.0))])
    n = np.concatenate([[0], np.cumsum(ok)])
    hi = np.clip(np.asarray(rows, dtype=np.int64) - 1, 0, d.size)  # changes y[j+1]-y[j] with j+1 < row
    lo = np.maximum(hi - int(window), 0)
    count = n[hi] - n[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (c[hi] - c[lo]) / count
    return np.where((count > 0) & (out > 0), out, np.nan)


def rolling_radius(errors: np.ndarray, error_origins: np.ndarray, origins: np.ndarray, levels: Sequence[float],
                   window: int, fallback: np.ndarray, fell_back: np.ndarray | None = None) -> np.ndarray:
    """Rolling-origin conformal half-widths (N, len(levels), horizon) at work rows `origins`.

    `errors` (n, horizon) are earlier forecasts' errors, made at work rows `error_origins` (in time
    order); step k's error of origin o' is known once its target row o' + k has been observed,
    i.e. from origin o' + k + 1 on. At origin o, step k's band is the ⌈(m+1)·L⌉-th smallest of the
    m most recent (at most `window`) absolute step-k errors known at o. Nothing from o on is read,
    so the band is as honest as a deployed forecaster's that recalibrates on its latest errors,
    and it follows the errors when they grow or shrink. A level with too few errors takes
    `fallback` (len(levels), horizon) and is marked in `fell_back` (a bool array of the output's
    shape, when given); a higher level is never narrower than a lower one (`ordered`). Levels
    above POOLED_ABOVE take their quantile from every step's errors at once (_pool_tails)."""
    err = np.abs(np.asarray(errors, dtype=np.float64))
    at = np.asarray(error_origins, dtype=np.int64)
    o = np.asarray(origins, dtype=np.int64)
    h = np.asarray(fallback).shape[1]
    err = err.reshape(-1, h)
    out = np.empty((o.size, len(levels), h))
    fell = np.zeros(out.shape, dtype=bool) if fell_back is None else fell_back
    high = [j for j, lv in enumerate(levels) if float(lv) > POOLED_ABOVE]
    pools = [(err[~np.isnan(err[:, k]), k], at[~np.isnan(err[:, k])] + k + 1) for k in range(h)]
    for i, oi in enumerate(o):
        cols = []
        for k, (pool, known_at) in enumerate(pools):
            col = np.sort(pool[known_at <= oi][-int(window):])
            cols.append(col)
            for j, lv in enumerate(levels):
                rank = math.ceil((col.size + 1) * float(lv) / 100.0)
                fell[i, j, k] = not 1 <= rank <= col.size
                out[i, j, k] = fallback[j, k] if fell[i, j, k] else col[rank - 1]
        if high:
            _pool_tails(out[i], fell[i], cols, levels, high, int(window))
    return ordered(out, levels, fell)


# Above this level a step's latest errors hold too few tail values (with 20, a 95 % band is their
# largest): its quantile comes from the ratios |e| / (each step's mean |e|) pooled over every step,
# times the step's own mean. On 32 benchmark series (benchmarks/NOTES.md, section 15, session 12):
# 95 % coverage within 0.90-0.98 on 26 instead of 23, a lower 95 % interval score, and a 95 % band
# over 2.5 times the 80 % one at 6 % of the steps instead of 20 %.
POOLED_ABOVE = 80.0
# A level no step can calibrate alone however long the series (99 % needs 99 errors, a step keeps
# its latest `window`, 20) is the pool's quantile where every step has this many errors to scale
# by: it fell back to the normal ±z·σ of seasonal-naive's errors, 12.6 times the 95 % band on a
# quarterly unemployment rate (an outside trial; benchmarks/NOTES.md, section 15, session 13).
POOL_MIN = 10


def pool_calibrates(level: float, errors: int, horizon: int, window: int) -> bool:
    """Whether _pool_tails calibrates `level` that a step cannot (too few of its own errors) from
    `errors` a step over `horizon` steps: only a level no step could ever hold (more than `window`)."""
    return (float(level) > POOLED_ABOVE and needed_origins(level) > window and errors >= POOL_MIN
            and errors * horizon >= needed_origins(level))


def _pool_tails(radius: np.ndarray, fell: np.ndarray, cols: list[np.ndarray], levels: Sequence[float], high: list[int],
                window: int) -> None:
    """Replace, in place, the half-widths (len(levels), horizon) of the levels `high` at one
    origin by the pooled quantile (POOLED_ABOVE), where every step had errors enough for it, or
    where none could (pool_calibrates). A pooled level that comes out no wider than the band below
    it (the highest calibrated level at or under POOLED_ABOVE) is that band times the pool's own
    ratio between the two levels: a step whose errors spread more than the others' had its 95 %
    band equal to its 80 % one (`ordered` lifts it no further)."""
    scale = np.array([c.mean() if c.size else np.nan for c in cols])
    if not np.all(np.isfinite(scale)) or not np.any(scale > 0):
        return
    # a step whose errors are all 0 (an exact repeat) has no ratios to give and a band of 0 (a
    # review: it left a 99 % band at the fallback with no note)
    ratios = np.sort(np.concatenate([c / s for c, s in zip(cols, scale) if s > 0]))

    def pooled(level: float) -> float:
        rank = math.ceil((ratios.size + 1) * float(level) / 100.0)
        return float(ratios[rank - 1]) if 1 <= rank <= ratios.size else math.nan

    below = [j for j, lv in enumerate(levels) if float(lv) <= POOLED_ABOVE and not fell[j].any()]
    low = max(below, key=lambda j: float(levels[j])) if below else None
    q_low = pooled(levels[low]) if low is not None else math.nan
    fewest = min(c.size for c in cols)
    for j in sorted(high, key=lambda j: float(levels[j])):  # each against the one set below it
        q = pooled(levels[j])
        if not math.isfinite(q) or (fell[j].any() and not pool_calibrates(levels[j], fewest, len(cols), window)):
            continue
        radius[j] = q * scale
        if low is not None and math.isfinite(q_low) and q_low > 0:  # only where it would come out no wider:
            # flooring every step so cost the 95 % band (interval score 7.838 -> 7.977, NOTES section 15)
            radius[j] = np.where(radius[j] <= radius[low], radius[low] * (q / q_low), radius[j])
        fell[j] = False
        low, q_low = j, q


def ordered(radius: np.ndarray, levels: Sequence[float], fell_back: np.ndarray) -> np.ndarray:
    """Half-widths (N, len(levels), horizon) with every level at least as wide as the one below,
    and a level that fell back (too few errors to calibrate it) at least the calibrated band below
    it widened by the normal quantiles' ratio z_b / z_a (1.53 from 80 % to 95 %): a 95 % fallback
    narrower than the calibrated 80 % band would otherwise come out as the 80 % band again."""
    from statistics import NormalDist

    z = {float(lv): NormalDist().inv_cdf(0.5 + float(lv) / 200.0) for lv in levels}
    lv = [float(v) for v in levels]
    order = np.argsort(np.asarray(lv))
    for a, b in zip(order, order[1:]):
        floor = np.where(fell_back[:, b] & ~fell_back[:, a], radius[:, a] * (z[lv[b]] / z[lv[a]]), radius[:, a])
        radius[:, b] = np.maximum(radius[:, b], floor)
    return radius


def widen_past(radius: np.ndarray, first: int, grows: bool) -> None:
    """Half-widths (levels, steps) past column `first` - 1, in place: a random walk's √k from
    that step's width, or that width itself where the errors level off (stationarity.errors_grow)."""
    if radius.shape[1] > first:
        k = np.arange(first + 1, radius.shape[1] + 1, dtype=np.float64)
        radius[:, first:] = radius[:, [first - 1]] * (np.sqrt(k / first) if grows else 1.0)


def coverage(actual, lower, upper) -> float:
    """The fraction of observed actual values inside their band (NaN actuals are not scored)."""
    a = np.asarray(actual, dtype=np.float64)
    seen = ~np.isnan(a)
    if not seen.any():
        return float("nan")
    inside = (a >= lower) & (a <= upper)
    return float(np.mean(inside[seen]))


def mean_width(lower, upper) -> float:
    return float(np.mean(np.asarray(upper, dtype=np.float64) - np.asarray(lower, dtype=np.float64)))


def pinball(actual, quantile_forecast, tau: float) -> float:
    """Mean pinball loss of a forecast of the tau-quantile: tau·e if e ≥ 0 else (tau-1)·e, e = y - q."""
    e = np.asarray(actual, dtype=np.float64) - np.asarray(quantile_forecast, dtype=np.float64)
    e = e[~np.isnan(e)]  # a NaN actual was never observed
    if not e.size:
        return float("nan")
    return float(np.mean(np.maximum(tau * e, (tau - 1.0) * e)))


def quantiles_of(levels: Sequence[float]) -> list[float]:
    """The quantiles a set of central intervals claims: (1-L)/2 and (1+L)/2 for each, and 0.5."""
    qs = {0.5}
    for lv in levels:
        qs.add((1.0 - lv / 100.0) / 2.0)
        qs.add((1.0 + lv / 100.0) / 2.0)
    return sorted(qs)


def interval_scores(actual: np.ndarray, forecast: np.ndarray, bands: dict[float, tuple[np.ndarray, np.ndarray]], prefix: str) -> dict[str, float]:
    """{prefix}_coverage_L, {prefix}_width_L for each level, and {prefix}_pinball: the mean
    pinball loss over the median (the point forecast) and both edges of every band."""
    out: dict[str, float] = {}
    losses = [pinball(actual, forecast, 0.5)]
    for lv, (lo, hi) in sorted(bands.items()):
        name = level_name(lv)
        out[f"{prefix}_coverage_{name}"] = coverage(actual, lo, hi)
        out[f"{prefix}_width_{name}"] = mean_width(lo, hi)
        tau = (1.0 - lv / 100.0) / 2.0
        losses += [pinball(actual, lo, tau), pinball(actual, hi, 1.0 - tau)]
    out[f"{prefix}_pinball"] = float(np.mean(losses))
    return out


__all__ = ["LEVELS", "Conformal", "coverage", "interval_scores", "level_name", "local_scale", "mean_width", "pinball", "quantiles_of",
           "ordered", "rolling_radius", "POOLED_ABOVE", "POOL_MIN", "pool_calibrates"]
