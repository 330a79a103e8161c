"""Forecast metrics, baseline forecasts and residual diagnostics for time series (numpy only).

MSE/RMSE/MAE (NaN actuals, values that were never observed, are left out of every
score) plus the Ljung-Box test (Ljung & Box 1978) of whether the forecast errors are still
autocorrelated (if they are, the model left predictable structure on the table). MAPE and sMAPE are in percent.
MASE divides the MAE by the in-sample seasonal-naive MAE on the training split (Hyndman & Koehler
2006), so MASE < 1 means "better than repeating last season". The chi-square survival function for
the Ljung-Box p-value comes from scipy, the ACF from statsmodels (imported on first use: the CLI
and the TUI never pay for them). This is the one ACF of the package.
"""

from __future__ import annotations

import math

import numpy as np


def _pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=np.float64).ravel()
    f = np.asarray(forecast, dtype=np.float64).ravel()
    if a.shape != f.shape:
        raise ValueError(f"actual has {a.size} values, forecast {f.size}")
    # a NaN actual was never observed: there is nothing to score the forecast against
    keep = ~np.isnan(a)
    return (a, f) if keep.all() else (a[keep], f[keep])


def mse(actual, forecast) -> float:
    a, f = _pair(actual, forecast)
    return float(np.mean((a - f) ** 2)) if a.size else float("nan")


def rmse(actual, forecast) -> float:
    return math.sqrt(mse(actual, forecast))


def mae(actual, forecast) -> float:
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f))) if a.size else float("nan")


def mape(actual, forecast) -> float:
    """Mean absolute percentage error, skipping actual zeros (undefined there); nan if all zero."""
    a, f = _pair(actual, forecast)
    keep = a != 0
    if not keep.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs((a[keep] - f[keep]) / a[keep])))


def smape(actual, forecast) -> float:
    """Symmetric MAPE in percent (0..200); a pair that is 0 and 0 counts as a perfect forecast."""
    a, f = _pair(actual, forecast)
    if not a.size:
        return float("nan")
    denom = np.abs(a) + np.abs(f)
    terms = np.zeros_like(a)
    nz = denom != 0
    terms[nz] = 200.0 * np.abs(a[nz] - f[nz]) / denom[nz]
    return float(np.mean(terms))


def seasonal_naive_mae(train, season: int) -> float:
    """In-sample MAE of y[t] ≈ y[t - season] over the training series: the MASE denominator."""
    y = np.asarray(train, dtype=np.float64).ravel()
    m = max(1, int(season))
    if y.size <= m:
        raise ValueError(f"training series has {y.size} values; MASE with season {m} needs more than {m}")
    d = np.abs(y[m:] - y[:-m])
    d = d[~np.isnan(d)]  # pairs with a value never observed say nothing
    return float(np.mean(d)) if d.size else float("nan")


def mase(actual, forecast, train, season: int) -> float:
    """MAE scaled by the training split's seasonal-naive MAE; nan when that scale is zero."""
    scale = seasonal_naive_mae(train, season)
    if not scale > 0:
        return float("nan")
    return mae(actual, forecast) / scale


def naive_forecast(history, horizon: int) -> np.ndarray:
    """Repeat the last observed value `horizon` times."""
    h = np.asarray(history, dtype=np.float64).ravel()
    if h.size == 0:
        raise ValueError("naive forecast needs at least one past value")
    return np.full(int(horizon), h[-1])


def seasonal_naive_forecast(history, horizon: int, season: int) -> np.ndarray:
    """y[T+k] = y[T+k - season*ceil(k/season)]: repeat the last full season, k = 1..horizon."""
    h = np.asarray(history, dtype=np.float64).ravel()
    m = max(1, int(season))
    if h.size < m:
        raise ValueError(f"seasonal-naive forecast with season {m} needs {m} past values, got {h.size}")
    last = h[h.size - m :]
    return last[np.arange(int(horizon)) % m]


def acf(x, nlags: int) -> np.ndarray:
    """Sample autocorrelation r_0..r_nlags (r_0 = 1), the biased estimator used by Ljung-Box
    (statsmodels.tsa.stattools.acf); NaN values are left out (statsmodels' "conservative")."""
    y = np.asarray(x, dtype=np.float64).ravel()
    n = y.size
    nlags = int(min(nlags, n - 1))
    if n == 0 or nlags < 0:
        return np.zeros(0)
    ok = y[~np.isnan(y)]
    if ok.size == 0 or float(np.ptp(ok)) == 0.0:
        # A constant series has no defined correlation; report none rather than divide by zero.
        out = np.zeros(nlags + 1)
        out[0] = 1.0
        return out
    from statsmodels.tsa.stattools import acf as _acf

    missing = "conservative" if ok.size < n else "none"
    return np.asarray(_acf(y, nlags=nlags, fft=n > 1000, missing=missing), dtype=np.float64)


def ljung_box(residuals, lags: int, fitted_params: int = 0) -> tuple[float, float]:
    """Ljung-Box Q = n(n+2) Σ_{k=1..h} r_k²/(n-k) and its p-value from χ²(h - fitted_params).

    A small p (e.g. < 0.05) says the residuals are autocorrelated: not white noise."""
    y = np.asarray(residuals, dtype=np.float64).ravel()
    n = y.size
    h = int(min(lags, n - 1))
    if h < 1:
        raise ValueError(f"Ljung-Box needs at least 2 residuals, got {n}")
    r = acf(y, h)[1:]
    q = float(n * (n + 2) * np.sum(r**2 / (n - np.arange(1, h + 1))))
    df = max(1, h - int(fitted_params))
    return q, chi2_sf(q, df)


def default_lags(n: int, season: int) -> int:
    """Hyndman's rule of thumb: 10 lags (2 seasons for seasonal data), at most n/5."""
    want = 2 * season if season > 1 else 10
    return max(1, min(want, n // 5))


# ---------------------------------------------------------------- chi-square survival function


def chi2_sf(x: float, df: float) -> float:
    """P(X > x) for X ~ χ²(df) (scipy.stats.chi2)."""
    if x <= 0:
        return 1.0
    from scipy.stats import chi2

    return float(chi2.sf(x, df))
