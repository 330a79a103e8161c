"""Time-series forecasting (seed ch. 5): a window of past values and time features in, the next
`horizon` values out, scored in original units beside the naive and seasonal-naive baselines.

The model reads x (B, window, F) and its last step's output out[:, -1, :] is the horizon forecast,
in the scaled (and, with `difference`, differenced) space where the MSE loss is taken. Every
reported metric first maps forecasts back to original units (tsdata.Prepared.to_original).
The data pipeline lives in tsdata, the metrics in tsmetrics; this module joins them to models.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks import tsclassical, tsdata
from rnnlab.tasks import tsmetrics as tm
from rnnlab.tasks.base import Batch, Task

# Validation and test are scored on at most this many forecast origins, evenly spaced across the
# split, so an evaluation costs the same on a 10M-row series; the baselines use the same origins.
EVAL_WINDOWS = 2048
# The residual autocorrelation test wants consecutive one-step errors; this many is plenty.
ACF_WINDOWS = 512
METRICS = ("mse", "rmse", "mae", "mape", "smape", "mase")


def _spaced(starts: np.ndarray, limit: int) -> np.ndarray:
    if starts.size <= limit:
        return starts
    return starts[np.linspace(0, starts.size - 1, limit).round().astype(np.int64)]


def _mix(seed: int, step: int) -> int:
    # A different, fixed stream per (seed, step): what makes a resumed run repeat the same batches.
    return (int(seed) * 0x9E3779B97F4A7C15 + int(step) * 0xBF58476D1CE4E5B9 + 1) % (2**63 - 1)


@torch.no_grad()
def predict(model: torch.nn.Module, x: np.ndarray, device: torch.device | str, chunk: int = 256) -> np.ndarray:
    """The model's horizon forecasts (N, horizon) in scaled space, computed in chunks."""
    outs = []
    for i in range(0, len(x), chunk):
        xb = torch.from_numpy(np.ascontiguousarray(x[i : i + chunk])).to(device)
        out, _ = model(xb)
        outs.append(out[:, -1, :].float().cpu().numpy().astype(np.float64))
    return np.concatenate(outs, axis=0)


class TimeSeriesTask(Task):
    kind = "timeseries"
    input_kind = "real"

    def __init__(
        self, cfg: TaskConfig, *, seed: int, batch_size: int, state: Optional[dict[str, Any]] = None
    ) -> None:
        super().__init__(cfg, seed=seed, batch_size=batch_size, state=state)
        series = tsdata.load_series(cfg)
        scaler = tsdata.Scaler.from_dict(state["scaler"]) if state else None
        self.data = tsdata.prepare(series, cfg, scaler=scaler)
        if state:
            self._check_state(state)
        self.season = self._season()
        self.input_size = self.data.features.shape[1]
        self.output_size = cfg.horizon
        self.seq_len = cfg.window
        self.primary_metric = "val_rmse"
        self._train_starts = self.data.starts("train")
        self._eval = {s: _spaced(self.data.starts(s), EVAL_WINDOWS) for s in ("val", "test")}

    def eval_origins(self, split: str) -> np.ndarray:
        """The forecast origins scored on `split` ("val" or "test"), baselines included."""
        return self._eval[split]

    def _season(self) -> int:
        season = self.data.seasons.season
        n_train = self.data.train_levels().size
        if season >= n_train:
            raise UserError(
                f"task.season = {season}: the training split has {n_train} rows, so the seasonal-naive "
                f"baseline and MASE need a season below {n_train}"
            )
        return max(1, season)

    def _check_state(self, state: dict[str, Any]) -> None:
        d = self.data
        saved = state.get("splits", {})
        now = {"train": d.splits.train, "val": d.splits.val, "test": d.splits.test}
        if saved != now or state.get("features") != d.feature_names:
            raise UserError(
                f"{d.origin}: the data changed since this run started (splits {saved} then, {now} now); "
                "restore the original data or start a new run"
            )

    # ------------------------------------------------------------ Task interface

    def state(self) -> dict[str, Any]:
        d = self.data
        return {
            "scaler": d.scaler.to_dict(),
            "splits": {"train": d.splits.train, "val": d.splits.val, "test": d.splits.test},
            "features": list(d.feature_names),
            "rows": int(d.levels.size),
            "missing_filled": d.missing,
            "differenced": bool(d.diff.order),
            "seasonal_difference": d.diff.seasonal,
            "season": self.season,
            "periods": list(d.seasons.periods),
            "frequency": d.frequency.name,
            "source": d.origin,
            "column": d.column,
        }

    def describe(self) -> str:
        d = self.data
        s = d.splits
        return (
            f"timeseries: {d.origin} [{d.column}] {d.levels.size} rows ({d.missing} filled), "
            f"train/val/test {s.train}/{s.val}/{s.test}, window {d.window} -> horizon {d.horizon}, "
            f"{self.input_size} features; {d.choices()}"
        )

    def _batch_at(self, starts: np.ndarray) -> Batch:
        x, y = self.data.windows(starts)
        return Batch(torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y.astype(np.float32)))

    def batch(self, step: int, batch_size: int) -> Batch:
        g = torch.Generator().manual_seed(_mix(self.seed, step))
        pick = torch.randint(0, self._train_starts.size, (batch_size,), generator=g).numpy()
        return self._batch_at(self._train_starts[pick])

    def loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        return torch.nn.functional.mse_loss(out[:, -1, :].float(), batch.y.float())

    def last_step_loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        # Only the last step is scored here, so L_T is the whole loss.
        return self.loss(out, batch)

    def probe_batch(self, batch_size: int) -> Batch:
        return self._batch_at(_spaced(self.data.starts("val"), batch_size))

    # ------------------------------------------------------------ scoring

    def score(self, pred_scaled: np.ndarray, starts: np.ndarray, prefix: str) -> dict[str, float]:
        """`{prefix}_loss` in model space, then every metric in original units."""
        _, y = self.data.windows(starts)
        out = {f"{prefix}_loss": tm.mse(y, pred_scaled)}
        out.update(self._metrics(self.data.to_original(pred_scaled, starts), starts, prefix))
        return out

    def _metrics(self, forecast: np.ndarray, starts: np.ndarray, prefix: str) -> dict[str, float]:
        actual = self.data.actual(starts)
        train = self.data.train_levels()
        return {
            f"{prefix}_mse": tm.mse(actual, forecast),
            f"{prefix}_rmse": tm.rmse(actual, forecast),
            f"{prefix}_mae": tm.mae(actual, forecast),
            f"{prefix}_mape": tm.mape(actual, forecast),
            f"{prefix}_smape": tm.smape(actual, forecast),
            f"{prefix}_mase": tm.mase(actual, forecast, train, self.season),
        }

    def baseline_forecasts(self, starts: np.ndarray) -> dict[str, np.ndarray]:
        """Naive, seasonal-naive, drift and exponential-smoothing (ETS fitted on the training
        split) forecasts in original units for each origin; ETS is left out if it cannot fit."""
        h = self.data.horizon
        naive = np.stack([tm.naive_forecast(self.data.history(t), h) for t in starts])
        seasonal = np.stack([tm.seasonal_naive_forecast(self.data.history(t), h, self.season) for t in starts])
        drift = np.stack([tsclassical.drift_forecast(self.data.history(t), h) for t in starts])
        out = {"naive": naive, "seasonal_naive": seasonal, "drift": drift}
        ets = self._ets()
        if ets is not None:
            out["ets"] = ets.forecast(self.data.levels, np.asarray(starts) + self.data.offset, h)
        return out

    def _ets(self) -> Optional[tsclassical.ETS]:
        if not hasattr(self, "_ets_fit"):
            self._ets_fit = tsclassical.ETS.fit(self.data.train_levels(), self.season)
        return self._ets_fit

    def baseline_scores(self, starts: np.ndarray, split: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, fc in self.baseline_forecasts(starts).items():
            for key, value in self._metrics(fc, starts, split).items():
                out[f"{name}_{key}"] = value
        return out

    def evaluate(self, model: torch.nn.Module, device: torch.device, num_batches: int) -> dict[str, float]:
        # num_batches is not used: the whole validation split (EVAL_WINDOWS origins at most) is
        # scored so that the numbers stand beside baselines() computed on the very same origins.
        x, _ = self.data.windows(self._eval["val"])
        return self.score(predict(model, x, device), self._eval["val"], "val")

    def baselines(self) -> dict[str, float]:
        return self.baseline_scores(self._eval["val"], "val")

    def residual_diagnostics(self, model: torch.nn.Module, device: torch.device) -> dict[str, Any]:
        """ACF and Ljung-Box of one-step-ahead errors over consecutive test origins (original
        units). Only step 1 is used: h-step errors of overlapping windows are correlated anyway."""
        starts = self.data.starts("test")[:ACF_WINDOWS]
        x, _ = self.data.windows(starts)
        fc = self.data.to_original(predict(model, x, device), starts)
        resid = self.data.actual(starts)[:, 0] - fc[:, 0]
        return self.residual_stats(resid)

    def residual_stats(self, resid: np.ndarray) -> dict[str, Any]:
        lags = tm.default_lags(resid.size, self.season)
        if resid.size < 3:
            return {"acf": [], "lags": 0, "q": float("nan"), "p": float("nan")}
        q, p = tm.ljung_box(resid, lags)
        return {"acf": [float(v) for v in tm.acf(resid, lags)[1:]], "lags": lags, "q": q, "p": p}

    def test_metrics(self, model: torch.nn.Module, device: torch.device) -> dict[str, float]:
        x, _ = self.data.windows(self._eval["test"])
        out = self.score(predict(model, x, device), self._eval["test"], "test")
        out.update(self.baseline_scores(self._eval["test"], "test"))
        diag = self.residual_diagnostics(model, device)
        out["test_ljung_box_q"] = diag["q"]
        out["test_ljung_box_p"] = diag["p"]
        out["test_ljung_box_lags"] = float(diag["lags"])
        for k, r in enumerate(diag["acf"], start=1):
            out[f"test_resid_acf_{k}"] = r
        return out

    def output_probe(self, model: torch.nn.Module, device: torch.device) -> dict[str, Any]:
        """The last test window: history, actual, forecast and both baselines, plus residual tests."""
        t = int(self.data.starts("test")[-1])
        starts = np.array([t])
        x, _ = self.data.windows(starts)
        forecast = self.data.to_original(predict(model, x, device), starts)[0]
        base = self.baseline_forecasts(starts)
        diag = self.residual_diagnostics(model, device)
        hist = self.data.history(t)[-self.data.window :]

        def floats(a) -> list[float]:
            return [float(v) for v in np.asarray(a).ravel()]

        o = t + self.data.offset
        stamps = self.data.timestamps
        times = [s.isoformat() for s in stamps[o - hist.size : o + self.data.horizon]] if stamps else []
        return {
            "type": "forecast",
            "origin_index": t + self.data.offset,
            # the dates of history + horizon, for the plots' x-axis ([] without timestamps)
            "times": times,
            "horizon": self.data.horizon,
            "season": self.season,
            "history": floats(hist),
            "actual": floats(self.data.actual(starts)[0]),
            "forecast": floats(forecast),
            "naive": floats(base["naive"][0]),
            "seasonal_naive": floats(base["seasonal_naive"][0]),
            "drift": floats(base["drift"][0]),
            **({"ets": floats(base["ets"][0])} if "ets" in base else {}),
            "acf": diag["acf"],
            "ljung_box_q": float(diag["q"]),
            "ljung_box_p": float(diag["p"]),
        }


def forecast_report(models: list[torch.nn.Module], task: TimeSeriesTask, device: torch.device | str) -> dict[str, Any]:
    """Score each model on the test split, then their mean ensemble (seed ch. 5.3/6.3: combining
    models), with the naive and seasonal-naive baselines on the same origins.

    Returns {"split", "windows", "season", "models": [{"index", metrics...}], "ensemble": {...},
    "baselines": {...}}; metric keys are "test_rmse" etc. The ensemble averages the forecasts in
    model space; scaling and differencing are linear, so that equals averaging in original units."""
    if not models:
        raise UserError("forecast needs at least one model (checkpoint)")
    starts = task.eval_origins("test")
    x, _ = task.data.windows(starts)
    per_model, preds = [], []
    for i, model in enumerate(models):
        was_training = model.training
        model.eval()
        try:
            pred = predict(model, x, device)
        finally:
            model.train(was_training)
        preds.append(pred)
        entry: dict[str, Any] = {"index": i}
        entry.update(task.score(pred, starts, "test"))
        entry.update(_ljung(task, pred, starts))
        per_model.append(entry)
    mean = np.mean(np.stack(preds), axis=0)
    ensemble: dict[str, Any] = {"size": len(models)}
    ensemble.update(task.score(mean, starts, "test"))
    ensemble.update(_ljung(task, mean, starts))
    return {
        "split": "test",
        "windows": int(starts.size),
        "horizon": task.data.horizon,
        "season": task.season,
        "models": per_model,
        "ensemble": ensemble,
        "baselines": task.baseline_scores(starts, "test"),
    }


def _ljung(task: TimeSeriesTask, pred: np.ndarray, starts: np.ndarray) -> dict[str, float]:
    """Ljung-Box on one-step errors when the scored origins are consecutive (else left out)."""
    if starts.size < 3 or not np.all(np.diff(starts) == 1):
        return {}
    resid = task.data.actual(starts)[:, 0] - task.data.to_original(pred, starts)[:, 0]
    stats = task.residual_stats(resid[:ACF_WINDOWS])
    return {"test_ljung_box_q": stats["q"], "test_ljung_box_p": stats["p"]}


__all__ = ["TimeSeriesTask", "forecast_report", "predict"]
