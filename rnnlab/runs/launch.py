"""Creating a run directory and launching its worker as a detached OS process.

The worker runs in its own session (`start_new_session`), with stdin from /dev/null and its
output in the run's log, so it survives the launcher exiting, the terminal closing and the SSH
link's SIGHUP. Nothing here imports torch.
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from rnnlab.errors import UserError
from rnnlab.runs import schema
from rnnlab.runs.control import discard_pending
from rnnlab.runs.paths import CHECKPOINTS, CONFIG_NAME, DB_NAME, LOG_NAME, check_name, list_run_dirs, new_run_id
from rnnlab.runs.reader import read_info

RESUMABLE = ("stopped", "crashed", "diverged")

# Popen objects of workers this process launched, kept so they are reaped (no zombies, no
# "still running" warnings); the workers themselves do not depend on them.
_children: list[subprocess.Popen] = []


@contextmanager
def _root_lock(root: Path) -> Iterator[None]:
    """Serialise run creation in one root (unique names, unique ids) across processes."""
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def create_run(cfg, root: Path | str, name: Optional[str] = None) -> Path:
    """Make `<root>/<YYYYmmdd-HHMMSS>-<4 hex>/` with config.toml, checkpoints/ and a database
    in status "queued". `name`, if given, must be a plain unique name."""
    root = Path(root)
    if name is not None:
        check_name(name)
    root.mkdir(parents=True, exist_ok=True)
    with _root_lock(root):
        if name is not None:
            from rnnlab.runs.schema import read_names

            for d in list_run_dirs(root):
                try:
                    taken = read_names(d / DB_NAME)[0]
                except UserError:
                    continue
                if taken == name:
                    raise UserError(f"run name {name!r} is already used by {d.name} in {root}; pick another name or remove that run")
        for _ in range(100):
            run_dir = root / new_run_id()
            try:
                run_dir.mkdir()
                break
            except FileExistsError:
                continue
        else:  # pragma: no cover
            raise UserError(f"{root}: could not allocate a new run id")
        (run_dir / CHECKPOINTS).mkdir()
        (run_dir / CONFIG_NAME).write_text(cfg.to_toml(), encoding="utf-8")
        now = time.time()
        conn = schema.connect(run_dir / DB_NAME, create=True)
        try:
            with schema.write_tx(conn) as c:
                c.execute(
                    "INSERT INTO state (id, status, message, step, attempt, heartbeat) VALUES (1, 'queued', 'created', 0, 0, ?)",
                    (now,),
                )
                schema.set_meta(c, {
                    "run_id": run_dir.name,
                    "name": name,
                    "config_name": cfg.name,
                    "created": now,
                    "cell": cfg.model.cell,
                    "task_kind": cfg.task.kind,
                    "total_steps": cfg.train.steps,
                    "device": cfg.train.device,
                })
        finally:
            conn.close()
    return run_dir


def _set_state(run_dir: Path, **cols) -> None:
    db = run_dir / DB_NAME
    conn = schema.connect(db)
    try:
        with schema.guard(db), schema.write_tx(conn) as c:
            c.execute(f"UPDATE state SET {', '.join(f'{k} = ?' for k in cols)}", tuple(cols.values()))
    finally:
        conn.close()


def _reap() -> None:
    _children[:] = [p for p in _children if p.poll() is None]


def spawn(run_dir: Path | str, *, queue: bool = False, resume: bool = False) -> int:
    """Launch the run's worker detached from this process; returns its pid."""
    run_dir = Path(run_dir).resolve()
    if not (run_dir / DB_NAME).is_file() or not (run_dir / CONFIG_NAME).is_file():
        raise UserError(f"{run_dir}: not a run directory (needs {DB_NAME} and {CONFIG_NAME})")
    discard_pending(run_dir)
    _set_state(run_dir, status="queued", message="launching", pid=None, host=socket.gethostname(),
               heartbeat=time.time(), ended=None)
    cmd = [sys.executable, "-m", "rnnlab.runs.worker", str(run_dir)]
    if resume:
        cmd.append("--resume")
    if queue:
        cmd.append("--queue")
    env = dict(os.environ)
    # The worker must import this same rnnlab even when it is not installed (a source checkout).
    pkg_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    _reap()
    with open(run_dir / LOG_NAME, "ab") as log:
        proc = subprocess.Popen(
            cmd, start_new_session=True, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            close_fds=True, env=env,
        )
    _children.append(proc)
    _set_state(run_dir, pid=proc.pid)
    return proc.pid


def resume_run(run_dir: Path | str, *, queue: bool = False) -> int:
    """Continue a stopped, crashed or diverged run from its last checkpoint, on the same curve."""
    run_dir = Path(run_dir)
    info = read_info(run_dir)
    if info.status not in RESUMABLE:
        hint = "; it is paused: `rnnlab resume` sends it a resume command" if info.status == "paused" else ""
        raise UserError(
            f"run {info.run_id} is {info.status}; only a {', '.join(RESUMABLE)} run can be resumed from its checkpoint{hint}"
        )
    return spawn(run_dir, queue=queue, resume=True)
