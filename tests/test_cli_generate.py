"""`rnnlab sample` and `rnnlab forecast` on real (tiny) runs."""

from __future__ import annotations

import json
import re

import pytest

from tests.test_cli_train import assert_user_error, rnnlab

TINY = ["--set", "model.hidden_size=8", "--set", "train.steps=6", "--set", "train.checkpoint_every=3",
        "--set", "train.eval_every=3", "--set", "probes.output_every=0"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    corpus = root / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog\n" * 200)
    done = {}
    for name, preset, extra in [
        ("txt", "lstm-char", ["--set", f"task.source='{corpus}'", "--set", "task.seq_len=16", "--set", "train.batch_size=4"]),
        ("ts1", "ts-lstm", ["--set", "task.synthetic.length=600", "--set", "task.window=24", "--set", "task.horizon=6"]),
        ("ts2", "ts-lstm", ["--set", "task.synthetic.length=600", "--set", "task.window=24", "--set", "task.horizon=6",
                            "--set", "model.cell=gru", "--set", "train.seed=2"]),
        ("ts3", "ts-lstm", ["--set", "task.synthetic.length=600", "--set", "task.window=24", "--set", "task.horizon=12"]),
        ("ts4", "ts-lstm", ["--set", "task.synthetic.length=600", "--set", "task.window=24", "--set", "task.horizon=6",
                            "--set", "task.periods=[24.0]"]),
    ]:
        proc = rnnlab("train", preset, *TINY, *extra, "--name", name, "--runs-dir", str(root), "--json")
        assert proc.returncode == 0, proc.stderr
        done[name] = json.loads(proc.stdout)
    return root, done


def test_sample_is_reproducible_with_a_seed(runs):
    root, _ = runs
    a = rnnlab("sample", "txt", "--prime", "the ", "--length", "40", "--seed", "3", "--runs-dir", str(root))
    b = rnnlab("sample", "txt", "--prime", "the ", "--length", "40", "--seed", "3", "--runs-dir", str(root))
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout and a.stdout.startswith("the ")
    assert len(a.stdout.rstrip("\n")) >= 40
    assert re.search(r"distinct-1/2/3 \(word\): \d\.\d{3} / ", a.stderr), a.stderr
    # fewer words than n: nothing to measure, not a sample stuck in a loop (0.000 before)
    one = rnnlab("sample", "txt", "--prime", "the ", "--length", "1", "--seed", "3", "--runs-dir", str(root))
    assert one.returncode == 0 and "/ n/a / n/a" in one.stderr, one.stderr
    c = rnnlab("sample", "txt", "--prime", "the ", "--length", "40", "--seed", "4", "--temperature", "2", "--runs-dir", str(root))
    assert c.stdout != a.stdout


def test_sample_refuses_a_timeseries_run(runs):
    root, _ = runs
    assert_user_error(rnnlab("sample", "ts1", "--runs-dir", str(root)), "timeseries", "rnnlab forecast")


def test_forecast_ensemble_beside_baselines(runs):
    root, done = runs
    proc = rnnlab("forecast", "ts1", done["ts2"]["run_id"], "--json", "--runs-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert len(report["models"]) == 2 and report["ensemble"]["size"] == 2
    assert {"naive_test_rmse", "seasonal_naive_test_rmse"} <= set(report["baselines"])
    assert report["runs"] == [done["ts1"]["run_id"], done["ts2"]["run_id"]]
    text = rnnlab("forecast", "ts1", "ts2", "--runs-dir", str(root))
    assert text.returncode == 0, text.stderr
    scores, intervals = text.stdout.split("\n\n")
    rows = {line.split("  ")[0].strip(): line.split() for line in scores.splitlines()[3:]}
    assert [k.split(" (")[0] for k in rows] == ["ts1", "ts2", "ensemble", "naive", "seasonal naive", "drift", "exp. smoothing"]
    ensemble_rmse = float(rows[next(k for k in rows if k.startswith("ensemble"))][-7])
    assert ensemble_rmse == pytest.approx(report["ensemble"]["test_rmse"], rel=1e-3)
    assert "{" not in text.stdout  # a table, not a dict dump
    # the conformal bands of every row, on the same windows
    # (two members, the ensemble, naive, seasonal naive, drift and exp. smoothing)
    assert "cover 80%" in intervals and len(intervals.splitlines()) == 2 + 7


def test_forecast_refuses_mismatched_runs(runs):
    root, _ = runs
    assert_user_error(rnnlab("forecast", "ts1", "ts3", "--runs-dir", str(root)), "horizon")
    assert_user_error(rnnlab("forecast", "ts1", "ts4", "--runs-dir", str(root)), "periods")


def test_commands_say_which_checkpoint_they_use(runs):
    root, done = runs
    report = json.loads(rnnlab("forecast", "ts1", "--json", "--runs-dir", str(root)).stdout)
    (used,) = report["checkpoints"]
    assert used["which"] == "best" and used["metric"] == "val_rmse" and used["step"] in (0, 3, 6)
    last = json.loads(rnnlab("forecast", "ts1", "--json", "--checkpoint", "last", "--runs-dir", str(root)).stdout)
    assert last["checkpoints"][0]["which"] == "last" and last["checkpoints"][0]["step"] == 6
    text = rnnlab("forecast", "ts1", "--runs-dir", str(root)).stdout.splitlines()
    assert text[1] == f"checkpoints: ts1 best step {used['step']}"
    s = rnnlab("sample", "txt", "--length", "5", "--checkpoint", "last", "--runs-dir", str(root))
    assert s.returncode == 0 and "from the last checkpoint (step 6, val_bpc" in s.stderr
    listed = json.loads(rnnlab("runs", "--json", "--runs-dir", str(root)).stdout)
    ts1 = next(r for r in listed if r["name"] == "ts1")
    assert ts1["checkpoints"]["best"]["step"] == used["step"] and ts1["checkpoints"]["last"]["step"] == 6
    shown = rnnlab("show", "ts1", "--runs-dir", str(root)).stdout
    assert f"checkpoint  best: step {used['step']} (val_rmse" in shown and "sample/forecast use the best" in shown
    assert_user_error(rnnlab("sample", "txt", "--checkpoint", "newest", "--runs-dir", str(root)), "--checkpoint", "best or last")


def test_temperature_zero_is_greedy_and_a_prime_outside_the_vocabulary_is_reported(runs):
    root, _ = runs
    a = rnnlab("sample", "txt", "--temperature", "0", "--length", "30", "--seed", "1", "--runs-dir", str(root))
    b = rnnlab("sample", "txt", "--temperature", "0", "--length", "30", "--seed", "2", "--runs-dir", str(root))
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout  # greedy: the seed has nothing to draw
    odd = rnnlab("sample", "txt", "--prime", "the é€ fox", "--length", "5", "--runs-dir", str(root))
    assert odd.returncode == 0, odd.stderr
    assert "-- prime: dropped 2 characters not in the run's vocabulary: 'é', '€'" in odd.stderr
