"""No leakage by construction (issue 17 item 2): a missing value is filled from the past only, so
changing x[t] changes no model input before t; a value that was never observed is not scored by
any metric, the baselines, the conformal residuals or the loss. Both failed on the interpolating
pipeline this replaced (a gap at t-1 was filled with (x[t-2] + x[t]) / 2)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlab.config import TaskConfig
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import metrics as tm
from rnnlab.tasks.timeseries.series import Series
from rnnlab.tasks.timeseries.task import TimeSeriesTask

N = 200


def _values(gaps=()) -> np.ndarray:
    t = np.arange(N, dtype=np.float64)
    y = 50 + 5 * np.sin(2 * np.pi * t / 12) + 0.05 * t + np.random.default_rng(0).normal(0, 0.5, N)
    y[list(gaps)] = np.nan
    return y


def _write(path: Path, y: np.ndarray) -> Path:
    days = [date(2020, 1, 1) + timedelta(days=i) for i in range(y.size)]
    path.write_text("date,value\n" + "".join(f"{d}," + ("" if np.isnan(v) else f"{v:.6f}") + "\n" for d, v in zip(days, y)))
    return path


@pytest.mark.parametrize("fill", ["interpolate", "ffill"])
def test_leak_changing_x_t_changes_no_model_input_before_t(fill):
    cfg = TaskConfig(kind="timeseries", window=12, horizon=4, difference=False, fill=fill, calendar_features=False)
    t = 170  # a test-split origin, with the value just before it missing
    base = _values(gaps=[t - 1, t - 3])
    moved = base.copy()
    moved[t] += 100.0
    a = tsdata.prepare(Series(base, None, "leak", "value"), cfg)
    b = tsdata.prepare(Series(moved, None, "leak", "value"), cfg)
    assert a.offset == 0 and a.scaler == b.scaler  # the scaler sees the training split only
    np.testing.assert_array_equal(a.features[:t], b.features[:t])
    xa, _ = a.windows(np.array([t]))
    xb, _ = b.windows(np.array([t]))
    np.testing.assert_array_equal(xa, xb)
    # the observed mask is kept beside the values
    assert not a.observed[t - 1] and a.observed[t]


def test_leak_free_with_differencing_too():
    cfg = TaskConfig(kind="timeseries", window=12, horizon=4, difference=True, calendar_features=False)
    t = 170
    base = _values(gaps=[t - 1])
    moved = base.copy()
    moved[t] -= 40.0
    a = tsdata.prepare(Series(base, None, "leak", "value"), cfg)
    b = tsdata.prepare(Series(moved, None, "leak", "value"), cfg)
    w = t - a.offset  # work row of original row t
    np.testing.assert_array_equal(a.features[:w], b.features[:w])


def test_missing_actual_is_not_scored(tmp_path):
    miss = 185  # in the test split (the last 15% of 200 rows)
    y = _values(gaps=[miss])
    path = _write(tmp_path / "y.csv", y)
    task = TimeSeriesTask(TaskConfig(kind="timeseries", source=str(path), window=12, horizon=4, difference=False,
                                     calendar_features=False),
                          seed=0, batch_size=4)
    d = task.data
    starts = task.eval_origins("test")
    idx = starts[:, None] + np.arange(d.horizon)[None, :] + d.offset
    assert (idx == miss).any()
    actual = d.actual(starts)
    assert np.isnan(actual[idx == miss]).all() and not np.isnan(actual[idx != miss]).any()
    # a forecast that is exact wherever a value was observed and far off where none was: perfect
    exact = np.where(idx == miss, 1e6, y[idx])
    m = task._metrics(exact, starts, "test")
    # (the CSV holds 6 decimals)
    assert m["test_mae"] < 1e-5 and m["test_rmse"] < 1e-5 and m["test_mase"] < 1e-5
    # the baselines' scores leave the missing value out as well
    naive = task.baseline_forecasts(starts)["naive"]
    seen = idx != miss
    assert task.baseline_scores(starts, "test")["naive_test_mae"] == pytest.approx(np.mean(np.abs(y[idx][seen] - naive[seen])), abs=1e-5)
    # the conformal residuals: NaN there, so left out of the band
    resid = task.residuals(exact, starts)
    assert np.isnan(resid[idx == miss]).all() and np.all(np.abs(resid[seen]) < 1e-5)
    # the loss: a NaN target drops out instead of poisoning the mean
    x, target = d.windows(starts)
    assert np.isnan(target).any()
    pred = torch.from_numpy(np.nan_to_num(target, nan=123.0).astype(np.float32))
    loss = task.head.loss(pred, torch.from_numpy(target.astype(np.float32)))
    assert float(loss) == 0.0


def test_mase_scale_ignores_pairs_with_a_missing_value():
    assert tm.seasonal_naive_mae(np.array([1.0, 2.0, np.nan, 4.0, 5.0]), 1) == 1.0
