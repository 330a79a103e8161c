"""Truncated backpropagation through time (Williams & Peng 1990; Sutskever 2013, ch. 3.1 of the
source document): `[train] bptt = k` runs each training sequence in chunks of k steps and cuts
the graph between them, so a loss at step t sends gradient back to steps t-k+1 .. t at most.

    x  ──chunk 1──┐ state ┌──chunk 2──┐ state ┌──chunk 3──      forward: the state flows on
                  └─/ /───┘           └─/ /───┘                 backward: cut at each `/ /`

The forward pass is unchanged (the state is carried, only `detach`ed), the loss is still taken
over the whole sequence and there is still one update per batch: the gradient path is the only
difference from full BPTT, which is what the lesson compares. k = 0 (or k >= T) is full BPTT.
"""

from __future__ import annotations

from typing import Any

import torch


def forward(model: torch.nn.Module, x: torch.Tensor, state: Any, k: int, **kwargs: Any) -> tuple[torch.Tensor, Any]:
    """`model(x, state, **kwargs)`, with the graph cut every `k` steps of x's time axis (dim 1);
    a tensor kwarg with x's (batch, time) leading shape (a per-token style) is cut with x, any
    other (per sequence) goes whole to every chunk."""
    if k <= 0 or x.size(1) <= k:
        return model(x, state, **kwargs)
    outs = []
    for start, chunk in zip(range(0, x.size(1), k), x.split(k, dim=1)):
        part = {name: v[:, start:start + k] if _per_step(v, x) else v for name, v in kwargs.items()}
        out, state = model(chunk, state, **part)
        outs.append(out)
        state = model.detach_state(state)
    return torch.cat(outs, dim=1), state


def _per_step(v: Any, x: torch.Tensor) -> bool:
    return isinstance(v, torch.Tensor) and v.dim() >= 2 and v.shape[:2] == x.shape[:2]


def forward_encoded(model: torch.nn.Module, e: torch.Tensor, k: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """`model.forward_encoded(e, None, return_hidden=True)` cut every `k` steps, for the
    gradient-flow probe: (outputs, per-layer hidden states over all steps)."""
    if k <= 0 or e.size(1) <= k:
        out, _, layers = model.forward_encoded(e, None, return_hidden=True)
        return out, layers
    state: Any = None
    outs: list[torch.Tensor] = []
    per_chunk: list[list[torch.Tensor]] = []
    for chunk in e.split(k, dim=1):
        out, state, layers = model.forward_encoded(chunk, state, return_hidden=True)
        outs.append(out)
        per_chunk.append(layers)
        state = model.detach_state(state)
    return torch.cat(outs, dim=1), [torch.cat(parts, dim=1) for parts in zip(*per_chunk)]
