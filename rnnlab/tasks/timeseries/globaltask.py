"""One recurrent model over many series (a global model, as in DeepAR, N-BEATS and the M4/M5
winners): the `timeseries` task when the CSV is in long format (`task.id_column`, or columns
`unique_id, ds, y`); tasks.make_task picks it (panel.wanted).

Training draws windows from every series at once (uniformly over all training origins; never
across two series, panel.Panel), each series standardised by its own training split, so one
set of weights learns the shape shared by series of any level. Validation and test are scored
per series in that series' units and averaged: `val_mase` (the primary metric) is the mean
MASE over series. At the end, each series' test MASE stands beside its own classical peers
(panelscore: naive, seasonal-naive, ETS, Theta, ARIMA fitted on that series alone); the table
goes to the store as the `panel` vector (`test_vectors`), where `train --json` and `rnnlab
forecast` read it. The task state keeps every series' scaler, window, horizon and season, so a
saved run rebuilds exactly (`rnnlab.load_run`, `rnnlab forecast`).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import metrics as tm
from rnnlab.tasks.timeseries import panel as tspanel
from rnnlab.tasks.timeseries import timeforms as tsforms
from rnnlab.tasks.timeseries.data import fill_causal
from rnnlab.tasks.timeseries import panelscore
from rnnlab.tasks.timeseries.heads import Head
from rnnlab.tasks.timeseries.task import EVAL_WINDOWS, WindowTask, _spaced, left_to_data, predict

# Test origins scored per series at most (evenly spaced), so a long panel's final scoring and
# its peers' forward passes stay bounded.
TEST_PER_SERIES = 64


class GlobalTimeSeriesTask(WindowTask):
    kind = "timeseries"
    NO_WINDOWS_WHERE = " in any series"
    input_kind = "real"
    is_panel = True

    def __init__(self, cfg: TaskConfig, *, seed: int, batch_size: int, state: Optional[dict[str, Any]] = None) -> None:
        super().__init__(cfg, seed=seed, batch_size=batch_size, state=state)
        self.data = tspanel.build(cfg, state.get("panel") if state else None)
        d = self.data
        self.season = d.season
        self.input_size = d.features.shape[1]
        self.head = Head("none", cfg.quantiles, d.horizon, False)
        self.output_size = self.head.output_size
        self.seq_len = d.window
        self.primary_metric = "val_mase"
        self._train_starts = d.starts("train")
        test = [_spaced(d.starts("test", k), TEST_PER_SERIES) for k in range(d.size)]
        self._eval = {"val": _spaced(d.starts("val"), EVAL_WINDOWS), "test": np.concatenate(test)}
        self._result: Optional[dict[str, Any]] = None

    # ------------------------------------------------------------ Task interface

    def state(self) -> dict[str, Any]:
        d = self.data
        return {
            "panel": {"ids": list(d.ids), "scalers": [s.to_dict() for s in d.scalers], "window": d.window,
                      "lengths": [d.rows(k) for k in range(d.size)],
                      "horizon": d.horizon, "season": d.season},
            "series": d.size,
            "left_out": [[i, n] for i, n in d.left_out],
            "rows": int(d.levels.size),
            "features": list(d.feature_names),
            "season": d.season,
            "frequency": d.frequency.name,
            "source": d.origin,
            **{k: v for k, v in d.columns.items()},
        }

    def from_data(self) -> dict[str, Any]:
        """The [task] keys the config left to the panel's data, as this run took them (task.py's)."""
        d = self.data
        return left_to_data(self.cfg, {"window": d.window, "horizon": d.horizon, "season": d.season, "column": d.columns.get("column")})

    def describe(self) -> str:
        d = self.data
        c = d.columns
        left = f"; {len(d.left_out)} series left out (too short)" if d.left_out else ""
        left += f"; {d.missing_line()}" if d.missing_line() else ""  # empty cells and rows put back (the card's `missing`)
        # a wide CSV's series are its columns (panel._read_wide)
        return (f"timeseries (global): {d.origin} [{c.get('column') or 'wide'}] by {c.get('id_column') or 'column'}: {d.size} series, "
                f"{d.levels.size} rows, window {d.window} -> horizon {d.horizon}, {self.input_size} feature{'s' if self.input_size != 1 else ''}, "
                f"each series scaled by its own training split ({'its mean and mean absolute step' if self.cfg.scale == 'standard' else self.cfg.scale}); {d.frequency.name}, season {d.season}{left}")

    def eval_origins(self, split: str) -> np.ndarray:
        return self._eval[split]

    # ------------------------------------------------------------ scoring

    def forecast(self, model: torch.nn.Module, starts: np.ndarray, device: torch.device | str) -> np.ndarray:
        """Forecasts in original units (N, horizon), each through its own series' scaler."""
        x, _ = self.data.windows(starts)
        return self.data.to_original(self.head.point(predict(model, x, device)), starts)

    def _scores(self, pred_scaled: np.ndarray, starts: np.ndarray, prefix: str) -> dict[str, float]:
        _, y = self.data.windows(starts)
        fc = self.data.to_original(pred_scaled, starts)
        per = panelscore.mase_by_series(self.data, fc, starts)
        ok = per[np.isfinite(per)]
        return {f"{prefix}_loss": tm.mse(y, pred_scaled), f"{prefix}_mase": float(ok.mean()) if ok.size else float("nan"),
                f"{prefix}_mase_median": float(np.median(ok)) if ok.size else float("nan"),
                f"{prefix}_smape": tm.smape(self.data.actual(starts), fc)}

    def evaluate(self, model: torch.nn.Module, device: torch.device, num_batches: int) -> dict[str, float]:
        starts = self._eval["val"]
        x, _ = self.data.windows(starts)
        return self._scores(self.head.point(predict(model, x, device)), starts, "val")

    def baselines(self) -> dict[str, float]:
        starts = self._eval["val"]
        out = {}
        for name, fc in panelscore.naive_forecasts(self.data, starts).items():
            out[f"{name}_val_mase"] = panelscore.mean(panelscore.mase_by_series(self.data, fc, starts))
        return out

    def panel_result(self, model: torch.nn.Module, device: torch.device | str) -> dict[str, Any]:
        """Per-series test MASE beside each series' peers, and the aggregate (panelscore.score)."""
        starts = self._eval["test"]
        result = panelscore.score(self.data, self.forecast(model, starts, device), starts)
        result["left_out"] = [[i, n] for i, n in self.data.left_out]
        result["left_out_line"] = self.data.left_out_line()
        result.update(window=self.data.window, horizon=self.data.horizon, season=self.data.season,
                      id_column=self.data.columns.get("id_column"))
        return result

    def test_metrics(self, model: torch.nn.Module, device: torch.device) -> dict[str, float]:
        starts = self._eval["test"]
        x, _ = self.data.windows(starts)
        out = self._scores(self.head.point(predict(model, x, device)), starts, "test")
        # the kept checkpoint's validation score (the run's flat val_mase is the last evaluation's):
        # what verdict.losses judges the model by on validation, as a single series' fusion stores it
        out["member_rnn_val_mase"] = self.evaluate(model, device, 0)["val_mase"]
        self._result = self.panel_result(model, device)
        out.update(panelscore.flat(self._result["aggregate"]))
        out["member_rnn_test_mase"] = out["test_mase"]  # `train --json`'s members.rnn beside its peers' test_mase
        return out

    def test_vectors(self) -> dict[str, Any]:
        """What test_metrics found that is not a number: the per-series table (the `panel` vector)."""
        return {"panel": self._result} if self._result is not None else {}

    def output_probe(self, model: torch.nn.Module, device: torch.device) -> dict[str, Any]:
        """The last validation window of the longest series (what the dashboard's forecast panel
        draws), with its naive baselines; val only, like the single-series task."""
        d = self.data
        k = int(np.argmax(np.diff(d.begins)))
        t = int(d.starts("val", k)[-1])
        starts = np.array([t])
        base = panelscore.naive_forecasts(d, starts)
        lo = max(int(d.begins[k]), t - d.window)
        stamps = d.stamps[k]
        local = t - int(d.begins[k])
        times = [s.isoformat() for s in stamps[local - (t - lo) : local + d.horizon].to_pydatetime()] if stamps is not None else []

        def floats(a) -> list[float]:
            return [float(v) for v in np.asarray(a).ravel()]

        return {
            "type": "forecast", "split": "val", "series": d.ids[k], "origin_index": local, "times": times,
            "horizon": d.horizon, "season": d.season, "history": floats(d.levels[lo:t]),
            "actual": floats(d.actual(starts)[0]), "forecast": floats(self.forecast(model, starts, device)[0]),
            "naive": floats(base["naive"][0]), "seasonal_naive": floats(base.get("seasonal_naive", base["naive"])[0]),
            "bands": {}, "acf": [], "ljung_box_q": float("nan"), "ljung_box_p": float("nan"),
        }

    # ------------------------------------------------------------ forecasting past the data

    def future(self, model: torch.nn.Module, device: torch.device | str, steps: int,
               name: Optional[str] = None) -> dict[str, Any]:
        """The next `steps` values of every series from its end: the recurrent model's (at most
        the horizon), a classical peer's refitted on the whole series (`name`: naive, ets,
        theta, arima, seasonal_naive, mstl), or each series' `best` on its test split (the
        rows then say which). {"rows", "notes": lines to say, "left_out": [[id, rows]] of the
        series training left out, "switched": {id: [best on test, used]}}: a peer forecasts a
        left-out series too where it fits its few rows; `best` past the horizon takes the next
        best where the recurrent model was best, and a note says so."""
        d = self.data
        rnn_ok = steps <= d.horizon
        known = ("rnn", "best", *PEERS)
        if name is not None and name not in known:
            raise UserError(f"--model {name}: a global run's forecasts are {', '.join(known)}")
        from rnnlab.tasks.timeseries.members import MSTL_MIN_SEASON

        if name in ("seasonal_naive", "mstl") and (d.season <= 1 or (name == "mstl" and d.season < MSTL_MIN_SEASON)):
            # refused series by series before, as if the first one were too short (an outside trial's yearly panel)
            why = "no season" if d.season <= 1 else f"a short season: MSTL is for seasons of {MSTL_MIN_SEASON} and up"
            raise UserError(f"--model {name}: this run's series have {why} (season {d.season}, {d.frequency.name}); "
                            "--model naive repeats each series' last value, --model ets|theta|arima fit each series")
        if name in (None, "rnn") and not rnn_ok:
            raise UserError(f"--future {steps}: a global run's recurrent model forecasts each series up to its horizon "
                            f"{d.horizon} (recursive forecasts past it are for single-series runs); use --future "
                            f"{d.horizon} or less, or a classical peer refitted on each series: --model ets|theta|arima|naive")
        rnn = None
        if rnn_ok and name in (None, "rnn", "best"):
            ends = d.begins[1:].astype(np.int64)  # each series' end is its next origin
            rnn = d.to_original(self.head.point(predict(model, d.inputs(ends), device))[:, :steps], ends)
        best: dict[str, str] = {}
        switched: dict[str, list[str]] = {}
        unscored: list[str] = []
        if name == "best":  # by test MASE, among those that can forecast this far
            for r in self.panel_result(model, device)["series"]:
                every = {n: v for n, v in {**r["peers"], "rnn": r["rnn_mase"]}.items() if panelscore._finite(v)}
                ok = {n: v for n, v in every.items() if n != "rnn" or rnn_ok}
                if not every:  # no test score at all: the default forecaster, said so (it was naive, unsaid)
                    unscored.append(r["id"])
                best[r["id"]] = min(ok, key=ok.get) if ok else ("rnn" if rnn_ok else "naive")
                if every and min(every, key=every.get) != best[r["id"]]:
                    switched[r["id"]] = ["rnn", best[r["id"]]]
        rows = []
        for k, sid in enumerate(d.ids):
            pick = best.get(sid, name) if name == "best" else (name or "rnn")
            fc = rnn[k] if pick == "rnn" else self._peer_path(d.series_levels(k), sid, pick, steps)
            rows += self._rows(sid, fc, d.series_levels(k), d.stamps[k], pick if name not in (None, "rnn") else None,
                               d.numbered[k] if d.numbered else "")
        notes, done = [], []
        if switched:
            said = ", ".join(f"{i} ({b} -> {u})" for i, (b, u) in list(switched.items())[:8])
            more = f" and {len(switched) - 8} more" if len(switched) > 8 else ""
            notes.append(f"--future {steps} is past the recurrent model's horizon {d.horizon}, so where it was best on the test "
                         f"split the next best forecasts: {said}{more}; --future {d.horizon} keeps it")
        if unscored:
            notes.append(f"--model best: no test score for {', '.join(unscored[:8])}" + (f" and {len(unscored) - 8} more" if len(unscored) > 8 else "")
                         + f" (no observed test value, or no change to scale a MASE by), so no best: {'the recurrent model' if rnn_ok else 'naive'} forecasts "
                         + ("it" if len(unscored) == 1 else "them"))
        for s in d.short:  # too short to train on: a classical peer asked for may still fit its few rows
            y = s.values
            if name in PEERS and y.size and not np.isnan(y).all():
                y = fill_causal(y, f"{d.origin} [{s.id}]")
                try:
                    fc = self._peer_path(y, s.id, name, steps)
                except UserError:
                    continue
                rows += self._rows(s.id, fc, y, s.stamps, name, tsforms.steps_of(s.numbers) if s.numbers is not None else "")
                done.append(s.id)
        if d.left_out:
            shown = [(i, n) for i, n in d.left_out if i not in done]
            what = ", ".join(f"{i} ({n} rows)" for i, n in shown[:8]) + (f" and {len(shown) - 8} more" if len(shown) > 8 else "")
            why = f"too short for window {d.window} + horizon {d.horizon} in train and a horizon in val and test"
            if done:
                notes.append(f"{len(done)} series left out of training ({why}) forecast by {name} from their own rows: "
                             + ", ".join(done[:8]) + (f" and {len(done) - 8} more" if len(done) > 8 else ""))
            if shown:
                how = (f"{name} does not fit so few rows; --model naive forecasts them" if name in PEERS else
                       "--model naive forecasts them from their own rows")
                notes.append(f"not forecast: {len(shown)} series left out of training ({why}): {what}; {how}")
        return {"rows": rows, "notes": notes, "left_out": [[i, n] for i, n in d.left_out], "forecast_left_out": done,
                "switched": switched}

    def _rows(self, sid: str, fc: np.ndarray, y: np.ndarray, stamps: Any, model: Optional[str],
              numbered: str = "") -> list[dict[str, Any]]:
        """One series' forecast as `--future` rows: its next times (or its file's step numbers,
        `numbered` as timeforms.steps_of gives them; or row numbers), the model."""
        d = self.data
        if np.nanmin(y) >= 0:  # never negative in its data: no forecast below 0
            fc = np.maximum(fc, 0.0)
        steps = len(fc)
        future = (tsfreq.future_stamps(stamps[-1].to_pydatetime(), d.frequency, steps)
                  if stamps is not None and len(stamps) and d.frequency.regular else None)
        return [{"unique_id": sid, "ds": tsfreq.label(future[j], d.frequency) if future else str(tsforms.step_number(numbered, len(y) + j)),
                 "step": j + 1,
                 "forecast": float(fc[j]), **({"model": model} if model is not None else {})} for j in range(steps)]

    def _peer_path(self, y: np.ndarray, sid: str, name: str, steps: int) -> np.ndarray:
        """A series' next `steps` values by the classical peer `name`, fitted on all its rows `y`."""
        import warnings

        from rnnlab.tasks.timeseries import members as tsmembers

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels' convergence chatter
            # only the peer asked for is fitted (a series' ARIMA is not fitted for its ETS forecast)
            try:
                found = {m.name: m for m in [tsmembers.SeasonalNaive(1, name="naive"),
                                             *tsmembers.fit_members(y, self.data.season, names=[name])]}
            except (ValueError, np.linalg.LinAlgError, FloatingPointError, IndexError):
                found = {"naive": tsmembers.SeasonalNaive(1, name="naive")}
        if name not in found:
            raise UserError(f"--model {name}: series {sid!r} cannot have that peer (too short, or it did "
                            "not fit); try --model naive or best")
        return found[name].forecast(y, np.array([y.size]), steps)[0]


PEERS = ("naive", "seasonal_naive", "ets", "theta", "arima", "mstl")  # the classical peers `--model` names


__all__ = ["GlobalTimeSeriesTask"]
