"""The viewers' side of the store: `RunReader` summarises a run (`info`) and tails it (`poll`
returns only rows newer than those already held), `list_runs` summarises a runs root.

Readers never write. A run whose recorded state is live (queued/running/paused) but whose worker
is gone is reported as "crashed": on this host, as soon as its pid is dead; elsewhere, once its
heartbeat is older than STALE_AFTER_S. A live pid on this host is trusted until its heartbeat is
older than HUNG_AFTER_S, so a loaded machine does not flicker runs to crashed. Two queued records
are not a worker at all, so their heartbeat says nothing: one with no pid was created and not yet
started (a lesson's or a sweep's later runs, `create_run` before `spawn`), and one whose pid is a
live process on this host is held by that process (`launch.hold`: `rnnlab lessons N --run` trains
its runs one after another). `effective_status` is the one place this is decided; the lister,
`rnnlab runs` and the lab all read it.
"""

from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from rnnlab.errors import UserError
from rnnlab.runs import schema
from rnnlab.runs.paths import DB_NAME, list_run_dirs
from rnnlab.runs.status import BUSY
from rnnlab.runs.status import LIVE as LIVE_STATUSES

STALE_AFTER_S = 5.0
HUNG_AFTER_S = 30.0


@dataclass
class Event:
    id: int
    step: Optional[int]
    wall: float
    kind: str
    message: str
    data: Optional[dict]


@dataclass
class Delta:
    reset: bool = False
    scalars: dict[str, list[tuple[int, float, float]]] = field(default_factory=dict)
    vectors: list[tuple[int, str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.reset or self.scalars or self.vectors or self.events)


@dataclass
class RunInfo:
    run_id: str
    name: Optional[str]
    dir: Path
    cell: Optional[str]
    task: Optional[str]
    status: str
    step: int = 0
    total_steps: Optional[int] = None
    created: Optional[float] = None
    started: Optional[float] = None
    heartbeat: Optional[float] = None
    pid: Optional[int] = None
    host: Optional[str] = None
    device: Optional[str] = None
    message: str = ""
    primary_metric: Optional[str] = None
    best_metric: Optional[float] = None
    latest: dict[str, float] = field(default_factory=dict)
    tokens_per_s: Optional[float] = None
    baselines: dict[str, float] = field(default_factory=dict)
    params: Optional[int] = None
    ended: Optional[float] = None
    attempt: int = 0
    recorded_status: Optional[str] = None
    task_description: Optional[str] = None  # e.g. "adding: T=100, constant-1 baseline MSE 0.167"
    sweep: Optional[str] = None  # the sweep id when this run is a sweep's trial (rnnlab/sweeps)
    trial: Optional[int] = None  # its trial number in that sweep
    tags: list[str] = field(default_factory=list)  # the user's labels (`rnnlab tag`, rnnlab/runs/notes.py)
    note: str = ""  # the user's note (`rnnlab note`)
    group: Optional[str] = None  # the seed group (`rnnlab train --seeds N`): runs differing only by seed

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def shown_metric(self) -> Optional[float]:
        """The primary metric as the runs list shows and sorts it: its best value (the kept
        checkpoint's, what sample and forecast load), the latest while there is no best."""
        return self.best_metric if self.best_metric is not None else self.latest.get(self.primary_metric or "")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["dir"] = str(self.dir)
        return d


def _value(v: Optional[float]) -> float:
    # SQLite stores NaN as NULL; a diverged loss reads back as NaN.
    return math.nan if v is None else v


def pid_alive(pid: int) -> bool:
    """Whether `pid` is a running (not zombie) process on this host."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def effective_status(status: str, pid: Optional[int], host: Optional[str], heartbeat: Optional[float],
                     now: Optional[float] = None) -> str:
    """What a run's recorded status means now (see the module docstring): "crashed" for a live
    record whose process is gone or silent, otherwise the recorded status."""
    if status not in LIVE_STATUSES:
        return status
    if status == "queued" and pid is None:
        return status  # created, never started: nothing ran, so nothing can have crashed
    now = time.time() if now is None else now
    age = math.inf if heartbeat is None else now - heartbeat
    if pid is not None and host == socket.gethostname():
        if not pid_alive(pid):
            return "crashed"
        # a queued run's holder need not beat for it (it is busy training the one before)
        return "crashed" if age > HUNG_AFTER_S and status != "queued" else status
    return "crashed" if age > STALE_AFTER_S else status


class RunReader:
    """Reads one run. Keep it open to tail; `close()` when done."""

    def __init__(self, run_dir: Path | str, *, busy_ms: int = schema.BUSY_TIMEOUT_MS) -> None:
        self.run_dir = Path(run_dir)
        self.db_path = self.run_dir / DB_NAME
        self._conn = schema.connect(self.db_path, busy_ms=busy_ms)
        self._attempt: Optional[int] = None
        self._last = {"scalars": 0, "vectors": 0, "events": 0}

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "RunReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ summary

    def info(self) -> RunInfo:
        with schema.guard(self.db_path), schema.read_tx(self._conn) as c:
            meta = schema.get_meta(c)
            row = c.execute("SELECT status, message, step, attempt, pid, host, started, heartbeat, ended FROM state").fetchone()
            if row is None:
                raise UserError(f"{self.db_path}: run database has no state row; remove this run or restore the file")
            status, message, step, attempt, pid, host, started, heartbeat, ended = row
            rows = c.execute("SELECT name, value, best FROM latest").fetchall()
            latest = {n: _value(v) for n, v, _ in rows}
            primary = meta.get("primary_metric") or ("val_loss" if "val_loss" in latest else "loss")
            best = next((b for n, _, b in rows if n == primary), None)
        return RunInfo(
            run_id=meta.get("run_id", self.run_dir.name),
            name=meta.get("name") or meta.get("config_name"),
            dir=self.run_dir,
            cell=meta.get("cell"),
            task=meta.get("task") or meta.get("task_kind"),
            status=effective_status(status, pid, host, heartbeat),
            step=step,
            total_steps=meta.get("total_steps"),
            created=meta.get("created"),
            started=started,
            heartbeat=heartbeat,
            pid=pid,
            host=host,
            device=meta.get("device"),
            message=message,
            primary_metric=primary,
            best_metric=best,
            latest=latest,
            tokens_per_s=latest.get("tokens_per_s"),
            baselines=dict(meta.get("baselines") or {}),
            params=meta.get("params"),
            ended=ended,
            attempt=attempt,
            recorded_status=status,
            task_description=meta.get("task_description"),
            sweep=meta.get("sweep"),
            trial=meta.get("trial"),
            tags=list(meta.get("tags") or []),
            note=meta.get("note") or "",
            group=meta.get("group"),
        )

    def meta(self) -> dict[str, Any]:
        with schema.guard(self.db_path):
            return schema.get_meta(self._conn)

    # ------------------------------------------------------------------ tailing

    def poll(self) -> Delta:
        """Rows newer than those this reader holds; `reset` when a resume superseded rows, and
        then the delta is the whole history."""
        delta = Delta()
        with schema.guard(self.db_path), schema.read_tx(self._conn) as c:
            attempt = c.execute("SELECT attempt FROM state").fetchone()[0]
            if self._attempt is not None and attempt != self._attempt:
                delta.reset = True
                self._last = {"scalars": 0, "vectors": 0, "events": 0}
            self._attempt = attempt
            for id_, step, wall, name, value in c.execute(
                "SELECT id, step, wall, name, value FROM scalars WHERE id > ? ORDER BY id", (self._last["scalars"],)
            ):
                delta.scalars.setdefault(name, []).append((step, wall, _value(value)))
                self._last["scalars"] = id_
            for id_, step, name, data in c.execute(
                "SELECT id, step, name, data FROM vectors WHERE id > ? ORDER BY id", (self._last["vectors"],)
            ):
                delta.vectors.append((step, name, json.loads(data)))
                self._last["vectors"] = id_
            for row in c.execute(
                "SELECT id, step, wall, kind, message, data FROM events WHERE id > ? ORDER BY id", (self._last["events"],)
            ):
                delta.events.append(_event(row))
                self._last["events"] = row[0]
        return delta

    def series(self, name: str) -> tuple[list[int], list[float], list[float]]:
        with schema.guard(self.db_path):
            rows = self._conn.execute(
                "SELECT step, wall, value FROM scalars WHERE name = ? ORDER BY step, id", (name,)
            ).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows], [_value(r[2]) for r in rows]

    def scalar_names(self) -> list[str]:
        with schema.guard(self.db_path):
            return [r[0] for r in self._conn.execute("SELECT DISTINCT name FROM scalars ORDER BY name")]

    def all_scalars(self) -> list[tuple[int, float, str, float]]:
        """Every metric point as (step, wall, name, value), in step order."""
        with schema.guard(self.db_path):
            rows = self._conn.execute("SELECT step, wall, name, value FROM scalars ORDER BY step, id").fetchall()
        return [(s, w, n, _value(v)) for s, w, n, v in rows]

    def all_vectors(self, names: list[str]) -> list[tuple[int, float, str, Any]]:
        """Every probe vector named in `names` as (step, wall, name, data), in step order."""
        if not names:
            return []
        marks = ", ".join("?" for _ in names)
        with schema.guard(self.db_path):
            rows = self._conn.execute(
                f"SELECT step, wall, name, data FROM vectors WHERE name IN ({marks}) ORDER BY step, id", tuple(names)
            ).fetchall()
        return [(s, w, n, json.loads(d)) for s, w, n, d in rows]

    def latest_vector(self, name: str) -> Optional[tuple[int, Any]]:
        with schema.guard(self.db_path):
            row = self._conn.execute(
                "SELECT step, data FROM vectors WHERE name = ? ORDER BY step DESC, id DESC LIMIT 1", (name,)
            ).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def vectors(self, name: str, since_step: Optional[int] = None) -> list[tuple[int, Any]]:
        with schema.guard(self.db_path):
            rows = self._conn.execute(
                "SELECT step, data FROM vectors WHERE name = ? AND step > ? ORDER BY step, id",
                (name, -1 if since_step is None else since_step),
            ).fetchall()
        return [(s, json.loads(d)) for s, d in rows]

    def events(self) -> list[Event]:
        with schema.guard(self.db_path):
            rows = self._conn.execute("SELECT id, step, wall, kind, message, data FROM events ORDER BY id").fetchall()
        return [_event(r) for r in rows]


def _event(row: tuple) -> Event:
    id_, step, wall, kind, message, data = row
    return Event(id_, step, wall, kind, message, None if data is None else json.loads(data))


def read_info(run_dir: Path, *, busy_ms: int = schema.BUSY_TIMEOUT_MS) -> RunInfo:
    with RunReader(run_dir, busy_ms=busy_ms) as r:
        return r.info()


def corrupt_info(run_dir: Path, err: UserError) -> RunInfo:
    """A placeholder row for a run whose database cannot be read."""
    return RunInfo(run_id=run_dir.name, name=None, dir=run_dir, cell=None, task=None, status="corrupt", message=str(err))


def busy_info(run_dir: Path) -> RunInfo:
    """A placeholder row for a run whose database another process keeps locked."""
    return RunInfo(
        run_id=run_dir.name, name=None, dir=run_dir, cell=None, task=None, status=BUSY,
        message=f"{run_dir / DB_NAME}: locked by another process for over {schema.LIST_BUSY_MS / 1000:g} s "
                "(a stopped or hung writer? `kill -CONT` it); read again on the next listing",
    )


def listed_info(run_dir: Path) -> RunInfo:
    """One run as a listing shows it: its info, or a placeholder row when its database is
    damaged ("corrupt", the error as its message) or locked ("busy"), so the others stay usable
    and no listing waits long on one run."""
    try:
        return read_info(run_dir, busy_ms=schema.LIST_BUSY_MS)
    except UserError as err:
        return corrupt_info(run_dir, err)
    except sqlite3.OperationalError as err:
        if schema.is_contention(err):
            return busy_info(run_dir)
        return corrupt_info(run_dir, UserError(f"{run_dir / DB_NAME}: {err}"))


def list_runs(root: Path | str) -> list[RunInfo]:
    """Every run under `root`, newest first (see `listed_info` for the unreadable ones)."""
    return [listed_info(d) for d in list_run_dirs(root)]
