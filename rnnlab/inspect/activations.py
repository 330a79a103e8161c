"""Per-unit activations of a recurrent model, stepping through an input from a zero state.

Each step runs the cell equations of `models/cells.py` (the step functions the reference backend
and the gate probe use) on the model's own parameters, one time step and one layer at a time, so
what comes out is exactly what the model computes step by step: `h` and `c` are the states the
model hands back after each step, the gates are the values inside that step.

    LSTM  h c i f g o      (i, f, o sigmoid gates; g the tanh candidate; c the cell)
    GRU   h r z n          (r reset, z update; n the tanh candidate)
    RNN   h
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from rnnlab.errors import UserError
from rnnlab.models.cells import gru_step, input_projection, lstm_step, rnn_step

STATES = {
    "lstm": ("h", "c", "i", "f", "g", "o"),
    "gru": ("h", "r", "z", "n"),
    "rnn_tanh": ("h",),
    "rnn_relu": ("h",),
}
STATE_NAMES = {"h": "hidden state", "c": "cell state", "i": "input gate", "f": "forget gate", "g": "cell candidate",
               "o": "output gate", "r": "reset gate", "z": "update gate", "n": "new-state candidate"}
SIGMOID = frozenset("ifo" "rz")
CELL_NAMES = {"lstm": "an LSTM", "gru": "a GRU", "rnn_tanh": "a tanh RNN", "rnn_relu": "a ReLU RNN"}


def default_threshold(state: str) -> float:
    """'On' for span search: past the middle of a sigmoid gate, past 0.3 for tanh-like values
    (LSTMVis's default on hidden states)."""
    return 0.5 if state in SIGMOID else 0.3


def check_recurrent(model: torch.nn.Module, run_name: str, what: str = "rnnlab neurons") -> str:
    cell = getattr(model, "cell", "?")
    if not getattr(model, "is_recurrent", False) or cell not in STATES:
        raise UserError(
            f"run {run_name} is a {cell} model without recurrent units; `{what}` needs an lstm, gru, "
            "rnn_tanh or rnn_relu run (for a transformer, try `rnnlab attention`)"
        )
    return cell


def check_choice(model: torch.nn.Module, layer: int, state: str, run_name: str) -> None:
    """One UserError line for a layer or state letter the model does not have."""
    cell = check_recurrent(model, run_name)
    if not 0 <= layer < model.num_layers:
        raise UserError(f"--layer {layer}: run {run_name} has {model.num_layers} layer{'s' if model.num_layers > 1 else ''}; "
                        f"use 0..{model.num_layers - 1}")
    if state not in STATES[cell]:
        raise UserError(f"--state {state!r}: {CELL_NAMES[cell]} cell has {', '.join(STATES[cell])}"
                        + (" (no gates)" if len(STATES[cell]) == 1 else ""))


@torch.no_grad()
def activations(model: torch.nn.Module, x: torch.Tensor, layer: int, state: str,
                run_name: str = "this run") -> np.ndarray:
    """(T, hidden) float64 values of `state` at `layer` for one input sequence `x` (T,) token ids
    or (T, F) reals, from a zero state, in eval mode."""
    check_choice(model, layer, state, run_name)
    return all_states(model, x, layer, run_name)[state]


@torch.no_grad()
def all_states(model: torch.nn.Module, x: torch.Tensor, layer: int, run_name: str = "this run") -> dict[str, np.ndarray]:
    """Every state letter of `layer` (see STATES), each (T, hidden) float64."""
    cell = check_recurrent(model, run_name)
    was_training = model.training
    model.eval()
    try:
        e = model.encode(x.unsqueeze(0).to(next(model.parameters()).device))  # (1, T, E)
        inputs = e
        out: dict[str, np.ndarray] = {}
        for k in range(layer + 1):
            w_ih, w_hh, b_ih, b_hh = model.layer_weights(k)
            gis = input_projection(inputs, w_ih, b_ih)[0]  # (T, G)
            h = gis.new_zeros(1, model.hidden_size)
            c = gis.new_zeros(1, model.hidden_size)
            rows: dict[str, list[torch.Tensor]] = {s: [] for s in STATES[cell]}
            for t in range(gis.size(0)):
                gi = gis[t : t + 1]
                if cell == "lstm":
                    h, c, (i, f, g, o) = lstm_step(gi, h, c, w_hh, b_hh)
                    for s, v in zip("hcifgo", (h, c, i, f, g, o)):
                        rows[s].append(v)
                elif cell == "gru":
                    h, (r, z, n) = gru_step(gi, h, w_hh, b_hh)
                    for s, v in zip("hrzn", (h, r, z, n)):
                        rows[s].append(v)
                else:
                    h = rnn_step(gi, h, w_hh, b_hh, cell[4:])
                    rows["h"].append(h)
            stacked = {s: torch.cat(v, dim=0) if v else gis.new_zeros(0, model.hidden_size) for s, v in rows.items()}
            inputs = stacked["h"].unsqueeze(0)
            if k == layer:
                out = {s: v.double().cpu().numpy() for s, v in stacked.items()}
        return out
    finally:
        model.train(was_training)


def token_spans(pieces: list[str]) -> np.ndarray:
    """The token index of each character when tokens decode to `pieces` (one per token): a
    word-level run's activation is spread over its word's characters."""
    return np.repeat(np.arange(len(pieces)), [len(p) for p in pieces])


def per_char(acts: np.ndarray, pieces: Optional[list[str]]) -> np.ndarray:
    """Token-step activations (T, H) as one row per character of the decoded text."""
    if pieces is None or all(len(p) == 1 for p in pieces):
        return acts
    return acts[token_spans(pieces)]


__all__ = ["STATES", "STATE_NAMES", "activations", "all_states", "check_choice", "check_recurrent",
           "default_threshold", "per_char"]

