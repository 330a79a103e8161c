"""Fixed, generated runs for the TUI's snapshot tests and README screenshots.

Writes real run stores (through `create_run` and `StoreWriter`) with a fake clock and fixed run
ids, so every number, ETA and label the lab shows is the same on every machine. Usable as a
script: `python tests/tui_fixtures.py DIR` writes the runs, `python tests/tui_fixtures.py
--screenshots docs/screenshots [NAME ...]` the README's SVG screenshots (all, or the named ones).
"""

from __future__ import annotations

import math
import sys
import time as _time
from pathlib import Path
from unittest import mock

import numpy as np

# Far in the future, so a "running" fixture's heartbeat never looks stale.
T0 = 4_000_000_000.0


class FakeTime:
    """Stands in for the `time` module inside the store's writer and launcher."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return _time.monotonic()

    def __getattr__(self, name):
        return getattr(_time, name)


def _cfg(name: str, cell: str, task: str, steps: int, **extra):
    from rnnlab.config import validate

    data = {"name": name, "model": {"cell": cell, "hidden_size": 32}, "task": {"kind": task, "seq_len": 50},
            "train": {"steps": steps, "clip_norm": 1.0, "device": "cpu"}}
    for section, values in extra.items():
        data.setdefault(section, {}).update(values)
    return validate(data, "fixture")


def _write_run(root: Path, run_id: str, name: str, cfg, clock: FakeTime, *, steps_done: int, status: str,
               message: str, metric: str, baselines: dict, output, gates: bool, diverge: bool = False) -> Path:
    import rnnlab.runs.launch as launch
    import rnnlab.runs.writer as writer_mod
    from rnnlab.runs.store import StoreWriter

    rng = np.random.default_rng(7)
    with mock.patch.object(launch, "new_run_id", lambda now=None: run_id), mock.patch.object(launch, "time", clock), \
            mock.patch.object(writer_mod, "time", clock):
        run_dir = launch.create_run(cfg, root, name)
        w = StoreWriter(run_dir, heartbeat=False)
        total = cfg.train.steps
        w.event("started", f"{cfg.model.cell} on {cfg.task.kind}", 0, {
            "baselines": baselines, "primary_metric": metric, "params": 4513 if cfg.model.cell == "lstm" else 3393,
            "device": "cpu", "task": cfg.task.kind, "total_steps": total})
        w.set_status("running", "training", step=0)
        T = cfg.task.seq_len
        for step in range(1, steps_done + 1):
            clock.now += 0.05
            frac = step / total
            loss = 0.17 * math.exp(-3 * frac) + 0.01 + 0.02 * rng.standard_normal() ** 2
            if diverge and step > steps_done - 20:
                loss = float("nan")
            gn = 0.4 + 2.0 * math.exp(-5 * frac) + 0.3 * abs(rng.standard_normal())
            w.scalars(step, {"loss": loss, "lr": 1e-3, "grad_norm": gn, "clipped": float(gn > 1.0),
                             "tokens_per_s": 20000.0 + 100 * (step % 7)})
            if step % 50 == 0:
                val = 0.17 * math.exp(-3 * frac) + 0.012
                w.scalars(step, {"val_loss": val, metric: val if metric != "val_loss" else val})
                w.event("eval", f"{metric} {val:.4f}", step)
                decay = 0.25 * (1 - frac) + 0.02
                norms = [math.exp(-decay * (T - t)) for t in range(1, T + 1)]
                w.vector(step, "grad_flow", {"norms": norms})
                w.vector(step, "layers", {
                    "rnn.l0.weight_hh": {"grad_norm": gn * 0.6, "weight_norm": 5.0, "update_ratio": 1e-3},
                    "rnn.l0.weight_ih": {"grad_norm": gn * 0.3, "weight_norm": 2.0, "update_ratio": 8e-4},
                    "head.weight": {"grad_norm": gn * 0.5, "weight_norm": 1.5, "update_ratio": 2e-3},
                })
                if gates:
                    w.vector(step, "gates", {
                        "l0.input": {"mean": 0.45, "sat_low": 0.05, "sat_high": 0.1},
                        "l0.forget": {"mean": 0.5 + 0.4 * frac, "sat_low": 0.02, "sat_high": 0.6 * frac},
                        "l0.cell": {"mean": 0.05, "sat_low": 0.0, "sat_high": 0.2},
                        "l0.output": {"mean": 0.55, "sat_low": 0.04, "sat_high": 0.12},
                    })
                w.vector(step, "hidden_norm", {"layers": [[0.1 + 0.02 * t for t in range(T)]]})
            if step % 100 == 0:
                w.vector(step, "output", output(step))
                w.event("checkpoint", f"saved checkpoints/step-{step:06d}", step)
        if diverge:
            w.event("diverged", "loss is NaN at step %d; lower the lr or clip harder" % steps_done, steps_done)
        if status == "running":
            w.event("warning", "grad norm 5.2 > 5x clip threshold", steps_done - 10)
        w.set_status(status, message, step=steps_done)
        w.close()
    return run_dir


def _predictions(step: int) -> dict:
    return {"type": "predictions", "rows": [
        {"target": 0.731, "prediction": 0.702 + 0.0001 * step},
        {"target": 1.204, "prediction": 1.188},
        {"target": 0.415, "prediction": 0.467},
    ]}


def _text(step: int) -> dict:
    return {"type": "text", "prime": "def ", "sample": "main(args):\n    return self._value + 1\n",
            "temperature": 0.8, "distinct_1": 0.41, "distinct_2": 0.78}


def _forecast(step: int) -> dict:
    hist = [10 + 2 * math.sin(2 * math.pi * t / 24) for t in range(96)]
    actual = [10 + 2 * math.sin(2 * math.pi * t / 24) for t in range(96, 120)]
    return {"type": "forecast", "history": hist, "actual": actual,
            "forecast": [a + 0.2 * math.cos(i) for i, a in enumerate(actual)],
            "naive": [hist[-1]] * 24, "seasonal_naive": hist[-24:],
            "bands": {"80": {"lower": [a - 0.6 for a in actual], "upper": [a + 0.6 for a in actual]},
                      "95": {"lower": [a - 1.0 for a in actual], "upper": [a + 1.0 for a in actual]}},
            "acf": [1.0, 0.12, -0.05, 0.03, 0.01, -0.02, 0.04, 0.0], "ljung_box_q": 8.41, "ljung_box_p": 0.39,
            "times": [f"2024-03-{1 + h // 24:02d}T{h % 24:02d}:00:00" for h in range(120)]}


def _cell_snapshot(units: int = 32, steps: int = 12) -> dict:
    """A fixed LSTM snapshot in the `cell` vector's shape (train/probes.unit_snapshot), its
    numbers consistent with the equations, the last `steps` steps chained in its trace (each
    step's c₋₁, h₋₁ the one before's c, h); unit 3 remembers at T (f near 1, i near 0)."""
    rng = np.random.default_rng(11)
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    c_prev = np.round(rng.normal(0, 0.8, units), 4)
    h_prev = np.round(rng.normal(0, 0.4, units), 4)
    rows, inputs = [], []
    for t in range(steps):
        gates, values = {}, {}
        for name in ("input", "forget", "cell", "output"):
            x, h, b = (np.round(rng.normal(0, s, units), 3) for s in (1.0, 0.8, 0.3))
            if name == "forget":
                x[3], h[3], b[3] = 2.7, 2.0, 0.45
            if name == "input":
                x[3], h[3], b[3] = -2.9, -1.3, -0.45
            pre = x + h + b
            v = np.tanh(pre) if name == "cell" else sig(pre)
            values[name] = v
            gates[name] = {"x": x.tolist(), "h": h.tolist(), "b": b.tolist(), "value": np.round(v, 4).tolist()}
        c = np.round(values["forget"] * c_prev + values["input"] * values["cell"], 4)
        h = np.round(values["output"] * np.tanh(c), 4)
        rows.append({"gates": gates, "h_prev": h_prev.tolist(), "h": h.tolist(), "c_prev": c_prev.tolist(), "c": c.tolist()})
        inputs.append([round(float(rng.uniform()), 3), 1.0 if t in (2, 9) else 0.0])  # the adding problem's (value, marker)
        c_prev, h_prev = c, h
    return {"cell": "lstm", "steps": 50, "units": units, "hidden_size": units, "layers": [rows[-1]],
            "trace": {"start": 50 - steps, "units": units, "inputs": inputs, "layers": [rows]}}


def make_fixture_runs(root: Path) -> list[Path]:
    """Four runs: a running LSTM on adding, a finished GRU on text, a stopped LSTM forecaster and
    a diverged tanh RNN. Returned newest first (the order the lab lists them)."""
    root = Path(root)
    clock = FakeTime(T0)
    runs = [
        _write_run(root, "20260101-090000-a1a1", "rnn-adding", _cfg("rnn-adding", "rnn_tanh", "adding", 400), clock,
                   steps_done=240, status="diverged", message="loss is NaN at step 240", metric="val_mse",
                   baselines={"constant_val_mse": 1 / 6}, output=_predictions, gates=False, diverge=True),
        _write_run(root, "20260101-100000-b2b2", "gru-char", _cfg("gru-char", "gru", "text", 300), clock,
                   steps_done=300, status="finished", message="done", metric="val_bpc",
                   baselines={"unigram_val_bpc": 4.52}, output=_text, gates=True),
        _write_run(root, "20260101-110000-c3c3", "ts-lstm", _cfg("ts-lstm", "lstm", "timeseries", 600), clock,
                   steps_done=300, status="stopped", message="stopped by user", metric="val_rmse",
                   baselines={"naive_val_rmse": 0.52, "seasonal_naive_val_rmse": 0.31}, output=_forecast, gates=True),
        _write_run(root, "20260101-120000-d4d4", "lstm-adding", _cfg("lstm-adding", "lstm", "adding", 1000), clock,
                   steps_done=600, status="running", message="training", metric="val_mse",
                   baselines={"constant_val_mse": 1 / 6}, output=_predictions, gates=True),
    ]
    from rnnlab.runs.writer import append_vector

    append_vector(runs[3], "cell", _cell_snapshot())  # what the cell-anatomy view shows
    return runs[::-1]



def make_style_run(root: Path) -> Path:
    """A finished style-conditioned text run (`task.condition = "folder"` on the docs-and-code
    corpus) for the playground's style picker. The picker reads the styles from the run's
    task_state.json and config.toml (torch-free), so the task state is written, not trained."""
    import json

    root = Path(root)
    from rnnlab.config import validate

    cfg = validate({"name": "lstm-style", "model": {"cell": "lstm", "hidden_size": 32},
                    "task": {"kind": "text", "seq_len": 50, "source": "builtin:python-docs-and-code",
                             "condition": "folder", "prime": "\n"},
                    "train": {"steps": 300, "clip_norm": 1.0, "device": "cpu"}}, "fixture")
    run_dir = _write_run(root, "20260101-140000-f6f6", "lstm-style", cfg, FakeTime(T0), steps_done=300,
                         status="finished", message="done", metric="val_bpc", baselines={"unigram_val_bpc": 4.69},
                         output=_text, gates=True)
    (run_dir / "task_state.json").write_text(json.dumps({"source": "builtin:python-docs-and-code",
                                                        "styles": ["docs", "code"]}), encoding="utf-8")
    return run_dir


NEURONS_CORPUS = (
    'class Stack:\n    """A last-in, first-out list."""\n\n    def __init__(self, items=None):\n'
    '        self.items = list(items or [])  # a copy\n\n    def push(self, x):\n        self.items.append(x)\n'
    '        return {"size": len(self.items), "top": (x, 1)}\n\n\ndef main(args):\n'
    '    s = Stack([1, 2, 3])\n    print("pushed", s.push(int(args[0])))\n    return 0\n\n\n'
)


def make_neurons_run(root: Path) -> Path:
    """A real (tiny) GRU-with-attention text run, trained in this process on a fixed corpus with
    a fixed id, for the Neurons screen: its numbers come from the model, seeded and on one thread."""
    import rnnlab.runs.launch as launch
    from rnnlab.cli.app import main

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    corpus = root.parent / "neurons-corpus.py"
    corpus.write_text(NEURONS_CORPUS * 12)
    args = ["train", "gru-char", "--runs-dir", str(root), "--name", "gru-attn", "--set", f"task.source='{corpus}'"]
    for kv in ("model.hidden_size=16", "model.attention=true", "task.seq_len=32", "train.batch_size=4",
               "train.steps=40", "train.checkpoint_every=40", "train.eval_every=20", "probes.output_every=0",
               "train.threads=1", "train.device='cpu'"):
        args += ["--set", kv]
    with mock.patch.object(launch, "new_run_id", lambda now=None: "20260101-130000-e5e5"):
        try:
            main(args)
        except SystemExit as err:
            assert not err.code, "training the neurons fixture run failed"
    return root / "20260101-130000-e5e5"


# README screenshots: (file name, terminal size, keys pressed from home)


def make_many_runs(root: Path, n: int = 20) -> list[Path]:
    """`n` finished adding runs of a learning-rate sweep (names `lr-01` ... ), each with its own
    loss curve, for the compare view at scale: few steps and no probes, so it is quick."""
    root = Path(root)
    clock = FakeTime(T0)
    cells = ("lstm", "gru", "rnn_tanh")
    out = []
    for k in range(n):
        cfg = _cfg(f"lr-{k + 1:02d}", cells[k % 3], "adding", 100)
        run_id = f"20260102-{9 + k // 60:02d}{k % 60:02d}00-{k:04x}"
        out.append(_write_many(root, run_id, cfg, clock, k))
    return out[::-1]


def _write_many(root: Path, run_id: str, cfg, clock: FakeTime, k: int) -> Path:
    import rnnlab.runs.launch as launch
    import rnnlab.runs.writer as writer_mod
    from rnnlab.runs.store import StoreWriter

    with mock.patch.object(launch, "new_run_id", lambda now=None: run_id), mock.patch.object(launch, "time", clock), \
            mock.patch.object(writer_mod, "time", clock):
        run_dir = launch.create_run(cfg, root, cfg.name)
        w = StoreWriter(run_dir, heartbeat=False)
        w.event("started", "started", 0, {"primary_metric": "val_mse", "baselines": {"constant_val_mse": 1 / 6},
                                          "params": 4513, "device": "cpu", "task": "adding", "total_steps": 100})
        rate = 0.5 + 0.25 * k  # run k learns at its own speed, and the fast ones overshoot
        for step in range(1, 101):
            clock.now += 0.05 * (1 + k % 4)
            frac = step / 100
            loss = 0.17 * math.exp(-rate * frac) + 0.01 + (0.02 * frac * frac if k > 12 else 0.0)
            w.scalars(step, {"loss": loss, "tokens_per_s": 32000.0, "step_time": 0.05})
            if step % 10 == 0:
                w.scalars(step, {"val_mse": loss + 0.002})
        w.set_status("finished", "done", step=100)
        w.close()
    return run_dir


FILTER_KEYS = ["slash", "c", "e", "l", "l", "colon", "l", "s", "t", "m", "enter", "S", "S", "S"]
SHOTS = [("home", (120, 30), []), ("new-experiment", (120, 40), ["n"]),
         ("dashboard", (160, 48), ["enter"]), ("dashboard-80x24", (80, 24), ["enter"]),
         ("dashboard-forecast", (160, 48), ["down", "enter"]), ("compare", (120, 36), ["space", "space", "space", "c"]),
         ("help", (120, 40), ["f1"]),
         ("lessons", (120, 40), ["L"]), ("lessons-80x24", (80, 24), ["L"]),
         ("anatomy", (120, 40), ["enter", "A", "right", "right", "right"]),
         ("anatomy-80x24", (80, 24), ["enter", "A", "right", "right", "right"]), ("system", (120, 40), ["y"]),
         ("home-filtered", (120, 30), FILTER_KEYS)]
# on make_many_runs' 20 runs
MANY_SHOTS = [("compare-20", (160, 48), ["space"] * 20 + ["c", "S", "S", "S"])]


async def _shoot(root: Path, out: Path, shots: list, rows: int, only: set | None = None) -> None:
    """SVG screenshots of each screen on the fixture runs, for the README (`only`: just those)."""
    from rnnlab.tui.app import LabApp

    async def until(pilot, cond):
        for _ in range(200):
            if cond():
                return
            await pilot.pause(0.1)

    for name, size, keys in shots:
        if only and name not in only:
            continue
        app = LabApp(root)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.screen.query("DataTable") and app.screen.query_one("DataTable").row_count == rows)
            for k in keys:
                await pilot.press(k)
                await pilot.pause(0.3 if len(keys) < 10 else 0.05)
            await pilot.pause(1.5)
            app.save_screenshot(str(out / f"{name}.svg"))


async def _shoot_neurons(root: Path, out: Path) -> None:
    from rnnlab.tui.app import LabApp

    app = LabApp(root)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            if app.screen.query("DataTable") and app.screen.query_one("DataTable").row_count == 1:
                break
            await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause(2.0)
        await pilot.press("N")
        for _ in range(300):
            if getattr(app.screen, "_doc", None) is not None:
                break
            await pilot.pause(0.1)
        await pilot.pause(1.0)
        app.save_screenshot(str(out / "neurons.svg"))


async def _shoot_playground(root: Path, out: Path) -> None:
    """The Playground on the trained tiny run (the fixture runs have no checkpoint): one
    generation from its prompt, with the next-token bar charts after the prompt and after it."""
    from rnnlab.tui.app import LabApp

    app = LabApp(root)
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(300):
            if app.screen.query("DataTable") and app.screen.query_one("DataTable").row_count == 1:
                break
            await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause(2.0)
        await pilot.press("g")
        for _ in range(300):
            if type(app.screen).__name__ == "Playground":
                break
            await pilot.pause(0.1)
        await pilot.pause(1.0)
        await pilot.press("ctrl+g")
        for _ in range(600):
            if getattr(app.screen, "_after", None):  # finished: the chart after the last token is there
                break
            await pilot.pause(0.1)
        await pilot.pause(1.0)
        app.save_screenshot(str(out / "playground.svg"))


def screenshots(out: Path, only: set | None = None) -> None:
    import asyncio
    import os
    import tempfile

    from rnnlab.tui import sampling
    from system_fixture import FixedSampler

    sampling.sampler = lambda: FixedSampler()  # machine figures that do not depend on the machine
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        make_fixture_runs(Path("runs"))
        asyncio.run(_shoot(Path("runs"), out, SHOTS, 4, only))
        make_many_runs(Path("many"))
        asyncio.run(_shoot(Path("many"), out, MANY_SHOTS, 20, only))
        if only is None or only & {"neurons", "playground"}:
            make_neurons_run(Path("neurons-runs"))
            if only is None or "neurons" in only:
                asyncio.run(_shoot_neurons(Path("neurons-runs"), out))
            if only is None or "playground" in only:
                asyncio.run(_shoot_playground(Path("neurons-runs"), out))
        import research_fixtures  # the research views (issue 18): columns, seed groups, the sweep screen

        research_fixtures.screenshots(out, only)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--screenshots"]:
        # `--screenshots DIR [NAME ...]`: all of them, or only the named ones
        screenshots(Path(sys.argv[2]), set(sys.argv[3:]) or None)
    else:
        for d in make_fixture_runs(Path(sys.argv[1])):
            print(d)
