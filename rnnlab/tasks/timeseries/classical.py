"""Classical forecasts a forecaster tries before any network: drift, and exponential smoothing
(Holt-Winters / ETS with additive damped trend and additive season), the honest bar for an RNN.

    drift  ŷ[t+k] = y[t] + k · (y[t] − y[0]) / t      (the naive forecast plus the average slope)
    ETS    fitted ONCE on the training split by statsmodels' ExponentialSmoothing (maximum
           likelihood, its own initial states), then run forward over the series with those fixed
           parameters so every forecast origin gets the states it would have had:

      l_t = α(y_t − s_{t−m}) + (1−α)(l_{t−1} + φ b_{t−1})
      b_t = β(l_t − l_{t−1}) + (1−β) φ b_{t−1}
      s_t = γ(y_t − l_{t−1} − φ b_{t−1}) + (1−γ) s_{t−m}
      ŷ_{t+k|t} = l_t + (φ + … + φ^k) b_t + s_{t+k−m(⌊(k−1)/m⌋+1)}

These are statsmodels' Holt-Winters recursions (tests pin the forward pass to its fittedvalues
and forecast). Refitting per origin would cost a fit per scored window; fixed parameters are how
a deployed ETS forecasts too. statsmodels is imported inside `fit` only.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

# The fit looks at the most recent rows of the training split at most (statsmodels' optimiser
# is O(n) per evaluation); the states carry the older past anyway.
MAX_FIT_ROWS = 5000


# fits by (rows' digest, length, season, trend): the few of one run, newest last
_FITS: dict[tuple, Optional["ETS"]] = {}


def drift_forecast(history: np.ndarray, horizon: int) -> np.ndarray:
    """The last value plus k times the average change per step over the whole history."""
    y = np.asarray(history, dtype=np.float64)
    slope = (y[-1] - y[0]) / (y.size - 1) if y.size > 1 else 0.0
    return y[-1] + slope * np.arange(1, horizon + 1)


@dataclass
class ETS:
    """Fixed Holt-Winters parameters and initial states at row `start` of the series."""

    alpha: float
    beta: float
    gamma: float
    phi: float
    level0: float
    trend0: float
    seasons0: np.ndarray  # s_{start-m} .. s_{start-1}; empty when there is no season
    start: int = 0
    aicc: float = math.nan  # statsmodels' AICc of the fit (tsmembers picks the trend by it)

    @property
    def m(self) -> int:
        return int(self.seasons0.size)

    @classmethod
    def fit(cls, train: np.ndarray, season: int, trend: bool = True) -> Optional["ETS"]:
        """statsmodels' maximum-likelihood fit on `train` (None when it cannot fit); `trend`
        False fits no trend (level and season only). The same rows, season and trend are fitted
        once per process: a run's ETS baseline and its ETS member are the same fit (_FITS)."""
        y = np.asarray(train, dtype=np.float64)
        key = (hashlib.blake2b(y.tobytes(), digest_size=16).digest(), y.size, int(season), bool(trend))
        if key not in _FITS:
            if len(_FITS) >= 16:
                _FITS.pop(next(iter(_FITS)))
            _FITS[key] = cls._fit(y, season, trend)
        got = _FITS[key]
        return None if got is None else replace(got, seasons0=got.seasons0.copy())

    @classmethod
    def _fit(cls, y: np.ndarray, season: int, trend: bool) -> Optional["ETS"]:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        start = max(0, y.size - MAX_FIT_ROWS)
        y = y[start:]
        # a season needs two full cycles to initialise; a trend a handful of rows
        seasonal = season if season > 1 and y.size >= 2 * season + 2 else None
        if y.size < 10:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence chatter on short or flat series
                model = ExponentialSmoothing(
                    y,
                    trend="add" if trend else None,
                    damped_trend=trend,
                    seasonal="add" if seasonal else None,
                    seasonal_periods=seasonal,
                    initialization_method="estimated",
                )
                res = model.fit()
        except (ValueError, np.linalg.LinAlgError):
            return None
        p = res.params
        seasons = np.asarray(p.get("initial_seasons", []) if seasonal else [], dtype=np.float64)
        out = cls(
            alpha=float(p["smoothing_level"]),
            beta=float(p.get("smoothing_trend") or 0.0),
            gamma=float(p.get("smoothing_seasonal") or 0.0) if seasonal else 0.0,
            phi=float(p.get("damping_trend") or 1.0),
            level0=float(p["initial_level"]),
            trend0=float(p.get("initial_trend") or 0.0),
            seasons0=seasons,
            start=start,
            aicc=float(getattr(res, "aicc", math.nan)),
        )
        if not all(math.isfinite(v) for v in (out.alpha, out.beta, out.gamma, out.phi, out.level0, out.trend0)):
            return None
        return out

    def states(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Level L[i], trend B[i] after observing y[start:start+i], and seasons S where S[j + m]
        is s at row start + j (S[0:m] the initial ones)."""
        y = np.asarray(y, dtype=np.float64)[self.start :]
        n, m = y.size, self.m
        a, b_, g, phi = self.alpha, self.beta, self.gamma, self.phi
        L = np.empty(n + 1)
        B = np.empty(n + 1)
        S = np.zeros(n + m)
        L[0], B[0] = self.level0, self.trend0
        S[:m] = self.seasons0
        lv, tr = self.level0, self.trend0
        for t in range(n):
            s_prev = S[t] if m else 0.0
            damped = phi * tr
            new_l = a * (y[t] - s_prev) + (1 - a) * (lv + damped)
            new_b = b_ * (new_l - lv) + (1 - b_) * damped
            if m:
                S[t + m] = g * (y[t] - lv - damped) + (1 - g) * s_prev
            lv, tr = new_l, new_b
            L[t + 1], B[t + 1] = lv, tr
        return L, B, S

    def forecast(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        """(N, horizon) forecasts of rows o..o+horizon-1 for each origin o, from y[:o] only."""
        o = np.asarray(origins, dtype=np.int64)
        if o.size == 0:
            return np.zeros((0, horizon))
        L, B, S = self.states(np.asarray(y, dtype=np.float64)[: int(o.max())])
        rel = o - self.start
        k = np.arange(1, horizon + 1)
        damp = np.cumsum(self.phi ** k)  # φ + … + φ^k
        out = L[rel][:, None] + B[rel][:, None] * damp[None, :]
        if self.m:
            out = out + S[rel[:, None] + ((k - 1) % self.m)[None, :]]
        return out


__all__ = ["drift_forecast", "ETS"]
