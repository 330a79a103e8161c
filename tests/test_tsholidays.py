"""Holiday features (issue 9 item 5): what they say on known dates, the one-line errors, and a
tiny model that learns a synthetic holiday effect only when it has them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import numpy as np
import pytest
import torch

from rnnlab import config
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import holidays as tsholidays
from rnnlab.tasks.timeseries.task import TimeSeriesTask, predict
from rnnlab.train.session import build


def _daily_csv(tmp_path, effect: float = -6.0, days: int = 4 * 365):
    import holidays

    rng = np.random.default_rng(0)
    start = datetime(2018, 1, 1)
    us = holidays.country_holidays("US", years=range(2018, 2023))
    stamps = [start + timedelta(days=i) for i in range(days)]
    y = 10 + 2 * np.sin(2 * np.pi * np.arange(days) / 7) + 0.3 * rng.standard_normal(days)
    hol = np.array([s.date() in us for s in stamps])
    y[hol] += effect
    p = tmp_path / "daily.csv"
    p.write_text("date,y\n" + "".join(f"{s.date()},{v:.4f}\n" for s, v in zip(stamps, y)))
    return p, hol


def test_features_on_known_dates():
    stamps = [datetime(2024, 7, 1) + timedelta(days=i) for i in range(8)]  # July 4th is day 3
    cols, names = tsholidays.features(stamps, "US")
    assert names == ["holiday", "days_to_holiday", "days_since_holiday"]
    np.testing.assert_array_equal(cols[:, 0], [0, 0, 0, 1, 0, 0, 0, 0])
    np.testing.assert_allclose(1 / cols[:4, 1] - 1, [3, 2, 1, 0])
    np.testing.assert_allclose(1 / cols[3:6, 2] - 1, [0, 1, 2])
    # hourly rows share their day's values
    hourly = [datetime(2024, 7, 3, h) for h in range(0, 24, 6)] + [datetime(2024, 7, 4, 12)]
    h_cols, _ = tsholidays.features(hourly, "US")
    np.testing.assert_allclose(1 / h_cols[:, 1] - 1, [1, 1, 1, 1, 0])
    # a subdivision adds its own holidays (Massachusetts: Patriots' Day, 3rd Monday of April)
    april = [datetime(2024, 4, 15)]
    assert tsholidays.features(april, "US")[0][0, 0] == 0
    assert tsholidays.features(april, "US", "MA")[0][0, 0] == 1
    assert date(2024, 7, 4) in tsholidays.holiday_dates(stamps, "US")


def _task(path, **kw):
    base = dict(kind="timeseries", source=str(path), time_column="date", window=14, horizon=1, difference=False)
    base.update(kw)
    return TimeSeriesTask(config.TaskConfig(**base), seed=0, batch_size=8)


def test_task_adds_holiday_features_and_says_so(tmp_path):
    path, _ = _daily_csv(tmp_path, days=400)
    task = _task(path, holidays="us")
    assert task.data.feature_names[-3:] == tsholidays.NAMES
    assert "US holidays" in task.describe()


@pytest.mark.parametrize(
    "kw,needle",
    [
        (dict(holidays="XQ"), "task.holidays = 'XQ': not a country code"),
        (dict(holidays="US", holiday_subdivision="ZZ"), "task.holiday_subdivision = 'ZZ': not a subdivision of US"),
        (dict(holidays="US", time_column=None), "task.holidays needs dates"),
    ],
)
def test_bad_holiday_settings_are_user_errors(tmp_path, kw, needle):
    path, _ = _daily_csv(tmp_path, days=400)
    if kw.get("time_column", "date") is None:
        # the date column is found without being named (issue 17): a file without one has no dates
        lines = path.read_text().splitlines()
        path.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n")
    with pytest.raises(UserError) as err:
        _task(path, **kw)
    assert needle in str(err.value)


def test_weekly_data_refuses_holidays(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("date,y\n" + "".join(f"{(datetime(2020, 1, 4) + timedelta(weeks=i)).date()},{i % 7}\n" for i in range(200)))
    with pytest.raises(UserError, match="needs daily or finer data; this series is weekly"):
        _task(p, holidays="US", window=8)


def test_unknown_country_from_the_cli_is_one_line(tmp_path):
    path, _ = _daily_csv(tmp_path, days=400)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "rnnlab", "train", "ts-lstm", "--runs-dir", str(tmp_path / "runs"),
         "--set", f"task.source={path}", "--set", "task.time_column=date", "--set", "task.holidays=XQ"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "task.holidays = 'XQ'" in lines[0], proc.stderr


def _holiday_error(path, hol_mask, holidays):
    sets = [f"task.source='{path}'", "task.time_column='date'", "task.window=14", "task.horizon=1",
            "task.difference=false", "model.cell='gru'", "model.hidden_size=16", "train.seed=0", "train.lr=0.01",
            # calibrated with the input projection; without it this tiny GRU's holiday error was
            # 2.83 against the 2.82 bound below after 400 steps (issue 20: to re-measure)
            "model.input_projection=true"]
    if holidays:
        sets.append("task.holidays='US'")
    cfg = config.load("ts-lstm", sets)
    torch.manual_seed(0)
    task, model = build(cfg, None, torch.device("cpu"))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(400):
        b = task.batch(step, 32)
        out, _ = model(b.x)
        loss = task.loss(out, b)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    starts = np.concatenate([task.data.starts("val"), task.data.starts("test")])
    x, _ = task.data.windows(starts)
    fc = task.data.to_original(predict(model, x, "cpu"), starts)[:, 0]
    actual = task.data.actual(starts)[:, 0]
    on_holiday = hol_mask[starts + task.data.offset]
    assert on_holiday.sum() >= 5
    err = np.abs(fc - actual)
    return float(err[on_holiday].mean()), float(err[~on_holiday].mean())


@pytest.mark.timeout(300)
def test_a_tiny_model_learns_the_holiday_effect_only_with_holiday_features(tmp_path):
    path, hol = _daily_csv(tmp_path)
    with_hol, with_other = _holiday_error(path, hol, True)
    without_hol, _ = _holiday_error(path, hol, False)
    # the effect is -6: without the features the model misses it on holidays almost entirely
    assert without_hol > 3.0
    assert with_hol < 0.5 * without_hol
    assert with_other < 1.0


def test_future_rows_get_the_holidays_and_calendar_of_their_own_dates(tmp_path):
    """Holidays and calendar features are known ahead: `forecast --future` computes them for the
    future dates through the run's own pipeline (the series ends 2018-12-20, before Christmas)."""
    from rnnlab.tasks.timeseries import data as tsdata
    from rnnlab.tasks.timeseries import future as tf

    path, _ = _daily_csv(tmp_path, days=354)
    task = _task(path, holidays="US", window=14, horizon=3)
    d = task.data
    assert d.timestamps[-1] == datetime(2018, 12, 20) and "dow_sin" in d.feature_names
    m, n_future = d.features.shape[0], 15
    ext = tf._extended(task, n_future, None)
    future = [datetime(2018, 12, 21) + timedelta(days=k) for k in range(n_future)]
    assert ext.timestamps[m + d.offset :] == future
    hol, _ = tsholidays.features(future, "US")
    names = d.feature_names
    got = ext.features[m:, names.index("holiday") : names.index("days_since_holiday") + 1]
    np.testing.assert_allclose(got, hol, atol=1e-6)
    assert got[future.index(datetime(2018, 12, 25)), 0] == 1 and got[future.index(datetime(2019, 1, 1)), 0] == 1
    cal, cal_names = tsdata.calendar_features(future, list(d.calendar))
    np.testing.assert_allclose(ext.features[m:, [names.index(c) for c in cal_names]], cal, atol=1e-6)
    model = torch.nn.Module()
    lin = torch.nn.Linear(task.input_size, task.output_size)
    model.forward = lambda x, state=None: (lin(x), None)
    out = tf.future_forecast([model], task, 7, (80.0,))
    assert [r["time"] for r in out["rows"]][:5] == ["2018-12-21", "2018-12-22", "2018-12-23", "2018-12-24", "2018-12-25"]
