"""The models: reference cells, the stacked recurrent `SequenceModel`, the Transformer baseline.

`build_model(cfg, ...)` turns a `[model]` config plus what the task says about its data into a
module that follows the model contract (see `rnnlab.tasks.base`): `forward(x, state)`,
`encode`/`forward_encoded`, `gate_activations`, `detach_state`, `num_params`, `flops_per_token`,
and the attributes `is_recurrent`, `backend`, `cell`.
"""

from __future__ import annotations

from typing import Literal

from torch import nn

from rnnlab.config import ModelConfig
from rnnlab.errors import UserError
from rnnlab.models.cells import GRUCell, LSTMCell, RNNCell
from rnnlab.models.sequence import AttentionState, SequenceModel
from rnnlab.models.transformer import TransformerModel


def build_model(
    cfg: ModelConfig,
    *,
    input_kind: Literal["tokens", "real"],
    input_size: int,
    output_size: int,
    max_len: int,
    num_styles: int = 0,
) -> nn.Module:
    """`max_len` is the longest context the model will see at once (the task's sequence length):
    the Transformer's positional table and the attention memory's window. `num_styles` > 0
    gives the model a learned style embedding (style-conditioned text)."""
    if input_kind not in ("tokens", "real"):
        raise ValueError(f"input_kind {input_kind!r} is not 'tokens' or 'real'")
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    if cfg.cell == "transformer":
        if cfg.hidden_size % cfg.num_heads:
            divisors = [d for d in range(1, min(cfg.hidden_size, 64) + 1) if cfg.hidden_size % d == 0]
            raise UserError(
                f"[model] num_heads = {cfg.num_heads} does not divide [model] hidden_size = "
                f"{cfg.hidden_size}; choose num_heads among {', '.join(map(str, divisors))}"
            )
        if cfg.attention:
            raise UserError(
                "[model] attention = true applies to recurrent cells only (the transformer always "
                "attends); set [model] attention = false or pick cell = lstm, gru, rnn_tanh or rnn_relu"
            )
        return TransformerModel(
            input_kind=input_kind,
            input_size=input_size,
            output_size=output_size,
            hidden_size=cfg.hidden_size,
            num_layers=cfg.num_layers,
            num_heads=cfg.num_heads,
            dropout=cfg.dropout,
            embedding_size=cfg.embedding_size,
            backend=cfg.backend,
            max_len=max_len,
            num_styles=num_styles,
        )
    return SequenceModel(
        cfg.cell,
        input_kind=input_kind,
        input_size=input_size,
        output_size=output_size,
        hidden_size=cfg.hidden_size,
        num_layers=cfg.num_layers,
        dropout=cfg.dropout,
        attention=cfg.attention,
        embedding_size=cfg.embedding_size,
        backend=cfg.backend,
        max_len=max_len,
        num_styles=num_styles,
        input_projection=cfg.input_projection,
    )


__all__ = [
    "AttentionState",
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "SequenceModel",
    "TransformerModel",
    "build_model",
]
