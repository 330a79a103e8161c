"""What every task provides: data, loss, metrics, baselines, and what the lab shows as output.

A task is one module in `rnnlab/tasks/` with one `Task` subclass, registered in
`rnnlab.tasks.TASKS`. The training loop knows only this interface, so a new task is one new
module. Batches are a pure function of `(seed, step)`: that is what makes runs reproducible and
resuming a run continue the very same curve.

Models seen by a task follow one contract: `out, state = model(x, state)` with `out` of shape
`(B, T, output_size)` (a style-conditioned text model also takes `style=`, see
`Batch.model_kwargs`); `model.is_recurrent` says whether `state` carries history (RNNs) or
the whole context must be passed each time (the Transformer).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Optional

import torch

from rnnlab.config import TaskConfig


@dataclass
class Batch:
    """One batch. `x` is `(B, T)` int64 tokens or `(B, T, F)` float32 values."""

    x: torch.Tensor
    y: torch.Tensor
    # text with stateful truncated BPTT: the hidden state is carried over from the previous
    # step's batch (detached), as char-rnn does. False: start from a zero state.
    stateful: bool = False
    # style-conditioned text: the style id of each input token, (B, T) int64; None elsewhere
    style: Optional[torch.Tensor] = None

    def to(self, device: torch.device | str) -> "Batch":
        style = None if self.style is None else self.style.to(device, non_blocking=True)
        return Batch(self.x.to(device, non_blocking=True), self.y.to(device, non_blocking=True), self.stateful, style)

    def rows(self, lo: int, hi: int) -> "Batch":
        """Rows `lo:hi` (a data-parallel rank's share)."""
        style = None if self.style is None else self.style[lo:hi]
        return Batch(self.x[lo:hi], self.y[lo:hi], self.stateful, style)

    def model_kwargs(self) -> dict[str, torch.Tensor]:
        """What a model call takes besides `(x, state)`: the style, when there is one (so an
        unconditioned model is called exactly as before)."""
        return {} if self.style is None else {"style": self.style}


def last_step_kwargs(model: Any) -> dict[str, bool]:
    """`{"last_only": True}` for a model that can compute its head at the last step only (the
    lab's models: `models/sequence.py`), else {}: any model keeping the contract still works."""
    return {"last_only": True} if getattr(model, "takes_last_only", False) else {}


class Task(ABC):
    kind: ClassVar[str]
    input_kind: Literal["tokens", "real"]
    input_size: int  # vocabulary size (tokens) or number of input features (real)
    output_size: int  # width of the model's head at each time step
    primary_metric: str  # a key of evaluate(), lower is better, e.g. "val_bpc"
    seq_len: int  # time steps per training example
    # the loss and metrics read only the model's output at the last step: training and
    # evaluation call the model with `last_only=True` (its head skips the other steps)
    reads_last_step: ClassVar[bool] = False

    def __init__(
        self, cfg: TaskConfig, *, seed: int, batch_size: int, state: Optional[dict[str, Any]] = None
    ) -> None:
        """`batch_size` is the training batch size (data shorter than one batch is a UserError).
        `state` is what `state()` returned in an earlier process (vocab, scaler, ...): with it
        the task rebuilds exactly as it was when the run started."""
        self.cfg = cfg
        self.seed = seed
        self.batch_size = batch_size

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """JSON-able state saved with the run (vocabulary, scaler parameters, data summary)."""

    def describe(self) -> str:
        """One line for logs and headers, e.g. 'text: 1.9M chars, vocab 98'."""
        return self.kind

    @abstractmethod
    def batch(self, step: int, batch_size: int) -> Batch:
        """The training batch for `step` (CPU tensors), a pure function of (seed, step)."""

    def batch_rows(self, step: int, batch_size: int, lo: int, hi: int) -> Batch:
        """Rows `lo:hi` of `batch(step, batch_size)`: a data-parallel rank's share, equal to
        `batch(step, batch_size).rows(lo, hi)`. Every built-in task overrides it to build only
        those rows (drawing the batch's few random numbers whole, so the slices of N ranks join
        into the one batch a single process sees); this fallback, for a task that does not,
        builds the whole batch and cuts it."""
        return self.batch(step, batch_size).rows(lo, hi)

    @abstractmethod
    def loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Scalar training loss (mean) from the model output `(B, T, output_size)`."""

    @abstractmethod
    def last_step_loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        """The loss at the final time step only: L_T of the gradient-flow probe (dL_T/dx_t)."""

    @abstractmethod
    def evaluate(self, model: torch.nn.Module, device: torch.device, num_batches: int) -> dict[str, float]:
        """Validation metrics, keys prefixed `val_` (e.g. val_loss, val_bpc). Called under no_grad
        with the model in eval mode."""

    def test_metrics(self, model: torch.nn.Module, device: torch.device) -> dict[str, float]:
        """Metrics on the held-out test split where the task has one (time series); else {}."""
        return {}

    @abstractmethod
    def baselines(self) -> dict[str, float]:
        """Reference values named like the metrics they stand beside, e.g. {'val_mse': 1/6}."""

    @abstractmethod
    def probe_batch(self, batch_size: int) -> Batch:
        """A fixed validation batch for the probes (same every call)."""

    @abstractmethod
    def output_probe(self, model: torch.nn.Module, device: torch.device) -> dict[str, Any]:
        """What the lab shows as output, JSON-able: {'type': 'text', ...} samples,
        {'type': 'forecast', ...} forecast vs actual, {'type': 'predictions', ...}."""

    def tokens_per_batch(self, batch_size: int) -> int:
        return batch_size * self.seq_len
