"""The stacked recurrent sequence model: encoder, N recurrent layers, optional attention, head.

    x (B,T) tokens ─ Embedding ───────────┐                                  ┌─ attention (optional) ─┐
    x (B,T,F) reals ─ (Linear, optional) ─┴─ e (B,T,E) ─ layer 0 … layer N-1 ─┴────────────────────────┴─ head ─ out (B,T,O)

Real-valued features go straight into the first layer (E = F), as `nn.LSTM(2, 256)` on the adding
problem: the cell's own input weights already are a linear map of them, so a `Linear(F→E)` in
front only adds E×F + E parameters and an (E×4H) input matmul instead of (F×4H) (it doubled the
parameters of the adding preset and cost the lab its whole-process race against the loop a user
writes, benchmarks/process.py). `input_projection=True` (`[model] input_projection`) puts it back;
a state saved with it (every run before the option existed) loads into a model built without it
(`_load_from_state_dict` rebuilds the projection at the width the weights say).

The recurrent parameters are stored once, in a single `torch.nn.RNN`/`LSTM`/`GRU` (`self.rnn`,
names `weight_ih_l0`, …), and two backends run them:
- `fused`: the torch module itself (cuDNN on a GPU), the fast path for training;
- `reference`: the same parameters unrolled through the cell equations of `cells.py`, layer by
  layer: the input projection of all T steps is one GEMM outside the time loop and each step is
  one GEMM for all gates. Training runs each layer as one autograd function with hand-written
  BPTT (`bptt.py`); `gate_activations` and autocast run the step functions themselves. It is the
  check on the fused path.
A state_dict saved under one backend loads into the other; `model.backend` can be switched at any
time. Dropout follows torch's semantics between layers and is also applied to the top layer's
output before the head (as char-rnn and PyTorch's word_language_model do), the same in both
backends.

State is torch's: `h` of shape (L, B, H), or `(h, c)` for the LSTM; with attention it is an
`AttentionState(hidden, memory)` that also carries the bounded, detached memory of past top-layer
states.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor, _VF, nn

from rnnlab.models.attention import CausalAttention
from rnnlab.models.bptt import gru_scan, lstm_scan, rnn_scan
from rnnlab.models.cells import GRU_GATES, LSTM_GATES, gru_step, input_projection, lstm_step, rnn_step

RECURRENT_CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
BACKENDS = ("fused", "reference")

Hidden = Union[Tensor, tuple[Tensor, Tensor]]


class AttentionState(NamedTuple):
    """Carried state of a model with attention: the recurrent state and the past top-layer states."""

    hidden: Hidden
    memory: Tensor


def resolve_backend(value: str) -> str:
    if value == "auto":
        return "fused"
    if value not in BACKENDS:
        raise ValueError(f"backend {value!r} is not one of auto, fused, reference")
    return value


def detach(state: Any) -> Any:
    """`repackage_hidden` (PyTorch word_language_model): cut the graph behind a carried state so
    truncated BPTT does not backpropagate into earlier chunks. Keeps tuple types."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, tuple) and hasattr(state, "_fields"):
        return type(state)(*(detach(s) for s in state))
    if isinstance(state, (tuple, list)):
        return type(state)(detach(s) for s in state)
    if isinstance(state, dict):
        return {k: detach(v) for k, v in state.items()}
    raise TypeError(f"cannot detach a state of type {type(state).__name__}")


def style_embedding(num_styles: int, width: int) -> Optional[nn.Embedding]:
    """One vector per style (None without styles), created last and at zero: it draws nothing
    from the random stream, so a conditioned model starts from the very weights of its
    unconditioned twin, computing the same function, and learns from there what each style adds.
    (Drawn N(0, 1) like the token embedding, it swamped the tokens early on: the conditioned
    preset ended 0.13 bpc behind the unconditioned one on both styles.)"""
    if not num_styles:
        return None
    return nn.Embedding(num_styles, width, _weight=torch.zeros(num_styles, width))


def make_encoder(input_kind: str, input_size: int, width: int, projection: bool = True) -> nn.Module:
    """Tokens → nn.Embedding, real-valued features → nn.Linear (`projection`) or as they are
    (nn.Identity: then `width` must be `input_size`)."""
    if input_kind == "tokens":
        return nn.Embedding(input_size, width)
    if input_kind == "real":
        return nn.Linear(input_size, width) if projection else nn.Identity()
    raise ValueError(f"input_kind {input_kind!r} is not 'tokens' or 'real'")


class ModelContract(nn.Module):
    """What the sequence model and the Transformer share: a switchable backend over the same
    parameters, their size, and the contract's plumbing (`forward` = `forward_encoded(encode(x))`)."""

    _backend: str
    # style-conditioned text: one learned vector per style, added to the input at every step
    # (set in __init__: a class attribute would hide the registered module)
    style_embedding: Optional[nn.Embedding]
    # the style of a call that names none, so `model(x, state)` stays a valid call
    style: int = 0
    # `forward(..., last_only=True)` is understood (tasks/base.py `last_step_kwargs`)
    takes_last_only = True

    @property
    def backend(self) -> str:
        return self._backend

    @backend.setter
    def backend(self, value: str) -> None:
        self._backend = resolve_backend(value)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def detach_state(self, state: Any) -> Any:
        return detach(state)

    def encode(self, x: Tensor, style: Union[Tensor, int, None] = None) -> Tensor:
        """The input as vectors; with styles, plus the style's embedding. `style` is an id, one
        id per row `(B,)` or per step `(B, T)`; None means `self.style`."""
        e = self.encoder(x)
        if self.style_embedding is None:
            if style is not None:
                raise ValueError("this model was trained without styles; call it without style=")
            return e
        if style is None:
            style = self.style
        if not isinstance(style, Tensor):
            style = torch.full(x.shape[:2], int(style), dtype=torch.long, device=x.device)
        s = self.style_embedding(style.to(x.device))
        return e + (s.unsqueeze(1) if s.dim() == 2 else s)

    def forward(self, x: Tensor, state: Any = None, style: Union[Tensor, int, None] = None,
                last_only: bool = False) -> tuple[Tensor, Any]:
        """`last_only`: the head at the last step only, out `(B, 1, output_size)`, for a task
        that reads nothing else (`Task.reads_last_step`): the head and its backward over every
        step cost the adding run ~3% of its time (BENCHMARKS.md item 8)."""
        if last_only:
            return self.forward_encoded(self.encode(x, style), state, last_only=True)
        return self.forward_encoded(self.encode(x, style), state)


class SequenceModel(ModelContract):
    is_recurrent = True

    def __init__(
        self,
        cell: str,
        *,
        input_kind: str,
        input_size: int,
        output_size: int,
        hidden_size: int,
        num_layers: int = 1,
        dropout: float = 0.0,
        attention: bool = False,
        embedding_size: Optional[int] = None,
        backend: str = "auto",
        max_len: int = 512,
        num_styles: int = 0,
        input_projection: bool = False,
    ) -> None:
        super().__init__()
        if cell not in RECURRENT_CELLS:
            raise ValueError(f"cell {cell!r} is not one of {', '.join(RECURRENT_CELLS)}")
        self.cell = cell
        self.input_kind = input_kind
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.max_len = max_len
        self.input_size = input_size
        projection = input_kind != "real" or input_projection
        # real features without the projection: the cell reads them as they are
        width = (embedding_size or hidden_size) if projection else input_size
        self.encoder = make_encoder(input_kind, input_size, width, projection)
        self.rnn: nn.RNNBase = self._make_rnn(width)
        self.attention = CausalAttention(hidden_size, max_len) if attention else None
        self.head = nn.Linear(hidden_size, output_size)
        self.style_embedding = style_embedding(num_styles, width)
        self.backend = backend

    def _make_rnn(self, width: int) -> nn.RNNBase:
        # torch warns about (and ignores) inter-layer dropout with one layer
        inter = self.dropout if self.num_layers > 1 else 0.0
        common = dict(num_layers=self.num_layers, dropout=inter, batch_first=True)
        if self.cell == "lstm":
            return nn.LSTM(width, self.hidden_size, **common)
        if self.cell == "gru":
            return nn.GRU(width, self.hidden_size, **common)
        return nn.RNN(width, self.hidden_size, nonlinearity=self.cell[4:], **common)

    @property
    def input_projection(self) -> bool:
        """Whether real-valued inputs pass through a Linear before the first layer."""
        return isinstance(self.encoder, nn.Linear)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Runs before the children load (torch loads a module, then its children): a state
        # with the input projection (`encoder.weight`, every run saved before the option) or
        # without it rebuilds this model's encoder and first layer to match, so old runs sample
        # and forecast exactly as they did. Build the trainer's optimizer after loading.
        if self.input_kind == "real":
            key = prefix + "encoder.weight"
            if key in state_dict and not self.input_projection:
                width = state_dict[key].shape[0]
                self._rebuild(nn.Linear(self.input_size, width), width)
            elif key not in state_dict and self.input_projection and prefix + "rnn.weight_ih_l0" in state_dict:
                self._rebuild(nn.Identity(), self.input_size)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _rebuild(self, encoder: nn.Module, width: int) -> None:
        like = self.head.weight
        self.encoder = encoder.to(like.device, like.dtype).train(self.training)  # same slot: parameters() keep their order
        self.rnn = self._make_rnn(width).to(like.device, like.dtype).train(self.training)
        if self.style_embedding is not None:
            self.style_embedding = style_embedding(self.style_embedding.num_embeddings, width).to(like.device, like.dtype)

    # ------------------------------------------------------------------ contract

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}, backend={self._backend!r}"

    def flops_per_token(self) -> float:
        """≈ 6 × (weights in matmuls touched per step) + attention's score/sum terms (nanoGPT's
        estimate). The embedding is a lookup, not a matmul, and is left out."""
        n = self.head.weight.numel()
        if isinstance(self.encoder, nn.Linear):
            n += self.encoder.weight.numel()
        for layer in range(self.num_layers):
            w_ih, w_hh, _, _ = self.layer_weights(layer)
            n += w_ih.numel() + w_hh.numel()
        flops = 6.0 * n
        if self.attention is not None:
            flops += 6.0 * (self.attention.score.weight.numel() + self.attention.combine.weight.numel())
            flops += self.attention.flops_per_token(self.max_len)
        return float(flops)

    def forward_encoded(self, e: Tensor, state: Any = None, return_hidden: bool = False, last_only: bool = False):
        hidden, memory = (state.hidden, state.memory) if isinstance(state, AttentionState) else (state, None)
        if self._backend == "reference":
            top, hidden, layers = self._run_reference(e, hidden)
        else:
            top, hidden, layers = self._run_fused(e, hidden, per_layer=return_hidden)
        top = F.dropout(top, self.dropout, self.training)
        if self.attention is not None:
            top, memory = self.attention(top, memory)
            new_state: Any = AttentionState(hidden, memory)
        else:
            new_state = hidden
        out = self.head(top[:, -1:] if last_only else top)
        if return_hidden:
            return out, new_state, layers
        return out, new_state

    def gate_activations(self, x: Tensor, state: Any = None, style: Union[Tensor, int, None] = None) -> dict[str, Tensor]:
        """Gate values after their nonlinearities, from the reference cells' equations on these
        parameters: "l{k}.input|forget|cell|output" (LSTM) or "l{k}.reset|update|new" (GRU), each
        (B, T, H). Meant for eval mode (in training mode dropout between layers is random)."""
        if self.cell not in ("lstm", "gru"):
            return {}
        hidden = state.hidden if isinstance(state, AttentionState) else state
        lstm = self.cell == "lstm"
        e = self.encode(x, style)
        if hidden is None:
            hidden = (self._zeros(e), self._zeros(e)) if lstm else self._zeros(e)
        h0 = hidden[0] if lstm else hidden
        _, _, layers = self._run_fused(e, hidden, per_layer=True)
        # The gates at step t depend only on the layer's input at t and on h_{t-1}. With every
        # h_t known from one fused pass, the cell equations run once over all T steps: no time
        # loop (the probe costs a fraction of a training step).
        gates: dict[str, Tensor] = {}
        inputs = e
        for layer, out in enumerate(layers):
            w_ih, w_hh, b_ih, b_hh = self.layer_weights(layer)
            prev = torch.cat([h0[layer].unsqueeze(1), out[:, :-1]], dim=1)
            gi = input_projection(inputs, w_ih, b_ih)
            if lstm:
                _, _, values = lstm_step(gi, prev, torch.zeros_like(prev), w_hh, b_hh)
            else:
                _, values = gru_step(gi, prev, w_hh, b_hh)
            for name, value in zip(LSTM_GATES if lstm else GRU_GATES, values):
                gates[f"l{layer}.{name}"] = value
            inputs = F.dropout(out, self.rnn.dropout, self.training) if layer + 1 < len(layers) else out
        return gates

    # ------------------------------------------------------------------ backends

    def layer_weights(self, layer: int) -> tuple[Tensor, Tensor, Optional[Tensor], Optional[Tensor]]:
        """(weight_ih, weight_hh, bias_ih, bias_hh) of layer `layer`, torch's parameters (the
        probes and the neuron explorer read them too)."""
        r = self.rnn
        return (
            getattr(r, f"weight_ih_l{layer}"),
            getattr(r, f"weight_hh_l{layer}"),
            getattr(r, f"bias_ih_l{layer}", None),
            getattr(r, f"bias_hh_l{layer}", None),
        )

    def _zeros(self, e: Tensor) -> Tensor:
        return e.new_zeros(self.num_layers, e.size(0), self.hidden_size)

    def _run_reference(self, e: Tensor, hidden: Optional[Hidden], scan: Optional[bool] = None):
        """Unrolled stack: (top output, final state, per-layer outputs). `scan` (default: unless
        autocast is on) runs `bptt.py`; False runs the step functions under autograd (the
        benchmark's before/after). Gates come from `gate_activations`, not from here."""
        lstm = self.cell == "lstm"
        if hidden is None:
            h0 = self._zeros(e)
            c0 = self._zeros(e) if lstm else None
        else:
            h0, c0 = hidden if lstm else (hidden, None)
        x = e
        layers: list[Tensor] = []
        h_n, c_n = [], []
        if scan is None:
            scan = not torch.is_autocast_enabled(e.device.type)
        for layer in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self.layer_weights(layer)
            if layer > 0:
                x = F.dropout(x, self.rnn.dropout, self.training)
            if scan:
                x, h, c = self._scan_layer(x, w_ih, w_hh, b_ih, b_hh, h0[layer], c0[layer] if lstm else None)
                layers.append(x)
                h_n.append(h)
                if lstm:
                    c_n.append(c)
                continue
            # the one GEMM for all T steps; each step below adds one GEMM for all gates
            gis = input_projection(x, w_ih, b_ih).unbind(1)
            h = h0[layer]
            c = c0[layer] if lstm else None
            outs: list[Tensor] = []
            for gi in gis:
                if lstm:
                    h, c, _ = lstm_step(gi, h, c, w_hh, b_hh)
                elif self.cell == "gru":
                    h, _ = gru_step(gi, h, w_hh, b_hh)
                else:
                    h = rnn_step(gi, h, w_hh, b_hh, self.cell[4:])
                outs.append(h)
            x = torch.stack(outs, dim=1)
            layers.append(x)
            h_n.append(h)
            if lstm:
                c_n.append(c)
        h_n_t = torch.stack(h_n, dim=0)
        final: Hidden = (h_n_t, torch.stack(c_n, dim=0)) if lstm else h_n_t
        return x, final, layers

    def _scan_layer(self, x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Optional[Tensor], b_hh: Optional[Tensor],
                    h0: Tensor, c0: Optional[Tensor]) -> tuple[Tensor, Tensor, Optional[Tensor]]:
        """One layer through `bptt.py`: (outputs (B, T, H), h_T, c_T or None)."""
        if self.cell == "gru":
            gi = input_projection(x, w_ih, b_ih)
        else:
            # the LSTM and vanilla cells add the two biases: fold them into the hoisted GEMM
            gi = input_projection(x, w_ih, None if b_ih is None else b_ih + b_hh)
        # time-major inside the scan, so each step reads and writes contiguous rows
        gi = gi.transpose(0, 1).contiguous()
        c = None
        if self.cell == "lstm":
            out, h, c = lstm_scan(gi, h0, c0, w_hh)
        elif self.cell == "gru":
            out, h = gru_scan(gi, h0, w_hh, b_hh)
        else:
            out, h = rnn_scan(gi, h0, w_hh, relu=self.cell == "rnn_relu")
        return out.transpose(0, 1), h, c

    def _run_fused(self, e: Tensor, hidden: Optional[Hidden], per_layer: bool):
        """The torch module (cuDNN on GPU): (top output, final state, per-layer outputs or None)."""
        needs_grad = torch.is_grad_enabled() and (
            e.requires_grad or any(p.requires_grad for p in self.rnn.parameters())
        )
        if not per_layer and (self.training or not needs_grad):
            out, hidden = self.rnn(e, hidden)
            return out, hidden, None
        # cuDNN can only differentiate an RNN run in training mode, and the gradient-flow probe
        # asks for d out / d e in eval mode: run the training kernel with dropout off, which
        # computes the same numbers.
        train = self.training or needs_grad
        lstm = self.cell == "lstm"
        if hidden is None:
            hidden = (self._zeros(e), self._zeros(e)) if lstm else self._zeros(e)
        if not per_layer:
            return (*self._vf(e, hidden, list(self.rnn._flat_weights), self.num_layers, 0.0, train), None)
        # one layer at a time, to hand back every layer's outputs (the hidden-state probe)
        with warnings.catch_warnings():
            # cuDNN copies a layer's weights out of the module's flat buffer (it only reuses the
            # buffer from its start) and warns; the copy is the price of per-layer outputs
            warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous")
            return self._run_fused_per_layer(e, hidden, train)

    def _run_fused_per_layer(self, e: Tensor, hidden: Hidden, train: bool):
        lstm = self.cell == "lstm"
        x = e
        layers, h_n, c_n = [], [], []
        for layer in range(self.num_layers):
            if layer > 0:
                x = F.dropout(x, self.rnn.dropout, self.training)
            hx = (hidden[0][layer : layer + 1], hidden[1][layer : layer + 1]) if lstm else hidden[layer : layer + 1]
            weights = [w for w in self.layer_weights(layer) if w is not None]
            x, fin = self._vf(x, hx, weights, 1, 0.0, train)
            layers.append(x)
            if lstm:
                h_n.append(fin[0])
                c_n.append(fin[1])
            else:
                h_n.append(fin)
        final: Hidden = (torch.cat(h_n), torch.cat(c_n)) if lstm else torch.cat(h_n)
        return x, final, layers

    def _vf(self, x: Tensor, hx: Hidden, weights: list[Tensor], num_layers: int, dropout: float, train: bool):
        # the same kernels nn.RNN.forward calls, with our choice of `train`
        bias = self.rnn.bias
        if self.cell == "lstm":
            out, h, c = _VF.lstm(x, hx, weights, bias, num_layers, dropout, train, False, True)
            return out, (h, c)
        fn = {"rnn_tanh": _VF.rnn_tanh, "rnn_relu": _VF.rnn_relu, "gru": _VF.gru}[self.cell]
        out, h = fn(x, hx, weights, bias, num_layers, dropout, train, False, True)
        return out, h
