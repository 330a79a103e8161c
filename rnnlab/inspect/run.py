"""`Run`: what `rnnlab.load_run` returns, a trained run as Python objects.

Its `config`, `task`, `model` (eval mode), `checkpoint` (which weights) and `run_dir`, the text
helpers `encode`/`decode`/`unknown`, and `history()`: the metrics the run recorded. This module
is torch-free at import time (torch is imported by the methods that need it), so `import rnnlab`
can name the type `rnnlab.load_run` returns without loading torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from rnnlab.errors import UserError

if TYPE_CHECKING:
    import pandas
    import torch

    from rnnlab.config import Config
    from rnnlab.tasks import Task
    from rnnlab.train.kept import Choice


def checkpoint_choice(run_dir: Path, which: str = "best") -> Optional[Choice]:
    """The checkpoint `load_run` would load now (None before the first), without loading it:
    torch-free, the files say."""
    from rnnlab.train.kept import choose

    return choose(Path(run_dir) / "checkpoints", which)


def a_kind(kind: str) -> str:
    """'an adding', 'a copy': a task kind with its article, for messages."""
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


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
        import torch

        ids = self._text_task("encode").encode(text)
        return torch.as_tensor(ids, dtype=torch.long)

    def decode(self, ids: Union[torch.Tensor, list[int]]) -> str:
        """The text of token ids (a tensor of any shape is read flat)."""
        if hasattr(ids, "reshape"):  # a tensor
            ids = ids.reshape(-1).tolist()  # type: ignore[union-attr]
        return self._text_task("decode").decode([int(i) for i in ids])

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of `text` that `encode` drops."""
        task = self._text_task("unknown")
        # a tokenizer with an <unk> token drops nothing
        return task.unknown_chars(text) if hasattr(task, "unknown_chars") else []

    def history(self, keys: Optional[Sequence[str]] = None, *, pandas: bool = False) -> Union[list[dict[str, Any]], pandas.DataFrame]:
        """The metrics the run recorded, one record per step that logged any:
        `{"step": 800, "wall": 1733.2, "loss": 1.91, "val_loss": 2.03, ...}` (wall: seconds since
        the epoch of the step's last point; a metric absent at a step is absent from its record).
        `keys` keeps only those metrics; `pandas=True` gives a DataFrame instead (one row per
        record, NaN where a metric was not logged). Read from the run's store, so a live run's
        history grows between calls."""
        from rnnlab.runs.export import history

        records = history(self.run_dir, keys)
        if not pandas:
            return records
        import pandas as pd

        columns = ["step", "wall", *sorted({k for r in records for k in r} - {"step", "wall"})]
        return pd.DataFrame.from_records(records, columns=columns)
