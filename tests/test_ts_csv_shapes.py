"""CSV files as forecasters download them (FRED, Excel in the US and in Europe, statistics offices,
trading sites, sensors): each is read as the same series a clean `date,value` file gives, or is
refused with one line naming the fix. Each case failed before timecells.py and dialect.py."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq

MONTHS = pd.date_range("1949-01-01", periods=60, freq="MS")
VALUES = [100.0 + 3 * k + 10 * (k % 12 == 6) for k in range(60)]


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _rows(fmt, sep=",", values=VALUES, stamps=MONTHS):
    return "".join(f"{t.strftime(fmt)}{sep}{v:g}\n" for t, v in zip(stamps, values))


def _same_as_clean(s, n=60):
    assert s.frequency.name == "monthly" and s.values.size == n
    assert s.timestamps[0] == datetime(1949, 1, 1) and s.timestamps[-1] == MONTHS[n - 1].to_pydatetime()


def test_freds_dot_and_the_oecds_two_dots_are_missing_values(tmp_path):
    cells = [("." if k == 10 else ".." if k == 20 else f"{v:g}") for k, v in enumerate(VALUES)]
    path = _write(tmp_path / "UNRATE.csv", "observation_date,UNRATE\n" + "".join(
        f"{t:%Y-%m-%d},{c}\n" for t, c in zip(MONTHS, cells)))
    s = tsdata.load_csv(path)
    _same_as_clean(s)
    assert s.column == "UNRATE" and np.isnan(s.values[[10, 20]]).all() and np.isnan(s.values).sum() == 2


@pytest.mark.parametrize("fmt,sep", [("%m/%d/%Y", ","), ("%d/%m/%Y", ";"), ("%m/%d/%y", ",")])
def test_us_and_european_slash_dates_are_told_apart_by_the_whole_column(tmp_path, fmt, sep):
    # every day is the 1st, so each cell alone reads both ways: 02/01/1949 is 1 February
    monthly = tsdata.load_csv(_write(tmp_path / "m.csv", f"Date{sep}Passengers\n" + _rows(fmt, sep)))
    _same_as_clean(monthly)
    days = pd.date_range("2023-01-01", periods=40, freq="D")
    daily = tsdata.load_csv(_write(tmp_path / "d.csv", f"Date{sep}Sales\n" + _rows(fmt, sep, range(40), days)))
    assert daily.frequency.name == "daily" and daily.values.size == 40 and daily.timestamps[12] == datetime(2023, 1, 13)


def test_a_title_above_the_header_and_a_source_note_under_the_rows_are_not_read(tmp_path):
    text = '"Air passengers, monthly"\n"Source: Box & Jenkins"\n\ndate,value\n' + _rows("%Y-%m-%d") + "\nSource: Box & Jenkins (1976)\n"
    s = tsdata.load_csv(_write(tmp_path / "ons.csv", text))
    _same_as_clean(s)
    assert not np.isnan(s.values).any() and s.values[-1] == VALUES[-1]
    # a bad cell is still named by its line in the file
    bad = text.replace(f"1949-03-01,{VALUES[2]:g}", "1949-03-01,abc")
    with pytest.raises(UserError, match=r"ons\.csv, line 7: column 'value' has 'abc'"):
        tsdata.load_csv(_write(tmp_path / "ons.csv", bad))
    # a last row whose value is missing is a row, not a note: an empty row after the last value
    gap = tsdata.load_csv(_write(tmp_path / "gap.csv", "date,value\n" + _rows("%Y %b")[:-len(f"{VALUES[-1]:g}\n")] + "\n"))
    assert gap.values.size == 59 and gap.reading == ("1 empty rows after the last value left out: the series ends at its last value",)


def test_a_title_with_a_comma_in_it_is_still_a_title(tmp_path):
    # an outside trial: `US industrial production index (1985=100), not seasonally adjusted` split
    # into two cells like a header, and the file had no numeric column (`-c Index` then failed too)
    text = "US industrial production index (1985=100), not seasonally adjusted\nQuarter,Index\n" + "".join(
        f"Q{k % 4 + 1} {1960 + k // 4},{50 + k * 0.5 + 3 * (k % 4):.1f}\n" for k in range(40)) + "Source: AER\n"
    s = tsdata.load_csv(_write(tmp_path / "ip.csv", text))
    assert s.column == "Index" and s.values.size == 40 and s.frequency.name == "quarterly"
    assert "1 line above the header skipped (a title)" in s.reading[0]
    # the same title above a European `;` table with decimal commas (a review found it missed)
    semi = text.replace("Quarter,Index", "Quarter;Index").replace("Source: AER\n", "")
    semi = semi.split("\n", 2)[0] + "\n" + semi.split("\n", 2)[1] + "\n" + "".join(
        f"{ln.split(',')[0]};{ln.split(',')[1].replace('.', ',')}\n" for ln in semi.split("\n", 2)[2].splitlines())
    s = tsdata.load_csv(_write(tmp_path / "ip_eu.csv", semi))
    assert s.column == "Index" and s.values.size == 40 and s.values[1] == 53.5 and "(a title)" in s.reading[0]
    # a first data row whose value is missing is a row, not the header (and, missing, not the series: it starts at 1960-02)
    na = tsdata.load_csv(_write(tmp_path / "na.csv", "date,v\n1960-01-01,NA\n" + "".join(
        f"1960-{m:02d}-01,{m}\n" for m in range(2, 13)) + "".join(f"{y}-{m:02d}-01,{m}\n" for y in (1961, 1962) for m in range(1, 13))))
    assert na.column == "v" and na.values.size == 35 and na.values[0] == 2.0 and na.timestamps[0] == datetime(1960, 2, 1)
    assert na.reading == ("1 empty rows before the first value left out: the series starts at its first value",)


def test_rows_written_newest_first_are_read_oldest_first(tmp_path):
    lines = _rows("%Y-%m-%d").splitlines(True)
    s = tsdata.load_csv(_write(tmp_path / "desc.csv", "date,value\n" + "".join(reversed(lines))))
    _same_as_clean(s)
    assert s.values.tolist() == VALUES
    assert tsfreq.future_stamps(s.timestamps[-1], s.frequency, 1)[0] == datetime(1954, 1, 1)
    bad = list(reversed(lines))
    bad[3] = bad[3].split(",")[0] + ",abc\n"
    with pytest.raises(UserError, match=r"desc\.csv, line 5: column 'value' has 'abc'"):
        tsdata.load_csv(_write(tmp_path / "desc.csv", "date,value\n" + "".join(bad)))


def test_a_windows_code_page_file_is_read_and_a_workbook_is_refused(tmp_path):
    s = tsdata.load_csv(_write(tmp_path / "de.csv", "Datum;Umsatz (€) Ä\n" + _rows("%d.%m.%Y", ";"), encoding="cp1252"))
    _same_as_clean(s)
    assert s.column == "Umsatz (€) Ä"
    # Excel's "Unicode text": UTF-16 with its byte-order mark, tab-separated
    u = tsdata.load_csv(_write(tmp_path / "unicode.txt", "Datum\tUmsatz\n" + _rows("%d.%m.%Y", "\t"), encoding="utf-16"))
    _same_as_clean(u)
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    with pytest.raises(UserError, match=r"book\.xlsx: not a text file .*save it as CSV"):
        tsdata.load_csv(tmp_path / "book.xlsx")


@pytest.mark.parametrize("unit", [1, 1000])
def test_unix_seconds_or_milliseconds_in_a_time_column(tmp_path, unit):
    hours = pd.date_range("2024-03-01", periods=72, freq="h")
    path = _write(tmp_path / "sensor.csv", "timestamp,load\n" + "".join(
        f"{int(t.timestamp()) * unit},{k % 24}\n" for k, t in enumerate(hours)))
    s = tsdata.load_csv(path)
    assert s.column == "load" and s.frequency.name == "hourly" and s.timestamps[0] == datetime(2024, 3, 1)


@pytest.mark.parametrize("cell", ["Q{q} {y}", "Q{q}-{y}"])
def test_quarter_first(tmp_path, cell):
    text = "quarter,gdp\n" + "".join(f"{cell.format(q=k % 4 + 1, y=1990 + k // 4)},{k}\n" for k in range(40))
    s = tsdata.load_csv(_write(tmp_path / "q.csv", text))
    assert s.frequency.name == "quarterly" and s.timestamps[-1] == datetime(1999, 10, 1)
    # written back as the file wrote them (they came back as 2000Q1)
    nxt = tsfreq.future_stamps(s.timestamps[-1], s.frequency, 2)
    assert [tsfreq.label(t, s.frequency) for t in nxt] == [cell.format(q=1, y=2000), cell.format(q=2, y=2000)]


@pytest.mark.parametrize("cell", ["{y}-{n:02d}", "{y}/{n:02d}", "{y}-{m}", "FY{m}", "FY {y}/{n:02d}"])
def test_financial_years_as_statistics_offices_write_them_are_yearly(tmp_path, cell):
    # 2000-01 .. 2011-12 would read as ISO months (January 2000, February 2001, ...) before
    text = "Year,Revenue\n" + "".join(f"{cell.format(y=y, n=(y + 1) % 100, m=y + 1)},{100 + 2 * k}\n"
                                       for k, y in enumerate(range(1995, 2025)))
    s = tsdata.load_csv(_write(tmp_path / "fy.csv", text))
    first = 1996 if cell.startswith("FY{") else 1995
    assert s.frequency.name == "yearly" and s.values.size == 30 and s.frequency.gaps == 0
    assert s.timestamps[0] == datetime(first, 1, 1) and s.timestamps[-1] == datetime(first + 29, 1, 1)
    assert tsfreq.future_stamps(s.timestamps[-1], s.frequency, 1) == [datetime(first + 30, 1, 1)]
    assert "financial years (2019-20) read as yearly, each at the year written first" in s.reading
    # and the future's years are written as the file wrote its own (they came back as 2025-01-01)
    y = first + 30
    assert tsfreq.label(tsfreq.future_stamps(s.timestamps[-1], s.frequency, 1)[0], s.frequency) == cell.format(y=y, n=(y + 1) % 100, m=y + (first == 1995))
    # a year that does not follow the one before it is not a financial year
    months = tsdata.load_csv(_write(tmp_path / "m.csv", "month,v\n" + "".join(f"2000-{k:02d},{k}\n" for k in range(1, 13))))
    assert months.frequency.name == "monthly" and not months.reading


@pytest.mark.parametrize("fmt, freq", [("%Y %b", "MS"), ("%b %Y", "MS"), ("%Y-%m", "MS"), ("%m/%d/%Y", "MS"),
                                        ("%d.%m.%Y", "D"), ("%d/%m/%Y %H:%M", "h"), ("%-m/%-d/%Y", "D"), ("%Y-%m-%d", "MS")])
def test_dates_are_written_back_in_the_files_own_form(tmp_path, fmt, freq):
    # an outside trial's `2019 Sep` continued as 2019-10-01, `Jan 1950` as 2001-01-01, `1969-01` as
    # 1985-01-01: a forecast's times could not be pasted beside the file's own rows
    times = pd.date_range("2001-01-01", periods=60, freq=freq)
    text = "when,v\n" + "".join(f"{t.strftime(fmt)},{k % 7}\n" for k, t in enumerate(times))
    s = tsdata.load_csv(_write(tmp_path / "x.csv", text))
    nxt = tsfreq.future_stamps(s.timestamps[-1], s.frequency, 2)
    expect = [t.strftime(fmt) for t in pd.date_range(times[-1], periods=3, freq=freq)[1:]]
    if fmt == "%Y-%m-%d":  # ISO dates stay ISO dates, as before
        assert s.frequency.form == "" and [tsfreq.label(t, s.frequency) for t in nxt] == expect
        return
    assert s.frequency.form == "format:" + fmt
    assert [tsfreq.label(t, s.frequency) for t in nxt] == expect
    from rnnlab.tasks.timeseries import card as tscard

    card = tscard.build(tmp_path / "x.csv")
    assert card["time_form"] == "format" and card["time_pattern"] == fmt
    assert f"60 rows, {times[0].strftime(fmt)} .. {times[-1].strftime(fmt)}" in "\n".join(tscard.summary_lines(card))


def test_a_local_clock_or_a_form_that_changes_on_the_way_is_written_back_as_iso(tmp_path):
    # a review: New York wall-clock hours across the autumn change were read in standard time, and
    # the form of the (winter) first cells then wrote them an hour off in the file's own form
    hours = _local("America/New_York", "2023-01-02", 11000, "h")
    text = "time,load\n" + "".join(f"{t:%m/%d/%Y %H:%M},{k % 24}\n" for k, t in enumerate(hours))
    s = tsdata.load_csv(_write(tmp_path / "ny.csv", text))
    assert s.reading and s.frequency.form == ""
    # zero-padded first, not later (a spreadsheet's edits): the form writes neither back, so ISO
    days = pd.date_range("2020-01-01", periods=120, freq="D")
    cells = [t.strftime("%m/%d/%Y") for t in days[:60]] + [f"{t.month}/{t.day}/{t.year}" for t in days[60:]]
    mixed = tsdata.load_csv(_write(tmp_path / "mixed.csv", "day,v\n" + "".join(f"{c},{k % 7}\n" for k, c in enumerate(cells))))
    assert mixed.frequency.name == "daily" and mixed.values.size == 120 and mixed.frequency.form == ""


def test_one_impossible_date_is_named_not_a_time_axis_dropped(tmp_path):
    # an outside trial's `6/31/1973` on line 63 made `Date` no time column at all: `frequency none`,
    # no season, no dates, exit 0 and no word (only `-t Date` named the line)
    days = pd.date_range("1973-05-01", periods=153, freq="D")
    cells = [f"{t.month}/{t.day}/{t.year}" for t in days]
    cells[61] = "6/31/1973"
    path = _write(tmp_path / "ozone.csv", "Date,Ozone\n" + "".join(f"{c},{k % 40}\n" for k, c in enumerate(cells)))
    with pytest.raises(UserError, match=r"line 63: column 'Date' has '6/31/1973', not a date"):
        tsdata.load_csv(path)
    # a file without a time column still reads by rows
    plain = tsdata.load_csv(_write(tmp_path / "plain.csv", "label,v\n" + "".join(f"x{k},{k % 7}\n" for k in range(50))))
    assert plain.timestamps is None and plain.values.size == 50


def test_empty_rows_after_the_last_value_end_the_series_there(tmp_path):
    # an outside trial's wheat prices ended `1997,` (not yet reported): 1997 was filled with 1996's
    # value, taken as known, and `--future` began at 1998, so 1997 was never forecast
    text = "year,price,rain\n" + "".join(f"{1800 + i},{100 + i % 9},{i % 4}\n" for i in range(197)) + "1997,,2\n1998,,1\n"
    s = tsdata.load_csv(_write(tmp_path / "wheat.csv", text), column="price")
    assert s.values.size == 197 and s.timestamps[-1] == datetime(1996, 1, 1) and not np.isnan(s.values).any()
    assert tsfreq.label(tsfreq.future_stamps(s.timestamps[-1], s.frequency, 1)[0], s.frequency) == "1997"
    assert s.reading == ("2 empty rows after the last value left out: the series ends at its last value",)
    # a covariate column of the same file keeps to the series' rows
    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries import covariates as tscov

    cfg = TaskConfig(kind="timeseries", source=str(tmp_path / "wheat.csv"), column="price", covariates=["rain"])
    assert tscov.load(cfg, s)["rain"].size == 197



def test_empty_rows_before_the_first_value_are_not_the_series(tmp_path):
    # an outside trial's housing starts: `quarter,hs,hssa` with the seasonally adjusted `hssa` NA
    # for its first 24 quarters; the card said `missing 24 values, longest gap 24` and training
    # filled them with the first value: 24 invented rows
    rows = [f"{1960 + k // 4} Q{k % 4 + 1},{8 + k % 4 + 0.01 * k:.2f},{'NA' if k < 24 else f'{9 + 0.01 * k:.2f}'}\n"
            for k in range(168)] + ["2002 Q1,9.1,NA\n"]
    path = _write(tmp_path / "hstarts.csv", "quarter,hs,hssa\n" + "".join(rows))
    s = tsdata.load_csv(path, column="hssa")
    assert s.values.size == 144 and not np.isnan(s.values).any() and s.frequency.name == "quarterly"
    assert tsfreq.label(s.timestamps[0], s.frequency) == "1966 Q1" and s.frequency.gaps == 0
    assert s.reading == ("24 empty rows before the first value left out: the series starts at its first value",
                         "1 empty rows after the last value left out: the series ends at its last value")
    # the other column of the same file, as a covariate, keeps to the series' rows: 1966 Q1 .. 2001 Q4
    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries import covariates as tscov

    cfg = TaskConfig(kind="timeseries", source=str(path), column="hssa", covariates=["hs"])
    hs = tscov.load(cfg, s)["hs"]
    assert hs.size == 144 and hs[0] == pytest.approx(8 + 0 + 0.24) and hs[-1] == pytest.approx(8 + 3 + 1.67)
    # the other column alone is the whole file
    assert tsdata.load_csv(path, column="hs").values.size == 169

    # a file's own step numbers go on after its last row, not from the series' first (a review)
    from rnnlab.tasks.timeseries import timeforms

    steps = tsdata.load_csv(_write(tmp_path / "t.csv", "t,y\n" + "".join(
        f"{k},{'' if k <= 24 or k > 118 else 10 + k % 7}\n" for k in range(1, 121))))
    assert steps.values.size == 94 and [timeforms.step_number(steps.frequency.form, 94 + k) for k in range(2)] == [119, 120]


def test_what_the_title_and_time_column_rules_must_leave_alone(tmp_path):
    # a review of the two rules above: a first row whose value is a missing-value code became the
    # header (`[#N/A]`), and a weekday column named `day` made the file unreadable
    for code in ("#N/A", "..", "NA", "(120)", '"1,234.5"'):
        text = f"Date,Load\n2020-01-01,{code}\n" + "".join(f"2020-01-{d:02d},{100 + d}.5\n" for d in range(2, 32))
        s = tsdata.load_csv(_write(tmp_path / "x.csv", text))
        missing = code in ("#N/A", "..", "NA")  # a missing first value: the series starts at the next row
        assert s.column == "Load" and s.values.size == 31 - missing and bool(s.reading) == missing, code
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    for name, cells in (("day", days), ("time", ("morning", "evening")), ("month", ("Jan", "Feb", "Mar"))):
        s = tsdata.load_csv(_write(tmp_path / "w.csv", f"{name},v\n" + "".join(f"{cells[k % len(cells)]},{k}\n" for k in range(60))))
        assert s.timestamps is None and s.values.size == 60, name
    # a skipped day and an empty last row: a covariate of the same file keeps to the series' rows
    rows = [(t, k) for k, t in enumerate(pd.date_range("2020-01-01", periods=80, freq="D")) if t.day not in (11, 12)]
    text = "date,y,temp\n" + "".join(f"{t.date()},{100 + k % 7},{20 + k % 5}\n" for t, k in rows[:-1]) + f"{rows[-1][0].date()},,23\n"
    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries import covariates as tscov

    path = _write(tmp_path / "cov.csv", text)
    s = tsdata.load_csv(path, column="y")
    cfg = TaskConfig(kind="timeseries", source=str(path), column="y", covariates=["temp"])
    assert s.frequency.gaps == 6 and tscov.load(cfg, s)["temp"].size == s.values.size == 79


def test_dates_before_1678_are_one_line_not_a_traceback(tmp_path):
    text = "month,v\n" + "".join(f"{950 + k // 12:04d}-{k % 12 + 1:02d},{k % 5}\n" for k in range(60))
    with pytest.raises(UserError, match=r"dates before 1678 \(0950-01-01\).*years as numbers"):
        tsdata.load_csv(_write(tmp_path / "early.csv", text))


@pytest.mark.parametrize("fmt", ["%b-%y", "%d-%b-%Y"])
def test_excel_month_cells_and_two_digit_years_in_the_past(tmp_path, fmt):
    s = tsdata.load_csv(_write(tmp_path / "x.csv", "Month,Sales\n" + _rows(fmt)))
    _same_as_clean(s)  # Jan-49 is 1949, not 2049


def _local(tz, start, periods, freq):
    return [t.tz_localize(None) for t in pd.date_range(start, periods=periods, freq=freq, tz=tz)]


def test_local_clock_times_across_daylight_saving_are_read_in_standard_time(tmp_path):
    # a meter's hourly export in Berlin's clock: 02:00 skipped on 28 March, written twice on 31 October
    hours = _local("Europe/Berlin", "2021-03-01", 6577, "h")
    text = "time,load\n" + "".join(f"{t:%Y-%m-%d %H:%M},{k}\n" for k, t in enumerate(hours))
    s = tsdata.load_csv(_write(tmp_path / "load.csv", text))
    assert s.frequency.name == "hourly" and s.frequency.gaps == 0 and s.values.tolist() == list(range(6577))
    assert s.timestamps[0] == datetime(2021, 3, 1) and s.timestamps[-1] == datetime(2021, 11, 30)  # winter rows as written
    assert s.reading == ("local clock times: the summer rows moved back one hour (standard time)",)
    from rnnlab.cli.data import card_lines
    from rnnlab.tasks.timeseries import card as tscard

    monkey = pytest.MonkeyPatch()
    monkey.setenv("RNNLAB_LANG", "zh")
    try:
        read = card_lines(tscard.summary_lines(tscard.build(tmp_path / "load.csv")))[-1]
    finally:
        monkey.undo()
    assert read.startswith("读取") and "标准时间" in read and "summer" not in read, read
    # New York's clock every 15 minutes, from summer into winter (01:00-01:45 written twice)
    quarter = _local("America/New_York", "2021-11-05", 400, "15min")
    q = tsdata.load_csv(_write(tmp_path / "ny.csv", "time,load\n" + "".join(f"{t:%Y-%m-%d %H:%M},{k}\n" for k, t in enumerate(quarter))))
    assert q.frequency.name == "every 15 minutes" and q.values.size == 400 and q.frequency.gaps == 0
    # a time written twice in January is no clock change: one line, with the hint
    bad = hours[:24 * 20] + [hours[24 * 20 - 1]] + hours[24 * 20:24 * 30]
    text = "time,load\n" + "".join(f"{t:%Y-%m-%d %H:%M},{k}\n" for k, t in enumerate(bad))
    with pytest.raises(UserError, match=r"line 482: time 2021-03-20 23:00:00 .*daylight saving time ends\? write the times in UTC"):
        tsdata.load_csv(_write(tmp_path / "twice.csv", text))


def test_the_new_refusals_read_whole_in_chinese(tmp_path, monkeypatch):
    from rnnlab.tui.i18n_errors import translate

    monkeypatch.setenv("RNNLAB_LANG", "zh")
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04\x00")
    hours = [datetime(2021, 1, 5, h) for h in range(6)]
    hours.insert(3, hours[2])  # 02:00 twice in January: no clock change
    (tmp_path / "load.csv").write_text("time,load\n" + "".join(f"{t:%Y-%m-%d %H:%M},{k}\n" for k, t in enumerate(hours)))
    panel = "id,date,y\n" + "".join(f"{s},{d:%Y-%m-%d},{k}\n" for s in "ab" for k, d in enumerate(MONTHS[:10]))
    (tmp_path / "panel.csv").write_text(panel)
    (tmp_path / "dc.csv").write_text("date,load\n2024-01-01,1,5\n2024-02-01,2,5\n")
    for name in ("book.xlsx", "load.csv", "panel.csv", "dc.csv"):
        with pytest.raises(UserError) as err:
            tsdata.load_csv(tmp_path / name, column="load" if name in ("load.csv", "dc.csv") else None)
        zh = translate(str(err.value))
        assert [w for w in ("not ", "time order", "daylight", "expected", "several series", "comma") if w in zh] == [], zh
        assert ("\u6587\u672c" if name == "book.xlsx" else "\u884c") in zh, zh  # 文本 (text), 行 (line)


def _session_csv(path, freq, open_, close, days, skip_day=None):
    stamps = [t for d in days if d != skip_day for t in pd.date_range(f"{d} {open_}", f"{d} {close}", freq=freq)]
    path.write_text("DateTime,Calls\n" + "".join(f"{t:%Y-%m-%dT%H:%M:%SZ},{50 + t.hour + k % 3}\n" for k, t in enumerate(stamps)))
    return path, stamps


def test_a_call_centre_open_weekdays_0900_1700_is_read_in_its_sessions(tmp_path):
    days = [d.date() for d in pd.bdate_range("2024-03-04", periods=30)]  # Monday to Friday, six weeks
    path, stamps = _session_csv(tmp_path / "calls.csv", "5min", "09:00", "17:00", days, skip_day=days[7])
    s = tsdata.load_csv(path)
    # one row a slot of the session: no nights, no weekends; the holiday comes back as one missing session
    assert s.frequency.name == "every 5 minutes, 09:00-17:00 Mon-Fri"
    assert s.frequency.season == 97 and s.frequency.periods == (97.0, 485.0) and s.frequency.gaps == 97
    assert s.values.size == 30 * 97 and int(np.isnan(s.values).sum()) == 97
    assert all(t.weekday() < 5 and 9 <= t.hour <= 17 for t in s.timestamps)
    # the future opens on Monday at 09:00 after Friday's 17:00
    assert s.timestamps[-1] == datetime(2024, 4, 12, 17, 0)
    assert tsfreq.future_stamps(s.timestamps[-1], s.frequency, 3) == [datetime(2024, 4, 15, 9, 0), datetime(2024, 4, 15, 9, 5),
                                                                      datetime(2024, 4, 15, 9, 10)]
    assert tsfreq.step(datetime(2024, 4, 12, 16, 55), s.frequency, 2) == datetime(2024, 4, 15, 9, 0)


def test_a_shop_open_every_day_and_a_full_day_series_with_holes(tmp_path):
    days = [d.date() for d in pd.date_range("2024-03-01", periods=21)]
    shop, _ = _session_csv(tmp_path / "shop.csv", "h", "08:00", "20:00", days)
    s = tsdata.load_csv(shop)
    assert s.frequency.name == "hourly, 08:00-20:00" and s.frequency.season == 13 and s.frequency.periods == (13.0, 91.0)
    assert s.values.size == 21 * 13 and s.frequency.gaps == 0
    assert tsfreq.future_stamps(s.timestamps[-1], s.frequency, 1) == [datetime(2024, 3, 22, 8, 0)]
    # round the clock with a few rows lost: not a session
    full, stamps = _session_csv(tmp_path / "full.csv", "5min", "00:00", "23:55", days[:5])
    lines = full.read_text().splitlines(True)
    full.write_text("".join(lines[:100] + lines[103:]))
    f = tsdata.load_csv(full)
    assert f.frequency.name == "every 5 minutes" and f.frequency.gaps == 3 and f.frequency.season == 288


_US = pd.DatetimeIndex(["2003-05-26", "2003-07-04", "2003-09-01", "2003-10-13", "2003-11-11"])


@pytest.mark.parametrize("days, hours, card, started, started_zh", [
    ([d.date() for d in pd.bdate_range("2024-03-04", periods=30)][:7] + [d.date() for d in pd.bdate_range("2024-03-04", periods=30)][8:],
     ("09:00", "17:00"), "每 5 分钟, 09:00-17:00 周一至周五 (补回了 97 个缺失行)",
     "every 5 minutes, 09:00-17:00 Mon-Fri, 97 missing rows put back; season 97, periods [97, 485] (every 5 minutes, 09:00-17:00 Mon-Fri)",
     "; 每 5 分钟, 09:00-17:00 周一至周五, 补回了 97 个缺失行; 季节 97, 周期 [97, 485] (每 5 分钟, 09:00-17:00 周一至周五)"),
    # shut on US holidays (sessions.py, closures.py)
    ([d.date() for d in pd.bdate_range("2003-05-01", "2003-11-20").difference(_US)], ("07:00", "21:00"),
     "每 5 分钟, 07:00-21:00 周一至周五, US 假日休市",
     "every 5 minutes, 07:00-21:00 Mon-Fri, US holidays, 169 missing rows put back; season 169, periods [169, 845] "
     "(every 5 minutes, 07:00-21:00 Mon-Fri, US holidays)",
     "; 每 5 分钟, 07:00-21:00 周一至周五, US 假日休市, 补回了 169 个缺失行; 季节 169"),
])
def test_a_session_reads_in_chinese_in_the_card_and_the_started_line(tmp_path, monkeypatch, days, hours, card, started, started_zh):
    from rnnlab.cli.data import card_lines
    from rnnlab.tasks.timeseries import card as tscard
    from rnnlab.tui.i18n import run_message

    monkeypatch.setenv("RNNLAB_LANG", "zh")
    path, _ = _session_csv(tmp_path / "calls.csv", "5min", *hours, days)
    lines = card_lines(tscard.summary_lines(tscard.build(path)))
    assert card in lines[1], lines[1]
    got = run_message(f"timeseries: calls.csv; {started}")
    assert started_zh in got, got


def test_the_row_numbers_pandas_and_r_write_first_are_not_the_series(tmp_path):
    pandas_csv = ",date,value\n" + "".join(f"{k},{t:%Y-%m-%d},{v:g}\n" for k, (t, v) in enumerate(zip(MONTHS, VALUES)))
    r_csv = '"","date","value"\n' + "".join(f'"{k + 1}","{t:%Y-%m-%d}",{v:g}\n' for k, (t, v) in enumerate(zip(MONTHS, VALUES)))
    for name, text in (("df.csv", pandas_csv), ("r.csv", r_csv)):
        s = tsdata.load_csv(_write(tmp_path / name, text))
        _same_as_clean(s)
        assert s.column == "value" and s.values.tolist() == VALUES
    # two real measurements still ask which one
    with pytest.raises(UserError, match="2 numeric columns"):
        tsdata.load_csv(_write(tmp_path / "two.csv", "date,a,b\n" + "".join(f"{t:%Y-%m-%d},{v:g},{v * 2:g}\n" for t, v in zip(MONTHS, VALUES))))


def test_rows_ending_in_a_delimiter_under_a_header_that_does_not(tmp_path):
    # Excel's and some loggers' habit: `1949-01-01,112,` under `date,value`; the header is not a title
    s = tsdata.load_csv(_write(tmp_path / "t.csv", "date,value\n" + _rows("%Y-%m-%d").replace("\n", ",\n")))
    _same_as_clean(s)
    assert s.column == "value" and s.values.tolist() == VALUES


def test_covariates_of_a_newest_first_file_stay_on_their_rows(tmp_path):
    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries import covariates as tscov

    # the covariate is the target's own value: any misalignment shows
    rows = [f"{t:%Y-%m-%d},{v:g},{v:g}\n" for t, v in zip(MONTHS, VALUES)]
    path = _write(tmp_path / "desc.csv", "date,sales,promo\n" + "".join(reversed(rows)))
    series, cov = tscov.load_series(TaskConfig(kind="timeseries", source=str(path), column="sales", covariates=["promo"]))
    assert series.values.tolist() == VALUES and cov["promo"].tolist() == VALUES


def test_excel_day_serials_under_a_date_header(tmp_path):
    days = pd.date_range("2020-01-01", periods=60, freq="D")
    text = "Date,Sales\n" + "".join(f"{(t - pd.Timestamp('1899-12-30')).days},{k % 7}\n" for k, t in enumerate(days))
    s = tsdata.load_csv(_write(tmp_path / "x.csv", text))
    assert s.column == "Sales" and s.frequency.name == "daily" and s.timestamps[0] == datetime(2020, 1, 1)
    # a step number under another name stays a step number
    steps = tsdata.load_csv(_write(tmp_path / "t.csv", "t,y\n" + "".join(f"{20000 + k},{k % 7}\n" for k in range(60))))
    assert steps.timestamps is None and steps.time_column == "t"


def test_the_reviews_cases(tmp_path):
    """A second reader's probes of the cases above: each was misread, refused or crashed."""
    # a date's digits (DWD's hourly MESS_DATUM) are dates, not Unix seconds, under any name
    hours = pd.date_range("2024-01-31", periods=40, freq="h")
    s = tsdata.load_csv(_write(tmp_path / "dwd.csv", "MESS_DATUM,TT_TU\n" + "".join(f"{t:%Y%m%d%H},{k % 9}\n" for k, t in enumerate(hours))),
                        time_column="MESS_DATUM", column="TT_TU")
    assert s.frequency.name == "hourly" and s.values.size == 40 and s.timestamps[0] == datetime(2024, 1, 31)
    # two-digit years on both sides of strptime's 1969 pivot: one century for the column
    months = pd.date_range("1940-01-01", "1960-12-01", freq="MS")
    old = tsdata.load_csv(_write(tmp_path / "y.csv", "month,value\n" + "".join(f"{t:%b-%y},{k}\n" for k, t in enumerate(months))))
    assert old.timestamps[0] == datetime(1940, 1, 1) and old.timestamps[-1] == datetime(1960, 12, 1)
    # twelve US dates that are also European ones: month-first on a tie (the 1st to the 12th of January)
    us = tsdata.load_csv(_write(tmp_path / "us.csv", "date,value\n" + "".join(f"01/{d:02d}/2024,{d}\n" for d in range(1, 13))))
    assert us.timestamps[-1] == datetime(2024, 1, 12)
    # a decimal comma in a comma file is refused, not cut to its whole part
    with pytest.raises(UserError, match=r"line 2: 3 fields but the header has 2; a decimal comma"):
        tsdata.load_csv(_write(tmp_path / "dc.csv", "date,value\n" + _rows("%Y-%m-%d").replace(".", ",").replace("\n", ",5\n")))
    # Excel's title row (`Monthly sales,`) above the header, and a note with a comma in it under the rows
    s = tsdata.load_csv(_write(tmp_path / "xl.csv", "Monthly sales,\n,\ndate,value\n" + _rows("%Y-%m-%d") + "Source: ABS, table 5,\n"))
    _same_as_clean(s)
    # a newest-first file with one time twice names it after reading it oldest first
    rows = list(reversed(_rows("%Y-%m-%d").splitlines(True)))
    with pytest.raises(UserError, match=r"line 3: time 1953-11-01 .* is not after"):
        tsdata.load_csv(_write(tmp_path / "d.csv", "date,value\n" + "".join(rows[:2] + [rows[1]] + rows[2:])))


def test_bytes_past_the_sniffed_megabyte_and_line_numbers_there(tmp_path):
    hours = pd.date_range("2000-01-01", periods=60_000, freq="h")
    body = "".join(f"{t:%Y-%m-%d %H:%M},{k % 97}.5\n" for k, t in enumerate(hours))
    path = tmp_path / "big.csv"
    path.write_bytes(("date,value\n" + body).encode() + "Quelle: Statistisches Bundesamt, \u00a9 caf\u00e9\n".encode("cp1252"))
    s = tsdata.load_csv(path)
    assert s.values.size == 60_000 and s.frequency.name == "hourly"
    lines = ("Title\n\ndate,value\n" + body).splitlines(True)
    lines[50_003] = lines[50_003].rstrip("\n") + ",7\n"  # file line 50,004
    path.write_text("".join(lines))
    with pytest.raises(UserError, match=r"big\.csv, line 50004: 3 fields but the header has 2"):
        tsdata.load_csv(path)


def test_a_weekday_session_with_the_odd_saturday_keeps_it_and_invents_no_weekends(tmp_path):
    days = [d.date() for d in pd.bdate_range("2024-03-04", periods=25)] + [pd.Timestamp("2024-03-16").date()]
    path, stamps = _session_csv(tmp_path / "calls.csv", "5min", "07:00", "21:00", sorted(days))
    s = tsdata.load_csv(path)
    assert s.frequency.name == "every 5 minutes, 07:00-21:00 Mon-Fri" and s.frequency.gaps == 0
    assert s.values.size == len(stamps) == 26 * 169 and not np.isnan(s.values).any()
    assert tsfreq.future_stamps(s.timestamps[-1], s.frequency, 1) == [datetime(2024, 4, 8, 7, 0)]


def test_the_card_says_what_the_reader_did_beyond_a_plain_file(tmp_path, monkeypatch):
    from rnnlab.cli.data import card_lines
    from rnnlab.tasks.timeseries import card as tscard

    text = "Fluggäste (Anzahl)\n\ndate;value\n" + "".join(reversed(_rows("%Y-%m-%d", ";").splitlines(True))) + "Source: Box & Jenkins\n"
    card = tscard.build(_write(tmp_path / "x.csv", text, encoding="cp1252"))
    assert card["reading"] == ["2 lines above the header skipped (a title)", "1 note row under the data skipped",
                               "rows newest first, read oldest first", "read as cp1252"]
    lines = tscard.summary_lines(card)
    assert lines[-1] == "read          " + "; ".join(card["reading"])
    assert tscard.build(_write(tmp_path / "plain.csv", "date,value\n" + _rows("%Y-%m-%d")))["reading"] == []
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    zh = card_lines(lines)[-1]
    assert zh.startswith("读取") and "skipped" not in zh and "newest" not in zh and "read as" not in zh, zh


def test_business_days_with_the_odd_make_up_saturday_keep_it_and_invent_no_weekends(tmp_path):
    # China's holiday calendar moves working days onto weekends (2022-01-29, 2022-04-24, ...):
    # the file was read daily with every weekend put back (27 % of its rows invented, season 7)
    days = pd.bdate_range("2022-01-03", periods=500)
    holidays, make_up = days[[30, 31, 32, 200, 201]], pd.DatetimeIndex(["2022-01-29", "2022-04-24", "2022-10-08", "2023-01-28"])
    stamps = days.difference(holidays).union(make_up)
    rows = "".join(f"{t:%Y-%m-%d},{100 + k % 9}\n" for k, t in enumerate(stamps))
    s = tsdata.load_csv(_write(tmp_path / "cn.csv", "date,close\n" + rows))
    assert s.frequency.name == "business daily" and s.frequency.season == 5 and s.frequency.gaps == 5
    assert s.values.size == 504 and int(np.isnan(s.values).sum()) == 5
    got = pd.Series(s.values, index=pd.DatetimeIndex(s.timestamps))
    assert got.index.day_of_week.isin([5, 6]).sum() == 4 and not np.isnan(got[make_up]).any()
    assert np.isnan(got[holidays]).all()
    assert tsfreq.future_stamps(datetime(2022, 1, 29), s.frequency, 2) == [datetime(2022, 1, 31), datetime(2022, 2, 1)]
    # a shop open Monday to Saturday (one day in six) is a daily series with its Sundays missing
    shop = pd.date_range("2023-01-02", periods=140, freq="D")
    shop = shop[shop.day_of_week != 6]
    daily = tsdata.load_csv(_write(tmp_path / "shop.csv", "date,sales\n" + "".join(f"{t:%Y-%m-%d},{k}\n" for k, t in enumerate(shop))))
    assert daily.frequency.name == "daily" and daily.frequency.gaps == 19


@pytest.mark.parametrize("mask,name", [("Sun Mon Tue Wed Thu", "business daily, Sun-Thu"), ("Sat Sun Mon Tue Wed", "business daily, Sat-Wed")])
def test_a_working_week_of_another_calendar_is_business_days_not_daily(tmp_path, monkeypatch, mask, name):
    # Saudi Arabia's or Egypt's working week: read daily before, every Friday and Saturday invented
    days = pd.bdate_range("2023-01-01", periods=300, freq="C", weekmask=mask)
    stamps = days.delete([40, 41])
    s = tsdata.load_csv(_write(tmp_path / "w.csv", "date,sales\n" + "".join(f"{t:%Y-%m-%d},{k % 7}\n" for k, t in enumerate(stamps))))
    assert s.frequency.name == name and s.frequency.season == 5 and s.frequency.gaps == 2 and s.values.size == 300
    assert list(pd.DatetimeIndex(s.timestamps)) == list(days)
    after = tsfreq.future_stamps(s.timestamps[-1], s.frequency, 7)
    assert pd.DatetimeIndex(after).isin(pd.bdate_range(days[-1], periods=8, freq="C", weekmask=mask)[1:]).all()
    assert s.frequency.to_dict()["weekmask"] == mask and tsfreq.infer(s.timestamps).offset == "C"
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    from rnnlab.cli.data import card_lines
    from rnnlab.tasks.timeseries import card as tscard

    line = next(ln for ln in card_lines(tscard.summary_lines(tscard.build(tmp_path / "w.csv"))) if ln.startswith("频率"))
    assert "工作日, 周" in line and "Sun" not in line and "Sat" not in line, line


def test_years_a_whole_number_of_years_apart_keep_their_calendar(tmp_path):
    # the Olympics' 400 m (1896 .. 2016, none in 1916, 1940, 1944) and a decennial census read as
    # `frequency none` before, and their future was a row number (31, 32 ...) instead of 2020, 2024
    years = [1896, 1900, 1904, 1908, 1912, *range(1920, 1937, 4), *range(1948, 2017, 4)]
    olympic = tsdata.load_csv(_write(tmp_path / "o.csv", "Year,seconds\n" + "".join(f"{y},{54 - 0.1 * k:.2f}\n" for k, y in enumerate(years))))
    assert olympic.frequency.name == "every 4 years" and olympic.frequency.gaps == 3 and olympic.values.size == 31
    assert olympic.timestamps[5] == datetime(1916, 1, 1) and np.isnan(olympic.values[5])
    assert tsfreq.future_stamps(olympic.timestamps[-1], olympic.frequency, 2) == [datetime(2020, 1, 1), datetime(2024, 1, 1)]
    census = tsdata.load_csv(_write(tmp_path / "c.csv", "year,pop\n" + "".join(f"{1790 + 10 * k},{3.9 * 1.3 ** k:.1f}\n" for k in range(23))))
    assert census.frequency.name == "every 10 years" and census.frequency.gaps == 0
    # ... and under the name a census office gives the column (it was a second numeric column before)
    named = tsdata.load_csv(_write(tmp_path / "c2.csv", "census,pop\n" + "".join(f"{1790 + 10 * k},{3.9 * 1.3 ** k:.1f}\n" for k in range(23))))
    assert named.column == "pop" and named.time_column == "census" and named.frequency.name == "every 10 years"
    # a measurement that happens to climb by whole tens is not taken for years when a time column is there
    counts = tsdata.load_csv(_write(tmp_path / "n.csv", "date,total\n" + "".join(f"2024-01-{d:02d},{1000 + 10 * d}\n" for d in range(1, 29))))
    assert counts.column == "total" and counts.time_column == "date" and counts.frequency.name == "daily"


def test_trading_days_close_on_their_exchanges_holidays_and_a_firm_on_its_countrys(tmp_path):
    # a stock's closes (yfinance, CRSP): NYSE's holidays were put back as missing rows, filled,
    # and the future ran through New Year's Day and Martin Luther King Day
    days = pd.bdate_range("2015-01-02", "2019-12-31")
    shut = pd.DatetimeIndex(["2015-01-19", "2015-04-03", "2015-05-25", "2015-07-03", "2015-09-07", "2015-11-26", "2015-12-25",
                             "2016-01-01", "2016-01-18", "2016-02-15", "2016-03-25", "2016-05-30", "2016-07-04", "2016-09-05",
                             "2016-11-24", "2016-12-26", "2017-01-02", "2017-01-16", "2017-02-20", "2017-04-14", "2017-05-29",
                             "2017-07-04", "2017-09-04", "2017-11-23", "2017-12-25", "2018-01-01", "2018-01-15", "2018-02-19",
                             "2018-03-30", "2018-05-28", "2018-07-04", "2018-09-03", "2018-11-22", "2018-12-05", "2018-12-25",
                             "2019-01-01", "2019-01-21", "2019-02-18", "2019-04-19", "2019-05-27", "2019-07-04", "2019-09-02",
                             "2019-11-28", "2019-12-25", "2015-02-16"])
    lost = days[[100, 700]]  # two days the file lacks that are no holiday
    stamps = days.difference(shut).difference(lost)
    s = tsdata.load_csv(_write(tmp_path / "spy.csv", "Date,Close\n" + "".join(f"{t:%Y-%m-%d},{100 + k % 11}\n" for k, t in enumerate(stamps))))
    assert s.frequency.name == "business daily, NYSE holidays" and s.frequency.gaps == 2 and s.frequency.season == 5
    got = pd.DatetimeIndex(s.timestamps)
    assert not got.isin(shut).any() and lost.isin(got).all() and np.isnan(s.values[got.isin(lost)]).all()
    assert s.frequency.to_dict()["closed_on"] == "NYSE holidays"
    assert tsfreq.future_stamps(s.timestamps[-1], s.frequency, 3) == [datetime(2020, 1, 2), datetime(2020, 1, 3), datetime(2020, 1, 6)]
    assert datetime(2020, 1, 20) not in tsfreq.future_stamps(s.timestamps[-1], s.frequency, 15)  # MLK day
    # a German firm's working days: closed on Ascension, Whit Monday and 3 October too, which the
    # ECB's calendar lacks, and open on 24 and 31 December, when Xetra is shut
    de = pd.DatetimeIndex(["2021-01-01", "2021-04-02", "2021-04-05", "2021-05-13", "2021-05-24", "2021-10-03",
                           "2022-04-15", "2022-04-18", "2022-05-26", "2022-06-06", "2022-10-03", "2022-12-26"])
    firm = pd.bdate_range("2021-01-04", "2022-12-30").difference(de)
    f = tsdata.load_csv(_write(tmp_path / "de.csv", "Datum;Umsatz\n" + "".join(f"{t:%d.%m.%Y};{k % 5}\n" for k, t in enumerate(firm))))
    assert f.frequency.name == "business daily, DE holidays" and f.frequency.gaps == 0
    # a file missing a few days that no calendar explains keeps plain business days
    plain = tsdata.load_csv(_write(tmp_path / "p.csv", "date,v\n" + "".join(
        f"{t:%Y-%m-%d},{k}\n" for k, t in enumerate(days[:300].delete([10, 50, 90, 130])))))
    assert plain.frequency.name == "business daily" and plain.frequency.gaps == 4


def test_the_closed_days_read_in_chinese(tmp_path, monkeypatch):
    from rnnlab.cli.data import card_lines
    from rnnlab.tasks.timeseries import card as tscard
    from rnnlab.tui.i18n import run_message

    days = pd.bdate_range("2021-01-04", "2022-12-30").difference(pd.DatetimeIndex(
        ["2021-04-02", "2021-04-05", "2021-05-13", "2021-05-24", "2022-04-15", "2022-04-18", "2022-05-26", "2022-06-06",
         "2022-10-03", "2022-12-26"]))
    path = _write(tmp_path / "de.csv", "date,v\n" + "".join(f"{t:%Y-%m-%d},{k % 5}\n" for k, t in enumerate(days)))
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    line = next(ln for ln in card_lines(tscard.summary_lines(tscard.build(path))) if ln.startswith("频率"))
    assert line.split(None, 1)[1] == "工作日, DE 假日休市", line
    assert run_message("; business daily, DE holidays; season 5, periods [5, 261] (business daily, DE holidays)") == (
        "; 工作日, DE 假日休市; 季节 5, 周期 [5, 261] (工作日, DE 假日休市)")


def test_the_second_readers_cases_of_this_sessions_reader(tmp_path, monkeypatch):
    import warnings

    from rnnlab.cli.data import card_lines
    from rnnlab.tasks.timeseries import card as tscard

    # 2003-04 .. 2010-11: pandas took them for ISO months while reading (every 396 days)
    fy = tsdata.load_csv(_write(tmp_path / "fy.csv", "year,revenue\n" + "".join(f"{y}-{(y + 1) % 100:02d},{y - 1990}\n" for y in range(2003, 2011))))
    assert fy.frequency.name == "yearly" and fy.timestamps[0] == datetime(2003, 1, 1) and fy.reading
    # a monthly column that matches the pattern is no financial year, and says nothing of one
    months = tsdata.load_csv(_write(tmp_path / "m.csv", "month,y\n" + "".join(f"2019/{m:02d},{m}\n" for m in range(1, 13))))
    assert months.frequency.name == "monthly" and not months.reading
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    line = next(ln for ln in card_lines(tscard.summary_lines(tscard.build(tmp_path / "fy.csv"))) if ln.startswith("读取"))
    assert line.split(None, 1)[1] == "财年 (2019-20) 按年读取, 每个记在所写的第一个年份", line
    monkeypatch.delenv("RNNLAB_LANG")
    # years newest first, years with a gap of two steps, and a step counter that is no year
    newest = tsdata.load_csv(_write(tmp_path / "n.csv", "year,medals\n" + "".join(f"{y},{y % 7}\n" for y in range(2020, 1959, -4))))
    assert newest.frequency.name == "every 4 years" and newest.timestamps[0] == datetime(1960, 1, 1)
    uneven = tsdata.load_csv(_write(tmp_path / "u.csv", "Year,v\n" + "".join(f"{y},{y % 5}\n" for y in (2000, 2004, 2012, 2020, 2028))))
    assert uneven.frequency.name == "every 4 years" and uneven.frequency.gaps == 3
    steps = tsdata.load_csv(_write(tmp_path / "t.csv", "t,v\n" + "".join(f"{1000 + 10 * k},{k % 3}\n" for k in range(150))))
    assert steps.timestamps is None and steps.frequency.name in ("none", "no time column")
    # NYSE's days with 5 % of the others missing at random: the holidays still stand out; the
    # holidays package's "available only from 2001" is not printed
    rng = np.random.default_rng(0)
    days = pd.bdate_range("1995-01-03", "2004-12-31")
    from rnnlab.tasks.timeseries import closures

    shut = pd.DatetimeIndex(sorted(closures._calendar("market", "NYSE", 1995, 2004)))
    open_days = days.difference(shut)
    kept = open_days[rng.random(open_days.size) > 0.05]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        s = tsdata.load_csv(_write(tmp_path / "ibm.csv", "date,close\n" + "".join(f"{t:%Y-%m-%d},{k % 13}\n" for k, t in enumerate(kept))))
    assert s.frequency.name == "business daily, NYSE holidays" and s.frequency.gaps == open_days.size - kept.size
    assert not [w for w in seen if "holidays" in str(w.filename)], [str(w.message) for w in seen]


def test_mstl_keeps_a_longer_period_only_when_it_fits_more_than_twice():
    y = 100 + 10 * np.sin(2 * np.pi * np.arange(400) / 24) + np.arange(400) * 0.01
    from rnnlab.tasks.timeseries import members as tsmembers

    # 336 rows is exactly two weeks of hours: statsmodels' MSTL drops a period of n/2 (an IndexError before)
    assert [c.size for c in tsmembers.MSTLMember.fit(y[:336], 24, (24.0, 168.0)).cycles] == [24]
    assert [c.size for c in tsmembers.MSTLMember.fit(y[:337], 24, (24.0, 168.0)).cycles] == [24, 168]
    assert "mstl" in [m.name for m in tsmembers.fit_members(y[:336], 24, (24.0, 168.0))]


def test_a_price_file_with_several_columns_names_close_as_the_example(tmp_path):
    rows = "".join(f"2024-01-{d:02d},{100 + d},{101 + d},{99 + d},{100.5 + d},{1000 * d}\n" for d in range(2, 31) if datetime(2024, 1, d).weekday() < 5)
    path = _write(tmp_path / "px.csv", "Date,Open,High,Low,Close,Volume\n" + rows)
    with pytest.raises(UserError) as err:
        tsdata.load_csv(path)
    assert "(rnnlab data -c Close, rnnlab train --set task.column=Close); the others can be its inputs: " \
           "task.covariates = ['Open', 'High', 'Low', 'Volume']" in str(err.value)
    assert tsdata.load_csv(path, column="Close").values[0] == 102.5


def test_a_call_centre_shut_on_us_holidays_is_read_in_sessions_that_skip_them(tmp_path):
    # fpp3's bank_calls: 5-minute counts 07:00-21:00 on weekdays, none on US public holidays; the
    # session grid put those days back as missing sessions, filled and trained on, and the future
    # opened on the next holiday
    # open on Veterans Day (11-11) and Good Friday (04-18, when NYSE is shut): one open holiday
    # beside four shut ones is still the calendar, and that day's rows stay rows
    shut = pd.DatetimeIndex(["2003-05-26", "2003-07-04", "2003-09-01", "2003-10-13", "2003-11-27"])
    days = [d.date() for d in pd.bdate_range("2003-04-01", "2003-11-26").difference(shut)]
    lost = days[40]  # one weekday the file lacks that is no holiday
    path, stamps = _session_csv(tmp_path / "calls.csv", "5min", "07:00", "21:00", days, skip_day=lost)
    s = tsdata.load_csv(path)
    assert s.frequency.name == "every 5 minutes, 07:00-21:00 Mon-Fri, US holidays", s.frequency.name
    assert s.frequency.gaps == 169 and s.frequency.season == 169
    assert s.frequency.to_dict()["session"]["closed_on"] == "US holidays"
    got = pd.DatetimeIndex(s.timestamps).normalize()
    assert not got.isin(shut).any() and got.isin([pd.Timestamp(lost)]).sum() == 169
    assert got.isin([pd.Timestamp("2003-11-11")]).sum() == 169 and s.values.size == len(stamps) + 169
    # Wednesday 26 November's close, then Thanksgiving shut: the future opens on Friday 28th
    assert tsfreq.future_stamps(s.timestamps[-1], s.frequency, 2) == [datetime(2003, 11, 28, 7, 0), datetime(2003, 11, 28, 7, 5)]
    # a file ending at noon on a holiday it was open on continues that afternoon, not the next morning
    assert tsfreq.future_stamps(datetime(2003, 11, 11, 12, 0), s.frequency, 1) == [datetime(2003, 11, 11, 12, 5)]
    # ... and one whose last day is a Saturday it had rows on puts back no session for it (one was counted twice)
    sat = [d.date() for d in pd.bdate_range("2003-06-02", "2003-06-27")] + [pd.Timestamp("2003-06-28").date()]
    got = tsdata.load_csv(_session_csv(tmp_path / "sat.csv", "5min", "07:00", "21:00", sat)[0])
    assert got.frequency.gaps == 0 and got.values.size == len(sat) * 169


def test_years_before_1000_in_a_year_column_are_years_and_a_period_counter_is_not(tmp_path):
    # a tree-ring or a chronicle's series (600 .. 1979) read as `frequency none` and its future as
    # row numbers; a `period` column counting 1 .. 1500 stays a step number
    ring = tsdata.load_csv(_write(tmp_path / "ring.csv", "Year,width\n" + "".join(f"{y},{1 + (y % 7) / 10}\n" for y in range(600, 1980))))
    assert ring.frequency.name == "yearly" and ring.time_column == "Year" and ring.timestamps[0] == datetime(600, 1, 1)
    assert tsfreq.future_stamps(ring.timestamps[-1], ring.frequency, 2) == [datetime(1980, 1, 1), datetime(1981, 1, 1)]
    steps = tsdata.load_csv(_write(tmp_path / "steps.csv", "period,y\n" + "".join(f"{k},{k % 9}\n" for k in range(1, 1501))))
    assert steps.frequency.name == "none" and steps.timestamps is None


def test_years_before_year_1_are_steps_and_the_card_says_why(tmp_path):
    # R's treering runs -6000 .. 1979: no calendar date holds year -6000, so the series is read
    # as steps; before, the card said `frequency none` and nothing about the years it ignored
    path = _write(tmp_path / "treering.csv", "year,width\n" + "".join(f"{y},{1 + (y % 11) / 10}\n" for y in range(-600, 1980)))
    s = tsdata.load_csv(path)
    assert s.frequency.name == "none" and s.timestamps is None and s.values.size == 2580
    assert s.reading == ("years before year 1 in 'year' (-600 .. 1979) read as steps, without dates "
                               "(no calendar holds them); --future counts steps after the last row",)
    # a step counter from 0 is not years, whatever it reaches
    steps = tsdata.load_csv(_write(tmp_path / "t.csv", "t,y\n" + "".join(f"{k},{k % 9}\n" for k in range(0, 1500))))
    assert steps.reading == ()


def test_a_spreadsheets_totals_row_is_not_a_time_step(tmp_path, monkeypatch):
    # an Excel export of daily counts ends `Total,336776`: the time column read as text, the file
    # as 366 rows with no time column, the total trained on as a value and the future as row numbers
    days = pd.date_range("2013-01-01", periods=120, freq="D")
    body = "".join(f"{t:%d/%m/%Y %H:%M},{900 + k % 7 * 10}\n" for k, t in enumerate(days))
    s = tsdata.load_csv(_write(tmp_path / "f.csv", "Date,Flights\n" + body + "Total,112000\nAverage,933.3\n"))
    assert s.frequency.name == "daily" and s.values.size == 120 and s.values.max() < 1000
    assert s.reading == ("2 total rows under the data skipped",)
    from rnnlab.cli.data import card_lines
    from rnnlab.tasks.timeseries import card as tscard

    monkeypatch.setenv("RNNLAB_LANG", "zh")
    assert any(ln.endswith("跳过数据下方 2 行合计") for ln in card_lines(tscard.summary_lines(tscard.build(tmp_path / "f.csv"))))
    # a long panel whose last series is named Total keeps it: the first column holds ids, not times
    panel = _write(tmp_path / "p.csv", "region,date,v\n" + "".join(
        f"{r},{t:%Y-%m-%d},{k}\n" for r in ("North", "Total") for k, t in enumerate(days[:40])))
    from rnnlab.tasks.timeseries import read as tsread

    table = tsread.read_table(panel)
    assert table.n_rows == 80 and table.totals == 0


def test_a_date_in_year_month_day_columns_is_one_time_column(tmp_path, monkeypatch):
    # CRSP's daily returns (`year,month,day,ibm`) read as four numeric columns with `-c year` offered
    # as the value; seaborn's flights (`year,month,passengers`, month names) as one series of years
    days = pd.bdate_range("2019-01-02", periods=60)
    ymd = _write(tmp_path / "ymd.csv", "year,month,day,ibm\n" + "".join(f"{t.year},{t.month},{t.day},{0.01 * (k % 5)}\n" for k, t in enumerate(days)))
    s = tsdata.load_csv(ymd)
    assert s.column == "ibm" and s.time_column == "date" and s.frequency.name.startswith("business daily")
    assert s.reading == ("year, month, day columns combined into one time column (date)",)
    months = pd.date_range("1949-01-01", periods=36, freq="MS")
    flights = tsdata.load_csv(_write(tmp_path / "f.csv", "year,month,passengers\n" + "".join(
        f"{t.year},{t:%b},{100 + k}\n" for k, t in enumerate(months))))
    assert flights.column == "passengers" and flights.frequency.name == "monthly" and flights.values.size == 36
    # a Month column that is already a date stays the time column (the year beside it was taken before)
    ym = tsdata.load_csv(_write(tmp_path / "ym.csv", "Year,Month,Value\n" + "".join(f"{t.year},{t:%Y-%m},{50 + k % 7}\n" for k, t in enumerate(months))), column="Value")
    assert ym.time_column == "Month" and ym.column == "Value" and ym.reading == ()
    # a second reader's cases: a datetime column beside the parts stays the time column (and the
    # parts stay columns); a `Time` of HH:MM is the time of day; `hr` (a heart rate) is not a part
    hours = pd.date_range("2011-01-01", periods=60, freq="h")
    bike = tsdata.load_csv(_write(tmp_path / "bike.csv", "datetime,year,month,day,hour,count\n" + "".join(
        f"{t:%Y-%m-%d %H:%M},{t.year},{t.month},{t.day},{t.hour},{10 + k % 9}\n" for k, t in enumerate(hours))), column="count")
    assert bike.time_column == "datetime" and bike.frequency.name == "hourly" and bike.reading == ()
    clock = tsdata.load_csv(_write(tmp_path / "ymdt.csv", "Year,Month,Day,Time,Temp\n" + "".join(
        f"{t.year},{t.month},{t.day},{t:%H:%M},{k % 9}.5\n" for k, t in enumerate(hours))))
    assert clock.frequency.name == "hourly" and clock.timestamps[1] == datetime(2011, 1, 1, 1, 0)
    heart = tsdata.load_csv(_write(tmp_path / "hr.csv", "year,month,day,hr\n" + "".join(
        f"{t.year},{t.month},{t.day},{60 + k % 30}\n" for k, t in enumerate(pd.date_range("2020-01-01", periods=40)))))
    assert heart.column == "hr" and heart.frequency.name == "daily"
    from rnnlab.cli.data import card_lines
    from rnnlab.tasks.timeseries import card as tscard

    monkeypatch.setenv("RNNLAB_LANG", "zh")
    assert any(ln.endswith("year, month, day 几列合成一个时间列 (date)") for ln in card_lines(tscard.summary_lines(tscard.build(ymd))))
    # beside another note on the same line too (it was read as an encoding's name)
    flipped = _write(tmp_path / "flip.csv", "year,month,v\n" + "".join(f"{t.year},{t.month},{50 + k % 7}\n" for k, t in enumerate(months[::-1])))
    assert any(ln.endswith("year, month 几列合成一个时间列 (date); 文件按时间倒序, 已按正序读取")
               for ln in card_lines(tscard.summary_lines(tscard.build(flipped))))


def test_times_with_a_utc_offset_are_said_to_be_read_in_utc(tmp_path, monkeypatch):
    # Newark's hourly temperatures written `2013-12-30T18:00:00-05:00`: read (rightly) in UTC, but the
    # card's range and the forecast's times said 23:00 with no word that this is UTC, not local
    stamps = pd.date_range("2013-03-01", periods=200, freq="h", tz="America/New_York")
    s = tsdata.load_csv(_write(tmp_path / "t.csv", "timestamp,temp\n" + "".join(
        f"{t.isoformat()},{20 + k % 5}\n" for k, t in enumerate(stamps))))
    assert s.timestamps[0] == datetime(2013, 3, 1, 5, 0) and s.frequency.name == "hourly"
    assert s.reading == ("times with a UTC offset read in UTC; the forecast's times are UTC too",)
    plain = tsdata.load_csv(_write(tmp_path / "p.csv", "timestamp,temp\n" + "".join(
        f"{t:%Y-%m-%d %H:%M},{20 + k % 5}\n" for k, t in enumerate(stamps.tz_convert("UTC")))))
    assert plain.reading == () and plain.timestamps == s.timestamps
    # day-first dates and financial years end in digits after a dash, not an offset
    dmy = tsdata.load_csv(_write(tmp_path / "dmy.csv", "date,v\n" + "".join(f"{t:%d-%m-%Y},{k % 5}.5\n" for k, t in enumerate(pd.date_range("2020-01-01", periods=40)))))
    assert dmy.frequency.name == "daily" and dmy.reading == ()


def test_a_step_number_column_is_said_as_such_not_as_no_time_column(tmp_path):
    # an outside trial: `day,price` (1 .. 1108): the card read `day` as the time column and
    # `train` said `no time column`
    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries.task import TimeSeriesTask

    path = _write(tmp_path / "gold.csv", "day,price\n" + "".join(f"{k},{300 + (k * 7) % 13}\n" for k in range(1, 201)))
    task = TimeSeriesTask(TaskConfig(kind="timeseries", source=str(path)), seed=0, batch_size=8)
    assert "; step numbers; season" in task.describe() and "no time column" not in task.describe()
    plain = _write(tmp_path / "plain.csv", "price\n" + "".join(f"{300 + (k * 7) % 13}\n" for k in range(200)))
    assert "; no time column; season" in TimeSeriesTask(TaskConfig(kind="timeseries", source=str(plain)), seed=0, batch_size=8).describe()
