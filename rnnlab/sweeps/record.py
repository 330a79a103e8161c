"""This host's record of a sweep: `<runs root>/.sweeps/<sweep id>/` holds `sweep.json` (id, name,
storage, created), `controller.json` (this host's controller: pid, host, status, heartbeat,
message), `controller.log`, `controller.lock` (held by this host's controller for its whole
life: one controller per sweep per host), a `stop` file while a stop is asked for, and, without
--storage, the study itself (`study.journal`). The trials are ordinary runs in the runs root beside it.

Written atomically (temp file + rename), read by the CLI and the lab without Optuna. Torch-free.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from rnnlab.errors import UserError
from rnnlab.runs.paths import check_name
from rnnlab.runs.reader import pid_alive

SWEEPS_DIR = ".sweeps"
SWEEP_FILE = "sweep.json"
CONTROLLER_FILE = "controller.json"
LOG_FILE = "controller.log"
LOCK_FILE = "controller.lock"
STOP_FILE = "stop"
JOURNAL = "study.journal"
CONTROLLER_STATUSES = ("starting", "running", "stopping", "finished", "stopped", "failed", "crashed")
LIVE = ("starting", "running", "stopping")
STALE_AFTER_S = 60.0  # a controller on another host is "crashed" once its beat is this old
# A probe (lock_held) holds the lock for microseconds: a controller taking it retries this long.
LOCK_RETRY_S = 0.5


def sweeps_root(runs_root: Path) -> Path:
    return Path(runs_root) / SWEEPS_DIR


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: unreadable sweep record ({err}); remove that sweep folder or restore the file") from None


class LiveController(UserError):
    """A controller of this sweep already lives on this host (it holds the lock)."""


@dataclass
class SweepRecord:
    dir: Path
    sweep_id: str
    name: str
    storage: str
    created: float
    joined: bool = False
    # copied from the spec so that listings (the lab's home screen) need no Optuna
    trials: Optional[int] = None
    metric: Optional[str] = None
    direction: Optional[str] = None
    # the study's own counts (sweeps/manage.digest), when a reader attached them: the lab's home
    # row shows these, not what this host's runs alone say
    digest: Optional[dict[str, Any]] = None

    @property
    def runs_root(self) -> Path:
        return self.dir.parent.parent

    def controller(self) -> dict[str, Any]:
        return _read(self.dir / CONTROLLER_FILE)

    def set_controller(self, **fields: Any) -> None:
        data = self.controller()
        data.update(fields)
        _write(self.dir / CONTROLLER_FILE, data)

    def controller_status(self) -> str:
        """The recorded status, or "crashed" for a live record whose process is gone."""
        c = self.controller()
        status = c.get("status") or "starting"
        if status not in LIVE:
            return status
        pid, host = c.get("pid"), c.get("host")
        if host == socket.gethostname():
            if self.lock_held():
                return status
            # a controller from before the lock file existed: only its pid tells
            old = pid is not None and not self.lock_path.exists() and pid_alive(int(pid))
            return status if old else "crashed"
        return status if time.time() - float(c.get("heartbeat") or 0) < STALE_AFTER_S else "crashed"

    def alive_pid(self) -> Optional[int]:
        c = self.controller()
        return c.get("pid") if self.controller_status() in LIVE else None

    # ------------------------------------------------------------------ the controller's lock
    # flock (not lockf): the lock belongs to the open file, so a parent that takes it can hand
    # it to the controller it spawns (pass_fds) and no other controller slips in between.

    @property
    def lock_path(self) -> Path:
        return self.dir / LOCK_FILE

    def take_lock(self, pid: Optional[int] = None) -> Optional[int]:
        """This host's controller lock: an fd that holds it (keep it open while the controller
        lives), or None when a live controller holds it. The file names the holder's pid
        (`pid`, this process by default; 0: not known yet, see mark_lock)."""
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + LOCK_RETRY_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.mark_lock(fd, os.getpid() if pid is None else pid)
                return fd
            except OSError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    return None
                time.sleep(0.02)

    @staticmethod
    def mark_lock(fd: int, pid: int) -> None:
        """Write the pid of the controller that holds the lock into the lock file."""
        os.ftruncate(fd, 0)
        if pid:
            os.pwrite(fd, f"{pid}\n".encode(), 0)

    def lock_pid(self) -> Optional[int]:
        try:
            text = self.lock_path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def lock_held(self) -> bool:
        """Whether a controller on this host holds the lock now (a process, not a record)."""
        try:
            fd = os.open(self.lock_path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except OSError:
            return True
        finally:
            os.close(fd)

    def live_here(self) -> Optional[str]:
        """One line naming this host's live controller of the sweep, or None when it has none."""
        if not self.lock_held():
            return None
        pid = self.lock_pid()
        deadline = time.monotonic() + 1.0
        while pid is None and time.monotonic() < deadline:  # a spawner names its child just after
            time.sleep(0.05)
            pid = self.lock_pid()
        return f"sweep {self.sweep_id} already has a controller on this host{f' (pid {pid})' if pid else ''}"

    def stop_requested(self) -> bool:
        return (self.dir / STOP_FILE).exists()

    def request_stop(self) -> None:
        (self.dir / STOP_FILE).write_text(str(time.time()), encoding="utf-8")

    def clear_stop(self) -> None:
        (self.dir / STOP_FILE).unlink(missing_ok=True)

    @property
    def log(self) -> Path:
        return self.dir / LOG_FILE

    def to_dict(self) -> dict[str, Any]:
        return {"sweep_id": self.sweep_id, "name": self.name, "storage": self.storage, "created": self.created,
                "joined": self.joined, "trials": self.trials, "metric": self.metric, "direction": self.direction}


def create(runs_root: Path, sweep_id: str, name: Optional[str], storage: Optional[str], *, joined: bool = False,
           spec: Any = None) -> SweepRecord:
    check_sweep_id(sweep_id, storage)
    d = sweeps_root(runs_root) / sweep_id
    try:
        d.mkdir(parents=True, exist_ok=joined)
    except FileExistsError:
        raise UserError(f"sweep {sweep_id} already has a folder in {runs_root}; use `rnnlab sweep resume {sweep_id}`") from None
    except OSError as err:
        raise UserError(f"runs directory {runs_root}: cannot create {d} ({err.strerror}); pass --runs-dir with a writable folder") from None
    if storage is None:
        storage = str((d / JOURNAL).resolve())
    elif "://" not in storage:
        storage = str(Path(storage).expanduser().resolve())
    rec = SweepRecord(d, sweep_id, name or sweep_id, storage, time.time(), joined,
                      getattr(spec, "trials", None), getattr(spec, "metric", None), getattr(spec, "direction", None))
    _write(d / SWEEP_FILE, rec.to_dict())
    return rec


def check_sweep_id(sweep_id: str, storage: Optional[str] = None) -> str:
    """A sweep id becomes a folder name: one plain path component, as a run name must be (a
    shared study named `../../x` must not write outside the runs root)."""
    try:
        return check_name(sweep_id)
    except UserError:
        where = f" (a study in {storage})" if storage else ""
        raise UserError(f"sweep id {sweep_id!r}{where} cannot be a folder name here: a sweep id must be 1-100 letters, "
                        "digits, '.', '_', '+' or '-', starting with a letter or digit, no path separators and no '..'; "
                        "join a sweep that `rnnlab sweep` made") from None


def load(d: Path) -> SweepRecord:
    data = _read(d / SWEEP_FILE)
    if not data:
        raise UserError(f"{d}: not a sweep folder (no {SWEEP_FILE})")
    return SweepRecord(d, data["sweep_id"], data.get("name") or data["sweep_id"], data["storage"],
                       float(data.get("created") or 0), bool(data.get("joined")), data.get("trials"), data.get("metric"),
                       data.get("direction"))


def list_sweeps(runs_root: Path) -> list[SweepRecord]:
    """This host's sweeps in the runs root, newest first."""
    root = sweeps_root(runs_root)
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir(), reverse=True):
        if (d / SWEEP_FILE).is_file():
            try:
                out.append(load(d))
            except UserError:
                continue
    return out


def resolve(runs_root: Path, ref: str) -> SweepRecord:
    """A sweep id, unique id prefix or name -> its record here, or one UserError line."""
    sweeps = list_sweeps(runs_root)
    for rec in sweeps:
        if rec.sweep_id == ref:
            return rec
    named = [r for r in sweeps if r.name == ref] or [r for r in sweeps if r.sweep_id.startswith(ref)]
    if len(named) == 1:
        return named[0]
    if named:
        raise UserError(f"sweep {ref!r} is ambiguous in {runs_root}: {', '.join(r.sweep_id for r in named)}; give the id")
    raise UserError(f"no sweep {ref!r} in {runs_root} (no id, id prefix or name matches); see `rnnlab sweeps`")
