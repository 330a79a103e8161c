"""Workers as real detached processes running the real engine on a tiny adding problem:
kill -9 and resume on one curve, surviving the launcher's exit and SIGHUP, clean stop on
SIGTERM, queueing for a device slot, and failures recorded as one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab import config
from rnnlab.cli.app import app
from rnnlab.errors import UserError
from rnnlab.runs import launch, store, worker
from rnnlab.train import kept
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[1]


def _cfg(steps=50, **train):
    return config.validate({
        "model": {"cell": "lstm", "hidden_size": 8},
        "task": {"kind": "adding", "seq_len": 10},
        "train": {"steps": steps, "batch_size": 8, "checkpoint_every": 10, "eval_every": 10, "log_every": 1,
                  "device": "cpu", **train},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })


def _wait(pred, timeout=60.0, every=0.1):
    return wait_for(pred, timeout, every)


def _info(run_dir):
    return store.read_info(run_dir)


def _log(run_dir):
    p = run_dir / "worker.log"
    return p.read_text() if p.exists() else ""


def _consumed(run_dir) -> list[str]:
    """Commands a worker has taken from the run's store (a discarded one is marked negative)."""
    import sqlite3

    conn = sqlite3.connect(run_dir / "run.db")
    try:
        return [r[0] for r in conn.execute("SELECT command FROM commands WHERE consumed > 0 ORDER BY id")]
    finally:
        conn.close()


def _finish(run_dir, timeout=120):
    """Stop a live run and wait for its worker to record the end."""
    if _info(run_dir).live:
        store.send_command(run_dir, "stop")
    info = _wait(lambda: (i := _info(run_dir)) and not i.live and i, timeout=timeout)
    assert info, _log(run_dir)
    return info


@pytest.fixture
def root(tmp_path):
    return tmp_path / "runs"


def test_kill9_shows_crashed_then_resume_continues_one_curve(root):
    run = launch.create_run(_cfg(steps=150), root, name="phoenix")
    pid = launch.spawn(run)
    assert _wait(lambda: _info(run).step >= 12, every=0.02), _log(run)
    store.send_command(run, "pause")
    paused = _wait(lambda: (i := _info(run)).status == "paused" and i)
    assert paused, _log(run)
    os.kill(pid, signal.SIGKILL)
    crashed = _wait(lambda: (i := _info(run)).status == "crashed" and i, timeout=15)
    assert crashed and crashed.recorded_status == "paused"
    # `show` says what a crash without a recorded reason means and what to do (an outside trial saw `crashed` alone)
    shown = " ".join(CliRunner().invoke(app, ["show", "phoenix", "--runs-dir", str(root)]).output.split())  # lines wrap at 80
    assert "crashed: its worker ended without recording why" in shown and "`rnnlab resume phoenix" in shown
    written_before = store.RunReader(run).series("loss")[0]
    assert written_before[-1] == paused.step  # rows past the last checkpoint exist, to be superseded

    result = CliRunner().invoke(app, ["resume", "phoenix", "--runs-dir", str(root)])
    assert result.exit_code == 0, result.output
    done = _wait(lambda: (i := _info(run)).status == "finished" and i, timeout=120)
    assert done, _log(run)
    with store.RunReader(run) as r:
        steps = r.series("loss")[0]
        kinds = [e.kind for e in r.events()]
    assert steps == list(range(1, 151))  # continuous, no step twice
    assert "resumed" in kinds and kinds[-1] == "finished"
    assert done.step == 150 and done.attempt == 2


def test_detached_worker_survives_launcher_exit_and_sighup(root):
    launcher = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import signal, sys, time
            # a login shell's child: SIGHUP ends it (under `nohup` the test itself would inherit SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            from rnnlab import config
            from rnnlab.runs import launch
            cfg = config.validate({"model": {"cell": "gru", "hidden_size": 8}, "task": {"kind": "adding", "seq_len": 10},
                                   "train": {"steps": 100000, "batch_size": 4, "checkpoint_every": 50, "device": "cpu"}})
            d = launch.create_run(cfg, sys.argv[1])
            print(d, launch.spawn(d), flush=True)
            time.sleep(600)
        """), str(root)],
        stdout=subprocess.PIPE, text=True, start_new_session=True, env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    run_s, pid_s = launcher.stdout.readline().split()
    run, pid = Path(run_s), int(pid_s)
    try:
        assert os.getsid(pid) == pid != os.getsid(launcher.pid)  # the worker leads its own session
        os.killpg(launcher.pid, signal.SIGHUP)  # the terminal/SSH link goes away
        assert launcher.wait(30) == -signal.SIGHUP
        first = _wait(lambda: (i := _info(run)).step > 0 and i)
        assert first, _log(run)
        later = _wait(lambda: (i := _info(run)).step > first.step + 20 and i)
        assert later and later.status == "running" and store.pid_alive(pid)
    finally:
        info = _finish(run)
    assert info.status == "stopped", _log(run)
    assert any(p.name.startswith("step-") for p in (run / "checkpoints").iterdir())  # stop checkpoints first


def test_sigterm_asks_for_a_clean_stop(root):
    run = launch.create_run(_cfg(steps=100000), root)
    pid = launch.spawn(run)
    assert _wait(lambda: _info(run).step >= 3), _log(run)
    os.kill(pid, signal.SIGTERM)
    info = _wait(lambda: (i := _info(run)) and not i.live and i)
    assert info.status == "stopped", _log(run)
    with store.RunReader(run) as r:
        kinds = [e.kind for e in r.events()]
    assert kinds[-1] == "stopped" and "checkpoint" in kinds


def test_queued_run_waits_for_the_slot(root, monkeypatch):
    monkeypatch.setenv("RNNLAB_SLOTS", "1")
    first = launch.create_run(_cfg(steps=100000), root)
    second = launch.create_run(_cfg(steps=100000), root)
    launch.spawn(first, queue=True)
    assert _wait(lambda: _info(first).step > 0), _log(first)
    launch.spawn(second, queue=True)
    waiting = _wait(lambda: (i := _info(second)).message.startswith("waiting") and i)
    assert waiting and waiting.status == "queued" and waiting.step == 0, _log(second)
    step = _info(first).step
    assert _wait(lambda: _info(first).step > step)  # the first keeps going meanwhile
    assert _info(second).status == "queued" and _info(second).step == 0
    assert _finish(first).status == "stopped"
    assert _wait(lambda: _info(second).step > 0), _log(second)  # it got the freed slot
    assert _finish(second).status == "stopped"


def test_stop_while_queued(root, monkeypatch):
    monkeypatch.setenv("RNNLAB_SLOTS", "1")
    from rnnlab.runs import slots

    holder = slots.try_claim(root, "cpu")  # some other run holds the only cpu slot
    try:
        run = launch.create_run(_cfg(), root)
        launch.spawn(run, queue=True)
        assert _wait(lambda: _info(run).message.startswith("waiting")), _log(run)
        info = _finish(run, timeout=60)
        assert (info.status, info.message) == ("stopped", "stopped while queued")
    finally:
        holder.release()


def test_corrupt_checkpoint_fails_the_resume_with_the_file_named(root):
    run = launch.create_run(_cfg(steps=20), root)
    assert worker.execute(run, handle_signals=False) == "finished"
    ckpts = sorted((run / "checkpoints").iterdir())
    weights = ckpts[-1] / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:50])
    assert worker.execute(run, resume=True, handle_signals=False) == "failed"
    info = _info(run)
    assert info.status == "failed" and str(weights) in info.message and "\n" not in info.message


def _fake_engine(error):
    def train(cfg, run_dir, reporter, control, resume=False):
        reporter.start(0)
        reporter.scalars(1, {"loss": 1.0})
        raise error

    return train


def test_engine_errors_become_one_line_failures(root, capsys):
    run = launch.create_run(_cfg(), root)
    assert worker.execute(run, handle_signals=False, train_fn=_fake_engine(UserError("corpus too short: 3 chars"))) == "failed"
    assert _info(run).message == "corpus too short: 3 chars"
    assert worker.execute(run, handle_signals=False, train_fn=_fake_engine(RuntimeError("CUDA out of\nmemory"))) == "failed"
    info = _info(run)
    assert info.message.startswith("RuntimeError: CUDA out of memory") and "\n" not in info.message
    assert "Traceback" in capsys.readouterr().err  # the traceback goes to the worker's log


def test_bad_config_in_run_dir_fails_naming_the_file(root):
    run = launch.create_run(_cfg(), root)
    (run / "config.toml").write_text("[train]\nstepz = 3\n")
    assert worker.execute(run, handle_signals=False, train_fn=_fake_engine(AssertionError("not reached"))) == "failed"
    info = _info(run)
    assert str(run / "config.toml") in info.message and "stepz" in info.message


def test_auto_cpu_and_explicit_cpu_share_slots_on_a_cpu_box(root, monkeypatch):
    from rnnlab.runs import slots

    monkeypatch.setenv("RNNLAB_SLOTS", "1")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert slots.device_key("auto") == slots.device_key("cpu") == "cpu"
    assert slots.device_key("cuda") == slots.device_key("cuda:0") == "cuda_0"
    held = slots.try_claim(root, "auto")
    try:
        assert slots.try_claim(root, "cpu") is None and slots.held(root, "cpu") == 1
    finally:
        held.release()


def test_a_pause_sent_while_queued_applies_once_training_starts(root, monkeypatch):
    from rnnlab.runs import slots

    monkeypatch.setenv("RNNLAB_SLOTS", "1")
    holder = slots.try_claim(root, "cpu")
    try:
        run = launch.create_run(_cfg(steps=100000), root)
        launch.spawn(run, queue=True)
        assert _wait(lambda: _info(run).message.startswith("waiting")), _log(run)
        assert "1 of 1 held" in _info(run).message
        store.send_command(run, "pause")
        # the queued worker itself takes the command (the store marks it consumed) while it waits
        assert _wait(lambda: _consumed(run) == ["pause"]), _log(run)
        assert _info(run).status == "queued"
    finally:
        holder.release()
    assert _wait(lambda: _info(run).status == "paused", timeout=90), _log(run)
    assert _finish(run).status == "stopped"


def test_resume_with_a_lower_lr_gets_past_a_divergence(root):
    cfg = config.validate({
        "model": {"cell": "rnn_relu", "hidden_size": 8},
        "task": {"kind": "adding", "seq_len": 8},
        "train": {"steps": 100, "batch_size": 8, "optimizer": "sgd", "momentum": 0.0, "lr": 1.2, "clip_norm": 0.0,
                  "checkpoint_every": 5, "eval_every": 1000, "device": "cpu"},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0, "layers_every": 0},
    })
    run = launch.create_run(cfg, root, name="boom")
    assert worker.execute(run, handle_signals=False) == "diverged"
    found = kept.latest(run / "checkpoints")
    if not found:  # diverged before its first checkpoint (it does near step 73 here): nothing to continue from
        none = CliRunner().invoke(app, ["resume", "boom", "--set", "train.lr=0.01", "--runs-dir", str(root)])
        assert none.exit_code != 0 and "diverged before its first checkpoint" in str(none.exception or none.output)
        assert "lr = 1.2" in (run / "config.toml").read_text()  # nothing changed, nothing lost
        return
    bad = CliRunner().invoke(app, ["resume", "boom", "--set", "model.hidden_size=4", "--runs-dir", str(root)])
    assert bad.exit_code != 0 and "only [train] and [probes]" in str(bad.exception or bad.output)
    last_good = found[0]
    ok = CliRunner().invoke(app, ["resume", "boom", "--set", "train.lr=0.01", "--runs-dir", str(root)])
    assert ok.exit_code == 0, ok.output
    assert f"resumes from its checkpoint at step {last_good}" in ok.output, ok.output
    info = _wait(lambda: (i := _info(run)).status == "finished" and i, timeout=120)
    assert info and info.step == 100, _log(run)
    assert "lr = 0.01" in (run / "config.toml").read_text()
    events = [e for e in store.RunReader(run).events() if e.kind == "config"]
    assert events and "train.lr 1.2 -> 0.01" in events[0].message
    assert events[0].step == last_good  # the change applies from the checkpoint the resume loaded


def test_two_resumes_at_once_start_one_worker(root):
    run = launch.create_run(_cfg(steps=100000), root)
    launch.spawn(run)
    assert _wait(lambda: _info(run).step > 0), _log(run)
    assert _finish(run).status == "stopped"
    launch.resume(run)
    with pytest.raises(UserError, match="queued|running"):
        launch.resume(run)
    assert _wait(lambda: _info(run).status == "running"), _log(run)
    assert _finish(run).status == "stopped"


def test_resume_before_any_checkpoint_says_step_0_and_the_resume_note_clears(root):
    run = launch.create_run(_cfg(steps=100000, checkpoint_every=100000), root, name="early")
    launch.spawn(run)
    assert _wait(lambda: _info(run).step > 2), _log(run)
    os.kill(_info(run).pid, signal.SIGKILL)
    assert _wait(lambda: _info(run).status == "crashed"), _log(run)
    attempt = _info(run).attempt
    out = CliRunner().invoke(app, ["resume", "early", "--runs-dir", str(root)])
    assert out.exit_code == 0, out.output
    assert "resumes from step 0 (it has no checkpoint yet)" in out.output, out.output
    info = _wait(lambda: (i := _info(run)).attempt > attempt and i.step > 2 and i, timeout=60)
    assert info and info.status == "running", _log(run)
    assert info.message == ""  # not "resuming from checkpoint" once training runs
    assert "no checkpoint to resume from: starting from step 0" in _log(run)
    assert _finish(run).status == "stopped"
