"""A sweep spec: a TOML file with the usual experiment sections (or `[sweep] base = PRESET_OR_FILE`
to start from one) plus `[sweep]` settings and a `[sweep.space]` of the keys to vary.

    [sweep]
    metric = "val_mse"        # default: the task's primary metric; one the task never records is refused
    direction = "minimize"    # default: inferred from the metric's name; a contradiction (a loss maximised) is refused
    trials = 20               # trial numbers in all, over every host (a grid: its size)
    parallel = 2              # concurrent trials on this host; default: one per device slot
    sampler = "tpe"           # tpe | random | grid
    pruner = "median"         # median | hyperband | none
    seed = 0
    [sweep.space]
    "train.lr" = { low = 1e-4, high = 1e-2, log = true }   # float range (log scale)
    "model.hidden_size" = [32, 64, 128]                     # a list: a categorical choice
    "model.num_layers" = { low = 1, high = 3 }              # integers when both bounds are

Everything is checked before anything starts: each space key is applied to the base config and
validated exactly as `--set` would be (an unknown key gets a did-you-mean, a value out of range
says which), so a trial never fails on its own config. Each trial keeps its best checkpoint by
the sweep's metric and direction (it sets `train.best_metric` and `train.best_direction`), so a
trial's value is what its kept checkpoint holds. Torch-free.
"""

from __future__ import annotations

import copy
import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from rnnlab import metricnames
from rnnlab.errors import UserError

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "hyperband", "none")
DIRECTIONS = ("minimize", "maximize")
SWEEP_KEYS = ("base", "metric", "direction", "trials", "parallel", "sampler", "pruner", "seed",
              "pruner_startup_trials", "space")
RANGE_KEYS = ("low", "high", "log", "step")

# Each task's primary metric (the `primary_metric` of its module in rnnlab/tasks/), known here
# without importing torch (rnnlab/metricnames.py, with the metrics each task records).
TASK_METRIC = metricnames.PRIMARY


@dataclass(frozen=True)
class Dim:
    """One dimension of the space: `choices` (categorical), or a `low`..`high` range."""

    key: str
    choices: Optional[tuple] = None
    low: Optional[float] = None
    high: Optional[float] = None
    log: bool = False
    step: Optional[float] = None
    integer: bool = False

    def describe(self) -> str:
        if self.choices is not None:
            return "{" + ", ".join(map(str, self.choices)) + "}"
        return f"[{self.low}, {self.high}]" + (" log" if self.log else "") + (" int" if self.integer else "")

    def grid(self) -> list:
        """The values a grid sampler walks; a float range needs a `step`."""
        if self.choices is not None:
            return list(self.choices)
        if self.integer:
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if self.step is None:
            raise UserError(f"[sweep.space] {self.key!r}: the grid sampler needs a list of values or a `step` for a float range")
        n = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1
        return [self.low + i * self.step for i in range(n)]

    def to_dict(self) -> Any:
        if self.choices is not None:
            return list(self.choices)
        d: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.log:
            d["log"] = True
        if self.step is not None:
            d["step"] = self.step
        return d


@dataclass
class SweepSpec:
    """A parsed, validated spec: `base` is the raw config dict every trial starts from."""

    base: dict[str, Any]
    space: list[Dim]
    metric: str
    direction: str
    trials: int
    parallel: Optional[int]
    sampler: str = "tpe"
    pruner: str = "median"
    seed: int = 0
    pruner_startup_trials: Optional[int] = None
    origin: str = "sweep spec"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """What the study stores, so `sweep join` on another host rebuilds the same spec."""
        return {
            "base": self.base, "space": {d.key: d.to_dict() for d in self.space}, "metric": self.metric,
            "direction": self.direction, "trials": self.trials, "parallel": self.parallel, "sampler": self.sampler,
            "pruner": self.pruner, "seed": self.seed, "pruner_startup_trials": self.pruner_startup_trials,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], origin: str = "stored sweep spec") -> "SweepSpec":
        return build({**{k: v for k, v in d.items() if k not in ("base", "space")}, "space": d["space"]},
                     d["base"], origin, stored=True)

    def trial_config(self, params: dict[str, Any], name: Optional[str] = None):
        """The validated Config of one trial: the base with `params` (keyed like the space) set."""
        from rnnlab import config

        data = copy.deepcopy(self.base)
        for key, value in params.items():
            _set(data, key, value)
        if name:
            data["name"] = name
        # the trial's kept best checkpoint follows the sweep's metric: its value is what it holds
        data.setdefault("train", {}).update(best_metric=self.metric, best_direction=self.direction)
        return config.validate(data, f"{self.origin} (trial params {params})")


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    target = data
    for part in parts[:-1]:
        nxt = target.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise UserError(f"[sweep.space] {dotted!r}: '{part}' is a value, not a section")
        target = nxt
    target[parts[-1]] = value


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _dim(key: str, raw: Any, where: str) -> Dim:
    if isinstance(raw, list):
        if not raw:
            raise UserError(f"{where}: an empty list; give at least one choice, e.g. [32, 64]")
        for v in raw:
            if not isinstance(v, (str, int, float, bool)):
                raise UserError(f"{where}: choice {v!r} is not a plain value (string, number or boolean)")
        if len(set(map(repr, raw))) != len(raw):
            raise UserError(f"{where}: a choice is listed twice in {raw!r}")
        return Dim(key, choices=tuple(raw))
    if isinstance(raw, dict):
        unknown = [k for k in raw if k not in RANGE_KEYS]
        if unknown:
            close = difflib.get_close_matches(unknown[0], RANGE_KEYS, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UserError(f"{where}: unknown range key '{unknown[0]}'{hint}; valid keys: {', '.join(RANGE_KEYS)}")
        if "low" not in raw or "high" not in raw:
            raise UserError(f"{where}: a range needs both `low` and `high`, e.g. {{ low = 1e-4, high = 1e-2, log = true }}")
        low, high = raw["low"], raw["high"]
        if not (_is_num(low) and _is_num(high)):
            raise UserError(f"{where}: low and high must be numbers (got {low!r}, {high!r}); a list gives choices")
        if not low < high:
            raise UserError(f"{where}: low ({low}) must be below high ({high})")
        log = raw.get("log", False)
        if not isinstance(log, bool):
            raise UserError(f"{where}: log must be true or false (got {log!r})")
        if log and low <= 0:
            raise UserError(f"{where}: a log range needs low > 0 (got {low})")
        step = raw.get("step")
        if step is not None and (not _is_num(step) or step <= 0):
            raise UserError(f"{where}: step must be a positive number (got {step!r})")
        if step is not None and log:
            raise UserError(f"{where}: a range is either log or stepped, not both")
        integer = _is_int(low) and _is_int(high) and (step is None or _is_int(step))
        return Dim(key, low=low, high=high, log=log, step=step, integer=integer)
    raise UserError(
        f"{where}: expected a list of choices or a range table like {{ low = 1e-4, high = 1e-2, log = true }}, got {raw!r}"
    )


def _check_against_config(dim: Dim, base: dict[str, Any], origin: str) -> None:
    """Validate the key and every value it can take (each choice; both bounds) like `--set`."""
    from rnnlab import config

    values = dim.choices if dim.choices is not None else (dim.low, dim.high)
    for value in values:
        data = copy.deepcopy(base)
        _set(data, dim.key, value)
        config.validate(data, f"{origin} [sweep.space] {dim.key!r}")


infer_direction = metricnames.infer_direction


def build(sweep: dict[str, Any], base: dict[str, Any], origin: str, stored: bool = False) -> SweepSpec:
    """Check the `[sweep]` table against `base` (a raw config dict) and return the spec. `stored`:
    one a study holds, made before the metric's checks (it is shown as it ran, not refused)."""
    from rnnlab import config

    unknown = [k for k in sweep if k not in SWEEP_KEYS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], SWEEP_KEYS, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UserError(f"{origin}: unknown key '{unknown[0]}' in [sweep]{hint}; valid keys: {', '.join(SWEEP_KEYS)}")
    cfg = config.validate(base, origin)
    space_raw = sweep.get("space") or {}
    if not isinstance(space_raw, dict) or not space_raw:
        raise UserError(f'{origin}: [sweep.space] is missing or empty; add e.g. "train.lr" = {{ low = 1e-4, high = 1e-2, log = true }}')
    space = []
    for key, raw in space_raw.items():
        where = f"{origin}: [sweep.space] {key!r}"
        if key.count(".") < 1:
            raise UserError(f"{where}: expected section.key, e.g. \"train.lr\"")
        dim = _dim(key, raw, where)
        _check_against_config(dim, base, origin)
        space.append(dim)

    def choice(key: str, options: tuple, default: str) -> str:
        v = sweep.get(key, default)
        if v not in options:
            close = difflib.get_close_matches(str(v), options, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UserError(f"{origin}: [sweep] {key} = {v!r} is not allowed{hint}; expected one of {', '.join(options)}")
        return v

    def whole(key: str, default: Optional[int], low: int) -> Optional[int]:
        v = sweep.get(key, default)
        if v is None:
            return None
        if not _is_int(v) or v < low:
            raise UserError(f"{origin}: [sweep] {key} = {v!r}: expected a whole number, at least {low}")
        return v

    metric = sweep.get("metric") or TASK_METRIC.get(cfg.task.kind, "val_loss")
    if not isinstance(metric, str):
        raise UserError(f"{origin}: [sweep] metric = {metric!r}: expected a metric name such as \"val_mse\"")
    if not stored and metricnames.is_recorded(cfg.task.kind, metric) is False:
        raise UserError(f"{origin}: [sweep] metric = {metric!r}: the {cfg.task.kind} task never records it; "
                        f"it records {', '.join(metricnames.recorded(cfg.task.kind) or ())}")
    direction = choice("direction", DIRECTIONS, infer_direction(metric))
    if not stored and (why := metricnames.contradiction(metric, direction)):
        raise UserError(f"{origin}: [sweep] direction = {direction!r}: {why}; drop `direction` (it is inferred) or pick another metric")
    sampler = choice("sampler", SAMPLERS, "tpe")
    pruner = choice("pruner", PRUNERS, "median")
    spec = SweepSpec(
        base=base, space=space, metric=metric, direction=direction, trials=0, parallel=whole("parallel", None, 1),
        sampler=sampler, pruner=pruner, seed=whole("seed", 0, 0) or 0,
        pruner_startup_trials=whole("pruner_startup_trials", None, 0), origin=origin,
    )
    if sampler == "grid":
        size = 1
        for d in space:
            size *= len(d.grid())
        spec.trials = whole("trials", size, 1) or size
        if spec.trials > size:
            raise UserError(f"{origin}: [sweep] trials = {spec.trials} but the grid has only {size} points; lower trials or widen the grid")
    else:
        spec.trials = whole("trials", 20, 1) or 20
    return spec


def load(path_or_preset: str, overrides: list[str] | tuple[str, ...] = ()) -> SweepSpec:
    """Read a spec file, start from its `base` if any, apply `--set` to the base, and validate."""
    from rnnlab import config, presets

    path = Path(path_or_preset).expanduser()
    data = config.read_toml(path)
    origin = str(path)
    sweep = data.pop("sweep", None)
    if not isinstance(sweep, dict):
        raise UserError(f"{origin}: no [sweep] table; a sweep spec needs [sweep] and [sweep.space] (see README, Sweeps)")
    base_ref = sweep.get("base")
    if base_ref is not None:
        ref = Path(str(base_ref)).expanduser()
        local = ref if ref.is_absolute() else path.parent / ref
        base_path = local if local.is_file() else presets.resolve(str(base_ref))
        base = config.read_toml(base_path)
        base.setdefault("name", base_path.stem)
        _merge(base, data)
    else:
        base = data
        base.setdefault("name", path.stem)
    for item in overrides:
        config.apply_override(base, item)
    if overrides:
        origin = f"{origin} (with --set)"
    src = (base.get("task") or {}).get("source")
    if isinstance(src, str) and not src.startswith("builtin:") and not Path(src).expanduser().is_absolute():
        base["task"]["source"] = str(Path.cwd() / Path(src).expanduser())  # trials run elsewhere
    return build(sweep, base, origin)


def _merge(into: dict[str, Any], over: dict[str, Any]) -> None:
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v
