"""The run-management CLI against stores written by StoreWriter (no engine needed): tables in a
pipe, summaries with plots, control commands reaching a live writer, rm's safety, logs -f,
compare and export."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab import config
from rnnlab.cli.app import app
from rnnlab.errors import UserError
from rnnlab.runs import launch, store

REPO = Path(__file__).resolve().parents[1]


def _cfg(cell="lstm", lr=0.01):
    return config.validate({"model": {"cell": cell, "hidden_size": 8}, "task": {"kind": "adding", "seq_len": 10},
                            "train": {"steps": 30, "device": "cpu", "lr": lr}})


def _populate(root, name, cell="lstm", status="finished", steps=30, live=False, lr=0.01):
    d = launch.create_run(_cfg(cell, lr), root, name=name)
    w = store.StoreWriter(d, heartbeat=live)
    w.start(0)
    w.event("started", "started", 0, {"primary_metric": "val_mse", "baselines": {"constant_val_mse": 1 / 6},
                                      "params": 609, "device": "cpu", "task": "adding: T=10", "total_steps": 30})
    for s in range(1, steps + 1):
        w.scalars(s, {"loss": 1.0 / s, "grad_norm": 0.5 + 0.01 * s, "lr": lr, "tokens_per_s": 1000.0})
        if s % 10 == 0:
            w.scalars(s, {"val_mse": 0.5 / s})
    (d / "worker.log").write_text(f"log of {name}\n")
    if live:
        w.set_status("running", pid=os.getpid(), host=socket.gethostname())
        return d, w
    w.set_status(status, "done", ended=time.time())
    w.close()
    return d


@pytest.fixture
def root(tmp_path):
    return tmp_path / "runs"


def _run(root, *args, input=None):
    result = CliRunner().invoke(app, [*args, "--runs-dir", str(root)], input=input)
    return result


def test_runs_table_and_json(root):
    a = _populate(root, "alpha", "lstm")
    b = _populate(root, "beta", "gru", status="diverged")
    r = _run(root, "runs")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["id", "name", "cell", "task", "status", "step", "best", "age", "test", "checkpoints", "tags", "note"]
    row_b = lines[1].split()  # newest first
    assert row_b[:6] == [b.name, "beta", "gru", "adding", "diverged", "30/30"]
    assert "val_mse 0.0167" in lines[2] and a.name in lines[2]
    assert "\x1b[" not in r.output  # plain text in a pipe
    data = json.loads(_run(root, "runs", "--json").output)
    assert [d["name"] for d in data] == ["beta", "alpha"] and data[1]["best_metric"] == pytest.approx(0.5 / 30)


def test_runs_filter_takes_the_labs_grammar_and_keeps_the_json_shape(root):
    _populate(root, "alpha", "lstm")
    _populate(root, "beta", "gru", steps=10)  # val_mse 0.05 at step 10
    _populate(root, "gamma", "gru", lr=1e-4)
    every = {d["name"]: d for d in json.loads(_run(root, "runs", "--json").output)}
    for text, names in (("lr>1e-3 cell:gru", ["beta"]), ("val_mse<0.02", ["gamma", "alpha"]), ("-cell:gru", ["alpha"]),
                        ("cell:lstm cell:gru train.lr<1e-3", ["gamma"]), ("", ["gamma", "beta", "alpha"])):
        r = _run(root, "runs", "--filter", text, "--json")
        assert r.exit_code == 0, r.output
        data = json.loads(r.output)
        assert [d["name"] for d in data] == names, text
        assert all(d == every[d["name"]] for d in data)  # the same records, only fewer
    r = _run(root, "runs", "--filter", "optimizer:adam val_mse<0.02")
    assert r.exit_code == 0 and r.output.splitlines()[0].split()[:2] == ["id", "name"] and len(r.output.splitlines()) == 3
    r = _run(root, "runs", "--filter", "cell:transformer")
    assert r.exit_code == 0 and "no runs match --filter 'cell:transformer' (3 in" in r.output
    # a bad filter: one line, exit 2, as in the lab's hint line
    for text, needle in (("val_mse<abc", "filter: 'val_mse<abc': < needs a number"),
                         ("val_mes<2", "no run has a metric or config key 'val_mes' (did you mean val_mse?)"),
                         ("colour:red", "filter: unknown field 'colour:'")):
        out = subprocess.run([sys.executable, "-m", "rnnlab", "runs", "--filter", text, "--runs-dir", str(root)],
                             capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
        assert out.returncode == 2 and out.stderr.startswith("error: ") and needle in out.stderr, out.stderr
        assert len(out.stderr.splitlines()) == 1 and not out.stdout


def test_runs_on_an_empty_root_says_how_to_start(root):
    r = _run(root, "runs")
    assert r.exit_code == 0 and "no runs in" in r.output and "rnnlab train" in r.output


def test_runs_lists_a_corrupt_run_and_the_rest(root):
    good = _populate(root, "good")
    bad = _populate(root, "bad")
    (bad / "run.db").write_bytes(b"garbage" * 50)
    r = _run(root, "runs")
    assert r.exit_code == 0
    assert any(bad.name in l and "corrupt" in l for l in r.output.splitlines())
    assert any(good.name in l and "finished" in l for l in r.output.splitlines())
    r = _run(root, "show", bad.name)
    assert isinstance(r.exception, UserError) and str(bad / "run.db") in str(r.exception)


def test_show_summary_and_plots_by_name_prefix_and_path(root):
    d = _populate(root, "alpha")
    for ref in ("alpha", d.name[:-2], str(d)):
        r = _run(root, "show", ref)
        assert r.exit_code == 0, r.output
        assert d.name in r.output and "finished" in r.output and "609 params" in r.output
        assert "best  val_mse 0.0167" in r.output and "constant_val_mse 0.1667" in r.output
        assert "loss" in r.output and "grad_norm" in r.output and "step" in r.output
        assert "\x1b[" not in r.output
    r = _run(root, "show", "nope")
    assert isinstance(r.exception, UserError) and "no run 'nope'" in str(r.exception)


def test_user_errors_are_one_line_and_exit_2(root):
    _populate(root, "alpha")
    out = subprocess.run([sys.executable, "-m", "rnnlab", "show", "../etc", "--runs-dir", str(root)],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert out.returncode == 2 and out.stderr.startswith("error: ../etc: not a run directory")
    assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr


def test_stop_pause_resume_reach_a_live_writer(root):
    d, w = _populate(root, "live", live=True)
    try:
        assert _run(root, "pause", "live").exit_code == 0
        time.sleep(0.25)
        assert w.poll() == ["pause"]
        w.event("paused", "paused", 30)
        r = _run(root, "resume", "live")
        assert r.exit_code == 0 and "asked run" in r.output
        time.sleep(0.25)
        assert w.poll() == ["resume"]
        w.event("unpaused", "go", 30)
        assert _run(root, "stop", "live").exit_code == 0
        time.sleep(0.25)
        assert w.poll() == ["stop"]
    finally:
        w.set_status("stopped", "stopped")
        w.close()
    r = _run(root, "stop", "live")
    assert isinstance(r.exception, UserError) and "is stopped; there is nothing to stop" in str(r.exception)
    r = _run(root, "resume", str(_populate(root, "done")))
    assert isinstance(r.exception, UserError) and "is finished" in str(r.exception)


def test_rm_confirms_and_refuses_live_runs(root):
    d = _populate(root, "victim")
    assert _run(root, "rm", "victim", input="n\n").exit_code == 1 and d.exists()
    r = _run(root, "rm", "victim", input="y\n")
    assert r.exit_code == 0 and not d.exists()
    d2 = _populate(root, "other")
    assert _run(root, "rm", "other", "--yes").exit_code == 0 and not d2.exists()
    live, w = _populate(root, "busy", live=True)
    try:
        r = _run(root, "rm", "busy", "--yes")
        assert isinstance(r.exception, UserError) and "is running" in str(r.exception) and live.exists()
    finally:
        w.set_status("stopped")
        w.close()


def test_rm_force_kills_a_live_worker(root):
    d = launch.create_run(_cfg(), root, name="doomed")
    p = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom rnnlab.runs.store import StoreWriter\n"
                          "w = StoreWriter(sys.argv[1]); w.record_process(); w.set_status('running')\n"
                          "print('up', flush=True); time.sleep(600)", str(d)],
                         stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert p.stdout.readline().strip() == "up"
    r = _run(root, "rm", "doomed", "--yes", "--force")
    assert r.exit_code == 0, r.output
    assert p.wait(30) == -9 and not d.exists()


def test_logs_and_follow(root):
    d = _populate(root, "done")
    r = _run(root, "logs", "done")
    assert r.exit_code == 0 and r.output == "log of done\n"
    assert _run(root, "logs", "done", "-f").output == "log of done\n"  # ends: the run is not live

    live, w = _populate(root, "live", live=True)

    def worker_writes():
        for i in range(3):
            time.sleep(0.3)
            with open(live / "worker.log", "a") as f:
                f.write(f"step {i}\n")
        w.set_status("finished", "ok")
        w.close()

    t = threading.Thread(target=worker_writes)
    t.start()
    r = _run(root, "logs", "live", "--follow")
    t.join()
    assert r.exit_code == 0
    assert r.output == "log of live\nstep 0\nstep 1\nstep 2\n"


def test_compare_overlays_and_tabulates(root):
    a = _populate(root, "alpha", "lstm")
    b = _populate(root, "beta", "rnn_tanh", steps=20)
    r = _run(root, "compare", "alpha", "beta")
    assert r.exit_code == 0, r.output
    assert "val_mse" in r.output and "loss" in r.output
    table = r.output.splitlines()[-3:]
    assert table[0].split()[:4] == ["id", "name", "cell", "task"]
    assert table[1].split()[:3] == [a.name, "alpha", "lstm"] and table[2].split()[:3] == [b.name, "beta", "rnn_tanh"]
    r = _run(root, "compare", "alpha", "beta", "--metric", "bogus")
    assert isinstance(r.exception, UserError) and "bogus" in str(r.exception)


def test_compare_refuses_one_run_and_the_same_run_twice(root):
    # `--help` says two to 20 runs; one run (or one run named twice) printed a one-run "comparison", exit 0
    a = _populate(root, "alpha", "lstm")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for refs, tail in ((["alpha"], "got 1: "), (["alpha", "alpha"], "got 1 (2 names for it)"), (["alpha", a.name], "got 1 (2 names for it)")):
        r = subprocess.run([sys.executable, "-m", "rnnlab", "compare", *refs, "--runs-dir", str(root)],
                           capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 2 and r.stdout == "", (refs, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: compare needs two or more different runs, " + tail), r.stderr


def test_compare_says_which_runs_a_plot_leaves_out(root):
    """A run without the plotted metric (or, with --align, without a best point) was left
    out of the plot without a word; each plot now names the runs it leaves out and why."""
    _populate(root, "alpha", "lstm")
    _populate(root, "gamma", "gru", steps=5)  # no val_mse yet (first eval at step 10)
    r = _run(root, "compare", "alpha", "gamma")
    assert r.exit_code == 0, r.output
    assert "val_mse: not plotted: gamma (no val_mse)" in r.output
    assert "loss: not plotted" not in r.output
    r = _run(root, "compare", "alpha", "gamma", "--align", "val_mse")
    assert "loss: not plotted: gamma (no val_mse to align at yet)" in r.output


def test_export_csv_jsonl_and_tensorboard(root, tmp_path):
    d = _populate(root, "alpha", steps=5)
    r = _run(root, "export", "alpha", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert [(int(x["step"]), x["name"]) for x in rows if x["name"] == "loss"] == [(s, "loss") for s in range(1, 6)]
    assert len(rows) == 5 * 4
    out = tmp_path / "m.jsonl"
    assert _run(root, "export", "alpha", "--format", "jsonl", "-o", str(out)).exit_code == 0
    points = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(points) == 20 and {"step", "wall", "name", "value"} == set(points[0])
    assert points[0]["step"] == 1
    r = _run(root, "export", "alpha", "--format", "parquet")
    assert isinstance(r.exception, UserError) and "csv, jsonl, tensorboard" in str(r.exception)
    import importlib.util

    if importlib.util.find_spec("tensorboard") is None:
        r = _run(root, "export", "alpha", "--format", "tensorboard")
        assert isinstance(r.exception, UserError) and "rnnlab[tensorboard]" in str(r.exception)


def test_runs_dir_before_the_command(root):
    _populate(root, "early")
    result = CliRunner().invoke(app, ["--runs-dir", str(root), "runs"])
    assert result.exit_code == 0 and "early" in result.output


def test_export_jsonl_can_include_probe_vectors_and_samples(root, tmp_path):
    from rnnlab.runs import worker

    cfg = config.validate({"model": {"cell": "lstm", "hidden_size": 8}, "task": {"kind": "adding", "seq_len": 10},
                           "train": {"steps": 4, "batch_size": 4, "eval_every": 2, "device": "cpu"},
                           "probes": {"grad_flow_every": 2, "gates_every": 2, "hidden_every": 2, "output_every": 2,
                                      "layers_every": 2}})
    d = launch.create_run(cfg, root, name="probed")
    assert worker.execute(d, handle_signals=False) == "finished"
    plain = [json.loads(line) for line in _run(root, "export", "probed", "--format", "jsonl").output.splitlines()]
    assert plain and all(set(p) == {"step", "wall", "name", "value"} for p in plain)  # the default is unchanged
    r = _run(root, "export", "probed", "--format", "jsonl", "--include", "probes,samples")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.output.splitlines()]
    vectors = [p for p in rows if "data" in p]
    assert [p for p in rows if "value" in p] == plain
    assert {p["name"] for p in vectors} == {"grad_flow", "gates", "hidden_norm", "layers", "cell", "output"}
    flow = next(p for p in vectors if p["name"] == "grad_flow")
    assert len(flow["data"]["norms"]) == 10 and flow["step"] in (1, 2)  # ‖∂L_T/∂x_t‖ for each of T=10 steps
    assert any(p["name"] == "output" and p["data"]["type"] == "predictions" for p in vectors)
    assert [p["step"] for p in rows] == sorted(p["step"] for p in rows)
    only = [json.loads(line) for line in _run(root, "export", "probed", "--format", "jsonl", "--include", "samples").output.splitlines()]
    assert {p["name"] for p in only if "data" in p} == {"output"}
    bad = _run(root, "export", "probed", "--format", "csv", "--include", "probes")
    assert isinstance(bad.exception, UserError) and "needs --format jsonl" in str(bad.exception)
    bad = _run(root, "export", "probed", "--format", "jsonl", "--include", "gradients")
    assert isinstance(bad.exception, UserError) and "use probes, samples" in str(bad.exception)
    wrong = _run(root, "sample", "probed")
    assert isinstance(wrong.exception, UserError) and "is an adding run;" in str(wrong.exception)


def test_show_gives_each_metric_in_its_unit(root):
    d = _populate(root, "units", steps=3)
    w = store.StoreWriter(d, heartbeat=False)
    w.scalars(3, {"tokens_per_s": 123456.7, "flops_per_s": 2.5e9, "mfu": 0.0123, "step_time": 0.0042, "clipped": 1.0,
                  "lr": 0.002})
    w.close()
    r = _run(root, "show", "units")
    latest = next(line for line in r.output.splitlines() if line.strip().startswith("latest"))
    for shown in ("tokens_per_s 123,457", "flops_per_s 2.5 GFLOP/s", "mfu 1.2%", "step_time 4.2 ms", "clipped 1",
                  "lr 0.002"):
        assert shown in latest, latest
