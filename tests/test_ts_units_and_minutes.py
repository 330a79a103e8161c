"""An outside forecaster's trial, two reading faults, each reproduced as a small generated file:
a units row under the header (`date,price` then `,(USD)`) was read as the header, so the series
was named `(USD)`; and times written to the minute (`1990-12-12 08:40`) came back from
`forecast --future` with seconds and a T (`1990-12-14T10:40:00`). Each test failed before."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import data as tsdata
from rnnlab.tasks.timeseries import frequency as tsfreq
from tests.test_ts_read_trialg import _cli, _write  # the same helpers as that trial's tests

MONTHS = [date(2001 + k // 12, k % 12 + 1, 1) for k in range(60)]
PRICES = [round(10.5 + 0.3 * k + 4 * np.sin(k / 2), 2) for k in range(60)]
TINY = ["--set", "model.hidden_size=8", "--set", "train.steps=6", "--set", "train.checkpoint_every=6",
        "--set", "train.eval_every=6", "--set", "probes.output_every=0"]


def _prices(first: str = "") -> str:
    return first + "".join(f"{t},{v}\n" for t, v in zip(MONTHS, PRICES))


# ---------------------------------------------------------------- a units row under the header


@pytest.mark.parametrize("units,said", [
    (",(USD)", "(USD)"),
    ("(date),(USD per tonne)", "(date), (USD per tonne)"),
    ('"","[USD]"', "[USD]"),
])
def test_a_units_row_under_the_header_is_skipped_and_the_header_kept(tmp_path, units, said):
    s = tsdata.load_csv(_write(tmp_path / "price.csv", _prices(f"date,price\n{units}\n")))
    assert s.column == "price" and s.time_column == "date" and s.values.tolist() == PRICES
    assert s.frequency.name == "monthly" and s.timestamps[0].date() == MONTHS[0]
    assert s.reading == (f"a units row under the header skipped: {said}",)


def test_a_units_row_under_a_title_and_the_lines_named_past_it(tmp_path):
    # a title with a comma in it above the header: the header is still `date,price`, not the units
    text = _prices("World Bank commodity prices, monthly\ndate,price\n,(USD per tonne)\n")
    s = tsdata.load_csv(_write(tmp_path / "wb.csv", text))
    assert s.column == "price" and s.values.tolist() == PRICES
    assert s.reading == ("1 line above the header skipped (a title)", "a units row under the header skipped: (USD per tonne)")
    # a bad cell is named by its line in the file (the 5th data row is line 8)
    bad = text.replace(f"{MONTHS[4]},{PRICES[4]}", f"{MONTHS[4]},abc")
    with pytest.raises(UserError, match=r"wb\.csv, line 8: column 'price' has 'abc'"):
        tsdata.load_csv(_write(tmp_path / "wb.csv", bad))
    # a file longer than the sniffed megabyte, which pandas reads from disk: the same
    hours = pd.date_range("1990-01-01", periods=60_000, freq="h")
    rows = [f"{t:%Y-%m-%d %H:%M},{k % 24 + 0.5}" for k, t in enumerate(hours)]
    big = _write(tmp_path / "big.csv", "date,load\n,(MW)\n" + "\n".join(rows) + "\n")
    assert big.stat().st_size > 1_000_000
    s = tsdata.load_csv(big)
    assert s.column == "load" and s.values.size == 60_000 and s.values[0] == 0.5 and s.frequency.name == "hourly"
    rows[500] = rows[500].split(",")[0] + ",abc"
    with pytest.raises(UserError, match=r"big\.csv, line 503: column 'load' has 'abc'"):
        tsdata.load_csv(_write(tmp_path / "big.csv", "date,load\n,(MW)\n" + "\n".join(rows) + "\n"))


def test_what_the_units_rule_leaves_alone(tmp_path):
    # an accountant's negative number in brackets is a first row of data, not units
    s = tsdata.load_csv(_write(tmp_path / "neg.csv", "date,profit\n2001-01-01,(120)\n" + "".join(
        f"{t},{v}\n" for t, v in zip(MONTHS[1:], PRICES[1:]))))
    assert s.column == "profit" and s.values[0] == -120 and s.values.size == 60 and s.reading == ()
    # a title with a comma above a header over an index column is still a title (`,arabica` is the header)
    s = tsdata.load_csv(_write(tmp_path / "coffee.csv", _prices("Coffee prices, US cents per pound\n,arabica\n")))
    assert s.column == "arabica" and s.values.tolist() == PRICES and s.reading == ("1 line above the header skipped (a title)",)


def test_rnnlab_data_names_the_column_from_the_header_not_the_units(tmp_path):
    path = _write(tmp_path / "price.csv", _prices("date,price\n,(USD)\n"))
    proc = _cli("data", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("price.csv [price]: 60 rows, 2001-01-01 .. 2005-12-01")
    assert "read          a units row under the header skipped: (USD)" in proc.stdout and 'column = "price"' in proc.stdout
    card = json.loads(_cli("data", str(path), "--json").stdout)
    assert card["column"] == "price" and card["reading"] == ["a units row under the header skipped: (USD)"]


# ---------------------------------------------------------------- times written to the minute


@pytest.mark.parametrize("sep", [" ", "T"])
def test_times_to_the_minute_are_written_back_to_the_minute(tmp_path, sep):
    fmt = f"%Y-%m-%d{sep}%H:%M"
    stamps = pd.date_range("1990-12-12 08:40", periods=300, freq="10min")
    path = _write(tmp_path / "load.csv", "time,load\n" + "".join(
        f"{t.strftime(fmt)},{50 + 10 * np.sin(k / 6):.3f}\n" for k, t in enumerate(stamps)))
    s = tsdata.load_csv(path)
    assert tsfreq.label(s.timestamps[0], s.frequency) == "1990-12-12" + sep + "08:40"
    root = tmp_path / "runs"
    proc = _cli("train", str(path), *TINY, "--set", "task.window=12", "--set", "task.horizon=4", "--name", "m",
                "--runs-dir", str(root), "--json")
    assert proc.returncode == 0, proc.stderr
    proc = _cli("forecast", "m", "--future", "3", "--runs-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    after = pd.date_range(stamps[-1], periods=4, freq="10min")[1:]
    assert [r["time"] for r in csv.DictReader(io.StringIO(proc.stdout))] == [t.strftime(fmt) for t in after]
    out = json.loads(_cli("forecast", "m", "--future", "3", "--json", "--runs-dir", str(root)).stdout)
    assert out["last_time"] == stamps[-1].strftime(fmt) and [r["time"] for r in out["rows"]] == [t.strftime(fmt) for t in after]


def test_what_the_minutes_rule_leaves_alone(tmp_path):
    # daily rows written at midnight stay dates, as daily UTC times do; times with seconds stay ISO
    days = pd.date_range("2020-01-01", periods=60, freq="D")
    daily = tsdata.load_csv(_write(tmp_path / "d.csv", "time,v\n" + "".join(f"{t:%Y-%m-%d %H:%M},{k % 5}\n" for k, t in enumerate(days))))
    assert tsfreq.label(daily.timestamps[-1], daily.frequency) == "2020-02-29"
    hours = pd.date_range("2020-01-01 06:00", periods=100, freq="h")
    secs = tsdata.load_csv(_write(tmp_path / "s.csv", "time,v\n" + "".join(f"{t:%Y-%m-%d %H:%M:%S},{k % 5}\n" for k, t in enumerate(hours))))
    assert tsfreq.label(secs.timestamps[-1], secs.frequency) == "2020-01-05T09:00:00"
