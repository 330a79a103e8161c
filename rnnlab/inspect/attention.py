"""Attention maps: which earlier positions each position of a text attends to.

Two kinds of run have attention weights. A recurrent run with `model.attention = true` has one
causal Luong attention over the top layer's states (`models/attention.py`: one layer, one head,
a window of `task.seq_len` steps). The Transformer has `num_heads` heads in each of its
`num_layers` blocks; their weights are softmax(QKᵀ/√d + causal mask), recomputed here from the
block's own projections on the block's input (the fused kernel does not hand them back).
Either way row t is a distribution over positions s ≤ t: it sums to 1 and is 0 above the
diagonal.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from rnnlab.errors import UserError
from rnnlab.inspect.activations import CELL_NAMES


def describe(model: torch.nn.Module) -> tuple[int, int]:
    """(layers, heads) of attention the model has; (0, 0) for none."""
    if getattr(model, "cell", None) == "transformer":
        return model.num_layers, model.num_heads
    if getattr(model, "attention", None) is not None:
        return 1, 1
    return 0, 0


@torch.no_grad()
def attention_weights(model: torch.nn.Module, x: torch.Tensor, layer: int = 0, head: int = 0,
                      run_name: str = "this run") -> np.ndarray:
    """(T, T) float64 weights of `layer`/`head` for one sequence `x` (T,) from a zero state."""
    layers, heads = describe(model)
    if not layers:
        cell = getattr(model, "cell", "?")
        raise UserError(f"run {run_name} has no attention ({CELL_NAMES.get(cell, 'a ' + cell)} run with "
                        "model.attention = false); `rnnlab attention` needs model.attention = true or a transformer")
    if not 0 <= layer < layers:
        raise UserError(f"--layer {layer}: run {run_name} has {layers} attention layer{'s' if layers > 1 else ''}; use 0..{layers - 1}")
    if not 0 <= head < heads:
        raise UserError(f"--head {head}: run {run_name} has {heads} head{'s' if heads > 1 else ''} per layer; use 0..{heads - 1}")
    was_training = model.training
    model.eval()
    try:
        e = model.encode(x.unsqueeze(0).to(next(model.parameters()).device))
        if model.cell == "transformer":
            w = _transformer(model, e, layer, head, run_name)
        else:
            _, _, layers = model.forward_encoded(e, None, return_hidden=True)
            top = layers[-1]  # the recurrent stack's top layer: what the attention reads
            _, _, w = model.attention(top, None, return_weights=True)
            w = w[0]
        return w.double().cpu().numpy()
    finally:
        model.train(was_training)


def _transformer(model: torch.nn.Module, e: torch.Tensor, layer: int, head: int, run_name: str) -> torch.Tensor:
    T = e.size(1)
    if T > model.max_len:
        raise UserError(f"the text is {T} tokens long and run {run_name}'s transformer sees at most "
                        f"{model.max_len} (task.seq_len); give a shorter --text")
    if model.in_proj is not None:
        e = model.in_proj(e)
    h = model.drop(e + model.pos(torch.arange(T, device=e.device)))
    for k, block in enumerate(model.blocks):
        if k == layer:
            att = block.attn
            C = h.size(-1)
            q, key, _ = att.qkv(block.ln1(h)).split(C, dim=2)
            d = C // att.num_heads
            q = q.view(1, T, att.num_heads, d)[0, :, head]
            key = key.view(1, T, att.num_heads, d)[0, :, head]
            scores = (q @ key.T) / math.sqrt(d)
            mask = torch.ones(T, T, dtype=torch.bool, device=h.device).tril()
            return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        h = block(h, model.backend)
    raise AssertionError("unreachable: layer checked above")
