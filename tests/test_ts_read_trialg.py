"""An outside trial's CSVs (trial G), each reproduced as a small generated file: a one-column
file under a blank first header cell (pandas' `Series.to_csv()`, R's `write.csv`), a year column
out of order, and months written month first (`01/2001`, a German export's `01.1980`). Each test
failed on the reader before."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import numpy as np
import pytest

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import card as tscard
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq

MONTHS = [date(1980 + k // 12, k % 12 + 1, 1) for k in range(60)]
VALUES = [round(150 + 20 * np.sin(k / 3) + k / 2, 2) for k in range(60)]


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, env=env, timeout=120)


# ---------------------------------------------------------------- A: a blank first header cell


@pytest.mark.parametrize("name,text", [
    ("series.csv", ",arabica\n" + "".join(f"{t},{v}\n" for t, v in zip(MONTHS, VALUES))),  # pandas' Series.to_csv()
    ("rnames.csv", '"","arabica"\n' + "".join(f'"{t}",{v}\n' for t, v in zip(MONTHS, VALUES))),  # R's write.csv, dates
], ids=["pandas", "r"])
def test_a_one_column_file_under_a_blank_first_header_cell_keeps_its_header(tmp_path, name, text):
    s = tsdata.load_csv(_write(tmp_path / name, text))
    assert s.column == "arabica" and s.values.tolist() == VALUES
    assert s.frequency.name == "monthly" and s.timestamps[0].date() == MONTHS[0]
    assert not any("title" in line for line in s.reading)


def test_r_row_numbers_under_a_blank_header_cell_are_an_index_not_the_value(tmp_path):
    path = _write(tmp_path / "rnum.csv", '"","x"\n' + "".join(f'"{k + 1}",{v}\n' for k, v in enumerate(VALUES)))
    s = tsdata.load_csv(path)
    assert s.column == "x" and s.values.tolist() == VALUES and s.reading == ()


def test_a_title_above_a_header_with_a_blank_first_cell_is_still_a_title(tmp_path):
    text = "Coffee prices, US cents per pound\n,arabica\n" + "".join(f"{t},{v}\n" for t, v in zip(MONTHS, VALUES))
    s = tsdata.load_csv(_write(tmp_path / "titled.csv", text))
    assert s.column == "arabica" and s.values.size == 60 and s.reading[0].startswith("1 line above the header")
    # a title in a spreadsheet's second column, over a header of names: still a title
    text = ",Monthly sales\ndate,value\n" + "".join(f"{t},{v}\n" for t, v in zip(MONTHS, VALUES))
    s = tsdata.load_csv(_write(tmp_path / "title_b.csv", text))
    assert s.column == "value" and s.time_column == "date" and s.values.size == 60 and s.reading[0].startswith("1 line")
    # and over a header with a number in it (a review: `CPI 2015=100` read as data, the file refused)
    text = ",Consumer prices\ndate,CPI 2015=100\n" + "".join(f"{t},{v}\n" for t, v in zip(MONTHS, VALUES))
    s = tsdata.load_csv(_write(tmp_path / "title_cpi.csv", text))
    assert s.column == "CPI 2015=100" and s.time_column == "date" and s.values.size == 60


# ---------------------------------------------------------------- B: a year column out of order


def _unsorted_years(name: str = "year") -> str:
    years = list(range(1961, 2016)) + list(range(1901, 1961))
    return f"{name},extent_km2\n" + "".join(f"{y},{11_000_000 + 1000 * (y % 7)}\n" for y in years)


def test_a_year_column_out_of_order_is_refused_naming_the_line_and_the_way_out(tmp_path):
    path = _write(tmp_path / "arctic.csv", _unsorted_years())
    with pytest.raises(UserError) as err:
        tsdata.load_csv(path, column="extent_km2")
    msg = str(err.value)
    assert "line 57" in msg and "1901" in msg and "2015" in msg and "'year'" in msg, msg
    assert "sort" in msg and "-t" in msg, msg
    # the card refuses as well, in one line and exit 2, without a traceback
    proc = _cli("data", str(path), "-c", "extent_km2")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "line 57" in proc.stderr
    # several value columns (a climate file's year,temp,...,carbon): the same
    many = _write(tmp_path / "carbon.csv", "Year,temp,carbon\n" + "".join(
        f"{y},{(y % 9) / 10},{y - 1700}\n" for y in [*range(1880, 2019), *range(1751, 1880)]))
    with pytest.raises(UserError, match=r"line 141: .*1751.*2018"):
        tsdata.load_csv(many, column="carbon")


def test_plain_numbers_out_of_order_are_not_taken_for_years(tmp_path):
    # a count column that happens to hold 1000 .. 2999 in no order: not named like time, not refused
    counts = [1500 + (k * 37) % 61 for k in range(61)]
    path = _write(tmp_path / "visits.csv", "visitors,sales\n" + "".join(f"{c},{k}\n" for k, c in enumerate(counts)))
    s = tsdata.load_csv(path, column="sales")
    assert s.time_column is None and s.values.size == 61
    # years written newest first still read oldest first, and -t names another column as before
    newest = _write(tmp_path / "newest.csv", "year,v\n" + "".join(f"{y},{y % 5}\n" for y in range(2015, 1950, -1)))
    assert tsdata.load_csv(newest).frequency.name == "yearly"


# ---------------------------------------------------------------- H: month-first months


def test_month_slash_year_reads_monthly_and_writes_its_future_the_same_way(tmp_path):
    path = _write(tmp_path / "m.csv", "period,value\n" + "".join(f"{t:%m/%Y},{v}\n" for t, v in zip(MONTHS, VALUES)))
    s = tsdata.load_csv(path)
    assert s.time_column == "period" and s.frequency.name == "monthly" and s.values.tolist() == VALUES
    future = tsfreq.future_stamps(s.timestamps[-1], s.frequency, 2)
    assert [tsfreq.label(t, s.frequency) for t in future] == ["01/1985", "02/1985"]
    card = tscard.build(path)
    assert card["frequency"] == "monthly" and card["time_form"] == "format" and card["time_pattern"] == "%m/%Y"


def test_a_german_month_dot_year_column_is_months_not_decimal_numbers(tmp_path):
    def de(v: float) -> str:
        return f"{v:.2f}".replace(".", ",")

    text = "Monat;Arabica;Robusta\n" + "".join(f"{t:%m.%Y};{de(v)};{de(v - 5)}\n" for t, v in zip(MONTHS, VALUES))
    path = _write(tmp_path / "kaffee.csv", text)
    s = tsdata.load_csv(path, column="Arabica")
    assert s.time_column == "Monat" and s.frequency.name == "monthly" and s.values.tolist() == VALUES
    assert s.timestamps[0].date() == date(1980, 1, 1) and s.timestamps[-1].date() == date(1984, 12, 1)
    future = tsfreq.future_stamps(s.timestamps[-1], s.frequency, 1)
    assert tsfreq.label(future[0], s.frequency) == "01.1985"
    # a month out of order is named as the file writes it
    rows = text.splitlines(True)
    rows[30], rows[31] = rows[31], rows[30]
    with pytest.raises(UserError, match=r"line 32: time 06\.1982 in column 'Monat'"):
        tsdata.load_csv(_write(tmp_path / "swapped.csv", "".join(rows)), column="Arabica")


def test_numbers_that_look_like_months_stay_numbers_where_they_are_no_time_column(tmp_path):
    # 4-decimal measurements whose whole part is 01..12, in no order and not named like time
    cells = [f"{1 + (k * 5) % 12:02d}.{1990 + (k * 7) % 30}" for k in range(40)]
    text = "date;ratio\n" + "".join(f"{t:%Y-%m-%d};{c}\n" for t, c in zip(MONTHS, cells))
    s = tsdata.load_csv(_write(tmp_path / "ratio.csv", text))
    assert s.column == "ratio" and s.time_column == "date"
    assert s.values.tolist() == [float(c) for c in cells]


def test_times_read_in_utc_are_written_back_marked_utc(tmp_path):
    """JFK's hourly `2013-04-01T03:00:00Z`: the forecast's times came out `2013-04-01T04:00:00`,
    which pandas would not compare with the file's (tz-naive against tz-aware)."""
    import pandas as pd

    stamps = pd.date_range("2013-01-01T06:00:00", periods=200, freq="h")
    f = _write(tmp_path / "jfk.csv", "time_hour,temp\n" + "".join(
        f"{s:%Y-%m-%dT%H:%M:%S}Z,{40 + 5 * np.sin(k / 4):.2f}\n" for k, s in enumerate(stamps)))
    series = tsdata.load_csv(f)
    after = tsfreq.label(series.timestamps[-1] + pd.Timedelta(hours=1), series.frequency)
    assert after == "2013-01-09T14:00:00Z" and pd.Timestamp(after).tz is not None
    plain = _write(tmp_path / "plain.csv", "time_hour,temp\n" + "".join(
        f"{s:%Y-%m-%dT%H:%M:%S},{k % 7}\n" for k, s in enumerate(stamps)))
    naive = tsdata.load_csv(plain)
    assert tsfreq.label(naive.timestamps[-1], naive.frequency) == "2013-01-09T13:00:00"  # no offsets: as before
    days = _write(tmp_path / "days.csv", "day,v\n" + "".join(f"{d:%Y-%m-%d}T00:00:00Z,{k % 5}\n" for k, d in enumerate(
        pd.date_range("2020-01-01", periods=60, freq="D"))))
    daily = tsdata.load_csv(days)  # daily data stays dates (a review: `2020-03-01T00:00:00Z`)
    assert tsfreq.label(daily.timestamps[-1], daily.frequency) == "2020-02-29"


def test_a_covariates_file_with_its_years_in_any_order_is_joined_by_year(tmp_path):
    """A review: the rule refusing years out of order refused a --covariates file too, which is
    joined by date in any order (its year column named unlike the run's time column)."""
    from datetime import datetime

    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries import covariates as tscov

    f = _write(tmp_path / "cov.csv", "Year,temp\n2023,23.5\n2024,24.5\n2025,25.5\n2021,21.5\n2022,22.5\n")
    cfg = TaskConfig(kind="timeseries", future_covariates=["temp"], time_column="year")
    got = tscov.read_future(f, cfg, 3, 3, [datetime(2021, 1, 1), datetime(2022, 1, 1), datetime(2023, 1, 1)], "year")
    assert list(got["temp"]) == [21.5, 22.5, 23.5]


@pytest.mark.parametrize("form", ["{y} W{w:02d}", "{y}-W{w:02d}"])
def test_iso_weeks_are_written_back_as_weeks(tmp_path, form):
    """An outside trial: `2004-W50` and `2004 W50` came back as `2004-12-13` (the right Monday)."""
    import pandas as pd

    mondays = pd.date_range("2003-01-06", periods=120, freq="7D")
    cells = [form.format(y=m.isocalendar()[0], w=m.isocalendar()[1]) for m in mondays]
    f = _write(tmp_path / "weeks.csv", "week,v\n" + "".join(f"{c},{10 + k % 52 * 0.2:.2f}\n" for k, c in enumerate(cells)))
    s = tsdata.load_csv(f)
    assert [tsfreq.label(t, s.frequency) for t in s.timestamps[:2]] == cells[:2]
    week53 = pd.Timestamp("2004-12-27")  # ISO week 53 of 2004
    assert tsfreq.label(week53, s.frequency) == form.format(y=2004, w=53)
