"""`rnnlab train` as a user runs it: a real subprocess, its exit code, stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TINY = ["--set", "model.hidden_size=8", "--set", "train.steps=12", "--set", "train.eval_every=6",
        "--set", "train.checkpoint_every=6", "--set", "train.log_every=4"]


def rnnlab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=180)


def assert_user_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_json_outcome_and_run_directory(tmp_path):
    proc = rnnlab("train", "adding-lstm", *TINY, "--set", "task.seq_len=10", "--runs-dir", str(tmp_path), "--json", "--name", "tiny")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"run_id", "run_dir", "status", "steps", "metrics", "baselines"}
    assert out["status"] == "finished" and out["steps"] == 12
    assert out["baselines"]["constant_val_mse"] == pytest.approx(1 / 6)
    assert {"val_mse", "loss"} <= set(out["metrics"])
    run = Path(out["run_dir"])
    assert (run / "config.toml").is_file() and any((run / "checkpoints").glob("step-*"))
    assert "hidden_size = 8" in (run / "config.toml").read_text()


def test_plain_lines_in_a_pipe(tmp_path):
    proc = rnnlab("train", "copy-lstm", *TINY, "--set", "task.seq_len=5", "--runs-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    steps = [ln for ln in proc.stdout.splitlines() if ln.startswith("step ")]
    assert [ln.split()[1] for ln in steps] == ["4/12", "8/12", "12/12"]
    assert "loss" in steps[0] and "tok/s" in steps[0] and "eta" in steps[0]
    assert "\x1b[" not in proc.stdout  # no terminal control codes in logs
    assert "memoryless_val_loss" in proc.stdout
    assert "  kept:      best checkpoint (step" in proc.stdout  # which model sample/forecast will load


@pytest.mark.parametrize(
    "sets,needles",
    [
        (["train.lrr=1"], ["unknown key 'lrr'", "did you mean 'lr'"]),
        (["train.steps=many"], ["[train] steps", "'many'"]),
        (["train.lr=-1"], ["[train] lr", "greater than 0"]),
        (["model.cell=lstn"], ["[model] cell", "did you mean 'lstm'"]),
        (["task.kind=txt"], ["[task] kind", "did you mean 'text'"]),
    ],
)
def test_bad_config_values(tmp_path, sets, needles):
    args = [x for s in sets for x in ("--set", s)]
    assert_user_error(rnnlab("train", "lstm-char", *args, "--runs-dir", str(tmp_path)), *needles)
    assert not (tmp_path / "runs").exists() or not any(tmp_path.iterdir())


def test_missing_config_file(tmp_path):
    assert_user_error(rnnlab("train", str(tmp_path / "nope.toml"), "--runs-dir", str(tmp_path)), "nope.toml", "no such file")


def _corpus_case(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "name,data,needles",
    [
        ("empty.txt", b"", ["empty.txt", "empty"]),
        ("binary.txt", b"ab\x00cd" * 100, ["binary.txt", "binary"]),
        ("latin1.txt", "caf\u00e9 ".encode("latin-1") * 100, ["latin1.txt", "not UTF-8", "offset 3"]),
        ("short.txt", b"hello world\n" * 10, ["short.txt", "batch"]),
    ],
    ids=["empty", "binary", "not-utf8", "too-short"],
)
def test_bad_corpus(tmp_path, name, data, needles):
    path = _corpus_case(tmp_path, name, data)
    runs = tmp_path / "runs"
    assert_user_error(rnnlab("train", "lstm-char", "--set", f"task.source='{path}'", "--runs-dir", str(runs)), *needles)
    assert not runs.exists() or not [p for p in runs.iterdir() if not p.name.startswith(".")]


def test_missing_corpus(tmp_path):
    assert_user_error(rnnlab("train", "lstm-char", "--set", f"task.source='{tmp_path}/none.txt'", "--runs-dir", str(tmp_path)), "none.txt")


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "series.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_without_the_column(tmp_path):
    path = _csv(tmp_path, ["time,load"] + [f"2024-01-01T{h % 24:02d}:00,{h}" for h in range(50)])
    proc = rnnlab("train", "ts-lstm", "--set", f"task.source='{path}'", "--set", "task.column='laod'", "--runs-dir", str(tmp_path / "r"))
    assert_user_error(proc, "series.csv", "laod", "load")


def test_csv_with_a_non_numeric_value(tmp_path):
    rows = ["value"] + [str(i) for i in range(500)]
    rows[42] = "twelve"
    path = _csv(tmp_path, rows)
    proc = rnnlab("train", "ts-lstm", "--set", f"task.source='{path}'", "--set", "task.column='value'", "--runs-dir", str(tmp_path / "r"))
    assert_user_error(proc, "series.csv", "line 43", "twelve")


def test_csv_shorter_than_window_plus_horizon(tmp_path):
    path = _csv(tmp_path, ["value"] + [str(i) for i in range(60)])
    proc = rnnlab("train", "ts-lstm", "--set", f"task.source='{path}'", "--set", "task.window=96", "--runs-dir", str(tmp_path / "r"))
    assert_user_error(proc, "series.csv", "window", "horizon")
    # with the sizes left to the data, the one line says the minimum (issue 17)
    short = _csv(tmp_path, ["value"] + [str(i % 7) for i in range(11)])
    proc = rnnlab("train", "ts-lstm", "--set", f"task.source='{short}'", "--runs-dir", str(tmp_path / "r"))
    assert_user_error(proc, "series.csv", "11 rows is too short", "at least 30")


def test_a_csv_named_instead_of_a_config_is_forecast_on_the_datas_defaults(tmp_path):
    """`rnnlab train sales.csv`: what a forecaster types first; a run named after the file whose
    window, horizon and season are what `rnnlab data` recommends for it."""
    import math

    rows = ["month,sales"] + [f"{2000 + k // 12}-{k % 12 + 1:02d}-01,{50 + 10 * math.sin(2 * math.pi * k / 12) + 0.2 * k:.2f}" for k in range(96)]
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(rows) + "\n")
    card = json.loads(rnnlab("data", str(path), "--json").stdout)
    proc = rnnlab("train", "sales.csv", "--json", *TINY, "--runs-dir", str(tmp_path / "r"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "finished" and "fused_test_mase" in out["metrics"]
    resolved = (Path(out["run_dir"]) / "config.toml").read_text()
    assert 'kind = "timeseries"' in resolved and f'source = "{path}"' in resolved and 'name = "sales"' in resolved
    runs = json.loads(rnnlab("runs", "--json", "--runs-dir", str(tmp_path / "r")).stdout)
    assert runs[0]["name"] == "sales"
    started = json.loads(rnnlab("show", "sales", "--json", "--runs-dir", str(tmp_path / "r")).stdout)["task_description"]
    want = card["recommended"]
    assert f"window {want['window']} -> horizon {want['horizon']}" in started and f"season {card['season']}," in started, (card, started)
    assert_user_error(rnnlab("train", "nope.csv", "--runs-dir", str(tmp_path / "r"), cwd=tmp_path), "nope.csv: no such file")


def test_unusable_runs_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_user_error(rnnlab("train", "adding-lstm", "--runs-dir", str(blocker / "runs")), "runs directory", "--runs-dir")


def test_bad_device_option_names_the_option(tmp_path):
    proc = rnnlab("train", "adding-lstm", "--set", "model.hidden_size=4", "--set", "train.steps=2", "--set",
                  "task.seq_len=4", "--runs-dir", str(tmp_path), "--name", "dev")
    assert proc.returncode == 0, proc.stderr
    assert_user_error(rnnlab("forecast", "dev", "--device", "gpu", "--runs-dir", str(tmp_path)), "--device = 'gpu'", "cuda:N")


def test_a_reader_that_goes_away_ends_printing_not_training(tmp_path):
    # `rnnlab train ... | head -2`: a real pipe whose reader exits after two lines
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    train = subprocess.Popen(
        [sys.executable, "-m", "rnnlab", "train", "adding-lstm", "--set", "model.hidden_size=8", "--set", "task.seq_len=10",
         "--set", "train.steps=200", "--set", "train.log_every=2", "--runs-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    head = subprocess.run(["head", "-2"], stdin=train.stdout, capture_output=True, text=True, timeout=120)
    train.stdout.close()  # only head held the read end: the pipe is now closed for the writer
    _, err = train.communicate(timeout=180)
    assert len(head.stdout.splitlines()) == 2
    assert train.returncode == 0, err
    assert "Traceback" not in err.decode() and "BrokenPipe" not in err.decode()
    listed = json.loads(rnnlab("runs", "--json", "--runs-dir", str(tmp_path)).stdout)
    assert [(r["status"], r["step"]) for r in listed] == [("finished", 200)]


def test_detach_hint_names_the_runs_dir_and_a_foreground_run_has_a_log(tmp_path):
    from tests.waiting import wait_for

    proc = rnnlab("train", "adding-lstm", *TINY, "--set", "task.seq_len=10", "--runs-dir", str(tmp_path), "--detach")
    assert proc.returncode == 0, proc.stderr
    hint = proc.stdout.splitlines()[1]
    run_id = proc.stdout.split()[1]
    assert f"rnnlab logs {run_id} -f --runs-dir {tmp_path}" in hint and f"rnnlab show {run_id} --runs-dir {tmp_path}" in hint
    assert wait_for(lambda: '"finished"' in rnnlab("show", run_id, "--json", "--runs-dir", str(tmp_path)).stdout, 120, 0.5)

    fg = rnnlab("train", "adding-lstm", *TINY, "--set", "task.seq_len=10", "--runs-dir", str(tmp_path), "--name", "fg")
    assert fg.returncode == 0, fg.stderr
    log = rnnlab("logs", "fg", "--runs-dir", str(tmp_path))
    assert log.returncode == 0
    assert "foreground run in pid" in log.stdout and "the terminal that ran `rnnlab train`" in log.stdout
    assert "finished: finished 12 steps" in log.stdout


def test_train_takes_the_panel_flags_rnnlab_data_takes(tmp_path):
    """`rnnlab data FILE --id-column store` / `--wide` worked, and `rnnlab train FILE --id-column
    store` answered `No such option: --id-column` (an outside trial); they are the same as --set."""
    import math

    long_csv, wide_csv = tmp_path / "long.csv", tmp_path / "wide.csv"
    def month(k: int) -> str:
        return f"{2000 + k // 12}-{k % 12 + 1:02d}"

    def value(i: int, k: int) -> str:
        return f"{50 + 10 * i + 5 * math.sin(k / 2):.2f}"

    long_csv.write_text("store,month,sales\n" + "".join(f"{s},{month(k)},{value(i, k)}\n" for i, s in enumerate("abc") for k in range(60)))
    wide_csv.write_text("month,a,b,c\n" + "".join(f"{month(k)},{value(0, k)},{value(1, k)},{value(2, k)}\n" for k in range(60)))
    for path, flags, key in ((long_csv, ["--id-column", "store"], 'id_column = "store"'), (wide_csv, ["--wide"], "wide = true")):
        proc = rnnlab("train", str(path), *flags, *TINY, "--runs-dir", str(tmp_path / "runs"), "--json")
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert [r["id"] for r in out["series"]] == ["a", "b", "c"]
        assert key in (Path(out["run_dir"]) / "config.toml").read_text()
    bad = rnnlab("train", "lstm-char", "--wide", "--runs-dir", str(tmp_path / "runs"))
    assert bad.returncode == 2 and "--wide names a CSV's columns" in bad.stderr and "lstm-char is a text task" in bad.stderr


def test_small_metrics_keep_their_digits_on_the_metrics_line(tmp_path):
    # an outside trial's daily exchange-rate returns printed `test_mse 0.0000 … val_mse 0.0000`
    import math

    csv = tmp_path / "returns.csv"
    csv.write_text("t,r\n" + "".join(f"{k + 1},{0.004 * math.sin(k / 3) + 0.001 * math.cos(k * 1.7):.6f}\n" for k in range(200)))
    proc = rnnlab("train", str(csv), *TINY, "--runs-dir", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.strip().startswith("metrics:"))
    assert "test_mse" in line and "test_mse 0.0000" not in line and "e-0" in line, line
