"""`rnnlab.load_sweep`: a sweep as Python objects, for notebooks and outside checks.

    sweep = rnnlab.load_sweep("lr-search")      # id, unique id prefix or name
    sweep.best.params, sweep.best.value          # the best trial (None before one completes)
    [t.value for t in sweep.trials]              # complete best first, then pruned best first, then the rest by number
    run = rnnlab.load_run(sweep.best.run_id)     # the trained model behind a trial

The same numbers as `rnnlab sweep show --json` (rnnlab/sweeps/manage.py `show`): a snapshot,
taken when loaded. Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence, Union


@dataclass(frozen=True)
class Trial:
    """One trial: its `number`, `state` (complete, pruned, failed, running, waiting), `value`
    (the metric; None while unscored), `params`, and the run that trained it (`run_id`,
    `run_dir` when that run is in this runs directory)."""

    number: int
    state: str
    value: Optional[float]
    params: dict[str, Any]
    run_id: Optional[str]
    run_dir: Optional[Path]
    host: Optional[str] = None
    started: Optional[float] = None
    ended: Optional[float] = None

    def history(self, keys: Optional[Sequence[str]] = None) -> list[dict[str, Any]]:
        """The trial's run's metrics, one record per step (as `rnnlab.load_run(...).history()`);
        [] when its run is on another host."""
        from rnnlab.runs.export import history

        return history(self.run_dir, keys) if self.run_dir is not None else []


@dataclass(frozen=True)
class Sweep:
    """A sweep: `sweep_id`, `name`, `status`, the `metric` and its `direction`, the `trials`
    (best first), the `best` trial, the search `space` and parameter `importances` (None until
    enough trials completed)."""

    sweep_id: str
    name: Optional[str]
    status: str
    metric: str
    direction: str
    trials: list[Trial]
    best: Optional[Trial]
    done: int
    total: int
    space: dict[str, Any] = field(default_factory=dict)
    importances: Optional[dict[str, float]] = None


def load_sweep(sweep: str, runs_dir: Union[str, Path, None] = None) -> Sweep:
    """Sweep `sweep` (an id, unique id prefix or name in `runs_dir`, else $RNNLAB_RUNS_DIR, else
    ./runs). Unknown or ambiguous references raise the CLI's `UserError`."""
    from rnnlab.runs import paths
    from rnnlab.sweeps import manage, record

    root = paths.runs_root(runs_dir)
    doc = manage.show(record.resolve(root, str(sweep)))
    dirs = {p.name: p for p in paths.list_run_dirs(root)}
    trials = [
        Trial(number=t["number"], state=t["state"], value=t["value"], params=dict(t["params"]), run_id=t["run_id"],
              run_dir=dirs.get(t["run_id"] or ""), host=t.get("host"), started=t.get("started"), ended=t.get("ended"))
        for t in doc["trials"]
    ]
    best_number = (doc.get("best") or {}).get("number")
    best = next((t for t in trials if t.number == best_number), None)
    return Sweep(sweep_id=doc["sweep_id"], name=doc.get("name"), status=doc["status"], metric=doc["metric"],
                 direction=doc["direction"], trials=trials, best=best, done=doc["done"], total=doc["total"],
                 space=dict(doc.get("space") or {}), importances=doc.get("importances"))
