"""A seed group in the store: one config as N ordinary runs with seeds s, s+1, ..., s+N-1 (s is
the config's `train.seed`), named `<name>-s<seed>`, each with the same `group` id (and its
`seed`) in its meta, so compare draws them as one mean with a band (rnnlab/tui/seedgroups.py).
`rnnlab train --seeds N` (rnnlab/cli/seeds.py) and the lab's New experiment form both make
their groups here, so a group is the same thing whichever made it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from rnnlab.errors import UserError
from rnnlab.runs.launch import create_run
from rnnlab.runs.paths import check_name, new_run_id, taken_names, unique_name


@dataclass
class SeedGroup:
    group: str  # "g-<run id>", the meta every member carries
    dirs: list[Path]
    names: list[str]
    seeds: list[int]


def check(seeds: int, where: str = "--seeds") -> None:
    if seeds < 1:
        raise UserError(f"{where} {seeds}: give the number of seeds, 1 or more (e.g. {where} 3)")


def names(cfg: Any, root: Path, name: Optional[str], seeds: list[int], where: str = "--name") -> list[str]:
    """`<name>-s<seed>` for each seed; without a name, the config's name (or `<cell>-<task>`)
    made unique among the runs already in `root`. A given name that is taken is a UserError."""
    taken = taken_names(root)
    if name is not None:
        out = [f"{name}-s{s}" for s in seeds]
        for n in out:
            check_name(n)
            if n in taken:
                raise UserError(f"run name {n!r} (from {where} {name} and seed {n.rsplit('-s', 1)[1]}) is already used in {root}; pick another {where}")
        return out
    base = cfg.name or f"{cfg.model.cell}-{cfg.task.kind}"
    out = []
    for s in seeds:
        n = unique_name(f"{base}-s{s}", taken)
        taken.add(n)
        out.append(n)
    return out


def create_group(cfg: Any, n: int, root: Path, name: Optional[str] = None, *, where: str = "--name") -> SeedGroup:
    """Create the group's N runs (status "queued"; nothing started). `where` names the input
    a bad or taken name came from, for the error line."""
    first = cfg.train.seed
    seeds = [first + k for k in range(n)]
    run_names = names(cfg, root, name, seeds, where)
    group = "g-" + new_run_id()
    dirs = []
    for seed, run_name in zip(seeds, run_names):
        c = cfg.model_copy(deep=True)
        c.train.seed = seed
        dirs.append(create_run(c, root, run_name, meta={"group": group, "seed": seed}))
    return SeedGroup(group, dirs, run_names, seeds)
