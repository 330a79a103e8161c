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

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import torch

from rnnlab.config import Config
from rnnlab.errors import UserError
from rnnlab.tasks import Task
from rnnlab.train.kept import Choice


@dataclass
class Run:
    """A trained run ready for inspection: `config`, `task`, `model` (eval mode), `checkpoint`
    (which weights: `Choice` with step and metric) and `run_dir`."""

    config: Config
    task: Task
    model: torch.nn.Module
    checkpoint: Choice
    run_dir: Path

    @property
    def is_text(self) -> bool:
        return self.config.task.kind == "text"

    def _text_task(self, what: str) -> Any:
        if not self.is_text:
            raise UserError(f"run {self.run_dir.name} is {a_kind(self.config.task.kind)} run; {what} needs a text run")
        return self.task

    def encode(self, text: str) -> torch.Tensor:
        """Token ids of `text` as a LongTensor (T,). Characters outside the run's vocabulary are
        dropped, as `rnnlab sample` drops them from a prime (`unknown(text)` lists them)."""
        ids = self._text_task("encode").encode(text)
        return torch.as_tensor(ids, dtype=torch.long)

    def decode(self, ids: Union[torch.Tensor, list[int]]) -> str:
        """The text of token ids (a tensor of any shape is read flat)."""
        if isinstance(ids, torch.Tensor):
            ids = ids.reshape(-1).tolist()
        return self._text_task("decode").decode([int(i) for i in ids])

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of `text` that `encode` drops."""
        task = self._text_task("unknown")
        # a tokenizer with an <unk> token drops nothing
        return task.unknown_chars(text) if hasattr(task, "unknown_chars") else []


def a_kind(kind: str) -> str:
    """'an adding', 'a copy': a task kind with its article, for messages."""
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def load_run(run: Union[str, Path], device: str = "cpu", runs_dir: Union[str, Path, None] = None,
             which: str = "best") -> Run:
    """Load run `run` (an id, unique id prefix, name or run directory, resolved in `runs_dir`,
    else $RNNLAB_RUNS_DIR, else ./runs) on `device` with checkpoint `which` ("best" or "last").
    Unknown or ambiguous references raise the CLI's `UserError`."""
    from rnnlab.runs import paths
    from rnnlab.train.session import open_run

    run_dir = paths.resolve_run(paths.runs_root(runs_dir), str(run))
    loaded = open_run(run_dir, device=device, where="device", which=which)
    return Run(loaded.cfg, loaded.task, loaded.model, loaded.checkpoint, Path(run_dir))

