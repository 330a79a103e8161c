"""A global model's test split scored series by series, beside each series' own classical peers.

For every series of a panel (panel.Panel), on its own test origins and in its own units:

    rnn_mase     the global model's MASE (scaled by the series' own training split's
                 seasonal-naive MAE, metrics.mase)
    peers        naive, seasonal-naive (season > 1), and the classical members that fit the
                 series' training split (members.fit_members: ETS, Theta, ARIMA), each fitted
                 on that series alone, as a forecaster fits one model per series
    best_peer    the peer with the lowest test MASE on that series; ratio = rnn / best peer

and the panel's aggregate: mean and median MASE of the model and of each peer, and the mean,
median and geometric mean of the ratio (below 1: the one global model beats the best per-series
classical model). Series with too few observed test values to score are skipped (NaN MASE).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from rnnlab.tasks.timeseries import members as tsmembers
from rnnlab.tasks.timeseries import metrics as tm
from rnnlab.tasks.timeseries.panel import Panel


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def peers(panel: Panel, k: int) -> list[tsmembers.Member]:
    """Naive plus the classical members that fit series k's training split."""
    train = panel.series_levels(k)[: panel.splits[k].train]
    out: list[tsmembers.Member] = [tsmembers.SeasonalNaive(1, name="naive")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' convergence chatter, once per series
        out += tsmembers.fit_members(train, panel.season)
    return out


def naive_forecasts(panel: Panel, starts: np.ndarray) -> dict[str, np.ndarray]:
    """Naive and seasonal-naive forecasts for global origins (each reads its own series only:
    an origin has at least `window` rows of its series before it)."""
    h, m = panel.horizon, panel.season
    starts = np.asarray(starts, dtype=np.int64)
    out = {"naive": np.repeat(panel.levels[starts - 1][:, None], h, axis=1)}
    if m > 1 and panel.window >= m:
        out["seasonal_naive"] = panel.levels[starts[:, None] - m + (np.arange(h) % m)[None, :]]
    return out


def mase_by_series(panel: Panel, forecast: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(series,) MASE of `forecast` (original units) on each series' origins (NaN where none)."""
    ks = panel.series_of(starts)
    out = np.full(panel.size, np.nan)
    for k in np.unique(ks):
        sel = ks == k
        try:
            out[k] = tm.mase(panel.actual(starts[sel]), forecast[sel], panel.train_observed(int(k)), panel.season)
        except ValueError:  # a training split no longer than the season has no seasonal MASE scale
            pass
    return out


def mean(values) -> float:
    v = np.asarray([x for x in values if _finite(x)], dtype=np.float64)
    return float(v.mean()) if v.size else float("nan")


def score(panel: Panel, forecast: np.ndarray, starts: np.ndarray) -> dict[str, Any]:
    """{"series": [per-series rows], "aggregate": {...}} for the model's test forecasts."""
    ks = panel.series_of(starts)
    rows = []
    for k in range(panel.size):
        sel = ks == k
        if not sel.any():
            continue
        st = starts[sel]
        actual, train = panel.actual(st), panel.train_observed(k)
        y, local = panel.series_levels(k), st - panel.begins[k]
        scores = {}
        for p in peers(panel, k):
            try:
                scores[p.name] = tm.mase(actual, p.forecast(y, local, panel.horizon), train, panel.season)
            except (ValueError, np.linalg.LinAlgError, FloatingPointError):
                continue
        ok = {n: v for n, v in scores.items() if _finite(v)}
        best = min(ok, key=ok.get) if ok else None
        try:
            rnn = tm.mase(actual, forecast[sel], train, panel.season)
        except ValueError:  # a training split no longer than the season (mase_by_series)
            rnn = float("nan")
        ratio = rnn / ok[best] if best is not None and _finite(rnn) and ok[best] > 0 else float("nan")
        rows.append({"id": panel.ids[k], "rows": panel.rows(k), "origins": int(sel.sum()), "rnn_mase": rnn,
                     "peers": scores, "best_peer": best, "best_peer_mase": ok.get(best, float("nan")) if best else float("nan"),
                     "ratio": ratio})
    return {"series": rows, "aggregate": aggregate(rows)}


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    rnn = [r["rnn_mase"] for r in rows if _finite(r["rnn_mase"])]
    ratios = np.array([r["ratio"] for r in rows if _finite(r["ratio"]) and r["ratio"] > 0])
    names = sorted({n for r in rows for n in r["peers"]})
    paired = [r for r in rows if _finite(r["ratio"])]
    return {
        "series": len(rows),
        "rnn_mase_mean": mean(rnn),
        "rnn_mase_median": float(np.median(rnn)) if rnn else float("nan"),
        "peer_mase_mean": {n: mean(r["peers"].get(n) for r in rows) for n in names},
        "best_peer_mase_mean": mean(r["best_peer_mase"] for r in rows),
        "ratio_mean": float(ratios.mean()) if ratios.size else float("nan"),
        "ratio_median": float(np.median(ratios)) if ratios.size else float("nan"),
        "ratio_gmean": float(np.exp(np.log(ratios).mean())) if ratios.size else float("nan"),
        # series where the one global model is at or below its best per-series peer
        "wins": sum(1 for r in paired if r["ratio"] <= 1.0),
        "scored": len(paired),
    }


def flat(agg: dict[str, Any]) -> dict[str, float]:
    """The aggregate as the run's flat test metrics: peers as `member_<name>_test_mase` and the
    naive ones also as `<baseline>_test_mase` (verdict reads both), means over series."""
    out = {"test_mase": agg["rnn_mase_mean"], "test_mase_median": agg["rnn_mase_median"],
           "test_mase_ratio_mean": agg["ratio_mean"], "test_mase_ratio_median": agg["ratio_median"],
           "test_mase_ratio_gmean": agg["ratio_gmean"], "test_series": float(agg["series"]),
           "test_series_won": float(agg["wins"])}
    for name, v in agg["peer_mase_mean"].items():
        out[f"member_{name}_test_mase"] = v
        if name in ("naive", "seasonal_naive"):
            out[f"{name}_test_mase"] = v
    return out


def _short_name(name: str) -> str:
    return {"seasonal_naive": "snaive"}.get(name, name)[:7]


def table(result: dict[str, Any], most: int = 12) -> list[str]:
    """A compact per-series table (the best and worst few by ratio when there are many)."""
    rows = result.get("series") or []
    if not rows:
        return []
    names = sorted({n for r in rows for n in r["peers"]})

    def num(v: Any) -> str:
        return f"{v:.3f}" if _finite(v) else "-"

    width = max(6, min(24, max(len(str(r["id"])) for r in rows)))
    head = f"{'series':<{width}} {'rows':>5} {'rnn':>7} " + " ".join(f"{_short_name(n):>7}" for n in names) + f" {'best':<14} {'ratio':>6}"
    ranked = sorted((r for r in rows if _finite(r["ratio"])), key=lambda r: r["ratio"])
    ranked += [r for r in rows if not _finite(r["ratio"])]  # unscored (no observed test value or MASE scale) last
    if len(ranked) > most:  # the best and the worst few, the unscored ones not among them
        scored = [r for r in ranked if _finite(r["ratio"])]
        shown = scored[: most // 2] + [None] + scored[-(most // 2):]
    else:
        shown = ranked
    out = [head]
    for r in shown:
        if r is None:
            out.append(f"{'...':<{width}} ({len(rows) - 2 * (most // 2)} more series: --json has every one)")
            continue
        out.append(f"{str(r['id'])[:width]:<{width}} {r['rows']:>5} {num(r['rnn_mase']):>7} "
                   + " ".join(f"{num(r['peers'].get(n)):>7}" for n in names) + f" {str(r['best_peer'] or '-'):<14} {num(r['ratio']):>6}")
    a = result["aggregate"]
    out.append(f"{a['series']} series, test MASE: rnn mean {num(a['rnn_mase_mean'])} median {num(a['rnn_mase_median'])}; "
               f"ratio to the best per-series peer: mean {num(a['ratio_mean'])}, median {num(a['ratio_median'])}, "
               f"geometric mean {num(a['ratio_gmean'])}; rnn at or below the best peer on {a['wins']}/{a['scored']}")
    return out


__all__ = ["aggregate", "flat", "mase_by_series", "naive_forecasts", "peers", "score", "table"]
