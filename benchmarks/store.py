"""Item 5: the run store. How many metric rows a worker can write per second through
`StoreWriter` (against plain sqlite3 `executemany` of the same rows into the same kind of WAL
database, committed in the same batch size), and the viewer lag: the time from a worker's
`StoreWriter.scalars` call to a `RunReader` in another process returning the row, with the
reader polling at the lab's cadence (rnnlab.tui.state.POLL_INTERVAL) and, for the store alone,
every 20 ms; and end to end, from a writer process to the real lab's dashboard plot (headless).
"""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, check, median, timed
from rnnlab import config as config_mod
from rnnlab.runs.launch import create_run
from rnnlab.runs.store import RunReader, StoreWriter

NAMES = ("loss", "lr", "grad_norm", "clipped", "tokens_per_s", "step_time", "flops_per_s", "mfu")

_WRITER = r"""
import sys, time
from rnnlab.runs.store import StoreWriter
run_dir, seconds, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
w = StoreWriter(run_dir)
w.set_status("running")
step, end = 0, time.time() + seconds
while time.time() < end:
    step += 1
    # the value is the wall time of the write: the reader subtracts it from when it sees the row
    w.scalars(step, {"loss": time.time()})
    time.sleep(1.0 / rate)
w.set_status("finished")
w.close()
"""


def writer_rows_per_s(root: Path, steps: int) -> float:
    run_dir = create_run(config_mod.load(None), root)
    values = {n: 0.5 for n in NAMES}
    w = StoreWriter(run_dir)

    def go():
        for s in range(1, steps + 1):
            w.scalars(s, values)
        w.flush()

    t = timed(go)
    w.close()
    return steps * len(NAMES) / t


def sqlite_rows_per_s(root: Path, steps: int, batch: int = 2000) -> float:
    db = root / f"bare-{time.monotonic_ns()}.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE scalars (id INTEGER PRIMARY KEY, attempt INTEGER, step INTEGER, wall REAL, name TEXT, value REAL)")
    rows = [(1, s, time.time(), n, 0.5) for s in range(1, steps + 1) for n in NAMES]

    def go():
        for i in range(0, len(rows), batch):
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO scalars (attempt, step, wall, name, value) VALUES (?, ?, ?, ?, ?)", rows[i:i + batch])
            conn.execute("COMMIT")

    t = timed(go)
    conn.close()
    return len(rows) / t


def viewer_lag(root: Path, poll_s: float, seconds: float, rate: float = 50.0) -> list[float]:
    run_dir = create_run(config_mod.load(None), root)
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(run_dir), str(seconds), str(rate)])
    lags: list[float] = []
    reader = RunReader(run_dir)
    try:
        while proc.poll() is None:
            d = reader.poll()
            now = time.time()
            lags += [now - v for _, _, v in d.scalars.get("loss", [])]
            time.sleep(poll_s)
    finally:
        proc.wait()
        reader.close()
    return lags


_SCREEN = r"""
import asyncio, json, subprocess, sys, time
from pathlib import Path
from rnnlab.tui.app import LabApp
from rnnlab.tui.widgets import plot as plotmod

run_dir, seconds, writer = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
lags = []
build = plotmod.LinePlot._rebuild

shown = {"newest": 0.0}

def timed_build(self):
    # the loss values are the writer's wall clock at the write: when a plot is rebuilt for
    # painting, every point newer than the last rebuild's newest reaches the screen now; the
    # oldest of them waited longest, and that is the lag counted
    build(self)
    ys = [l.y for l in self._data.lines if len(l.y) and l.y.max() > 1e9]
    if not ys:
        return
    y = max(ys, key=len)
    fresh = y[y > shown["newest"]]
    if len(fresh):
        now = time.time()
        lags.append(now - float(fresh.min()))
        shown["newest"] = float(y.max())

plotmod.LinePlot._rebuild = timed_build

async def main():
    app = LabApp(run_dir.parent, open_run=run_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(1.0)
        proc = subprocess.Popen([sys.executable, "-c", writer, str(run_dir), str(seconds), "50"])
        while proc.poll() is None:
            await pilot.pause(0.02)

asyncio.run(main())
print(json.dumps(lags[1:]))
"""


def screen_lag(root: Path, seconds: float) -> list[float]:
    """Write -> on screen, end to end: a real worker-like writer process, the real lab headless
    on that run's dashboard (its own polling and redraw throttle), timed when the loss plot is
    rebuilt for painting."""
    import json

    run_dir = create_run(config_mod.load(None), root)
    w = StoreWriter(run_dir)
    w.scalars(0, {"loss": time.time()})
    w.close()
    out = subprocess.run([sys.executable, "-c", _SCREEN, str(run_dir), str(seconds), _WRITER],
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def run(quick: bool) -> list[Figure]:
    figs = []
    steps = 2000 if quick else 10000
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-") as tmp:
        root = Path(tmp)
        ours = median([writer_rows_per_s(root, steps) for _ in range(3)])
        bare = median([sqlite_rows_per_s(root, steps) for _ in range(3)])
        figs.append(Figure("5", f"store: rows/s a worker writes through StoreWriter ({len(NAMES)} scalars per step)",
                           ours, "rows/s", baseline=bare, baseline_name="plain sqlite3 executemany, same rows",
                           ratio=ours / bare, note=f"= {ours / len(NAMES):.0f} steps/s of the loop's scalars"))
        seconds = 4.0 if quick else 8.0
        from rnnlab.runs.writer import FLUSH_INTERVAL_S
        from rnnlab.tui.screens.dashboard import REDRAW_INTERVAL
        from rnnlab.tui.state import POLL_INTERVAL

        fast = viewer_lag(root, 0.02, seconds)
        tui = viewer_lag(root, POLL_INTERVAL, seconds)
        for label, lags in (("reader polling every 20 ms", fast),
                            (f"reader polling every {POLL_INTERVAL} s (the lab's cadence)", tui)):
            p50, p95, mx = statistics.median(lags), _pct(lags, 0.95), max(lags)
            figs.append(Figure("5", f"viewer lag, write -> RunReader in another process, {label}: median", p50, "s",
                               target="<= 0.5", met=check("<=", p95, 0.5),
                               note=f"p95 {p95:.3f} s, max {mx:.3f} s over {len(lags)} points (target checked on p95)"))
        screen = screen_lag(root, seconds)
        p50, p95 = statistics.median(screen), _pct(screen, 0.95)
        figs.append(Figure("5", "viewer lag to the screen, end to end (writer process -> the lab's dashboard plot): median",
                           p50, "s", target="<= 0.5", met=check("<=", p95, 0.5),
                           note=f"p95 {p95:.3f} s, max {max(screen):.3f} s over {len(screen)} redraws (target checked on p95); "
                                f"writer flushes every {FLUSH_INTERVAL_S} s, the lab polls every {POLL_INTERVAL} s and "
                                f"redraws at most every {REDRAW_INTERVAL} s"))
    return figs
