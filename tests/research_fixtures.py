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
