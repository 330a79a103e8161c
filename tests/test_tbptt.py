"""Truncated BPTT (`[train] bptt`, train/tbptt.py): the state flows on, the gradient stops at
every chunk boundary; the gradient-flow probe shows what training sees."""

from __future__ import annotations

import pytest
import torch

from rnnlab import config
from rnnlab.errors import UserError
from rnnlab.models import build_model
from rnnlab.train import probes, tbptt


def _model(cell: str = "lstm", attention: bool = False):
    torch.manual_seed(0)
    return build_model(config.ModelConfig(cell=cell, hidden_size=8, attention=attention), input_kind="tokens",
                       input_size=10, output_size=9, max_len=30)


@pytest.mark.parametrize("cell,attention", [("lstm", False), ("gru", False), ("rnn_tanh", False), ("lstm", True)])
def test_gradient_stops_at_the_chunk_boundary_while_the_state_flows_on(cell, attention):
    model = _model(cell, attention)
    x = torch.randint(0, 10, (3, 30))
    full, _ = tbptt.forward(model, x, None, 0)
    cut, _ = tbptt.forward(model, x, None, 10)
    assert torch.allclose(full, cut, atol=1e-5)  # the same forward pass: the state is carried
    e = model.encode(x).detach().requires_grad_(True)
    out, _ = tbptt.forward_encoded(model, e, 10)
    out[:, -1].sum().backward()
    flow = e.grad.norm(dim=-1).sum(dim=0)
    assert torch.all(flow[:20] == 0) and torch.all(flow[20:] > 0)
    e.grad = None
    out, _ = tbptt.forward_encoded(model, e, 0)
    out[:, -1].sum().backward()
    assert torch.all(e.grad.norm(dim=-1).sum(dim=0)[:20] > 0)


def test_grad_flow_probe_shows_the_truncation():
    from rnnlab.tasks.base import Batch

    model = _model()
    x = torch.randint(0, 10, (4, 30))
    batch = Batch(x, torch.zeros(4, 30, dtype=torch.long))

    class LastStep:
        def last_step_loss(self, out, b):
            return out[:, -1].pow(2).sum()

    flow, hidden = probes.grad_flow_and_hidden(model, LastStep(), batch, torch.device("cpu"), bptt=10)
    assert len(flow) == 30 and len(hidden[0]) == 30
    assert all(v == 0 for v in flow[:20]) and all(v > 0 for v in flow[20:])


def test_bptt_is_a_config_key_and_the_transformer_has_no_recurrence_to_truncate():
    assert config.load("copy-lstm", ["train.bptt=10"]).train.bptt == 10
    with pytest.raises(UserError, match=r"\[train\] bptt truncates a recurrence"):
        config.load("transformer-char", ["train.bptt=10"])
    with pytest.raises(UserError, match="bptt"):
        config.load("copy-lstm", ["train.bptt=-1"])


def test_a_per_token_style_is_cut_with_its_chunk():
    # a style-conditioned text batch carries one style id per token (B, T): each chunk must get
    # its own slice, or the truncated forward pass fails or reads the wrong styles
    torch.manual_seed(0)
    model = build_model(config.ModelConfig(cell="lstm", hidden_size=8), input_kind="tokens", input_size=10,
                        output_size=9, max_len=30, num_styles=2)
    with torch.no_grad():
        model.style_embedding.weight.normal_()
    x = torch.randint(0, 10, (3, 30))
    style = torch.cat([torch.zeros(3, 12, dtype=torch.long), torch.ones(3, 18, dtype=torch.long)], dim=1)
    full, _ = model(x, None, style=style)
    cut, _ = tbptt.forward(model, x, None, 10, style=style)
    assert torch.allclose(full, cut, atol=1e-5)
    assert not torch.allclose(full, model(x, None, style=0)[0], atol=1e-3)


def test_a_vanishing_gradients_flow_stays_above_zero_where_float32_squares_underflow():
    # an outside trial: a tanh RNN's gradient at t = 0 of 100 steps is ~1e-29 an entry; its plain
    # float32 norm squares that to under the least float32 value and read exactly 0 (`far/near = 0`)
    from rnnlab.tasks.base import Batch

    torch.manual_seed(0)
    model = build_model(config.ModelConfig(cell="rnn_tanh", hidden_size=64), input_kind="tokens", input_size=10,
                        output_size=9, max_len=100)
    x = torch.randint(0, 10, (4, 100))
    batch = Batch(x, torch.zeros(4, 100, dtype=torch.long))

    class LastStep:
        def last_step_loss(self, out, b):
            return out[:, -1].pow(2).sum()

    flow, _ = probes.grad_flow_and_hidden(model, LastStep(), batch, torch.device("cpu"))
    e = model.encode(x).detach().double().requires_grad_(True)
    model.double()
    out, _ = tbptt.forward_encoded(model, e, 0)
    (grad,) = torch.autograd.grad(out[:, -1].pow(2).sum(), e)
    exact = grad.norm(dim=-1).mean(dim=0)  # in float64 nothing underflows here
    seen = exact > 1e-40  # what float32 itself can still hold an entry of
    assert seen[:20].any() and (exact[:20] < 1e-19).any(), exact[:20]  # the case: tiny, not zero
    flow = torch.tensor(flow, dtype=torch.float64)
    assert torch.all(flow[seen] > 0), flow[:20]
    assert torch.allclose(flow[seen], exact[seen], rtol=1e-3)
