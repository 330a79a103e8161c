"""Reading real CSVs through pandas (issue 17 item 1): business days stay business days, quarters
continue as quarters, the time column is found without being named, future covariates are
joined to the forecast's dates (not taken by row order). Each test failed on the hand-written
reader this package replaced."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import card as tscard
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq
from rnnlab.tasks.timeseries.task import TimeSeriesTask
from tests.test_tsdata_realworld import MISSING_WEEKS, write_co2_weekly


def _business_days(n: int, start: date = date(2024, 1, 1)) -> list[date]:
    out, d = [], start  # 2024-01-01 is a Monday
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def test_business_day_csv_stays_mon_fri_and_its_future_skips_weekends(tmp_path):
    days = _business_days(60)
    path = tmp_path / "prices.csv"
    path.write_text("date,close\n" + "".join(f"{d},{100 + k % 7}\n" for k, d in enumerate(days)))
    s = tsdata.load_csv(path, time_column="date")
    # no invented weekends: 60 rows in, 60 rows out, none of them missing
    assert s.values.size == 60 and not np.isnan(s.values).any()
    assert s.frequency.name == "business daily" and s.frequency.season == 5 and s.frequency.gaps == 0
    future = tsfreq.future_stamps(s.timestamps[-1], s.frequency, 6)
    assert days[-1].weekday() == 4  # a Friday: the future starts on Monday
    assert [t.weekday() for t in future] == [0, 1, 2, 3, 4, 0]
    # a business day without a row is put back; the weekends still are not
    gappy = tmp_path / "gappy.csv"
    gappy.write_text("date,close\n" + "".join(f"{d},{k}\n" for k, d in enumerate(days) if k != 17))
    g = tsdata.load_csv(gappy, time_column="date")
    assert g.frequency.name == "business daily" and g.frequency.gaps == 1 and g.values.size == 60
    assert np.isnan(g.values[17]) and all(t.weekday() < 5 for t in g.timestamps)
    card = tscard.build(path)
    assert card["frequency"] == "business daily" and card["season"] == 5


def test_quarterly_2009q3_continues_as_2009q4(tmp_path):
    quarters = [f"{1990 + k // 4}Q{k % 4 + 1}" for k in range(80)]  # 1990Q1 .. 2009Q4
    path = tmp_path / "gdp.csv"
    path.write_text("quarter,gdp\n" + "".join(f"{q},{1000 + 3 * k + 20 * (k % 4)}\n" for k, q in enumerate(quarters[:79])))
    s = tsdata.load_csv(path, time_column="quarter")
    assert s.frequency.name == "quarterly" and s.frequency.season == 4
    assert tsfreq.label(s.timestamps[-1], s.frequency) == "2009Q3"
    nxt = tsfreq.future_stamps(s.timestamps[-1], s.frequency, 3)
    assert [tsfreq.label(t, s.frequency) for t in nxt] == ["2009Q4", "2010Q1", "2010Q2"]
    task = TimeSeriesTask(TaskConfig(kind="timeseries", source=str(path), time_column="quarter", window=8, horizon=4),
                          seed=0, batch_size=4)
    from rnnlab.tasks.timeseries.future import future_times

    assert [tsfreq.label(t, task.data.frequency) for t in future_times(task.data, 2)] == ["2009Q4", "2010Q1"]


def test_yearly_times_are_written_as_years(tmp_path):
    # a Year column's 1871 is read as 1871-01-01; the card's span and the forecast's times
    # write it back as 1871, as quarters stay 2009Q4 (a trial read `1971-01-01` off --future)
    path = tmp_path / "flow.csv"
    path.write_text("year,volume\n" + "".join(f"{1871 + k},{1000 + 37 * (k % 9)}\n" for k in range(60)))
    s = tsdata.load_csv(path)
    assert s.frequency.name == "yearly"
    assert tscard.summary_lines(tscard.build(path))[0].endswith("60 rows, 1871 .. 1930")
    task = TimeSeriesTask(TaskConfig(kind="timeseries", source=str(path), window=8, horizon=4), seed=0, batch_size=4)
    from rnnlab.tasks.timeseries.future import future_times

    assert [tsfreq.label(t, task.data.frequency) for t in future_times(task.data, 2)] == ["1931", "1932"]
    # year ends are not the year's first day: those stay dates
    ends = [tsfreq.label(datetime(1871 + k, 12, 31), s.frequency) for k in range(2)]
    assert ends == ["1871-12-31", "1872-12-31"]


def test_times_are_written_back_as_the_file_wrote_them(tmp_path):
    # a trial's housing starts dated 2001-10-01 came out as 2002Q1 (and joined back on nothing):
    # quarters written as dates stay dates, as do years written as dates; 1990Q1 stays a quarter
    n = 60
    body = [f"{1000 + 3 * k + 20 * (k % 4)}" for k in range(n)]
    qdates = tmp_path / "q.csv"
    qdates.write_text("date,v\n" + "".join(f"{1990 + k // 4}-{3 * (k % 4) + 1:02d}-01,{b}\n" for k, b in enumerate(body)))
    ydates = tmp_path / "y.csv"
    ydates.write_text("date,v\n" + "".join(f"{1900 + k}-01-01,{b}\n" for k, b in enumerate(body)))
    qtext = tmp_path / "qt.csv"
    qtext.write_text("quarter,v\n" + "".join(f"{1990 + k // 4}Q{k % 4 + 1},{b}\n" for k, b in enumerate(body)))
    from rnnlab.tasks.timeseries.future import future_times

    def first_future(path) -> str:
        task = TimeSeriesTask(TaskConfig(kind="timeseries", source=str(path), window=8, horizon=4), seed=0, batch_size=4)
        return tsfreq.label(future_times(task.data, 1)[0], task.data.frequency)

    assert first_future(qdates) == "2005-01-01" and first_future(ydates) == "1960-01-01" and first_future(qtext) == "2005Q1"
    assert tscard.summary_lines(tscard.build(qdates))[0].endswith("1990-01-01 .. 2004-10-01")
    assert tscard.build(qtext)["time_form"] == "quarter" and tscard.build(qdates)["time_form"] is None
    # years ten apart (a census) are years too
    census = tmp_path / "census.csv"
    census.write_text("year,pop\n" + "".join(f"{1600 + 10 * k},{b}\n" for k, b in enumerate(body[:40])))
    assert tscard.summary_lines(tscard.build(census))[0].endswith("40 rows, 1600 .. 1990")
    task = TimeSeriesTask(TaskConfig(kind="timeseries", source=str(census), window=8, horizon=4), seed=0, batch_size=4)
    assert [tsfreq.label(t, task.data.frequency) for t in future_times(task.data, 2)] == ["2000", "2010"]


def test_time_column_is_found_without_being_named(tmp_path):
    path = write_co2_weekly(tmp_path / "co2.csv")  # columns date;co2
    s = tsdata.load_csv(path)
    assert s.frequency.name == "weekly" and s.frequency.gaps == len(MISSING_WEEKS)
    assert s.time_column == "date" and s.column == "co2"
    card = tscard.build(path)
    assert card["frequency"] == "weekly" and card["season"] == 52 and card["rows_put_back"] == len(MISSING_WEEKS)
    assert card["time_column"] == "date"
    # years count too (the first column that parses as dates or years), whatever its name
    years = tmp_path / "years.csv"
    years.write_text("anno,value\n" + "".join(f"{1900 + k},{k % 11}\n" for k in range(60)))
    y = tsdata.load_csv(years)
    assert y.frequency.name == "yearly" and y.timestamps[0] == datetime(1900, 1, 1) and y.time_column == "anno"
    # and a file without one still reads as numbered rows
    plain = tmp_path / "plain.csv"
    plain.write_text("value\n" + "".join(f"{k % 5}\n" for k in range(40)))
    assert tsdata.load_csv(plain).timestamps is None


def test_future_covariates_are_joined_by_date_not_by_row_order(tmp_path):
    start = datetime(2024, 1, 1)
    rows = "".join(f"{(start + timedelta(days=i)).date()},{np.sin(i):.4f},{10 + i % 7}\n" for i in range(120))
    src = tmp_path / "sales.csv"
    src.write_text("date,price,sales\n" + rows)
    cfg = TaskConfig(kind="timeseries", source=str(src), column="sales", window=14, horizon=7, future_covariates=["price"])
    task = TimeSeriesTask(cfg, seed=0, batch_size=4)
    after = [(start + timedelta(days=120 + k)).date() for k in range(4)]
    given = tmp_path / "future.csv"
    # shuffled rows and one extra date: the values must land on their own dates
    given.write_text("date,price\n" + f"{after[2]},3\n{after[0]},1\n{after[3] + timedelta(days=5)},99\n{after[3]},4\n{after[1]},2\n")
    got = task.read_future_covariates(given, 4)
    np.testing.assert_array_equal(got["price"], [1.0, 2.0, 3.0, 4.0])
    missing = tmp_path / "missing.csv"
    missing.write_text("date,price\n" + f"{after[0]},1\n{after[1]},2\n{after[3]},4\n{after[3] + timedelta(days=1)},5\n")
    with pytest.raises(UserError, match=f"no row for {after[2]}"):
        task.read_future_covariates(missing, 4)


@pytest.mark.parametrize("cell, name", [
    (lambda k: f"{1960 + k // 12} {['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][k % 12]}", "monthly"),
    (lambda k: f"{['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][k % 12]} {1960 + k // 12}", "monthly"),
    (lambda k: f"{1960 + k // 12}M{k % 12 + 1:02d}", "monthly"),
    (lambda k: f"{1960 + k // 4} Q{k % 4 + 1}", "quarterly"),
    (lambda k: f"{1991 + (k + 5) // 52} W{(k + 5) % 52 + 1:02d}", "weekly"),
])
def test_tsibble_and_statistics_office_time_forms_are_found_and_keep_their_frequency(tmp_path, cell, name):
    """What R's tsibble writes (1960 Jan, 1981 Q1, 1991 W06) and statistics offices (1960M01):
    the time column is found without being named and the calendar follows it."""
    path = tmp_path / "series.csv"
    path.write_text("Month,Volume\n" + "".join(f"{cell(k)},{10 + k % 12 + 0.1 * k}\n" for k in range(96)))
    s = tsdata.load_csv(path)
    assert s.time_column == "Month" and s.frequency.name == name and s.frequency.gaps == 0
    assert s.values.size == 96 and not np.isnan(s.values).any()
    if name == "weekly":  # 1991 has 52 ISO weeks: W52 is followed by 1992 W01, a week later
        assert all((b - a).days == 7 for a, b in zip(s.timestamps, s.timestamps[1:]))
        assert s.timestamps[0] == datetime(1991, 2, 4)  # 1991 W06's Monday


def test_a_0_1_column_named_as_the_time_points_at_the_column_that_holds_the_times(tmp_path):
    """`-t law` (a seat-belt law's 0/1 column, an outside trial) was told to set
    task.id_column = 'month': the month column is the time, and the line now says so."""
    path = tmp_path / "deaths.csv"
    path.write_text("month,deaths,law\n" + "".join(f"{2000 + k // 12}-{k % 12 + 1:02d},{1500 + k % 12},{int(k >= 80)}\n"
                                                     for k in range(120)))
    with pytest.raises(UserError) as err:
        tsdata.load_csv(path, column="deaths", time_column="law")
    msg = str(err.value)
    assert "line 3" in msg and "-t month" in msg and "time_column = 'month'" in msg and "id_column" not in msg
    # the value column named as the time (`-t deaths`, an outside trial) quoted `'2015-01-01 00:00:00', not a number`
    two = tmp_path / "pr.csv"
    two.write_text("date,deaths\n" + "".join(f"2015-01-{d:02d},{80 + d}\n" for d in range(1, 29)))
    with pytest.raises(UserError) as err:
        tsdata.load_csv(two, time_column="deaths")
    assert "'date' holds the times: -t date" in str(err.value) and "00:00:00" not in str(err.value)
    # a real panel (the names repeat, no column of increasing times) keeps its id-column hint
    panel = tmp_path / "panel.csv"
    panel.write_text("month,store,sales\n" + "".join(f"2000-{k % 12 + 1:02d},{s},{k}\n" for s in "AB" for k in range(12)))
    with pytest.raises(UserError) as err:
        tsdata.load_csv(panel, column="sales", time_column="month")
    assert "task.id_column = 'store'" in str(err.value) and "-t " not in str(err.value)


def test_a_long_format_panel_read_as_one_series_names_the_id_column_to_set(tmp_path):
    path = tmp_path / "arrivals.csv"
    rows = [f"{1981 + k // 4} Q{k % 4 + 1},{origin},{1000 + 10 * k}\n" for origin in ("Japan", "UK") for k in range(40)]
    path.write_text("Quarter,Origin,Arrivals\n" + "".join(rows))
    with pytest.raises(UserError) as err:
        tsdata.load_csv(path)
    msg = str(err.value)
    assert "line 42" in msg and "task.id_column = 'Origin'" in msg and "--id-column Origin" in msg
    from rnnlab.tasks.timeseries import panel as tspanel

    got = tspanel.summary(tspanel.build(TaskConfig(kind="timeseries", source=str(path), id_column="Origin")))
    assert got["series"] == 2 and got["frequency"] == "quarterly" and got["season"] == 4
