"""A run's hyperparameters as flat keys (`train.lr`, `model.hidden_size`), and the diff of two.

The runs table shows chosen keys as columns, the `/` filter compares them (`lr>1e-3`), and
`rnnlab diff` / compare's config diff list the keys where runs differ. All read the run's
`config.toml` (the resolved config, written once at creation), parsed with `tomllib`, and
`diff` adds the keys a forecasting run left to its data as it took them (`from_data`): no
pydantic, no torch. `HParams` keeps each parsed file beside its (mtime, size), so the home
screen's listing every second costs one stat per run.
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path
from typing import Any, Iterable, Optional

from rnnlab.errors import UserError
from rnnlab.runs.paths import CONFIG_NAME

# keys every run has and that say nothing about its hyperparameters (shown elsewhere, or prose)
NOT_HPARAMS = ("description", "name")


def flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    """`{"train": {"lr": 1e-3}}` -> `{"train.lr": 1e-3}`; lists stay values."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif key not in NOT_HPARAMS:
            out[key] = v
    return out


def read_flat(run_dir: Path | str) -> dict[str, Any]:
    """The run's config.toml as flat keys; a missing or broken file is one UserError line."""
    path = Path(run_dir) / CONFIG_NAME
    try:
        with open(path, "rb") as f:
            return flatten(tomllib.load(f))
    except FileNotFoundError:
        raise UserError(f"{path}: no config.toml in this run directory; is it a run?") from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise UserError(f"{path}: cannot read the run's config ({err})") from None


def from_data(run_dir: Path | str) -> Optional[dict[str, Any]]:
    """The [task] keys a run left to its data and took from it (`task.window`: 24), as its worker
    recorded them at start (rnnlab/train/session.py); {} for a run that took none, None for one
    that recorded nothing (made before this was recorded, or never started). Read-only."""
    import json
    import sqlite3

    from rnnlab.runs.paths import DB_NAME

    db = Path(run_dir) / DB_NAME
    if not db.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2.0)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'from_data'").fetchone()
        finally:
            conn.close()
        got = json.loads(row[0]) if row else None
    except (sqlite3.Error, OSError, ValueError):
        return None
    return got if isinstance(got, dict) else None


# a forecast's keys `rnnlab data` decides when the config leaves them unset (0: season unset)
DATA_KEYS = ("task.window", "task.horizon", "task.season", "task.column")


def read_resolved(run_dir: Path | str) -> tuple[dict[str, Any], set[str]]:
    """The run's flat config with the keys it took from its data filled in, and those keys. A
    forecasting run that recorded none (made before they were recorded) has its unset ones as
    None, marked taken all the same: from its data, at values not recorded."""
    flat, taken = read_flat(run_dir), from_data(run_dir)
    if taken is None:
        taken = {k: None for k in DATA_KEYS if flat.get(k) in (None, 0)} if flat.get("task.kind") == "timeseries" else {}
    return {**flat, **taken}, set(taken)


class HParams:
    """Flat configs of many runs, each parsed again only when its file changed. One thread."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple, dict[str, Any]]] = {}

    def of(self, run_dir: Path | str) -> dict[str, Any]:
        """The run's flat config, `{}` if it cannot be read (a listing shows the run anyway)."""
        path = os.path.join(run_dir, CONFIG_NAME)
        try:
            st = os.stat(path)
            sig: tuple = (st.st_mtime_ns, st.st_size)
        except OSError:
            return {}
        cached = self._cache.get(path)
        if cached is not None and cached[0] == sig:
            return cached[1]
        try:
            flat = read_flat(run_dir)
        except UserError:
            flat = {}
        self._cache[path] = (sig, flat)
        return flat


def resolve(name: str, keys: Iterable[str]) -> Optional[str]:
    """The full key a short name means: itself, else the one key ending in `.name`
    (`lr` -> `train.lr`); None when no key or several keys match."""
    keys = list(keys)
    if name in keys:
        return name
    hits = [k for k in keys if k.endswith("." + name)]
    return hits[0] if len(hits) == 1 else None


def short_names(keys: list[str]) -> dict[str, str]:
    """Each key by its last part where that part is unique among `keys` (`train.lr` -> `lr`)."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def varying(flats: list[dict[str, Any]]) -> list[str]:
    """The keys whose value is not the same in every run (a key missing in one run varies)."""
    keys = sorted({k for f in flats for k in f})
    missing = object()
    return [k for k in keys if len({_key(f.get(k, missing)) for f in flats}) > 1]


def _key(v: Any) -> Any:
    if isinstance(v, list):
        return ("list", tuple(_key(x) for x in v))
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return (type(v).__name__ if isinstance(v, str) else "num", v)


def diff(flats: list[dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    """(key, each run's value or None where it lacks the key) for the keys that differ."""
    return [(k, [f.get(k) for f in flats]) for k in varying(flats)]


def fmt(v: Any) -> str:
    """A config value as a table shows it: 0.001 -> 1e-03, 64 -> 64, None -> –."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        a = abs(v)
        return f"{v:.0e}" if a and (a < 1e-2 or a >= 1e5) and f"{v:.0e}" == f"{v:.1e}".replace(".0e", "e") else f"{v:.4g}"
    if isinstance(v, list):
        return ",".join(fmt(x) for x in v)
    return str(v)
