"""Issue 17 item 8 (speed): the shortcuts that make the data card and a default run fast must
decide exactly what the slow way decided."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from rnnlab.tasks.timeseries import blas
from rnnlab.tasks.timeseries import card as tscard
from rnnlab.tasks.timeseries import stationarity as tsstat


def _ar(n: int, phis, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    e = rng.standard_normal(n)
    for i in range(len(phis), n):
        y[i] = sum(p * y[i - 1 - k] for k, p in enumerate(phis)) + e[i]
    return y


def test_adf_lag_from_one_qr_is_statsmodels_autolag_choice():
    from statsmodels.tsa.stattools import adfuller

    blas.one_thread()  # statsmodels' own search is the slow side here
    rng = np.random.default_rng(0)
    t = np.arange(600)
    series = {
        "walk": np.cumsum(rng.standard_normal(400)),
        "ar3": _ar(900, (0.5, -0.3, 0.2), 1),
        "seasonal": np.sin(2 * np.pi * t / 12) + 0.3 * rng.standard_normal(t.size),
        "short": rng.standard_normal(14),
        "whole numbers": np.round(np.cumsum(rng.standard_normal(300))),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, y in series.items():
            ref = adfuller(y, autolag="AIC", store=True)
            assert tsstat.aic_lag(y) == ref[-1].usedlag, name
            assert tsstat.adf(y) == pytest.approx(ref[:2], rel=1e-9), name
        # a pure sine makes the lag regressions rank-deficient: statsmodels' own search decides
        sine = np.sin(2 * np.pi * np.arange(200) / 24)
        assert tsstat.aic_lag(sine) is None
        assert tsstat.adf(sine) == pytest.approx(adfuller(sine, autolag="AIC")[:2], rel=1e-9)


def _hourly_csv(path, n: int):
    import pandas as pd

    t = np.arange(n)
    y = 10 + np.sin(2 * np.pi * t / 24) + 0.01 * t + 0.3 * np.random.default_rng(0).standard_normal(n)
    y[[5, 6, n - 3]] = np.nan
    stamps = pd.date_range("2020-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S")
    pd.DataFrame({"timestamp": stamps, "load": y}).to_csv(path, index=False)
    return path


def test_card_with_points_carries_a_spread_of_rows_and_the_same_statistics(tmp_path, monkeypatch):
    path = _hourly_csv(tmp_path / "h.csv", 3000)
    full = tscard.build(path)
    few = tscard.build(path, points=40)
    assert len(full["values"]) == len(full["times"]) == 3000 and "positions" not in full  # --json keeps every row
    pos = few["positions"]
    assert len(pos) <= 40 and pos[0] == 0 and pos[-1] == 2999 and pos == sorted(set(pos))
    assert few["values"] == [full["values"][i] for i in pos] and few["times"] == [full["times"][i] for i in pos]
    for key in ("rows", "frequency", "stationarity", "season", "periods", "detected_periods", "acf", "window", "horizon"):
        assert few[key] == full[key], key
    assert tscard.build(path, points=0)["values"] == []
    # the ACF and detected periods read the last DETECT_ROWS rows, and say how many
    assert full["acf_rows"] == 2999 and full["acf_of"] == "differences"
    monkeypatch.setattr(tscard, "DETECT_ROWS", 1000)
    assert tscard.build(path, points=0)["acf_rows"] == 999


def test_one_thread_limits_numpy_blas_not_torch():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if os.environ.get("OPENBLAS_NUM_THREADS"):
        pytest.skip("the user's OPENBLAS_NUM_THREADS wins")
    import torch

    before = torch.get_num_threads()
    blas.one_thread()
    infos = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert infos and all(i["num_threads"] == 1 for i in infos)
    assert torch.get_num_threads() == before


def test_a_forecasting_run_that_sets_neither_steps_nor_patience_stops_early():
    from rnnlab import config

    only_csv = config.validate({"task": {"kind": "timeseries", "source": "x.csv"}}, "t.toml")
    assert only_csv.train.patience == config.TS_PATIENCE and only_csv.train.steps == 1000
    # the resolved config (config.toml of the run) says so, and reads back the same
    assert config.validate(only_csv.to_dict(), "config.toml").train.patience == config.TS_PATIENCE
    for train in ({"steps": 300}, {"patience": 0}, {"patience": 7}):
        got = config.validate({"task": {"kind": "timeseries"}, "train": train}, "t.toml").train
        assert got.patience == train.get("patience", 0), train  # a user's choice is kept
    assert config.validate({"task": {"kind": "adding"}}, "t.toml").train.patience == 0  # other tasks as before


def test_an_ets_fit_is_made_once_for_the_same_rows(monkeypatch):
    from rnnlab.tasks.timeseries import classical

    y = 20 + np.sin(2 * np.pi * np.arange(120) / 12) + 0.05 * np.arange(120) + 0.1 * np.random.default_rng(5).standard_normal(120)
    calls = []
    real = classical.ETS._fit.__func__

    def counted(cls, *args):
        calls.append(args[1:])
        return real(cls, *args)

    monkeypatch.setattr(classical.ETS, "_fit", classmethod(counted))
    monkeypatch.setattr(classical, "_FITS", {})
    a = classical.ETS.fit(y, 12)
    b = classical.ETS.fit(y.copy(), 12)  # the baseline's and the member's fit: same rows, season, trend
    assert len(calls) == 1 and a is not b and a.seasons0 is not b.seasons0
    assert np.array_equal(a.seasons0, b.seasons0) and (a.alpha, a.beta, a.gamma, a.phi, a.aicc) == (b.alpha, b.beta, b.gamma, b.phi, b.aicc)
    classical.ETS.fit(y, 12, trend=False)
    classical.ETS.fit(y[:-1], 12)
    assert len(calls) == 3
    h = a.forecast(y, np.array([100, 110]), 6)
    assert np.allclose(h, b.forecast(y, np.array([100, 110]), 6))


def test_iso_time_columns_are_parsed_while_reading_with_the_same_answers(tmp_path):
    from rnnlab.errors import UserError
    from rnnlab.tasks.timeseries import data as tsdata
    from rnnlab.tasks.timeseries import read as tsread

    ok = tmp_path / "ok.csv"
    ok.write_text("when,v\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 02:00,3\n2024-01-01 04:00,5\n", encoding="utf-8")
    s = tsdata.load_csv(ok)  # "2024-01-01 00:00" has a space, like "1 234": still the time column
    assert s.time_column == "when" and s.frequency.name == "hourly" and s.frequency.gaps == 1
    assert np.isnan(s.values[3]) and s.values[4] == 5 and str(s.timestamps[3]) == "2024-01-01 03:00:00"
    gap = tmp_path / "gap.csv"
    gap.write_text("date,v\n2024-01-01,1\n2024-01-02,2\nNA,3\n2024-01-04,4\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"line 4: column 'date' has '', not a date"):
        tsdata.load_csv(gap, time_column="date")
    back = tmp_path / "back.csv"
    back.write_text("date,v\n2024-01-01,1\n2024-01-03,2\n2024-01-02,3\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"line 4: time 2024-01-02 in column 'date' is not after"):
        tsdata.load_csv(back)
    word = tmp_path / "word.csv"  # one cell that is no ISO date: pandas keeps the text, the old rules decide
    word.write_text("date,v\n2024-01-01,1\n2024-01-02,2\n2024-01-0x,3\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"line 4: column 'date' has '2024-01-0x', not a date"):
        tsdata.load_csv(word, time_column="date")
    assert tsread.read_table(ok).frame.dtypes.iloc[0].kind == "M"


def test_the_data_card_imports_no_torch(tmp_path):
    import subprocess
    import sys

    path = _hourly_csv(tmp_path / "h.csv", 400)
    code = ("import sys, contextlib, io; from pathlib import Path; from rnnlab.cli.data import data\n"
            f"with contextlib.redirect_stdout(io.StringIO()): data(Path({str(path)!r}), None, None, None, False)\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=str(tmp_path),
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"  # ~1.7 s of `rnnlab data` was importing torch for nothing
