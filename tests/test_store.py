"""The run store against real SQLite files and real processes: batching, tailing, superseding,
control commands, crash detection, damaged files, names that try to escape the runs root, and
many writers with tailing readers at once."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rnnlab import config
from rnnlab.errors import UserError
from rnnlab.runs import launch, paths, store
from rnnlab.runs.paths import DB_NAME
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[1]


def _cfg(**train):
    return config.validate({
        "model": {"cell": "gru", "hidden_size": 8},
        "task": {"kind": "adding", "seq_len": 10},
        "train": {"steps": 40, "batch_size": 4, "device": "cpu", **train},
    })


def _wait(pred, timeout=20.0, every=0.05):
    return wait_for(pred, timeout, every)


def _py(code: str, *args: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture
def root(tmp_path):
    return tmp_path / "runs"


@pytest.fixture
def run(root):
    return launch.create_run(_cfg(), root)


def test_create_run_layout_and_initial_state(root):
    d = launch.create_run(_cfg(), root, name="first")
    assert d.parent == root and (d / "config.toml").is_file() and (d / "checkpoints").is_dir()
    assert config.validate(config.read_toml(d / "config.toml")).model.cell == "gru"
    info = store.read_info(d)
    assert (info.run_id, info.name, info.cell, info.task, info.total_steps) == (d.name, "first", "gru", "adding", 40)
    assert info.status == "queued" and info.step == 0


def test_writer_batches_and_reader_tails_only_new_rows(run):
    w = store.StoreWriter(run)
    r = store.RunReader(run)
    try:
        w.start(0)
        for step in range(1, 6):
            w.scalars(step, {"loss": 1.0 / step, "lr": 0.1})
        w.vector(5, "grad_flow", {"norms": [1.0, 0.5]})
        w.event("eval", "eval at 5", 5, {"val_loss": 0.3})
        w.flush()
        d1 = r.poll()
        assert not d1.reset
        assert [s for s, _, _ in d1.scalars["loss"]] == [1, 2, 3, 4, 5]
        assert d1.vectors == [(5, "grad_flow", {"norms": [1.0, 0.5]})]
        assert [(e.kind, e.step, e.data) for e in d1.events] == [("eval", 5, {"val_loss": 0.3})]
        assert not r.poll()  # nothing new
        w.scalars(6, {"loss": float("nan")})
        w.flush()
        d2 = r.poll()
        assert list(d2.scalars) == ["loss"] and d2.scalars["loss"][0][0] == 6
        assert d2.scalars["loss"][0][2] != d2.scalars["loss"][0][2]  # NaN survives the round trip
        info = r.info()
        assert info.step == 6 and info.latest["lr"] == 0.1 and info.best_metric == pytest.approx(0.2)
        assert r.latest_vector("grad_flow") == (5, {"norms": [1.0, 0.5]})
        assert r.scalar_names() == ["loss", "lr"]
    finally:
        r.close()
        w.close()


def test_an_output_filed_at_an_earlier_step_leaves_a_finished_runs_step(run):
    """`n` on a finished run files the best checkpoint's output at its step (900 of 1000): the run's
    step went back to 900 with it, in the header, the runs list and `rnnlab show` (an outside trial)."""
    from rnnlab.runs.writer import append_output

    w = store.StoreWriter(run)
    w.start(0)
    for step in range(1, 41):
        w.scalars(step, {"loss": 1.0 / step})
    w.flush()
    w.close()
    assert store.read_info(run).step == 40
    append_output(run, 30, {"type": "forecast", "forecast": [1.0]}, "output from the best checkpoint (step 30) on request")
    info = store.read_info(run)
    assert info.step == 40
    r = store.RunReader(run)
    try:
        d = r.poll()
        assert (30, "output", {"type": "forecast", "forecast": [1.0]}) in d.vectors
        assert any(e.kind == "sample" and e.step == 30 for e in d.events)
    finally:
        r.close()


def test_start_supersedes_later_rows_and_readers_reset(run):
    w = store.StoreWriter(run)
    r = store.RunReader(run)
    try:
        w.start(0)
        for step in range(1, 16):
            w.scalars(step, {"loss": float(step)})
            w.vector(step, "gates", [step])
        w.flush()
        assert len(r.poll().scalars["loss"]) == 15
        w.start(10)  # a resume from the checkpoint at step 10
        for step in range(11, 21):
            w.scalars(step, {"loss": float(step)})
        w.flush()
        delta = r.poll()
        assert delta.reset
        steps = [s for s, _, _ in delta.scalars["loss"]]
        assert steps == list(range(1, 21))  # the whole history again, one continuous curve
        assert r.series("loss")[0] == list(range(1, 21))
        assert [s for s, _ in r.vectors("gates")] == list(range(1, 11))
        assert not r.poll().reset
    finally:
        r.close()
        w.close()


def test_started_event_becomes_metadata_and_pause_sets_status(run):
    with store.StoreWriter(run) as w:
        w.event("started", "go", 0, {"baselines": {"constant_mse": 1 / 6}, "primary_metric": "val_mse",
                                      "params": 123, "device": "cpu", "task": "adding T=10", "total_steps": 77})
        w.scalars(1, {"val_mse": 0.5})
        w.scalars(2, {"val_mse": 0.25})
        w.set_status("running")
        w.event("paused", "paused at 2", 2)
        info = store.read_info(run)
        assert info.status == "paused"
        assert (info.primary_metric, info.best_metric, info.params, info.device, info.task, info.total_steps) == (
            "val_mse", 0.25, 123, "cpu", "adding T=10", 77)
        assert info.baselines == {"constant_mse": pytest.approx(1 / 6)}
        w.event("unpaused", "resumed", 2)
        assert store.read_info(run).status == "running"


def test_commands_from_another_process_reach_the_writer_once(run):
    with store.StoreWriter(run) as w:
        p = _py("""
            import sys
            from rnnlab.runs.store import send_command
            for c in ("pause", "resume", "stop"):
                send_command(sys.argv[1], c)
        """, str(run))
        assert p.wait(60) == 0, p.stderr.read()
        got = _wait(lambda: w.poll(), timeout=5)
        assert got == ["pause", "resume", "stop"]
        time.sleep(0.25)
        assert w.poll() == []  # consumed, not delivered twice
    conn = sqlite3.connect(run / DB_NAME)
    senders = [r[0] for r in conn.execute("SELECT sender FROM commands")]
    conn.close()
    assert all(socket.gethostname() in s for s in senders)
    with pytest.raises(UserError, match="unknown command 'explode'"):
        store.send_command(run, "explode")


def test_dead_or_silent_worker_reads_as_crashed(run):
    now = time.time()
    assert store.effective_status("running", None, "elsewhere", now - 60, now) == "crashed"
    assert store.effective_status("running", None, "elsewhere", now - 1, now) == "running"
    assert store.effective_status("finished", None, "elsewhere", now - 600, now) == "finished"
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    assert store.effective_status("paused", p.pid, socket.gethostname(), now, now) == "crashed"
    assert store.effective_status("running", os.getpid(), socket.gethostname(), now, now) == "running"


def test_a_killed_writer_loses_at_most_its_last_moments(run):
    p = _py("""
        import sys, time
        from rnnlab.runs.store import StoreWriter
        w = StoreWriter(sys.argv[1])
        w.set_status("running", pid=__import__("os").getpid(), host=__import__("socket").gethostname())
        for step in range(1, 11):
            w.scalars(step, {"loss": 1.0})
        print("written", flush=True)
        time.sleep(60)  # the heartbeat thread flushes while the main thread sleeps
    """, str(run))
    assert p.stdout.readline().strip() == "written"
    assert _wait(lambda: store.RunReader(run).series("loss")[0] == list(range(1, 11)), timeout=10)
    p.send_signal(signal.SIGKILL)
    p.wait()
    info = _wait(lambda: (i := store.read_info(run)).status == "crashed" and i, timeout=10)
    assert info and info.step == 10


@pytest.mark.parametrize("size", [0, 100, "half"])
def test_truncated_database_is_one_clear_error_and_other_runs_stay_usable(root, size):
    bad = launch.create_run(_cfg(), root)
    good = launch.create_run(_cfg(), root, name="good")
    with store.StoreWriter(bad) as w:
        for step in range(1, 2001):
            w.scalars(step, {"loss": 1.0, "lr": 0.1, "grad_norm": 0.5})
    db = bad / DB_NAME
    n = db.stat().st_size // 2 if size == "half" else size
    with open(db, "r+b") as f:
        f.truncate(n)
    with pytest.raises(UserError) as err:
        with store.RunReader(bad) as r:
            r.info()
            r.series("loss")
    assert str(db) in str(err.value) and "\n" not in str(err.value)
    runs = {i.run_id: i for i in store.list_runs(root)}
    assert runs[bad.name].status == "corrupt" and str(db) in runs[bad.name].message
    assert runs[good.name].status == "queued"
    assert paths.resolve_run(root, "good") == good
    assert paths.resolve_run(root, bad.name) == bad  # still addressable by id, e.g. to rm it


def test_garbage_database_file(root):
    d = launch.create_run(_cfg(), root)
    (d / DB_NAME).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(UserError, match="corrupt or truncated run database"):
        store.read_info(d)


def test_newer_schema_is_refused(run):
    conn = sqlite3.connect(run / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(UserError, match="newer rnnlab"):
        store.read_info(run)


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", "x/../../y", "..hidden", "/abs", ""])
def test_run_names_cannot_escape_the_root(root, tmp_path, name):
    with pytest.raises(UserError, match="not allowed"):
        launch.create_run(_cfg(), root, name=name)
    assert not (tmp_path / "evil").exists() and not (tmp_path / "y").exists()
    assert not list(tmp_path.glob("**/" + DB_NAME))


def test_resolve_run_by_id_prefix_name_and_path(root):
    a = launch.create_run(_cfg(), root, name="alpha")
    b = launch.create_run(_cfg(), root, name="beta")
    assert paths.resolve_run(root, a.name) == a
    assert paths.resolve_run(root, "beta") == b
    assert paths.resolve_run(root, str(b)) == b
    with pytest.raises(UserError, match="ambiguous"):
        paths.resolve_run(root, a.name[:4])
    with pytest.raises(UserError, match="no run 'gamma'"):
        paths.resolve_run(root, "gamma")
    with pytest.raises(UserError, match="not a run directory"):
        paths.resolve_run(root, "../alpha")
    with pytest.raises(UserError, match="already used"):
        launch.create_run(_cfg(), root, name="alpha")
    assert paths.list_run_dirs(root) == [b, a]  # newest first, even within one second


def test_concurrent_writers_and_tailing_readers(run):
    """8 writer processes on one database while 2 processes tail it: no lock errors, every row
    exactly once."""
    n_writers, n_steps = 8, 150
    done = run / "writers-done"
    writer_code = """
        import sys, time
        from rnnlab.runs.store import StoreWriter
        run, k, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        w = StoreWriter(run, max_rows=7)
        for step in range(n):
            w.scalars(step, {f"w{k}": float(step)})
            if step % 25 == 0:
                w.event("tick", f"w{k} {step}", step)
            time.sleep(0.001)
        w.close()
    """
    reader_code = """
        import json, sys, time
        from pathlib import Path
        from rnnlab.runs.store import RunReader
        run, done = sys.argv[1], Path(sys.argv[2])
        r = RunReader(run)
        got, events = {}, 0
        while True:
            finished = done.exists()
            d = r.poll()
            assert not d.reset
            for name, pts in d.scalars.items():
                got.setdefault(name, []).extend(p[0] for p in pts)
            events += len(d.events)
            if finished:
                break
            time.sleep(0.01)
        print(json.dumps({"got": got, "events": events}))
    """
    readers = [_py(reader_code, str(run), str(done)) for _ in range(2)]
    writers = [_py(writer_code, str(run), str(k), str(n_steps)) for k in range(n_writers)]
    for i in range(5):  # a viewer steering the run meanwhile also writes to the same file
        store.send_command(run, "checkpoint")
    for p in writers:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        assert "locked" not in err
    done.touch()
    for p in readers:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        result = json.loads(out)
        assert result["events"] == n_writers * 6
        assert sorted(result["got"]) == [f"w{k}" for k in range(n_writers)]
        for steps in result["got"].values():
            assert steps == list(range(n_steps))  # in order, none lost, none twice
    with store.RunReader(run) as r:
        for k in range(n_writers):
            assert r.series(f"w{k}")[0] == list(range(n_steps))


def test_store_and_launch_do_not_import_torch():
    code = "import sys, rnnlab.runs.store, rnnlab.runs.launch, rnnlab.runs.worker, rnnlab.cli.manage; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(REPO)),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_summary_tracks_latest_and_best_through_a_resume(root):
    d = launch.create_run(_cfg(), root)
    w = store.StoreWriter(d, heartbeat=False)
    w.start(0)
    w.event("started", "go", 0, {"primary_metric": "val_mse"})
    for s in range(1, 31):
        w.scalars(s, {"loss": 1.0 / s})
        if s % 10 == 0:
            w.scalars(s, {"val_mse": {10: 0.5, 20: 0.2, 30: 0.3}[s]})
    w.scalars(31, {"loss": float("nan")})
    w.flush()
    info = store.RunReader(d).info()
    assert info.best_metric == 0.2 and info.latest["val_mse"] == 0.3
    assert info.latest["loss"] != info.latest["loss"]  # the NaN is the newest loss
    w.start(15)  # a resume from step 15 supersedes everything after it
    w.flush()
    info = store.RunReader(d).info()
    assert info.latest == {"loss": pytest.approx(1 / 15), "val_mse": 0.5} and info.best_metric == 0.5
    w.close()


def test_a_schema_1_database_is_migrated_with_its_summary(root):
    d = launch.create_run(_cfg(), root)
    w = store.StoreWriter(d, heartbeat=False)
    for s in range(1, 11):
        w.scalars(s, {"loss": 10.0 - s})
    w.close()
    conn = sqlite3.connect(d / DB_NAME)
    conn.execute("DROP TABLE latest")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    info = store.RunReader(d).info()
    assert info.latest == {"loss": 0.0}
    conn = sqlite3.connect(d / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert conn.execute("SELECT best FROM latest WHERE name = 'loss'").fetchone()[0] == 0.0


def test_automatic_names_are_made_unique(root):
    cfg = _cfg()
    cfg.name = "sun-default"
    a, b, c = (launch.create_run(cfg, root) for _ in range(3))
    assert [store.read_info(d).name for d in (a, b, c)] == ["sun-default", "sun-default-2", "sun-default-3"]
    assert paths.resolve_run(root, "sun-default") == a and paths.resolve_run(root, "sun-default-2") == b
    unnamed = launch.create_run(_cfg(), root)  # a config without a name: cell and task
    assert store.read_info(unnamed).name == "gru-adding"
    with pytest.raises(UserError, match="already used"):
        launch.create_run(cfg, root, name="sun-default-3")


def test_an_ambiguous_name_is_the_same_error_as_an_ambiguous_prefix(root):
    from rnnlab.runs import schema

    cfg = _cfg()
    cfg.name = "sun-default"
    older = launch.create_run(cfg, root, name="sun-default")
    newer = launch.create_run(cfg, root)
    conn = schema.connect(newer / DB_NAME)
    with schema.write_tx(conn) as c:
        schema.set_meta(c, {"name": None})  # as runs made before names were unique: only the config's name
    conn.close()
    assert store.read_info(newer).name == "sun-default"
    with pytest.raises(UserError) as by_name:
        paths.resolve_run(root, "sun-default")
    with pytest.raises(UserError) as by_prefix:
        paths.resolve_run(root, older.name[:4])
    assert str(by_name.value) == f"run 'sun-default' is ambiguous in {root}: matches {newer.name}, {older.name}; give its id"
    assert str(by_prefix.value).startswith(f"run '{older.name[:4]}' is ambiguous in {root}: matches {newer.name}, {older.name}")
