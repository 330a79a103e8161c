"""One global model over a long-format panel (issue 17 item 7): windows stay inside one series,
each series is scaled by its own training split and scaled back exactly, `train --json` carries
the per-series table beside per-series peers, and a saved run forecasts again."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import rnnlab as rnnlab_api
from rnnlab import config
from rnnlab.cli.app import app
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import panel as tspanel
from tests.test_cli_train import assert_user_error, rnnlab

# three monthly series on scales 1e-1, 1e1 and 1e3, of different lengths, and one too short
SERIES = (("small", 80, 0.5, 0.1), ("mid", 120, 10.0, 2.0), ("big", 96, 1000.0, 200.0), ("tiny", 5, 3.0, 1.0))
TINY = ["--set", "model.hidden_size=8", "--set", "train.steps=12", "--set", "train.eval_every=6",
        "--set", "train.checkpoint_every=12", "--set", "probes.output_every=0"]


def _write(path, id_name="unique_id", ds="ds", y="y"):
    rng = np.random.default_rng(0)
    lines = [f"{id_name},{ds},{y}"]
    for sid, n, level, amp in SERIES:
        for i in range(n):
            v = level + amp * math.sin(2 * math.pi * i / 12) + 0.1 * amp * rng.normal()
            when = date(2000 + i // 12, i % 12 + 1, 1).isoformat()
            lines.append(f"{sid},{when},{'' if (sid, i) == ('mid', 50) else f'{v:.5f}'}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def csv_path(tmp_path):
    return _write(tmp_path / "panel.csv")


def _cfg(path, *sets):
    return config.load("ts-lstm", [f"task.source='{path}'", *sets]).task


def test_windows_never_cross_series_and_scaling_inverts(csv_path):
    cfg = _cfg(csv_path)
    assert tspanel.wanted(cfg)  # unique_id, ds, y: no key needed
    p = tspanel.build(cfg)
    assert p.ids == ["small", "mid", "big"] and p.left_out == [("tiny", 5)]
    assert "tiny (5 rows)" in p.left_out_line()
    for split in ("train", "val", "test"):
        starts = p.starts(split)
        assert starts.size
        first, last = p.series_of(starts - p.window), p.series_of(starts + p.horizon - 1)
        assert np.array_equal(first, p.series_of(starts)) and np.array_equal(last, first)
        x, y = p.windows(starts)
        # the inputs are that series' own scaled values; the targets scale back to its actuals
        k = p.series_of(starts)
        sc = np.array([p.scalers[i].scale for i in k])[:, None]
        ce = np.array([p.scalers[i].center for i in k])[:, None]
        # (measured from the value before the origin)
        assert np.allclose((x[:, :, 0] + p.last(starts)[:, None]) * sc + ce, p.levels[starts[:, None] + np.arange(-p.window, 0)], atol=1e-3 * sc)
        back, actual = p.to_original(y, starts), p.actual(starts)
        seen = ~np.isnan(actual)
        assert np.allclose(back[seen], actual[seen]) and np.isnan(y[~seen]).all()
    # each series standardised by its own training split only
    for i, sid in enumerate(p.ids):
        n = dict((s, m) for s, m, *_ in SERIES)[sid]
        train = p.series_levels(i)[: p.splits[i].train][p.observed[p.begins[i] : p.begins[i] + p.splits[i].train]]
        assert p.splits[i].total == n and math.isclose(p.scalers[i].center, train.mean())
        seen = p.train_observed(i)  # NaN where missing: pairs with a gap say nothing
        steps = np.abs(seen[12:] - seen[:-12])  # its in-sample seasonal-naive MAE (MASE's scale)
        assert math.isclose(p.scalers[i].scale, np.nanmean(steps))
    centers = sorted(s.center for s in p.scalers)
    assert centers[0] < 1 < centers[1] < 100 < centers[2]


def test_single_series_csv_is_not_a_panel(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("date,y\n" + "".join(f"2000-{m:02d}-01,{m}\n" for m in range(1, 13)))
    assert not tspanel.wanted(_cfg(one))


def test_train_json_per_series_and_forecast_again(csv_path, tmp_path):
    root = tmp_path / "runs"
    proc = rnnlab("train", "ts-lstm", *TINY, "--set", f"task.source='{csv_path}'", "--runs-dir", str(root), "--json", "--name", "g")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # load_run's config is the resolved one for a panel too (a review: window None, season 0)
    import rnnlab as api

    run = api.load_run("g", runs_dir=root)
    assert (run.config.task.window, run.config.task.horizon, run.config.task.season) == (
        run.task.data.window, run.task.data.horizon, run.task.data.season)
    rows = {r["id"]: r for r in out["series"]}
    assert set(rows) == {"small", "mid", "big"}
    for r in rows.values():
        assert r["rows"] in (80, 120, 96) and math.isfinite(r["rnn_mase"])
        assert {"naive", "seasonal_naive", "ets"} <= set(r["peers"]) and r["best_peer"] in r["peers"]
        assert math.isclose(r["ratio"], r["rnn_mase"] / r["peers"][r["best_peer"]])
    agg = out["panel"]["aggregate"]
    assert agg["series"] == 3 and math.isclose(agg["rnn_mase_mean"], out["metrics"]["test_mase"])
    assert out["panel"]["left_out"] == [["tiny", 5]]
    assert "member_ets_test_mase" in out["metrics"]
    # the saved run rebuilds with its per-series scalers and forecasts each series again
    run = rnnlab_api.load_run(out["run_dir"])
    assert run.task.data.ids == ["small", "mid", "big"] and run.task.data.scalers == tspanel.build(_cfg(csv_path)).scalers
    # the note judges the kept checkpoint on validation (a trial's panel note quoted the last step's)
    run.model.eval()
    assert out["metrics"]["member_rnn_val_mase"] == pytest.approx(run.task.evaluate(run.model, "cpu", 0)["val_mase"], rel=1e-6)
    # (in this process: the training above already paid for a subprocess)
    again = CliRunner().invoke(app, ["forecast", "g", "--json", "--runs-dir", str(root)])
    assert again.exit_code == 0, again.output
    # a global run's forecasts have no intervals: -l is refused, not dropped without a word
    levels = rnnlab("forecast", "g", "--future", "2", "-l", "90", "--runs-dir", str(root))
    assert levels.returncode == 2 and "--level: a global run's forecasts are points, with no intervals" in levels.stderr
    # the recurrent model `--future` gives by default: said when it lost on most series
    ahead = rnnlab("forecast", "g", "--future", "2", "--runs-dir", str(root))
    won, n = out["metrics"]["test_series_won"], out["metrics"]["test_series_scored"]
    said = f"the recurrent model is at or below each series' best classical peer on {int(won)} of {int(n)} series"
    assert ahead.returncode == 0 and (said in ahead.stderr) == (won < n / 2), ahead.stderr
    assert [r["id"] for r in json.loads(again.stdout)["series"]] == ["small", "mid", "big"]
    fut = CliRunner().invoke(app, ["forecast", "g", "--future", "2", "--runs-dir", str(root)])
    assert fut.exit_code == 0, fut.output
    lines = fut.stdout.strip().splitlines()
    assert lines[0] == "unique_id,ds,step,forecast" and len(lines) == 1 + 3 * 2
    big = [float(ln.split(",")[3]) for ln in lines[1:] if ln.startswith("big,")]
    small = [float(ln.split(",")[3]) for ln in lines[1:] if ln.startswith("small,")]
    assert min(big) > 100 > 5 > max(small)  # each series back in its own units
    assert lines[1].startswith("small,2006-09-01,1,")  # the month after small's last (80 months from 2000-01)
    # a classical peer refitted on each series, past the trained horizon; each series' best on test
    h = run.task.data.horizon
    ets = CliRunner().invoke(app, ["forecast", "g", "--future", str(h + 3), "--model", "ets", "--runs-dir", str(root)])
    assert ets.exit_code == 0, ets.output
    got = ets.stdout.strip().splitlines()
    assert got[0] == "unique_id,ds,step,forecast,model" and len(got) == 1 + 3 * (h + 3) and got[1].endswith(",ets")
    big_ets = [float(ln.split(",")[3]) for ln in got[1:] if ln.startswith("big,")]
    assert min(big_ets) > 100  # in the series' own units
    best = CliRunner().invoke(app, ["forecast", "g", "--future", "2", "--model", "best", "--json", "--runs-dir", str(root)])
    assert best.exit_code == 0, best.output
    table = {r["id"]: r for r in json.loads(again.stdout)["series"]}
    for r in json.loads(best.stdout)["rows"]:
        scores = {**table[r["unique_id"]]["peers"], "rnn": table[r["unique_id"]]["rnn_mase"]}
        assert scores[r["model"]] == min(v for v in scores.values() if math.isfinite(v))
    typo = CliRunner().invoke(app, ["forecast", "g", "--future", "2", "--model", "etss", "--runs-dir", str(root)])
    assert isinstance(typo.exception, UserError) and "a global run's forecasts are rnn, best, naive" in str(typo.exception)
    past = CliRunner().invoke(app, ["forecast", "g", "--future", str(h + 1), "--runs-dir", str(root)])
    assert isinstance(past.exception, UserError) and "--model ets|theta|arima|naive" in str(past.exception)
    # a series that grew since: the saved scalers and splits no longer describe it, one line says so
    with open(csv_path, "a") as fh:
        fh.write("small,2006-09-01,0.5\n")
    with pytest.raises(UserError, match="series changed since this run started"):
        rnnlab_api.load_run(out["run_dir"])


def test_missing_id_column_is_one_line(tmp_path):
    path = _write(tmp_path / "p.csv", id_name="region", ds="date", y="sales")
    proc = rnnlab("train", "ts-lstm", *TINY, "--set", f"task.source='{path}'", "--set", "task.id_column=regoin",
                  "--runs-dir", str(tmp_path / "runs"))
    assert_user_error(proc, "regoin", "task.id_column", "did you mean 'region'")


def test_id_column_validation():
    with pytest.raises(UserError, match="id_column"):
        config.load("ts-lstm", ["task.id_column=''"])
    with pytest.raises(UserError, match="long-format CSV"):
        tspanel.check_config(config.load("ts-lstm", ["task.id_column='id'"]).task)


def test_named_columns_with_id_column(tmp_path):
    path = _write(tmp_path / "p.csv", id_name="region", ds="date", y="sales")
    p = tspanel.build(_cfg(path, "task.id_column='region'"))
    assert p.ids == ["small", "mid", "big"] and p.columns == {"id_column": "region", "time_column": "date", "column": "sales"}
    assert p.frequency.name == "monthly" and p.season == 12


def test_data_card_of_a_panel_in_chinese(csv_path, monkeypatch):
    # the panel's card was English under RNNLAB_LANG=zh
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    got = CliRunner().invoke(app, ["data", str(csv_path)])
    assert got.exit_code == 0, got.output
    lines = got.stdout.splitlines()
    assert "长格式面板, 按 'unique_id' 分成 3 个序列 ('y', 时间列 'ds'), " in lines[0] and "; 每月, 季节 12" in lines[0], lines[0]
    assert lines[1].startswith("train 在所有序列上拟合同一个模型: 窗口 ") and lines[2] == "略去 (不够一个窗口, 或观测不足一半): tiny (5 行)"


def test_data_card_of_a_panel(csv_path):
    got = CliRunner().invoke(app, ["data", str(csv_path), "--json"])
    assert got.exit_code == 0, got.output
    s = json.loads(got.stdout)["panel"]
    assert s["series"] == 3 and s["left_out"] == [["tiny", 5]] and (s["rows_min"], s["rows_max"]) == (80, 120)
    # the window and horizon the card announces are the ones training uses
    p = tspanel.build(_cfg(csv_path))
    assert (s["window"], s["horizon"], s["season"]) == (p.window, p.horizon, p.season)


def _write_wide(path, long_path):
    """The long panel of `_write` as a spreadsheet keeps it: one column per series, blank cells
    where a series has not started or has ended."""
    import pandas as pd

    df = pd.read_csv(long_path, dtype={"y": str}, keep_default_na=False)
    wide = df.pivot(index="ds", columns="unique_id", values="y").reindex(columns=[s for s, *_ in SERIES]).fillna("")
    wide.index.name = "month"
    path.write_text(wide.to_csv())
    return path


def test_a_wide_csv_is_the_same_panel_as_its_long_form(csv_path, tmp_path):
    wide = _write_wide(tmp_path / "wide.csv", csv_path)
    assert wide.read_text().splitlines()[0] == "month,small,mid,big,tiny"
    p, q = tspanel.build(_cfg(wide, "task.wide=true")), tspanel.build(_cfg(csv_path))
    assert p.ids == q.ids == ["small", "mid", "big"] and p.left_out == q.left_out == [("tiny", 5)]
    assert np.array_equal(p.begins, q.begins) and np.array_equal(p.observed, q.observed)
    assert np.allclose(p.levels, q.levels) and p.scalers == q.scalers and (p.window, p.horizon, p.season) == (q.window, q.horizon, q.season)
    assert p.columns["time_column"] == "month" and p.columns["wide"] == "small, mid, big, tiny"
    # written newest first, with pandas' row numbers in front: the same panel
    lines = wide.read_text().splitlines()
    flipped = tmp_path / "flipped.csv"
    flipped.write_text("," + lines[0] + "\n" + "".join(f"{k},{ln}\n" for k, ln in enumerate(reversed(lines[1:]))))
    r = tspanel.build(_cfg(flipped, "task.wide=true"))
    assert r.ids == p.ids and np.allclose(r.levels, p.levels) and r.scalers == p.scalers
    got = CliRunner().invoke(app, ["data", str(wide), "--wide", "--json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["panel"]["series"] == 3
    # without the key, the several-columns error names it
    with pytest.raises(UserError, match=r"one model over all 4: task.wide = true \(rnnlab data --wide\)"):
        from rnnlab.tasks.timeseries import data as tsdata
        tsdata.load_csv(wide)
    root = tmp_path / "runs"
    proc = rnnlab("train", str(wide), *TINY, "--set", "task.wide=true", "--runs-dir", str(root), "--json")
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in json.loads(proc.stdout)["series"]] == ["small", "mid", "big"]
    # one column of it, named as `rnnlab data -c` takes it
    one = rnnlab("train", str(wide), "-c", "mid", "-t", "month", *TINY, "--runs-dir", str(root), "--json")
    assert one.returncode == 0, one.stderr
    assert (Path(json.loads(one.stdout)["run_dir"]) / "config.toml").read_text().count("column = \"mid\"") == 1


def test_wide_key_refusals(csv_path, tmp_path):
    wide = _write_wide(tmp_path / "wide.csv", csv_path)
    with pytest.raises(UserError, match="wide .* or long .*; set one of them"):
        tspanel.build(_cfg(wide, "task.wide=true", "task.id_column='small'"))
    with pytest.raises(UserError, match="leave task.column unset, or drop task.wide"):
        tspanel.build(_cfg(wide, "task.wide=true", "task.column='small'"))
    one = tmp_path / "one.csv"
    one.write_text("date,y\n" + "".join(f"2000-{m:02d}-01,{m}\n" for m in range(1, 13)))
    with pytest.raises(UserError, match="needs two or more numeric columns"):
        tspanel.build(_cfg(one, "task.wide=true"))
    with pytest.raises(UserError, match="task.wide = true: a global model reads"):
        tspanel.check_config(config.load("ts-lstm", ["task.wide=true"]).task)


def test_a_long_panel_of_years_reads_its_calendar_and_one_series_read_names_the_id(tmp_path):
    # gapminder's `country,year,lifeExp` (1952 .. 2007 every 5 years): read as one series the year
    # column was offered as the value (`-c year`), and with `-c lifeExp` 142 countries were joined
    # end to end without a word; as a panel its frequency was `none` and `--future` printed row 12
    from rnnlab.tasks.timeseries import data as tsdata
    from rnnlab.tasks.timeseries import frequency as tsfreq

    years = range(1952, 2008, 5)
    path = tmp_path / "gap.csv"
    path.write_text("country,year,lifeExp\n" + "".join(
        f"{c},{y},{40 + k + 3 * i:.1f}\n" for i, c in enumerate(("Chad", "Peru", "Laos")) for k, y in enumerate(years)))
    with pytest.raises(UserError, match=r"column 'year' is not after .* task.id_column = 'country'"):
        tsdata.load_csv(path)
    with pytest.raises(UserError, match=r"task.id_column = 'country'"):
        tsdata.load_csv(path, column="lifeExp")
    # with more numeric columns (gapminder's pop and gdpPercap) the first error names the id column too
    more = tmp_path / "gapfull.csv"
    more.write_text("continent,country,year,lifeExp,pop\n" + "".join(  # the id is the text column with most names
        f"Asia,{c},{y},{40 + k + 3 * i:.1f},{1000 * (k + 1)}\n" for i, c in enumerate(("Chad", "Peru", "Laos")) for k, y in enumerate(years)))
    with pytest.raises(UserError, match=r"2 numeric columns .* task.id_column = 'country'"):
        tsdata.load_csv(more)
    p = tspanel.build(_cfg(path, "task.id_column='country'"))
    assert p.frequency.name == "every 5 years" and p.columns["time_column"] == "year"
    assert tsfreq.future_stamps(p.stamps[0][-1].to_pydatetime(), p.frequency, 1)[0].year == 2012
