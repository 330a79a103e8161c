"""`rnnlab forecast --future / --backtest` on real tiny runs, as a user types them."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime, timedelta

import pytest

from tests.test_cli_train import assert_user_error, rnnlab

TINY = ["--set", "model.hidden_size=8", "--set", "train.steps=6", "--set", "train.checkpoint_every=6",
        "--set", "train.eval_every=6", "--set", "probes.output_every=0"]
FIRST = datetime(2019, 1, 6)  # a Sunday; weekly rows from here


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("fcruns")
    weekly = root / "weekly.csv"
    rows = ["date,sales"]
    for k in range(260):
        y = 100 + 0.2 * k + 10 * math.sin(2 * math.pi * k / 52)
        rows.append(f"{(FIRST + timedelta(weeks=k)).date().isoformat()},{'' if k % 37 == 5 else f'{y:.3f}'}")
    weekly.write_text("\n".join(rows) + "\n")
    xy = root / "xy.csv"
    xy.write_text("t,x,y,label\n" + "".join(
        f"{(FIRST + timedelta(hours=i)).isoformat()},{math.sin(i * 1.7):.4f},{10 + 2 * math.sin(i * 1.7):.4f},a\n" for i in range(300)))
    corpus = root / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog\n" * 200)
    done = {}
    for name, preset, extra in [
        ("weekly", "ts-lstm", ["--set", f"task.source='{weekly}'", "--set", "task.time_column='date'",
                               "--set", "task.window=26", "--set", "task.horizon=8", "--set", "task.periods=[52.0]"]),
        ("hourly", "ts-lstm", ["--set", "task.synthetic.length=600", "--set", "task.window=24", "--set", "task.horizon=6"]),
        ("cov", "ts-lstm", ["--set", f"task.source='{xy}'", "--set", "task.column='y'", "--set", "task.time_column='t'",
                            "--set", "task.window=8", "--set", "task.horizon=4", "--set", "task.future_covariates=['x']"]),
        ("txt", "lstm-char", ["--set", f"task.source='{corpus}'", "--set", "task.seq_len=16", "--set", "train.batch_size=4"]),
    ]:
        proc = rnnlab("train", preset, *TINY, *extra, "--name", name, "--runs-dir", str(root), "--json")
        assert proc.returncode == 0, proc.stderr
        done[name] = json.loads(proc.stdout)
    done["xy"] = xy
    return root, done


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_future_52_weeks_to_a_file(runs, tmp_path):
    root, _ = runs
    out = tmp_path / "f.csv"
    proc = rnnlab("forecast", "weekly", "--future", "52", "-o", str(out), "--runs-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "weekly" in proc.stderr and "recursive" in proc.stderr and proc.stdout == ""
    rows = _rows(out.read_text())
    assert len(rows) == 52
    assert list(rows[0]) == ["time", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
    last = FIRST + timedelta(weeks=259)
    assert [datetime.fromisoformat(r["time"]) for r in rows] == [last + timedelta(weeks=k) for k in range(1, 53)]
    for r in rows:
        f = float(r["forecast"])
        assert float(r["lower_95"]) <= float(r["lower_80"]) <= f <= float(r["upper_80"]) <= float(r["upper_95"])
    # the CSV keeps the numbers --json has (six significant digits wrote 1359301 as 1.3593e+06)
    exact = json.loads(rnnlab("forecast", "weekly", "--future", "52", "--json", "--runs-dir", str(root)).stdout)["rows"]
    assert all(float(r["upper_95"]) == pytest.approx(e["upper_95"], rel=1e-9, abs=0) for r, e in zip(rows, exact))
    assert not any("e+" in v for r in rows for v in r.values())
    # -o NAME.json: the --json report, rows and all (an outside trial's `-o dax.json --json` got CSV)
    as_json = tmp_path / "f.json"
    proc = rnnlab("forecast", "weekly", "--future", "52", "-o", str(as_json), "--json", "--runs-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(as_json.read_text())["rows"] == exact and json.loads(proc.stdout)["output"] == str(as_json)


def test_future_beyond_the_horizon_on_hourly_data_to_stdout(runs):
    root, _ = runs
    proc = rnnlab("forecast", "hourly", "--future", "15", "--level", "90", "--runs-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    # which weights: the best checkpoint unless asked otherwise, said on stderr (stdout stays CSV)
    assert "from the best checkpoint (step " in proc.stderr and "checkpoint" not in proc.stdout
    rows = _rows(proc.stdout)
    assert len(rows) == 15 and list(rows[0]) == ["time", "forecast", "lower_90", "upper_90"]
    # builtin:synthetic is hourly from 2024-01-01 00:00, 600 rows
    assert rows[0]["time"] == "2024-01-26T00:00:00" and rows[-1]["time"] == "2024-01-26T14:00:00"
    js = json.loads(rnnlab("forecast", "hourly", "--future", "15", "--json", "--runs-dir", str(root)).stdout)
    assert js["recursive"] and js["horizon"] == 6 and len(js["rows"]) == 15
    assert [r["time"] for r in js["rows"]] == [r["time"] for r in rows]


def test_backtest_json_has_per_origin_metrics_and_baselines(runs):
    root, _ = runs
    proc = rnnlab("forecast", "hourly", "--backtest", "10", "--stride", "3", "--json", "--runs-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["backtest"] == 10 and len(rep["origins"]) == 10 and rep["stride"] == 3
    for row in rep["origins"]:
        for who in ("model", "naive", "seasonal_naive"):
            assert {"rmse", "mae", "mase", "coverage_80", "width_95", "pinball"} <= set(row[who])
    # ts-data's drift and exponential smoothing stand beside them too
    assert {"model", "fused", "naive", "seasonal_naive", "drift"} <= set(rep["mean"]) <= {"model", "fused", "naive", "seasonal_naive", "drift", "ets"}
    text = rnnlab("forecast", "hourly", "--backtest", "10", "--stride", "3", "--runs-dir", str(root))
    assert text.returncode == 0 and "mean over origins" in text.stdout and "seasonal naive" in text.stdout
    assert next(ln for ln in text.stdout.splitlines() if ln.startswith("fused "))  # the forecast --future gives
    show = rnnlab("show", "hourly", "--runs-dir", str(root))
    assert show.returncode == 0 and "backtest RMSE per origin" in show.stdout


def test_the_test_split_is_scored_at_the_end_and_listed(runs):
    root, done = runs
    assert {"test_rmse", "test_coverage_80", "naive_test_rmse"} <= set(done["hourly"]["metrics"])
    listing = rnnlab("runs", "--runs-dir", str(root)).stdout
    assert "test_rmse" in next(line for line in listing.splitlines() if "hourly" in line)


@pytest.mark.parametrize(
    "args, needles",
    [
        (["txt", "--future", "5"], ["text run", "time-series"]),
        (["hourly", "--future", "5", "--backtest", "3"], ["--future", "--backtest"]),
        (["hourly", "--backtest", "500"], ["room for"]),
        (["hourly", "-o", "x.csv"], ["--future"]),
        (["hourly", "--stride", "2"], ["--backtest"]),
    ],
)
def test_bad_forecast_requests_are_one_line(runs, args, needles):
    root, _ = runs
    assert_user_error(rnnlab("forecast", *args, "--runs-dir", str(root)), *needles)


def test_future_with_known_ahead_covariates(runs, tmp_path):
    root, _ = runs
    good = tmp_path / "future.csv"
    good.write_text("x\n" + "\n".join(str(v) for v in (0.5, -1, 1, 0, 2, -2)) + "\n")
    proc = rnnlab("forecast", "cov", "--future", "6", "--covariates", str(good), "--runs-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    rows = _rows(proc.stdout)
    assert len(rows) == 6 and rows[0]["time"] == (FIRST + timedelta(hours=300)).isoformat()
    assert_user_error(rnnlab("forecast", "cov", "--future", "6", "--runs-dir", str(root)), "--covariates", "x")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("price\n1\n2\n3\n4\n5\n6\n")
    assert_user_error(rnnlab("forecast", "cov", "--future", "6", "--covariates", str(wrong), "--runs-dir", str(root)),
                      "no column 'x'", "price")
    short = tmp_path / "short.csv"
    short.write_text("x\n1\n2\n")
    assert_user_error(rnnlab("forecast", "cov", "--future", "6", "--covariates", str(short), "--runs-dir", str(root)),
                      "2 rows", "needs 6")
    hole = tmp_path / "hole.csv"
    hole.write_text("k,x\n1,1\n2,\n3,3\n4,4\n5,5\n6,6\n")
    assert_user_error(rnnlab("forecast", "cov", "--future", "6", "--covariates", str(hole), "--runs-dir", str(root)),
                      "line 3", "missing")
    # two rows for one future time: which value? (the last one was taken, silently)
    twice = tmp_path / "twice.csv"
    stamps = [(FIRST + timedelta(hours=300 + k)).isoformat() for k in range(6)]
    twice.write_text("t,x\n" + "".join(f"{t},{k}\n" for k, t in enumerate(stamps)) + f"{stamps[2]},9\n")
    assert_user_error(rnnlab("forecast", "cov", "--future", "6", "--covariates", str(twice), "--runs-dir", str(root)),
                      "lines 4 and 8", "two rows for", stamps[2])
    # a classical member reads the series alone: no covariates' future needed (it was refused)
    ets = rnnlab("forecast", "cov", "--future", "6", "--model", "ets", "--json", "--runs-dir", str(root))
    assert ets.returncode == 0, ets.stderr
    out = json.loads(ets.stdout)
    assert out["model"] == "ets" and len(out["rows"]) == 6 and {"rnn", "fused"}.isdisjoint(out["members"])
    assert any("--covariates" in n for n in out["notes"])
    with_file = json.loads(rnnlab("forecast", "cov", "--future", "6", "--model", "ets", "--json", "--covariates", str(good),
                                  "--runs-dir", str(root)).stdout)
    assert [r["forecast"] for r in with_file["rows"]] == [r["forecast"] for r in out["rows"]] and "rnn" in with_file["members"]


@pytest.mark.parametrize(
    "setting, needles",
    [
        ("task.future_covariates=['z']", ["no column 'z'", "task.future_covariates"]),
        ("task.covariates=['lable']", ["no column 'lable'", "did you mean 'label'"]),
        ("task.future_covariates=['label']", ["line 2", "'label'", "not a number"]),
    ],
)
def test_bad_covariates_are_one_line(runs, setting, needles):
    root, done = runs
    proc = rnnlab("train", "ts-lstm", *TINY, "--set", f"task.source='{done['xy']}'", "--set", "task.column='y'",
                  "--set", "task.window=8", "--set", "task.horizon=4", "--set", setting, "--runs-dir", str(root))
    assert_user_error(proc, *needles)


def test_with_no_season_the_tables_list_naive_once(capsys):
    """Season 1: seasonal-naive is the naive forecast; the backtest table printed both columns with
    the same numbers (an outside review). --json keeps both keys."""
    from rnnlab.cli.generate import _print_backtest

    scores = {"rmse": 1.0, "mae": 1.0, "mase": 1.0, "smape": 1.0, "coverage_80": 0.8}
    for season, shown in ((1, False), (12, True)):
        report = {"names": ["m"], "backtest": 1, "stride": 4, "horizon": 4, "season": season, "levels": [80.0],
                  "origins": [{"origin": 10, "time": None, **{k: scores for k in ("model", "fused", "naive", "seasonal_naive")}}],
                  "mean": {k: scores for k in ("model", "fused", "naive", "seasonal_naive")}}
        _print_backtest(report)
        out = capsys.readouterr().out
        header = next(ln for ln in out.splitlines() if ln.split()[:1] == ["origin"])
        assert ("s-naive" in header) == shown and ("seasonal naive" in out) == shown, out


def test_an_ensembles_mismatch_shows_what_an_unset_setting_took_from_the_data(runs):
    """`forecast A B` said `season = 400 differs from A's 0` (an outside trial): 0 is unset, and the
    run had taken 7 from its data."""
    from rnnlab.cli.generate import _setting
    from rnnlab.inspect.loader import load_run

    root, done = runs
    task = load_run(done["hourly"]["run_dir"]).task
    assert _setting("season", 0, task) == f"0 (unset: {task.season} from the data)" and task.season > 1
    assert _setting("season", 400, task) == "400" and _setting("column", None, task) == "None"
    assert_user_error(rnnlab("forecast", "weekly", "hourly", "--runs-dir", str(root)), "differs from", "an ensemble needs")


def test_what_a_run_took_from_its_data_is_in_diff_and_load_runs_config(tmp_path):
    """An outside trial: `rnnlab diff` of a daily and a weekly CSV listed only task.source (window 24
    against 104 unsaid: both were left to the data), and `load_run(...).config.task.window` was None
    where the run trained with 24, although the README calls it the resolved config."""
    import rnnlab as api

    runs = tmp_path / "runs"
    for name, n, period in (("a", 300, 7), ("b", 260, 12)):
        csv = tmp_path / f"{name}.csv"
        csv.write_text("v\n" + "".join(f"{10 + math.sin(2 * math.pi * k / period) + 0.01 * k:.4f}\n" for k in range(n)))
        proc = rnnlab("train", str(csv), *TINY, "--name", name, "--runs-dir", str(runs))
        assert proc.returncode == 0, proc.stderr
    out = json.loads(rnnlab("diff", "a", "b", "--runs-dir", str(runs), "--json").stdout)
    rows = {d["key"]: d for d in out["differ"]}
    assert "task.window" in rows or "task.season" in rows, rows.keys()
    assert all(all(d["from_data"]) for k, d in rows.items() if k in ("task.window", "task.horizon", "task.season"))
    text = rnnlab("diff", "a", "b", "--runs-dir", str(runs)).stdout
    assert "(data)" in text and "left to the data" in text
    run = api.load_run("a", runs_dir=runs)
    assert run.config.task.window == run.task.data.window and run.config.task.horizon == run.task.data.horizon
    assert run.config.task.season == run.task.season and run.config.task.column == "v"
    # a run made before this was recorded: its unset keys read `? (data)`, not "no such key"
    import sqlite3

    db = run.run_dir / "run.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'from_data'")
    old = rnnlab("diff", "a", "b", "--runs-dir", str(runs)).stdout
    assert "? (data)" in old and "a run made before that was recorded" in old and "no such key" not in old, old
