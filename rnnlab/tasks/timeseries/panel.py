"""Many series in one long-format CSV, ready for ONE global model: read, group, split, scale, cut.

A long-format CSV has one row per (series, time): an id column, a time column and a value column,
as statsforecast and Darts read it. Columns named `unique_id, ds, y` need no key; otherwise
`task.id_column` names the id column (and `task.time_column` / `task.column` the others, or they
are found as for one series). A wide CSV (`task.wide = true`: a time column, then one column per
series, as Darts' `TimeSeries.from_dataframe(value_cols=...)` reads it) gives each numeric column
as a series named by its header.

    unique_id,ds,y              each series:  sorted by time, leading/trailing empty rows cut,
    ABW,1960-01-01,4.82           skipped steps put back as NaN (tsfreq.regularize), filled
    ABW,1961-01-01,4.66           causally (the last observed value, data.fill_causal), split in
    AFG,1960-01-01,7.45           time (train | val | test by its own rows, sizes.split_sizes),
    ...                           standardised by ITS OWN training split (fit_scaler)

The series are laid end to end in one array (row r of series k is global row begins[k] + r), so
a window is the same slice as for one series (data.make_windows); every forecast origin is drawn
inside one series' own rows, so no window reads two series. Inputs and targets are measured
from the last value before the origin (in the series' scaled units), as global forecasters
normalise windows: the network learns where a series goes from where it stands. `to_original` maps each origin's
forecast back with its own series' scaler. One window and horizon serve every series: set, or
the single-series defaults (sizes.default_window_horizon) for the lower quartile of the
series' lengths; a
series too short for one train window and a horizon in val and test is left out, and named in
one line (`Panel.left_out_line`). The columns are read as panelread says (the ids as text as
written, a time column given as the id refused, row numbers not a value); the values missing
and the rows put back are counted per series (`Panel.missing_line`, the card's `missing`).

Not (yet) for a panel: differencing (per-series scaling takes the level instead), covariates,
holidays and a probabilistic head; each is refused in one line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

import numpy as np

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import oneid, panelread
from rnnlab.tasks.timeseries import read as tscsv
from rnnlab.tasks.timeseries import timeforms as tsforms
from rnnlab.tasks.timeseries.data import Scaler, fill_causal, make_windows, resolve_seasons
from rnnlab.tasks.timeseries.relative import step_scaler
from rnnlab.tasks.timeseries.features import calendar_features, calendar_parts
from rnnlab.tasks.timeseries.sizes import Splits, _short, default_window_horizon, min_rows, split_sizes

LONG_FORMAT = oneid.LONG_FORMAT  # statsforecast / Darts' column names: no key needed


def _header(path: Path, delimiter: Optional[str]) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        head = fh.read(20_000)
    line = next((ln for ln in head.splitlines() if ln.strip()), "")
    return [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delimiter or tscsv.detect_delimiter(head)), [])]


def wanted(cfg: TaskConfig) -> bool:
    """A global model is asked for: `task.id_column` or `task.wide` is set, or the CSV's columns
    include `unique_id, ds, y` (statsforecast's long format); not when the id column holds one
    id (oneid.py: one series, read as any single series is)."""
    if cfg.wide:
        return True
    if cfg.id_column:
        return oneid.single_id(cfg) is None
    src = cfg.source or ""
    if not src or src.startswith("builtin:"):
        return False
    try:
        return set(LONG_FORMAT) <= set(_header(Path(src).expanduser(), cfg.delimiter)) and oneid.single_id(cfg) is None
    except (OSError, UnicodeDecodeError, csv.Error):
        return False  # the single-series reader says what is wrong with the file


def check_config(cfg: TaskConfig) -> None:
    """The [task] keys a global model does not take, each refused in one line."""
    src = cfg.source or ""
    key = "task.wide = true" if cfg.wide else f"task.id_column = {cfg.id_column!r}"
    if src.startswith("builtin:"):
        raise UserError(f"{key}: a global model reads a long-format CSV (task.source = 'panel.csv' with columns such as "
                        f"unique_id, ds, y) or a wide one (a time column, then one column per series), not {src!r}")
    if cfg.wide and cfg.id_column:
        raise UserError(f"task.wide = true and task.id_column = {cfg.id_column!r}: a CSV is wide (one column per series) "
                        "or long (an id column naming each row's series); set one of them")
    if cfg.wide and cfg.column:
        raise UserError(f"task.column = {cfg.column!r} with task.wide = true: a wide CSV's every numeric column is a series; "
                        "leave task.column unset, or drop task.wide to forecast that one column")
    refused = [("covariates", bool(cfg.covariates)), ("future_covariates", bool(cfg.future_covariates)),
               ("holidays", bool(cfg.holidays)), ("likelihood", cfg.likelihood != "none"),
               ("difference", cfg.difference is True), ("seasonal_difference", bool(cfg.seasonal_difference))]
    for key, bad in refused:
        if bad:
            raise UserError(f"task.{key} is not supported with a global model over many series (task.id_column, task.wide); "
                            f"leave it unset, or train one series at a time")


@dataclass
class RawSeries:
    id: str
    values: np.ndarray  # NaN where missing
    stamps: Any  # pandas DatetimeIndex, or None for an index time column
    put_back: int = 0  # rows the file skipped, put back as NaN (_trim)
    numbers: Any = None  # an index time column's numbers, per row (its future continues them)


def read_long(cfg: TaskConfig) -> tuple[list[RawSeries], dict[str, Optional[str]]]:
    """The series of a long-format CSV (in order of first appearance) and the columns used."""
    import pandas as pd

    path = Path(cfg.source or "").expanduser()
    table = tscsv.read_table(path, cfg.delimiter)
    if cfg.wide:
        return _read_wide(table, cfg)
    head = table.header
    id_col = cfg.id_column or LONG_FORMAT[0]
    j = tscsv.column_index(table, id_col, "id_column")
    panelread.refuse_time_id(table, id_col, j)
    time_col = cfg.time_column or panelread.time_column(table, id_col, cfg.column)
    if cfg.time_column and cfg.time_column in head and tscsv.parse_column(table.cells(head.index(time_col)))[1] is not None:
        if table.dates(head.index(time_col)) is None:  # quarters and years in one column: say so, not its first odd cell
            panelread.refuse_mixed_times(table, time_col, id_col)
    column = cfg.column or ("y" if "y" in head and "y" not in (id_col, time_col) else None)
    if column is None:
        column = panelread.value_column(table, id_col, time_col)
    for key, name in (("column", column), ("time_column", time_col)):
        if name == id_col:
            raise UserError(f"task.{key} = {name!r} is also task.id_column: the id column names the series; "
                            f"pick another column for task.{key} (columns: {', '.join(head)})")
    values = tscsv.values(table, column)
    idx, sort_key, form = None, np.arange(table.n_rows, dtype=np.float64), ""
    if time_col is not None:
        idx, kind = tscsv.times(table, time_col, ordered=False)
        form = tscsv.form_of(kind)
        if idx is None:
            sort_key, _ = tscsv.parse_column(table.cells(tscsv.column_index(table, time_col, "time_column")))
        else:
            sort_key = idx.as_unit("s").asi8.astype(np.float64)  # years before 1678 overflow nanoseconds
    ids = panelread.ids(table, j, id_col)
    frame = pd.DataFrame({"id": ids, "key": sort_key, "v": values, "row": np.arange(len(ids))})
    out = []
    for sid, group in frame.groupby("id", sort=False):
        group = group.sort_values("key", kind="stable")
        key = group["key"].to_numpy()
        if (np.diff(key) == 0).any():
            r = int(group["row"].to_numpy()[1:][np.diff(key) == 0][0])
            raise UserError(f"{path}, line {table.line(r)}: series {sid!r} has two rows at the same time in column {time_col!r}; "
                            "one row per series and time step")
        stamps = None if idx is None else idx[group["row"].to_numpy()]
        numbers = key if idx is None and time_col is not None else None
        out.append(RawSeries(str(sid), group["v"].to_numpy(dtype=np.float64), stamps, numbers=numbers))
    return out, {"id_column": id_col, "time_column": time_col, "column": column, "form": form, "file_rows": table.n_rows,
                 "reading": table.reading()}


def _read_wide(table: tscsv.Table, cfg: TaskConfig) -> tuple[list[RawSeries], dict[str, Optional[str]]]:
    """Each numeric column of a wide CSV as a series named by its header, on the rows' times (read
    as one series' are: newest-first files flipped, local clocks in standard time, a time out of
    order named by its line)."""
    time_col = cfg.time_column
    if time_col is not None:
        tscsv.column_index(table, time_col, "time_column")
    else:
        time_col = tscsv.find_time_column(table)
    names = tscsv.numeric_columns(table, time_col)
    counted = [c for c in names if tscsv._row_numbers(table, c)]  # pandas' and R's row numbers
    names = [c for c in names if c not in counted] if len(names) > len(counted) else names
    panelread.refuse_long_as_wide(table, time_col, names)
    if len(names) < 2:
        raise UserError(f"{table.path}: task.wide = true needs two or more numeric columns, one per series; it has "
                        f"{len(names)} ({', '.join(names) or 'none'}) besides the time column {time_col!r}; drop task.wide "
                        "to forecast one column")
    tscsv.oldest_first(table, time_col)
    idx, kind = tscsv.times(table, time_col) if time_col is not None else (None, None)
    numbers = None
    if idx is None and time_col is not None:  # step numbers: the future continues them (panel.numbered)
        numbers, _ = tscsv.parse_column(table.cells(tscsv.column_index(table, time_col, "time_column")))
    out = [RawSeries(name, tscsv.values(table, name), idx, numbers=numbers) for name in names]
    form = tscsv.form_of(kind)
    return out, {"id_column": None, "time_column": time_col, "column": None, "wide": ", ".join(names), "form": form,
                 "file_rows": table.n_rows, "reading": table.reading()}


def _trim(s: RawSeries) -> RawSeries:
    """Cut the empty rows before a series' first and after its last observation, and put back
    the steps a regular series skips."""
    ok = np.flatnonzero(~np.isnan(s.values))
    if not ok.size:
        return RawSeries(s.id, s.values[:0], None if s.stamps is None else s.stamps[:0])
    lo, hi = int(ok[0]), int(ok[-1]) + 1
    values, stamps = s.values[lo:hi], None if s.stamps is None else s.stamps[lo:hi]
    if s.numbers is not None:
        return RawSeries(s.id, values, stamps, numbers=s.numbers[lo:hi])
    if stamps is not None and len(stamps) > 2:
        freq = tsfreq.infer(stamps)
        if freq.gaps:
            import pandas as pd

            before = values.size
            values, filled = tsfreq.regularize(values, list(stamps.to_pydatetime()), freq)
            stamps = pd.DatetimeIndex(filled)
            return RawSeries(s.id, values, stamps, values.size - before)
    return RawSeries(s.id, values, stamps)


def _detected(s: RawSeries, cfg: TaskConfig) -> int:
    """A panel without times: the season found in its longest series' values (the training part,
    as one series' card finds it), else 0. With times, the frequency's season stands."""
    if s.stamps is not None:
        return 0
    n = max(1, int(round(s.values.size * (1.0 - cfg.val_fraction - cfg.test_fraction))))
    return resolve_seasons(cfg, tsfreq.NONE, fill_causal(s.values, s.id)[:n]).season


def fit_scaler(train: np.ndarray, kind: str, season: int) -> Scaler:
    """A series' own scaler from its training split's observed values. "standard" on a panel:
    the mean, and the mean absolute seasonal step (the in-sample seasonal-naive MAE, MASE's own
    denominator) instead of the spread of the levels: windows are measured from their last value,
    so what the network sees are steps, and the MSE it minimises is then in MASE's units, equal
    for every series. Measured on the fertility panel (benchmarks/ts_global.py, default ts-lstm):
    geometric-mean ratio to the best per-country peer 1.98 (1.87 when the steps were taken on the
    filled series) against 2.40 with the levels' std; the levels' z-score as a second input: 2.86.
    Falls back to the levels' std for a series that never moves."""
    seen = np.asarray(train, dtype=np.float64)
    return step_scaler(seen, Scaler.fit(seen[~np.isnan(seen)], kind), season)


@dataclass
class Panel:
    """Every kept series laid end to end; the per-series facts in arrays indexed by series."""

    ids: list[str]
    begins: np.ndarray  # (k + 1,) global row where each series starts; begins[-1] = total rows
    levels: np.ndarray  # filled values, original units
    observed: np.ndarray  # bool: the value was in the data
    scaled: np.ndarray
    features: np.ndarray  # (rows, F) float32, column 0 = the scaled value
    feature_names: list[str]
    scalers: list[Scaler]
    splits: list[Splits]
    stamps: list[Any]  # per series: DatetimeIndex or None
    window: int
    horizon: int
    season: int
    frequency: tsfreq.Frequency
    origin: str = ""
    columns: dict[str, Optional[str]] = field(default_factory=dict)
    left_out: list[tuple[str, int]] = field(default_factory=list)
    put_back: list[int] = field(default_factory=list)  # per series: rows the file skipped, put back as NaN
    file_rows: int = 0  # the data rows the file has (a wide file's: one per time)
    short: list[RawSeries] = field(default_factory=list)  # the series left out, as read (a peer may forecast them)
    numbered: list[str] = field(default_factory=list)  # per series: timeforms' "steps:FIRST:STEP" of its numbers, or ""
    reading: tuple[str, ...] = ()  # read.Table.reading: a title skipped, two-digit years read as steps ...

    @property
    def size(self) -> int:
        return len(self.ids)

    def rows(self, k: int) -> int:
        return int(self.begins[k + 1] - self.begins[k])

    def series_of(self, starts: np.ndarray) -> np.ndarray:
        """The series index of each global row."""
        return np.searchsorted(self.begins, np.asarray(starts), side="right") - 1

    def starts(self, split: str, k: Optional[int] = None) -> np.ndarray:
        """Forecast origins (global rows) of `split` in series k, or in every series."""
        ks = range(self.size) if k is None else [k]
        out = []
        for i in ks:
            lo, hi = self.splits[i].bounds(split)
            lo += self.window if split == "train" else 0
            out.append(np.arange(lo, hi - self.horizon + 1, dtype=np.int64) + self.begins[i])
        return np.concatenate(out) if out else np.zeros(0, np.int64)

    @property
    def target(self) -> np.ndarray:
        return np.where(self.observed, self.scaled, np.nan)

    def last(self, starts: np.ndarray) -> np.ndarray:
        """The scaled value just before each origin: what a window is measured from."""
        return self.scaled[np.asarray(starts, dtype=np.int64) - 1]

    def inputs(self, starts: np.ndarray) -> np.ndarray:
        """(N, window, F) inputs of origins t (t may be a series' end, for --future)."""
        idx = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(-self.window, 0)[None, :]
        x = self.features[idx].copy()
        x[:, :, 0] -= self.last(starts)[:, None].astype(np.float32)
        return x

    def windows(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inputs and targets, both relative to the value before the origin (scaled): the model
        learns the path from where a series stands, not its level, so a series that leaves its
        training range (a decline, a trend) stays in familiar inputs."""
        _, y = make_windows(self.features, self.target, starts, self.window, self.horizon)
        return self.inputs(starts), y - self.last(starts)[:, None]

    def _idx(self, starts: np.ndarray) -> np.ndarray:
        return np.asarray(starts, dtype=np.int64)[:, None] + np.arange(self.horizon)[None, :]

    def actual(self, starts: np.ndarray) -> np.ndarray:
        idx = self._idx(starts)
        return np.where(self.observed[idx], self.levels[idx], np.nan)

    def to_original(self, pred: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Each origin's forecast (relative, scaled: what `windows` gives as targets) back in its
        own series' units: the value before the origin added back, then that series' scaler."""
        k = self.series_of(np.asarray(starts) - 1)  # the origin's series (an origin may be its end)
        center = np.array([s.center for s in self.scalers])[k][:, None]
        scale = np.array([s.scale for s in self.scalers])[k][:, None]
        return (np.asarray(pred, dtype=np.float64) + self.last(starts)[:, None]) * scale + center

    def series_levels(self, k: int) -> np.ndarray:
        return self.levels[self.begins[k] : self.begins[k + 1]]

    def train_observed(self, k: int) -> np.ndarray:
        lo, n = int(self.begins[k]), self.splits[k].train
        return np.where(self.observed[lo : lo + n], self.levels[lo : lo + n], np.nan)

    def missing(self) -> list[tuple[str, int]]:
        """(id, values missing) of the series that miss any, most first: empty cells and the rows
        put back (leading and trailing empty rows were cut, and are not counted)."""
        n = [int((~self.observed[self.begins[k] : self.begins[k + 1]]).sum()) for k in range(self.size)]
        return sorted(((i, m) for i, m in zip(self.ids, n) if m), key=lambda t: -t[1])

    def missing_line(self) -> str:
        """`missing 47 values (0.8%) in 2 of 8 series (4 rows put back), most in NSW (43), VIC (4)`, or ""."""
        most = self.missing()
        if not most:
            return ""
        total = sum(m for _, m in most)
        back = sum(self.put_back)
        put = f" ({back} missing row{'s' if back != 1 else ''} put back)" if back else ""
        return (f"missing {total} values ({100 * total / max(1, self.levels.size):.1f}%) in {len(most)} of {self.size} series{put}, "
                f"most in " + ", ".join(f"{i} ({m})" for i, m in most[:3]))

    def left_out_line(self) -> str:
        if not self.left_out:
            return ""
        seen = {s.id: int(np.count_nonzero(~np.isnan(s.values))) for s in self.short}
        names = ", ".join(f"{i} ({n} rows" + (f", {seen[i]} observed" if seen.get(i, n) != n else "") + ")" for i, n in self.left_out[:5])
        more = f" and {len(self.left_out) - 5} more" if len(self.left_out) > 5 else ""
        return (f"left out {len(self.left_out)} series too short for window {self.window} + horizon {self.horizon} "
                f"in train and a horizon in val and test, or with under half their rows observed: {names}{more}")


def summary(p: Panel) -> dict[str, Any]:
    """What `rnnlab data` says about a panel: the series, their lengths, and the settings
    `train` will use for all of them."""
    n = np.diff(p.begins)
    most = p.missing()
    return {"series": p.size, "rows": int(p.levels.size), "rows_min": int(n.min()), "rows_median": float(np.median(n)),
            "rows_max": int(n.max()), "frequency": p.frequency.name, "season": p.season, "window": p.window,
            "horizon": p.horizon, "left_out": [[i, k] for i, k in p.left_out], **p.columns,
            "left_out_observed": {s.id: int(np.count_nonzero(~np.isnan(s.values))) for s in p.short},  # values, of those rows
            # rows: the kept series' time steps, rows put back included; file_rows: what the file has
            "file_rows": p.file_rows, "rows_put_back": int(sum(p.put_back)), "missing_values": sum(m for _, m in most),
            "missing_series": [[i, m] for i, m in most], "reading": list(p.reading)}


def build(cfg: TaskConfig, saved: Optional[dict[str, Any]] = None) -> Panel:
    """Read and prepare the panel; `saved` (a run's task state) fixes the window, horizon,
    season and every series' scaler as they were when the run started."""
    check_config(cfg)
    raw, columns = read_long(cfg)
    form = columns.pop("form", "")  # how the file wrote its times: the frequency's, not a column's
    file_rows = int(columns.pop("file_rows", 0))
    reading = tuple(columns.pop("reading", ()))  # what the reader did beyond a plain file: the card's `read` line
    origin = str(Path(cfg.source or "").expanduser())
    series = [_trim(s) for s in raw]
    longest = max(series, key=lambda s: s.values.size)
    freq = replace(tsfreq.infer(longest.stamps), form=form) if longest.stamps is not None else tsfreq.NONE
    lengths = np.array([s.values.size for s in series])
    if saved is not None:
        window, horizon, season = int(saved["window"]), int(saved["horizon"]), int(saved["season"])
    else:
        season = max(1, int(cfg.season or freq.season or _detected(longest, cfg) or 1))
        # the defaults of a series at the panel's lower quartile of length: most series keep
        # a window, and one very short series does not shrink the horizon of all
        typical = lengths[lengths >= min_rows(season)]
        m = int(np.percentile(typical, 25)) if typical.size else int(lengths.max())
        window, horizon = default_window_horizon(m, season, cfg.val_fraction, cfg.test_fraction)
        if cfg.horizon is not None:
            horizon = int(cfg.horizon)
            window = max(window, 2 * horizon)
        window = int(cfg.window) if cfg.window is not None else window
    kept, left_out = [], []
    for s in series:
        sp = split_sizes(s.values.size, cfg.val_fraction, cfg.test_fraction)
        # under half its rows observed, however many the grid gives it: a wide file's Isle of Man (3 values in 42
        # years) was trained on and forecast, its long file's left out (an outside trial). A saved run keeps its series.
        thin = saved is None and 2 * int(np.count_nonzero(~np.isnan(s.values))) < s.values.size  # most of it filled in
        (left_out if s.values.size == 0 or _short(sp, window, horizon) or thin else kept).append((s, sp))
    if not kept:
        raise UserError(f"{origin}: no series is long enough for window {window} and horizon {horizon} (the longest has "
                        f"{int(lengths.max())} rows); set a smaller task.window / task.horizon")
    saved_scalers = {i: Scaler.from_dict(d) for i, d in zip(saved["ids"], saved["scalers"])} if saved else {}
    lengths_now = [s.values.size for s, _ in kept]
    if saved is not None and ([s.id for s, _ in kept] != list(saved["ids"]) or lengths_now != saved.get("lengths", lengths_now)):
        raise UserError(f"{origin}: the series changed since this run started ({len(saved['ids'])} series of "
                        f"{sum(saved.get('lengths', []))} rows then, {len(kept)} of {sum(lengths_now)} now); restore the "
                        "original data or start a new run")
    parts = tuple(calendar_parts(list(longest.stamps.to_pydatetime()), freq)) if cfg.calendar_features and longest.stamps is not None else ()
    cols, levels, observed, scaled, scalers = [], [], [], [], []
    names = ["value"]
    for s, sp in kept:
        lv = fill_causal(s.values, f"{origin} [{s.id}]")
        sc = saved_scalers.get(s.id) or fit_scaler(s.values[: sp.train], cfg.scale, season)
        z = sc.transform(lv)
        feats = [z[:, None]]
        if parts:
            cal, cal_names = calendar_features(list(s.stamps.to_pydatetime()), parts)
            feats.append(cal)
            names = ["value", *cal_names]
        cols.append(np.concatenate(feats, axis=1))
        levels.append(lv)
        observed.append(~np.isnan(s.values))
        scaled.append(z)
        scalers.append(sc)
    begins = np.concatenate([[0], np.cumsum([s.values.size for s, _ in kept])]).astype(np.int64)
    return Panel(
        ids=[s.id for s, _ in kept], begins=begins, levels=np.concatenate(levels), observed=np.concatenate(observed),
        scaled=np.concatenate(scaled), features=np.concatenate(cols).astype(np.float32), feature_names=names,
        scalers=scalers, splits=[sp for _, sp in kept], stamps=[s.stamps for s, _ in kept], window=window,
        horizon=horizon, season=season, frequency=freq, origin=origin, columns=columns,
        left_out=[(s.id, s.values.size) for s, _ in left_out], put_back=[s.put_back for s, _ in kept], file_rows=file_rows,
        short=[s for s, _ in left_out], reading=reading,
        numbered=[tsforms.steps_of(s.numbers) if s.numbers is not None else "" for s, _ in kept],
    )


__all__ = ["LONG_FORMAT", "Panel", "RawSeries", "build", "summary", "check_config", "fit_scaler", "read_long", "wanted"]
