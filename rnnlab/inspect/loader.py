"""`rnnlab.load_run`: a trained run as Python objects, for notebooks and outside checks.

    run = rnnlab.load_run("lstm-char")          # id, unique id prefix, name or directory
    ids = run.encode("def f(x):\n")              # LongTensor (T,)
    out, state = run.model(ids[None], None)      # out (1, T, vocab); state like torch.nn.LSTM's
    run.decode(out[0].argmax(-1))

The model is the run's own module (`SequenceModel` or `TransformerModel`) with the weights of the
checkpoint `rnnlab sample` and `forecast` load (best by the primary val metric, else the last),
in eval mode. Its `forward(x, state)` already follows torch.nn.LSTM/GRU/RNN with
`batch_first=True`: `state` is `(h, c)` for the LSTM and `h` for the other cells, each
(num_layers, batch, hidden); no wrapper is needed, so what a notebook feeds back is exactly what
the checkpoints save. Two models differ: with `model.attention = true` the state is an
`AttentionState(hidden, memory)` whose `hidden` is torch's; the Transformer carries none (None in
and out, the whole context each call).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Union

import torch

from rnnlab.inspect.run import Run, a_kind
from rnnlab.train.kept import Choice

__all__ = ["Run", "a_kind", "load_run", "open_dir", "output_from_checkpoint"]


def load_run(run: Union[str, Path], device: str = "cpu", runs_dir: Union[str, Path, None] = None,
             which: str = "best") -> Run:
    """Load run `run` (an id, unique id prefix, name or run directory, resolved in `runs_dir`,
    else $RNNLAB_RUNS_DIR, else ./runs) on `device` with checkpoint `which` ("best" or "last").
    Unknown or ambiguous references raise the CLI's `UserError`. `rnnlab.load_run` is this."""
    from rnnlab.runs import paths

    return open_dir(paths.resolve_run(paths.runs_root(runs_dir), str(run)), device=device, which=which, where="device")


def open_dir(run_dir: Union[str, Path], device: str = "cpu", which: str = "best", where: str = "--device") -> Run:
    """The run in directory `run_dir`, for the CLI, the lab and the lessons, which have the
    directory already; `where` names the device setting in error messages."""
    from rnnlab.train.session import open_run

    _ended_without_checkpoint(Path(run_dir))
    loaded = open_run(Path(run_dir), device=device, where=where, which=which)
    return Run(loaded.cfg, loaded.task, loaded.model, loaded.checkpoint, Path(run_dir))


def _ended_without_checkpoint(run_dir: Path) -> None:
    """A run that ended before its first checkpoint will never have one: open_run's `wait for one`
    is no advice there (an outside trial sampled a run that had diverged at step 8)."""
    from rnnlab.errors import UserError
    from rnnlab.runs.reader import read_info
    from rnnlab.runs.status import LIVE
    from rnnlab.train.kept import choose

    if (run_dir / "run.db").exists() and choose(run_dir / "checkpoints", "last") is None:
        status = read_info(run_dir).status
        if status not in LIVE:
            raise UserError(f"{run_dir}: the run {status} before its first checkpoint; there is no model to load")


def output_from_checkpoint(run_dir: Path, which: str = "last") -> tuple[Choice, dict[str, Any]]:
    """The task output (sample, forecast, predictions) of checkpoint `which`, on the CPU: what
    "sample now" shows for a run that has no worker to ask."""
    from rnnlab.train import probes

    run = open_dir(run_dir, "cpu", which=which)
    return run.checkpoint, probes.task_output(run.model, run.task, torch.device("cpu"))
