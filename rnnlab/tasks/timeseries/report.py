"""The forecast report: trained models of a time-series task scored on the test split, each and
as their equal-weight mean ensemble, beside the naive and seasonal-naive baselines on the same
origins, with split-conformal bands and Ljung-Box on the residuals (what `rnnlab forecast`
prints). It reads the task only through its methods (a TimeSeriesTask, rnnlab/tasks/timeseries/
task.py, which re-exports `forecast_report`), so this module sits below the task class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import intervals as ti

# The residual autocorrelation test wants consecutive one-step errors; this many is plenty.
ACF_WINDOWS = 512


def forecast_report(
    models: list[torch.nn.Module], task: Any, device: torch.device | str, levels=ti.LEVELS
) -> dict[str, Any]:
    """Score each model on the test split, then their mean ensemble (combining forecasts, Bates &
    Granger 1969: an equal-weight mean is a strong default), with the naive and seasonal-naive
    baselines on the same origins.

    Returns {"split", "windows", "season", "levels", "models": [{"index", metrics...}],
    "ensemble": {...}, "baselines": {...}}; metric keys are "test_rmse" etc., and for the
    conformal bands "test_coverage_80", "test_width_80", "test_pinball". The ensemble averages the forecasts in
    model space; scaling and differencing are linear, so that equals averaging in original units."""
    if not models:
        raise UserError("forecast needs at least one model (checkpoint)")
    starts = task.eval_origins("test")
    x, _ = task.data.windows(starts)
    xv, _ = task.data.windows(task.eval_origins("val"))
    per_model, preds, val_preds = [], [], []
    for i, model in enumerate(models):
        was_training = model.training
        model.eval()
        try:
            pred, pred_val = task.forecast_scaled(model, x, device), task.forecast_scaled(model, xv, device)
        finally:
            model.train(was_training)
        preds.append(pred)
        val_preds.append(pred_val)
        entry: dict[str, Any] = {"index": i}
        entry.update(task.score(pred, starts, "test"))
        entry.update(_ljung(task, pred, starts))
        entry.update(_intervals(task, pred, pred_val, starts, levels))
        per_model.append(entry)
    mean, mean_val = np.mean(np.stack(preds), axis=0), np.mean(np.stack(val_preds), axis=0)
    ensemble: dict[str, Any] = {"size": len(models)}
    ensemble.update(task.score(mean, starts, "test"))
    ensemble.update(_ljung(task, mean, starts))
    ensemble.update(_intervals(task, mean, mean_val, starts, levels))
    baselines = task.baseline_scores(starts, "test")
    baselines.update(task.baseline_interval_scores(starts, "test", levels))
    fusion = _fusion(models, task, device, levels) if len(models) == 1 else {}
    return {
        "split": "test",
        "windows": int(starts.size),
        "horizon": task.data.horizon,
        "season": task.season,
        "levels": [float(v) for v in levels],
        "intervals": "split-conformal, per horizon step, from the validation errors",
        "models": per_model,
        "ensemble": ensemble,
        "baselines": baselines,
        **fusion,
    }


def _fusion(models: list[torch.nn.Module], task: Any, device, levels=ti.LEVELS) -> dict[str, Any]:
    """One run's fused forecast (what `forecast --future` gives by default) and each classical
    member, scored on the same test windows as at the end of training (tsfusion.evaluate): the
    report's "fused" ({test_mase, ..., test_coverage_80, weights}) and "members" ({name: {test_mase,
    ...}}), its bands at `levels` as the model's are (a `-l 90` row is all 90 %). A global model
    has no fusion: nothing."""
    if not hasattr(task, "fallback_sigma"):
        return {}
    from rnnlab.tasks.timeseries import fusion as tsfusion

    metrics, _ = tsfusion.evaluate(task, models[0], device, levels=levels)
    fused = {k[len("fused_"):]: v for k, v in metrics.items() if k.startswith("fused_test_")}
    fused["weights"] = {k[len("fusion_weight_"):]: v for k, v in metrics.items() if k.startswith("fusion_weight_")}
    names = sorted({k[len("member_"):].split("_test_")[0] for k in metrics if k.startswith("member_") and "_test_" in k} - {tsfusion.RNN})
    members = {n: {k[len(f"member_{n}_"):]: v for k, v in metrics.items() if k.startswith(f"member_{n}_test_")} for n in names}
    return {"fused": fused, "members": members}


def _intervals(task: Any, pred: np.ndarray, pred_val: np.ndarray, starts: np.ndarray, levels) -> dict[str, float]:
    conformal = task.calibrate(pred_val, levels)
    return task.interval_metrics(task.data.to_original(pred, starts), starts, conformal, "test")


def _ljung(task: Any, pred: np.ndarray, starts: np.ndarray) -> dict[str, float]:
    """Ljung-Box on one-step errors when the scored origins are consecutive (else left out)."""
    if starts.size < 3 or not np.all(np.diff(starts) == 1):
        return {}
    resid = task.data.actual(starts)[:, 0] - task.data.to_original(pred, starts)[:, 0]
    stats = task.residual_stats(resid[:ACF_WINDOWS])
    return {"test_ljung_box_q": stats["q"], "test_ljung_box_p": stats["p"]}
