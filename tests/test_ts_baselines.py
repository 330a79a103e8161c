"""Issue 14 item 7: classical baselines (drift, exponential smoothing) beside naive and seasonal
naive; dates on forecast plot axes; MAPE printed with its unit; config.toml holds only the keys of
its own task."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from datetime import datetime, timedelta

import numpy as np
import pytest

from rnnlab import config, timeaxis
from rnnlab.config import TaskConfig
from rnnlab.tasks.timeseries import classical as tsclassical
from rnnlab.tasks.timeseries.task import TimeSeriesTask


def _seasonal(n=400, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + 0.05 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.standard_normal(n)


def test_drift_is_naive_plus_the_average_slope():
    np.testing.assert_allclose(tsclassical.drift_forecast(np.array([1.0, 2.0, 5.0]), 3), [7.0, 9.0, 11.0])


@pytest.mark.parametrize("season", [12, 1])
def test_ets_forward_pass_reproduces_statsmodels(season):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = _seasonal()
    train = y[:300]
    ets = tsclassical.ETS.fit(train, season)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ExponentialSmoothing(
            train, trend="add", damped_trend=True, seasonal="add" if season > 1 else None,
            seasonal_periods=season if season > 1 else None, initialization_method="estimated",
        ).fit()
    np.testing.assert_allclose(ets.forecast(y, np.array([300]), 30)[0], res.forecast(30), rtol=1e-10, atol=1e-9)
    one_step = ets.forecast(y, np.arange(1, 300), 1)[:, 0]
    np.testing.assert_allclose(one_step, res.fittedvalues[1:], rtol=1e-10, atol=1e-9)
    # a later origin uses only the rows before it
    cut = y.copy()
    cut[350:] = np.nan
    np.testing.assert_allclose(ets.forecast(cut, np.array([350]), 5), ets.forecast(y, np.array([350]), 5))


def _write_csv(tmp_path, daily: bool = True):
    y = _seasonal(500)
    start = datetime(2020, 1, 6)
    lines = ["date,y"] + [f"{(start + timedelta(days=i)).date()},{v:.4f}" for i, v in enumerate(y)]
    p = tmp_path / "s.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_task_scores_drift_and_ets_on_the_same_origins(tmp_path):
    task = TimeSeriesTask(
        TaskConfig(kind="timeseries", source=str(_write_csv(tmp_path)), time_column="date", window=24, horizon=6, season=12),
        seed=0, batch_size=4,
    )
    base = task.baselines()
    for name in ("naive", "seasonal_naive", "drift", "ets"):
        assert f"{name}_val_rmse" in base and np.isfinite(base[f"{name}_val_rmse"])
    # ETS knows the trend and the 12-step cycle: it beats repeating the last value
    assert base["ets_val_rmse"] < base["naive_val_rmse"]
    fc = task.baseline_forecasts(task.eval_origins("val")[:3])
    assert fc["drift"].shape == fc["ets"].shape == (3, 6)


def test_forecast_probe_carries_dates_and_ticks_format_them(tmp_path):
    import torch

    task = TimeSeriesTask(
        TaskConfig(kind="timeseries", source=str(_write_csv(tmp_path)), time_column="date", window=24, horizon=6),
        seed=0, batch_size=4,
    )

    class Zero(torch.nn.Module):
        def forward(self, x, state=None):
            return torch.zeros(x.shape[0], x.shape[1], 6), None

    out = task.output_probe(Zero(), torch.device("cpu"))
    assert len(out["times"]) == 24 + 6
    # the probe shows the last validation window (the test split is scored once, at the end)
    last = int(task.data.starts("val")[-1]) + task.data.offset + task.data.horizon - 1
    assert out["times"][-1] == task.data.timestamps[last].isoformat()
    ticks = timeaxis.ticks(out["times"])
    assert ticks[0] == (0, out["times"][0][:10]) and ticks[-1][0] == 29
    assert timeaxis.ticks([datetime(1700 + i, 1, 1).isoformat() for i in range(5)])[-1] == (4, "1704")
    assert timeaxis.ticks([datetime(2000, 1 + i, 1).isoformat() for i in range(5)])[1][1] == "2000-02"
    assert timeaxis.ticks([]) == [] and timeaxis.ticks(["a", "b"]) == []


def test_saved_config_holds_only_its_task_keys():
    ts = config.load("ts-lstm").to_dict()["task"]
    assert "window" in ts and "prime" not in ts and "top_p" not in ts and "seq_len" not in ts
    text = config.load("lstm-char").to_dict()["task"]
    assert "prime" in text and "window" not in text and "synthetic" not in text
    adding = config.load("adding-lstm").to_dict()["task"]
    assert set(adding) == {"kind", "seq_len"}
    # what is saved loads back to the same config
    cfg = config.load("ts-lstm")
    assert config.validate(cfg.to_dict()).to_dict() == cfg.to_dict()


def test_train_prints_mape_with_its_unit_and_show_plots_dates(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    runs = tmp_path / "runs"
    args = ["train", "ts-lstm", "--runs-dir", str(runs), "--set", f"task.source={_write_csv(tmp_path)}",
            "--set", "task.time_column=date", "--set", "task.window=24", "--set", "task.horizon=6",
            "--set", "model.hidden_size=4", "--set", "train.steps=4", "--set", "train.eval_every=2",
            "--set", "probes.output_every=2", "--set", "train.checkpoint_every=4", "--name", "daily"]
    proc = subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 0, proc.stderr
    mape = [ln for ln in proc.stdout.splitlines() if "val_mape" in ln]
    assert mape and all("%" in ln.split("val_mape", 1)[1].split()[0] for ln in mape), mape
    assert "drift_val_rmse" in proc.stdout and "ets_val_rmse" in proc.stdout
    saved = next(runs.glob("*/config.toml"))
    assert "prime" not in saved.read_text() and "time_column" in saved.read_text()
    show = subprocess.run([sys.executable, "-m", "rnnlab", "show", "daily", "--runs-dir", str(runs)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert show.returncode == 0, show.stderr
    assert "forecast @ step" in show.stdout and "2021-" in show.stdout.split("forecast @ step", 1)[1]
