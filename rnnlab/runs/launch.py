"""Creating a run directory, launching its worker as a detached OS process, resuming it, and
removing the directory again.

The worker runs in its own session (`start_new_session`), with stdin from /dev/null and its
output in the run's log, so it survives the launcher exiting, the terminal closing and the SSH
link's SIGHUP. Nothing here imports torch.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from rnnlab.errors import UserError
from rnnlab.runs import schema
from rnnlab.runs.control import PRUNE_KEY, discard_pending, send_command
from rnnlab.runs.paths import (
    CHECKPOINTS, CONFIG_NAME, DB_NAME, LOG_NAME, check_name, checkpoint_steps, is_run_dir, list_run_dirs, new_run_id,
    shown_name, taken_names, unique_name,
)
from rnnlab.runs.reader import read_info
from rnnlab.runs.status import NEEDS_CHECKPOINT, RESUMABLE
from rnnlab.runs.writer import StoreWriter
from rnnlab.train.kept import latest

# Popen objects of workers this process launched, kept so they are reaped (no zombies, no
# "still running" warnings); the workers themselves do not depend on them.
_children: list[subprocess.Popen] = []


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _root_lock(root: Path):
    """Serialise run creation in one root (unique names, unique ids) across processes."""
    return _file_lock(root / ".lock")


def _run_lock(run_dir: Path):
    """Serialise resumes of one run across processes (the CLI and the lab may both ask)."""
    return _file_lock(run_dir / ".resume.lock")


def torchrun_rank() -> Optional[int]:
    """This process's rank when torchrun started it as one of 2+ data-parallel processes."""
    try:
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            return int(os.environ["RANK"])
    except (KeyError, ValueError):
        pass
    return None


def torchrun_cmd(run_dir: Path | str, nproc: int, *args: str, module: str = "rnnlab.runs.worker") -> list[str]:
    """The command that trains `run_dir` on `nproc` local processes: torch's own launcher
    (torchrun) starting the worker once per rank; it ends every rank when one fails. `module`
    runs the worker (the CLI's foreground display passes its own, rnnlab.cli.console)."""
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes=1", f"--nproc-per-node={nproc}",
        "--max-restarts=0", "-m", module, str(run_dir), *args,
    ]


def worker_env(nproc: int = 1) -> dict[str, str]:
    """The environment a launched worker needs (this rnnlab importable, unbuffered output)."""
    env = dict(os.environ)
    # The worker must import this same rnnlab even when it is not installed (a source checkout).
    pkg_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    if nproc > 1 and not env.get("OMP_NUM_THREADS"):
        # each rank its share of the cores (torchrun would say 1 and warn about it)
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // nproc))
    return env


def run_nproc(run_dir: Path | str) -> int:
    """How many data-parallel processes the run trains on (1: an ordinary worker)."""
    conn = schema.connect(Path(run_dir) / DB_NAME)
    try:
        return int(schema.get_meta(conn).get("nproc") or 1)
    finally:
        conn.close()


def create_run(cfg, root: Path | str, name: Optional[str] = None, *, meta: Optional[dict] = None,
               nproc: int = 1) -> Path:
    """Make `<root>/<YYYYmmdd-HHMMSS>-<4 hex>/` with config.toml, checkpoints/ and a database
    in status "queued". `name`, if given, must be a plain unique name; without one the run is
    named after its config (the preset), made unique with `-2`, `-3`, ... `meta` adds run
    metadata (a sweep's trial records `sweep` and `trial`); `nproc` > 1 makes it a
    data-parallel run (its workers start through torchrun, resumes too)."""
    root = Path(root)
    if name is not None:
        check_name(name)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"runs directory {root}: cannot create it ({err.strerror}); pass --runs-dir with a writable folder") from None
    with _root_lock(root):
        if name is not None:
            from rnnlab.runs.schema import read_names

            for d in list_run_dirs(root):
                try:
                    taken = shown_name(*read_names(d / DB_NAME))
                except UserError:
                    continue
                if taken == name:
                    raise UserError(f"run name {name!r} is already used by {d.name} in {root}; pick another name or remove that run")
        else:
            name = unique_name(cfg.name or f"{cfg.model.cell}-{cfg.task.kind}", taken_names(root))
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
                    **(meta or {}),
                    **({"nproc": nproc} if nproc > 1 else {}),
                })
        finally:
            conn.close()
    return run_dir


def remove_run(run_dir: Path | str) -> None:
    """Delete a run's directory, or raise one UserError line saying what could not be removed.

    The database goes first, so the directory stops being a run (no viewer opens it again); a
    viewer that had it open may still create its -wal/-shm files meanwhile, so a directory that
    refills is emptied again a few times before giving up."""
    run_dir = Path(run_dir)
    try:
        (run_dir / DB_NAME).unlink(missing_ok=True)
    except OSError:
        pass  # rmtree below reports it
    errors: list[str] = []
    for attempt in range(5):
        errors = []
        shutil.rmtree(run_dir, onerror=lambda _fn, path, exc: errors.append(f"{path}: {exc[1].strerror or exc[1]}"))
        if not run_dir.exists():
            return
        if errors and not all("Directory not empty" in e for e in errors):
            break
        time.sleep(0.05 * (attempt + 1))
    first = errors[0] if errors else f"{run_dir}: still there"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise UserError(f"could not delete run {run_dir.name} completely: {first}{more}")


def _set_state(run_dir: Path, **cols) -> None:
    db = run_dir / DB_NAME
    conn = schema.connect(db)
    try:
        with schema.guard(db), schema.write_tx(conn) as c:
            c.execute(f"UPDATE state SET {', '.join(f'{k} = ?' for k in cols)}", tuple(cols.values()))
    finally:
        conn.close()


def hold(run_dirs: list[Path], message: str) -> None:
    """Mark created runs as held by this process, which will train them itself one after
    another (`rnnlab lessons N --run`): they read "queued" while it lives, without a heartbeat
    of their own, and "crashed" if it dies before starting them (reader.effective_status)."""
    for d in run_dirs:
        _set_state(Path(d), status="queued", message=message, pid=os.getpid(), host=socket.gethostname(),
                   heartbeat=time.time())


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
    flags = (["--resume"] if resume else []) + (["--queue"] if queue else [])
    nproc = run_nproc(run_dir)
    if nproc > 1:
        # the detached process is torchrun's launcher; rank 0 records its own pid as the run's
        cmd = torchrun_cmd(run_dir, nproc, *flags)
    else:
        cmd = [sys.executable, "-m", "rnnlab.runs.worker", str(run_dir), *flags]
    proc = start_detached(cmd, run_dir / LOG_NAME, worker_env(nproc))
    _set_state(run_dir, pid=proc.pid)
    return proc.pid


def start_detached(cmd: list[str], log_path: Path, env: dict[str, str],
                   pass_fds: tuple[int, ...] = ()) -> subprocess.Popen:
    """Start `cmd` in its own session (it outlives this terminal), its output appended to
    `log_path`; kept, so this process reaps it. Workers and sweep controllers start this way
    (a controller inherits its sweep's lock through `pass_fds`)."""
    _reap()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd, start_new_session=True, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            close_fds=True, pass_fds=pass_fds, env=env,
        )
    _children.append(proc)
    return proc


# On resume only what does not change the checkpoint's meaning may change: how to train on, not
# what the model or the data are.
RESUME_SECTIONS = ("train", "probes")


@dataclass(frozen=True)
class Resumed:
    """What `resume` did: asked a paused worker to go on (`pid` None), or started a new worker
    that continues from the checkpoint at `from_step` (None: there was none, it starts at 0)."""

    run_id: str
    pid: Optional[int] = None
    from_step: Optional[int] = None

    def describe(self) -> str:
        """One line for the CLI and the lab."""
        if self.pid is None:
            return f"asked run {self.run_id} to resume"
        # a run that had no checkpoint trains again from step 0: it must not be said to "continue"
        where = "from step 0 (it has no checkpoint yet)" if self.from_step is None else f"from its checkpoint at step {self.from_step}"
        return f"run {self.run_id} resumes {where} in the background (pid {self.pid})"


def resume(run_dir: Path | str, *, queue: bool = False, overrides: tuple[str, ...] | list[str] = ()) -> Resumed:
    """The one way to resume a run (the CLI's `resume`, the lab's `r`): a paused run's worker is
    sent a resume command; a stopped, crashed, diverged or (with a checkpoint) failed run gets a
    new worker that continues from its newest checkpoint, on the same curve. `overrides`
    (`train.lr=1e-4`, ...) change [train]/[probes] keys first: a diverged run resumed unchanged
    would diverge again at the same step. Anything else is one UserError line."""
    from rnnlab import config as config_mod

    run_dir = Path(run_dir)
    if not is_run_dir(run_dir):
        raise UserError(f"{run_dir}: no run here any more (removed?); see `rnnlab runs`")
    # one resume at a time: the status check and the spawn happen under the run's lock, and the
    # run leaves the resumable states before the lock is released
    with _run_lock(run_dir):
        info = read_info(run_dir)
        if info.status == "paused":
            if overrides:
                raise UserError(f"run {info.run_id} is paused, not stopped: --set applies when a run restarts from its checkpoint")
            send_command(run_dir, "resume")
            return Resumed(info.run_id)
        if info.status not in RESUMABLE:
            raise UserError(
                f"run {info.run_id} is {info.status}; only a {', '.join(RESUMABLE)} run can be resumed from its checkpoint"
            )
        steps = checkpoint_steps(run_dir)
        if info.status in NEEDS_CHECKPOINT and not steps:
            why = f" ({info.message})" if info.message else ""
            raise UserError(
                f"run {info.run_id} {info.status} before its first checkpoint{why}; there is nothing to continue "
                f"from: fix the cause and start a new run (its settings: rnnlab train {run_dir / 'config.toml'} --set KEY=VALUE)"
            )
        if queue and run_nproc(run_dir) > 1:
            raise UserError(f"run {info.run_id} trains on {run_nproc(run_dir)} processes: --queue is not supported for those yet; resume it without --queue")
        changes = _apply_resume_overrides(run_dir, overrides, config_mod) if overrides else ""
        writer = StoreWriter(run_dir, heartbeat=False)
        try:
            if info.status == "pruned":  # resumed by hand: a later stop is a plain stop
                writer.set_meta(**{PRUNE_KEY: None})
            if changes:
                # the step the change takes effect from: the checkpoint the resume loads
                found = latest(run_dir / CHECKPOINTS)
                writer.event("config", f"changed on resume: {changes}", found[0] if found else 0)
            # live (this process, beating) until the worker takes over, so a second resume
            # sees "queued" instead of "crashed"
            writer.set_status("queued", "resume requested", pid=os.getpid(), host=socket.gethostname())
            writer.beat()
        finally:
            writer.close()
        pid = spawn(run_dir, queue=queue, resume=True)
        conn = schema.connect(run_dir / DB_NAME)
        try:
            with schema.write_tx(conn) as c:
                # hand the run to the worker unless it already recorded itself
                c.execute("UPDATE state SET pid = ? WHERE status = 'queued' AND pid = ?", (pid, os.getpid()))
        finally:
            conn.close()
        return Resumed(info.run_id, pid, steps[-1] if steps else None)


def _apply_resume_overrides(run_dir: Path, overrides, config_mod) -> str:
    path = run_dir / CONFIG_NAME
    data = config_mod.read_toml(path)
    before = config_mod.validate(data, str(path)).to_dict()
    for item in overrides:
        section = item.split("=", 1)[0].strip().split(".")[0]
        if section not in RESUME_SECTIONS:
            raise UserError(
                f"--set {item!r}: only [train] and [probes] keys can change when resuming (the checkpoint's "
                "weights belong to this model and data); start a new run for other changes"
            )
        config_mod.apply_override(data, item)
    cfg = config_mod.validate(data, f"{path} (with --set)")
    after = cfg.to_dict()
    changes = [
        f"{sec}.{key} {before[sec].get(key)!r} -> {value!r}"
        for sec in RESUME_SECTIONS
        for key, value in after[sec].items()
        if before[sec].get(key) != value
    ]
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(cfg.to_toml(), encoding="utf-8")
    os.replace(tmp, path)
    return ", ".join(changes)
