"""Probes: what the lab measures inside the network while it trains, chiefly whether gradients
vanish or explode through time (Bengio, Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013).

Each probe is a function of the model and a fixed probe batch that returns JSON-able numbers; the
loop decides how often each runs (`[probes]`). They run in eval mode (no dropout noise) on a
small batch, so they are cheap enough to leave on.

- gradient flow through time: ‖∂L_T/∂x_t‖ for every input step t, with L_T the loss at the last
  step and x_t the encoded input. A tanh RNN at initialisation shows it shrinking with distance
  from T (vanishing); growing curves mean exploding gradients.
- gate statistics (LSTM/GRU): mean activation and saturated fractions per gate and layer,
  computed with the reference cells on the same parameters.
- hidden-state norm over time, per layer.
- per-parameter grad norm, weight norm and update-to-weight ratio (see `ParamStats`).
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

from rnnlab.tasks.base import Batch, Task

SAT_LOW, SAT_HIGH = 0.1, 0.9  # Karpathy et al. 2015, "Visualizing and Understanding RNNs"
TANH_GATES = ("cell", "new")


@contextlib.contextmanager
def _probe_mode(model: torch.nn.Module, device: torch.device):
    """Eval mode for the probe; cuDNN's RNN backward refuses eval mode, so it is switched off."""
    was_training = model.training
    model.eval()
    flags = torch.backends.cudnn.flags(enabled=False) if device.type == "cuda" else contextlib.nullcontext()
    try:
        with flags:
            yield
    finally:
        model.train(was_training)


def grad_flow_and_hidden(model: torch.nn.Module, task: Task, batch: Batch, device: torch.device) -> tuple[list[float], list[list[float]]]:
    """(‖∂L_T/∂x_t‖ for t = 1..T averaged over the batch, mean ‖h_t‖ per layer and t)."""
    with _probe_mode(model, device), torch.enable_grad():
        e = model.encode(batch.x.to(device), **batch.to(device).model_kwargs()).detach().float().requires_grad_(True)
        out, _, hiddens = model.forward_encoded(e, None, return_hidden=True)
        loss_t = task.last_step_loss(out, batch.to(device))
        (grad,) = torch.autograd.grad(loss_t, e)
        flow = grad.norm(dim=-1).mean(dim=0)
        hidden = [h.detach().norm(dim=-1).mean(dim=0) for h in hiddens]
    # one transfer for all numbers: each .tolist() on CUDA is a sync point
    return flow.tolist(), [h.tolist() for h in hidden]


@torch.no_grad()
def gate_stats(model: torch.nn.Module, batch: Batch, device: torch.device) -> dict[str, dict[str, float]]:
    """{'l0.forget': {'mean', 'sat_low', 'sat_high'}, ...}; {} for cells without gates."""
    with _probe_mode(model, device):
        gates = model.gate_activations(batch.x.to(device), **batch.to(device).model_kwargs())
    out: dict[str, dict[str, float]] = {}
    for name, act in gates.items():
        act = act.float()
        if name.rsplit(".", 1)[-1] in TANH_GATES:
            stats = torch.stack([act.mean(), torch.zeros((), device=act.device), (act.abs() > SAT_HIGH).float().mean()])
        else:
            stats = torch.stack([act.mean(), (act < SAT_LOW).float().mean(), (act > SAT_HIGH).float().mean()])
        mean, low, high = stats.tolist()
        out[name] = {"mean": mean, "sat_low": low, "sat_high": high}
    return out


class ParamStats:
    """Per-parameter grad norm, weight norm and update-to-weight ratio ‖Δw‖/‖w‖.

    Call `before_step()` after backward (grads present, weights not yet updated) and
    `after_step()` after the optimizer step. The ratio is the classic health check for a
    learning rate: around 1e-3 is typical; far above means the lr is too high.
    """

    def __init__(self, model: torch.nn.Module) -> None:
        self.named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        self._before: list[torch.Tensor] = []
        self._grad_norms: list[torch.Tensor] = []

    def before_step(self) -> None:
        params = [p for _, p in self.named]
        self._before = [p.detach().clone() for p in params]
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        self._grad_norms = torch._foreach_norm(grads)

    def after_step(self) -> dict[str, dict[str, float]]:
        params = [p.detach() for _, p in self.named]
        deltas = torch._foreach_sub(params, self._before)
        w = torch.stack(torch._foreach_norm(self._before)).float()
        d = torch.stack(torch._foreach_norm(deltas)).float()
        g = torch.stack(self._grad_norms).float()
        ratio = d / w.clamp_min(1e-12)
        rows = torch.stack([g, w, ratio], dim=1).tolist()
        self._before, self._grad_norms = [], []
        return {
            name: {"grad_norm": gn, "weight_norm": wn, "update_ratio": r}
            for (name, _), (gn, wn, r) in zip(self.named, rows)
        }


def task_output(model: torch.nn.Module, task: Task, device: torch.device) -> dict[str, Any]:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return task.output_probe(model, device)
    finally:
        model.train(was_training)
