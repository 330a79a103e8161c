"""Causal Luong-style attention (Luong, Pham & Manning 2015) over the past hidden states of a
recurrent stack.

At every step t the top layer's hidden state h_t scores each earlier state h_s (s ≤ t, within a
window of the last `window` steps) with Luong's "general" score, and the context joins h_t:

    score(t, s) = h_t · W_a h_s          a_t = softmax_s(score(t, ·))
    c_t = Σ_s a_t,s h_s                   h̃_t = tanh(W_c [c_t; h_t])

The attention sits on top of the recurrence and does not feed back into it (no "input feeding"),
so the recurrent stack still runs as one fused cuDNN call. For carried state (truncated BPTT,
generating one token at a time) the states of earlier chunks live in a bounded, detached
`memory` of shape (B, M, H), M ≤ window: a sequence fed in chunks attends exactly as it would
have whole, while gradients stop at the chunk boundary like the recurrent state's.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn


class CausalAttention(nn.Module):
    def __init__(self, hidden_size: int, window: int) -> None:
        super().__init__()
        if window < 1:
            raise ValueError(f"attention window must be at least 1, got {window}")
        self.hidden_size = hidden_size
        self.window = window
        self.score = nn.Linear(hidden_size, hidden_size, bias=False)  # W_a
        self.combine = nn.Linear(2 * hidden_size, hidden_size, bias=False)  # W_c

    def extra_repr(self) -> str:
        return f"window={self.window}"

    def forward(
        self, h: Tensor, memory: Optional[Tensor] = None, return_weights: bool = False
    ) -> tuple[Tensor, Tensor] | tuple[Tensor, Tensor, Tensor]:
        """`h` (B, T, H) top-layer states, `memory` (B, M, H) earlier ones or None.
        Returns `(h̃, new_memory)` (and the (B, T, M+T) weights when asked)."""
        B, T, H = h.shape
        if memory is None:
            memory = h.new_zeros(B, 0, H)
        memory = memory.to(h.dtype)
        keys = torch.cat([memory, h], dim=1)  # (B, M+T, H)
        M = memory.size(1)
        scores = torch.bmm(self.score(h), keys.transpose(1, 2))  # (B, T, M+T)
        q = torch.arange(T, device=h.device).unsqueeze(1) + M  # absolute position of each query
        k = torch.arange(M + T, device=h.device).unsqueeze(0)
        visible = (k <= q) & (k > q - self.window)
        scores = scores.masked_fill(~visible, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        out = torch.tanh(self.combine(torch.cat([context, h], dim=-1)))
        new_memory = keys[:, -self.window :].detach()
        if return_weights:
            return out, new_memory, weights
        return out, new_memory

    def flops_per_token(self, context: int) -> float:
        """Forward+backward FLOPs per token beyond the weight matmuls: scores and the weighted
        sum over `context` keys, 2 FLOPs per multiply-add, ×3 for the backward pass."""
        return 3 * 2 * 2 * min(context, self.window) * self.hidden_size
