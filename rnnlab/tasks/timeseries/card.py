"""The data card of a time series (`rnnlab data`, and compact in the New experiment form): what
a forecaster looks at before training anything, and the `[task]` settings it suggests.

    rows, first/last time, inferred frequency, missing values and the longest gap
    ADF / KPSS p-values and the verdict, seasonal periods (frequency defaults and detected)
    the ACF of the series as it would be modelled (differenced when non-stationary)

It reads the CSV with the same loader as training (tsdata.load_csv), so what the card says is
what a run would see. The card looks at the whole series (training has not split it yet); a run
with `difference = "auto"` decides on its training split and can differ on a borderline series.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

import numpy as np

from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import stationarity as tsstat
from rnnlab.tasks.timeseries import metrics as tm


def _longest_nan_run(v: np.ndarray) -> int:
    best = cur = 0
    for bad in np.isnan(v):
        cur = cur + 1 if bad else 0
        best = max(best, cur)
    return best


def build(path: Path | str, column: Optional[str] = None, time_column: Optional[str] = None, delimiter: Optional[str] = None) -> dict[str, Any]:
    """The card as plain JSON-able values (UserError for a file the loader rejects)."""
    series = tsdata.load_csv(Path(path).expanduser(), column=column, time_column=time_column, delimiter=delimiter)
    v = series.values
    n = int(v.size)
    freq = series.frequency
    missing = int(np.isnan(v).sum())
    filled = tsdata.fill_missing(v, "interpolate", series.origin)
    stat = tsstat.tests(filled)
    detected = tsfreq.detect_periods(filled)
    if freq.periods:
        periods, source = [float(p) for p in freq.periods], freq.name
        season = freq.season
    else:
        periods, source = [float(p) for p in detected.periods], "detected" if detected.periods else "none found"
        season = detected.periods[0] if detected.periods else 1
    modelled = np.diff(filled) if not stat["stationary"] else filled
    lags = int(max(1, min(max(2 * season, 24), modelled.size // 2)))
    acf = tm.acf(modelled, lags)[1:] if modelled.size > 2 else np.zeros(0)
    stamps = series.timestamps
    card: dict[str, Any] = {
        "file": str(series.origin),
        "column": series.column,
        "time_column": time_column,
        "rows": n,
        "first": stamps[0].isoformat() if stamps else None,
        "last": stamps[-1].isoformat() if stamps else None,
        "frequency": freq.name,
        "rows_put_back": freq.gaps,
        "missing": missing,
        "longest_gap": _longest_nan_run(v),
        "stationarity": stat,
        "periods": periods,
        "periods_source": source,
        "season": int(season),
        "detected_periods": detected.periods,
        "detected_strength": [round(s, 4) for s in detected.strength],
        "acf_of": "differences" if not stat["stationary"] else "series",
        "acf": [float(a) for a in acf],
        "values": [float(x) if math.isfinite(x) else None for x in v],
        "times": [s.isoformat() for s in stamps] if stamps else [],
    }
    card["recommended"] = recommend(card)
    return card


def recommend(card: dict[str, Any]) -> dict[str, Any]:
    """`[task]` keys for this series: a window that sees two seasons, a horizon of one season
    (both within what the splits can hold), the detected periods when the frequency gives none."""
    n, season = card["rows"], card["season"]
    rec: dict[str, Any] = {"kind": "timeseries", "source": card["file"], "column": card["column"]}
    if card["time_column"]:
        rec["time_column"] = card["time_column"]
    room = max(4, int(n * 0.7) // 3)  # the training split must hold window + horizon windows
    horizon = season if 1 < season <= max(1, n // 10) else max(1, min(12, n // 10))
    window = max(2 * season, 16, 2 * horizon)
    rec["window"] = int(min(window, room))
    rec["horizon"] = int(min(horizon, max(1, rec["window"] // 2)))
    rec["difference"] = "auto"  # the run decides on its training split, as the card did here
    if card["periods_source"] == "detected":
        rec["periods"] = card["periods"]
        rec["season"] = season
    return rec


def _when(iso: str) -> str:
    return iso[:10] if iso.endswith("T00:00:00") else iso[:16].replace("T", " ")


def summary_lines(card: dict[str, Any]) -> list[str]:
    """The card in a few text lines (the form shows these; `rnnlab data` adds plots)."""
    st = card["stationarity"]
    span = f", {_when(card['first'])} .. {_when(card['last'])}" if card["first"] else ""
    back = f" ({card['rows_put_back']} missing rows put back)" if card["rows_put_back"] else ""
    pct = 100.0 * card["missing"] / max(1, card["rows"])
    per = ", ".join(f"{p:.4g}" for p in card["periods"]) or "none"
    det = ", ".join(f"{p} (ACF {s:.2f})" for p, s in zip(card["detected_periods"], card["detected_strength"])) or "none"
    verdict = tsstat.verdict(st)
    advice = "difference it (auto does)" if not st["stationary"] else "no differencing needed"
    return [
        f"{Path(card['file']).name} [{card['column']}]: {card['rows']} rows{span}",
        f"frequency     {card['frequency']}{back}",
        f"missing       {card['missing']} values ({pct:.1f}%), longest gap {card['longest_gap']} rows",
        f"stationarity  {verdict}: {advice}",
        f"seasons       season {card['season']}, periods [{per}] ({card['periods_source']}); detected in values: {det}",
    ]


def recommended_toml(card: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps({"task": card["recommended"]})


__all__ = ["build", "recommend", "summary_lines", "recommended_toml"]
