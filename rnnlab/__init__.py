"""rnnlab: a terminal lab for recurrent neural networks.

The Python API: `rnnlab.load_run` (a trained run: config, task, model, `history()`) and
`rnnlab.load_sweep` (a sweep's trials and best). Importing `rnnlab` stays torch-free; torch is
imported on the first `load_run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

# Both torch-free at import time: the return types must be real names here, so that
# `typing.get_type_hints(rnnlab.load_run)` resolves them.
from rnnlab.inspect.run import Run
from rnnlab.sweeps.public import Sweep, Trial

__version__ = "0.1.0"


def load_run(run: Union[str, Path], device: str = "cpu", runs_dir: Union[str, Path, None] = None,
             which: str = "best") -> Run:
    """A trained run for notebooks and outside checks: `.config`, `.task`, `.model` (eval mode),
    `.checkpoint`, `.history()` (its metrics), `.encode`/`.decode` for text runs.

    `run` is an id, unique id prefix, name or run directory, resolved in `runs_dir` (else
    $RNNLAB_RUNS_DIR, else ./runs); `which` is the checkpoint, "best" (by the primary val metric,
    else the last) or "last". Unknown or ambiguous references raise `rnnlab.errors.UserError`.
    See rnnlab/inspect/loader.py."""
    from rnnlab.inspect.loader import load_run as _load_run

    return _load_run(run, device=device, runs_dir=runs_dir, which=which)


def load_sweep(sweep: str, runs_dir: Union[str, Path, None] = None) -> Sweep:
    """A sweep for notebooks: `.trials` (best first), `.best`, `.metric`, `.direction`, `.status`,
    `.importances`. `sweep` is an id, unique id prefix or name. See rnnlab/sweeps/public.py."""
    from rnnlab.sweeps.public import load_sweep as _load_sweep

    return _load_sweep(sweep, runs_dir=runs_dir)


__all__ = ["__version__", "load_run", "load_sweep", "Run", "Sweep", "Trial"]
