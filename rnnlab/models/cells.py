"""Recurrent cells written from their equations, parameter-compatible with torch: the vanilla
(Elman 1990) RNN, the LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers, Schmidhuber
& Cummins 2000) and the GRU (Cho et al. 2014).

Each cell exists twice: as a pure function of one time step (`rnn_step`, `lstm_step`,
`gru_step`) and as an `nn.Module` (`RNNCell`, `LSTMCell`, `GRUCell`) whose parameters have the
names, shapes, gate order and initialisation of `torch.nn.RNNCell` / `LSTMCell` / `GRUCell`, so
`ours.load_state_dict(torch_cell.state_dict())` works and both give the same numbers.

The step functions take `gi = x W_ih^T + b_ih`, the input projection, already computed: a
sequence model computes it for all time steps in one GEMM outside its time loop, and each step
then costs one GEMM for all gates (`h W_hh^T + b_hh`) plus elementwise math.

    vanilla  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                  (or relu)
    LSTM     i, f, g, o = σ, σ, tanh, σ of the four row-blocks of (W_ih x + b_ih + W_hh h + b_hh)
             c' = f * c + i * g            h' = o * tanh(c')
    GRU      r = σ(W_ir x + b_ir + W_hr h + b_hr)
             z = σ(W_iz x + b_iz + W_hz h + b_hz)
             n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
             h' = (1 - z) * n + z * h
"""

from __future__ import annotations

import math
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Names of the gate activations a cell hands back, in torch's row-block order.
LSTM_GATES = ("input", "forget", "cell", "output")  # "cell" is the tanh candidate g
GRU_GATES = ("reset", "update", "new")  # "new" is the tanh candidate n
NONLINEARITIES = ("tanh", "relu")


def input_projection(x: Tensor, w_ih: Tensor, b_ih: Optional[Tensor]) -> Tensor:
    """`x W_ih^T + b_ih` for any leading shape: with x of shape (B, T, I) this is the one GEMM
    that serves every time step."""
    return F.linear(x, w_ih, b_ih)


def rnn_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Optional[Tensor], nonlinearity: str = "tanh") -> Tensor:
    """One vanilla-RNN step: the new hidden state."""
    pre = gi + F.linear(h, w_hh, b_hh)
    return torch.tanh(pre) if nonlinearity == "tanh" else torch.relu(pre)


def lstm_step(
    gi: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Optional[Tensor]
) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor, Tensor, Tensor]]:
    """One LSTM step: `(h', c', (i, f, g, o))` with the gates after their nonlinearities."""
    gates = gi + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    h = o * torch.tanh(c)
    return h, c, (i, f, g, o)


def gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Optional[Tensor]) -> tuple[Tensor, tuple[Tensor, Tensor, Tensor]]:
    """One GRU step: `(h', (r, z, n))`. The reset gate scales `W_hn h + b_hn`, bias included,
    as torch and cuDNN do (not `W_hn (r * h)` as in Cho et al. 2014)."""
    gh = F.linear(h, w_hh, b_hh)
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    # (1 - z) * n + z * h, written with one fewer product
    h = n + z * (h - n)
    return h, (r, z, n)


class _Cell(nn.Module):
    """Parameters and input handling shared by the three cells."""

    num_gates: int = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        g = self.num_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(g, input_size))
        self.weight_hh = nn.Parameter(torch.empty(g, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(g))
            self.bias_hh = nn.Parameter(torch.empty(g))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # torch's RNNCellBase: every parameter ~ U(-1/sqrt(H), 1/sqrt(H))
        k = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def _batched(self, x: Tensor) -> tuple[Tensor, bool]:
        if x.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: expected input of 1 or 2 dimensions, got {x.dim()}")
        if x.size(-1) != self.input_size:
            raise ValueError(f"{type(self).__name__}: input has {x.size(-1)} features, expected {self.input_size}")
        return (x.unsqueeze(0), True) if x.dim() == 1 else (x, False)

    def _state(self, h: Optional[Tensor], x: Tensor, unbatched: bool) -> Tensor:
        if h is None:
            return x.new_zeros(x.size(0), self.hidden_size)
        expected = 1 if unbatched else 2
        if h.dim() != expected:
            raise ValueError(
                f"{type(self).__name__}: hidden state must have {expected} dimensions for "
                f"{'un' if unbatched else ''}batched input, got {h.dim()}"
            )
        return h.unsqueeze(0) if unbatched else h


class RNNCell(_Cell):
    """Elman cell, `h' = tanh|relu(W_ih x + b_ih + W_hh h + b_hh)`."""

    num_gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh") -> None:
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"Unknown nonlinearity {nonlinearity!r}; expected 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"

    def forward(
        self, x: Tensor, hx: Optional[Tensor] = None, return_gates: bool = False
    ) -> Union[Tensor, tuple[Tensor, dict[str, Tensor]]]:
        x, unbatched = self._batched(x)
        h = self._state(hx, x, unbatched)
        gi = input_projection(x, self.weight_ih, self.bias_ih)
        h = rnn_step(gi, h, self.weight_hh, self.bias_hh, self.nonlinearity)
        if unbatched:
            h = h.squeeze(0)
        # a vanilla cell has no gates: the dict is empty so callers need no special case
        return (h, {}) if return_gates else h


class LSTMCell(_Cell):
    """Long short-term memory cell (Hochreiter & Schmidhuber 1997, with a forget gate)."""

    num_gates = 4

    def forward(
        self, x: Tensor, hx: Optional[tuple[Tensor, Tensor]] = None, return_gates: bool = False
    ) -> Union[tuple[Tensor, Tensor], tuple[tuple[Tensor, Tensor], dict[str, Tensor]]]:
        x, unbatched = self._batched(x)
        if hx is None:
            h = c = self._state(None, x, unbatched)
        else:
            h, c = self._state(hx[0], x, unbatched), self._state(hx[1], x, unbatched)
        gi = input_projection(x, self.weight_ih, self.bias_ih)
        h, c, gates = lstm_step(gi, h, c, self.weight_hh, self.bias_hh)
        if unbatched:
            h, c, gates = h.squeeze(0), c.squeeze(0), tuple(g.squeeze(0) for g in gates)
        if return_gates:
            return (h, c), dict(zip(LSTM_GATES, gates))
        return h, c


class GRUCell(_Cell):
    """Gated recurrent unit (Cho et al. 2014), in torch's formulation."""

    num_gates = 3

    def forward(
        self, x: Tensor, hx: Optional[Tensor] = None, return_gates: bool = False
    ) -> Union[Tensor, tuple[Tensor, dict[str, Tensor]]]:
        x, unbatched = self._batched(x)
        h = self._state(hx, x, unbatched)
        gi = input_projection(x, self.weight_ih, self.bias_ih)
        h, gates = gru_step(gi, h, self.weight_hh, self.bias_hh)
        if unbatched:
            h, gates = h.squeeze(0), tuple(g.squeeze(0) for g in gates)
        if return_gates:
            return h, dict(zip(GRU_GATES, gates))
        return h


__all__ = [
    "GRUCell",
    "GRU_GATES",
    "LSTMCell",
    "LSTM_GATES",
    "RNNCell",
    "gru_step",
    "input_projection",
    "lstm_step",
    "rnn_step",
]
