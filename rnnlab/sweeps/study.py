"""The Optuna side of a sweep: its storage, its study, the sampler and pruner a spec names, and
the summary (`sweep show`, `--json`, the lab's Sweep screen) read back from the study.

Storage: a path is an Optuna journal file (JournalStorage over JournalFileBackend: append-only,
safe on a shared filesystem, no server); anything with `://` is a database URL (RDBStorage).
The study is named by the sweep id and carries the resolved spec in its user attrs, so a host
that joins needs only the id and the storage. Optuna is imported lazily: `rnnlab --help` and the
lab start without it. Torch-free.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
from pathlib import Path
from typing import Any, Iterator, Optional

from rnnlab.errors import UserError
from rnnlab.sweeps.spec import Dim, SweepSpec

SPEC_ATTR = "rnnlab_spec"
NAME_ATTR = "rnnlab_name"
# Trial user attrs: who runs it (host and runs dir), its run id, and "surplus" for a trial
# number a database storage handed out past `trials` (two hosts asked at the same instant).
OWNER_ATTR = "owner"
RUN_ATTR = "run_id"
SURPLUS_ATTR = "surplus"
STATES = ("complete", "pruned", "failed", "running", "waiting")


def _optuna():
    import optuna

    # Optuna logs every trial at INFO on stderr; the controller's log says what matters.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def is_url(storage: str) -> bool:
    return "://" in storage


def open_storage(storage: str):
    """The Optuna storage for `storage` (a journal file path or a database URL)."""
    optuna = _optuna()
    if is_url(storage):
        try:
            return optuna.storages.RDBStorage(storage)
        except ImportError as err:
            raise UserError(f"--storage {storage}: the database driver is not installed ({err}); install it, or pass a file path for a journal") from None
        except Exception as err:  # sqlalchemy's own errors: a bad URL, a server not reachable
            raise UserError(f"--storage {storage}: cannot open this database ({type(err).__name__}: {err})") from None
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    path = Path(storage).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    except OSError as err:
        raise UserError(f"--storage {storage}: cannot use this journal file ({err.strerror or err})") from None


@contextlib.contextmanager
def ask_lock(storage: str) -> Iterator[bool]:
    """Serialise "count the trials, then ask one more" among every controller of a journal
    file (an fcntl lock beside it, which NFSv4 honours too), so the study never gets more than
    `trials` numbers. Yields False for a database URL: there, a number handed out past `trials`
    is marked surplus instead (see OWNER_ATTR)."""
    if is_url(storage):
        yield False
        return
    fd = os.open(str(Path(storage).expanduser()) + ".ask.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)


def create(storage: str, sweep_id: str, spec: SweepSpec, name: Optional[str]):
    optuna = _optuna()
    st = open_storage(storage)
    study = optuna.create_study(storage=st, study_name=sweep_id, direction=spec.direction)
    study.set_user_attr(SPEC_ATTR, spec.to_dict())
    study.set_user_attr(NAME_ATTR, name or sweep_id)
    return study


def find(storage: str, ref: str) -> str:
    """The study name (sweep id) in `storage` whose id or name is `ref`."""
    optuna = _optuna()
    st = open_storage(storage)
    summaries = optuna.study.get_all_study_summaries(st, include_best_trial=False)
    ids = [s.study_name for s in summaries if s.study_name == ref or s.user_attrs.get(NAME_ATTR) == ref]
    if not ids:
        ids = [s.study_name for s in summaries if s.study_name.startswith(ref)]
    if len(ids) == 1:
        return ids[0]
    known = ", ".join(f"{s.study_name} ({s.user_attrs.get(NAME_ATTR)})" for s in summaries) or "none"
    if not ids:
        raise UserError(f"no sweep {ref!r} in storage {storage}; sweeps there: {known}")
    raise UserError(f"sweep {ref!r} is ambiguous in storage {storage}: {', '.join(ids)}; give the id")


def load(storage: str, sweep_id: str, *, sampler: Any = None, pruner: Any = None, opened: Any = None):
    """The study; `opened`: the storage object for `storage`, when the caller keeps one."""
    optuna = _optuna()
    try:
        return optuna.load_study(study_name=sweep_id, storage=opened or open_storage(storage), sampler=sampler, pruner=pruner)
    except KeyError:
        raise UserError(f"no sweep {sweep_id} in storage {storage}; check --storage (see `rnnlab sweeps`)") from None


def spec_of(study) -> SweepSpec:
    raw = study.user_attrs.get(SPEC_ATTR)
    if not isinstance(raw, dict):
        raise UserError(f"study {study.study_name} was not made by `rnnlab sweep` (no spec in it)")
    return SweepSpec.from_dict(raw)


def make_sampler(spec: SweepSpec, seed_offset: int = 0):
    optuna = _optuna()
    seed = spec.seed + seed_offset
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if spec.sampler == "grid":
        return optuna.samplers.GridSampler({d.key: d.grid() for d in spec.space}, seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def make_pruner(spec: SweepSpec):
    optuna = _optuna()
    if spec.pruner == "none":
        return optuna.pruners.NopPruner()
    steps = int(spec.base.get("train", {}).get("steps", 1000))
    every = int(spec.base.get("train", {}).get("eval_every", 100))
    if spec.pruner == "hyperband":
        # the resource is training steps; the first rung is the first eval point
        return optuna.pruners.HyperbandPruner(min_resource=max(1, every), max_resource=max(steps, every + 1))
    startup = spec.pruner_startup_trials
    if startup is None:  # Optuna's 5 would leave a small sweep unpruned
        startup = max(1, min(5, spec.trials // 4))
    return optuna.pruners.MedianPruner(n_startup_trials=startup, n_warmup_steps=0)


def suggest(trial, dims: list[Dim]) -> dict[str, Any]:
    """Ask the sampler for every dimension; params keyed like the space ("train.lr")."""
    out = {}
    for d in dims:
        if d.choices is not None:
            out[d.key] = trial.suggest_categorical(d.key, list(d.choices))
        elif d.integer:
            out[d.key] = trial.suggest_int(d.key, int(d.low), int(d.high), step=int(d.step or 1), log=d.log)
        else:
            out[d.key] = trial.suggest_float(d.key, float(d.low), float(d.high), step=d.step, log=d.log)
    return out


def state_name(trial) -> str:
    name = trial.state.name.lower()
    return {"complete": "complete", "pruned": "pruned", "fail": "failed", "running": "running", "waiting": "waiting"}.get(name, name)


def counted(trials: list) -> list:
    """The sweep's trials: the study's, less numbers marked surplus."""
    return [t for t in trials if not t.user_attrs.get(SURPLUS_ATTR)]


# fANOVA on fewer trials ranks noise: below this many complete trials no importance is shown
# (`sweep show`, its --json, load_sweep and the Sweep screen alike)
MIN_IMPORTANCE_TRIALS = 8


def importances(study, trials: list, min_trials: int = MIN_IMPORTANCE_TRIALS) -> tuple[Optional[dict[str, float]], str]:
    """(parameter -> importance, how it was computed), or (None, why not). fANOVA needs
    scikit-learn; without it Optuna's PED-ANOVA (scipy) does the job."""
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    if len(complete) < max(2, min_trials):
        return None, f"importances need {max(2, min_trials)} complete trials ({len(complete)} so far)"
    from optuna.importance import get_param_importances

    try:
        import sklearn  # noqa: F401
        from optuna.importance import FanovaImportanceEvaluator

        evaluator, how = FanovaImportanceEvaluator(seed=0), "fANOVA"
    except ImportError:
        from optuna.importance import PedAnovaImportanceEvaluator

        evaluator, how = PedAnovaImportanceEvaluator(), "PED-ANOVA (scikit-learn not installed, so no fANOVA)"
    try:
        with _quiet():
            return dict(get_param_importances(study, evaluator=evaluator)), how
    except Exception as err:  # too few distinct values, a single-valued space...
        return None, f"importances not computable yet ({type(err).__name__}: {err})"


@contextlib.contextmanager
def _quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def best_intermediate(trial, sign: int) -> Optional[float]:
    """A trial's best evaluation so far in the study's direction (sign 1: minimize), what its
    kept checkpoint holds; None before its first. The controller tells a finished trial this
    value. (A pruned trial's value in Optuna's storage is its last evaluation, Optuna's rule:
    `tell` takes no value with PRUNED; summaries show its best, like every other trial.)"""
    values = [v for v in trial.intermediate_values.values() if isinstance(v, (int, float)) and math.isfinite(v)]
    return min(values, key=lambda v: sign * v) if values else None


# How `sweep show`, its --json, the Sweep screen and load_sweep list trials: complete ones, then
# pruned ones, each best first by the metric; the rest (unscored, running, failed) by number.
ORDER = ("complete", "pruned")


def _clean(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def summary(study, spec: SweepSpec, *, run_status: Optional[dict[int, str]] = None, with_importances: bool = True) -> dict[str, Any]:
    """The `sweep show --json` object less `status`: trials in ORDER's order (complete ones by the
    metric, best first; then pruned ones, best first by their best value; then the rest by
    number), the best trial, importances. `run_status` maps trial
    numbers to the status of their run on this host (a queued run reads "waiting")."""
    trials = counted(study.get_trials(deepcopy=False))
    sign = 1 if spec.direction == "minimize" else -1
    rows = []
    for t in trials:
        state = state_name(t)
        if state == "running" and (run_status or {}).get(t.number) == "queued":
            state = "waiting"
        value = t.value if t.state.name == "COMPLETE" else best_intermediate(t, sign)
        rows.append({
            "number": t.number, "run_id": t.user_attrs.get(RUN_ATTR), "state": state, "value": _clean(value),
            "params": dict(t.params), "host": (t.user_attrs.get(OWNER_ATTR) or "").split(":", 1)[0] or None,
            "started": t.datetime_start.timestamp() if t.datetime_start else None,
            "ended": t.datetime_complete.timestamp() if t.datetime_complete else None,
        })
    def rank(r: dict[str, Any]) -> tuple:
        group = ORDER.index(r["state"]) if r["state"] in ("complete", "pruned") and r["value"] is not None else len(ORDER)
        return (group, sign * r["value"] if group < len(ORDER) else 0.0, r["number"])

    ordered = sorted(rows, key=rank)
    scored = [r for r in ordered if r["state"] == "complete" and r["value"] is not None]
    best = None
    if scored:
        b = scored[0]
        best = {"number": b["number"], "run_id": b["run_id"], "value": b["value"], "params": b["params"]}
    imp, how = importances(study, trials) if with_importances else (None, "not computed")
    done = sum(1 for r in rows if r["state"] in ("complete", "pruned", "failed"))
    return {
        "sweep_id": study.study_name, "name": study.user_attrs.get(NAME_ATTR), "metric": spec.metric,
        "direction": spec.direction, "best": best, "trials": ordered, "done": done, "total": spec.trials,
        "space": {d.key: d.to_dict() for d in spec.space}, "importances": imp, "importance_method": how,
    }
