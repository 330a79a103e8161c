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
- one unit's anatomy (`unit_snapshot`): every term of the cell's equations for each unit at the
  last step of the first probe sequence, which the lab's cell-anatomy view shows.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
import torch.nn.functional as F

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


def grad_flow_and_hidden(model: torch.nn.Module, task: Task, batch: Batch, device: torch.device,
                         bptt: int = 0) -> tuple[list[float], list[list[float]]]:
    """(‖∂L_T/∂x_t‖ for t = 1..T averaged over the batch, mean ‖h_t‖ per layer and t). With
    truncated BPTT (`bptt` = k) the flow is the one training sees: zero beyond the last chunk."""
    from rnnlab.train import tbptt

    with _probe_mode(model, device), torch.enable_grad():
        e = model.encode(batch.x.to(device), **batch.to(device).model_kwargs()).detach().float().requires_grad_(True)
        out, hiddens = tbptt.forward_encoded(model, e, bptt)
        loss_t = task.last_step_loss(out, batch.to(device))
        (grad,) = torch.autograd.grad(loss_t, e)
        flow = _norm(grad).mean(dim=0)
        hidden = [h.detach().norm(dim=-1).mean(dim=0) for h in hiddens]
    # one transfer for all numbers: each .tolist() on CUDA is a sync point
    return flow.tolist(), [h.tolist() for h in hidden]


def _norm(x: torch.Tensor) -> torch.Tensor:
    """‖x‖ over the last dimension, scaled by its largest entry first: a vanishing gradient's
    entries of 1e-29 square to under float32's least value, and their plain norm read exactly 0
    (an outside trial: 19 of 100 steps of a tanh RNN's flow were 0.0, `‖far‖/‖near‖ = 0`)."""
    top = x.abs().amax(dim=-1, keepdim=True)
    return (x / torch.where(top > 0, top, torch.ones_like(top))).norm(dim=-1) * top.squeeze(-1)


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


SNAPSHOT_UNITS = 256  # units per layer in a snapshot: ~25 numbers each, kept small in the store
_GATE_NAMES = {"lstm": ("input", "forget", "cell", "output"), "gru": ("reset", "update", "new"),
               "rnn_tanh": ("new",), "rnn_relu": ("new",)}


def _rounded(t: torch.Tensor) -> list[float]:
    return [float(f"{v:.4g}") for v in t.tolist()]


TRACE_STEPS = 12  # the last steps a snapshot also keeps, for stepping through t in the lab
TRACE_UNITS = 32  # of the first this many units: ~20 numbers each, 12 steps, ~8k numbers a probe


def _step_in_parts(cell: str, x_row: torch.Tensor, h_prev: torch.Tensor, c_prev: torch.Tensor,
                   w_ih, w_hh, b_ih, b_hh, n: int) -> tuple[dict[str, Any], torch.Tensor, torch.Tensor]:
    """One step of the cell from its parts: (the snapshot row of its first `n` units, h, c)."""
    xs = F.linear(x_row, w_ih)
    hs = F.linear(h_prev, w_hh)
    zero = torch.zeros_like(xs)
    b_i = b_ih.unsqueeze(0) if b_ih is not None else zero
    b_h = b_hh.unsqueeze(0) if b_hh is not None else zero
    names = _GATE_NAMES[cell]
    parts = {k: v.chunk(len(names), dim=-1) for k, v in (("x", xs), ("h", hs), ("bi", b_i), ("bh", b_h))}
    gates: dict[str, dict[str, list[float]]] = {}
    values = {}
    for j, name in enumerate(names):
        x_j, h_j, bi_j, bh_j = (parts[k][j] for k in ("x", "h", "bi", "bh"))
        if cell == "gru" and name == "new":
            r = values["reset"]
            h_term, b_term = h_j + bh_j, bi_j
            value = torch.tanh(x_j + b_term + r * h_term)
        else:
            h_term, b_term = h_j, bi_j + bh_j
            pre = x_j + h_term + b_term
            if name in ("cell", "new"):
                value = torch.relu(pre) if cell == "rnn_relu" else torch.tanh(pre)
            else:
                value = torch.sigmoid(pre)
        values[name] = value
        gates[name] = {"x": _rounded(x_j[0, :n]), "h": _rounded(h_term[0, :n]), "b": _rounded(b_term[0, :n]),
                       "value": _rounded(value[0, :n])}
    c = c_prev
    if cell == "lstm":
        c = values["forget"] * c_prev + values["input"] * values["cell"]
        h = values["output"] * torch.tanh(c)
    elif cell == "gru":
        h = (1 - values["update"]) * values["new"] + values["update"] * h_prev
    else:
        h = values["new"]
    row: dict[str, Any] = {"gates": gates, "h_prev": _rounded(h_prev[0, :n]), "h": _rounded(h[0, :n])}
    if cell == "lstm":
        row["c_prev"], row["c"] = _rounded(c_prev[0, :n]), _rounded(c[0, :n])
    return row, h, c


def _first_units(row: dict[str, Any], k: int) -> dict[str, Any]:
    """A snapshot row cut to its first `k` units."""
    return {key: {g: {p: v[:k] for p, v in parts.items()} for g, parts in val.items()} if key == "gates" else val[:k]
            for key, val in row.items()}


INPUT_FEATURES = 4  # the input features a trace keeps per step (its `features` says how many x_t has)


def _is_token(x: torch.Tensor) -> bool:
    return x.dim() == 0 or x.numel() == 1 and not x.is_floating_point()


def _input_at(x: torch.Tensor) -> Any:
    """What the model read at one step, for the lab to show as x_t: a token id, or the first
    `INPUT_FEATURES` input features rounded."""
    if _is_token(x):
        return int(x.reshape(-1)[0])
    return _rounded(x.reshape(-1)[:INPUT_FEATURES].float())


@torch.no_grad()
def unit_snapshot(model: torch.nn.Module, batch: Batch, device: torch.device) -> dict[str, Any]:
    """The terms of the cell's equations for every unit (the first `SNAPSHOT_UNITS`) of every
    layer at the last step T of the probe batch's first sequence; {} for the Transformer.

    Per layer: for each gate (LSTM input/forget/cell/output, GRU reset/update/new, the vanilla
    cell's one "new") its input term `x` = [W_i x_T], recurrent term `h` = [W_h h_{T-1}], bias
    `b` = b_i + b_h and `value` after the nonlinearity; then `h_prev`, `h` (and `c_prev`, `c`).
    The GRU's candidate is n = tanh(x + b + r * h) with `b` = b_in and `h` = W_hn h + b_hn.
    The sequence is replayed here with the step functions on one row (a few ms): the fused
    kernels do not hand back the LSTM's cell state.

    `trace` holds the same rows for the last `TRACE_STEPS` steps (the first `TRACE_UNITS`
    units), from step `start` (0-based), with `inputs`, what the model read at each (a token id
    or the first `INPUT_FEATURES` input features, `features` saying how many there are), so the
    lab can step through t."""
    from rnnlab.models.cells import gru_step, lstm_step, rnn_step

    cell = getattr(model, "cell", "")
    if cell not in _GATE_NAMES or not hasattr(model, "layer_weights"):
        return {}
    with _probe_mode(model, device):
        one = batch.to(device)
        style = None if one.style is None else one.style[:1]
        inp = model.encode(one.x[:1], **({} if style is None else {"style": style})).float()[0]  # (T, E)
        T, H = inp.size(0), model.hidden_size
        n = min(H, SNAPSHOT_UNITS)
        k = min(H, TRACE_UNITS)
        start = max(0, T - TRACE_STEPS)
        layers, traced = [], []
        for layer in range(model.num_layers):
            w_ih, w_hh, b_ih, b_hh = (None if w is None else w.float() for w in model.layer_weights(layer))
            gi = F.linear(inp, w_ih, b_ih).unsqueeze(1)  # (T, 1, G), one row
            h = inp.new_zeros(1, H)
            c = inp.new_zeros(1, H)
            outs, steps = [], []
            for t in range(T - 1):
                if t >= start:  # traced: the step in its parts (the same numbers, kept)
                    row, h, c = _step_in_parts(cell, inp[t:t + 1], h, c, w_ih, w_hh, b_ih, b_hh, k)
                    steps.append(row)
                elif cell == "lstm":
                    h, c, _ = lstm_step(gi[t], h, c, w_hh, b_hh)
                elif cell == "gru":
                    h, _ = gru_step(gi[t], h, w_hh, b_hh)
                else:
                    h = rnn_step(gi[t], h, w_hh, b_hh, cell[4:])
                outs.append(h)
            # the last step in its parts, every unit
            row, h, c = _step_in_parts(cell, inp[-1:], h, c, w_ih, w_hh, b_ih, b_hh, n)
            layers.append(row)
            steps.append(_first_units(row, k))
            traced.append(steps)
            inp = torch.cat(outs + [h]) if outs else h
        xs = one.x[0]
        inputs = [_input_at(xs[t]) for t in range(start, T)]
    trace: dict[str, Any] = {"start": start, "units": k, "inputs": inputs, "layers": traced}
    if not _is_token(xs[-1]):  # so the lab can say the inputs it shows are the first of more
        trace["features"] = int(xs[-1].numel())
    return {"cell": cell, "steps": T, "units": n, "hidden_size": H, "layers": layers, "trace": trace}


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
