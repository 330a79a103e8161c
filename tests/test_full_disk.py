"""A full disk is one line naming the filesystem, the path and the space needed; the run reads
`failed` with that line, temporary files go, earlier checkpoints and the store stay intact,
`rnnlab resume` continues once there is room, and nothing advises deleting the run.

Real full disks: a small tmpfs in a private mount namespace (`unshare`; skipped where this
cannot be made), SQLite's own SQLITE_FULL (`PRAGMA max_page_count`), Linux's /dev/full; and an
ENOSPC raised at the checkpoint's real write call."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rnnlab import config
from rnnlab.errors import DiskFull
from rnnlab.runs import launch, store, worker
from tests.test_manage_cli import _populate, _run

REPO = Path(__file__).resolve().parents[1]
BAD_ADVICE = ("rnnlab rm", "corrupt", "remove this run")


def _cfg(**train):
    return config.validate({
        "model": {"cell": "lstm", "hidden_size": 128, "input_projection": True},  # the sizes below were measured with it
        "task": {"kind": "adding", "seq_len": 10},
        "train": {"steps": 40, "batch_size": 8, "checkpoint_every": 10, "eval_every": 10, "device": "cpu", **train},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })


# ---------------------------------------------------------------------- a real small filesystem

SCENARIO = textwrap.dedent('''
    import json, os, subprocess, sys
    disk, cfg = sys.argv[1], sys.argv[2]
    rnnlab = [sys.executable, "-m", "rnnlab"]
    out = {}
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", disk], check=True)
    # a checkpoint of this model is ~1.6 MB: the one at step 10 fits in 3 MB, the one at 20 not
    p = subprocess.run(rnnlab + ["train", cfg, "--runs-dir", disk], capture_output=True, text=True)
    out["train"] = [p.returncode, p.stdout, p.stderr]
    run = next(d for d in os.listdir(disk) if not d.startswith("."))
    rd = os.path.join(disk, run)
    out["run"] = run
    out["checkpoints"] = sorted(os.listdir(os.path.join(rd, "checkpoints")))
    out["show"] = json.loads(subprocess.run(rnnlab + ["show", run, "--runs-dir", disk, "--json"],
                                            capture_output=True, text=True, check=True).stdout)
    import sqlite3
    out["integrity"] = sqlite3.connect(os.path.join(rd, "run.db")).execute("PRAGMA integrity_check").fetchone()[0]
    # export to a file on the (then completely) full disk: nothing half-written is left
    open(os.path.join(disk, "metrics.csv"), "w").write("old export\\n")
    out["free_before_filler"] = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    try:
        with open(os.path.join(disk, "filler"), "wb") as f:
            while True:
                f.write(b"x" * 4096); f.flush()
    except OSError:
        pass
    p = subprocess.run(rnnlab + ["export", run, "--runs-dir", disk, "-o", os.path.join(disk, "metrics.csv")],
                       capture_output=True, text=True)
    out["export"] = [p.returncode, p.stdout, p.stderr, open(os.path.join(disk, "metrics.csv")).read(),
                     sorted(os.listdir(disk))]
    if os.path.exists(os.path.join(disk, "filler")):
        os.remove(os.path.join(disk, "filler"))
    subprocess.run(["mount", "-o", "remount,size=16m", disk], check=True)  # space freed
    p = subprocess.run(rnnlab + ["resume", run, "--runs-dir", disk], capture_output=True, text=True)
    out["resume"] = [p.returncode, p.stdout, p.stderr]
    import time
    for _ in range(600):
        info = json.loads(subprocess.run(rnnlab + ["show", run, "--runs-dir", disk, "--json"],
                                         capture_output=True, text=True, check=True).stdout)
        if info["status"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    out["after"] = info
    out["after_checkpoints"] = sorted(os.listdir(os.path.join(rd, "checkpoints")))
    print("RESULT" + json.dumps(out))
''')


def _namespace_prefix() -> list[str] | None:
    """A command prefix giving a private mount namespace where tmpfs can be mounted, or None."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for prefix in ([unshare, "-m"], [unshare, "-r", "-m"]):
        probe = subprocess.run([*prefix, "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d"],
                               capture_output=True)
        if probe.returncode == 0:
            return prefix
    return None


@pytest.mark.timeout(300)
def test_a_checkpoint_on_a_full_disk_fails_the_run_in_one_line_and_resumes_later(tmp_path):
    prefix = _namespace_prefix()
    if prefix is None:
        pytest.skip("no private mount namespace with tmpfs here (unshare -m / -rm); the ENOSPC tests below cover it")
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(_cfg().to_toml())
    disk = tmp_path / "disk"
    disk.mkdir()
    script = tmp_path / "scenario.py"
    script.write_text(SCENARIO)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([*prefix, sys.executable, str(script), str(disk), str(cfg)], capture_output=True, text=True,
                       env=env, timeout=280)
    assert "RESULT" in p.stdout, p.stdout + p.stderr
    out = json.loads(p.stdout.split("RESULT", 1)[1])
    run = out["run"]

    rc, stdout, stderr = out["train"]
    assert rc == 2, out["train"]
    assert "Traceback" not in stderr and "Traceback" not in stdout
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("error: disk full: checkpoint ") and "step-00000020" in line
    assert "needs about 1." in line and " MB but the filesystem at " in line and str(disk) in line
    assert f"rnnlab resume {run}` continues from step 10" in line
    assert not any(bad in line for bad in BAD_ADVICE)

    # no .tmp-* left, the earlier one kept (beside the kept best, train.keep_best)
    assert [c for c in out["checkpoints"] if c != "best"] == ["step-00000010"]
    assert out["show"]["status"] == "failed" and out["show"]["message"] == line.removeprefix("error: ")
    assert out["integrity"] == "ok"

    rc, stdout, stderr, content, listing = out["export"]
    assert rc == 2 and stderr.startswith("error: disk full: export ") and "needs about" in stderr, out["export"]
    assert content == "old export\n"  # the earlier file is untouched
    assert not [n for n in listing if ".tmp-" in n]

    assert out["resume"][0] == 0 and "resumes from its checkpoint at step 10" in out["resume"][1], out["resume"]
    assert out["after"]["status"] == "finished" and out["after"]["step"] == 40, out["after"]
    assert [c for c in out["after_checkpoints"] if c != "best"] == ["step-00000020", "step-00000030", "step-00000040"]


# ---------------------------------------------------------------------- injected / device-level


def test_checkpoint_write_with_enospc_removes_its_temp_dir_and_keeps_the_earlier_one(tmp_path, monkeypatch):
    import torch

    from rnnlab.train import checkpoint

    model = torch.nn.Linear(64, 64)
    root = tmp_path / "checkpoints"
    checkpoint.save(root, 10, model, {"opt": torch.zeros(64, 64)}, {})
    real = checkpoint.save_file

    def full(tensors, filename, *a, **k):
        real(tensors, filename, *a, **k)  # the file is written, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), filename)

    monkeypatch.setattr(checkpoint, "save_file", full)
    with pytest.raises(DiskFull) as caught:
        checkpoint.save(root, 20, model, {"opt": torch.zeros(64, 64)}, {})
    msg = str(caught.value)
    assert msg.startswith(f"disk full: checkpoint {root / 'step-00000020'} needs about ") and "free" in msg
    assert sorted(p.name for p in root.iterdir()) == ["step-00000010"]
    weights, state, _ = checkpoint.load(root / "step-00000010")
    assert torch.equal(weights["weight"], model.weight.detach())


def test_a_full_run_database_is_disk_full_not_corrupt(tmp_path):
    run = launch.create_run(_cfg(), tmp_path / "runs")
    w = store.StoreWriter(run, heartbeat=False)
    w.start(0)
    for s in range(1, 11):
        w.scalars(s, {"loss": 1.0 / s})
    w.flush()
    pages = w._conn.execute("PRAGMA page_count").fetchone()[0]
    w._conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL from here on
    with pytest.raises(DiskFull) as caught:
        for s in range(11, 100_000):
            w.scalars(s, {"loss": 1.0 / s, "grad_norm": float(s), "lr": 0.1})
        w.flush()
    msg = str(caught.value)
    assert msg.startswith(f"disk full: run database {run / 'run.db'} needs about ") and "KB" in msg
    assert not any(bad in msg for bad in BAD_ADVICE)
    w.drop_buffered()
    w.set_status("failed", msg)  # the state row still fits: the end can be recorded
    w.close()
    info = store.read_info(run)
    assert info.status == "failed" and info.message == msg
    with store.RunReader(run) as r:
        assert r.series("loss")[0][:10] == list(range(1, 11))  # what was written is intact
    conn = sqlite3.connect(run / "run.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def _no_space(cfg, run_dir, reporter, control, resume=False):
    # what a write deep in training (a token cache, a probe dump) raises on a full disk
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(run_dir / "cache.bin"))


def test_worker_records_enospc_from_anywhere_as_failed_with_one_line(tmp_path, capsys):
    run = launch.create_run(_cfg(), tmp_path / "runs")
    assert worker.execute(run, handle_signals=False, train_fn=_no_space) == "failed"
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith(f"error: disk full: cannot write file {run / 'cache.bin'}: the filesystem at ")
    assert "start the run again (it had no checkpoint yet)" in err
    info = store.read_info(run)
    assert info.status == "failed" and info.message == err.strip().removeprefix("error: ")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_export_to_a_full_device_is_one_line(tmp_path):
    root = tmp_path / "runs"
    _populate(root, "alpha")
    r = _run(root, "export", "alpha", "-o", "/dev/full")
    assert isinstance(r.exception, DiskFull), r.output
    assert str(r.exception).startswith("disk full: export /dev/full needs about ")
    p = subprocess.run(f"{sys.executable} -m rnnlab export alpha --runs-dir {root} > /dev/full", shell=True,
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert p.returncode == 2 and p.stderr.startswith("error: disk full: cannot write output /dev/full"), p.stderr
    assert "Traceback" not in p.stderr
