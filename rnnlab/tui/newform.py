"""The New experiment form's model, apart from its screen (rnnlab/tui/screens/new.py): the fields
and the config keys they set, how their text becomes config values (or a sweep's space), which
data a config reads, a corpus/CSV path that cannot be read, the field a validation message names,
the configs of a race, the seeds of a seed group, and the CUDA devices to offer. No Textual and no torch here.
"""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path
from typing import Any, Optional

from rnnlab import confine
from rnnlab.config import Config, validate
from rnnlab.tui.i18n import t, tf
from rnnlab.tui.params import approx_params, matched_hidden

# Form field id -> (section, key, kind). kind: int, float, str, bool, choice, names (a list of
# names written "a, b", empty for none).
FIELDS: dict[str, tuple[str, str, str]] = {
    "cell": ("model", "cell", "choice"),
    "attention": ("model", "attention", "bool"),
    "layers": ("model", "num_layers", "int"),
    "hidden": ("model", "hidden_size", "int"),
    "task": ("task", "kind", "choice"),
    "source": ("task", "source", "str"),
    "column": ("task", "column", "str"),
    "time_column": ("task", "time_column", "str"),
    # other columns of the same CSV the model reads as inputs (rnnlab/tasks/timeseries/covariates.py):
    # observed up to the forecast origin, or known ahead (their next `horizon` values read too)
    "covariates": ("task", "covariates", "names"),
    "future_covariates": ("task", "future_covariates", "names"),
    "seq_len": ("task", "seq_len", "int"),
    "window": ("task", "window", "int"),
    "horizon": ("task", "horizon", "int"),
    "optimizer": ("train", "optimizer", "choice"),
    "lr": ("train", "lr", "float"),
    "schedule": ("train", "schedule", "choice"),
    "clip": ("train", "clip_norm", "float"),
    "steps": ("train", "steps", "int"),
    "batch": ("train", "batch_size", "int"),
    "device": ("train", "device", "choice"),
}
LABELS = {
    "cell": "cell", "attention": "attention", "layers": "layers", "hidden": "hidden size", "task": "task",
    "source": "corpus / CSV", "column": "value column", "time_column": "time column", "covariates": "covariates",
    "future_covariates": "future covariates", "seq_len": "T / seq_len", "window": "window", "horizon": "horizon",
    "optimizer": "optimizer", "lr": "learning rate", "schedule": "schedule", "clip": "clip norm (0 off)",
    "steps": "steps", "batch": "batch size", "device": "device", "name": "run name", "seeds": "seeds",
    "sweep_trials": "sweep trials", "sweep_parallel": "in parallel", "sweep_sampler": "sampler", "sweep_pruner": "pruner",
}
# Fields that only mean something for some tasks.
TASK_ONLY = {
    "source": ("text", "timeseries"), "column": ("timeseries",), "time_column": ("timeseries",), "covariates": ("timeseries",),
    "future_covariates": ("timeseries",),
    "window": ("timeseries",), "horizon": ("timeseries",),
    # a forecast reads its window (rnnlab.config.TASK_KEY_KINDS): T shown for it was ignored (issue 17)
    "seq_len": ("text", "adding", "copy"),
}
# Text fields that may stay empty (the task picks or does without).
OPTIONAL_TEXT = ("source", "column", "time_column")
# left empty: sized from the data, as `rnnlab data`'s card recommends (issue 17)
FROM_DATA = ("window", "horizon")


class FieldError(Exception):
    """A form field's text that is no value for its key: the field to flag and one line."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def seed_count(text: str, race: bool, sweeping: bool) -> int:
    """The seeds field: how many runs of the config, with seeds train.seed, +1, ... (a seed
    group, as `rnnlab train --seeds N` makes). Raises `FieldError`."""
    text = text.strip() or "1"
    if not text.isdigit() or int(text) < 1:
        raise FieldError("seeds", f"seeds: {text!r} is not a whole number of at least 1 (1 = one run; 3 = a group of 3 seeds)")
    n = int(text)
    if n > 1 and (race or sweeping):
        what = "a race launches one run per cell" if race else "a sweep launches its own trials"
        raise FieldError("seeds", f"seeds: {n} with a {'race' if race else 'sweep'}: {what}; set seeds to 1")
    return n


def data_key(cfg: Config) -> str:
    """What the data's sizes (and problems) depend on: the [task] keys and the batch size."""
    return json.dumps([cfg.task.model_dump(mode="json"), cfg.train.batch_size, cfg.train.seed], sort_keys=True)


def source_problem(cfg: Config) -> Optional[str]:
    """A corpus/CSV path that cannot be the task's data, in one line; None when it may be."""
    src = cfg.task.source
    if cfg.task.kind not in ("text", "timeseries") or not src or src.startswith("builtin:"):
        return None
    path = Path(src).expanduser()
    refused = confine.refusal(src, "corpus / CSV")  # a served lab opens files only where its owner said
    if refused:
        return refused
    if cfg.task.kind == "timeseries":
        if path.is_dir():
            return f"corpus / CSV: {src} is a folder; a time series is one CSV file"
        return None if path.is_file() else f"corpus / CSV: {src}: no such file"
    if path.exists():
        return None
    if any(ch in src for ch in "*?[") and glob.glob(str(path), recursive=True):
        return None
    return f"corpus / CSV: {src}: no such file or folder (a text file, a folder of them, or a glob)"


def field_for(message: str) -> Optional[str]:
    """The form field a validation message names (`[train] lr = ...`), if it is on the form."""
    for fid, (section, key, _) in FIELDS.items():
        if f"'{section}.{key}'" in message:  # a sweep-space key: [sweep.space] 'train.lr'
            return fid
    m = re.search(r"\[(\w+)\] (\w+)", message)
    if not m:
        return None
    for fid, (section, key, _) in FIELDS.items():
        if (section, key) == (m.group(1), m.group(2)):
            return fid
    return None


def data_field(message: str, task: Any = None) -> str:
    """The field a problem reading the data is flagged on: a names field the message names
    (`no column 'tmp' (task.covariates)`), the one the `task` config fills where it names both
    (`task.covariates / task.future_covariates need a CSV`), else the corpus / CSV path."""
    named = [fid for fid, (section, key, kind) in FIELDS.items() if kind == "names" and f"{section}.{key}" in message]
    filled = [fid for fid in named if getattr(task, FIELDS[fid][1], None)]
    return (filled or named or ["source"])[0]


def race_configs(cfg: Config, cells: list[str], match: bool) -> list[Config]:
    """One config per cell, same seed and data; with `match`, hidden sizes chosen so each has
    about as many parameters as the first cell at the form's hidden size."""
    m = cfg.model
    target = approx_params(cells[0], m.hidden_size, m.num_layers, cfg.task.kind)
    out = []
    for cell in cells:
        hidden = matched_hidden(cell, target, m.num_layers, cfg.task.kind) if match else m.hidden_size
        data = cfg.to_dict()
        data["model"]["cell"] = cell
        data["model"]["hidden_size"] = hidden
        if cell == "transformer":
            heads = m.num_heads
            while heads > 1 and hidden % heads:
                heads -= 1
            data["model"]["num_heads"] = heads
        data["name"] = f"{cfg.name or 'race'}-{cell}"
        out.append(validate(data, "race"))
    return out


def sweep_dim(fid: str, text: str, kind: str) -> Any:
    """A field written for a sweep: `LOW..HIGH` (a range, `log` after it for a log scale) or
    `A, B, C` (choices), as a [sweep.space] value."""
    conv = int if kind == "int" else float
    try:
        if ".." in text:
            low, _, rest = text.partition("..")
            parts = rest.split()
            if not parts or any(p != "log" for p in parts[1:]):
                raise ValueError
            return {"low": conv(low.strip()), "high": conv(parts[0]), **({"log": True} if "log" in parts[1:] else {})}
        return [conv(x.strip()) for x in text.split(",") if x.strip()]
    except ValueError:
        raise FieldError(fid, tf("{field}: {text!r} is neither LOW..HIGH [log] nor A, B, C of whole numbers" if kind == "int"
                                 else "{field}: {text!r} is neither LOW..HIGH [log] nor A, B, C of numbers",
                                 field=t(LABELS[fid]), text=text)) from None


def form_config(base: dict[str, Any], values: dict[str, Any], sweeping: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(raw config dict, sweep space) from the form's field values (`FIELDS` id -> widget value)
    over the `base` (a preset's keys). With `sweeping`, a number field written `LOW..HIGH [log]`
    or `A, B, C` goes to the space and the config holds its first value. Raises `FieldError`."""
    import copy

    data = copy.deepcopy(base)
    space: dict[str, Any] = {}
    for fid, (section, key, kind) in FIELDS.items():
        if fid not in values:
            continue  # a field the caller does not show sets nothing (the base's value stands)
        value = values[fid]
        if fid in TASK_ONLY and values.get("task") not in TASK_ONLY[fid]:
            continue  # hidden for this task (the screen hides its row): it sets nothing
        sect = data.setdefault(section, {})
        if kind == "bool":
            sect[key] = bool(value)
        elif kind == "choice":
            sect[key] = value
        elif kind == "names":
            sect[key] = names(str(value))
            if not sect[key]:
                sect.pop(key)  # none written: the preset's, if any, are dropped too (as an emptied path is)
        else:
            text = str(value).strip()
            if fid in OPTIONAL_TEXT:
                if text:
                    sect[key] = text
                elif not (fid == "source" and _builtin_kept(base, values.get("task"))):
                    sect.pop(key, None)
                continue
            if not text and fid in FROM_DATA:
                sect.pop(key, None)
                continue
            if not text:
                raise FieldError(fid, tf("{field}: a value is required", field=t(LABELS[fid])))
            if sweeping and (".." in text or "," in text):
                dim = sweep_dim(fid, text, kind)
                space[f"{section}.{key}"] = dim
                # the base holds one of its values; the spec checks them all
                sect[key] = dim[0] if isinstance(dim, list) else dim["low"]
                continue
            try:
                sect[key] = int(text) if kind == "int" else float(text)
            except ValueError:
                raise FieldError(fid, tf("{field}: {text!r} is not a whole number" if kind == "int"
                                         else "{field}: {text!r} is not a number", field=t(LABELS[fid]), text=text)) from None
    forecast_defaults(data, base)
    return data, space


def _builtin_kept(base: dict[str, Any], task: Any) -> bool:
    """Whether an empty corpus / CSV field keeps the preset's builtin source: the field shows a
    builtin source empty (`builtin default`), and `ts-covariates`' `builtin:synthetic-driven`
    dropped to the plain synthetic series, which has no covariates. Not for another task's."""
    b = base.get("task") or {}
    return str(b.get("source") or "").startswith("builtin:") and b.get("kind") == task


def names(text: str) -> list[str]:
    """A names field's text as a list: `temp, price` -> ["temp", "price"] (a column's name may hold spaces)."""
    return [n.strip() for n in text.split(",") if n.strip()]


def names_text(value: Any) -> str:
    """A list of names as the field shows it: ["temp", "price"] -> `temp, price`."""
    return ", ".join(str(v) for v in value or [])


def forecast_defaults(data: dict[str, Any], base: dict[str, Any]) -> None:
    """A forecast from the form gets what `rnnlab train FILE.csv` gets (rnnlab.config.load): the run
    named after its CSV when nothing names it, and, where neither the preset nor the user set the
    steps (the field still holds the default) or the patience, no `steps` key, so that the config's
    own rule (Config._forecasting_stops_early: patience = TS_PATIENCE) stops it early. The form wrote
    steps = 1000 and patience = 0: every run trained all its steps and overfit (issue 17)."""
    from rnnlab.config import TrainConfig

    task, train = data.get("task") or {}, data.get("train") or {}
    if task.get("kind") != "timeseries":
        return
    source = str(task.get("source") or "")
    if source and not source.startswith("builtin:") and Path(source).suffix.lower() in (".csv", ".tsv"):
        if not base.get("name") or str((base.get("task") or {}).get("source") or "builtin:").startswith("builtin:"):
            data["name"] = Path(source).stem  # a preset's name describes its builtin series, not this CSV
    base_train = base.get("train") or {}
    if (base.get("task") or {}).get("kind") == "timeseries" and {"steps", "patience"} & set(base_train):
        return  # a forecasting preset's own steps or patience stand, as with `rnnlab train PRESET`
    # another task's preset (its steps were for that task) or none: steps as filled in means untouched
    if "patience" not in train and train.get("steps") == base_train.get("steps", TrainConfig.model_fields["steps"].default):
        train.pop("steps", None)


def cuda_devices() -> list[str]:
    """The CUDA devices a run launched from here would see (the slots count the same way)."""
    from rnnlab.runs.slots import visible_cuda_count

    n = visible_cuda_count()
    return ["cuda"] + [f"cuda:{i}" for i in range(n)] if n else []
