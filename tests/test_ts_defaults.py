"""Issue 9: on a real-world-shaped daily series (trend, a yearly cycle, a weekend dip, AR noise,
missing days, a ten-day hole), the DEFAULT time-series settings (the ts-lstm preset with only the
CSV named: window, horizon, differencing, periods, calendar features all as they come) beat the
naive and seasonal-naive forecasts on the test split's MASE. Reduced size: 3 years, 300 steps,
hidden 32 (README has the full-size command and numbers)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from rnnlab import config
from rnnlab.train.session import run_training
from tests.test_train import Never, Recorder


def realworld_csv(path, days: int = 1096, seed: int = 7):
    """Not builtin:synthetic's shape: daily dates, level 200, yearly cosine peaking in July,
    weekends 14 lower, AR(1) noise, 4% of the days and a ten-day block absent from the file."""
    rng = np.random.default_rng(seed)
    t = np.arange(days, dtype=float)
    stamps = [date(2019, 1, 1) + timedelta(days=i) for i in range(days)]
    doy = np.array([s.timetuple().tm_yday for s in stamps])
    dow = np.array([s.weekday() for s in stamps])
    noise, shocks = np.zeros(days), 4.0 * rng.standard_normal(days)
    for i in range(1, days):
        noise[i] = 0.5 * noise[i - 1] + shocks[i]
    y = 200 + 0.05 * t + 30 * np.cos(2 * np.pi * (doy - 200) / 365.25) + np.where(dow >= 5, -12.0, 2.0) + noise
    keep = rng.random(days) > 0.04
    keep[400:410] = False
    path.write_text("date,sales\n" + "".join(f"{stamps[k].isoformat()},{y[k]:.2f}\n" for k in np.nonzero(keep)[0]))
    return path


@pytest.mark.timeout(600)
def test_default_settings_beat_naive_and_seasonal_naive_on_a_realworld_shaped_series(tmp_path):
    path = realworld_csv(tmp_path / "sales.csv")
    cfg = config.load("ts-lstm", [
        f"task.source='{path}'", "task.time_column='date'",
        "train.steps=300", "model.hidden_size=32", "train.eval_every=100", "probes.output_every=0",
        "probes.grad_flow_every=0", "probes.gates_every=0",
    ])
    # the preset's 96/24 belong to its builtin series: a CSV's come from the data (issue 17)
    assert cfg.task.difference == "auto" and (cfg.task.window, cfg.task.horizon) == (None, None)
    out = run_training(cfg, tmp_path / "run", Recorder(), Never())
    m = out.metrics
    assert m["test_mase"] < m["naive_test_mase"]
    assert m["test_mase"] < m["seasonal_naive_test_mase"]
