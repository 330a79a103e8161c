"""Fixed runs for the research views (hyperparameter columns, metric filters, seed groups,
config diff): two seed groups of an adding LSTM (lr 1e-3 and 3e-3, three seeds each) and a
lone GRU, written through the real store with a fake clock and fixed ids (tests/tui_fixtures.py)."""

from __future__ import annotations

import math
from pathlib import Path
from unittest import mock

from tui_fixtures import T0, FakeTime, _cfg

# (name, cell, lr, hidden, seed, group, speed)
RUNS = [
    ("lstm-lr1e-3-s1", "lstm", 1e-3, 32, 1, "g-lr1e-3", 1.0),
    ("lstm-lr1e-3-s2", "lstm", 1e-3, 32, 2, "g-lr1e-3", 1.3),
    ("lstm-lr1e-3-s3", "lstm", 1e-3, 32, 3, "g-lr1e-3", 0.8),
    ("lstm-lr3e-3-s1", "lstm", 3e-3, 64, 1, "g-lr3e-3", 2.4),
    ("lstm-lr3e-3-s2", "lstm", 3e-3, 64, 2, "g-lr3e-3", 2.0),
    ("lstm-lr3e-3-s3", "lstm", 3e-3, 64, 3, "g-lr3e-3", 2.8),
    ("gru-lr1e-2", "gru", 1e-2, 32, 1, None, 0.5),
]


def make_research_runs(root: Path) -> list[Path]:
    """The runs above, newest first (the lab's order)."""
    import rnnlab.runs.launch as launch
    import rnnlab.runs.writer as writer_mod
    from rnnlab.runs.store import StoreWriter

    root = Path(root)
    clock = FakeTime(T0)
    out = []
    for k, (name, cell, lr, hidden, seed, group, speed) in enumerate(RUNS):
        cfg = _cfg(name, cell, "adding", 100, train={"lr": lr, "seed": seed}, model={"hidden_size": hidden})
        run_id = f"20260103-09{k:02d}00-{k:04x}"
        meta = {"group": group} if group else None
        with mock.patch.object(launch, "new_run_id", lambda now=None, r=run_id: r), \
                mock.patch.object(launch, "time", clock), mock.patch.object(writer_mod, "time", clock):
            run_dir = launch.create_run(cfg, root, name, meta=meta)
            w = StoreWriter(run_dir, heartbeat=False)
            w.event("started", "started", 0, {"primary_metric": "val_mse", "baselines": {"constant_val_mse": 1 / 6},
                                              "params": 4513, "device": "cpu", "task": "adding", "total_steps": 100})
            for step in range(1, 101):
                clock.now += 0.05
                loss = 0.17 * math.exp(-speed * step / 100) + 0.01 + 0.004 * math.sin(step * (k + 1) / 7)
                w.scalars(step, {"loss": loss, "tokens_per_s": 32000.0, "step_time": 0.05})
                if step % 10 == 0:
                    w.scalars(step, {"val_mse": 0.17 * math.exp(-speed * step / 100) + 0.012})
            w.set_status("finished", "done", step=100)
            w.close()
        out.append(run_dir)
    return out[::-1]


SWEEP_ID = "20260104-100000-f6f6"
SWEEP_SPACE = {"train.lr": {"low": 1e-4, "high": 1e-1, "log": True}, "model.hidden_size": [16, 32, 64, 128],
               "model.cell": ["lstm", "gru", "rnn_tanh"]}
SWEEP_BASE = {"name": "lr-size-cell", "model": {"cell": "lstm", "hidden_size": 32}, "task": {"kind": "adding", "seq_len": 20},
              "train": {"steps": 400, "batch_size": 16, "eval_every": 50, "device": "cpu"}}


def make_big_sweep(root: Path, n: int = 30, sweep_id: str = SWEEP_ID):
    """A study of `n` trials written straight into Optuna (no training): the metric is best near
    lr 3e-3, better with a bigger hidden size and worse for the tanh RNN, plus fixed noise; every
    trial has intermediate values every 50 steps; one in five is pruned half-way (where the
    median pruner would stop it), the last one is running. Deterministic (a fixed generator)."""
    import numpy as np
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    from rnnlab.sweeps import record, spec as spec_mod, study as studies

    spec = spec_mod.build({"trials": n, "parallel": 2, "space": SWEEP_SPACE}, SWEEP_BASE, "fixture")
    rec = record.create(Path(root), sweep_id, "lr-size-cell", None, spec=spec)
    study = studies.create(rec.storage, sweep_id, spec, rec.name)
    dists = {"train.lr": FloatDistribution(1e-4, 1e-1, log=True),
             "model.hidden_size": CategoricalDistribution(SWEEP_SPACE["model.hidden_size"]),
             "model.cell": CategoricalDistribution(SWEEP_SPACE["model.cell"])}
    rng = np.random.default_rng(11)
    trials = []
    for k in range(n):
        lr = float(10 ** rng.uniform(-4, -1))
        hidden = int(rng.choice(SWEEP_SPACE["model.hidden_size"]))
        cell = str(rng.choice(SWEEP_SPACE["model.cell"]))
        final = (0.02 + 0.03 * (math.log10(lr) + 2.5) ** 2 + 0.4 / hidden + (0.05 if cell == "rnn_tanh" else 0.0)
                 + 0.004 * float(rng.standard_normal()) ** 2)
        curve = {s: final + (0.17 - final) * math.exp(-s / 120) for s in range(50, 401, 50)}
        state = "RUNNING" if k == n - 1 else "PRUNED" if k % 5 == 3 else "COMPLETE"
        if state != "COMPLETE":
            curve = {s: v for s, v in curve.items() if s <= 200}
        trials.append(optuna.trial.create_trial(
            params={"train.lr": lr, "model.hidden_size": hidden, "model.cell": cell}, distributions=dists,
            value=curve[400] if state == "COMPLETE" else None, state=getattr(optuna.trial.TrialState, state),
            intermediate_values=curve, user_attrs={"run_id": f"20260104-1001{k // 60:02d}-{k:04x}", "owner": "lab-host:/runs"}))
    study.add_trials(trials)
    rec.set_controller(status="finished", pid=None, host="lab-host", started=0, heartbeat=0, message="")
    return rec


# README screenshots of the research views: (name, size, keys), on the runs above (columns set
# in the settings file) or on make_big_sweep's 30 trials (the sweep shots open it first)
SHOTS = [("home-columns", (120, 30), ["slash", *"lr>=1e-3 val_mse<0.08", "enter"]),
         ("compare-seeds", (120, 40), ["space"] * 7 + ["c", "m", "m"])]
SWEEP_SHOTS = [("sweep", (120, 40), []), ("sweep-slice", (120, 40), ["v"]), ("sweep-curves", (120, 40), ["v", "v"])]


async def _shoot(root: Path, out: Path, only) -> None:
    from rnnlab.tui import labsettings
    from rnnlab.tui.app import LabApp

    labsettings.save(root, columns=["train.lr", "model.hidden_size", "train.seed"])
    for name, size, keys in SHOTS:
        if only and name not in only:
            continue
        app = LabApp(root)
        async with app.run_test(size=size) as pilot:
            for _ in range(200):
                if app.screen.query("DataTable") and app.screen.query_one("DataTable").row_count == len(RUNS):
                    break
                await pilot.pause(0.1)
            for k in keys:
                await pilot.press(k)
                await pilot.pause(0.05)
            await pilot.pause(2.0)
            app.save_screenshot(str(out / f"{name}.svg"))


async def _shoot_sweep(root: Path, out: Path, only) -> None:
    from rnnlab.tui.app import LabApp

    for name, size, keys in SWEEP_SHOTS:
        if only and name not in only:
            continue
        app = LabApp(root)
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.5)
            app.open_sweep(root / ".sweeps" / SWEEP_ID)
            for _ in range(200):
                if getattr(app.screen, "summary", None) is not None:
                    break
                await pilot.pause(0.1)
            for k in keys:
                await pilot.press(k)
            await pilot.pause(1.5)
            app.save_screenshot(str(out / f"{name}.svg"))


def screenshots(out: Path, only=None) -> None:
    """The research views' README screenshots into `out` (called by tests/tui_fixtures.py
    --screenshots, in its temporary directory)."""
    import asyncio

    make_research_runs(Path("research-runs"))
    asyncio.run(_shoot(Path("research-runs"), out, only))
    make_big_sweep(Path("sweep-runs"), 30)
    asyncio.run(_shoot_sweep(Path("sweep-runs"), out, only))
