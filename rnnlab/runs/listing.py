"""A runs root listed again and again at the cost of what changed: `RunLister`.

`list_runs` opens every run's database each time; at a thousand runs that is ~0.3 s of SQLite
per listing, every second, in the lab's process. A finished run's database does not change, and
a live one shows that it did: the store is always in WAL mode, so every commit appends to
`run.db-wal`, and a checkpoint (a writer's close, the last connection's close) writes `run.db`
and resets or deletes that file. So the lister keeps each run's `RunInfo` beside the (mtime,
size) of those two files, two stats per run, and reads a run again only when they moved. What a reader derives from the clock alone — a
live record whose worker died or went silent reads "crashed" (`effective_status`) — is
recomputed for every listed run on every call, so a cached run still turns crashed on time.

`list()` returns what `list_runs` would return, in the same order (newest first).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable, Optional

from rnnlab.runs.paths import CONFIG_NAME, DB_NAME
from rnnlab.runs.reader import RunInfo, effective_status, listed_info
from rnnlab.runs.status import BUSY, CORRUPT, LIVE

_MISSING = (0, -1)


def _sig(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return _MISSING
    return (st.st_mtime_ns, st.st_size)


class RunLister:
    """Lists one runs root; keep it to make the next listing cheap. Not thread-safe: one
    thread calls `list`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._cache: dict[str, tuple[tuple, RunInfo]] = {}  # dir name -> (signature, info)
        self._created: dict[str, int] = {}  # dir name -> config.toml mtime (written once; runs sharing a second)
        self.reads = 0  # databases opened by the last `list` (for tests and benchmarks)

    def _run_dirs(self) -> list[tuple[str, tuple]]:
        """(dir name, store signature) of every run directory, newest first: the order of
        `paths.list_run_dirs`, from two stats per known run."""
        try:
            entries = list(os.scandir(self.root))
        except (FileNotFoundError, NotADirectoryError):
            return []
        out = []
        for e in entries:
            if e.name.startswith(".") or not e.is_dir():
                continue
            db = _sig(f"{e.path}/{DB_NAME}")
            if db is _MISSING:
                continue
            out.append((e.name, (db, _sig(f"{e.path}/{DB_NAME}-wal"))))
        # runs created in the same second are ordered by their config.toml's mtime (written once):
        # stat it only for those
        seconds: dict[str, int] = {}
        for name, _ in out:
            seconds[name[:15]] = seconds.get(name[:15], 0) + 1
        for name, _ in out:
            if seconds[name[:15]] > 1 and name not in self._created:
                self._created[name] = _sig(f"{self.root}/{name}/{CONFIG_NAME}")[0]
        out.sort(key=lambda x: (x[0][:15], self._created.get(x[0], 0)), reverse=True)
        return out

    def list(self, progress: Optional[Callable[[list[RunInfo]], None]] = None, first: int = 60) -> list[RunInfo]:
        """Every run under the root, newest first. When many runs must be read (the first
        listing), `progress` gets the newest `first` of them as soon as they are read, so a
        screen can show its first page before the rest is in."""
        dirs = self._run_dirs()
        seen = set()
        out: list[RunInfo] = []
        self.reads = 0
        for name, sig in dirs:
            seen.add(name)
            cached = self._cache.get(name)
            if cached is not None and cached[0] == sig:
                info = cached[1]
                out.append(_aged(info) if info.recorded_status in LIVE else info)
            else:
                info = listed_info(self.root / name)
                self.reads += 1
                unread = info.status in (CORRUPT, BUSY)  # read again next time: restored, or freed
                if info.status == BUSY and cached is not None:
                    info = _aged(cached[1])  # locked now: the last reading stands until it frees
                self._cache[name] = (None if unread else sig, info)
                out.append(info)
            if progress is not None and len(out) == first and self.reads > first // 2 and len(dirs) > first:
                progress(list(out))
        for gone in set(self._cache) - seen:
            del self._cache[gone]
            self._created.pop(gone, None)
        return out


def _aged(info: RunInfo) -> RunInfo:
    """The cached info with its status as of now (a live record can have turned crashed)."""
    status = effective_status(info.recorded_status, info.pid, info.host, info.heartbeat)
    return info if status == info.status else dataclasses.replace(info, status=status)
