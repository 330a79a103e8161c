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
A peer that does not fit a series (Theta, ARIMA on a short one) has no score there, so each
peer's mean is over its own series (`peer_mase_count` says how many); `*_mean_common` are the
means over the `common_series` where every forecaster has a score, the ones to compare.
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
        out += [m for m in tsmembers.fit_members(train, panel.season) if m.name != "naive"]  # naive is first already
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
    # each peer's mean above is over the series it fitted (theta on 14 of 140, naive on all): the
    # means on the series where EVERY forecaster listed has a score compare like with like
    common = [r for r in rows if _finite(r["rnn_mase"]) and all(_finite(r["peers"].get(n)) for n in names)]
    return {
        "series": len(rows),
        "rnn_mase_mean": mean(rnn),
        "rnn_mase_median": float(np.median(rnn)) if rnn else float("nan"),
        "peer_mase_mean": {n: mean(r["peers"].get(n) for r in rows) for n in names},
        "peer_mase_count": {n: sum(1 for r in rows if _finite(r["peers"].get(n))) for n in names},
        "rnn_mase_count": len(rnn),
        "common_series": len(common),
        "rnn_mase_mean_common": mean(r["rnn_mase"] for r in common),
        "peer_mase_mean_common": {n: mean(r["peers"][n] for r in common) for n in names},
        "best_peer_mase_mean": mean(r["best_peer_mase"] for r in rows),
        "ratio_mean": float(ratios.mean()) if ratios.size else float("nan"),
        "ratio_median": float(np.median(ratios)) if ratios.size else float("nan"),
        "ratio_gmean": float(np.exp(np.log(ratios).mean())) if ratios.size else float("nan"),
        # series where the one global model is at or below its best per-series peer
        "wins": sum(1 for r in paired if r["ratio"] <= 1.0),
        "scored": len(paired),
        # no ratio to the best peer: no observed test value, or no change in its training split to scale
        # a MASE by (counted among the series before, and named nowhere but --json's notes: an outside trial)
        "unscored": [r["id"] for r in rows if not _finite(r["ratio"])],
    }


def flat(agg: dict[str, Any]) -> dict[str, float]:
    """The aggregate as the run's flat test metrics: peers as `member_<name>_test_mase` and the
    naive ones also as `<baseline>_test_mase` (verdict reads both), means over series."""
    out = {"test_mase": agg["rnn_mase_mean"], "test_mase_median": agg["rnn_mase_median"],
           "test_mase_ratio_mean": agg["ratio_mean"], "test_mase_ratio_median": agg["ratio_median"],
           "test_mase_ratio_gmean": agg["ratio_gmean"], "test_series": float(agg["series"]),
           "test_series_won": float(agg["wins"]), "test_series_scored": float(agg["scored"])}
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

    shown_ids = fit_ids([str(r["id"]) for r in rows])
    width = max(6, max(len(v) for v in shown_ids.values()))
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
        out.append(f"{shown_ids[str(r['id'])]:<{width}} {r['rows']:>5} {num(r['rnn_mase']):>7} "
                   + " ".join(f"{num(r['peers'].get(n)):>7}" for n in names) + f" {str(r['best_peer'] or '-'):<14} {num(r['ratio']):>6}")
    a = result["aggregate"]
    out.append(f"{a['series']} series, test MASE: rnn mean {num(a['rnn_mase_mean'])} median {num(a['rnn_mase_median'])}; "
               f"ratio to the best per-series peer: mean {num(a['ratio_mean'])}, median {num(a['ratio_median'])}, "
               f"geometric mean {num(a['ratio_gmean'])}; rnn at or below the best peer on {a['wins']}/{a['scored']}")
    if a.get("unscored"):
        out.append(unscored_line(a["unscored"]))
    counts = a.get("peer_mase_count") or {}
    if counts and any(c != a["series"] for c in counts.values()):  # some peer did not fit every series
        out.append("peers fitted on: " + ", ".join(f"{_short_name(n)} {counts[n]}" for n in names)
                   + f" of {a['series']} series; on the {a['common_series']} every forecaster scored, mean test MASE: "
                   + ", ".join(f"{_short_name(n)} {num(v)}" for n, v in
                               {"rnn": a["rnn_mase_mean_common"], **a["peer_mase_mean_common"]}.items()))
    return out


def unscored_line(ids: list) -> str:
    """The series the test split could not score, named (the counts above leave them out)."""
    shown = ", ".join(str(i) for i in ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
    return (f"not scored on the test split: {shown} (no observed test value, or no change in the training split to "
            "scale a MASE by): left out of the counts above; their forecasts have no test score")


ID_WIDTH = 40  # the id column's width at most; a longer id is cut in the middle


def fit_ids(ids: list[str], most: int = ID_WIDTH) -> dict[str, str]:
    """{id: as shown}: whole when it fits, else its start and end around `…` (the end often tells
    `Leisure and Hospitality: Arts` from `...: Accommodation`); whole again wherever two cut ids
    would look the same."""
    def cut(i: str) -> str:
        if len(i) <= most:
            return i
        tail = (most - 1) // 2
        return i[: most - 1 - tail] + "…" + i[-tail:]

    shown = {i: cut(i) for i in ids}
    seen: dict[str, int] = {}
    for v in shown.values():
        seen[v] = seen.get(v, 0) + 1
    return {i: (i if seen[v] > 1 else v) for i, v in shown.items()}


__all__ = ["aggregate", "fit_ids", "flat", "mase_by_series", "naive_forecasts", "peers", "score", "table"]
