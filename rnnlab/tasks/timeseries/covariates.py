"""Covariates: other CSV columns the forecast may read (weather, prices, traffic: the drivers forecasters usually have).

Two kinds, as Darts and NeuralForecast name them:
- `task.covariates` (past / observed): known only up to the forecast origin. Input row i carries
  the value at row i, like the target itself.
- `task.future_covariates` (known ahead: a price list, a timetable, a promotion calendar): input
  row i also carries the next `horizon` values, rows i+1..i+horizon, so the last row of a window
  (origin t, row t-1) holds exactly the values over the forecast's horizon t..t+horizon-1. Rows
  whose next values lie past the end of the data hold 0 (the covariate's training mean) until
  `forecast --future` supplies them from `--covariates FILE.csv`.
Calendar (and holiday) features are computed from timestamps, so they are known ahead anyway.

Each covariate is filled like the target (task.fill) and standardised with its training split's
mean and spread; those scalers are saved with the run. Covariates are never differenced: they
describe conditions, the target's differencing is about its own level.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import numpy as np

from rnnlab.config import SyntheticConfig, TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import read as tscsv
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import oneid
from rnnlab.tasks.timeseries.series import Series
from rnnlab.tasks.timeseries.synthetic import SYNTHETIC, synthetic

# A seeded series driven by two covariates, for presets and tests: `promo` (0/1 blocks, known
# ahead like a promotion calendar) lifts the level by PROMO_EFFECT; `temperature` (a slow AR(1)
# anomaly, observed as it happens) adds TEMP_EFFECT per degree.
DRIVEN = "builtin:synthetic-driven"
PROMO_EFFECT, TEMP_EFFECT = 3.0, 0.8


def driven(cfg: SyntheticConfig) -> tuple[Series, dict[str, np.ndarray]]:
    """builtin:synthetic (same [task.synthetic] keys) plus the covariates' effects, and the
    covariates themselves."""
    base = synthetic(cfg)
    n = cfg.length
    rng = np.random.default_rng([cfg.seed, 1])
    promo = np.zeros(n)
    t = int(rng.integers(0, 48))
    while t < n:
        length = int(rng.integers(6, 48))
        promo[t : t + length] = 1.0
        t += length + int(rng.integers(24, 120))
    shocks = 0.25 * rng.standard_normal(n)
    temperature = np.zeros(n)
    for i in range(1, n):
        temperature[i] = 0.97 * temperature[i - 1] + shocks[i]
    values = base.values + PROMO_EFFECT * promo + TEMP_EFFECT * temperature
    series = Series(values=values, timestamps=base.timestamps, origin=DRIVEN, column="value")
    return series, {"promo": promo, "temperature": temperature}


def names(cfg: TaskConfig) -> list[str]:
    """Every covariate column, past ones first."""
    return list(cfg.covariates) + list(cfg.future_covariates)


def _read(path: Path, wanted: list[str], key: str, what: str, delimiter: Optional[str] = None,
          table: Optional[tscsv.Table] = None) -> tuple[dict[str, np.ndarray], tscsv.Table]:
    """The `wanted` numeric columns of a CSV (NaN where empty) and its table, read like the
    target (tscsv: detected delimiter, decimal commas, thousands groups)."""
    if table is None:
        if not path.is_file():
            raise UserError(f"{path}: {'is a directory' if path.is_dir() else 'no such file'} ({what})")
        table = tscsv.read_table(path, delimiter)
    out: dict[str, np.ndarray] = {}
    for name in wanted:
        # the same did-you-mean message the target column gets
        j = tscsv.column_index(table, name, key)
        col, bad = tscsv.parse_column(table.cells(j), table.delimiter)
        if bad is not None:
            cell = str(table.frame.iloc[bad, j]).strip()
            raise UserError(
                f"{path}, line {table.line(bad)}: covariate {name!r} ({key if key.startswith('-') else 'task.' + key}) has {cell!r}, not a number; "
                "leave the cell empty for a missing value"
            )
        out[name] = col
    return out, table


def load_series(cfg: TaskConfig) -> tuple[Series, dict[str, np.ndarray]]:
    """The task's series and its configured covariates (filled, one value per row)."""
    if cfg.source == DRIVEN:
        series, available = driven(cfg.synthetic)
        return series, _pick(cfg, available)
    series = oneid.load_one(cfg) or tsdata.load_series(cfg)  # a long file of one id: that one series
    return series, load(cfg, series)


def _pick(cfg: TaskConfig, available: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    _check_kinds(cfg)
    for key, group in (("covariates", cfg.covariates), ("future_covariates", cfg.future_covariates)):
        for name in group:
            if name not in available:
                close = difflib.get_close_matches(name, list(available), n=1, cutoff=0.5)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise UserError(f"{DRIVEN}: no covariate {name!r} (task.{key}){hint}; it has: {', '.join(available)}")
    return {n: available[n] for n in names(cfg)}


def _check_kinds(cfg: TaskConfig) -> None:
    both = sorted(set(cfg.covariates) & set(cfg.future_covariates))
    if both:
        raise UserError(f"task.covariates and task.future_covariates both name {both[0]!r}; a column is one or the other")


def load(cfg: TaskConfig, series: Series) -> dict[str, np.ndarray]:
    """The configured covariates of the task's CSV, filled, one value per row of `series`."""
    wanted = names(cfg)
    if not wanted:
        return {}
    _check_kinds(cfg)
    source = cfg.source or SYNTHETIC
    if source.startswith("builtin:"):
        raise UserError(
            f"task.covariates / task.future_covariates need a CSV task.source with those columns (or {DRIVEN}); "
            f"{source} has only one series"
        )
    for name in wanted:
        if name in (series.column, series.time_column):
            key = "covariates" if name in cfg.covariates else "future_covariates"
            raise UserError(f"task.{key}: {name!r} is the {'target' if name == series.column else 'time'} column, not a covariate")
    path = Path(source).expanduser()
    cols: dict[str, np.ndarray] = {}
    table = tscsv.read_table(path, cfg.delimiter)
    tscsv.oldest_first(table, series.time_column)  # in the series' row order (a file written newest first)
    for key, group in (("task.covariates", cfg.covariates), ("task.future_covariates", cfg.future_covariates)):
        got, table = _read(path, list(group), key.removeprefix("task."), key, cfg.delimiter, table)
        cols.update(got)
    out = {}
    for name, col in cols.items():
        first = series.file_start
        kept = first + (series.file_rows if series.file_rows is not None else col.size)
        col = col[first:kept]  # the file's rows before the series' first value and after its last are not the series' (tsdata.load_csv)
        if series.frequency.gaps and series.time_column is not None and col.size < series.values.size:
            # rows the series skipped were put back as NaN (tsfreq.regularize): the same here
            stamps, _ = tscsv.times(table, series.time_column)
            col, _ = tsfreq.regularize(col, list(stamps[first:kept].to_pydatetime()), series.frequency)
        if col.size != series.values.size:
            raise UserError(f"{path}: covariate {name!r} has {col.size} rows, the series {series.values.size}")
        out[name] = tsdata.fill_causal(col, f"{path} [{name}]")  # from the past only, like the target
    return out


def fit_scalers(covariates: dict[str, np.ndarray], rows: int) -> dict[str, tsdata.Scaler]:
    """A standard scaler per covariate, from its first `rows` values (the training split)."""
    return {n: tsdata.Scaler.fit(v[:rows], "standard") for n, v in covariates.items()}


def add_features(
    prep: tsdata.Prepared, cfg: TaskConfig, covariates: dict[str, np.ndarray], scalers: dict[str, tsdata.Scaler]
) -> tsdata.Prepared:
    """`prep` with the covariate columns appended to its features (see the module docstring)."""
    if not covariates:
        return prep
    m, h, offset = prep.features.shape[0], prep.horizon, prep.offset
    cols, feature_names = [], []
    for name in cfg.covariates:
        z = scalers[name].transform(covariates[name][offset : offset + m])
        cols.append(z[:, None])
        feature_names.append(name)
    for name in cfg.future_covariates:
        z = scalers[name].transform(covariates[name][offset:])
        padded = np.concatenate([z, np.zeros(h + 1)])
        lead = padded[np.arange(m)[:, None] + np.arange(1, h + 1)[None, :]]
        # rows whose next values lie past the data: 0, the training mean, until they are supplied
        lead[np.arange(m)[:, None] + np.arange(1, h + 1)[None, :] >= z.size] = 0.0
        cols.append(lead)
        feature_names += [f"{name}+{k}" for k in range(1, h + 1)]
    features = np.concatenate([prep.features, *cols], axis=1).astype(np.float32)
    return replace(prep, features=features, feature_names=list(prep.feature_names) + feature_names)


def read_future(path: Path, cfg: TaskConfig, steps: int, horizon: int, times: Optional[list] = None,
                time_column: Optional[str] = None, frequency: Optional[tsfreq.Frequency] = None) -> dict[str, np.ndarray]:
    """Future covariate values for `forecast --future steps` from a CSV. With a time column in the
    file (the run's, or the first column of dates) and `times` (the future steps' timestamps), the
    rows are joined by date: each future step takes the row with its time, in any order, and a step
    without one is an error. Without, one row per future step, in order.
    Known-ahead covariates are required; observed ones only when the forecast runs past the
    horizon (its later chunks read rows after the origin)."""
    need = list(cfg.future_covariates) + (list(cfg.covariates) if steps > horizon else [])
    if not path.is_file():
        raise UserError(f"--covariates {path}: {'is a directory' if path.is_dir() else 'no such file'}")
    try:
        table = tscsv.read_table(path, cfg.delimiter)
    except UserError as err:
        raise UserError(f"--covariates {path}: not a readable CSV file: {err}") from None
    header = table.header
    missing = [n for n in need if n not in header]
    if missing:
        why = (f"task.covariates are observed only up to the origin, so --future {steps} beyond the horizon {horizon} needs them too"
               if any(n in cfg.covariates for n in missing) else "the run's task.future_covariates")
        raise UserError(
            f"--covariates {path}: no column {', '.join(repr(n) for n in missing)} ({why}); "
            f"columns are: {', '.join(header) or '(none)'}"
        )
    present = [n for n in names(cfg) if n in header]
    cols, table = _read(path, present, "--covariates", "--covariates", table=table)
    rows = np.arange(table.n_rows)
    when = time_column if time_column in header else None
    if times is not None and when is None:
        when = tscsv.find_time_column(table, ordered=False)  # joined by date: years in any order too
    if times is not None and when is not None:
        stamps, _ = tscsv.times(table, when, ordered=False)  # joined by date: any row order
        if stamps is not None:
            import pandas as pd

            pos: dict[int, int] = {}
            wanted = pd.DatetimeIndex(times[:steps]).as_unit("s").asi8
            future = set(wanted.tolist())
            for k, t in enumerate(stamps.as_unit("s").asi8):
                if int(t) in pos and int(t) in future:  # two values for one future step: which?
                    at = pd.Timestamp(int(t), unit="s").to_pydatetime()
                    raise UserError(f"--covariates {path}, lines {table.line(pos[int(t)])} and {table.line(k)}: two rows for "
                                    f"{tsfreq.label(at, frequency) if frequency is not None else at.isoformat()} in column "
                                    f"{when!r}; give one row per future time")
                pos.setdefault(int(t), k)
            absent = [k for k, t in enumerate(wanted) if int(t) not in pos]
            if absent:
                first = pd.Timestamp(int(wanted[absent[0]]), unit="s")
                when_text = tsfreq.label(first.to_pydatetime(), frequency) if frequency is not None else first.isoformat()
                raise UserError(
                    f"--covariates {path}: no row for {when_text} (future step {absent[0] + 1} of {steps}; "
                    f"{len(absent)} missing); column {when!r} must hold each future time"
                )
            rows = np.array([pos[int(t)] for t in wanted], dtype=np.int64)
    if rows.size < steps:
        raise UserError(
            f"--covariates {path}: {rows.size} rows, but --future {steps} needs {steps} (one per future step, in order)"
        )
    rows = rows[:steps]
    for name in present:
        bad = np.isnan(cols[name][rows])
        if bad.any():
            line = table.line(int(rows[int(np.argmax(bad))]))
            raise UserError(f"--covariates {path}, line {line}: {name!r} is empty; future covariate values cannot be missing")
    return {n: cols[n][rows] for n in present}


def extend(covariates: dict[str, np.ndarray], n_future: int, future: Optional[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Each covariate followed by `n_future` future values: the supplied ones, then the last
    value repeated (rows no forecast step reads, or observed covariates within the horizon)."""
    out = {}
    for name, values in covariates.items():
        given = np.asarray((future or {}).get(name, np.zeros(0)), dtype=np.float64)[:n_future]
        last = given[-1] if given.size else values[-1]
        out[name] = np.concatenate([values, given, np.full(n_future - given.size, last)])
    return out


def state(scalers: dict[str, tsdata.Scaler]) -> dict[str, Any]:
    return {n: s.to_dict() for n, s in scalers.items()}


def scalers_from_state(d: dict[str, Any]) -> dict[str, tsdata.Scaler]:
    return {n: tsdata.Scaler.from_dict(v) for n, v in d.items()}


__all__ = ["add_features", "extend", "fit_scalers", "load", "names", "read_future"]
