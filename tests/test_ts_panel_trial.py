"""The outside trial of the panel features (issue 17): a time column given as the id, series left
out without a word, zero-padded ids, missing values the card did not count, R's and pandas' row
numbers read as a value column, a `try:` line that dropped -c, peer means over different
series, ids cut alike, `--covariates` ignored, and `--model best` switching without a note."""

from __future__ import annotations

import json
import math
import shlex
from datetime import date

import numpy as np
import pytest
from typer.testing import CliRunner

import rnnlab as rnnlab_api
from rnnlab import config
from rnnlab.cli.app import app
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import panel as tspanel
from rnnlab.tasks.timeseries import panelscore
from tests.test_cli_train import assert_user_error, rnnlab

TINY = ["--set", "model.hidden_size=8", "--set", "train.steps=4", "--set", "train.eval_every=4",
        "--set", "train.checkpoint_every=4", "--set", "probes.output_every=0"]
LONG_IDS = ("Leisure and Hospitality: Accommodation", "Leisure and Hospitality: Food Services",
            "Leisure and Hospitality: Arts and Recreation")


def _quarter(i: int) -> str:
    return f"{1998 + i // 4} Q{i % 4 + 1}"


def _month(i: int) -> str:
    return date(2000 + i // 12, i % 12 + 1, 1).isoformat()


NOISE = np.random.default_rng(0).normal(size=(16, 200))


def _level(k: int, i: int) -> float:
    return 100.0 * (k + 1) + 10 * math.sin(2 * math.pi * i / 4) + 0.3 * i + 3 * NOISE[k, i]


def _accom(path, n=40, states=("New South Wales", "Victoria", "Tasmania"), header="Date,State,Takings", rownames=None,
           skip=(), empty=()):
    """aus_accommodation's shape: quarters written `1998 Q1`, the states as text; `rownames` "R"
    writes R's write.csv first column (header "", 1..n), "pandas" pandas' unnamed index (0..n-1)."""
    rows = [(_quarter(i), s, "" if (s, i) in empty else f"{_level(k, i):.3f}")
            for k, s in enumerate(states) for i in range(n) if (s, i) not in skip]
    lines = [header if rownames is None else ('"",' if rownames == "R" else ",") + header]
    for r, row in enumerate(rows):
        first = "" if rownames is None else f'"{r + 1}",' if rownames == "R" else f"{r},"
        lines.append(first + ",".join(row))
    path.write_text("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------ fault 1: the time column as the id


def test_a_time_column_given_as_the_id_is_refused_naming_the_id(tmp_path):
    path = _accom(tmp_path / "accom.csv")
    with pytest.raises(UserError, match=r"task.id_column = 'Date' is the time column \(dates/times such as '1998 Q1'\).*"
                                        r"task.id_column = 'State'"):
        tspanel.build(config.load("ts-lstm", [f"task.source='{path}'", "task.id_column='Date'", "task.column='Takings'"]).task)
    got = rnnlab("data", str(path), "--id-column", "Date")
    assert_user_error(got, "'Date' is the time column", "dates/times", "task.id_column = 'State'")
    trained = rnnlab("train", str(path), "--set", "task.id_column=Date", "-c", "Takings", *TINY, "--runs-dir", str(tmp_path / "runs"))
    assert_user_error(trained, "'Date' is the time column", "'State'")
    # years as the id of a panel whose series are numbered (Grunfeld's firm, year, inv)
    grunfeld = tmp_path / "grunfeld.csv"
    grunfeld.write_text("firm,year,inv\n" + "".join(f"{f},{1935 + y},{100 * f + y * 3.5:.1f}\n" for f in range(1, 5) for y in range(20)))
    with pytest.raises(UserError, match=r"'year' is the time column .* task.id_column = 'firm'"):
        tspanel.build(config.load("ts-lstm", [f"task.source='{grunfeld}'", "task.id_column='year'", "task.column='inv'"]).task)
    assert len(tspanel.build(config.load("ts-lstm", [f"task.source='{grunfeld}'", "task.id_column='firm'"]).task).ids) == 4


# ------------------------------------------------------------ fault 3: ids as the file wrote them


def test_zero_padded_ids_keep_their_zeros(tmp_path):
    path = tmp_path / "pad.csv"
    lines = ["id,ds,y"] + [f"{k:03d},{_month(i)},{_level(k, i):.2f}" for k in range(1, 11) for i in range(60 if k < 10 else 5)]
    path.write_text("\n".join(lines) + "\n")
    p = tspanel.build(config.load("ts-lstm", [f"task.source='{path}'", "task.id_column='id'"]).task)
    assert p.ids == [f"{k:03d}" for k in range(1, 10)] and p.left_out == [("010", 5)]
    got = CliRunner().invoke(app, ["data", str(path), "--id-column", "id", "--json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["panel"]["left_out"] == [["010", 5]]
    # numbers written as numbers stay as before
    plain = tmp_path / "plain.csv"
    plain.write_text(path.read_text().replace(",0", ",").replace("\n00", "\n").replace("\n0", "\n"))
    assert tspanel.build(config.load("ts-lstm", [f"task.source='{plain}'", "task.id_column='id'"]).task).ids[:2] == ["1", "2"]


# ------------------------------------------------------------ fault 5: missing values on the panel card


def test_the_panel_card_counts_missing_values_and_rows_put_back(tmp_path):
    states = ("New South Wales", "Victoria", "Tasmania")
    empty = {("New South Wales", i) for i in range(10, 17)}
    skip = {("Victoria", 5), ("Victoria", 6), ("Tasmania", 20)}
    path = _accom(tmp_path / "gaps.csv", states=states, skip=skip, empty=empty)
    got = CliRunner().invoke(app, ["data", str(path), "--id-column", "State"])
    assert got.exit_code == 0, got.output
    lines = got.stdout.splitlines()
    # 117 rows in the file, 3 put back: 120 steps
    assert "120 rows (3 missing rows put back; the file has 117); per series 40 to 40 rows" in lines[0], lines[0]
    assert "missing: 10 values (8.3%) in 3 of 3 series; most in New South Wales (7), Victoria (2), Tasmania (1)" in lines, lines
    s = json.loads(CliRunner().invoke(app, ["data", str(path), "--id-column", "State", "--json"]).stdout)["panel"]
    assert (s["rows"], s["file_rows"], s["rows_put_back"], s["missing_values"]) == (120, 117, 3, 10)
    assert s["missing_series"][0] == ["New South Wales", 7]
    # `train`'s started line says it too
    cfg = config.load("ts-lstm", [f"task.source='{path}'", "task.id_column='State'"])
    from rnnlab.tasks.timeseries.globaltask import GlobalTimeSeriesTask

    said = GlobalTimeSeriesTask(cfg.task, seed=0, batch_size=8).describe()
    assert "; missing 10 values (8.3%) in 3 of 3 series (3 missing rows put back), most in New South Wales (7)" in said, said
    # a wide file missing the same quarters from every column
    import pandas as pd

    wide = tmp_path / "wide.csv"
    frame = pd.DataFrame({s: [_level(k, i) for i in range(40)] for k, s in enumerate(("a", "b", "c"))},
                         index=[_quarter(i) for i in range(40)])
    frame.index.name = "Date"
    frame.drop(frame.index[[3, 9, 10, 30]]).to_csv(wide)
    got = CliRunner().invoke(app, ["data", str(wide), "--wide"])
    assert got.exit_code == 0, got.output
    assert "120 rows (12 missing rows put back; the file has 36 rows of 3 columns)" in got.stdout.splitlines()[0]
    assert "missing: 12 values (10.0%) in 3 of 3 series; most in a (4), b (4), c (4)" in got.stdout


# ------------------------------------------------------------ fault 8: row numbers in long panels


@pytest.mark.parametrize("rownames", ["R", "pandas"])
def test_row_numbers_are_not_a_value_column_in_a_long_panel(tmp_path, rownames):
    path = _accom(tmp_path / "accom_rn.csv", rownames=rownames)
    assert path.read_text().splitlines()[1].startswith('"1",1998 Q1,' if rownames == "R" else "0,1998 Q1,")
    p = tspanel.build(config.load("ts-lstm", [f"task.source='{path}'", "task.id_column='State'"]).task)
    assert p.columns["column"] == "Takings" and p.columns["time_column"] == "Date" and p.size == 3
    got = CliRunner().invoke(app, ["data", str(path), "--id-column", "State"])
    assert got.exit_code == 0, got.output


# ------------------------------------------------------------ fault 9: the try line carries every choice


def test_the_try_line_carries_every_choice_and_pasting_it_works(tmp_path):
    grunfeld = tmp_path / "grunfeld.csv"
    grunfeld.write_text("firm,year,inv,value,capital\n" + "".join(
        f"{f},{1935 + y},{100 * f + y * 3.5:.1f},{1000 * f + 7 * y:.1f},{f + y:.1f}\n" for f in range(1, 5) for y in range(20)))
    got = CliRunner().invoke(app, ["data", str(grunfeld), "--id-column", "firm", "-c", "inv", "-t", "year"])
    assert got.exit_code == 0, got.output
    line = next(ln for ln in got.stdout.splitlines() if ln.startswith("try: "))
    argv = shlex.split(line[len("try: "):])
    assert argv[:3] == ["rnnlab", "train", "ts-lstm"] and "task.column=inv" in argv and "task.id_column=firm" in argv
    assert "task.time_column=year" in argv
    sets = [argv[i + 1] for i, a in enumerate(argv) if a == "--set"]
    p = tspanel.build(config.load("ts-lstm", sets).task)  # what `train` builds from the pasted line
    assert p.columns["column"] == "inv" and p.size == 4
    # a name --set would read as a number stays a string; a wide file's key too
    odd = CliRunner().invoke(app, ["data", str(grunfeld), "--id-column", "firm", "-c", "inv", "--delimiter", ","])
    assert "--set 'task.delimiter=\",\"'" in odd.stdout or "--set task.delimiter=," in odd.stdout, odd.stdout


# ------------------------------------------------------------ faults 13, 14: comparable means, distinct ids


def test_peer_means_on_the_series_every_forecaster_has():
    rows = [{"id": f"s{k}", "rows": 40, "origins": 4, "rnn_mase": 1.0 + k / 10, "best_peer": "naive", "best_peer_mase": 1.0,
             "ratio": 1.0, "peers": {"naive": 1.0 + k, **({"theta": 0.5} if k < 2 else {})}} for k in range(6)]
    a = panelscore.aggregate(rows)
    assert a["peer_mase_mean"] == {"naive": 3.5, "theta": 0.5}  # as before: each over its own series
    assert a["peer_mase_count"] == {"naive": 6, "theta": 2} and a["common_series"] == 2
    assert a["peer_mase_mean_common"] == {"naive": 1.5, "theta": 0.5} and a["rnn_mase_mean_common"] == pytest.approx(1.05)
    text = panelscore.table({"series": rows, "aggregate": a})
    assert text[-1] == ("peers fitted on: naive 6, theta 2 of 6 series; on the 2 every forecaster scored, mean test MASE: "
                        "rnn 1.050, naive 1.500, theta 0.500"), text[-1]


def test_long_ids_never_look_the_same():
    ids = [*LONG_IDS, "Leisure and Hospitality: Accommodation and Food Services, total"]
    shown = panelscore.fit_ids(ids)
    assert len(set(shown.values())) == len(ids)
    assert all(v == i or "…" in v for i, v in shown.items())
    assert shown[LONG_IDS[0]] == LONG_IDS[0]  # 38 characters: whole (the trial cut it at 24)
    cut = shown[ids[-1]]
    assert len(cut) == panelscore.ID_WIDTH and cut.endswith("Services, total")
    # two ids that only a cut middle would tell apart are shown whole
    same = ["x" * 20 + "A" + "y" * 20, "x" * 20 + "B" + "y" * 20]
    assert panelscore.fit_ids(same) == {i: i for i in same}


# ------------------------------------------------------------ one trained run: faults 2, 13, 14, 15, 16, 18


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("trial")
    path = root / "industries.csv"
    lines = ["unique_id,ds,y"]
    for k, sid in enumerate(LONG_IDS):
        lines += [f'"{sid}",{_month(i)},{_level(k, i):.3f}' for i in range(60)]
    lines += [f"tiny,{_month(i)},{5 + i}" for i in range(5)]
    path.write_text("\n".join(lines) + "\n")
    proc = rnnlab("train", "ts-lstm", *TINY, "--set", f"task.source='{path}'", "--runs-dir", str(root / "runs"), "--json", "--name", "t")
    assert proc.returncode == 0, proc.stderr
    return root / "runs", json.loads(proc.stdout), proc


def test_train_json_members_rnn_has_its_test_mase_and_the_table_keeps_ids_apart(trained):
    root, out, proc = trained
    assert out["members"]["rnn"]["test_mase"] == out["metrics"]["test_mase"]
    assert "val_mase" in out["members"]["rnn"]
    agg = out["panel"]["aggregate"]
    assert agg["common_series"] <= agg["series"] == 3 and set(agg["peer_mase_mean_common"]) == set(agg["peer_mase_mean"])
    table = CliRunner().invoke(app, ["forecast", "t", "--runs-dir", str(root)])
    assert table.exit_code == 0, table.output
    # cut at 24 characters, all three read `Leisure and Hospitality:`
    lines = table.stdout.splitlines()[1:4]
    cells = [ln[: ln.index("  ")] for ln in lines]
    assert len(set(cells)) == 3 and {panelscore.fit_ids(list(LONG_IDS))[i] for i in LONG_IDS} == set(cells), table.stdout
    assert any(c.endswith("…Arts and Recreation") for c in cells) and LONG_IDS[0] in cells


def test_forecast_says_which_series_training_left_out(trained, tmp_path):
    root, out, _ = trained
    assert out["panel"]["left_out"] == [["tiny", 5]]
    # the recurrent model: tiny is not forecast, and a note says so
    got = rnnlab("forecast", "t", "--future", "2", "-o", str(tmp_path / "x.csv"), "--runs-dir", str(root))
    assert got.returncode == 0, got.stderr
    assert "not forecast: 1 series left out of training (too short for window" in got.stderr and "tiny (5 rows)" in got.stderr
    assert "wrote 2 forecasts for each of 3 series" in got.stderr and "(1 left out: see the note above)" in got.stderr
    # naive fits 5 rows: it forecasts tiny too, from its own rows, and says so
    naive = CliRunner().invoke(app, ["forecast", "t", "--future", "2", "--model", "naive", "--json", "--runs-dir", str(root)])
    assert naive.exit_code == 0, naive.output
    report = json.loads(naive.stdout)
    assert report["left_out"] == [["tiny", 5]] and report["forecast_left_out"] == ["tiny"]
    tiny = [r for r in report["rows"] if r["unique_id"] == "tiny"]
    assert [(r["ds"], r["forecast"], r["model"]) for r in tiny] == [("2000-06-01", 9.0, "naive"), ("2000-07-01", 9.0, "naive")]
    assert any("forecast by naive from their own rows: tiny" in n for n in report["notes"])
    # ETS does not fit 5 rows: named, not dropped silently
    ets = CliRunner().invoke(app, ["forecast", "t", "--future", "2", "--model", "ets", "--json", "--runs-dir", str(root)])
    assert ets.exit_code == 0, ets.output
    assert json.loads(ets.stdout)["forecast_left_out"] == [] and "ets does not fit so few rows" in ets.output


def test_covariates_are_refused_on_a_global_run(trained):
    root, _, _ = trained
    got = rnnlab("forecast", "t", "--future", "1", "--covariates", "nonexist.csv", "--runs-dir", str(root))
    assert_user_error(got, "--covariates nonexist.csv: a global run over many series has no covariates")


def test_best_past_the_horizon_says_which_series_switched(trained, monkeypatch):
    root, out, _ = trained
    from rnnlab.tasks.timeseries.globaltask import GlobalTimeSeriesTask

    real = GlobalTimeSeriesTask.panel_result

    def rnn_best_on_the_first(self, model, device):  # the recurrent model best on LONG_IDS[0]'s test split
        result = real(self, model, device)
        result["series"][0]["rnn_mase"] = 1e-6
        return result

    monkeypatch.setattr(GlobalTimeSeriesTask, "panel_result", rnn_best_on_the_first)
    run = rnnlab_api.load_run(out["run_dir"])
    h = run.task.data.horizon
    within = run.task.future(run.model, "cpu", h, "best")
    assert within["switched"] == {} and {r["model"] for r in within["rows"] if r["unique_id"] == LONG_IDS[0]} == {"rnn"}
    past = run.task.future(run.model, "cpu", h + 2, "best")
    used = {r["model"] for r in past["rows"] if r["unique_id"] == LONG_IDS[0]}
    assert used != {"rnn"} and past["switched"] == {LONG_IDS[0]: ["rnn", used.pop()]}
    got = CliRunner().invoke(app, ["forecast", "t", "--future", str(h + 2), "--model", "best", "--runs-dir", str(root)])
    assert got.exit_code == 0, got.output
    assert f"--future {h + 2} is past the recurrent model's horizon {h}" in got.output and f"{LONG_IDS[0]} (rnn -> " in got.output
    assert np.isfinite([r["forecast"] for r in past["rows"]]).all()


def test_show_names_the_series_a_global_runs_forecast_plot_draws():
    # `show` on a panel plotted one series without naming it (an outside trial)
    from rnnlab.cli.render import forecast_plot

    out = {"history": [1.0, 2.0, 3.0], "actual": [4.0, 5.0], "forecast": [4.1, 4.9], "series": "Victoria"}
    assert "series Victoria" in forecast_plot(40, out).splitlines()[0]
    assert "series" not in forecast_plot(40, {k: v for k, v in out.items() if k != "series"}).splitlines()[0]


def test_a_panels_step_numbers_continue_per_series(tmp_path):
    # a review: `t = 1..72` came back as 72, 73 (row numbers, the first repeating the file's last)
    path = tmp_path / "steps.csv"
    rows = [f"{sid},{first + i},{_level(k, i):.3f}" for k, (sid, first) in enumerate((("A", 1), ("B", 6))) for i in range(72)]
    path.write_text("id,t,y\n" + "\n".join(rows) + "\n")
    root = tmp_path / "runs"
    proc = rnnlab("train", str(path), "--id-column", "id", *TINY, "--runs-dir", str(root), "--name", "s")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(rnnlab("forecast", "s", "--future", "2", "--json", "--runs-dir", str(root)).stdout)
    assert [(r["unique_id"], r["ds"]) for r in out["rows"]] == [("A", "73"), ("A", "74"), ("B", "78"), ("B", "79")]


def test_step_numbers_with_a_gap_and_in_a_wide_file_never_repeat_the_files(tmp_path):
    # a review: t = 1..72 without 30 came back as 71, 72; a wide file's t as 72, 73
    root = tmp_path / "runs"
    gap = tmp_path / "gap.csv"
    gap.write_text("id,t,y\n" + "".join(f"{sid},{i + 1},{_level(k, i):.3f}\n" for k, sid in enumerate("AC") for i in range(72)
                                         if not (sid == "C" and i == 29)))
    wide = tmp_path / "wide.csv"
    wide.write_text("t,a,b\n" + "".join(f"{i + 1},{_level(0, i):.3f},{_level(1, i):.3f}\n" for i in range(72)))
    for path, flag, name in ((gap, ["--id-column", "id"], "g"), (wide, ["--wide"], "w")):
        proc = rnnlab("train", str(path), *flag, *TINY, "--runs-dir", str(root), "--name", name)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(rnnlab("forecast", name, "--future", "2", "--json", "--runs-dir", str(root)).stdout)
        assert {r["ds"] for r in out["rows"]} == {"73", "74"}, out["rows"]


def test_a_panel_without_times_finds_its_season_in_its_values(tmp_path):
    # trial C: a wide file without a time column read `none, season 1` (no seasonal-naive peer), where
    # one of its columns alone gets `season 4 (detected)`
    import math

    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries import panel as tspanel

    path = tmp_path / "wide.csv"
    path.write_text("a,b,c\n" + "".join(f"{50 + 8 * math.sin(math.pi * k / 2) + 0.2 * k:.2f},{60 + 5 * math.cos(math.pi * k / 2):.2f},"
                                         f"{70 + 6 * math.sin(math.pi * k / 2 + 1):.2f}\n" for k in range(80)))
    p = tspanel.build(TaskConfig(kind="timeseries", source=str(path), wide=True))
    assert p.frequency.name == "none" and p.season == 4
    assert tspanel.build(TaskConfig(kind="timeseries", source=str(path), wide=True, season=2)).season == 2


def test_the_forecast_is_drawn_over_the_baselines_and_seasonal_naive_without_a_season_not_at_all():
    # an outside trial: a yearly panel's forecast within a row of naive's hid under seasonal-naive's
    # markers (the same line as naive without a season), so the legend named a line never seen
    from rnnlab.cli.render import forecast_plot

    flat = [7.859] * 5
    out = {"history": [7.7, 7.8, 7.859], "actual": [7.869, 7.85, 7.8, 7.73, 7.62], "forecast": [7.863, 7.866, 7.867, 7.869, 7.87],
           "naive": flat, "seasonal_naive": flat, "series": "Afghanistan"}
    text = forecast_plot(300, out)
    assert "seasonal_naive" not in text and "naive" in text
    legend = [ln for ln in text.splitlines() if "forecast" in ln and "@" not in ln]
    glyph = legend[0].split("forecast")[0].strip(" │┤0123456789.")[-1]  # the forecast's marker in the legend
    top = [ln for ln in text.splitlines() if "┤" in ln][0]  # 7.87, where every line meets
    assert glyph in top.split("forecast")[-1], text
    seasonal = dict(out, seasonal_naive=[7.7, 7.8, 7.859, 7.7, 7.8])
    assert "seasonal_naive" in forecast_plot(300, seasonal)
