"""`rnnlab data FILE` (issue 9 item 7): the data card as a user runs it, and its JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from test_tsdata_realworld import MISSING_WEEKS, write_co2_weekly, write_sunspots_yearly


def rnnlab(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, env=env, timeout=120)


def test_card_json_of_a_weekly_series(tmp_path):
    path = write_co2_weekly(tmp_path / "co2.csv")
    proc = rnnlab("data", str(path), "--column", "co2", "--time-column", "date", "--json")
    assert proc.returncode == 0, proc.stderr
    card = json.loads(proc.stdout)
    assert card["rows"] == 52 * 14 and card["frequency"] == "weekly"
    assert card["rows_put_back"] == card["missing"] == len(MISSING_WEEKS)
    assert card["longest_gap"] == 2  # weeks 100 and 101
    st = card["stationarity"]
    assert 0 <= st["adf_p"] <= 1 and 0 <= st["kpss_p"] <= 1 and st["stationary"] is False
    assert card["season"] == 52 and 52 in card["detected_periods"]
    assert card["first"].startswith("1974-05-18") and len(card["values"]) == card["rows"]
    rec = card["recommended"]
    assert rec["time_column"] == "date" and rec["column"] == "co2" and rec["difference"] == "auto"
    assert rec["window"] + rec["horizon"] <= 0.7 * card["rows"]


def test_card_json_of_a_yearly_series_recommends_the_detected_season(tmp_path):
    path = write_sunspots_yearly(tmp_path / "sun.csv")
    card = json.loads(rnnlab("data", str(path), "-t", "year", "--json").stdout)
    assert card["frequency"] == "yearly" and card["column"] == "sunspots"
    assert card["detected_periods"][0] == 11 and card["recommended"]["season"] == 11


def test_card_text_has_the_summary_plots_and_settings(tmp_path):
    path = write_co2_weekly(tmp_path / "co2.csv")
    proc = rnnlab("data", str(path), "-t", "date")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for needle in ("frequency     weekly (3 missing rows put back)", "longest gap 2 rows", "ADF p=", "KPSS p=",
                   "season 52", "ACF of the first differences", "1974-05-18", "[task]", 'time_column = "date"'):
        assert needle in out, needle
    assert "\x1b[" not in out  # a pipe gets plain text


@pytest.mark.parametrize(
    "args,needle",
    [
        (["nope.csv"], "no such file"),
        (["data.csv", "--column", "vlaue"], "did you mean 'value'"),
        (["data.csv", "--time-column", "when"], "no column 'when'"),
    ],
)
def test_card_errors_are_one_line(tmp_path, args, needle):
    (tmp_path / "data.csv").write_text("t,value\n1,2\n2,3\n3,4\n")
    args = [str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    proc = rnnlab("data", *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr


def test_a_detected_half_season_is_named_the_seasons_harmonic(tmp_path):
    """An outside trial's monthly Dutch sales: `season 12 ... detected in values: 6 (ACF 0.69)`
    with no word; a cycle of 6 months is the annual season's 2nd harmonic, not a second season."""
    import math

    from rnnlab.tasks.timeseries import card as tscard

    csv = tmp_path / "harm.csv"
    csv.write_text("date,v\n" + "".join(f"{2000 + k // 12}-{k % 12 + 1:02d},"
                                        f"{10 + 3 * math.cos(2 * math.pi * k / 6) + math.cos(2 * math.pi * k / 12) + 0.01 * k:.3f}\n"
                                        for k in range(120)))
    card = tscard.build(csv)
    assert card["season"] == 12 and 6 in card["detected_periods"]
    line = next(ln for ln in tscard.summary_lines(card) if ln.startswith("seasons"))
    assert "6 (ACF 0.90; the season's 2nd harmonic)" in line and "12 (ACF 0.90)," not in line
    assert [tscard._nth(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]


def test_the_cards_time_axis_writes_the_files_own_form(tmp_path):
    # an outside trial: the span read `1960 Q1 .. 2001 Q4` and the plot's axis beneath it `1960-01`
    csv = tmp_path / "q.csv"
    csv.write_text("quarter,hs\n" + "".join(f"{1960 + k // 4} Q{k % 4 + 1},{8 + k % 4 + 0.01 * k:.2f}\n" for k in range(168)))
    out = rnnlab("data", str(csv)).stdout.splitlines()
    axis = out[out.index(next(ln for ln in out if ln.strip() == "date")) - 1]
    assert "1960 Q1" in axis and "2001 Q4" in axis and "1960-01" not in axis, axis


def test_decimal_years_of_monthly_data_read_as_dates_throughout(tmp_path):
    # an outside trial (R's time(AirPassengers)): `144 rows, 1949 .. 1960-12-01`, and an axis of
    # `1949  1952  1955  1957-12-01`: each January written as a year, every other month as a date
    csv = tmp_path / "air.csv"
    csv.write_text("time,value\n" + "".join(f"{1949 + k / 12:.11g},{112 + k + 20 * (k % 12 == 6)}\n" for k in range(144)))
    out = rnnlab("data", str(csv)).stdout.splitlines()
    assert "144 rows, 1949-01-01 .. 1960-12-01" in out[0], out[0]
    axis = out[out.index(next(ln for ln in out if ln.strip() == "date")) - 1]
    assert "1949-01-01" in axis and not re.search(r"(^|\s)19\d\d(\s|$)", axis), axis
    years = tmp_path / "years.csv"  # whole years stay years
    years.write_text("year,value\n" + "".join(f"{1900 + k},{k % 7}\n" for k in range(60)))
    assert "60 rows, 1900 .. 1959" in rnnlab("data", str(years)).stdout.splitlines()[0]


def test_the_recommended_window_and_horizon_say_why_and_still_paste_as_toml(tmp_path):
    """An outside trial's weekly passengers (283 rows, season 52) got window 93 and horizon 12 with
    no word why, although the README says the horizon is one season."""
    import tomllib

    from rnnlab.tasks.timeseries import sizes

    csv = tmp_path / "w.csv"
    csv.write_text("week,v\n" + "".join(f"{date},{20 + (k % 52) * 0.1 + 0.01 * k:.3f}\n" for k, date in enumerate(
        __import__("pandas").date_range("1987-06-22", periods=283, freq="7D").strftime("%Y-%m-%d"))))
    card = json.loads(rnnlab("data", str(csv), "--json").stdout)
    assert card["season"] == 52 and card["horizon"] < 52
    why = card["window_why"]
    assert why.startswith(f"window {card['window']}, horizon {card['horizon']}: ") and "(one season, 52, needs 520 rows)" in why
    text = rnnlab("data", str(csv)).stdout
    block = text.split("recommended settings (paste into a preset, or pass each as --set task.KEY=VALUE):\n", 1)[1]
    assert block.startswith(f"# {why}\n")
    assert tomllib.loads(block)["task"]["window"] == card["window"]  # the comment keeps the block valid TOML
    assert sizes.why_window_horizon(600, 12, 0.1, 0.2) == "window 24, horizon 12: the horizon one season (12); the window two seasons (24)"


def test_the_card_promises_its_settings_train_a_short_series_only_where_they_do(tmp_path):
    # a review: a weekly 60-row series (season 52, a 42-row training split) was told its settings
    # train it, and `train` with them refused the season
    import pandas as pd

    from rnnlab.tasks.timeseries import card as tscard

    weekly = tmp_path / "w60.csv"
    weekly.write_text("d,v\n" + "".join(f"{d},{k % 9}\n" for k, d in enumerate(pd.date_range("2000-01-03", periods=60, freq="7D").strftime("%Y-%m-%d"))))
    card = tscard.build(weekly)
    # session 13: a season longer than the training split is left out (task.season = 1), and said
    # so; with it the card's settings do train (an outside trial followed them into two refusals)
    line = tscard.summary_lines(card)[0]
    assert card["season"] == 52 and card["season_left_out"] and card["recommended"]["season"] == 1
    assert line.endswith("--set task.season=1") and "season 52 left out (task.season = 1)" in card["window_why"]
    flags = line.split("train it: ", 1)[1].split()
    runs = tmp_path / "runs"
    refused = rnnlab("train", str(weekly), "--runs-dir", str(runs), "--set", "train.steps=3")
    assert refused.returncode == 2 and " ".join(flags) in refused.stderr, refused.stderr
    done = rnnlab("train", str(weekly), "--runs-dir", str(runs), "--set", "train.steps=3", *flags)
    assert done.returncode == 0, done.stderr
    # the rows the tests read, named as what they are: train's split is a row or two longer (an outside trial)
    assert f"on the first {card['stationarity_rows']} rows (the training split, less a margin for differencing)" in tscard.summary_lines(card)[4]
    yearly = tmp_path / "y12.csv"
    yearly.write_text("year,v\n" + "".join(f"{1990 + k},{10 + k * 0.5 + k % 3}\n" for k in range(12)))
    card = tscard.build(yearly)
    assert card["trains"] and "--set task.window=" in tscard.summary_lines(card)[0]



def test_the_window_why_comment_reads_in_chinese(tmp_path):
    rw = tmp_path / "rw.csv"  # a monthly random walk: differenced, 119 rows modelled of 120
    rw.write_text("d,v\n" + "".join(f"{2000 + k // 12}-{k % 12 + 1:02d},{50 + (k * 37 % 11) - 5 + k * 0.3:.2f}\n" for k in range(120)))
    env = {**os.environ, "RNNLAB_LANG": "zh"}
    out = subprocess.run([sys.executable, "-m", "rnnlab", "data", str(rw)], capture_output=True, text=True, env=env, timeout=120).stdout
    why = next(ln for ln in out.splitlines() if ln.startswith("# "))
    assert why.startswith("# 窗口 ") and not re.search(r"[a-z]{4,}", why), why
