"""Item 13: the home screen at a thousand runs (issue 11 item 3), beside the same at 10 runs.

Fixture runs are written by the real `create_run` and `StoreWriter` (20 loss points and a val
point each, finished), each into its own staging root and then moved into place (so creating
run k does not scan the k-1 before it for name clashes). While measuring, 5 of the runs stream
(a writer process each: status running, heartbeat, 20 steps/s), so the lab's listing has live
runs to re-read as a user's would.

- first rows: process start -> the home screen rendered with its first rows (polled every 5
  ms, then one full compositor render); `first_frame` in benchmarks/tui.py waits for the
  process to look idle, which at 1,000 runs is the whole listing, so it is not used here.
- all rows: process start -> every run listed in the table.
- one refresh: the listing thread's wall time for one listing (median over ~8 s) plus the UI
  thread's time to show it (median): what each second of a live home screen costs.
- CPU: the lab process's CPU seconds per wall second over those ~8 s (it grows with the rows
  on screen, which every update redraws, not with the runs in the root).
- one listing, every store opened (`list_runs`, the old way) against `RunLister` (cached).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, check
from benchmarks.tui import PY, ROOT, _py

_FIXTURE = r"""
import shutil, sys
from pathlib import Path
from unittest import mock
from rnnlab.config import validate
import rnnlab.runs.launch as launch
from rnnlab.runs.store import StoreWriter
root, n = Path(sys.argv[1]), int(sys.argv[2])
stage = root.parent / (root.name + ".stage")
cells, tasks = ["lstm", "gru", "rnn_tanh", "transformer"], ["adding", "copy", "text", "timeseries"]
root.mkdir(parents=True, exist_ok=True)
for k in range(n):
    cfg = validate({"name": f"r{k}", "model": {"cell": cells[k % 4]}, "task": {"kind": tasks[(k // 4) % 4]},
                    "train": {"steps": 100}}, "bench")
    rid = f"20260101-{k // 3600:02d}{(k // 60) % 60:02d}{k % 60:02d}-{k % 65536:04x}"
    with mock.patch.object(launch, "new_run_id", lambda now=None: rid):
        d = launch.create_run(cfg, stage / str(k), f"run-{k}")
    w = StoreWriter(d, heartbeat=False)
    w.event("started", "started", 0, {"total_steps": 100, "primary_metric": "val_loss"})
    for s in range(1, 21):
        w.scalars(s, {"loss": 2.0 / (1 + s * 0.1)})
    w.scalars(20, {"val_loss": 1.0 + ((k * 7919) % 1000) * 1e-4})
    w.set_status("finished", "done", step=20)
    w.close()
    d.rename(root / d.name)
    shutil.rmtree(stage / str(k))
shutil.rmtree(stage, ignore_errors=True)
print("ok")
"""

_STREAM = r"""
import sys, time
from pathlib import Path
from rnnlab.runs.store import StoreWriter
d, secs = Path(sys.argv[1]), float(sys.argv[2])
w = StoreWriter(d)
w.record_process()
w.set_status("running", "streaming")
s, end = 20, time.time() + secs
while time.time() < end:
    s += 1
    w.scalars(s, {"loss": 2.0 / (1 + s * 0.1), "tokens_per_s": 1e5})
    time.sleep(0.05)
w.set_status("finished", "done", step=s)
w.close()
"""

_APP = r"""
import asyncio, json, statistics, sys, time
T_START = time.perf_counter()
from pathlib import Path
root, n, secs = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
from rnnlab.runs.listing import RunLister
from rnnlab.tui.screens.home import Home
lists, shows = [], []
_list, _show = RunLister.list, Home._show
def timed_list(self, *a, **k):
    t = time.perf_counter(); r = _list(self, *a, **k); lists.append((time.perf_counter() - t, self.reads)); return r
def timed_show(self):
    t = time.perf_counter(); _show(self); shows.append(time.perf_counter() - t)
RunLister.list, Home._show = timed_list, timed_show
out = {}

async def main():
    from rnnlab.tui.app import LabApp
    from textual.widgets import DataTable
    app = LabApp(root)
    async with app.run_test(size=(160, 48)) as pilot:
        async def until(cond):
            while not cond():
                await asyncio.sleep(0.005)
            app.screen._compositor.render_update(full=True)
            return time.perf_counter() - T_START
        table = lambda: app.screen.query(DataTable) and app.screen.query_one(DataTable)
        out["first_rows"] = await until(lambda: table() and table().row_count > 0)
        out["first_rows_count"] = table().row_count
        out["all_rows"] = await until(lambda: table().row_count >= n)
        import psutil
        p = psutil.Process()
        k0 = len(lists)
        c0, t0 = sum(p.cpu_times()[:2]), time.perf_counter()
        s0 = len(shows)
        await asyncio.sleep(secs)
        out["cpu_fraction"] = (sum(p.cpu_times()[:2]) - c0) / (time.perf_counter() - t0)
        steady = lists[k0:] or lists[-1:]
        out["list_s"] = statistics.median(t for t, _ in steady)
        out["reads"] = statistics.median(r for _, r in steady)
        out["show_s"] = statistics.median(shows[s0:] or shows[-1:])
        out["listings"] = len(steady)
        t = time.perf_counter()
        for _ in range(5):
            await pilot.press("down")
        out["key_s"] = (time.perf_counter() - t) / 5

asyncio.run(main())
print("RESULT " + json.dumps(out))
"""

_LISTING = r"""
import json, statistics, sys, time
from pathlib import Path
from rnnlab.runs.listing import RunLister
from rnnlab.runs.store import list_runs
root = Path(sys.argv[1])
lister = RunLister(root); lister.list()
old, new = [], []
for _ in range(5):
    t = time.perf_counter(); list_runs(root); old.append(time.perf_counter() - t)
    t = time.perf_counter(); lister.list(); new.append(time.perf_counter() - t)
print("RESULT " + json.dumps({"old": statistics.median(old), "new": statistics.median(new)}))
"""


def _measure(root: Path, n: int, secs: float) -> dict:
    """The lab on `root` while 5 of its runs stream."""
    dirs = sorted(p for p in root.iterdir() if p.is_dir())
    writers = [subprocess.Popen([PY, "-c", _STREAM, str(d), str(secs + 20)], cwd=ROOT) for d in dirs[:: max(1, len(dirs) // 5)][:5]]
    try:
        time.sleep(1.0)
        res, _ = _py(_APP, root, n, secs, timeout=300)
    finally:
        for w in writers:
            w.terminate()
        for w in writers:
            w.wait()
    return res


def run(quick: bool) -> list[Figure]:
    big = 1000
    secs = 5.0 if quick else 8.0
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-home-") as tmp:
        tmp = Path(tmp)
        env_t = time.perf_counter()
        _py(_FIXTURE, tmp / "small", 10)
        _py(_FIXTURE, tmp / "big", big, timeout=1800)
        made = time.perf_counter() - env_t
        small = _measure(tmp / "small", 10, secs)
        bigr = _measure(tmp / "big", big, secs)
        small2 = _measure(tmp / "small", 10, secs)  # A B A: the machine's load drifts
        for k in ("first_rows", "all_rows", "list_s", "show_s", "cpu_fraction", "key_s"):
            small[k] = min(small[k], small2[k])
        listing, _ = _py(_LISTING, tmp / "big")
    figs = []
    ref = lambda b, s: b / s if s else float("nan")  # noqa: E731
    figs.append(Figure("13", f"home: process start -> first rows shown, {big:,} runs (160x48)", bigr["first_rows"], "s",
                       baseline=small["first_rows"], baseline_name="10 runs", ratio=ref(bigr["first_rows"], small["first_rows"]),
                       target="<= 1", met=check("<=", bigr["first_rows"], 1.0),
                       note=f"the newest {bigr['first_rows_count']} rows first; all {big:,} listed at {bigr['all_rows']:.2f} s "
                            f"(10 runs: {small['all_rows']:.2f} s); fixtures written in {made:.0f} s"))
    refresh_big = bigr["list_s"] + bigr["show_s"]
    refresh_small = small["list_s"] + small["show_s"]
    figs.append(Figure("13", f"home: one refresh with 5 runs streaming, {big:,} runs (listing thread + UI thread)",
                       refresh_big * 1e3, "ms", baseline=refresh_small * 1e3, baseline_name="10 runs",
                       ratio=ref(refresh_big, refresh_small), target="<= 50 (of a 1 s refresh period)",
                       met=check("<=", refresh_big * 1e3, 50),
                       note=f"listing {bigr['list_s'] * 1e3:.1f} ms reading {bigr['reads']:.0f} stores, table update "
                            f"{bigr['show_s'] * 1e3:.1f} ms (10 runs: {small['list_s'] * 1e3:.1f} + {small['show_s'] * 1e3:.1f} ms); "
                            f"median of {bigr['listings']} listings"))
    figs.append(Figure("13", f"home: lab process CPU with 5 runs streaming, {big:,} runs", bigr["cpu_fraction"] * 100,
                       "% of a core", baseline=small["cpu_fraction"] * 100, baseline_name="10 runs",
                       ratio=ref(bigr["cpu_fraction"], small["cpu_fraction"]), target="<= 10",
                       met=check("<=", bigr["cpu_fraction"] * 100, 10),
                       note=f"over {secs:.0f} s; a key (down) handled in {bigr['key_s'] * 1e3:.0f} ms "
                            f"(10 runs: {small['key_s'] * 1e3:.0f} ms; pilot.press waits for the app to be idle). "
                            "Most of the difference is drawing, not reading: Textual's DataTable redraws every "
                            "visible row when any cell changes, ~44 rows at 160x48 with 1,000 runs against 10"))
    figs.append(Figure("13", f"one listing of {big:,} runs: RunLister (changed stores only) vs list_runs (every store opened)",
                       listing["new"] * 1e3, "ms", baseline=listing["old"] * 1e3, baseline_name="list_runs",
                       ratio=listing["new"] / listing["old"], target="", met=None,
                       note="no run changing: the steady state of a root of finished runs"))
    return figs


if __name__ == "__main__":  # pragma: no cover - `python -m benchmarks --only home` is the way in
    for f in run("--quick" in sys.argv):
        print(f)
