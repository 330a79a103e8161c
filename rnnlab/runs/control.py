"""Viewers steer a worker by inserting a command row into its run database; the worker's
`StoreWriter.poll` picks it up. Works from any process that can open the file, including one
that did not launch the run.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
from pathlib import Path
from typing import Optional

from rnnlab.errors import UserError
from rnnlab.runs import schema
from rnnlab.runs.paths import DB_NAME
from rnnlab.runs.writer import COMMANDS


def _sender() -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "?"
    return f"{user}@{socket.gethostname()}:{os.getpid()}"


def send_command(run_dir: Path | str, command: str) -> int:
    """Queue `command` for the run's worker; returns the command's id. Recorded with who and when."""
    if command not in COMMANDS:
        raise UserError(f"unknown command {command!r}; expected one of {', '.join(COMMANDS)}")
    db = Path(run_dir) / DB_NAME
    conn = schema.connect(db)
    try:
        with schema.guard(db), schema.write_tx(conn) as c:
            cur = c.execute(
                "INSERT INTO commands (command, issued, sender) VALUES (?, ?, ?)", (command, time.time(), _sender())
            )
            return int(cur.lastrowid)
    finally:
        conn.close()


def discard_pending(run_dir: Path | str) -> None:
    """Drop commands no worker consumed (they were meant for an attempt that is gone)."""
    db = Path(run_dir) / DB_NAME
    conn = schema.connect(db)
    try:
        with schema.guard(db), schema.write_tx(conn) as c:
            c.execute("UPDATE commands SET consumed = ? WHERE consumed IS NULL", (-time.time(),))
    finally:
        conn.close()


PRUNE_KEY = "prune"  # run metadata: why and when a sweep's pruner asked this run to stop


def request_prune(run_dir: Path | str, reason: str) -> None:
    """Ask the run to stop early because a sweep's pruner judged it weak: a normal stop
    (checkpoint, then exit) that the worker then records as "pruned" instead of "stopped"."""
    db = Path(run_dir) / DB_NAME
    conn = schema.connect(db)
    try:
        with schema.guard(db), schema.write_tx(conn) as c:
            schema.set_meta(c, {PRUNE_KEY: {"reason": reason, "issued": time.time(), "sender": _sender()}})
    finally:
        conn.close()
    send_command(run_dir, "stop")


def prune_requested(run_dir: Path | str) -> Optional[dict]:
    """The prune request recorded for this run, if any."""
    db = Path(run_dir) / DB_NAME
    conn = schema.connect(db)
    try:
        with schema.guard(db):
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (PRUNE_KEY,)).fetchone()
    finally:
        conn.close()
    return None if row is None else json.loads(row[0])
