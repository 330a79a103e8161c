"""The worker's side of the store: `StoreWriter` records what the training loop reports
(the Reporter protocol of rnnlab/train/events.py) and hands it viewers' commands (Control).

Rows are buffered and written in one transaction every ~0.5 s (or every `max_rows`), so a
crash loses at most about a second of metrics and a fast loop never pays an fsync per step.
A daemon thread keeps the heartbeat fresh and flushes the buffer even while the loop is paused
or busy inside a long step, which is how viewers tell a live run from a dead one. The worker's
writer also records, from that thread, the process's own CPU %, RSS and GPU memory every
`usage_every` seconds (rnnlab/runs/system.py): ordinary metrics, at no cost to the loop.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Optional

from rnnlab.errors import DiskFull
from rnnlab.runs import schema
from rnnlab.runs.paths import DB_NAME
from rnnlab.runs.status import LIVE as LIVE_STATUSES, RECORDED as STATUSES
from rnnlab.train.events import COMMANDS  # the loop's own list (a torch-free module)

FLUSH_INTERVAL_S = 0.2  # bounds viewer lag; a WAL commit without fsync is cheap
HEARTBEAT_INTERVAL_S = 0.2
POLL_INTERVAL_S = 0.2

# Keys of the "started" event's data that become run metadata.
_STARTED_KEYS = ("baselines", "primary_metric", "params", "device", "task", "task_description", "total_steps", "from_data")


def _json(data: Any) -> str:
    return json.dumps(data, default=_json_default, allow_nan=True)


def _json_default(obj: Any) -> Any:
    # numpy scalars/arrays and tensors that slipped through: make them plain.
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)


_UPSERT_LATEST = """
    INSERT INTO latest (name, step, value, best) VALUES (?, ?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET step = excluded.step, value = excluded.value,
        best = CASE WHEN excluded.best IS NULL THEN latest.best
                    WHEN latest.best IS NULL THEN excluded.best
                    ELSE MIN(latest.best, excluded.best) END"""


def _latest_rows(scalars: list[tuple]) -> list[tuple]:
    """(name, step, value, batch minimum) per series, from rows (attempt, step, wall, name, value)
    in write order: the last row of a name is its newest."""
    last: dict[str, tuple] = {}
    low: dict[str, float] = {}
    for _, step, _, name, value in scalars:
        last[name] = (step, value)
        if value is not None and value == value and (name not in low or value < low[name]):
            low[name] = value
    return [(name, step, value, low.get(name)) for name, (step, value) in last.items()]


class StoreWriter:
    """Writes one run's database. One per worker process; safe to call from one thread plus the
    internal heartbeat thread."""

    def __init__(self, run_dir: Path | str, *, max_rows: int = 2000, heartbeat: bool = True,
                 usage_every: Optional[float] = None) -> None:
        self.run_dir = Path(run_dir)
        self.db_path = self.run_dir / DB_NAME
        self._conn = schema.connect(self.db_path)
        self._lock = threading.RLock()
        self._scalars: list[tuple] = []
        self._vectors: list[tuple] = []
        self._events: list[tuple] = []
        self._meta: dict[str, Any] = {}
        self._max_step: Optional[int] = None
        self._max_rows = max_rows
        self._last_flush = time.monotonic()
        self._last_poll = 0.0
        self._injected: list[str] = []
        self._closed = False
        with schema.guard(self.db_path):
            self._attempt = self._conn.execute("SELECT attempt FROM state").fetchone()[0]
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._usage: Any = None
        self._usage_every = usage_every
        self._last_usage = time.monotonic()
        if usage_every:
            try:
                from rnnlab.runs.system import OwnUsage

                self._usage = OwnUsage()
            except Exception:  # no psutil: the run trains all the same
                self._usage = None
        if heartbeat:
            self.beat()
            self._thread = threading.Thread(target=self._heartbeat_loop, name="rnnlab-heartbeat", daemon=True)
            self._thread.start()

    # ------------------------------------------------------------------ Reporter protocol

    def start(self, step: int) -> None:
        """(Re)start at `step`: rows an earlier attempt wrote after it are superseded."""
        with self._lock:
            self._flush_locked()
            with schema.guard(self.db_path), schema.write_tx(self._conn) as c:
                c.execute("DELETE FROM scalars WHERE step > ?", (step,))
                c.execute("DELETE FROM vectors WHERE step > ?", (step,))
                c.execute("DELETE FROM latest")
                c.execute(schema.REBUILD_LATEST)
                c.execute("UPDATE state SET attempt = attempt + 1, step = ?", (step,))
                self._attempt = c.execute("SELECT attempt FROM state").fetchone()[0]
            self._max_step = step

    def scalars(self, step: int, values: dict[str, float]) -> None:
        wall = time.time()
        with self._lock:
            for name, value in values.items():
                v = float(value)
                self._scalars.append((self._attempt, int(step), wall, str(name), None if math.isnan(v) else v))
            self._note_step(step)
        self._maybe_flush()

    def vector(self, step: int, name: str, data: Any) -> None:
        with self._lock:
            self._vectors.append((self._attempt, int(step), time.time(), str(name), _json(data)))
            self._note_step(step)
        self._maybe_flush()

    def event(self, kind: str, message: str, step: Optional[int] = None, data: Optional[dict] = None) -> None:
        with self._lock:
            self._events.append(
                (self._attempt, None if step is None else int(step), time.time(), str(kind), str(message),
                 None if data is None else _json(data))
            )
            if kind in ("started", "resumed") and data:
                self._meta.update({k: data[k] for k in _STARTED_KEYS if k in data})
            if kind in ("started", "resumed") and self.status() == "running":
                # training is under way: a "resuming from checkpoint" note is now done with
                self.set_status("running", "")
                return
            if kind in ("paused", "unpaused"):
                self.flush()
                self.set_status("paused" if kind == "paused" else "running", message)
                return
            if kind == "checkpoint":
                # everything up to a checkpoint is on disk with it: a crash right after leaves
                # no gap before the point a resume continues from
                self.flush()
                return
        self._maybe_flush()

    # ------------------------------------------------------------------ Control protocol

    def poll(self) -> list[str]:
        """Commands viewers sent since the last poll (hits the DB at most every 0.2 s)."""
        out, self._injected = self._injected, []
        now = time.monotonic()
        if now - self._last_poll < POLL_INTERVAL_S:
            return out
        self._last_poll = now
        with self._lock, schema.guard(self.db_path):
            rows = self._conn.execute("SELECT id, command FROM commands WHERE consumed IS NULL ORDER BY id").fetchall()
            if rows:
                with schema.write_tx(self._conn) as c:
                    c.executemany("UPDATE commands SET consumed = ? WHERE id = ?", [(time.time(), r[0]) for r in rows])
        return out + [r[1] for r in rows]

    def inject(self, command: str) -> None:
        """Queue a command from inside this process (a signal handler asking for a clean stop)."""
        self._injected.append(command)

    # ------------------------------------------------------------------ lifecycle

    def set_status(self, status: str, message: str = "", **fields: Any) -> None:
        """Record the run's status now (flushing buffered rows first). `fields` may set pid, host,
        started, ended, step, or any other key, which goes into the run metadata."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        cols = {k: fields.pop(k) for k in ("pid", "host", "started", "ended", "step") if k in fields}
        with self._lock:
            self._meta.update(fields)
            self._flush_locked()
            with schema.guard(self.db_path), schema.write_tx(self._conn) as c:
                sets = ", ".join(f"{k} = ?" for k in ["status", "message", "heartbeat", *cols])
                c.execute(f"UPDATE state SET {sets}", (status, " ".join(str(message).split()), time.time(), *cols.values()))

    def record_process(self) -> None:
        """This process is the run's worker: pid, host and start time."""
        self.set_status(self.status(), self.message(), pid=os.getpid(), host=socket.gethostname(), started=time.time())

    def status(self) -> str:
        with self._lock:
            return self._conn.execute("SELECT status FROM state").fetchone()[0]

    def message(self) -> str:
        with self._lock:
            return self._conn.execute("SELECT message FROM state").fetchone()[0]

    def set_meta(self, **values: Any) -> None:
        with self._lock:
            self._meta.update(values)
            self._flush_locked()

    def beat(self) -> None:
        with self._lock:
            with schema.guard(self.db_path), schema.write_tx(self._conn) as c:
                c.execute("UPDATE state SET heartbeat = ?", (time.time(),))

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def drop_buffered(self) -> int:
        """Forget the rows not yet written (the disk is full: they cannot be, and the run's
        failure must still be recorded); returns how many there were."""
        with self._lock:
            n = self._pending()
            self._scalars, self._vectors, self._events = [], [], []
            return n

    def close(self) -> None:
        if self._closed:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            try:
                self._flush_locked()
            except DiskFull:
                # the run's end was recorded (or reported) by whoever met the full disk first;
                # the last fraction of a second of rows cannot be written
                self.drop_buffered()
            self._closed = True
            try:
                # Fold the WAL back into the main file so a finished run is one self-contained file.
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except Exception:
                pass
            self._conn.close()

    def __enter__(self) -> "StoreWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _note_step(self, step: int) -> None:
        if self._max_step is None or step > self._max_step:
            self._max_step = int(step)

    def _pending(self) -> int:
        return len(self._scalars) + len(self._vectors) + len(self._events)

    def _pending_bytes(self) -> int:
        """Roughly what writing the buffer takes in the WAL: rows with their index entries,
        in whole 4 KB pages, plus the state row's page."""
        n = 120 * len(self._scalars) + sum(80 + len(v[4]) for v in self._vectors)
        n += sum(80 + len(e[4]) + len(e[5] or "") for e in self._events)
        return 4096 * (2 + n // 4096)

    def _maybe_flush(self) -> None:
        if self._pending() >= self._max_rows or time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self.flush()

    def _flush_locked(self) -> None:
        self._last_flush = time.monotonic()
        if not (self._pending() or self._meta) or self._closed:
            return
        scalars, vectors, events, meta = self._scalars, self._vectors, self._events, self._meta
        with schema.guard(self.db_path, self._pending_bytes()), schema.write_tx(self._conn) as c:
            if scalars:
                c.executemany("INSERT INTO scalars (attempt, step, wall, name, value) VALUES (?, ?, ?, ?, ?)", scalars)
                c.executemany(_UPSERT_LATEST, _latest_rows(scalars))
            if vectors:
                c.executemany("INSERT INTO vectors (attempt, step, wall, name, data) VALUES (?, ?, ?, ?, ?)", vectors)
            if events:
                c.executemany(
                    "INSERT INTO events (attempt, step, wall, kind, message, data) VALUES (?, ?, ?, ?, ?, ?)", events
                )
            if meta:
                schema.set_meta(c, meta)
            if self._max_step is not None:  # never back: a sample of a finished run's best checkpoint
                c.execute("UPDATE state SET step = MAX(COALESCE(step, 0), ?), heartbeat = ?",  # files rows at its step;
                          (self._max_step, time.time()))                                   # start() moves it back
        self._scalars, self._vectors, self._events, self._meta = [], [], [], {}

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_INTERVAL_S):
            self._record_usage()
            try:
                with self._lock:
                    if self._closed:
                        return
                    if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
                        self._flush_locked()
                    self.beat()
            except Exception:
                # A transient error must not kill the heartbeat; the next beat retries.
                continue

    def _record_usage(self) -> None:
        """The process's own usage as metrics at the current step, every `usage_every` s once
        training has a step (before that, a resumed run's step is not yet known)."""
        if self._usage is None or self._max_step is None or self._closed:
            return
        now = time.monotonic()
        if now - self._last_usage < (self._usage_every or 0):
            return
        self._last_usage = now
        try:
            values = self._usage.metrics()
            with self._lock:
                if self._closed or self._max_step is None:
                    return
                wall = time.time()
                for name, value in values.items():
                    self._scalars.append((self._attempt, self._max_step, wall, name, float(value)))
        except Exception:
            return  # a failed read is a missing point, never a failed run


def append_vector(run_dir: Path | str, name: str, data: Any) -> int:
    """Add one JSON vector to a run's store after the fact (a backtest of a finished run), at the
    run's current step and attempt; the run's state (status, step, heartbeat) is left alone.
    Returns the step it was filed under."""
    db_path = Path(run_dir) / DB_NAME
    conn = schema.connect(db_path)
    try:
        with schema.guard(db_path), schema.write_tx(conn) as c:
            attempt, step = c.execute("SELECT attempt, step FROM state").fetchone()
            c.execute(
                "INSERT INTO vectors (attempt, step, wall, name, data) VALUES (?, ?, ?, ?, ?)",
                (attempt, int(step or 0), time.time(), str(name), _json(data)),
            )
    finally:
        conn.close()
    return int(step or 0)


def append_output(run_dir: Path | str, step: int, data: Any, note: str) -> None:
    """Add a task output (and an event saying where it came from) to a run no worker is
    writing: "sample now" on a finished run."""
    with StoreWriter(run_dir, heartbeat=False) as w:
        w.vector(step, "output", data)
        w.event("sample", note, step)
