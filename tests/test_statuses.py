"""One list of run statuses: every status a reader can report is styled and explained in the
lab, nothing else is, and resuming follows the same list in the CLI and the lab."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab.cli.app import app
from rnnlab.runs import store
from rnnlab.runs.reader import RunInfo
from rnnlab.tui.state import RunState
from rnnlab.tui.widgets.header import STATUS_STYLE, header_text

REPORTED = (*store.STATUSES, "corrupt", "busy")  # recorded ones, plus what list_runs says of a damaged or locked file


def test_the_lab_styles_exactly_the_statuses_a_run_can_have():
    assert set(STATUS_STYLE) == set(REPORTED)


@pytest.mark.parametrize("status", ["crashed", "corrupt", "busy", "failed", "diverged", "stopped"])
def test_the_header_says_why_a_run_is_not_going(status):
    state = RunState()
    state.info = RunInfo(run_id="r1", name="r1", dir=Path("."), cell="lstm", task="adding", status=status,
                         message="worker pid 4242 is gone")
    text = header_text(state)
    assert "worker pid 4242 is gone" in text.plain
    styles = {str(s.style) for s in text.spans if "worker pid" in text.plain[s.start:s.end]}
    assert styles == {STATUS_STYLE[status]}


def test_the_header_says_a_finished_run_stopped_early_and_nothing_of_an_ordinary_end():
    # `finished  step 800/1000 (80%)` said nothing of why; the reason sat under the event log's notes
    early = "stopped early at step 800: val_rmse did not improve for 3 evaluations (train.patience)"
    for message, shown in ((early, True), ("finished 1000 steps", False)):
        state = RunState()
        state.info = RunInfo(run_id="r1", name="r1", dir=Path("."), cell="lstm", task="timeseries", status="finished",
                             message=message)
        assert (message in header_text(state).plain) is shown


def test_the_eta_counts_the_pauses_between_steps_and_not_the_time_before_a_resume():
    """An outside trial: a 20,000-step run said `ETA 6s` 20 s before it finished and jumped between
    values 5 s apart: the speed came from the last 50 loss rows, between evaluations."""
    import numpy as np

    from rnnlab.tui.widgets.header import steps_per_second

    state = RunState()
    rows, wall = [], 0.0
    for step in range(1, 2001):  # 100 steps/s, and a 4 s evaluation every 200 steps: 2000 in 60 s overall
        wall += 0.01 + (4.0 if step % 200 == 0 else 0.0)
        rows.append((step, wall, 1.0 / step))
    state.series.add({"loss": np.array(rows)})
    assert 30.0 < steps_per_second(state) < 37.0  # not the 100 steps/s between evaluations
    later = RunState()  # stopped for an hour, then resumed at 2000: the hour is not training time
    resumed = [(step, wall + 3600.0 + 0.01 * (step - 2000), 1.0) for step in range(2001, 2101)]
    later.series.add({"loss": np.array(rows + resumed)})
    later.info = RunInfo(run_id="r1", name="r1", dir=Path("."), cell="lstm", task="timeseries", status="running",
                         started=wall + 3599.0)
    assert 90.0 < steps_per_second(later) < 110.0
    later.info.started = None  # no start time recorded: every row counts, the hour included
    assert steps_per_second(later) < 2101 / 3600.0


_HOLD_LOCK = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode = EXCLUSIVE")  # as a writer stopped mid-checkpoint holds it
c.execute("BEGIN IMMEDIATE"); c.execute("UPDATE state SET message = message"); c.execute("COMMIT")
print("held", flush=True)
time.sleep(600)
"""


@pytest.mark.timeout(60)
def test_a_run_locked_by_a_stopped_writer_is_listed_busy_and_holds_up_no_listing(tmp_path):
    """A writer frozen while it holds its database's lock (Ctrl-Z, SIGSTOP during the checkpoint
    on close) once held every listing 30 s per run, the lab's included, on every refresh."""
    import json
    import subprocess
    import sys

    from rnnlab.runs import launch
    from rnnlab.runs.listing import RunLister

    root = tmp_path / "runs"
    free = launch.create_run(_tiny(10), root, name="free")
    locked = launch.create_run(_tiny(10), root, name="locked")
    lister = RunLister(root)
    assert {i.name: i.status for i in lister.list()} == {"free": "queued", "locked": "queued"}
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(locked / "run.db")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        by_id = {i.run_id: i for i in store.list_runs(root)}
        assert by_id[free.name].status == "queued"
        assert by_id[locked.name].status == "busy" and "locked by another process" in by_id[locked.name].message
        r = CliRunner().invoke(app, ["runs", "--json", "--runs-dir", str(root)])
        assert r.exit_code == 0, r.output
        assert {row["run_id"]: row["status"] for row in json.loads(r.stdout)} == {free.name: "queued", locked.name: "busy"}
        # the lab's lister keeps the last reading of a run it read before, and tries again next time
        (free / "config.toml").touch()
        with open(locked / "run.db-wal", "ab"):
            pass
        listed = {i.name: i.status for i in lister.list()}
        assert listed == {"free": "queued", "locked": "queued"} and lister.reads >= 1
        assert {i.status for i in RunLister(root).list()} == {"queued", "busy"}  # a new viewer: a busy row
    finally:
        holder.kill()
        holder.wait()
    assert {i.status for i in store.list_runs(root)} == {"queued"}  # freed: read as usual


def _tiny(steps):
    from rnnlab import config

    return config.validate({
        "model": {"cell": "lstm", "hidden_size": 8},
        "task": {"kind": "adding", "seq_len": 10},
        "train": {"steps": steps, "batch_size": 8, "checkpoint_every": 10, "eval_every": 10, "device": "cpu"},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })


@pytest.mark.timeout(180)
def test_cli_resumes_a_failed_run_from_its_checkpoint_and_refuses_one_without(tmp_path):
    from rnnlab.runs import launch, worker
    from tests.waiting import wait_for

    root = tmp_path / "runs"
    early = launch.create_run(_tiny(10), root, name="early")
    with store.StoreWriter(early, heartbeat=False) as w:
        w.set_status("failed", "corpus vanished")
    r = CliRunner().invoke(app, ["resume", "early", "--runs-dir", str(root)])
    assert r.exception is not None and "failed before its first checkpoint (corpus vanished)" in str(r.exception)
    assert store.read_info(early).status == "failed"
    # diverged before a checkpoint: resuming trained it again from step 0 under its name, its
    # divergence lost (an outside trial); refused, with the command that starts it anew
    boom = launch.create_run(_tiny(10), root, name="boom")
    with store.StoreWriter(boom, heartbeat=False) as w:
        w.event("diverged", "diverged at step 8: loss is nan", 8)
        w.set_status("diverged", "diverged at step 8: loss is nan")
    r = CliRunner().invoke(app, ["resume", "boom", "--set", "train.clip_norm=0.05", "--runs-dir", str(root)])
    assert r.exception is not None and "diverged before its first checkpoint (diverged at step 8: loss is nan)" in str(r.exception)
    assert f"rnnlab train {boom / 'config.toml'} --set KEY=VALUE" in str(r.exception)
    assert store.read_info(boom).status == "diverged" and "clip_norm = 0.05" not in (boom / "config.toml").read_text()
    r = CliRunner().invoke(app, ["sample", "boom", "--runs-dir", str(root)])
    assert r.exception is not None and "the run diverged before its first checkpoint; there is no model to load" in str(r.exception)

    late = launch.create_run(_tiny(10), root, name="late")
    assert worker.execute(late, handle_signals=False) == "finished"
    with store.StoreWriter(late, heartbeat=False) as w:
        w.set_status("failed", "disk full: ...")  # as a full disk at step 20 would leave it
    r = CliRunner().invoke(app, ["resume", "late", "--set", "train.steps=20", "--runs-dir", str(root)])
    assert r.exit_code == 0, r.output
    assert "resumes from its checkpoint at step 10" in r.output
    info = wait_for(lambda: (i := store.read_info(late)).status not in ("queued", "running") and i, 120, 0.2)
    assert info and info.status == "finished" and info.step == 20, info


@pytest.mark.timeout(120)
def test_a_lessons_queued_runs_read_queued_everywhere_until_its_process_dies(tmp_path):
    """`rnnlab lessons N --run` trains its runs one after another; the later ones wait, queued,
    with no worker of their own. The lab once listed them as crashed after 5 s (no pid, an old
    heartbeat) while `rnnlab runs` said queued."""
    import asyncio
    import json
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    from rnnlab.tui.app import LabApp
    from tests.waiting import wait_for

    root = tmp_path / "runs"
    env = {k: v for k, v in os.environ.items() if k != "RNNLAB_LANG"}
    proc = subprocess.Popen([sys.executable, "-m", "rnnlab", "lessons", "2", "--run", "--quick", "--runs-dir", str(root)],
                            env={**env, "OMP_NUM_THREADS": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def held():
            infos = store.list_runs(root) if root.is_dir() else []
            waiting = [i for i in infos if i.recorded_status == "queued" and i.pid == proc.pid]
            return len(infos) >= 2 and waiting

        waiting = []
        for _ in range(50):
            if not wait_for(held, timeout=60, every=0.02):
                break
            proc.send_signal(signal.SIGSTOP)  # frozen while its later runs wait: as during a long first run
            # read again, frozen: a run that started between the two reads is running, not waiting
            # (under CI's load one was, and its stale heartbeat then read as crashed)
            waiting = held()
            if not waiting:
                proc.send_signal(signal.SIGCONT)
                time.sleep(0.05)
                continue
            try:
                for i in waiting:  # the wait lasts minutes in a full-size lesson
                    with sqlite3.connect(i.dir / "run.db", timeout=1) as c:
                        c.execute("UPDATE state SET heartbeat = heartbeat - 600")
                break
            except sqlite3.OperationalError:  # frozen inside its own write to one of them: let it finish
                proc.send_signal(signal.SIGCONT)
                time.sleep(0.05)
        assert waiting, proc.stderr.read1().decode() if proc.poll() is not None else "no run was held"
        ids = {i.run_id for i in waiting}
        assert {i.run_id: i.status for i in store.list_runs(root) if i.run_id in ids} == dict.fromkeys(ids, "queued")
        listed = json.loads(CliRunner().invoke(app, ["runs", "--json", "--runs-dir", str(root)]).stdout)
        assert {r["run_id"]: r["status"] for r in listed if r["run_id"] in ids} == dict.fromkeys(ids, "queued")

        async def lab_statuses():
            from textual.widgets import DataTable

            lab = LabApp(root)
            async with lab.run_test(size=(160, 48)) as pilot:
                for _ in range(600):  # the first listing (stores, configs, sweeps) on a loaded box
                    await pilot.pause(0.05)
                    table = lab.screen.query(DataTable)
                    if table and table.first().row_count >= 2:
                        break
                table = lab.screen.query_one(DataTable)
                rows = [table.get_row_at(n) for n in range(table.row_count)]
                return {str(r[1]): str(r[3]) for r in rows}  # name -> status

        names = {i.name for i in waiting}
        shown = asyncio.run(lab_statuses())
        assert {k: v for k, v in shown.items() if k in names} == dict.fromkeys(names, "queued"), shown
    finally:
        proc.kill()
        proc.wait()
    # the process that would have started them is gone: now they did crash
    assert {i.run_id: i.status for i in store.list_runs(root) if i.run_id in ids} == dict.fromkeys(ids, "crashed")
