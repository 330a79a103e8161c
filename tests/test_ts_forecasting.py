"""Forecasting as forecasters do it (issue 9): a test split scored once, prediction intervals,
future forecasts, backtests and covariates."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from rnnlab import config
from rnnlab.config import TaskConfig
from rnnlab.tasks.timeseries import TimeSeriesTask
from rnnlab.train.session import run_training
from tests.test_train import Never, Recorder


def _cfg(**kw) -> TaskConfig:
    base = dict(kind="timeseries", window=16, horizon=4, periods=[24.0], synthetic={"length": 400})
    base.update(kw)
    return TaskConfig(**base)


class Linear(torch.nn.Module):
    """The smallest model that honours the contract: out, state = model(x)."""

    def __init__(self, features: int, horizon: int, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.lin = torch.nn.Linear(features, horizon)

    def forward(self, x, state=None):
        return self.lin(x), None


def _poison_test(task: TimeSeriesTask) -> None:
    """NaN in every test row: whatever reads the test split comes out NaN."""
    d = task.data
    lo, hi = d.splits.bounds("test")
    d.levels[lo + d.offset :] = np.nan
    d.scaled[lo:] = np.nan
    d.features[lo:, 0] = np.nan


# ---------------------------------------------------------------- item 8: test discipline


@pytest.mark.parametrize("difference", [False, True])
def test_nothing_during_training_reads_the_test_split(difference):
    task = TimeSeriesTask(_cfg(difference=difference), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    _poison_test(task)
    dev = torch.device("cpu")
    json.dumps(task.evaluate(model, dev, 2), allow_nan=False)
    json.dumps(task.baselines(), allow_nan=False)
    probe = task.output_probe(model, dev)
    json.dumps(probe, allow_nan=False)
    assert probe["split"] == "val"
    for step in range(0, 50, 7):
        assert torch.isfinite(task.batch(step, 8).x).all()
    assert torch.isfinite(task.probe_batch(8).x).all()
    # ... while the final scoring does read it
    assert math.isnan(task.test_metrics(model, dev)["test_rmse"])


def test_training_scores_the_test_split_once_at_the_end(tmp_path):
    cfg = config.load(
        "ts-lstm",
        ["task.synthetic.length=500", "task.window=24", "task.horizon=6", "model.hidden_size=8",
         "train.steps=6", "train.eval_every=2", "train.checkpoint_every=6", "probes.output_every=2"],
    )
    rec = Recorder()
    out = run_training(cfg, tmp_path / "r", rec, Never())
    assert out.status == "finished"
    scored = [step for step, row in rec.rows.items() if any(k.startswith("test_") for k in row)]
    assert scored == [6]
    assert {"test_rmse", "test_mase", "naive_test_rmse", "seasonal_naive_test_rmse"} <= set(rec.rows[6])
    assert out.metrics["test_rmse"] == rec.rows[6]["test_rmse"] and "val_rmse" in out.metrics
    assert [k for k, *_ in rec.events].count("test") == 1
    assert all(v[2].get("split") == "val" for v in rec.vectors if v[1] == "output")
