"""Forecasting as forecasters do it (issue 9): a test split scored once, prediction intervals,
future forecasts, backtests and covariates."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import numpy as np
import pytest
import torch

from rnnlab import config
from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries import future as tf
from rnnlab.tasks.timeseries import intervals as ti
from rnnlab.tasks.timeseries import metrics as tm
from rnnlab.tasks.timeseries.task import TimeSeriesTask, predict
from rnnlab.tasks.timeseries.backtest import backtest_report
from rnnlab.tasks.timeseries.heads import Head
from rnnlab.train.session import run_training
from tests.test_timeseries import Linear  # the smallest model that honours the contract
from tests.test_train import Never, Recorder


def _cfg(**kw) -> TaskConfig:
    base = dict(kind="timeseries", window=16, horizon=4, periods=[24.0], synthetic={"length": 400})
    base.update(kw)
    return TaskConfig(**base)


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


# ---------------------------------------------------------------- item 2: conformal intervals


def test_conformal_half_width_is_the_finite_sample_rank():
    # n = 9 errors per step: level 80 takes the ceil(10 * 0.8) = 8th smallest |error|.
    r = np.array([[1.0, -9.0], [-2.0, 8.0], [3.0, 7.0], [-4.0, 6.0], [5.0, 5.0], [6.0, 4.0], [-7.0, 3.0], [8.0, 2.0], [9.0, 1.0]])
    conf = ti.Conformal.fit(r, (80.0, 95.0))
    assert conf.radius[0].tolist() == [8.0, 8.0]
    # ceil(10 * 0.95) = 10 > 9: no finite band is guaranteed
    assert np.isinf(conf.radius[1]).all()
    (lo, hi), = [conf.bands(np.array([[10.0, 20.0]]))[80.0]]
    assert lo.tolist() == [[2.0, 12.0]] and hi.tolist() == [[18.0, 28.0]]


def test_conformal_bands_cover_exchangeable_errors_at_their_level():
    rng = np.random.default_rng(0)
    conf = ti.Conformal.fit(rng.standard_normal((2000, 3)) * [1.0, 2.0, 3.0], (80.0, 95.0))
    new = rng.standard_normal((20000, 3)) * [1.0, 2.0, 3.0]
    bands = conf.bands(np.zeros_like(new))
    scores = ti.interval_scores(new, np.zeros_like(new), bands, "x")
    assert scores["x_coverage_80"] == pytest.approx(0.80, abs=0.02)
    assert scores["x_coverage_95"] == pytest.approx(0.95, abs=0.01)
    # a wider band for the noisier step, 1.2816 sigma for 80 %
    assert conf.radius[0] == pytest.approx([1.2816, 2 * 1.2816, 3 * 1.2816], rel=0.06)


def test_pinball_loss_by_hand():
    assert ti.pinball([1.0, 3.0], [2.0, 2.0], 0.9) == pytest.approx((0.1 * 1 + 0.9 * 1) / 2)
    assert ti.pinball([5.0], [5.0], 0.1) == 0.0


def test_test_metrics_report_intervals_beside_the_baselines_own():
    task = TimeSeriesTask(_cfg(difference=True), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    test = task.test_metrics(model, torch.device("cpu"))
    for who in ("", "naive_", "seasonal_naive_"):
        for key in ("test_coverage_80", "test_coverage_95", "test_width_80", "test_width_95", "test_pinball"):
            assert math.isfinite(test[who + key]), who + key
        assert 0 <= test[who + "test_coverage_80"] <= test[who + "test_coverage_95"] <= 1
        assert 0 < test[who + "test_width_80"] < test[who + "test_width_95"]
    probe = task.output_probe(model, torch.device("cpu"))
    band = probe["bands"]["80"]
    assert all(lo <= f <= hi for lo, f, hi in zip(band["lower"], probe["forecast"], band["upper"]))


# ---------------------------------------------------------------- item 1: the future


def test_time_steps_continue_the_series_own_frequency():
    # one implementation (tsfreq) for inferred frequencies and future stamps
    weekly = [datetime(2024, 1, 7) + timedelta(weeks=k) for k in range(10)]
    f = tsfreq.infer(weekly)
    assert f.describe() == "weekly" and tsfreq.future_stamps(weekly[-1], f, 2) == [datetime(2024, 3, 17), datetime(2024, 3, 24)]
    firsts = [datetime(2023, m, 1) for m in range(1, 13)]
    assert tsfreq.future_stamps(firsts[-1], tsfreq.infer(firsts), 2) == [datetime(2024, 1, 1), datetime(2024, 2, 1)]
    ends = [datetime(2023, 10, 31), datetime(2023, 11, 30), datetime(2023, 12, 31), datetime(2024, 1, 31)]
    assert tsfreq.infer(ends).describe() == "monthly"
    assert tsfreq.future_stamps(ends[-1], tsfreq.infer(ends), 3) == [datetime(2024, 2, 29), datetime(2024, 3, 31), datetime(2024, 4, 30)]
    # a gap (a missing week) does not move the step
    assert tsfreq.infer(weekly[:4] + weekly[5:]).describe() == "weekly"
    assert not hasattr(tf, "infer_step")


@pytest.mark.parametrize("difference", [False, True, "seasonal", "relative"])
def test_recursive_paths_equal_forecasting_again_from_the_forecasts(difference):
    """Chunk 2 of a recursive path is exactly what the model says when the series is rebuilt
    with chunk 1's forecasts (in original units) as if they had been observed."""
    kw = dict(difference=True, seasonal_difference=6) if difference == "seasonal" else dict(difference=difference)
    if difference == "relative":
        kw = dict(difference=False, relative="last")
    task = TimeSeriesTask(_cfg(**kw), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size, seed=3).eval()
    d, h = task.data, task.data.horizon
    t = int(d.starts("val")[5])
    path = tf.paths([model], d.features, np.array([t]), 2 * h + 1, d.window, h, "cpu", relative=d.relative)
    x, _ = d.windows(np.array([t]))
    assert path[0, :h] == pytest.approx(predict(model, x, "cpu")[0])
    first = d.to_original(path[:, :h], np.array([t]))[0]
    levels = d.levels.copy()
    levels[t + d.offset : t + d.offset + h] = first
    again = task.prepare(tsdata.Series(levels, d.timestamps, d.origin, d.column))
    x2, _ = again.windows(np.array([t + h]))
    second = again.to_original(predict(model, x2, "cpu"), np.array([t + h]))[0]
    assert d.to_original(path, np.array([t]))[0, h : 2 * h] == pytest.approx(second, rel=1e-6)
    if not d.relative:  # a relative chunk is measured from its own origin, the path from t's
        assert path[0, h : 2 * h] == pytest.approx(predict(model, x2, "cpu")[0], abs=1e-6)
    # ... and the whole path maps back through the same exact inverse
    whole = d.to_original(path, np.array([t]))[0]
    assert whole[:h] == pytest.approx(first)


def test_a_future_path_longer_than_the_season_and_horizon_inverts_both_differences_exactly():
    """seasonal_difference P = 6 and first differences, 15 steps ahead (> P, > horizon 4): the
    forecast equals the model's path undone by hand, step by step from the known levels."""
    task = TimeSeriesTask(_cfg(difference=True, seasonal_difference=6), seed=0, batch_size=8)
    d, h, P, steps = task.data, task.data.horizon, 6, 15
    assert (d.diff.order, d.diff.seasonal) == (1, P)
    model = Linear(task.input_size, task.output_size, seed=5).eval()
    out = tf.future_forecast([model], task, steps, (80.0,), model="rnn")  # the recurrent path alone
    m, n = d.features.shape[0], d.levels.size
    ext = tf._extended(task, 16, None)
    assert np.array_equal(ext.features[:m, :], d.features)  # the run's own features, same code
    path = tf.paths([model], ext.features, np.array([m]), steps, d.window, h, "cpu")[0]
    first = predict(model, ext.features[None, m - d.window : m], "cpu")[0]
    assert path[:h] == pytest.approx(first)
    w = path * d.scaler.scale + d.scaler.center
    levels = list(d.levels)
    z_prev = levels[n - 1] - levels[n - 1 - P]
    for k in range(steps):
        z_prev = z_prev + w[k]  # undo the first difference ...
        levels.append(z_prev + levels[n + k - P])  # ... then the seasonal one, own forecasts past P
    # (the synthetic series is never negative: a forecast below 0 is written as 0)
    floor = 0.0 if min(d.levels) >= 0 else -np.inf
    assert [r["forecast"] for r in out["rows"]] == pytest.approx(np.maximum(levels[n:], floor).tolist(), rel=1e-9, abs=1e-9)


def test_future_forecast_rows_times_and_bands():
    task = TimeSeriesTask(_cfg(difference=True), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    out = tf.future_forecast([model], task, 10, (50.0, 90.0))
    rows = out["rows"]
    assert len(rows) == 10 and out["recursive"] and out["step"] == "hourly"
    assert set(rows[0]) == {"time", "forecast", "lower_50", "upper_50", "lower_90", "upper_90"}
    last = task.data.timestamps[-1]
    assert [r["time"] for r in rows] == [(last + timedelta(hours=k)).isoformat() for k in range(1, 11)]
    for r in rows:
        assert r["lower_90"] <= r["lower_50"] <= r["forecast"] <= r["upper_50"] <= r["upper_90"]
    json.dumps(out, allow_nan=False)


def test_a_series_never_negative_gets_no_forecast_or_band_below_0(tmp_path):
    # an outside trial's counts (lynx, ozone, insurance quotes) got lower bands below 0
    rng = np.random.default_rng(0)
    counts = np.maximum(0, np.round(3 + 3 * np.sin(np.arange(300) * 2 * np.pi / 24) + rng.normal(0, 2, 300)))
    path = tmp_path / "counts.csv"
    path.write_text("t,calls\n" + "".join(f"{(datetime(2024, 1, 1) + timedelta(hours=i)).isoformat()},{v:g}\n" for i, v in enumerate(counts)))
    task = TimeSeriesTask(_cfg(source=str(path)), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    out = tf.future_forecast([model], task, 30, (80.0, 95.0))
    assert out["clipped_at"] == 0.0
    lows = [r["lower_95"] for r in out["rows"]]
    assert min(lows) == 0.0 and all(v >= 0 for r in out["rows"] for v in r.values() if isinstance(v, float))
    # the same shape 5 lower, crossing 0: its bands go below 0 as they are
    path.write_text("t,calls\n" + "".join(f"{(datetime(2024, 1, 1) + timedelta(hours=i)).isoformat()},{v - 5:g}\n" for i, v in enumerate(counts)))
    below = tf.future_forecast([model], TimeSeriesTask(_cfg(source=str(path)), seed=0, batch_size=8), 30, (80.0, 95.0))
    assert below["clipped_at"] is None and min(r["lower_95"] for r in below["rows"]) < 0


# ---------------------------------------------------------------- item 3: backtests


def test_backtest_origins_and_scores():
    task = TimeSeriesTask(_cfg(synthetic={"length": 600}), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    rep = backtest_report([model], task, 5, 3, "cpu")
    origins = [r["origin"] for r in rep["origins"]]
    assert len(origins) == 5 and np.diff(origins).tolist() == [3] * 4
    assert origins[-1] == int(task.data.starts("test")[-1]) + task.data.offset
    d = task.data
    t0 = origins[0] - d.offset
    x, _ = d.windows(np.array([t0]))
    fc = d.to_original(predict(model, x, "cpu"), np.array([t0]))
    assert rep["origins"][0]["model"]["rmse"] == pytest.approx(tm.rmse(d.actual(np.array([t0])), fc))
    naive = tm.naive_forecast(d.history(t0), d.horizon)
    assert rep["origins"][0]["naive"]["rmse"] == pytest.approx(tm.rmse(d.actual(np.array([t0]))[0], naive))
    assert rep["mean"]["model"]["rmse"] == pytest.approx(np.mean([r["model"]["rmse"] for r in rep["origins"]]))
    # the fused forecast `--future` gives is backtested beside it: a weighted mean of the members,
    # so at each origin between the lowest and the highest member's forecast
    from rnnlab.tasks.timeseries import backtest as tsbacktest

    ends = np.array(origins) - d.offset
    fused, _ = tsbacktest._fused([model], task, ends, task.eval_origins("val"), "cpu", ti.LEVELS)
    assert fused.shape == (5, d.horizon) and rep["origins"][0]["fused"]["rmse"] == pytest.approx(
        tm.rmse(d.actual(ends[:1])[0], fused[0]))
    with pytest.raises(UserError, match="room for"):
        backtest_report([model], task, 500, None, "cpu")


def test_a_backtest_of_every_test_origin_scores_what_the_test_split_scored():
    """An outside trial backtested all 88 test origins at stride 1: the same forecasts, yet the
    fused 80% band covered 0.74 in `forecast` and 0.47 in `--backtest` (a fixed band from the
    validation errors against the rolling one `train` scores), and on a series with missing
    values every MASE differed (the scale from the filled training rows, not the observed ones)."""
    from rnnlab.tasks.timeseries import fusion as tsfusion

    task = TimeSeriesTask(_cfg(synthetic={"length": 400, "missing_fraction": 0.05}), seed=0, batch_size=8)
    assert task.data.observed is not None and not task.data.observed.all()
    model = Linear(task.input_size, task.output_size).eval()
    test = task.eval_origins("test")
    assert np.array_equal(test, task.data.starts("test"))  # every start scored: stride 1 reaches them all
    metrics, _ = tsfusion.evaluate(task, model, "cpu")
    rep = backtest_report([model], task, int(test.size), 1, "cpu")
    pooled = rep["pooled"]
    x, _ = task.data.windows(test)
    own = task._metrics(task.data.to_original(predict(model, x, "cpu"), test), test, "test")
    assert pooled["model"]["mase"] == pytest.approx(own["test_mase"], rel=1e-9)
    assert pooled["fused"]["mase"] == pytest.approx(metrics["fused_test_mase"], rel=1e-9)
    for lv in ("80", "95"):
        assert pooled["fused"][f"coverage_{lv}"] == pytest.approx(metrics[f"fused_test_coverage_{lv}"], rel=1e-9)
        assert pooled["fused"][f"width_{lv}"] == pytest.approx(metrics[f"fused_test_width_{lv}"], rel=1e-9)


def test_a_backtest_origin_never_observed_leaves_the_means_of_the_others(tmp_path):
    # a 15-row gap in the test split: one origin's whole horizon missing made every mean NaN
    values = [f"{10 + 3 * math.sin(i * 2 * math.pi / 24):.3f}" for i in range(600)]
    for i in range(560, 575):
        values[i] = ""
    path = tmp_path / "gap.csv"
    path.write_text("t,y\n" + "".join(f"{(datetime(2024, 1, 1) + timedelta(hours=i)).isoformat()},{v}\n" for i, v in enumerate(values)))
    task = TimeSeriesTask(_cfg(source=str(path)), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    rep = backtest_report([model], task, 12, 4, "cpu")
    scored = [r["model"]["rmse"] for r in rep["origins"]]
    assert any(math.isnan(v) for v in scored) and not all(math.isnan(v) for v in scored)
    assert rep["mean"]["model"]["rmse"] == pytest.approx(np.mean([v for v in scored if not math.isnan(v)]))
    assert all(math.isfinite(rep["mean"][k]["rmse"]) for k in ("model", "fused", "naive", "seasonal_naive"))


def test_the_future_band_counts_the_errors_it_was_calibrated_on_past_missing_values(tmp_path):
    """A trial's gold prices (34 missing values, 217 test origins): `--future` said `not enough
    history to calibrate 95%: 18 origins (needs 19)`; its band had been calibrated on 20 errors
    a step, a missing actual dropping that step's error only, and the note counted whole rows."""
    from rnnlab.tasks.timeseries import fusion as tsfusion

    rng = np.random.default_rng(0)
    values = [f"{10 + 3 * math.sin(i * 2 * math.pi / 24) + rng.normal():.3f}" for i in range(600)]
    for i in range(540, 600, 4):  # a blank every horizon: no recent origin has all 4 steps observed
        values[i] = ""
    path = tmp_path / "gappy.csv"
    path.write_text("t,y\n" + "".join(f"{(datetime(2024, 1, 1) + timedelta(hours=i)).isoformat()},{v}\n" for i, v in enumerate(values)))
    task = TimeSeriesTask(_cfg(source=str(path)), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    d = task.data
    test = task.eval_origins("test")
    latest = d.actual(test)[-tsfusion.CALIBRATION_WINDOW:]
    assert np.isnan(latest).any(axis=1).all()  # the shape the note miscounted: every row one step short
    fz = tsfusion.future(task, [model], "cpu", np.zeros(d.horizon), d.horizon)
    assert fz["calibration"].origins == tsfusion.CALIBRATION_WINDOW and fz["calibration"].fell_back == []
    assert fz["calibration"].notes() == []


# ---------------------------------------------------------------- item 4: covariates


def _xy_csv(path, n=600, seed=0):
    """y driven by a known-ahead column x (white noise, so y's own past says nothing of it)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = 10 + 2.0 * x + 0.1 * rng.standard_normal(n)
    start = datetime(2024, 1, 1)
    path.write_text("t,x,y,label\n" + "".join(
        f"{(start + timedelta(hours=i)).isoformat()},{x[i]:.5f},{y[i]:.5f},a\n" for i in range(n)))
    return path


def _xy_cfg(path, *extra):
    return config.load("ts-lstm", [
        f"task.source='{path}'", "task.column='y'", "task.time_column='t'", "task.window=8", "task.horizon=4",
        "task.periods=[]", "task.difference=false", "model.hidden_size=16", "train.steps=200",
        "train.eval_every=100", "train.checkpoint_every=200", "probes.output_every=0", *extra])


def test_future_covariate_features_carry_the_next_horizon_values(tmp_path):
    path = _xy_csv(tmp_path / "xy.csv", n=200)
    cfg = _xy_cfg(path, "task.future_covariates=['x']", "task.covariates=['label']").task
    with pytest.raises(UserError, match="'label'.*not a number"):
        TimeSeriesTask(cfg, seed=0, batch_size=4)
    cfg = _xy_cfg(path, "task.future_covariates=['x']").task
    task = TimeSeriesTask(cfg, seed=0, batch_size=4)
    names = task.data.feature_names
    assert names[-4:] == ["x+1", "x+2", "x+3", "x+4"]
    x = np.loadtxt(path, delimiter=",", skiprows=1, usecols=1)
    scaler = task.cov_scalers["x"]
    t = int(task.data.starts("test")[3])
    xb, _ = task.data.windows(np.array([t]))
    # the window's last row holds x over the forecast's own horizon t..t+3
    assert xb[0, -1, -4:] == pytest.approx(scaler.transform(x[t : t + 4]), abs=1e-5)
    # the scaler saw the training split only
    assert scaler.center == pytest.approx(x[: task.data.splits.train].mean())
    again = TimeSeriesTask(cfg, seed=0, batch_size=4, state=json.loads(json.dumps(task.state())))
    assert np.array_equal(again.data.features, task.data.features)


def test_a_known_ahead_covariate_makes_the_forecast_far_better(tmp_path):
    path = _xy_csv(tmp_path / "xy.csv")
    plain = run_training(_xy_cfg(path), tmp_path / "plain", Recorder(), Never())
    cfg = _xy_cfg(path, "task.future_covariates=['x']")
    cov = run_training(cfg, tmp_path / "cov", Recorder(), Never())
    (tmp_path / "cov" / "config.toml").write_text(cfg.to_toml(), encoding="utf-8")
    assert cov.metrics["test_rmse"] < 0.4 * plain.metrics["test_rmse"]
    assert cov.metrics["test_rmse"] < 0.4 * cov.metrics["naive_test_rmse"]
    # forecasting the future follows the supplied future x
    from rnnlab.inspect.loader import open_dir

    run = open_dir(tmp_path / "cov")  # a bare training dir (no run store): the loader's internals
    task, model = run.task, run.model
    future_x = np.array([2.0, -2.0, 1.0, 0.0, -1.0, 2.0])
    out = tf.future_forecast([model], task, 6, future_covariates={"x": future_x})
    fc = np.array([r["forecast"] for r in out["rows"]])
    assert np.corrcoef(fc, 10 + 2 * future_x)[0, 1] > 0.9
    with pytest.raises(UserError, match="--covariates"):
        task.read_future_covariates(None, 6)


# ---------------------------------------------------------------- item 2: probabilistic heads


def test_head_losses_are_the_gaussian_nll_and_the_pinball_loss():
    g = Head("gaussian", [], 3, differenced=False)
    out = torch.tensor([[0.5, -1.0, 2.0, 0.3, 0.0, -2.0]])
    y = torch.tensor([[1.0, -1.0, 0.0]])
    sigma = torch.nn.functional.softplus(out[:, 3:]) + 1e-3
    nll = (0.5 * torch.log(2 * math.pi * sigma**2) + (y - out[:, :3]) ** 2 / (2 * sigma**2)).mean()
    assert g.loss(out, y).item() == pytest.approx(nll.item(), rel=1e-5)
    q = Head("quantile", [0.1, 0.5, 0.9], 2, differenced=False)
    out = torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])  # q0.1 = (1, 2), q0.5 = (3, 4), q0.9 = (5, 6)
    y = torch.tensor([[3.5, 0.0]])
    want = np.mean([ti.pinball([3.5, 0.0], [1.0, 2.0], 0.1), ti.pinball([3.5, 0.0], [3.0, 4.0], 0.5),
                    ti.pinball([3.5, 0.0], [5.0, 6.0], 0.9)])
    assert q.loss(out, y).item() == pytest.approx(want, rel=1e-6)
    assert q.point(out.numpy().astype(np.float64)).tolist() == [[3.0, 4.0]]
    assert q.levels((80.0, 95.0)) == [80.0] and q.output_size == 6 and g.output_size == 6


def test_head_settings_that_cannot_work_are_user_errors():
    with pytest.raises(UserError, match="include 0.5"):
        Head("quantile", [0.1, 0.9], 4, differenced=False)
    with pytest.raises(UserError, match="difference = false"):
        Head("quantile", [0.1, 0.5, 0.9], 4, differenced=True)
    with pytest.raises(UserError, match="between 0 and 1"):
        Head("quantile", [0.0, 0.5], 4, differenced=False)


def test_gaussian_head_bands_in_original_units():
    task = TimeSeriesTask(_cfg(likelihood="gaussian", difference=False), seed=0, batch_size=8)
    d, h = task.data, task.data.horizon
    starts = d.starts("test")[:3]
    raw = np.zeros((3, 2 * h))
    raw[:, h:] = math.log(math.e - 1)  # softplus = 1, sigma = 1 + 1e-3 in scaled units
    bands = task.head.bands(raw, d, starts, (80.0,))
    lo, hi = bands[80.0]
    assert (hi - lo) / 2 == pytest.approx(np.full((3, h), 1.2816 * 1.001 * d.scaler.scale), rel=1e-3)
    assert (hi + lo) / 2 == pytest.approx(d.to_original(raw[:, :h], starts))


@pytest.mark.parametrize("likelihood", ["gaussian", "quantile"])
def test_a_probabilistic_head_learns_calibrated_bands(tmp_path, likelihood):
    rng = np.random.default_rng(1)
    path = tmp_path / "noise.csv"
    path.write_text("y\n" + "".join(f"{10 + rng.standard_normal():.4f}\n" for _ in range(1200)))
    cfg = config.load("ts-lstm", [
        f"task.source='{path}'", "task.window=8", "task.horizon=2", "task.periods=[]", "task.difference=false",
        f"task.likelihood='{likelihood}'", "task.quantiles=[0.1, 0.5, 0.9]", "model.hidden_size=8", "train.steps=300",
        "train.lr=0.01", "train.eval_every=300", "train.checkpoint_every=300", "probes.output_every=0"])
    out = run_training(cfg, tmp_path / "r", Recorder(), Never())
    m = out.metrics
    assert 0.7 <= m["test_head_coverage_80"] <= 0.9
    # N(10, 1): the 80 % band is 2 * 1.2816 wide
    assert m["test_head_width_80"] == pytest.approx(2.563, rel=0.2)
    assert ("test_crps" in m) == (likelihood == "gaussian")


def test_future_rows_are_indexed_when_the_series_has_no_time_column(tmp_path):
    path = tmp_path / "y.csv"
    path.write_text("y\n" + "".join(f"{math.sin(i / 5.0):.4f}\n" for i in range(300)))
    task = TimeSeriesTask(_cfg(source=str(path)), seed=0, batch_size=4)
    model = Linear(task.input_size, task.output_size).eval()
    out = tf.future_forecast([model], task, 6)
    assert out["time_column"] == "index" and [r["index"] for r in out["rows"]] == list(range(300, 306))
    assert out["last_time"] == 299 and out["recursive"]  # 6 steps, horizon 4
    # a column of step numbers continues as the file numbers its rows: two-digit years 63 .. 92
    # went on as 30, 31 (row numbers) and a 1-based t = 1 .. 300 as 300, repeating its last row's
    for first, step, name in ((63, 1, "year"), (1, 1, "t"), (0, 5, "period")):
        numbered = tmp_path / f"{name}.csv"
        numbered.write_text(f"{name},y\n" + "".join(f"{first + step * i},{math.sin(i / 5.0):.4f}\n" for i in range(300)))
        task = TimeSeriesTask(_cfg(source=str(numbered)), seed=0, batch_size=4)
        got = tf.future_forecast([Linear(task.input_size, task.output_size).eval()], task, 3)
        last = first + step * 299
        assert [r["index"] for r in got["rows"]] == [last + step, last + 2 * step, last + 3 * step] and got["last_time"] == last
        # and a backtest's origins are named by the same numbers (they printed `-`)
        from rnnlab.tasks.timeseries import backtest as tb

        t = int(task.eval_origins("test")[0])
        assert tb._time(task.data, t) == str(first + step * (t + task.data.offset))


def test_several_runs_forecast_the_future_as_their_mean():
    task = TimeSeriesTask(_cfg(difference=True), seed=0, batch_size=8)
    a, b = (Linear(task.input_size, task.output_size, seed=s).eval() for s in (1, 2))

    def fc(models, steps):
        return np.array([r["forecast"] for r in tf.future_forecast(models, task, steps)["rows"]])

    # within the horizon the ensemble is the mean (differencing and scaling are linear) ...
    assert fc([a, b], 4) == pytest.approx((fc([a], 4) + fc([b], 4)) / 2)
    # ... beyond it the ensemble feeds back its own mean, not each member its own path
    assert fc([a, b], 8)[:4] == pytest.approx(fc([a, b], 4))


def test_the_test_split_scores_the_best_checkpoint_not_the_last(tmp_path):
    # lr 0.05 on a tiny LSTM with the input projection: val RMSE wanders, so the kept best is not
    # the last step's model (without the projection it improves at every evaluation of these 12 steps)
    cfg = config.load(
        "ts-lstm",
        ["task.synthetic.length=500", "task.window=24", "task.horizon=6", "model.hidden_size=8",
         "model.input_projection=true",
         "train.steps=12", "train.eval_every=2", "train.checkpoint_every=12", "train.lr=0.05"],
    )
    rec = Recorder()
    out = run_training(cfg, tmp_path / "r", rec, Never())
    vals = {s: r["val_rmse"] for s, r in rec.rows.items() if "val_rmse" in r}
    best_step = min(vals, key=vals.get)
    assert best_step != 12, vals  # the premise
    (tmp_path / "r" / "config.toml").write_text(cfg.to_toml())
    from rnnlab.train.session import open_run

    for which, step in (("best", best_step), ("last", 12)):
        run = open_run(tmp_path / "r", which=which)
        assert run.checkpoint.step == step
        with torch.no_grad():
            score = run.task.test_metrics(run.model, torch.device("cpu"))["test_rmse"]
        if which == "best":
            assert out.metrics["test_rmse"] == pytest.approx(score, rel=1e-5)
        else:
            assert out.metrics["test_rmse"] != pytest.approx(score, rel=1e-5)
    assert any(k == "test" and f"best checkpoint, step {best_step})" in msg for k, msg, *_ in rec.events)


def test_quantile_head_with_the_auto_default_says_what_differenced_and_the_preset_pins_it():
    # difference = "auto" (the default) differences the trending synthetic series: the refusal
    # names the resolved choice and its test, and what to set instead
    with pytest.raises(UserError, match=r"task.difference = 'auto' chose to: non-stationary .*task.difference = false"):
        TimeSeriesTask(_cfg(likelihood="quantile"), seed=0, batch_size=8)
    with pytest.raises(UserError, match="task.seasonal_difference = 6"):
        TimeSeriesTask(_cfg(likelihood="quantile", difference=False, seasonal_difference=6), seed=0, batch_size=8)
    cfg = config.load("ts-intervals", ["task.synthetic.length=600"]).task
    assert cfg.difference is False
    task = TimeSeriesTask(cfg, seed=0, batch_size=8)
    assert task.head.kind == "quantile" and not task.data.offset


def test_gaussian_bands_through_a_seasonal_difference_widen_once_a_season():
    """x[t] = z[t] + x[t-P]: step k's level sums k // P + 1 independent differenced errors, so
    its spread is σ·√(k // P + 1), not the first difference's σ·√(k + 1)."""
    task = TimeSeriesTask(_cfg(likelihood="gaussian", difference=False, seasonal_difference=4, horizon=8), seed=0, batch_size=8)
    d, h = task.data, task.data.horizon
    starts = d.starts("test")[:2]
    raw = np.zeros((2, 2 * h))
    raw[:, h:] = math.log(math.e - 1)  # softplus = 1
    lo, hi = task.head.bands(raw, d, starts, (80.0,))[80.0]
    k = np.arange(h)
    expect = 1.2816 * 1.001 * d.scaler.scale * np.sqrt(k // 4 + 1)
    assert (hi - lo)[0] / 2 == pytest.approx(expect, rel=1e-3)
