"""The time-series task: data pipeline (tsdata), metrics (tsmetrics) and the Task (timeseries)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import numpy as np
import pytest
import torch

from rnnlab.config import SyntheticConfig, TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import metrics as tm
from rnnlab.tasks.timeseries.task import TimeSeriesTask, forecast_report


def _cfg(**kw) -> TaskConfig:
    base = dict(kind="timeseries", window=16, horizon=4, periods=[24.0], difference=False, synthetic={"length": 400})
    base.update(kw)
    return TaskConfig(**base)


def _series(values, stamps=None) -> tsdata.Series:
    return tsdata.Series(np.asarray(values, dtype=np.float64), stamps, "test-series", "value")


class Linear(torch.nn.Module):
    """The smallest model that honours the contract: out, state = model(x)."""

    def __init__(self, features: int, horizon: int, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.lin = torch.nn.Linear(features, horizon)

    def forward(self, x, state=None):
        return self.lin(x), None


def _write(tmp_path, text: str, name: str = "data.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---------------------------------------------------------------- synthetic source


def test_synthetic_is_seeded_and_has_holes():
    cfg = SyntheticConfig(length=500, missing_fraction=0.04, seed=3)
    a, b = tsdata.synthetic(cfg), tsdata.synthetic(cfg)
    np.testing.assert_array_equal(a.values, b.values)  # NaN positions included
    assert int(np.isnan(a.values).sum()) == 20
    c = tsdata.synthetic(SyntheticConfig(length=500, missing_fraction=0.04, seed=4))
    assert not np.allclose(np.nan_to_num(a.values), np.nan_to_num(c.values))
    assert len(a.timestamps) == 500
    assert (a.timestamps[1] - a.timestamps[0]).total_seconds() == 3600


def test_synthetic_has_the_requested_seasonality():
    cfg = SyntheticConfig(
        length=1200, trend=0.0, seasonalities=[(24.0, 3.0)], noise=0.3, missing_fraction=0.0, level_shifts=0
    )
    r = tm.acf(tsdata.synthetic(cfg).values, 40)
    assert r[24] > 0.8
    assert int(np.argmax(r[12:37])) + 12 == 24
    assert r[12] < -0.8  # half a period: opposite phase


def test_synthetic_level_shifts_move_the_level():
    flat = dict(length=400, trend=0.0, seasonalities=[], noise=0.0, missing_fraction=0.0, seed=1)
    shifted = tsdata.synthetic(SyntheticConfig(level_shifts=1, level_shift_size=5.0, **flat)).values
    jumps = np.abs(np.diff(shifted))
    assert np.isclose(jumps.max(), 5.0) and np.count_nonzero(jumps) == 1


# ---------------------------------------------------------------- preprocessing


def test_interpolate_and_ffill_fill_every_gap():
    v = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    lin = tsdata.fill_missing(v, "interpolate")
    np.testing.assert_allclose(lin, [1, 1, 2, 3, 4, 4])
    ff = tsdata.fill_missing(v, "ffill")
    np.testing.assert_allclose(ff, [1, 1, 1, 1, 4, 4])
    raw = tsdata.synthetic(SyntheticConfig(length=300, missing_fraction=0.1)).values
    assert np.isnan(raw).any() and not np.isnan(tsdata.fill_missing(raw)).any()
    with pytest.raises(UserError, match="every value is missing"):
        tsdata.fill_missing(np.full(5, np.nan))


def test_differencing_inverts_exactly():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.standard_normal(3000)) + 50.0
    d = tsdata.difference(x)
    assert d.size == x.size - 1
    np.testing.assert_allclose(tsdata.undifference(d, x[0]), x[1:], rtol=0, atol=1e-9)
    # Per-window inversion from each window's last known level, as forecasts are inverted.
    starts = np.array([10, 500, 2000])
    windows = np.stack([d[s : s + 5] for s in starts])
    back = tsdata.undifference(windows, x[starts])
    np.testing.assert_allclose(back, np.stack([x[s + 1 : s + 6] for s in starts]), rtol=0, atol=1e-9)


@pytest.mark.parametrize("difference", [False, True])
@pytest.mark.parametrize("scale", ["standard", "minmax", "none"])
def test_a_perfect_forecast_maps_back_to_the_actual_values(difference, scale):
    p = tsdata.prepare(tsdata.synthetic(SyntheticConfig(length=400)), _cfg(difference=difference, scale=scale))
    starts = p.starts("test")
    _, y = tsdata.make_windows(p.features, p.scaled, starts, p.window, p.horizon)  # the filled series
    actual = p.actual(starts)
    seen = ~np.isnan(actual)  # NaN: never observed (not scored)
    np.testing.assert_allclose(p.to_original(y, starts)[seen], actual[seen], rtol=0, atol=1e-9)


def test_scaler_is_fitted_on_the_training_split_only():
    cfg = _cfg()
    series = tsdata.synthetic(SyntheticConfig(length=400))
    before = tsdata.prepare(series, cfg)
    wild = series.values.copy()
    lo, _ = before.splits.bounds("val")
    wild[lo:] = wild[lo:] * 1000.0 + 1e6
    after = tsdata.prepare(_series(wild, series.timestamps), cfg)
    assert after.scaler == before.scaler
    train = before.work[: before.splits.train]
    assert before.scaler.center == pytest.approx(train.mean())
    assert before.scaler.scale == pytest.approx(train.std())
    mm = tsdata.prepare(series, _cfg(scale="minmax"))
    train_scaled = mm.scaled[: mm.splits.train]
    assert train_scaled.min() == pytest.approx(0.0) and train_scaled.max() == pytest.approx(1.0)


def test_splits_are_chronological():
    s = tsdata.split_sizes(1000, val_fraction=0.1, test_fraction=0.2)
    assert (s.train, s.val, s.test) == (700, 100, 200)
    assert s.bounds("test") == (800, 1000)


def test_windows_line_up_with_the_next_horizon_values():
    values = np.arange(100, dtype=np.float64)
    p = tsdata.prepare(_series(values), _cfg(scale="none", periods=[], calendar_features=False))
    assert p.feature_names == ["value"]
    train = p.starts("train")
    assert train[0] == 16 and train[-1] == p.splits.train - 4
    x, y = p.windows(train[[0, -1]])
    assert x.shape == (2, 16, 1) and y.shape == (2, 4)
    for t, xi, yi in zip(train[[0, -1]], x, y):
        np.testing.assert_array_equal(xi[:, 0], np.arange(t - 16, t))
        np.testing.assert_array_equal(yi, np.arange(t, t + 4))
    # A validation window forecasts inside its split from the rows just before it.
    t = p.starts("val")[0]
    assert t == p.splits.train
    x, y = p.windows(np.array([t]))
    np.testing.assert_array_equal(x[0, :, 0], np.arange(t - 16, t))
    assert p.starts("test")[-1] + 4 == 100


def test_time_features_by_index_and_calendar():
    series = tsdata.synthetic(SyntheticConfig(length=400, seed=0))
    p = tsdata.prepare(series, _cfg(periods=[24.0, 168.0]))
    names = p.feature_names
    assert names == ["value", "sin_24", "cos_24", "sin_168", "cos_168", "hour_sin", "hour_cos", "dow_sin", "dow_cos"]
    f = p.features
    assert f[6, names.index("sin_24")] == pytest.approx(1.0)  # t = 6: a quarter of the day
    assert series.timestamps[6].hour == 6
    assert f[6, names.index("hour_sin")] == pytest.approx(1.0)
    assert f[0, names.index("dow_sin")] == pytest.approx(0.0)  # Monday midnight
    assert f[42, names.index("dow_cos")] == pytest.approx(math.cos(2 * math.pi * 1.75 / 7), abs=1e-6)
    no_cal = tsdata.prepare(tsdata.Series(series.values, None, "x", "v"), _cfg())
    assert no_cal.feature_names == ["value", "sin_24", "cos_24"]


# ---------------------------------------------------------------- CSV source and its errors


def test_csv_with_one_numeric_column_and_timestamps(tmp_path):
    lines = ["when,label,load"] + [f"2024-01-01T{h:02d}:00,a,{h * 1.5}" for h in range(24)]
    lines[5] = "2024-01-01T04:00,a,"  # an empty cell is a missing value
    s = tsdata.load_csv(_write(tmp_path, "\n".join(lines) + "\n"), time_column="when")
    assert s.column == "load" and s.values.size == 24
    assert np.isnan(s.values[4]) and s.values[3] == 4.5
    assert s.timestamps[13].hour == 13


def test_csv_missing_column_suggests_the_closest(tmp_path):
    p = _write(tmp_path, "time,value,other\n2024-01-01,1,2\n")
    with pytest.raises(UserError) as err:
        tsdata.load_csv(p, column="vlaue")
    msg = str(err.value)
    assert "did you mean 'value'" in msg and "time, value, other" in msg and str(p) in msg


def test_csv_non_numeric_value_names_the_line(tmp_path):
    p = _write(tmp_path, "value\n1.0\n2.0\nabc\n4.0\n")
    with pytest.raises(UserError) as err:
        tsdata.load_csv(p, column="value")
    assert "line 4" in str(err.value) and "'abc'" in str(err.value)


def test_csv_bad_timestamp_names_the_line(tmp_path):
    p = _write(tmp_path, "t,value\n2024-01-01T00:00,1\nyesterday,2\n")
    with pytest.raises(UserError, match="line 3.*'yesterday'"):
        tsdata.load_csv(p, column="value", time_column="t")


def test_csv_several_numeric_columns_need_a_choice(tmp_path):
    p = _write(tmp_path, "a,b\n1,2\n3,4\n")
    with pytest.raises(UserError, match="set task.column to one of them"):
        tsdata.load_csv(p)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        TimeSeriesTask(_cfg(source=str(tmp_path / "nope.csv")), seed=0, batch_size=4)


def test_too_short_series_says_how_many_rows_are_needed(tmp_path):
    p = _write(tmp_path, "value\n" + "".join(f"{i}\n" for i in range(30)))
    with pytest.raises(UserError) as err:
        TimeSeriesTask(_cfg(source=str(p), periods=[4.0]), seed=0, batch_size=4)
    msg = str(err.value)
    assert str(p) in msg and "training split" not in msg  # 21 rows >= window + horizon
    assert "val split has 3 rows, needs horizon = 4" in msg
    # The suggested length is enough, one row fewer is not.
    need = int(msg.split("needs at least ")[1].split()[0])
    ok = _write(tmp_path, "value\n" + "".join(f"{i}\n" for i in range(need)), "ok.csv")
    TimeSeriesTask(_cfg(source=str(ok), periods=[4.0]), seed=0, batch_size=4)
    short = _write(tmp_path, "value\n" + "".join(f"{i}\n" for i in range(need - 1)), "short.csv")
    with pytest.raises(UserError, match="too short"):
        TimeSeriesTask(_cfg(source=str(short), periods=[4.0]), seed=0, batch_size=4)


# ---------------------------------------------------------------- metrics and baselines


def test_metrics_on_hand_computed_cases():
    a, f = [1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 6.0]
    assert tm.mse(a, f) == pytest.approx(1.5)
    assert tm.rmse(a, f) == pytest.approx(math.sqrt(1.5))
    assert tm.mae(a, f) == pytest.approx(1.0)
    assert tm.mape([0.0, 2.0, 4.0], [1.0, 1.0, 5.0]) == pytest.approx(37.5)  # the zero is skipped
    assert tm.smape([1.0, 0.0], [3.0, 0.0]) == pytest.approx(50.0)
    train = [1.0, 3.0, 1.0, 3.0, 1.0]
    assert tm.seasonal_naive_mae(train, 1) == pytest.approx(2.0)
    assert tm.mase([1.0, 2.0], [2.0, 4.0], train, 1) == pytest.approx(0.75)
    assert math.isnan(tm.mase([1.0], [2.0], train, 2))  # in-sample seasonal naive is perfect


def test_naive_and_seasonal_naive_forecasts():
    t = np.arange(24 * 10)
    y = 5.0 + np.sin(2 * np.pi * t / 24)
    hist, future = y[:200], y[200:236]
    np.testing.assert_array_equal(tm.naive_forecast(hist, 3), [hist[-1]] * 3)
    sn = tm.seasonal_naive_forecast(hist, 36, 24)
    assert np.max(np.abs(sn - future)) < 1e-12
    assert tm.rmse(future, tm.naive_forecast(hist, 36)) > 0.5


def test_task_baselines_on_a_pure_seasonal_series():
    cfg = _cfg(
        synthetic={"length": 400, "trend": 0.0, "seasonalities": [[24.0, 2.0]], "noise": 0.0,
                   "missing_fraction": 0.0, "level_shifts": 0},
    )
    b = TimeSeriesTask(cfg, seed=0, batch_size=4).baselines()
    assert b["seasonal_naive_val_rmse"] < 1e-9 and b["seasonal_naive_val_mae"] < 1e-9
    assert b["naive_val_rmse"] > 0.1
    assert {"naive_val_mse", "naive_val_mase", "seasonal_naive_val_mase"} <= set(b)


def test_chi_square_survival_function():
    assert tm.chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-9)
    assert tm.chi2_sf(18.307038053275146, 10) == pytest.approx(0.05, rel=1e-9)
    assert tm.chi2_sf(0.0, 3) == 1.0
    for df, x in [(1, 0.02), (6, 4.0), (24, 80.0), (100, 90.0)]:
        # Q(df/2, x/2), the regularized upper incomplete gamma, as torch computes it
        ref = torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64), torch.tensor(x / 2, dtype=torch.float64))
        assert tm.chi2_sf(x, df) == pytest.approx(float(ref), rel=1e-6)


def test_ljung_box_tells_white_noise_from_ar1():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(500)
    _, p_white = tm.ljung_box(noise, 10)
    assert p_white > 0.05
    ar = np.zeros(500)
    for i in range(1, 500):
        ar[i] = 0.8 * ar[i - 1] + noise[i]
    q, p_ar = tm.ljung_box(ar, 10)
    assert p_ar < 0.01 and q > 100
    assert tm.acf(ar, 1)[1] == pytest.approx(0.8, abs=0.1)


# ---------------------------------------------------------------- the task


def test_batches_are_a_pure_function_of_seed_and_step():
    cfg = _cfg()
    t1 = TimeSeriesTask(cfg, seed=7, batch_size=8)
    t2 = TimeSeriesTask(cfg, seed=7, batch_size=8)
    a, b = t1.batch(5, 8), t2.batch(5, 8)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, t1.batch(6, 8).x)
    assert not torch.equal(a.x, TimeSeriesTask(cfg, seed=8, batch_size=8).batch(5, 8).x)
    assert a.x.shape == (8, 16, t1.input_size) and a.x.dtype == torch.float32
    assert a.y.shape == (8, 4) and t1.output_size == 4 and t1.input_kind == "real"


def test_state_rebuilds_the_same_task_and_detects_changed_data(tmp_path):
    cfg = _cfg()
    task = TimeSeriesTask(cfg, seed=1, batch_size=4)
    state = json.loads(json.dumps(task.state()))
    again = TimeSeriesTask(cfg, seed=1, batch_size=4, state=state)
    assert again.state() == task.state()
    assert torch.equal(again.batch(3, 4).x, task.batch(3, 4).x)
    longer = _cfg(synthetic={"length": 500})
    with pytest.raises(UserError, match="data changed"):
        TimeSeriesTask(longer, seed=1, batch_size=4, state=state)


@pytest.mark.parametrize("difference", [False, True])
def test_evaluate_baselines_probe_and_test_metrics_are_finite_and_json_able(difference):
    task = TimeSeriesTask(_cfg(difference=difference), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    batch = task.batch(0, 8)
    out, _ = model(batch.x)
    assert torch.isfinite(task.loss(out, batch)) and torch.isfinite(task.last_step_loss(out, batch))
    ev = task.evaluate(model, torch.device("cpu"), 2)
    assert task.primary_metric == "val_rmse"
    assert set(ev) == {"val_loss", "val_mse", "val_rmse", "val_mae", "val_mape", "val_smape", "val_mase"}
    assert ev["val_rmse"] == pytest.approx(math.sqrt(ev["val_mse"]))
    base = task.baselines()
    test = task.test_metrics(model, torch.device("cpu"))
    assert {"test_rmse", "naive_test_rmse", "seasonal_naive_test_mase", "test_ljung_box_p", "test_resid_acf_1"} <= set(test)
    probe = task.output_probe(model, torch.device("cpu"))
    assert probe["type"] == "forecast"
    assert len(probe["history"]) == 16
    for key in ("actual", "forecast", "naive", "seasonal_naive"):
        assert len(probe[key]) == 4
    for d in (ev, base, test, probe):
        json.dumps(d, allow_nan=False)  # finite and JSON-able
    assert 0.0 <= probe["ljung_box_p"] <= 1.0 and len(probe["acf"]) > 0
    pb = task.probe_batch(4)
    assert torch.equal(pb.x, task.probe_batch(4).x)


def test_an_oracle_forecast_scores_zero_in_original_units():
    task = TimeSeriesTask(_cfg(difference=True), seed=0, batch_size=8)
    starts = task.eval_origins("val")
    d = task.data
    _, y = tsdata.make_windows(d.features, d.scaled, starts, d.window, d.horizon)  # the filled series
    scores = task.score(y, starts, "val")
    assert scores["val_loss"] < 1e-20 and scores["val_rmse"] < 1e-9 and scores["val_mase"] < 1e-9


def test_forecast_report_scores_models_and_their_ensemble():
    task = TimeSeriesTask(_cfg(), seed=0, batch_size=8)
    models = [Linear(task.input_size, task.output_size, seed=s) for s in (1, 2)]
    report = forecast_report(models, task, "cpu")
    json.dumps(report, allow_nan=False)
    assert len(report["models"]) == 2 and report["ensemble"]["size"] == 2
    # Averaging forecasts never does worse than the average model in MSE (Jensen).
    mean_mse = np.mean([m["test_mse"] for m in report["models"]])
    assert report["ensemble"]["test_mse"] <= mean_mse + 1e-12
    assert task.baseline_scores(task.eval_origins("test"), "test").items() <= report["baselines"].items()
    single = forecast_report(models[:1], task, "cpu")
    assert single["ensemble"]["test_rmse"] == pytest.approx(single["models"][0]["test_rmse"])
    with pytest.raises(UserError):
        forecast_report([], task, "cpu")


def test_season_longer_than_the_training_split_is_a_user_error():
    with pytest.raises(UserError, match="task.season = 500"):
        TimeSeriesTask(_cfg(season=500), seed=0, batch_size=4)


def test_task_from_csv_uses_its_timestamps_for_calendar_features(tmp_path):
    start = datetime(2024, 3, 4)
    lines = ["ts,y"] + [f"{(start + timedelta(hours=i)).isoformat()},{math.sin(i / 3.0) + 5:.4f}" for i in range(200)]
    task = TimeSeriesTask(_cfg(source=str(_write(tmp_path, "\n".join(lines))), time_column="ts"), seed=0, batch_size=4)
    assert task.data.feature_names[-4:] == ["hour_sin", "hour_cos", "dow_sin", "dow_cos"]
    assert task.input_size == 7 and "ts" not in task.state()["column"]
