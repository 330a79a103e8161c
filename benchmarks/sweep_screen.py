"""Item 14: the Sweep screen's refresh at 200 trials (issue 18 item 3), before and after.

A study of 200 trials (tests/research_fixtures.make_big_sweep: three parameters, intermediate
values every 50 steps, one in five pruned) in a journal file, and 200 finished trial runs in the
runs dir (one written by `create_run` + `StoreWriter`, the rest copies of it with their own id
and trial number in their meta), as a 200-trial sweep leaves them.

- before: what the screen did every 2 s: `manage.show(record.load(dir))` (open the storage and
  replay the whole journal, open every run store of the runs dir, compute importances).
- after: one refresh of the screen's `SweepReader` kept open (new journal lines only, run
  statuses from a `RunLister`, importances cached until a trial completes) plus building every
  view from the summary (history, parallel coordinates and key, three slice plots, learning
  curves, importance text): the refresh with nothing new, the steady state of an open screen.
- after, a trial completed: the same when one more trial was added since the last refresh
  (the journal grows, importances are computed again).
Medians of interleaved repetitions; the target is the issue's: a refresh under 50 ms.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, check, interleaved, median

ROOT = Path(__file__).resolve().parents[1]
N = 200


def _fixture(root: Path) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from research_fixtures import SWEEP_BASE, SWEEP_ID, make_big_sweep

    from rnnlab.config import validate
    from rnnlab.runs import launch, schema
    from rnnlab.runs.store import StoreWriter

    make_big_sweep(root, N)
    first = launch.create_run(validate(SWEEP_BASE, "bench"), root, "t0", meta={"sweep": SWEEP_ID, "trial": 0})
    w = StoreWriter(first, heartbeat=False)
    for s in range(1, 9):
        w.scalars(50 * s, {"loss": 0.1, "val_mse": 0.05})
    w.set_status("finished", "done", step=400)
    w.close()
    for k in range(1, N):
        d = root / f"20260104-1002{k // 60:02d}-{k:04x}"
        shutil.copytree(first, d)
        conn = schema.connect(d / "run.db")
        with schema.write_tx(conn) as c:
            schema.set_meta(c, {"run_id": d.name, "name": f"t{k}", "trial": k})
        conn.close()
    return root / ".sweeps" / SWEEP_ID


def _views(s: dict) -> None:
    from rnnlab.tui import sweepviews

    sweepviews.importance_text(s)
    sweepviews.history(s)
    sweepviews.parallel(s)
    sweepviews.colour_key(s)
    sweepviews.curves(s)
    for key in s["space"]:
        sweepviews.slice_plot(s, key)


def _add_trial(sweep_dir: Path, k: int) -> None:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    from rnnlab.sweeps import record, study as studies

    rec = record.load(sweep_dir)
    study = studies.load(rec.storage, rec.sweep_id)
    dists = {"train.lr": FloatDistribution(1e-4, 1e-1, log=True), "model.hidden_size": CategoricalDistribution([16, 32, 64, 128]),
             "model.cell": CategoricalDistribution(["lstm", "gru", "rnn_tanh"])}
    study.add_trial(optuna.trial.create_trial(
        params={"train.lr": 1e-3 * (1 + k % 7), "model.hidden_size": 64, "model.cell": "gru"}, distributions=dists,
        value=0.05 + 1e-4 * k, intermediate_values={50: 0.1, 400: 0.05 + 1e-4 * k}))


def run(quick: bool) -> list[Figure]:
    from rnnlab.sweeps import manage, record
    from rnnlab.tui.sweepreader import SweepReader

    reps = 5 if quick else 15
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-sweep-screen-") as tmp:
        t0 = time.perf_counter()
        sweep_dir = _fixture(Path(tmp) / "runs")
        made = time.perf_counter() - t0
        reader = SweepReader(sweep_dir)
        reader.read()  # the screen's first read: open the study, list the runs

        def before() -> float:
            t = time.perf_counter()
            manage.show(record.load(sweep_dir))
            return time.perf_counter() - t

        def after() -> float:
            t = time.perf_counter()
            _views(reader.read())
            return time.perf_counter() - t

        times = interleaved({"before": before, "after": after}, reps)
        completed = []
        for k in range(max(3, reps // 3)):
            _add_trial(sweep_dir, k)
            t = time.perf_counter()
            s = reader.read()
            _views(s)
            completed.append(time.perf_counter() - t)
        assert s["importance_trials"] > 0 and len(s["trials"]) > N
    b, a, c = median(times["before"]), median(times["after"]), median(completed)
    note = f"{N} trials, {N} trial runs in the runs dir; medians of {reps} interleaved; fixture written in {made:.0f} s"
    return [
        Figure("14", "Sweep screen refresh at 200 trials, nothing new (after)", a * 1000, "ms", b * 1000,
               "manage.show every refresh (before)", a / b, "< 50 ms", check("<", a * 1000, 50.0), note),
        Figure("14", "Sweep screen refresh when a trial completed (importances recomputed)", c * 1000, "ms", b * 1000,
               "manage.show every refresh (before)", c / b, "", None,
               f"median of {len(completed)} refreshes, each after one more trial was added"),
    ]
