"""The adding problem (Hochreiter & Schmidhuber 1997, in the form of Arjovsky et al. 2016).

Each of the T = `seq_len` steps carries two inputs: a value drawn from U[0, 1] and a marker.
Exactly one marker is 1 in the first half of the sequence (steps [0, T//2)) and one in the
second half ([T//2, T)); the target is the sum of the two marked values, read from the model's
output at the last step. Predicting the constant 1 scores MSE 1/6 (the variance of the sum of
two U[0, 1]), so only a model that carries the first value across ~T/2 steps beats it.
"""

from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.base import Batch, Task, last_step_kwargs
from rnnlab.tasks.sampling import seeded_generator

CONSTANT_MSE = 1.0 / 6.0
# Validation draws from its own stream, independent of the run's seed, so runs with different
# seeds are scored on the same examples.
_TRAIN_STREAM = 1
_VAL_STREAM = 2
_VAL_SEED = 0
_PROBE_ROWS = 5


def adding_batch(gen: torch.Generator, batch_size: int, T: int, lo: int = 0, hi: Optional[int] = None) -> Batch:
    """Rows `lo:hi` (default all) of a batch of adding-problem examples: x `(B, T, 2)` float32
    (value, marker), y `(B,)`.

    The random numbers are drawn for the whole batch, in one order, so every slice is the very
    slice of the batch one process would draw (a generator has no cheap skip-ahead: skipping
    costs a draw); the tensors, markers and targets are built for rows `lo:hi` only."""
    hi = batch_size if hi is None else hi
    values = torch.rand(batch_size, T, generator=gen)[lo:hi]
    half = T // 2
    first = torch.randint(0, half, (batch_size,), generator=gen)[lo:hi]
    second = torch.randint(half, T, (batch_size,), generator=gen)[lo:hi]
    n = hi - lo
    markers = torch.zeros(n, T)
    rows = torch.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    return Batch(torch.stack([values, markers], dim=-1), y, stateful=False)


class AddingTask(Task):
    kind = "adding"
    input_kind = "real"
    input_size = 2
    output_size = 1
    primary_metric = "val_mse"
    reads_last_step = True  # the target is read at the last step only

    def __init__(
        self, cfg: TaskConfig, *, seed: int, batch_size: int, state: Optional[dict[str, Any]] = None
    ) -> None:
        super().__init__(cfg, seed=seed, batch_size=batch_size, state=state)
        if cfg.seq_len < 2:
            raise UserError(f"[task] seq_len = {cfg.seq_len}: the adding problem needs seq_len >= 2 (one marker per half)")
        self.seq_len = cfg.seq_len

    def state(self) -> dict[str, Any]:
        return {"seq_len": self.seq_len}

    def describe(self) -> str:
        return f"adding: T={self.seq_len}, constant-1 baseline MSE {CONSTANT_MSE:.3f}"

    def batch(self, step: int, batch_size: int) -> Batch:
        return self.batch_rows(step, batch_size, 0, batch_size)

    def batch_rows(self, step: int, batch_size: int, lo: int, hi: int) -> Batch:
        return adding_batch(seeded_generator(self.seed, step, _TRAIN_STREAM), batch_size, self.seq_len, lo, hi)

    def _val_batch(self, index: int, batch_size: int) -> Batch:
        return adding_batch(seeded_generator(_VAL_SEED, index, _VAL_STREAM), batch_size, self.seq_len)

    def probe_batch(self, batch_size: int) -> Batch:
        return self._val_batch(0, batch_size)

    @staticmethod
    def prediction(out: torch.Tensor) -> torch.Tensor:
        """The model's answer: its output at the last step, `(B,)`."""
        return out[:, -1, 0].float()

    def loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        return F.mse_loss(self.prediction(out), batch.y)

    def last_step_loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        # The only supervised step is the last one.
        return self.loss(out, batch)

    def evaluate(self, model: torch.nn.Module, device: torch.device, num_batches: int) -> dict[str, float]:
        total, count = 0.0, 0
        with torch.no_grad():
            for i in range(num_batches):
                batch = self._val_batch(i, self.batch_size).to(device)
                out, _ = model(batch.x, None, **last_step_kwargs(model))
                total += float(F.mse_loss(self.prediction(out), batch.y, reduction="sum"))
                count += batch.y.numel()
        mse = total / count
        return {"val_loss": mse, "val_mse": mse}

    def baselines(self) -> dict[str, float]:
        return {"constant_val_mse": CONSTANT_MSE, "constant_val_loss": CONSTANT_MSE}

    def output_probe(self, model: torch.nn.Module, device: torch.device) -> dict[str, Any]:
        batch = self.probe_batch(_PROBE_ROWS)
        with torch.no_grad():
            out, _ = model(batch.x.to(device), None, **last_step_kwargs(model))
        pred = self.prediction(out).cpu()
        return {
            "type": "predictions",
            "rows": [{"target": float(t), "prediction": float(p)} for t, p in zip(batch.y, pred)],
        }
