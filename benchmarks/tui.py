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
import os
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
        if os.environ.get("RNNLAB_BENCH_TUI_OUTSIDE", "1") != "0":
            figs += run_outside(quick)
        _fixture(tmp / "huge", 4, rss_points)
        huge, _ = _py(_APP, "rss", tmp / "huge", rss_points, timeout=900)
        figs.append(Figure("6", f"TUI RSS, compare open on 4 runs x {rss_points:,} points", huge["rss_mb"], "MB",
                           baseline=small["rss_mb"], baseline_name="4 runs x 1,000 points", ratio=huge["rss_mb"] / small["rss_mb"],
                           target="< 300", met=check("<", huge["rss_mb"], 300),
                           note=f"all points loaded: {huge.get('loaded')}; compare redraw at this size {huge['compare_redraw'] * 1e3:.0f} ms"))
    return figs


# ---------------------------------------------------------------- measured from outside

def _proc_cpu_s(pid: int) -> float:
    """utime + stime of `pid` (and its reaped children: none for the lab), in seconds."""
    import os

    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def streaming_cpu_outside(secs: float = 30.0, reps: int = 2) -> dict:
    """Issue 12 item 3, as a user sees it: the lab (`rnnlab`) in a real terminal (tmux, 160x48)
    with the dashboard of a char run open while two `lstm-char` runs train (real workers); the
    lab process's CPU time from /proc over `secs`, `reps` times; then the same on the home screen.
    Returns fractions of a core."""
    import os
    import shutil
    import signal

    if shutil.which("tmux") is None:
        raise RuntimeError("tmux is needed for the outside measurement")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    session = f"rnnlab-bench-tui-{os.getpid()}"
    out: dict = {"dashboard": [], "home": []}
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-tui-out-") as tmp:
        root = Path(tmp) / "runs"
        pids = []
        for k in range(2):
            r = subprocess.run([PY, "-m", "rnnlab", "train", "lstm-char", "--detach", "--json", "--runs-dir", str(root),
                                "--name", f"char{k}", "--set", "train.steps=100000", "--set", "train.device=cpu"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                raise RuntimeError(r.stderr[-2000:])
            pids.append(json.loads(r.stdout)["pid"])
        try:
            from rnnlab.runs.store import list_runs

            deadline = time.time() + 300
            while time.time() < deadline and not all(i.step > 0 for i in list_runs(root)):
                time.sleep(1)
            subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "48",
                            f"exec env PYTHONPATH={env['PYTHONPATH']} {PY} -m rnnlab --runs-dir {root}"], check=True, env=env)
            lab_pid = int(subprocess.run(["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"],
                                         capture_output=True, text=True, check=True).stdout.strip())
            time.sleep(6)  # first frame, run list loaded
            subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
            time.sleep(4)  # dashboard open, history loaded
            for where in ("dashboard", "home"):
                if where == "home":
                    subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
                    time.sleep(3)
                for _ in range(reps):
                    c0, t0 = _proc_cpu_s(lab_pid), time.perf_counter()
                    time.sleep(secs)
                    out[where].append((_proc_cpu_s(lab_pid) - c0) / (time.perf_counter() - t0))
            out["screen"] = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for pid in pids:  # wait for the clean stop so the temporary folder can go
                for _ in range(100):
                    try:
                        os.kill(pid, 0)
                    except ProcessLookupError:
                        break
                    time.sleep(0.2)
    return out


def run_outside(quick: bool) -> list[Figure]:
    r = streaming_cpu_outside(secs=15.0 if quick else 30.0, reps=2)
    dash, home = max(r["dashboard"]) * 100, max(r["home"]) * 100
    return [Figure("4", "lab process CPU, dashboard of a char run open at 160x48 while 2 char runs train (from /proc)",
                   dash, "% of a core", baseline=home, baseline_name="same lab on the home screen",
                   target="<= 10", met=check("<=", dash, 10),
                   note=f"the worse of {len(r['dashboard'])} windows of {15 if quick else 30} s: "
                        f"dashboard {[round(x * 100, 1) for x in r['dashboard']]} %, home {[round(x * 100, 1) for x in r['home']]} %; "
                        "real lstm-char workers, the lab in tmux")]
