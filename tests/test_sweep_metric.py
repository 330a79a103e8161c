"""A sweep's metric (an outside trial's findings): a trial keeps its best checkpoint by the sweep's
metric and direction (`train.best_metric` / `best_direction`), so its value is what that
checkpoint holds; a metric the task never records, or a direction its name contradicts, is
refused before any trial starts; trials are listed complete best first, then pruned best first;
importances rest on the same number of complete trials everywhere. Real CLI processes, tiny
models (copy task, T = 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from research_fixtures import SWEEP_ID, make_big_sweep  # noqa: E402

SPEC = """
[sweep]
metric = "{metric}"
trials = 2
parallel = 2
sampler = "random"
pruner = "none"
seed = 0
{extra}
[sweep.space]
"train.lr" = {{ low = 3e-3, high = 3e-2, log = true }}

[model]
cell = "lstm"
hidden_size = 8
[task]
kind = "{kind}"
seq_len = 5
[train]
steps = 60
batch_size = 8
eval_every = 10
eval_batches = 2
checkpoint_every = 100000
device = "cpu"
[probes]
grad_flow_every = 0
gates_every = 0
output_every = 0
hidden_every = 0
layers_every = 0
"""


def _spec(tmp_path: Path, metric: str, kind: str = "copy", extra: str = "") -> Path:
    p = tmp_path / f"{kind}-{metric}.toml"
    p.write_text(SPEC.format(metric=metric, kind=kind, extra=extra), encoding="utf-8")
    return p


def _cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.timeout(300)
def test_each_trial_keeps_its_best_checkpoint_by_the_sweeps_metric_and_direction(tmp_path):
    # the copy task's own metric is val_loss: the trial's kept best followed it (best@300 beside a
    # trial value reached at step 400), and load_run(sweep.best.run_id) loaded another model
    root = tmp_path / "runs"
    r = _cli("sweep", str(_spec(tmp_path, "val_acc")), "--runs-dir", str(root), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["direction"] == "maximize" and all(t["state"] == "complete" for t in out["trials"])
    runs = {x["run_id"]: x for x in json.loads(_cli("runs", "--json", "--runs-dir", str(root)).stdout)}
    from rnnlab.runs.store import RunReader

    for t in out["trials"]:
        with RunReader(root / t["run_id"]) as reader:
            steps, _, values = reader.series("val_acc")
        best = max(range(len(values)), key=lambda i: (values[i], -i))  # the first evaluation at the highest
        kept = runs[t["run_id"]]["checkpoints"]["best"]
        assert (kept["metric"], kept["step"]) == ("val_acc", steps[best]), (kept, list(zip(steps, values)))
        assert kept["value"] == pytest.approx(t["value"]) == pytest.approx(values[best])
        import tomllib

        cfg = tomllib.loads((root / t["run_id"] / "config.toml").read_text(encoding="utf-8"))
        assert (cfg["train"]["best_metric"], cfg["train"]["best_direction"]) == ("val_acc", "maximize")
    import rnnlab

    sweep = rnnlab.load_sweep(out["sweep_id"], runs_dir=root)
    chosen = rnnlab.load_run(sweep.best.run_id, runs_dir=root).checkpoint
    assert (chosen.metric, chosen.value) == ("val_acc", pytest.approx(sweep.best.value))


def test_a_metric_the_task_never_records_is_refused_before_any_trial_starts(tmp_path):
    root = tmp_path / "runs"
    r = _cli("sweep", str(_spec(tmp_path, "val_acc", kind="adding")), "--runs-dir", str(root))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert "[sweep] metric = 'val_acc': the adding task never records it; it records val_loss, val_mse" in r.stderr
    assert not root.exists() or not any(p for p in root.rglob("*") if p.is_file())  # no sweep, no trial
    # the same rule for a run's own train.best_metric, and for a direction the metric's name contradicts
    r = _cli("train", "adding-lstm", "--set", "train.best_metric=val_acc", "--runs-dir", str(root))
    assert r.returncode == 2 and "[train] best_metric = 'val_acc': the adding task never records it" in r.stderr
    r = _cli("train", "adding-lstm", "--set", "train.best_direction=maximize", "--runs-dir", str(root))
    assert r.returncode == 2 and "val_mse is better lower, so its direction is minimize, not maximize" in r.stderr


@pytest.mark.parametrize("metric, direction, known", [("val_loss", "maximize", "minimize"), ("val_acc", "minimize", "maximize")])
def test_a_direction_the_metrics_name_contradicts_is_refused(tmp_path, metric, direction, known):
    root = tmp_path / "runs"
    r = _cli("sweep", str(_spec(tmp_path, metric, extra=f'direction = "{direction}"')), "--runs-dir", str(root))
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"[sweep] direction = '{direction}': {metric} is better" in r.stderr and f"its direction is {known}" in r.stderr
    assert not root.exists() or not any(p for p in root.rglob("*") if p.is_file())


def test_a_metric_without_a_known_way_keeps_the_direction_it_is_given():
    from rnnlab import metricnames

    assert metricnames.contradiction("val_coverage_80", "minimize") is None
    assert metricnames.known_direction("val_bpc/poems") == "minimize" and metricnames.known_direction("val_mase_median") == "minimize"
    assert metricnames.infer_direction("val_acc") == "maximize" and metricnames.infer_direction("val_r2") == "maximize"


def test_trials_are_listed_complete_best_first_then_pruned_best_first(tmp_path):
    root = tmp_path / "runs"
    make_big_sweep(root, 30)  # trials 3, 8, ..., 28 pruned, 29 running
    r = _cli("sweep", "show", SWEEP_ID, "--json", "--runs-dir", str(root))
    assert r.returncode == 0, r.stderr
    trials = json.loads(r.stdout)["trials"]
    states = [t["state"] for t in trials]
    assert states == ["complete"] * 23 + ["pruned"] * 6 + ["running"], states
    complete, pruned = trials[:23], trials[23:29]
    assert [t["value"] for t in complete] == sorted(t["value"] for t in complete)
    assert [t["value"] for t in pruned] == sorted(t["value"] for t in pruned)
    assert [t["number"] for t in pruned] != sorted(t["number"] for t in pruned)  # by value, not by number
    import rnnlab

    assert [t.number for t in rnnlab.load_sweep(SWEEP_ID, runs_dir=root).trials] == [t["number"] for t in trials]
    shown = _cli("sweep", "show", SWEEP_ID, "--runs-dir", str(root)).stdout
    rows = [line.split()[0] for line in shown.splitlines() if line.split() and line.split()[0].isdigit()]
    assert rows[:30] == [str(t["number"]) for t in trials]


def test_importances_need_as_many_complete_trials_in_sweep_show_as_on_the_sweep_screen(tmp_path):
    from rnnlab.sweeps.study import MIN_IMPORTANCE_TRIALS
    from rnnlab.tui.sweepreader import SweepReader

    root = tmp_path / "runs"
    rec = make_big_sweep(root, 6)  # 4 complete trials: `sweep show` ranked parameters on them
    shown = json.loads(_cli("sweep", "show", SWEEP_ID, "--json", "--runs-dir", str(root)).stdout)
    screen = SweepReader(rec.dir).read()
    assert shown["importances"] is None and screen["importances"] is None
    assert shown["importance_method"] == screen["importance_method"] == f"importances need {MIN_IMPORTANCE_TRIALS} complete trials (4 so far)"
    text = _cli("sweep", "show", SWEEP_ID, "--runs-dir", str(root)).stdout
    assert f"importances need {MIN_IMPORTANCE_TRIALS} complete trials (4 so far)" in text and "fANOVA" not in text


def test_the_metrics_each_task_records_are_those_its_evaluate_returns(tmp_path):
    import torch

    from rnnlab import config, metricnames
    from rnnlab.models import build_model
    from rnnlab.tasks import make_task

    (tmp_path / "corpus.txt").write_text("the quick brown fox jumps over the lazy dog\n" * 100, encoding="utf-8")
    for kind in ("adding", "copy", "text"):
        source = {"source": str(tmp_path / "corpus.txt")} if kind == "text" else {}
        cfg = config.validate({"model": {"hidden_size": 4}, "task": {"kind": kind, "seq_len": 5, **source}, "train": {"device": "cpu"}})
        task = make_task(cfg.task, seed=0, batch_size=4, cache_dir=tmp_path / "cache")
        assert task.primary_metric == metricnames.PRIMARY[kind]
        model = build_model(cfg.model, input_kind=task.input_kind, input_size=task.input_size, output_size=task.output_size,
                            max_len=task.seq_len)
        with torch.no_grad():
            assert sorted(task.evaluate(model, torch.device("cpu"), 1)) == sorted(metricnames.RECORDED[kind]), kind
