"""Real-world CSVs (issue 14 items 1 and 6): the frequency inferred from the time column decides
periods, season and calendar features; delimiters, decimal commas, thousands separators, percent
signs, year and integer time columns are read as a forecaster's spreadsheet writes them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import read as tscsv
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries.task import TimeSeriesTask

MISSING_WEEKS = (100, 101, 300)


def write_co2_weekly(path: Path) -> Path:
    """A Mauna-Loa-like weekly CO2 series: Saturday dates, a curved trend, a yearly cycle, noise,
    three weeks without a row; ;-separated with decimal commas (a European spreadsheet export)."""
    rng = np.random.default_rng(1)
    n = 52 * 14
    t = np.arange(n)
    co2 = 315 + 0.03 * t + 0.00002 * t**2 + 3 * np.sin(2 * np.pi * t / 52.18) + 0.3 * rng.standard_normal(n)
    start = datetime(1974, 5, 18)  # a Saturday
    rows = ["date;co2"]
    for i in range(n):
        if i not in MISSING_WEEKS:
            rows.append(f"{(start + timedelta(weeks=i)).date()};{co2[i]:.2f}".replace(".", ","))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def write_sunspots_yearly(path: Path) -> Path:
    """A sunspot-like yearly series: an 11-year cycle of varying height, years as `1700.0`."""
    rng = np.random.default_rng(2)
    n = 300
    t = np.arange(n)
    sun = np.maximum(0, 80 * np.sin(np.pi * t / 11) ** 2 * (1 + 0.3 * np.sin(2 * np.pi * t / 90)) + 10 * rng.standard_normal(n))
    path.write_text("year,sunspots\n" + "\n".join(f"{1700 + i}.0,{v:.1f}" for i, v in enumerate(sun)) + "\n", encoding="utf-8")
    return path


def _cfg(source: Path, **kw) -> TaskConfig:
    base = dict(kind="timeseries", source=str(source), window=24, horizon=4)
    base.update(kw)
    return TaskConfig(**base)


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---------------------------------------------------------------- frequency (14.1)


def test_weekly_series_gets_a_yearly_season_and_no_hour_or_weekday_features(tmp_path):
    path = write_co2_weekly(tmp_path / "co2.csv")
    task = TimeSeriesTask(_cfg(path, time_column="date"), seed=0, batch_size=4)
    d = task.data
    assert d.frequency.name == "weekly" and d.frequency.gaps == len(MISSING_WEEKS)
    assert d.levels.size == 52 * 14  # the missing weeks are rows again, filled
    assert task.season == 52 and d.seasons.periods == [pytest.approx(365.25 / 7)]
    assert not any(n.startswith(("hour_", "dow_")) for n in d.feature_names)
    assert "year_sin" in d.feature_names
    assert "weekly" in task.describe() and "season 52" in task.describe()
    # seasonal naive repeats the value of 52 weeks before, not 24
    t = int(task.eval_origins("val")[0])
    fc = task.baseline_forecasts(np.array([t]))["seasonal_naive"][0]
    hist = d.history(t)
    np.testing.assert_array_equal(fc, hist[-52 : -52 + 4])


def test_yearly_series_detects_its_cycle_from_the_values(tmp_path):
    path = write_sunspots_yearly(tmp_path / "sun.csv")
    task = TimeSeriesTask(_cfg(path, time_column="year"), seed=0, batch_size=4)
    d = task.data
    assert d.frequency.name == "yearly" and d.timestamps[1] == datetime(1701, 1, 1)
    assert task.season == 11 and d.seasons.source == "detected"
    assert [n for n in d.feature_names if "_sin" in n or "sin_" in n] == ["sin_11"]
    assert "yearly" in task.describe() and "season 11" in task.describe()


def test_started_line_names_frequency_and_season(tmp_path):
    co2 = write_co2_weekly(tmp_path / "co2.csv")
    sun = write_sunspots_yearly(tmp_path / "sun.csv")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for path, col, want in ((co2, "date", "weekly"), (sun, "year", "yearly")):
        season = "season 52" if want == "weekly" else "season 11"
        proc = subprocess.run(
            [sys.executable, "-m", "rnnlab", "train", "ts-lstm", "--runs-dir", str(tmp_path / "runs"),
             "--set", f"task.source={path}", "--set", f"task.time_column={col}", "--set", "task.window=24",
             "--set", "task.horizon=4", "--set", "model.hidden_size=4", "--set", "train.steps=2",
             "--set", "train.eval_every=2", "--set", "train.checkpoint_every=2"],
            capture_output=True, text=True, env=env, timeout=180,
        )
        assert proc.returncode == 0, proc.stderr
        started = next(ln for ln in proc.stdout.splitlines() if ln.startswith("started:"))
        assert want in started and season in started, started


def test_explicit_periods_and_season_win(tmp_path):
    path = write_co2_weekly(tmp_path / "co2.csv")
    task = TimeSeriesTask(_cfg(path, time_column="date", periods=[13.0], season=4), seed=0, batch_size=4)
    assert task.season == 4 and task.data.seasons.periods == [13.0] and task.data.seasons.source == "task.periods"
    task = TimeSeriesTask(_cfg(path, time_column="date", periods=[13.0]), seed=0, batch_size=4)
    assert task.season == 13


def test_series_without_timestamps_detects_its_season(tmp_path):
    t = np.arange(600)
    rng = np.random.default_rng(0)
    y = 5 * np.sin(2 * np.pi * t / 12) + 0.01 * t + rng.standard_normal(600) * 0.5
    p = _write(tmp_path, "y\n" + "".join(f"{v:.4f}\n" for v in y))
    task = TimeSeriesTask(_cfg(p), seed=0, batch_size=4)
    assert task.data.frequency.name == "none" and task.season == 12
    assert "no time column" in task.describe() and "(detected)" in task.describe()


def test_period_detection_finds_nothing_in_noise_or_a_random_walk():
    for seed in range(5):
        rng = np.random.default_rng(seed)
        assert tsfreq.detect_periods(rng.standard_normal(500)).periods == []
        assert tsfreq.detect_periods(np.cumsum(rng.standard_normal(500))).periods == []
    t = np.arange(2000)
    y = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 168) + 0.2 * np.random.default_rng(0).standard_normal(2000)
    assert tsfreq.detect_periods(y).periods[0] == 24


def test_hourly_synthetic_keeps_its_features():
    task = TimeSeriesTask(TaskConfig(kind="timeseries", window=16, horizon=4, synthetic={"length": 600}), seed=0, batch_size=4)
    assert task.data.frequency.name == "hourly" and task.season == 24
    assert task.data.feature_names == ["value", "sin_24", "cos_24", "sin_168", "cos_168", "hour_sin", "hour_cos", "dow_sin", "dow_cos"]


@pytest.mark.parametrize(
    "stamps,name,season",
    [
        ([datetime(2020, 1, 1) + timedelta(days=i) for i in range(30)], "daily", 7),
        ([tsfreq.add_months(datetime(2000, 1, 31), i) for i in range(30)], "monthly", 12),
        ([datetime(1990 + i // 4, 1 + 3 * (i % 4), 1) for i in range(30)], "quarterly", 4),
        ([datetime(2020, 1, 1) + timedelta(minutes=15 * i) for i in range(30)], "every 15 minutes", 96),
        ([datetime(2020, 1, 1) + timedelta(hours=i * i) for i in range(30)], "irregular", 0),
    ],
)
def test_frequency_inference(stamps, name, season):
    f = tsfreq.infer(stamps)
    assert f.name == name and f.season == season


def test_monthly_future_stamps_keep_month_ends():
    f = tsfreq.infer([tsfreq.add_months(datetime(2000, 1, 31), i) for i in range(12)])
    assert tsfreq.future_stamps(datetime(2000, 12, 31), f, 3) == [datetime(2001, 1, 31), datetime(2001, 2, 28), datetime(2001, 3, 31)]


# ---------------------------------------------------------------- CSV forms (14.6)


def test_semicolon_file_with_decimal_commas(tmp_path):
    s = tsdata.load_csv(write_co2_weekly(tmp_path / "co2.csv"), column="co2", time_column="date")
    assert s.values[0] == pytest.approx(315.10, abs=1.0) and s.values[0] != int(s.values[0])
    assert s.frequency.name == "weekly"


@pytest.mark.parametrize(
    "text,expected",
    [
        ('t,v\n1,"1,100"\n2,"2,250.5"\n3,"12,000"\n', [1100, 2250.5, 12000]),
        ("t;v\n1;1.100,5\n2;2.250,0\n3;7,25\n", [1100.5, 2250.0, 7.25]),
        ("t\tv\n1\t0.5%\n2\t\n3\t1.25%\n", [0.5, float("nan"), 1.25]),
        ("t|v\n1|1 234\n2|NA\n3|(5)\n", [1234, float("nan"), -5]),
    ],
)
def test_number_forms(tmp_path, text, expected):
    s = tsdata.load_csv(_write(tmp_path, text), column="v", time_column="t")
    np.testing.assert_allclose(s.values, expected)
    # step numbers 1, 2, 3: the future continues them (timeforms.steps_of)
    assert s.time_kind == "steps" and s.frequency.form == "steps:1:1" and s.timestamps is None


def test_delimiter_can_be_given(tmp_path):
    p = _write(tmp_path, "a:b\n1:2\n3:4\n")
    s = tsdata.load_csv(p, column="b", delimiter=":")
    np.testing.assert_array_equal(s.values, [2, 4])
    with pytest.raises(UserError, match="no column 'b'"):
        tsdata.load_csv(p, column="b")


def test_year_columns_are_time_columns(tmp_path):
    for cell in ("{y}", "{y}.0"):
        rows = "".join(f"{cell.format(y=1700 + i)},{i}\n" for i in range(20))
        s = tsdata.load_csv(_write(tmp_path, "year,n\n" + rows), column="n", time_column="year")
        assert s.time_kind == "year" and s.frequency.name == "yearly" and s.timestamps[3] == datetime(1703, 1, 1)
    # picked without task.column: the year column is the time, the other the value
    s = tsdata.load_csv(_write(tmp_path, "year,n\n" + "".join(f"{1700 + i},{i * 2.5}\n" for i in range(20))))
    assert s.column == "n"


def test_decimal_years_are_monthly(tmp_path):
    rows = "".join(f"{1749 + i / 12:.4f},{i}\n" for i in range(48))
    s = tsdata.load_csv(_write(tmp_path, "t,n\n" + rows), column="n", time_column="t")
    assert s.frequency.name == "monthly"


def test_header_only_file_says_no_data_rows(tmp_path):
    with pytest.raises(UserError, match="no data rows"):
        tsdata.load_csv(_write(tmp_path, "date,value\n"))
    with pytest.raises(UserError, match="no data rows"):
        tsdata.load_csv(_write(tmp_path, "date,value\n"), column="value", time_column="date")


def test_non_number_error_does_not_advise_deleting_data(tmp_path):
    p = _write(tmp_path, "v\n1\n2\nabc\n")
    with pytest.raises(UserError) as err:
        tsdata.load_csv(p, column="v")
    msg = str(err.value)
    assert "line 4" in msg and "'abc'" in msg and "1,234.5" in msg
    assert "leave the cell empty" not in msg


def test_time_column_out_of_order_names_the_line(tmp_path):
    p = _write(tmp_path, "t,v\n2024-01-02,1\n2024-01-01,2\n")
    with pytest.raises(UserError, match="line 3.*increasing time order"):
        tsdata.load_csv(p, column="v", time_column="t")


def test_other_date_forms(tmp_path):
    for cells in (["2020-01", "2020-02", "2020-03"], ["1959Q1", "1959Q2", "1959Q3"], ["31.01.2024", "01.02.2024", "02.02.2024"]):
        s = tsdata.load_csv(_write(tmp_path, "t,v\n" + "".join(f"{c},{i}\n" for i, c in enumerate(cells))), column="v", time_column="t")
        # each is written back as the file wrote it (tsfreq.label): quarters as quarters, the others
        # in their own strftime form (timeforms.format_of); their kind says which
        assert s.time_kind == ("quarter" if "Q" in cells[0] else "format") and len(s.timestamps) == 3


def test_detect_delimiter():
    assert tscsv.detect_delimiter("date;co2\n2020-01-01;315,5\n") == ";"
    assert tscsv.detect_delimiter('a,b\n1,"1,5"\n') == ","
    assert tscsv.detect_delimiter("only\n1\n2\n") == ","
