"""The public Python API (rnnlab/__init__.py) on real tiny runs and a real tiny sweep: the README's
example runs as written, `rnnlab.load_run` is typed (get_type_hints resolves its return type
without torch) and is the one loader, `Run.history()` gives the store's points as records or a
DataFrame, a run without a checkpoint says so before its data is read, and `rnnlab.load_sweep`
gives the trials and the best of `sweep show --json`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rnnlab
from rnnlab.cli.app import main
from rnnlab.errors import UserError
from rnnlab.runs.reader import RunReader
from tests.test_sweeps import SPEC

REPO = Path(__file__).resolve().parents[1]
CORPUS = "def f(x, y):\n    return [x, (y + 1)]\n\nclass A:\n    pass\n" * 60


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A directory whose ./runs holds a tiny trained text run named lstm-char, as the README assumes."""
    home = tmp_path_factory.mktemp("home")
    (home / "corpus.py").write_text(CORPUS)
    try:
        main(["train", "lstm-char", "--name", "lstm-char", "--runs-dir", str(home / "runs"),
              "--set", f"task.source='{home / 'corpus.py'}'", "--set", "model.hidden_size=12", "--set", "train.steps=6",
              "--set", "train.log_every=2", "--set", "train.eval_every=3", "--set", "train.checkpoint_every=3",
              "--set", "probes.output_every=0", "--set", "task.seq_len=16", "--set", "train.batch_size=4"])
    except SystemExit as err:
        assert not err.code, "training the README's run failed"
    return home


def _readme_api_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    return [b for b in blocks if "rnnlab.load_run(" in b]


def test_the_readme_example_runs_as_written(home):
    (block,) = _readme_api_blocks()
    env = {k: v for k, v in _env().items() if k != "RNNLAB_RUNS_DIR"}  # the README's ./runs
    out = subprocess.run([sys.executable, "-c", block], cwd=home, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # the last line prints the tail of the loss/val_loss frame: steps 3 and 6 have both
    assert re.search(r"loss\s+val_loss", out.stdout), out.stdout
    assert out.stdout.splitlines()[-1].split()[1] == "6", out.stdout  # the last row: step 6


def test_load_run_is_typed_without_importing_torch():
    code = ("import sys, typing, rnnlab; h = typing.get_type_hints(rnnlab.load_run); "
            "s = typing.get_type_hints(rnnlab.load_sweep); "
            "print(h['return'].__module__, h['return'].__name__, s['return'].__name__, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["rnnlab.inspect.run", "Run", "Sweep", "False"]
    assert (REPO / "rnnlab" / "py.typed").is_file()  # the wheel ships the package folder whole


def test_history_is_the_stores_points_by_step(home):
    run = rnnlab.load_run("lstm-char", runs_dir=home / "runs")
    assert isinstance(run, rnnlab.Run)
    records = run.history()
    steps = [r["step"] for r in records]
    assert steps == sorted(set(steps)) and steps[-1] == 6
    with RunReader(run.run_dir) as reader:
        loss_steps, _, losses = reader.series("loss")
        val_steps, _, vals = reader.series("val_loss")
    assert [(r["step"], r["loss"]) for r in records if "loss" in r] == list(zip(loss_steps, losses))
    assert [(r["step"], r["val_loss"]) for r in records if "val_loss" in r] == list(zip(val_steps, vals)) and val_steps == [3, 6]
    frame = run.history(["val_loss"], pandas=True)
    assert list(frame.columns) == ["step", "wall", "val_loss"] and list(frame["step"]) == [3, 6]
    assert list(frame["val_loss"]) == vals
    with pytest.raises(UserError, match="no metric 'nope' in its history; it has .*val_loss"):
        run.history(["nope"])


def test_a_run_without_a_checkpoint_says_so_before_reading_its_data(home, tmp_path):
    src = rnnlab.load_run("lstm-char", runs_dir=home / "runs").run_dir
    copy = tmp_path / "runs" / src.name
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("checkpoints", "task_state.json"))
    # its corpus is gone too: building the task first would fail on that instead
    cfg = (copy / "config.toml").read_text().replace(str(home / "corpus.py"), str(tmp_path / "gone.py"))
    (copy / "config.toml").write_text(cfg)
    with pytest.raises(UserError, match="the run finished before its first checkpoint; there is no model to load"):
        rnnlab.load_run(copy)


# the sweep tests' spec (tests/test_sweeps.py), at its smallest: two trials over the learning rate
SWEEP = SPEC.format(trials=2, parallel=2, sampler="random", pruner="none", space='"train.lr" = { low = 1e-3, high = 3e-2, log = true }',
                    steps=10, eval_every=5, extra="")


def test_load_sweep_gives_the_trials_and_the_best(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SWEEP)
    root = tmp_path / "runs"
    out = subprocess.run([sys.executable, "-m", "rnnlab", "sweep", str(spec), "--runs-dir", str(root), "--name", "tiny", "--json"],
                         env=_env(), capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    sweep = rnnlab.load_sweep("tiny", runs_dir=root)
    assert isinstance(sweep, rnnlab.Sweep)
    assert (sweep.sweep_id, sweep.status, sweep.metric, sweep.direction) == (shown["sweep_id"], "finished", "val_mse", "minimize")
    assert [(t.number, t.value, t.run_id) for t in sweep.trials] == [(t["number"], t["value"], t["run_id"]) for t in shown["trials"]]
    assert sweep.best is sweep.trials[0] and sweep.best.value == min(t.value for t in sweep.trials)
    assert sweep.best.params == shown["best"]["params"]
    assert [r["step"] for r in sweep.best.history(["val_mse"])] == [5, 10]
    best = rnnlab.load_run(sweep.best.run_id, runs_dir=root)
    assert best.config.train.lr == pytest.approx(sweep.best.params["train.lr"])
    with pytest.raises(UserError, match="no sweep 'nope'"):
        rnnlab.load_sweep("nope", runs_dir=root)


def test_the_labs_sample_now_without_a_worker_goes_through_the_loader(home):
    """The dashboard's "sample now" for a run with no worker (rnnlab/tui/screens/dashboard.py)."""
    from rnnlab.inspect.loader import output_from_checkpoint

    run_dir = rnnlab.load_run("lstm-char", runs_dir=home / "runs").run_dir
    choice, out = output_from_checkpoint(run_dir, "last")
    assert (choice.which, choice.step) == ("last", 6)
    assert out["type"] == "text" and isinstance(out["sample"], str) and out["sample"]
