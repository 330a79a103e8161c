"""Items 4 and 6: what watching costs. Each measurement runs in its own process, so import time,
CPU time and RSS belong to that measurement alone; the TUI runs headless (Textual's
`App.run_test` at 160x48) against fixture runs written through `StoreWriter`.

- `rnnlab --help`: wall time (median of 5) and whether torch got imported; baseline: a bare
  `python -c pass`.
- first frame: process start to the home screen composed and rendered once; baseline: an empty
  Textual app, same measure.
- redraw: the compare screen with 4 runs x 100k loss points (and the dashboard of one such run),
  time of one full redraw (`redraw_all`: every plot rebuilt from its data, then pending
  messages processed, Textual's own paint, and one more full compositor render); baseline: the
  same with 1k points per run. Not `pilot.pause()`: it sleeps at least 20 ms waiting for the
  process to look idle, which is not redraw work (it was ~25 ms of the old figure). Not
  `flush` with everything marked dirty either: screens now skip rebuilding what did not change.
- CPU while 2 runs stream: the TUI's process CPU seconds per wall second over 10 s with its
  dashboard open on one streaming run and the home screen listing both; baseline: the same TUI
  with the two runs finished (idle).
- RSS with 4 runs x 1M points open in compare; baseline: 4 runs x 1k points.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, check

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]

_FIXTURE = r"""
import sys
from pathlib import Path
from rnnlab import config as config_mod
from rnnlab.runs.launch import create_run
from rnnlab.runs.store import StoreWriter
root, runs, points = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for k in range(runs):
    cfg = config_mod.load(None, [f"train.steps={points}"])
    d = create_run(cfg, root, f"run{k}")
    w = StoreWriter(d, max_rows=50000, heartbeat=False)
    w.event("started", "started", 0, {"total_steps": points, "primary_metric": "val_loss"})
    for s in range(1, points + 1):
        w.scalars(s, {"loss": 2.0 / (1 + s * 1e-3) + 0.01 * ((s * 7919) % 13)})
        if s % 100 == 0:
            w.scalars(s, {"val_loss": 2.0 / (1 + s * 1e-3)})
    w.set_status("finished", "done")
    w.close()
print("ok")
"""

_APP = r"""
import asyncio, json, os, sys, time
T_START = time.perf_counter()
from pathlib import Path
mode, root = sys.argv[1], Path(sys.argv[2])
out = {}

async def wait_loaded(pilot, states, n, timeout=120):
    t = time.perf_counter()
    while time.perf_counter() - t < timeout:
        await pilot.pause(0.05)
        ok = all(st.series.get("loss") is not None and len(st.series.get("loss").steps) >= n for st in states)
        if ok:
            return True
    return False

async def settle(pilot):
    # pilot.pause() without its idle-detection sleep: process what the redraw queued, then paint
    await pilot._wait_for_screen()
    pilot.app.screen._on_timer_update()

async def main():
    if mode == "empty":
        from textual.app import App
        from textual.widgets import Static
        class E(App):
            def compose(self):
                yield Static("hello")
        app = E()
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            app.screen._compositor.render_update(full=True)
            out["first_frame"] = time.perf_counter() - T_START
        return
    from rnnlab.tui.app import LabApp
    app = LabApp(root)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.screen._compositor.render_update(full=True)
        out["first_frame"] = time.perf_counter() - T_START
        out["torch_imported"] = "torch" in sys.modules
        dirs = sorted(p for p in root.iterdir() if p.is_dir())
        if mode in ("redraw", "rss"):
            n = int(sys.argv[3])
            app.open_compare(dirs)
            await pilot.pause()
            screen = app.screen
            out["loaded"] = await wait_loaded(pilot, screen.states, n)
            await pilot.pause(0.6)
            times = []
            for _ in range(7):
                t = time.perf_counter()
                screen.redraw_all()
                await settle(pilot)
                screen._compositor.render_update(full=True)
                times.append(time.perf_counter() - t)
            out["compare_redraw"] = sorted(times)[len(times) // 2]
            import psutil
            out["rss_mb"] = psutil.Process().memory_info().rss / 2**20
            if mode == "redraw":
                app.pop_screen()
                app.open_run(dirs[0])
                await pilot.pause()
                screen = app.screen
                await wait_loaded(pilot, [screen.state], n)
                await pilot.pause(0.6)
                times = []
                for _ in range(7):
                    t = time.perf_counter()
                    screen.redraw_all()
                    await settle(pilot)
                    screen._compositor.render_update(full=True)
                    times.append(time.perf_counter() - t)
                out["dashboard_redraw"] = sorted(times)[len(times) // 2]
        elif mode == "stream":
            secs = float(sys.argv[3])
            app.open_run(dirs[0])
            await pilot.pause(1.0)
            import psutil
            p = psutil.Process()
            c0, t0 = sum(p.cpu_times()[:2]), time.perf_counter()
            await asyncio.sleep(secs)
            out["cpu_fraction"] = (sum(p.cpu_times()[:2]) - c0) / (time.perf_counter() - t0)

asyncio.run(main())
print("RESULT " + json.dumps(out))
"""

_STREAM = r"""
import sys, time
from rnnlab import config as config_mod
from rnnlab.runs.launch import create_run
from rnnlab.runs.store import StoreWriter
from pathlib import Path
root, name, secs = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
d = create_run(config_mod.load(None, ["train.steps=100000"]), root, name)
w = StoreWriter(d)
w.set_status("running", "streaming")
w.record_process()
w.event("started", "started", 0, {"total_steps": 100000})
s, end = 0, time.time() + secs
while time.time() < end:
    s += 1
    # a fast small model: 50 steps/s, the loop's scalars, a probe every 50 steps
    w.scalars(s, {"loss": 2.0 / (1 + s * 1e-3), "lr": 1e-3, "grad_norm": 1.0, "clipped": 0.0,
                  "tokens_per_s": 1e5, "step_time": 0.02, "flops_per_s": 1e9, "mfu": 0.1})
    if s % 50 == 0:
        w.vector(s, "grad_flow", {"norms": [0.1] * 64})
        w.vector(s, "hidden_norm", {"layers": [[1.0] * 64]})
    time.sleep(0.02)
w.set_status("finished", "done")
w.close()
"""


def _py(code: str, *args, timeout=600) -> tuple[dict, float]:
    t = time.perf_counter()
    r = subprocess.run([PY, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    res = {}
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
    return res, wall


def _fixture(root: Path, runs: int, points: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    _py(_FIXTURE, root, runs, points)


def help_time() -> tuple[float, float, bool]:
    code = "import sys; sys.argv = ['rnnlab', '--help']\ntry:\n from rnnlab.cli.app import main; main()\nexcept SystemExit: pass\nprint('RESULT', __import__('json').dumps({'torch': 'torch' in sys.modules}))"
    ours, base, torch_in = [], [], False
    for _ in range(5):
        r, w = _py(code)
        ours.append(w)
        torch_in = torch_in or r.get("torch", True)
        base.append(_py("pass")[1])
    return statistics.median(ours), statistics.median(base), torch_in


def run(quick: bool) -> list[Figure]:
    figs = []
    h, hb, torch_in = help_time()
    figs.append(Figure("4", "`rnnlab --help` wall time (python -c with the CLI's main)", h, "s", baseline=hb,
                       baseline_name="python -c pass", ratio=h / hb, target="<= 0.3, torch not imported",
                       met=h <= 0.3 and not torch_in, note=f"torch imported: {torch_in}"))
    big, rss_points = (20_000, 100_000) if quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-tui-") as tmp:
        tmp = Path(tmp)
        _fixture(tmp / "small", 4, 1000)
        _fixture(tmp / "big", 4, big)
        empty, _ = _py(_APP, "empty", tmp / "small")
        small, _ = _py(_APP, "redraw", tmp / "small", 1000)
        bigr, _ = _py(_APP, "redraw", tmp / "big", big)
        figs.append(Figure("4", "time to first frame (process start -> home screen rendered, 160x48)",
                           small["first_frame"], "s", baseline=empty["first_frame"], baseline_name="empty Textual app",
                           ratio=small["first_frame"] / empty["first_frame"], target="<= 1", met=check("<=", small["first_frame"], 1.0),
                           note=f"torch imported by the TUI: {small.get('torch_imported')}"))
        figs.append(Figure("4", f"compare screen full redraw, 4 runs x {big:,} points, 160x48", bigr["compare_redraw"] * 1e3, "ms",
                           baseline=small["compare_redraw"] * 1e3, baseline_name="4 runs x 1,000 points",
                           ratio=bigr["compare_redraw"] / small["compare_redraw"], target="<= 50", met=check("<=", bigr["compare_redraw"] * 1e3, 50),
                           note=f"all points loaded before timing: {bigr.get('loaded')}"))
        figs.append(Figure("4", f"dashboard full redraw, one run of {big:,} points, 160x48", bigr["dashboard_redraw"] * 1e3, "ms",
                           baseline=small["dashboard_redraw"] * 1e3, baseline_name="1,000 points",
                           ratio=bigr["dashboard_redraw"] / small["dashboard_redraw"], target="<= 50",
                           met=check("<=", bigr["dashboard_redraw"] * 1e3, 50)))
        # CPU while two runs stream, against the same TUI idle on finished runs
        secs = 6.0 if quick else 10.0
        idle, _ = _py(_APP, "stream", tmp / "small", secs)
        sroot = tmp / "stream"
        sroot.mkdir()
        writers = [subprocess.Popen([PY, "-c", _STREAM, str(sroot), f"s{k}", str(secs + 8)], cwd=ROOT) for k in range(2)]
        time.sleep(1.5)
        streaming, _ = _py(_APP, "stream", sroot, secs)
        for w in writers:
            w.wait()
        figs.append(Figure("4", "TUI process CPU while 2 runs stream (dashboard open on one)", streaming["cpu_fraction"] * 100,
                           "% of a core", baseline=idle["cpu_fraction"] * 100, baseline_name="same TUI, runs finished (idle)",
                           target="<= 10", met=check("<=", streaming["cpu_fraction"] * 100, 10),
                           note=f"over {secs:.0f} s; writers at 50 steps/s, 8 scalars a step, probes every 50 steps"))
        _fixture(tmp / "huge", 4, rss_points)
        huge, _ = _py(_APP, "rss", tmp / "huge", rss_points, timeout=900)
        figs.append(Figure("6", f"TUI RSS, compare open on 4 runs x {rss_points:,} points", huge["rss_mb"], "MB",
                           baseline=small["rss_mb"], baseline_name="4 runs x 1,000 points", ratio=huge["rss_mb"] / small["rss_mb"],
                           target="< 300", met=check("<", huge["rss_mb"], 300),
                           note=f"all points loaded: {huge.get('loaded')}; compare redraw at this size {huge['compare_redraw'] * 1e3:.0f} ms"))
    return figs
