"""Stationarity: the ADF and KPSS tests, the `difference = "auto"`
decision, and differencing as an exactly invertible pair of functions.

    ADF   H0: a unit root (non-stationary).  p < 0.05 -> stationary
    KPSS  H0: (level-)stationary.            p < 0.05 -> non-stationary

The two tests look from opposite sides, so "auto" differences when either one calls the series
non-stationary (the unit root ADF keeps, or the trend or level shift KPSS rejects). Their p-values
come from statsmodels (MacKinnon's response surfaces for ADF, Kwiatkowski et al.'s table for KPSS),
imported lazily so that `rnnlab --help` and the TUI never pay for it. The tests look at the
training split only: the decision must not depend on data the model is scored on.

Differencing: seasonal first (z[i] = x[i] - x[i-P]), then first order (w[i] = z[i] - z[i-1]).
`apply` drops the first `offset` = P + d rows; `invert` rebuilds levels from forecasts of the
differenced series and the levels known before the forecast origin (step by step, so horizons
longer than P read back their own earlier forecasts, as a future forecast must).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

ALPHA = 0.05
# ADF's autolag regression grows with n; the most recent rows of the training split suffice.
MAX_ROWS = 5000


@dataclass(frozen=True)
class Differencing:
    """d-th order (0 or 1) after lag-P seasonal differencing (P = 0: none)."""

    order: int = 0
    seasonal: int = 0

    @property
    def offset(self) -> int:
        return self.order + self.seasonal

    def apply(self, levels: np.ndarray) -> np.ndarray:
        """The differenced series; its row i belongs to original row i + offset."""
        x = np.asarray(levels, dtype=np.float64)
        if self.seasonal:
            x = x[self.seasonal :] - x[: -self.seasonal]
        if self.order:
            x = np.diff(x)
        return x.copy() if x is levels else x

    def invert(self, work: np.ndarray, levels: np.ndarray, origins: np.ndarray | int) -> np.ndarray:
        """Levels from differenced forecasts.

        work: (N, h) or (h,) forecasts of the differenced series for original rows
        origin..origin+h-1; levels: the series in original units, of which only rows before each
        origin are read; origins: the original row index of each first forecast step."""
        w = np.asarray(work, dtype=np.float64)
        one = w.ndim == 1
        w = np.atleast_2d(w)
        o = np.broadcast_to(np.asarray(origins, dtype=np.int64), (w.shape[0],))
        x = np.asarray(levels, dtype=np.float64)
        if not self.offset:
            return w[0] if one else w
        P = self.seasonal
        if self.order:
            # first undo the first difference: z[o+k] = z[o-1] + sum_{j<=k} w[o+j]
            z_prev = x[o - 1] - (x[o - 1 - P] if P else 0.0)
            z = z_prev[:, None] + np.cumsum(w, axis=1)
        else:
            z = w
        if not P:
            out = z
        else:
            h = z.shape[1]
            out = np.empty_like(z)
            for k in range(h):
                back = out[:, k - P] if k >= P else x[o + k - P]
                out[:, k] = z[:, k] + back
        return out[0] if one else out


def difference(levels: np.ndarray, order: int = 1, seasonal: int = 0) -> np.ndarray:
    """`Differencing(order, seasonal).apply(levels)`."""
    return Differencing(order, seasonal).apply(levels)


def undifference(work: np.ndarray, levels: np.ndarray, origins, order: int = 1, seasonal: int = 0) -> np.ndarray:
    """`Differencing(order, seasonal).invert(work, levels, origins)`."""
    return Differencing(order, seasonal).invert(work, levels, origins)


def _tail(values: np.ndarray) -> np.ndarray:
    y = np.asarray(values, dtype=np.float64)
    y = y[~np.isnan(y)]
    return y[-MAX_ROWS:]


def adf(values: np.ndarray) -> tuple[float, float]:
    """Augmented Dickey-Fuller statistic and p-value (constant, lags by AIC)."""
    from statsmodels.tsa.stattools import adfuller

    y = _tail(values)
    if y.size < 10 or np.ptp(y) == 0:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        # statsmodels 0.15 announces a future result object (the tuple's head is stable), and
        # short or perfectly regular series make its lag regressions rank-deficient
        warnings.simplefilter("ignore")
        stat, p, *_ = adfuller(y, autolag="AIC")
    return float(stat), float(p)


def kpss(values: np.ndarray) -> tuple[float, float]:
    """KPSS level-stationarity statistic and p-value. The p-value comes from a table that stops
    at 0.01 and 0.1; statsmodels warns there and returns the bound, which is what is reported."""
    from statsmodels.tsa.stattools import kpss as _kpss

    y = _tail(values)
    if y.size < 10 or np.ptp(y) == 0:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stat, p, *_ = _kpss(y, regression="c", nlags="auto")
    return float(stat), float(p)


def tests(values: np.ndarray) -> dict[str, Any]:
    """ADF and KPSS results and the verdict, as plain JSON-able values."""
    a_stat, a_p = adf(values)
    k_stat, k_p = kpss(values)
    nonstat = []
    if a_p == a_p and a_p >= ALPHA:
        nonstat.append("ADF")
    if k_p == k_p and k_p < ALPHA:
        nonstat.append("KPSS")
    return {
        "adf_stat": a_stat,
        "adf_p": a_p,
        "kpss_stat": k_stat,
        "kpss_p": k_p,
        "stationary": not nonstat and a_p == a_p,
        "nonstationary_by": nonstat,
    }


def verdict(result: dict[str, Any]) -> str:
    """One line: 'non-stationary (ADF p=0.43, KPSS p=0.01)'."""

    def p(v: float) -> str:
        return "n/a" if not math.isfinite(v) else f"{v:.3g}"

    word = "stationary" if result["stationary"] else "non-stationary"
    return f"{word} (ADF p={p(result['adf_p'])}, KPSS p={p(result['kpss_p'])})"


__all__ = ["Differencing", "difference", "undifference", "adf", "kpss", "tests", "verdict"]
