"""Sweeps you can trust (issue 18): one controller per sweep per host, held by a lock for its
whole life (two `sweep join`s at once start one, `resume` beside it is refused in one line);
a trial valued by its best evaluation, as its kept checkpoint, `rnnlab runs` and Optuna's
storage say; a shared study's name never becomes a path outside the runs root; the Optuna
internals the controller still needs, checked loudly. Real processes, real storages."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab.cli.app import app
from tests.test_sweeps import REPO, _cli, _spec, _sweep_runs


def _popen(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "rnnlab", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _live_trials(root: Path, sweep_id: str) -> int:
    from rnnlab.runs.reader import list_runs

    return sum(1 for i in list_runs(root) if i.sweep == sweep_id and i.live)


@pytest.mark.timeout(400)
def test_two_joins_at_once_start_one_controller_and_parallel_holds(tmp_path):
    from rnnlab.sweeps import manage, spec as spec_mod

    journal = tmp_path / "shared" / "study.journal"
    # the study exists (made on another host, whose controller is not running); this host joins twice
    spec = spec_mod.load(str(_spec(tmp_path, trials=3, parallel=2, steps=200, eval_every=50)))
    rec = manage.start(spec, tmp_path / "runs-a", name="shared", storage=str(journal))
    host = tmp_path / "runs-b"
    joins = [_popen("sweep", "join", "shared", "--storage", str(journal), "--runs-dir", str(host)) for _ in range(2)]
    most_live = 0
    while any(p.poll() is None for p in joins):
        most_live = max(most_live, _live_trials(host, rec.sweep_id))
        time.sleep(0.1)
    outs = [(p.returncode, *p.communicate()) for p in joins]
    attached = [o for o in outs if "joined already" in o[1]]
    ran = [o for o in outs if o is not attached[0]] if len(attached) == 1 else []
    assert len(attached) == 1 and len(ran) == 1, outs
    code, out, err = attached[0]
    assert code == 0 and out.count("\n") == 1, outs  # one line
    assert re.search(rf"sweep {rec.sweep_id} already has a controller on this host \(pid \d+\)", out), out
    assert ran[0][0] == 0, ran
    assert most_live <= 2, f"{most_live} trials ran at once with parallel = 2"
    runs = _sweep_runs(host, rec.sweep_id)
    assert Counter(x["trial"] for x in runs) == Counter(range(3))  # no trial adopted or run twice
    assert all(x["status"] == "finished" for x in runs)
    assert ran[0][1].count("adopted run") == 0


@pytest.mark.timeout(300)
def test_resume_beside_a_live_controller_is_refused_in_one_line_and_the_lock_outlives_nothing(tmp_path):
    from rnnlab.sweeps import record

    root = tmp_path / "runs"
    r = _cli("sweep", str(_spec(tmp_path, trials=2, parallel=1, steps=2000, eval_every=100)), "--runs-dir", str(root),
             "--detach", "--json")
    assert r.returncode == 0, r.stderr
    started = json.loads(r.stdout)
    sid, pid = started["sweep_id"], started["pid"]
    rec = record.load(root / ".sweeps" / sid)
    assert rec.lock_held() and rec.controller_status() in ("starting", "running")
    again = _cli("sweep", "resume", sid, "--runs-dir", str(root))
    assert again.returncode == 2 and again.stderr.count("\n") == 1, again.stderr
    assert f"sweep {sid} already has a controller on this host (pid {pid})" in again.stderr
    joined = CliRunner().invoke(app, ["sweep", "join", sid, "--storage", rec.storage, "--runs-dir", str(root), "--detach"])
    assert joined.exit_code == 0 and "joined already, no second controller started" in joined.stdout, joined.stdout
    assert CliRunner().invoke(app, ["sweep", "stop", sid, "--runs-dir", str(root)]).exit_code == 0
    # the controller exited: its lock went with it (the next controller may take it)
    assert not rec.lock_held() and rec.controller_status() == "stopped"
    fd = rec.take_lock()
    assert fd is not None
    os.close(fd)


@pytest.mark.timeout(300)
def test_a_patience_stopped_trial_is_valued_at_its_best_everywhere(tmp_path):
    """patience = 1: a run stops at its first evaluation that is not a new best, so its last
    evaluation is worse than its best by construction. The trial's value is that best: in
    `sweep show`, in Optuna's storage, in `rnnlab runs` and in its kept best checkpoint."""
    import optuna

    from rnnlab.runs.reader import RunReader
    from rnnlab.sweeps import study as studies

    space = '"train.lr" = [0.05]'
    spec = _spec(tmp_path, trials=1, parallel=1, space=space, steps=3000, eval_every=10,
                 extra="").read_text().replace("eval_batches = 2", "eval_batches = 1\npatience = 1\nkeep_best = true")
    (tmp_path / "spec.toml").write_text(spec, encoding="utf-8")
    root = tmp_path / "runs"
    sigint = signal.getsignal(signal.SIGINT)  # a foreground sweep takes Ctrl-C for its clean stop
    try:
        r = CliRunner().invoke(app, ["sweep", str(tmp_path / "spec.toml"), "--runs-dir", str(root), "--json"])
    finally:
        signal.signal(signal.SIGINT, sigint)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    (trial,) = out["trials"]
    assert trial["state"] == "complete"
    runs = CliRunner().invoke(app, ["runs", "--json", "--runs-dir", str(root)])
    (run,) = [x for x in json.loads(runs.stdout) if x.get("sweep") == out["sweep_id"]]
    assert run["step"] < 3000 and "patience" in run["message"], run  # patience stopped it
    with RunReader(root / run["run_id"]) as reader:
        _, _, values = reader.series("val_mse")
    assert values[-1] > min(values)  # its last evaluation is not its best
    assert trial["value"] == pytest.approx(min(values)) and out["best"]["value"] == trial["value"]
    assert run["best_metric"] == pytest.approx(trial["value"])  # `rnnlab runs`
    assert run["checkpoints"]["best"]["value"] == pytest.approx(trial["value"])  # what its kept checkpoint holds
    stored = optuna.load_study(study_name=out["sweep_id"], storage=studies.open_storage(str(root / ".sweeps" / out["sweep_id"] / "study.journal")))
    assert stored.trials[0].value == pytest.approx(trial["value"])  # Optuna's storage
    shown = CliRunner().invoke(app, ["sweep", "show", out["sweep_id"], "--runs-dir", str(root)])
    header = next(line for line in shown.stdout.splitlines() if line.lstrip().startswith("trial"))
    assert header.split()[:5] == ["trial", "state", "val_mse", "run", "host"], shown.stdout  # the host column


def test_a_trial_still_running_or_pruned_shows_its_best_so_far():
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState, create_trial

    from rnnlab.sweeps import study as studies

    t = create_trial(params={"x": 1.0}, distributions={"x": FloatDistribution(0, 2)}, state=TrialState.RUNNING,
                     intermediate_values={10: 0.5, 20: 0.2, 30: 0.4, 40: float("nan")})
    assert studies.best_intermediate(t, 1) == 0.2 and studies.best_intermediate(t, -1) == 0.5


def test_a_shared_study_named_with_dots_cannot_write_outside_the_runs_root(tmp_path):
    from rnnlab.sweeps import spec as spec_mod, study as studies

    journal = tmp_path / "shared.journal"
    spec = spec_mod.load(str(_spec(tmp_path)))
    studies.create(str(journal), "../../x", spec, "evil")  # another user made it
    root = tmp_path / "a" / "b" / "runs"
    r = _cli("sweep", "join", "evil", "--storage", str(journal), "--runs-dir", str(root))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "sweep id '../../x'" in r.stderr and "cannot be a folder name" in r.stderr
    assert not (tmp_path / "a" / "x").exists() and not (root / ".sweeps").exists()


def test_the_optuna_internals_the_controller_relies_on_are_still_there():
    """The controller reaches trials another controller asked for through
    `optuna.trial.Trial(study, trial_id)` (a public class whose constructor Optuna's docs advise
    against) and ids from the storage's public BaseStorage methods. If this fails after an
    Optuna upgrade, rnnlab/sweeps/controller.py's `_trial` and `_id_of` need a new way."""
    import inspect

    import optuna
    from optuna.storages import BaseStorage

    assert list(inspect.signature(optuna.trial.Trial.__init__).parameters) == ["self", "study", "trial_id"]
    for name in ("get_study_id_from_name", "get_trial_id_from_study_id_trial_number", "set_trial_user_attr"):
        assert callable(getattr(BaseStorage, name, None)), f"optuna BaseStorage.{name} is gone"
    # a handle built that way reports into the study, and the pruner reads it back
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage, pruner=optuna.pruners.ThresholdPruner(upper=1.0))
    number = study.ask().number
    tid = storage.get_trial_id_from_study_id_trial_number(storage.get_study_id_from_name(study.study_name), number)
    handle = optuna.trial.Trial(study, tid)
    handle.report(5.0, 10)
    assert study.trials[0].intermediate_values == {10: 5.0} and handle.should_prune()
    # the grid sampler's study.stop() outside optimize(): the controller swallows this message
    grid = optuna.create_study(sampler=optuna.samplers.GridSampler({"x": [1]}))
    t = grid.ask()
    t.suggest_categorical("x", [1])
    with pytest.raises(RuntimeError, match="Study.stop"):
        grid.tell(t, 1.0)
    assert grid.trials[0].state == optuna.trial.TrialState.COMPLETE
    # and nothing else private is left in the controller
    source = (REPO / "rnnlab" / "sweeps" / "controller.py").read_text()
    assert not re.findall(r"\._(?:trial_id|storage|study_id)\b", source)
