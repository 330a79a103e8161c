"""The hand-written BPTT of `rnnlab.models.bptt` gives the values and gradients of the step
functions of `rnnlab.models.cells` run under autograd, for every input it differentiates."""

from __future__ import annotations

import pytest
import torch

from rnnlab.models.bptt import gru_scan, lstm_scan, rnn_scan
from rnnlab.models.cells import gru_step, lstm_step, rnn_step

T, B, H = 6, 3, 5


def _leaf(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


def _unrolled(cell, gi, h0, c0, w, b):
    h, c, outs = h0, c0, []
    for t in range(gi.size(0)):
        if cell == "lstm":
            h, c, _ = lstm_step(gi[t], h, c, w, None)
        elif cell == "gru":
            h, _ = gru_step(gi[t], h, w, b)
        else:
            h = rnn_step(gi[t], h, w, None, cell[4:])
        outs.append(h)
    return [torch.stack(outs), h] + ([c] if cell == "lstm" else [])


def _scanned(cell, gi, h0, c0, w, b):
    if cell == "lstm":
        return list(lstm_scan(gi, h0, c0, w))
    if cell == "gru":
        return list(gru_scan(gi, h0, w, b))
    return list(rnn_scan(gi, h0, w, relu=cell == "rnn_relu"))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_scan_matches_autograd_through_the_step_functions(cell, bias):
    torch.manual_seed(0)
    gates = {"lstm": 4, "gru": 3}.get(cell, 1)
    gi, h0, c0, w = _leaf(T, B, gates * H), _leaf(B, H), _leaf(B, H), _leaf(gates * H, H)
    b = _leaf(gates * H) if cell == "gru" and bias else None
    inputs = [x for x in (gi, h0, c0 if cell == "lstm" else None, w, b) if x is not None]
    results = []
    for fn in (_unrolled, _scanned):
        outs = fn(cell, gi, h0, c0, w, b)
        # weights on the outputs and on the final state(s), so every incoming gradient is used
        gen = torch.Generator().manual_seed(1)
        loss = sum((o * torch.randn(o.shape, generator=gen, dtype=o.dtype)).sum() for o in outs)
        results.append(([o.detach() for o in outs], torch.autograd.grad(loss, inputs)))
    (o1, g1), (o2, g2) = results
    for a, b_ in zip(o1 + list(g1), o2 + list(g2)):
        torch.testing.assert_close(a, b_, rtol=1e-9, atol=1e-9)


def test_relu_scan_passes_no_gradient_through_dead_units():
    gi = torch.full((2, 1, 3), -1.0, dtype=torch.float64, requires_grad=True)
    out, _ = rnn_scan(gi, torch.zeros(1, 3, dtype=torch.float64), torch.eye(3, dtype=torch.float64), relu=True)
    out.sum().backward()
    assert torch.equal(gi.grad, torch.zeros_like(gi))
