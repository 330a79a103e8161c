"""Stationarity (issue 9 item 6): ADF/KPSS from statsmodels, difference = "auto", seasonal
differencing inverted exactly, and our ACF / Ljung-Box pinned to statsmodels' values."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import stationarity as tsstat
from rnnlab.tasks.timeseries import metrics as tm


def _series(values) -> tsdata.Series:
    return tsdata.Series(np.asarray(values, dtype=np.float64), None, "test-series", "value")


def _cfg(**kw) -> TaskConfig:
    base = dict(kind="timeseries", window=16, horizon=4, periods=[12.0])
    base.update(kw)
    return TaskConfig(**base)


def _ar1(n=600, phi=0.5, seed=0):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n)
    y = np.zeros(n)
    for i in range(1, n):
        y[i] = phi * y[i - 1] + e[i]
    return y


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_adf_and_kpss_match_statsmodels_and_tell_a_random_walk_from_noise():
    from statsmodels.tsa.stattools import adfuller, kpss

    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.standard_normal(500))
    stat, p = tsstat.adf(walk)
    ref = adfuller(walk, autolag="AIC")
    assert (stat, p) == pytest.approx((ref[0], ref[1]), rel=1e-12)
    res = tsstat.tests(walk)
    assert res["adf_p"] > 0.05 and res["kpss_p"] < 0.05 and not res["stationary"]
    res = tsstat.tests(_ar1())
    assert res["adf_p"] < 0.05 and res["kpss_p"] > 0.05 and res["stationary"]
    with pytest.warns(Warning):  # statsmodels' own: the p-value sits at its table's bound
        k = kpss(walk, regression="c", nlags="auto")
    assert tsstat.kpss(walk) == pytest.approx((k[0], k[1]))


def test_difference_auto_follows_the_tests():
    rng = np.random.default_rng(4)
    walk = np.cumsum(rng.standard_normal(600)) + 50
    p = tsdata.prepare(_series(walk), _cfg())
    assert p.diff.order == 1 and p.offset == 1 and p.stationarity["nonstationary_by"]
    assert "differenced (auto: non-stationary" in p.choices()
    q = tsdata.prepare(_series(_ar1()), _cfg())
    assert q.diff.order == 0 and q.offset == 0 and q.stationarity["stationary"]
    assert "not differenced (auto: stationary" in q.choices()
    # true/false still mean what they meant, without running the tests
    for flag, order in ((True, 1), (False, 0)):
        r = tsdata.prepare(_series(walk), _cfg(difference=flag))
        assert r.diff.order == order and r.stationarity is None


def test_difference_auto_reads_the_training_split_only():
    y = _ar1(600)
    wild = y.copy()
    wild[450:] += np.cumsum(np.ones(150)) * 10  # a trend that starts after the training split
    a = tsdata.prepare(_series(y), _cfg())
    b = tsdata.prepare(_series(wild), _cfg())
    assert a.stationarity == b.stationarity and a.diff == b.diff


@pytest.mark.parametrize("order,seasonal", [(0, 0), (1, 0), (0, 12), (1, 12), (1, 3)])
def test_differencing_inverts_exactly_for_any_horizon(order, seasonal):
    rng = np.random.default_rng(5)
    t = np.arange(300)
    x = 0.05 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.standard_normal(300)
    d = tsstat.Differencing(order, seasonal)
    w = d.apply(x)
    assert w.size == x.size - d.offset
    # a perfect forecast of the differenced series, horizon longer than the season
    origins = np.array([50, 120, 200])
    h = 30
    work = np.stack([w[o - d.offset : o - d.offset + h] for o in origins])
    back = d.invert(work, x, origins)
    np.testing.assert_allclose(back, np.stack([x[o : o + h] for o in origins]), atol=1e-9)
    # only the levels before each origin are read (a future forecast has no others)
    hidden = x.copy()
    hidden[50:] = np.nan
    np.testing.assert_allclose(d.invert(work[0], hidden, 50), x[50 : 50 + h], atol=1e-9)
    assert tsstat.undifference(work[0], x, 50, order, seasonal) == pytest.approx(x[50 : 50 + h])


@pytest.mark.parametrize("difference", [False, True])
def test_seasonal_difference_in_the_pipeline_maps_back_to_the_actual_values(difference):
    t = np.arange(400)
    x = 10 + 0.02 * t + 2 * np.sin(2 * np.pi * t / 24) + np.random.default_rng(6).standard_normal(400) * 0.1
    p = tsdata.prepare(_series(x), _cfg(seasonal_difference=24, difference=difference, horizon=30, periods=[24.0]))
    assert p.offset == 24 + int(difference) and p.diff.seasonal == 24
    assert "seasonal difference 24" in p.choices()
    starts = p.starts("test")
    _, y = p.windows(starts)
    np.testing.assert_allclose(p.to_original(y, starts), p.actual(starts), atol=1e-9)
    # the seasonal-differenced series has no cycle left
    assert abs(tm.acf(p.work, 24)[24]) < 0.5


def test_seasonal_difference_longer_than_the_training_split_is_a_user_error():
    with pytest.raises(UserError, match="task.seasonal_difference = 300"):
        tsdata.prepare(_series(np.arange(400.0)), _cfg(seasonal_difference=300))


def test_acf_and_ljung_box_match_statsmodels():
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.tsa.stattools import acf

    rng = np.random.default_rng(7)
    for k in range(20):
        n = int(rng.integers(30, 400))
        y = rng.standard_normal(n) + (0.6 * np.roll(rng.standard_normal(n), 1) if k % 2 else 0)
        lags = int(rng.integers(1, min(30, n // 2)))
        np.testing.assert_allclose(tm.acf(y, lags), acf(y, nlags=lags, fft=False), atol=1e-12)
        q, p = tm.ljung_box(y, lags)
        ref = acorr_ljungbox(y, lags=[lags])
        assert q == pytest.approx(float(ref["lb_stat"].iloc[0]), rel=1e-10)
        assert p == pytest.approx(float(ref["lb_pvalue"].iloc[0]), rel=1e-6, abs=1e-12)


def test_statsmodels_and_holidays_load_only_when_used():
    import subprocess
    import sys

    code = ("import sys, rnnlab.cli.app, rnnlab.tasks.timeseries.task, rnnlab.tasks.timeseries.card; "
            "print(sorted(m for m in ('statsmodels', 'holidays', 'scipy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_difference_key_accepts_true_false_auto_and_says_so_otherwise():
    from rnnlab import config

    assert config.validate({"task": {"kind": "timeseries"}}).task.difference == "auto"
    for v in (True, False, "auto"):
        assert config.validate({"task": {"difference": v}}).task.difference == v
    with pytest.raises(UserError) as err:
        config.validate({"task": {"difference": "maybe"}}, "x.toml")
    assert str(err.value).startswith("x.toml: [task] difference = 'maybe': expected true, false or \"auto\"")


def test_the_verdict_names_the_test_that_disagrees_and_says_when_none_could_run():
    # daily ozone: ADF p=1.7e-6 (stationary) and KPSS p=0.01 (not) read as plain "non-stationary";
    # a 10-row series read "non-stationary (ADF p=n/a, KPSS p=n/a)" with no test behind it
    rng = np.random.default_rng(3)
    ozone = {"adf_p": 1.67e-6, "kpss_p": 0.01, "stationary": False, "nonstationary_by": ["KPSS"]}
    assert tsstat.verdict(ozone) == "non-stationary by KPSS, stationary by ADF (ADF p=1.67e-06, KPSS p=0.01)"
    # and the other way round (a trial's daily electricity: ADF p=0.25, KPSS p=0.0757 read as plain
    # "non-stationary" while KPSS kept stationarity)
    elec = {"adf_p": 0.25, "kpss_p": 0.0757, "stationary": False, "nonstationary_by": ["ADF"]}
    assert tsstat.verdict(elec) == "non-stationary by ADF, stationary by KPSS (ADF p=0.25, KPSS p=0.0757)"
    short = tsstat.tests(np.arange(8.0))
    assert tsstat.verdict(short) == "too short to test (ADF p=n/a, KPSS p=n/a)"
    walk = tsstat.tests(np.cumsum(rng.normal(size=300)))
    assert tsstat.verdict(walk).startswith("non-stationary (ADF p=")


def test_the_task_line_says_the_rows_the_differences_start_from():
    # a trial read `100 rows … train/val/test 69/10/20` and asked where a row went: differencing
    # starts from it, and the line now says so
    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries.task import TimeSeriesTask

    for difference, said in ((True, " (+1 row the differences start from)"), (False, "")):
        task = TimeSeriesTask(TaskConfig(kind="timeseries", window=16, horizon=4, difference=difference, synthetic={"length": 300}),
                              seed=0, batch_size=8)
        s = task.data.splits
        assert f"train/val/test {s.train}/{s.val}/{s.test}{said}, window" in task.describe()
        assert s.train + s.val + s.test + task.data.offset == task.data.levels.size
