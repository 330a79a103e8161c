"""An outside trial of reading panels (issue 17, trial I): times written two ways in one column read
without dates, `over None` on the card, a "panel" of one series, ids losing their spaces, number
ids without the id hint, the value column named as the id, `--wide` on a long file, and two-digit
years read as steps without a word."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from rnnlab import config
from rnnlab.cli.app import app
from rnnlab.tasks.timeseries import panel as tspanel
from tests.test_cli_train import assert_user_error, rnnlab
from tests.test_ts_panel_trial import TINY, _accom, _level, _month, _quarter


def _card(*argv: str):
    return CliRunner().invoke(app, ["data", *argv])


# ------------------------------------------------------------ 1: one column, two forms of time


def test_times_written_two_ways_in_one_column_are_refused_naming_both(tmp_path):
    path = tmp_path / "mixed.csv"
    rows = [f"Japan,{_quarter(i)},{_level(0, i):.1f}" for i in range(40)]
    rows += [f"{sid},{1998 + i},{_level(k, i):.1f}" for k, sid in enumerate(("NZ", "UK"), 1) for i in range(12)]
    path.write_text("Origin,Quarter,Arrivals\n" + "\n".join(rows) + "\n")
    both = ("column 'Quarter' writes its times 2 ways", "'1998 Q1' (quarterly, line 2, series 'Japan')",
            "'1998' (yearly, line 42, series 'NZ')", "one panel's series share one frequency")
    assert_user_error(rnnlab("data", str(path), "--id-column", "Origin"), *both)
    assert_user_error(rnnlab("data", str(path), "--id-column", "Origin", "-t", "Quarter"), *both)
    assert_user_error(rnnlab("train", str(path), "--id-column", "Origin", *TINY, "--runs-dir", str(tmp_path / "runs")), *both)
    zh = subprocess.run([sys.executable, "-m", "rnnlab", "data", str(path), "--id-column", "Origin"], capture_output=True, text=True,
                        env={**os.environ, "RNNLAB_LANG": "zh"}, timeout=120)
    assert zh.returncode == 2 and "'1998 Q1' (每季度, 第 2 行, 序列 'Japan') 和 '1998' (每年, 第 42 行" in zh.stderr, zh.stderr
    # one cell that is no date, under a time's name: its line, not a panel read without dates
    odd = tmp_path / "odd.csv"
    odd.write_text("id,date,v\n" + "".join(f"{sid},{_month(i)},{i}\n" for sid in "ab" for i in range(20)) + "b,Jan 29 2020,5\n")
    assert_user_error(rnnlab("data", str(odd), "--id-column", "id"), "line 42: column 'date' has 'Jan 29 2020', not a date or time")


def test_a_long_panel_without_a_time_column_never_says_none(tmp_path):
    path = tmp_path / "notime.csv"
    path.write_text("id,v\n" + "".join(f"{sid},{_level(k, i):.2f}\n" for k, sid in enumerate("ab") for i in range(30)))
    got = _card(str(path), "--id-column", "id")
    assert got.exit_code == 0, got.output
    assert "a long-format panel of 2 series by 'id' ('v', no time column)" in got.stdout and "None" not in got.stdout


# ------------------------------------------------------------ 2: a "panel" of one series


def test_a_long_file_of_one_id_is_read_as_one_series_with_intervals(tmp_path):
    path = _accom(tmp_path / "japan.csv", n=60, states=("Japan",), header="Quarter,Origin,Arrivals")
    cfg = config.load("ts-lstm", [f"task.source='{path}'", "task.id_column='Origin'"]).task
    assert not tspanel.wanted(cfg)
    got = _card(str(path), "--id-column", "Origin")
    assert got.exit_code == 0, got.output
    lines = got.stdout.splitlines()
    assert "japan.csv [Arrivals]: 60 rows, 1998 Q1 .. 2012 Q4" in lines[0] and "frequency     quarterly" in lines
    assert "read          one series: the id column 'Origin' holds one id, 'Japan'; read as a single series" in lines, lines
    card = json.loads(_card(str(path), "--id-column", "Origin", "--json").stdout)
    assert card["column"] == "Arrivals" and card["reading"][0].startswith("one series: the id column 'Origin'")
    root = tmp_path / "runs"
    trained = rnnlab("train", str(path), "--id-column", "Origin", *TINY, "--runs-dir", str(root), "--name", "one")
    assert trained.returncode == 0, trained.stderr
    assert "(global)" not in trained.stdout + trained.stderr
    fc = rnnlab("forecast", "one", "--future", "2", "--level", "80", "--runs-dir", str(root))
    assert fc.returncode == 0, fc.stderr
    assert fc.stdout.splitlines()[0] == "time,forecast,lower_80,upper_80" and fc.stdout.splitlines()[1].startswith("2013 Q1,")
    # statsforecast's names need no key, and a number id (firm 1 alone) is not the value
    uid = tmp_path / "uid.csv"
    uid.write_text("unique_id,ds,y\n" + "".join(f"A,{_quarter(i)},{_level(0, i):.2f}\n" for i in range(30)))
    assert not tspanel.wanted(config.load("ts-lstm", [f"task.source='{uid}'"]).task)
    assert "holds one id, 'A'" in _card(str(uid)).stdout
    firm = tmp_path / "firm.csv"
    firm.write_text("firm,year,inv\n" + "".join(f"1,{1935 + y},{100 + y * 3.5:.1f}\n" for y in range(20)))
    one = json.loads(_card(str(firm), "--id-column", "firm", "--json").stdout)
    assert (one["column"], one["time_column"], one["frequency"]) == ("inv", "year", "yearly")


# ------------------------------------------------------------ 3: ids as the file wrote them


def test_ids_keep_their_spaces_in_the_card_and_the_forecast(tmp_path):
    path = tmp_path / "spaces.csv"
    ids = ("Japan", " UK", "US ")
    path.write_text("Origin,Quarter,Arrivals\n" + "".join(f"{sid},{_quarter(i)},{_level(k, i):.1f}\n"
                                                          for k, sid in enumerate(ids) for i in range(40)))
    cfg = config.load("ts-lstm", [f"task.source='{path}'", "task.id_column='Origin'"]).task
    assert tspanel.build(cfg).ids == list(ids)
    # a space after every delimiter is the file's layout, not the ids'; its numbers still read
    spaced = tmp_path / "layout.csv"
    spaced.write_text("Quarter, Origin, Arrivals\n" + "".join(f"{_quarter(i)}, {sid}, {_level(k, i):.1f}\n"
                                                              for k, sid in enumerate(("UK", "US")) for i in range(40)))
    assert tspanel.build(config.load("ts-lstm", [f"task.source='{spaced}'", "task.id_column='Origin'"]).task).ids == ["UK", "US"]
    root = tmp_path / "runs"
    assert rnnlab("train", str(path), "--id-column", "Origin", *TINY, "--runs-dir", str(root), "--name", "sp").returncode == 0
    out = tmp_path / "f.csv"
    assert rnnlab("forecast", "sp", "--future", "1", "-o", str(out), "--runs-dir", str(root)).returncode == 0
    with open(out, newline="") as fh:
        assert [r["unique_id"] for r in csv.DictReader(fh)] == list(ids)
    got = json.loads(rnnlab("forecast", "sp", "--future", "1", "--json", "--runs-dir", str(root)).stdout)
    assert [r["unique_id"] for r in got["rows"]] == list(ids)


# ------------------------------------------------------------ 4, 5: the id column's hints


@pytest.mark.parametrize("code", ["{f}", "{f:03d}"])
def test_number_ids_get_the_id_column_hint(tmp_path, code):
    path = tmp_path / "grunfeld.csv"
    path.write_text("firm,year,inv,value\n" + "".join(f"{code.format(f=f)},{1935 + y},{100 * f + y * 3.5:.1f},{1000 * f + 7.5 * y:.1f}\n"
                                                      for f in range(1, 5) for y in range(20)))
    hint = "name the column that tells them apart: task.id_column = 'firm' (rnnlab data --id-column firm)"
    assert_user_error(rnnlab("data", str(path), "-c", "inv"), "time 1935 in column 'year' is not after the previous row's", hint)
    # a column of counts that repeat is no id: the times repeat within its values
    counts = tmp_path / "counts.csv"
    counts.write_text("n,year,inv\n" + "".join(f"{y % 2},{1935 + y % 10},{y * 1.5:.1f}\n" for y in range(20)))
    assert "id_column" not in rnnlab("data", str(counts), "-c", "inv").stderr


def test_the_value_column_named_as_the_id_is_said_to_hold_the_values(tmp_path):
    path = _accom(tmp_path / "accom.csv")
    assert_user_error(rnnlab("data", str(path), "--id-column", "Takings"),
                      "task.id_column = 'Takings' holds the values (numbers, nearly every row different: ",
                      "name the column that tells the series apart: task.id_column = 'State' (rnnlab data --id-column State)")


# ------------------------------------------------------------ 6: --wide on a long file


def test_wide_refuses_a_long_file_naming_the_id_column(tmp_path):
    fertility = tmp_path / "fertility_long.csv"  # years under `ds`, not named like time: no time column found
    fertility.write_text("unique_id,ds,y\n" + "".join(f"{c},{1960 + i},{_level(k, i):.3f}\n"
                                                      for k, c in enumerate(("Afghanistan", "Albania")) for i in range(30)))
    assert_user_error(rnnlab("data", str(fertility), "--wide"), "--wide", "this file is long: column 'unique_id' names each row's "
                      "series and the times in 'ds' repeat", "--id-column unique_id (task.id_column = 'unique_id'), without --wide")
    accom = _accom(tmp_path / "accom.csv")
    assert_user_error(rnnlab("data", str(accom), "--wide"), "column 'State' names each row's series", "--id-column State")
    grunfeld = tmp_path / "grunfeld.csv"
    grunfeld.write_text("firm,year,inv,value\n" + "".join(f"{f},{1935 + y},{100 * f + y * 3.5:.1f},{1000 * f + 7.5 * y:.1f}\n"
                                                          for f in range(1, 5) for y in range(20)))
    assert_user_error(rnnlab("train", str(grunfeld), "--wide", *TINY, "--runs-dir", str(tmp_path / "runs")), "--id-column firm")
    # a wide file with a text column that repeats (a weekday) is still wide: its times do not repeat
    wide = tmp_path / "wide.csv"
    wide.write_text("date,weekday,a,b\n" + "".join(f"2024-01-{d + 1:02d},{'MTWRFSU'[d % 7]},{_level(0, d):.2f},{_level(1, d):.2f}\n"
                                                   for d in range(31)))
    got = _card(str(wide), "--wide")
    assert got.exit_code == 0 and "a wide panel of 2 series" in got.stdout, got.output


# ------------------------------------------------------------ 7: two-digit years


def test_two_digit_years_are_said_to_be_read_as_steps(tmp_path):
    path = tmp_path / "cigar.csv"
    path.write_text("state,year,sales\n" + "".join(f"{s},{63 + y},{_level(s, y):.1f}\n" for s in range(1, 4) for y in range(30)))
    note = "'year' holds 63 .. 92, two-digit years? read as steps, without dates; write four-digit years (1963 .. 1992) to read them as yearly"
    got = _card(str(path), "--id-column", "state", "-c", "sales")
    assert got.exit_code == 0, got.output
    assert f"read          {note}" in got.stdout.splitlines(), got.stdout
    assert json.loads(_card(str(path), "--id-column", "state", "-c", "sales", "--json").stdout)["panel"]["reading"] == [note]
    one = tmp_path / "one.csv"
    one.write_text("year,sales\n" + "".join(f"{63 + y},{_level(0, y):.1f}\n" for y in range(30)))
    assert note in json.loads(_card(str(one), "--json").stdout)["reading"]
    zh = CliRunner().invoke(app, ["data", str(one)], env={"RNNLAB_LANG": "zh"})
    assert "是两位数的年份吗? 按步读取" in zh.stdout, zh.stdout
    # four-digit years are years, and no note
    four = tmp_path / "four.csv"
    four.write_text("year,sales\n" + "".join(f"{1963 + y},{_level(0, y):.1f}\n" for y in range(30)))
    assert json.loads(_card(str(four), "--json").stdout)["reading"] == []


# ------------------------------------------------------------ a series of few values, long and wide alike


def test_a_series_of_few_observed_values_is_left_out_of_a_wide_file_as_of_a_long_one(tmp_path):
    # trial I: Isle of Man (values in 1961, 1994 and 2002) was left out of the long file and trained on
    # and forecast from the wide one, its 39 empty years filled in
    years = range(1961, 2003)
    few = {1961: 2.9, 1994: 2.1, 2002: 1.7}
    level = {"A": 5.0, "B": 3.0}
    long = ["country,year,rate"] + [f"{c},{y},{level[c] - 0.05 * (y - 1961):.3f}" for c in level for y in years]
    long += [f"Isle of Man,{y},{v}" for y, v in few.items()]
    (tmp_path / "long.csv").write_text("\n".join(long) + "\n")
    wide = ["year,A,B,Isle of Man"] + [f"{y},{level['A'] - 0.05 * (y - 1961):.3f},{level['B'] - 0.05 * (y - 1961):.3f},{few.get(y, '')}"
                                        for y in years]
    (tmp_path / "wide.csv").write_text("\n".join(wide) + "\n")
    got = {}
    for name, sets in (("long", ["task.id_column='country'"]), ("wide", ["task.wide=true"])):
        cfg = config.load("ts-lstm", [f"task.source='{tmp_path / (name + '.csv')}'", *sets]).task
        p = tspanel.build(cfg)
        got[name] = p
        assert p.ids == ["A", "B"] and [i for i, _ in p.left_out] == ["Isle of Man"], (name, p.left_out)
    assert got["wide"].left_out == [("Isle of Man", 42)] and "Isle of Man (42 rows, 3 observed)" in got["wide"].left_out_line()
    card = _card(str(tmp_path / "wide.csv"), "--wide")
    assert card.exit_code == 0 and "Isle of Man (42 rows, 3 observed)" in card.stdout, card.stdout
    assert json.loads(_card(str(tmp_path / "wide.csv"), "--wide", "--json").stdout)["panel"]["left_out_observed"] == {"Isle of Man": 3}
