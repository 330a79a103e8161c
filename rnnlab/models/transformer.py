"""A small causal Transformer (Vaswani et al. 2017), the lab's baseline beside the recurrent cells.

GPT-2 shaped, as in nanoGPT's `model.py`: learned positional embeddings up to `max_len`, pre-LN
blocks (x + attn(LN(x)), x + MLP(LN(x))), a final LayerNorm and a linear head at every step.
It follows the same contract as `SequenceModel` (encoder, `forward_encoded`, head), but carries no
recurrent state: the whole context is passed on every call, `state` is None in and out, and a
context longer than `max_len` is an error (a sampler crops it to the last `max_len` tokens).

`backend = "fused"` runs attention through `F.scaled_dot_product_attention` (flash/efficient
kernels on GPU); `"reference"` writes softmax(QKᵀ/√d + causal mask) V out by hand.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.models.sequence import ModelContract, make_encoder, style_embedding


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        if d_model % num_heads:
            raise ValueError(f"d_model {d_model} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.dropout = dropout
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.resid_drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, backend: str) -> Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        # (B, T, C) -> (B, heads, T, C/heads)
        q, k, v = (t.view(B, T, self.num_heads, C // self.num_heads).transpose(1, 2) for t in (q, k, v))
        p = self.dropout if self.training else 0.0
        if backend == "fused":
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
            mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            att = F.dropout(torch.softmax(att.masked_fill(~mask, float("-inf")), dim=-1), p, self.training)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_drop(self.proj(y))


class Block(nn.Module):
    def __init__(self, d_model: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, num_heads, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model),
            nn.GELU(),
            nn.Linear(4 * d_model, d_model),
            nn.Dropout(dropout),
        )

    def forward(self, x: Tensor, backend: str) -> Tensor:
        x = x + self.attn(self.ln1(x), backend)
        return x + self.mlp(self.ln2(x))


class TransformerModel(ModelContract):
    is_recurrent = False
    cell = "transformer"

    def __init__(
        self,
        *,
        input_kind: str,
        input_size: int,
        output_size: int,
        hidden_size: int,
        num_layers: int = 2,
        num_heads: int = 4,
        dropout: float = 0.0,
        embedding_size: Optional[int] = None,
        backend: str = "auto",
        max_len: int = 512,
        num_styles: int = 0,
    ) -> None:
        super().__init__()
        if max_len < 1:
            raise ValueError(f"max_len must be at least 1, got {max_len}")
        self.input_kind = input_kind
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.max_len = max_len
        width = embedding_size or hidden_size
        self.encoder = make_encoder(input_kind, input_size, width)
        self.in_proj = nn.Linear(width, hidden_size, bias=False) if width != hidden_size else None
        self.pos = nn.Embedding(max_len, hidden_size)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(hidden_size, num_heads, dropout) for _ in range(num_layers))
        self.ln_f = nn.LayerNorm(hidden_size)
        self.head = nn.Linear(hidden_size, output_size)
        self._init_weights(num_layers)
        self.style_embedding = style_embedding(num_styles, width)
        self.backend = backend

    def _init_weights(self, num_layers: int) -> None:
        # GPT-2 / nanoGPT: N(0, 0.02), and residual projections scaled by 1/sqrt(2L) so the
        # residual stream's variance does not grow with depth
        for name, p in self.named_parameters():
            if p.dim() < 2:
                continue
            std = 0.02
            if name.endswith("attn.proj.weight") or name.endswith("mlp.2.weight"):
                std = 0.02 / math.sqrt(2 * num_layers)
            nn.init.normal_(p, 0.0, std)
        for m in self.modules():
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def extra_repr(self) -> str:
        return f"backend={self._backend!r}, max_len={self.max_len}"

    def flops_per_token(self) -> float:
        """nanoGPT's estimate: 6 × (matmul weights) + 12 · L · d · T for attention, T = max_len.
        Embedding lookups (token and position) are not matmuls and are left out."""
        n = sum(m.weight.numel() for m in self.modules() if isinstance(m, nn.Linear))
        return float(6 * n + 12 * self.num_layers * self.hidden_size * self.max_len)

    def forward_encoded(self, e: Tensor, state: Any = None, return_hidden: bool = False, last_only: bool = False):
        if state is not None:
            raise ValueError("the transformer carries no recurrent state: pass state=None and the whole context")
        T = e.size(1)
        if T > self.max_len:
            raise ValueError(
                f"input of {T} steps is longer than the transformer's max_len {self.max_len}; "
                f"crop the context to the last {self.max_len} steps"
            )
        if self.in_proj is not None:
            e = self.in_proj(e)
        x = self.drop(e + self.pos(torch.arange(T, device=e.device)))
        hiddens = []
        for block in self.blocks:
            x = block(x, self._backend)
            hiddens.append(x)
        out = self.head(self.ln_f(x[:, -1:] if last_only else x))
        if return_hidden:
            return out, None, hiddens
        return out, None

    def gate_activations(self, x: Tensor, state: Any = None, style: Any = None) -> dict[str, Tensor]:
        return {}
