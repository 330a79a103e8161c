"""The run database: its schema, versioned with `PRAGMA user_version`, the migrations that bring
an older file up to date, and the one way to open it (WAL, busy timeout, clear errors).

Only `rnnlab.runs` knows these tables. Row ids are AUTOINCREMENT so a reader can tail each table
with `id > last_seen`; ids are never reused, even after a resume deletes superseded rows.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from rnnlab.errors import UserError, disk_full

SCHEMA_VERSION = 2

# The newest value and the minimum of every scalar series, rebuilt from `scalars` (after a
# migration, or after a resume superseded rows). The writer keeps it current on every flush, so
# a run's summary costs one row per series instead of a scan of millions of points.
REBUILD_LATEST = """
    INSERT OR REPLACE INTO latest (name, step, value, best)
    SELECT s.name, s.step, s.value, (SELECT MIN(m.value) FROM scalars m WHERE m.name = s.name)
    FROM scalars s JOIN (SELECT name, MAX(id) AS id FROM scalars GROUP BY name) last ON s.id = last.id"""

# Each entry upgrades the file from version i to i+1; a new version appends one list here.
MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # Exactly one row: the run's live state. `attempt` grows each time training (re)starts,
        # which is how readers learn that rows they hold were superseded.
        """CREATE TABLE state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            status TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            step INTEGER NOT NULL DEFAULT 0,
            attempt INTEGER NOT NULL DEFAULT 0,
            pid INTEGER, host TEXT, started REAL, heartbeat REAL, ended REAL)""",
        """CREATE TABLE scalars (
            id INTEGER PRIMARY KEY AUTOINCREMENT, attempt INTEGER NOT NULL,
            step INTEGER NOT NULL, wall REAL NOT NULL, name TEXT NOT NULL, value REAL)""",
        "CREATE INDEX scalars_name_step ON scalars (name, step)",
        "CREATE INDEX scalars_step ON scalars (step)",
        """CREATE TABLE vectors (
            id INTEGER PRIMARY KEY AUTOINCREMENT, attempt INTEGER NOT NULL,
            step INTEGER NOT NULL, wall REAL NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL)""",
        "CREATE INDEX vectors_name_step ON vectors (name, step)",
        "CREATE INDEX vectors_step ON vectors (step)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT, attempt INTEGER NOT NULL, step INTEGER,
            wall REAL NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL, data TEXT)""",
        # Control commands from any viewer; the worker marks each one consumed.
        """CREATE TABLE commands (
            id INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, issued REAL NOT NULL,
            sender TEXT NOT NULL, consumed REAL)""",
        "CREATE INDEX commands_pending ON commands (consumed, id)",
    ],
    [
        "CREATE TABLE latest (name TEXT PRIMARY KEY, step INTEGER NOT NULL, value REAL, best REAL)",
        REBUILD_LATEST,
    ],
]
assert len(MIGRATIONS) == SCHEMA_VERSION

BUSY_TIMEOUT_MS = 30_000
# A listing waits at most this long for one run's database: a writer stopped (Ctrl-Z, SIGSTOP)
# while it holds the file's lock (a WAL checkpoint on close takes it exclusively) would
# otherwise freeze every viewer 30 s per run, on every refresh.
LIST_BUSY_MS = 1_000


def is_contention(err: sqlite3.Error) -> bool:
    msg = str(err).lower()
    return isinstance(err, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


def _is_full(err: sqlite3.Error) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or (code is None and "disk is full" in str(err).lower())


@contextmanager
def guard(path: Path, needed: int | None = None) -> Iterator[None]:
    """Turn a damaged-file error from SQLite into one UserError line naming the file; a full
    disk is said as such (the file is intact: SQLite rolled the transaction back), with the
    `needed` bytes when the caller knows them."""
    try:
        yield
    except sqlite3.DatabaseError as err:
        if is_contention(err):
            raise
        if _is_full(err):
            raise disk_full(path, "run database", needed) from None
        raise UserError(
            f"{path}: corrupt or truncated run database ({err}); other runs are unaffected, "
            "remove this run with `rnnlab rm` or restore the file"
        ) from None


def connect(path: Path, *, create: bool = False, busy_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open (and if `create`, initialise) a run database; migrate an older schema. `busy_ms`:
    how long a statement waits on another process's lock before "database is locked"."""
    path = Path(path)
    if not create and not path.is_file():
        raise UserError(f"{path}: no run database here; is this a run directory? (see `rnnlab runs`)")
    with guard(path):
        conn = sqlite3.connect(
            f"file:{path}?mode={'rwc' if create else 'rw'}",
            uri=True,
            timeout=busy_ms / 1000,
            isolation_level=None,  # explicit BEGIN/COMMIT only
            check_same_thread=False,  # the writer's heartbeat thread shares it under a lock
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and not create:
                raise UserError(f"{path}: empty or truncated run database (no schema); remove this run or restore the file")
            if version > SCHEMA_VERSION:
                raise UserError(
                    f"{path}: written by a newer rnnlab (schema {version}, this one reads {SCHEMA_VERSION}); upgrade rnnlab"
                )
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            # A crash may lose the last transactions but never corrupts the file in WAL mode.
            conn.execute("PRAGMA synchronous = NORMAL")
            if version < SCHEMA_VERSION:
                _migrate(conn, version)
        except BaseException:
            conn.close()
            raise
    return conn


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for target in range(version, SCHEMA_VERSION):
            for stmt in MIGRATIONS[target]:
                conn.execute(stmt)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


@contextmanager
def write_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the lock up front, so it never deadlocks on upgrade."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back (a full disk does): a second ROLLBACK would
        # replace the real error with "no transaction is active"
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


@contextmanager
def read_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A consistent snapshot across several SELECTs (WAL readers never block the writer)."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}


def set_meta(conn: sqlite3.Connection, values: dict[str, Any]) -> None:
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [(k, json.dumps(v)) for k, v in values.items()],
    )


def read_names(db_path: Path) -> tuple[str | None, str | None]:
    """(explicit run name, config name) of one run, for name lookup."""
    conn = connect(db_path)
    try:
        with guard(db_path):
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('name', 'config_name')"))
    finally:
        conn.close()
    name = json.loads(meta["name"]) if "name" in meta else None
    cfg = json.loads(meta["config_name"]) if "config_name" in meta else None
    return name, cfg
