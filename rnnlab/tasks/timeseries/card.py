"""The data card of a time series (`rnnlab data`, and compact in the New experiment form): what
a forecaster looks at before training anything, and the `[task]` settings it suggests.

    rows, first/last time, inferred frequency, missing values and the longest gap
    ADF / KPSS p-values and the verdict, seasonal periods (frequency defaults and detected)
    the ACF of the series as it would be modelled (differenced when non-stationary)

It reads the CSV with the same loader as training (tsdata.load_csv) and takes the run's decisions
(season, periods, differencing, window and horizon) with the run's code on the run's training
split, so what the card says is what `rnnlab train` with only the CSV named does.

Bounded work on long series (a 300,000-row hourly CSV's card takes well under 0.5 s,
benchmarks/ts_read.py): ADF/KPSS read the last 5,000 rows of the training split
(tsstat.MAX_ROWS), and the periods detected in the values and the ACF shown read the last
DETECT_ROWS rows (`acf_rows` says how many). `build(points=N)` carries at most N evenly spread
rows of the series (`positions` says which) for a plot, instead of every row as JSON does.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import numpy as np

from rnnlab.config import TaskConfig
from rnnlab.tasks.timeseries import blas
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import oneid
from rnnlab.tasks.timeseries import sizes as tssizes
from rnnlab.tasks.timeseries import stationarity as tsstat
from rnnlab.tasks.timeseries import timeforms as tsforms
from rnnlab.tasks.timeseries import metrics as tm
from rnnlab.tasks.timeseries.series import Stamps


# the last DETECT_ROWS rows show any season a card can plot (20,000 hours: 2 years)
DETECT_ROWS = 20_000


def _longest_nan_run(v: np.ndarray) -> int:
    bad = np.concatenate([[0], np.isnan(v).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(bad))  # starts and ends of the NaN runs, alternating
    return int((edges[1::2] - edges[::2]).max()) if edges.size else 0


def _at(stamps, rows: np.ndarray):
    """The timestamps at `rows` (still a Stamps when they were one)."""
    if isinstance(stamps, Stamps):
        return Stamps(stamps.index[rows])
    return [stamps[int(i)] for i in rows]


def _iso(stamps) -> list[str]:
    """ISO 8601 of each timestamp, vectorised where they are a DatetimeIndex of whole seconds
    (what datetime.isoformat writes then)."""
    if isinstance(stamps, Stamps):
        arr = stamps.index.values
        if np.all(arr.astype("datetime64[s]") == arr):
            return np.datetime_as_string(arr, unit="s").tolist()
    return [s.isoformat() for s in stamps]


def _values(v: np.ndarray) -> list:
    """The values as JSON-able floats, None where missing."""
    out = v.tolist()
    for i in np.flatnonzero(~np.isfinite(v)):
        out[i] = None
    return out


def spread(n: int, points: int) -> np.ndarray:
    """At most `points` row numbers spread evenly over 0..n-1, the first and last included (the
    last alone for one point)."""
    if points <= 0 or n <= 0:
        return np.zeros(0, dtype=np.int64)
    if n <= points:
        return np.arange(n, dtype=np.int64)
    if points == 1:
        return np.array([n - 1], dtype=np.int64)
    return np.unique(np.round(np.linspace(0, n - 1, points)).astype(np.int64))


def build(path: Path | str, column: Optional[str] = None, time_column: Optional[str] = None, delimiter: Optional[str] = None,
          points: Optional[int] = None, id_column: Optional[str] = None) -> dict[str, Any]:
    """The card as plain JSON-able values (UserError for a file the loader rejects). `values` and
    `times` hold every row, or with `points` at most that many rows at `positions` (0: none).
    `id_column`: a long file's id column; holding one id, the file is that one series (oneid.py)."""
    blas.one_thread()
    one = TaskConfig(kind="timeseries", source=str(path), column=column, time_column=time_column, delimiter=delimiter,
                     id_column=id_column)
    series = oneid.load_one(one) or tsdata.load_csv(Path(path).expanduser(), column=column, time_column=time_column, delimiter=delimiter)
    v = series.values
    n = int(v.size)
    freq = series.frequency
    missing = int(np.isnan(v).sum())
    # the decisions a run takes, taken the same way on the same rows (its training split, filled
    # from the past), so the card and `train` agree on season, periods, differencing and sizes
    cfg = TaskConfig(kind="timeseries")
    filled = tsdata.fill_causal(v, series.origin)
    n_train = max(2, tsdata.split_sizes(n - 1, cfg.val_fraction, cfg.test_fraction).train - 1)
    seasons = tsdata.resolve_seasons(cfg, freq, filled[:n_train])
    periods, source, season = seasons.periods, seasons.source, seasons.season
    stat = tsstat.tests(filled[:n_train])
    tail = filled[-DETECT_ROWS:]
    detected = tsfreq.detect_periods(tail)
    offset = 0 if stat["stationary"] else 1
    window, horizon = tsdata.default_window_horizon(n - offset, season, cfg.val_fraction, cfg.test_fraction)
    no_season = tssizes.unseasoned(n - offset, season, window, horizon, cfg.val_fraction, cfg.test_fraction)
    modelled = np.diff(tail) if not stat["stationary"] else tail
    lags = int(max(1, min(max(2 * season, 24), modelled.size // 2)))
    acf = tm.acf(modelled, lags)[1:] if modelled.size > 2 else np.zeros(0)
    stamps = series.timestamps
    rows = np.arange(n) if points is None else spread(n, points)
    shown = v if points is None else v[rows]
    card: dict[str, Any] = {
        "file": str(series.origin),
        "column": series.column,
        "time_column": series.time_column,
        "rows": n,
        "first": stamps[0].isoformat() if stamps else None,
        "last": stamps[-1].isoformat() if stamps else None,
        "frequency": freq.name,
        # how outputs write times: "year" (1971), "quarter" (2009Q3) or "fiscal" (2019-20), and the
        # template of the file's own cells ("Q{q} {y}", "{y}-{e}"; timeforms.py)
        "time_form": tsforms.kind_of(freq.form),
        "time_pattern": freq.form.partition(":")[2] or None,
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
        "acf_rows": int(modelled.size),
        "window": window,
        "horizon": horizon,
        "window_why": tssizes.why_window_horizon(n - offset, season, cfg.val_fraction, cfg.test_fraction, rows=n) + (
            f"; season {season} left out (task.season = 1): the training split's "
            f"{tssizes.split_sizes(n - offset, cfg.val_fraction, cfg.test_fraction).train} rows hold less than one" if no_season else ""),
        "min_rows": tsdata.min_rows(season),
        "trains": tssizes.trains(n - offset, season, window, horizon, cfg.val_fraction, cfg.test_fraction) or no_season,
        # a season longer than the training split: the recommendation trains without it (task.season = 1)
        "season_left_out": no_season,
        "stationarity_rows": int(n_train),  # the tests read the training split only, as a run decides on it
        "values": _values(shown),
        "times": (_iso(stamps) if points is None else _iso(_at(stamps, rows))) if stamps else [],
        "reading": list(series.reading),
    }
    if points is not None:
        card["positions"] = rows.tolist()
    card["recommended"] = recommend(card)
    return card


def recommend(card: dict[str, Any]) -> dict[str, Any]:
    """`[task]` keys for this series: a window that sees two seasons, a horizon of one season
    (both within what the splits can hold), the detected periods when the frequency gives none."""
    season = card["season"]
    rec: dict[str, Any] = {"kind": "timeseries", "source": card["file"], "column": card["column"]}
    if card["time_column"]:
        rec["time_column"] = card["time_column"]
    # what `train` takes when task.window / task.horizon are left unset (data.default_window_horizon)
    rec["window"], rec["horizon"] = card["window"], card["horizon"]
    rec["difference"] = "auto"  # the run decides on its training split, as the card did here
    if card["periods_source"] == "detected":
        rec["periods"] = card["periods"]
        rec["season"] = season
    if card.get("season_left_out"):
        rec["season"] = 1
    return rec


def time_label(iso: str, frequency: str, form: Optional[str]) -> str:
    """A time of the card's span as the series' outputs write it (tsfreq.label): 1871 for a
    file's years, 2009Q3 for its quarters, a date on daily and coarser, minutes otherwise."""
    months = {"quarterly": 3, "monthly": 1}.get(frequency, 12)  # a year's form: yearly or every 10 years alike
    if form:
        return tsfreq.label(datetime.fromisoformat(iso), tsfreq.Frequency(frequency, months=months, form=form))
    return iso[:10] if iso.endswith("T00:00:00") else iso[:16].replace("T", " ")


def summary_lines(card: dict[str, Any]) -> list[str]:
    """The card in a few text lines (the form shows these; `rnnlab data` adds plots)."""
    st = card["stationarity"]
    form = f"{card.get('time_form') or ''}:{card.get('time_pattern') or ''}".strip(":")
    span = (f", {time_label(card['first'], card['frequency'], form)} .. {time_label(card['last'], card['frequency'], form)}"
            if card["first"] else "")
    back = f" ({card['rows_put_back']} missing rows put back)" if card["rows_put_back"] else ""
    pct = 100.0 * card["missing"] / max(1, card["rows"])
    per = ", ".join(f"{p:.4g}" for p in card["periods"]) or "none"
    m = card["season"]
    # 6 beside season 12 is the season's 2nd harmonic (a cycle twice a year), not another season
    det = ", ".join(f"{p} (ACF {s:.2f}" + (f"; the season's {_nth(m // p)} harmonic)" if 1 < p < m and m % p == 0 else ")")
                    for p, s in zip(card["detected_periods"], card["detected_strength"])) or "none"
    verdict = tsstat.verdict(st)
    advice = "difference it (auto does)" if not st["stationary"] else "no differencing needed"
    # below the defaults' minimum the card's own window and horizon still train it (what `train` refuses without them)
    short = ([f"too short     {card['rows']} rows; training with the defaults needs at least {card['min_rows']}" + (
              f"; the window and horizon recommended below train it: --set task.window={card['window']} --set task.horizon={card['horizon']}"
              + (" --set task.season=1" if card.get("season_left_out") else "")
              if card.get("trains") else "")] if card["rows"] < card["min_rows"] else [])
    return short + [
        f"{Path(card['file']).name} [{card['column']}]: {card['rows']} rows{span}",
        f"frequency     {card['frequency']}{back}",
        f"missing       {card['missing']} values ({pct:.1f}%), longest gap {card['longest_gap']} rows",
        f"stationarity  {verdict} on the first {card['stationarity_rows']} rows (the training split, less a margin for differencing): {advice}"
        if card.get("stationarity_rows") else f"stationarity  {verdict}: {advice}",
        f"seasons       season {card['season']}, periods [{per}] ({card['periods_source']}); detected in values: {det}",
    ] + ([f"read          {'; '.join(card['reading'])}"] if card.get("reading") else [])


def _nth(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def recommended_toml(card: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps({"task": card["recommended"]})


__all__ = ["build", "spread", "recommend", "summary_lines", "recommended_toml", "time_label"]
