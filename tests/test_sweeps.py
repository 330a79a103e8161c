"""Sweeps on Optuna (issue 8): the spec is validated like --set before anything starts; each
trial is an ordinary run recorded with its sweep and number; weak trials are pruned (status
"pruned", checkpoint kept); a kill -9 of the controller loses nothing; two controllers on one
journal file (two hosts) finish one sweep with exactly `trials` numbers. Real worker
processes, real Optuna storages, tiny models."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab.cli.app import app
from rnnlab.errors import UserError
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[1]

SPEC = """
[sweep]
trials = {trials}
parallel = {parallel}
sampler = "{sampler}"
pruner = "{pruner}"
seed = 0
{extra}
[sweep.space]
{space}

[model]
cell = "lstm"
hidden_size = 8
[task]
kind = "adding"
seq_len = 10
[train]
steps = {steps}
batch_size = 8
optimizer = "rmsprop"
eval_every = {eval_every}
eval_batches = 2
checkpoint_every = 100000
log_every = 10
device = "cpu"
[probes]
grad_flow_every = 0
gates_every = 0
output_every = 0
hidden_every = 0
layers_every = 0
"""

SPACE = '''"train.lr" = { low = 1e-3, high = 3e-2, log = true }
"model.hidden_size" = [4, 8]
"model.cell" = ["lstm", "gru"]'''


def _spec(tmp_path: Path, name: str = "spec.toml", *, trials=4, parallel=2, sampler="random", pruner="none",
          space=SPACE, steps=30, eval_every=10, extra="") -> Path:
    p = tmp_path / name
    p.write_text(SPEC.format(trials=trials, parallel=parallel, sampler=sampler, pruner=pruner, space=space,
                             steps=steps, eval_every=eval_every, extra=extra), encoding="utf-8")
    return p


def _cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, timeout=timeout, env=env)


def _sweep_runs(root: Path, sweep_id: str) -> list[dict]:
    r = _cli("runs", "--json", "--runs-dir", str(root))
    assert r.returncode == 0, r.stderr
    return [x for x in json.loads(r.stdout) if x.get("sweep") == sweep_id]


# ---------------------------------------------------------------- the spec


@pytest.mark.parametrize("space, message", [
    ('"model.cel" = ["lstm", "gru"]', "unknown key 'cel' in [model] (did you mean 'cell'?)"),
    ('"train.lrr" = { low = 1e-4, high = 1e-2 }', "unknown key 'lrr' in [train] (did you mean 'lr'?)"),
    ('"model.hidden_size" = [0, 8]', "[model] hidden_size = 0"),
    ('"model.cell" = ["lstm", "lsmt"]', "(did you mean 'lstm'?)"),
    ('"train.lr" = { low = 1e-2, high = 1e-4 }', "low (0.01) must be below high (0.0001)"),
    ('"train.lr" = { lo = 1e-4, high = 1e-2 }', "unknown range key 'lo' (did you mean 'low'?)"),
    ('"train.lr" = { low = 0, high = 1e-2, log = true }', "a log range needs low > 0"),
])
def test_every_space_key_is_validated_like_set_before_anything_starts(tmp_path, space, message):
    spec = _spec(tmp_path, space=space)
    root = tmp_path / "runs"
    r = CliRunner().invoke(app, ["sweep", str(spec), "--runs-dir", str(root)])
    assert isinstance(r.exception, UserError)
    assert message in str(r.exception)
    assert "[sweep.space]" in str(r.exception) or "range" in str(r.exception)
    assert not (root / ".sweeps").exists() or not any((root / ".sweeps").iterdir())


def test_unknown_sweep_keys_and_bad_choices_are_one_line_errors(tmp_path):
    spec = _spec(tmp_path, extra='samplr = "tpe"')
    r = CliRunner().invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path / "runs")])
    assert isinstance(r.exception, UserError) and "unknown key 'samplr' in [sweep] (did you mean 'sampler'?)" in str(r.exception)
    spec = _spec(tmp_path, pruner="medain")
    r = CliRunner().invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path / "runs")])
    assert isinstance(r.exception, UserError) and "(did you mean 'median'?)" in str(r.exception)
    spec = _spec(tmp_path, sampler="grid", trials=9)
    r = CliRunner().invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path / "runs")])
    assert isinstance(r.exception, UserError) and "grid sampler needs a list of values or a `step`" in str(r.exception)
    r = CliRunner().invoke(app, ["sweep", str(_spec(tmp_path)), "--set", "train.stepz=3", "--runs-dir", str(tmp_path / "runs")])
    assert isinstance(r.exception, UserError) and "(did you mean 'steps'?)" in str(r.exception)
    # as a user sees it: one line on stderr, exit code 2, no traceback
    r = _cli("sweep", str(_spec(tmp_path, space='"model.cel" = [1]')), "--runs-dir", str(tmp_path / "runs"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "did you mean 'cell'?" in r.stderr


def test_spec_defaults_metric_and_direction_from_the_task_and_builds_trial_configs(tmp_path):
    from rnnlab.sweeps import spec as spec_mod

    s = spec_mod.load(str(_spec(tmp_path)))
    assert (s.metric, s.direction, s.trials, s.parallel) == ("val_mse", "minimize", 4, 2)
    assert [d.key for d in s.space] == ["train.lr", "model.hidden_size", "model.cell"]
    assert s.space[0].log and not s.space[0].integer and s.space[1].choices == (4, 8)
    cfg = s.trial_config({"train.lr": 0.005, "model.hidden_size": 4, "model.cell": "gru"})
    assert (cfg.train.lr, cfg.model.hidden_size, cfg.model.cell) == (0.005, 4, "gru")
    again = spec_mod.SweepSpec.from_dict(json.loads(json.dumps(s.to_dict())))  # as stored in the study
    assert again.to_dict() == s.to_dict()


# ---------------------------------------------------------------- a whole sweep


@pytest.mark.timeout(300)
def test_a_sweep_runs_its_trials_as_ordinary_runs_and_reports_json(tmp_path):
    root = tmp_path / "runs"
    r = _cli("sweep", str(_spec(tmp_path)), "--runs-dir", str(root), "--name", "tiny", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "finished" and out["metric"] == "val_mse" and out["direction"] == "minimize"
    trials = out["trials"]
    assert sorted(t["number"] for t in trials) == [0, 1, 2, 3]
    assert all(t["state"] == "complete" and set(t["params"]) == {"train.lr", "model.hidden_size", "model.cell"} for t in trials)
    values = [t["value"] for t in trials]
    assert values == sorted(values)  # sorted by the metric, best first
    assert out["best"]["number"] == trials[0]["number"] and out["best"]["value"] == trials[0]["value"]
    runs = _sweep_runs(root, out["sweep_id"])
    assert sorted(x["trial"] for x in runs) == [0, 1, 2, 3]
    import tomllib

    by_id = {x["run_id"]: x for x in runs}
    for t in trials:
        cfg = tomllib.loads((root / t["run_id"] / "config.toml").read_text())
        assert cfg["model"]["cell"] == t["params"]["model.cell"]
        assert cfg["model"]["hidden_size"] == t["params"]["model.hidden_size"]
        assert cfg["train"]["lr"] == pytest.approx(t["params"]["train.lr"])
        assert by_id[t["run_id"]]["status"] == "finished"
    listed = json.loads(_cli("sweeps", "--json", "--runs-dir", str(root)).stdout)
    assert [(x["sweep_id"], x["name"], x["status"], x["pid"], x["done"], x["trials"]) for x in listed] == [
        (out["sweep_id"], "tiny", "finished", None, 4, 4)]
    shown = _cli("sweep", "show", "tiny", "--runs-dir", str(root))
    assert shown.returncode == 0 and "best: trial" in shown.stdout and "parallel coordinates" in shown.stdout
    # what the ranking ranks (an outside trial found it said only in the README)
    assert "(ranked by each trial's best " in shown.stdout.splitlines()[0] and " over its evaluations)" in shown.stdout


@pytest.mark.timeout(300)
def test_the_median_pruner_stops_weak_trials_which_keep_their_checkpoint(tmp_path):
    # lr 1e-7 learns nothing; once a 3e-2 trial completed, a 1e-7 trial is worse than the median
    # at its first eval points and is stopped long before its 2000 steps (long enough that the
    # controller, polling every 0.25 s, sees it running even on a loaded CI box)
    space = '"train.lr" = [3e-2, 1e-7]'
    spec = _spec(tmp_path, trials=5, parallel=1, pruner="median", space=space, steps=2000, eval_every=10,
                 extra="pruner_startup_trials = 1")
    root = tmp_path / "runs"
    r = _cli("sweep", str(spec), "--runs-dir", str(root), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    pruned = [t for t in out["trials"] if t["state"] == "pruned"]
    assert pruned, out["trials"]
    assert all(t["params"]["train.lr"] == 1e-7 for t in pruned)
    runs = {x["run_id"]: x for x in _sweep_runs(root, out["sweep_id"])}
    from rnnlab.runs.paths import checkpoint_steps

    for t in pruned:
        run = runs[t["run_id"]]
        assert run["status"] == "pruned" and run["message"].startswith("pruned by the sweep: val_mse")
        assert run["step"] < 2000
        assert checkpoint_steps(root / t["run_id"]) == [run["step"]]  # the stop's checkpoint, kept


@pytest.mark.timeout(300)
def test_a_grid_sweep_tries_every_point_once_and_ends_when_the_grid_is_spent(tmp_path):
    # Optuna's grid sampler calls study.stop() when its grid is spent, which only optimize() may
    space = '"train.lr" = [1e-3, 1e-2]\n"model.hidden_size" = [4, 8]'
    root = tmp_path / "runs"
    spec = _spec(tmp_path, sampler="grid", pruner="hyperband", space=space, steps=20)
    spec.write_text(spec.read_text().replace("trials = 4\n", ""), encoding="utf-8")  # default: the grid's size
    r = _cli("sweep", str(spec), "--runs-dir", str(root), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["total"] == 4 and out["status"] == "finished"
    points = sorted((t["params"]["train.lr"], t["params"]["model.hidden_size"]) for t in out["trials"])
    assert points == [(1e-3, 4), (1e-3, 8), (1e-2, 4), (1e-2, 8)]


# ---------------------------------------------------------------- surviving kill -9, two hosts


def _controller_pid(root: Path, sweep_id: str):
    data = json.loads((root / ".sweeps" / sweep_id / "controller.json").read_text())
    return data.get("pid")


def _status(root: Path, sweep_id: str) -> dict:
    return json.loads(_cli("sweep", "show", sweep_id, "--json", "--runs-dir", str(root)).stdout)


@pytest.mark.timeout(400)
def test_kill_9_of_the_controller_then_resume_finishes_with_nothing_lost_or_run_twice(tmp_path):
    root = tmp_path / "runs"
    r = _cli("sweep", str(_spec(tmp_path, trials=5, steps=120)), "--runs-dir", str(root), "--detach", "--json")
    assert r.returncode == 0, r.stderr
    started = json.loads(r.stdout)
    sid = started["sweep_id"]
    assert started["status"] == "running" and started["pid"]
    assert wait_for(lambda: len(_sweep_runs(root, sid)) >= 2, timeout=90)
    os.kill(started["pid"], signal.SIGKILL)
    assert wait_for(lambda: json.loads(_cli("sweeps", "--json", "--runs-dir", str(root)).stdout)[0]["status"] == "crashed", timeout=30)
    r = _cli("sweep", "resume", sid, "--runs-dir", str(root))
    assert r.returncode == 0, r.stderr
    assert wait_for(lambda: _status(root, sid)["status"] == "finished", timeout=300, every=2)
    out = _status(root, sid)
    runs = _sweep_runs(root, sid)
    assert Counter(x["trial"] for x in runs) == Counter(range(5))  # each number exactly one run
    assert sorted(t["number"] for t in out["trials"]) == list(range(5))
    assert {t["run_id"] for t in out["trials"]} == {x["run_id"] for x in runs}
    assert all(x["status"] == "finished" for x in runs), [(x["trial"], x["status"], x["message"]) for x in runs]
    assert "adopted run" in (root / ".sweeps" / sid / "controller.log").read_text()


@pytest.mark.timeout(400)
def test_two_controllers_on_one_journal_finish_one_sweep_without_duplicate_numbers(tmp_path):
    journal = tmp_path / "shared" / "study.journal"
    host_a, host_b = tmp_path / "runs-a", tmp_path / "runs-b"
    r = _cli("sweep", str(_spec(tmp_path, trials=6, parallel=1, steps=60)), "--runs-dir", str(host_a),
             "--storage", str(journal), "--name", "shared", "--detach", "--json")
    assert r.returncode == 0, r.stderr
    sid = json.loads(r.stdout)["sweep_id"]
    r = _cli("sweep", "join", "shared", "--storage", str(journal), "--runs-dir", str(host_b), "--detach", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sweep_id"] == sid
    for root in (host_a, host_b):
        assert wait_for(lambda: _status(root, sid)["status"] == "finished", timeout=300, every=2)
    runs_a, runs_b = _sweep_runs(host_a, sid), _sweep_runs(host_b, sid)
    numbers = [x["trial"] for x in runs_a + runs_b]
    assert sorted(numbers) == list(range(6))  # exactly `trials`, none twice
    assert runs_a and runs_b  # both hosts ran trials
    out = _status(host_b, sid)
    assert sorted(t["number"] for t in out["trials"]) == list(range(6))
    assert all(t["state"] == "complete" for t in out["trials"])


# ---------------------------------------------------------------- the store's side of pruning


def _tiny_cfg():
    from rnnlab import config

    return config.validate({"model": {"hidden_size": 4}, "task": {"kind": "adding", "seq_len": 5},
                            "train": {"steps": 10, "device": "cpu"}})


def _stopping_engine(cfg, run_dir, reporter, control, resume=False):
    from types import SimpleNamespace

    return SimpleNamespace(status="stopped", step=4, message="stopped by request", metrics={}, baselines={})


def test_a_stop_the_pruner_asked_for_is_recorded_as_pruned_and_a_plain_stop_is_not(tmp_path):
    from rnnlab.runs import launch, store, worker
    from rnnlab.runs.control import prune_requested, request_prune

    root = tmp_path / "runs"
    plain = launch.create_run(_tiny_cfg(), root)
    assert worker.execute(plain, handle_signals=False, train_fn=_stopping_engine) == "stopped"
    weak = launch.create_run(_tiny_cfg(), root, meta={"sweep": "s1", "trial": 3})
    request_prune(weak, "val_mse 0.9 at step 4")
    assert worker.execute(weak, handle_signals=False, train_fn=_stopping_engine) == "pruned"
    info = store.read_info(weak)
    assert (info.status, info.message, info.sweep, info.trial) == ("pruned", "pruned by the sweep: val_mse 0.9 at step 4", "s1", 3)
    assert store.read_info(plain).sweep is None
    # resumed by hand, the run is no longer the pruner's: a later stop is a plain stop
    from rnnlab.runs.writer import StoreWriter

    with StoreWriter(weak, heartbeat=False) as w:  # a checkpointless pruned run resumes from step 0
        w.set_status("pruned", "pruned by the sweep")
    launch.resume(weak)
    assert not prune_requested(weak)
    assert wait_for(lambda: not store.read_info(weak).live, timeout=120)  # leave no worker behind


def test_the_sweep_rooms_import_neither_torch_nor_optuna_until_a_sweep_runs():
    code = ("import sys; import rnnlab.cli.app, rnnlab.sweeps.controller, rnnlab.sweeps.manage, rnnlab.tui.screens.sweep; "
            "print(sorted(m for m in ('torch', 'optuna') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "[]", out.stderr


def test_on_a_multi_gpu_box_trials_spread_over_every_gpu_one_per_slot(tmp_path, monkeypatch):
    # no GPU here: the driver's GPU count is what slots.visible_cuda_count reads from /proc
    from rnnlab.runs import slots
    from rnnlab.sweeps import controller, manage, spec as spec_mod

    monkeypatch.setattr(slots, "visible_cuda_count", lambda: 4)
    spec = spec_mod.load(str(_spec(tmp_path)))
    spec.parallel = None  # default: one trial per device slot
    spec.base["train"]["device"] = "auto"
    rec = manage.start(spec, tmp_path / "runs")
    ctl = controller.Controller(rec)
    assert ctl.devices == ["cuda:0", "cuda:1", "cuda:2", "cuda:3"] and ctl.parallel == 4
    monkeypatch.setenv("RNNLAB_SLOTS", "2")
    assert controller.Controller(rec).parallel == 8
    spec.base["train"]["device"] = "cpu"  # a device the spec names is kept
    assert controller.Controller(manage.start(spec, tmp_path / "runs")).devices == [None]
