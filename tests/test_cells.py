"""The reference cells against torch.nn.RNNCell / LSTMCell / GRUCell: same parameters, same numbers."""

from __future__ import annotations

import math

import pytest
import torch

from rnnlab.models.cells import GRUCell, LSTMCell, RNNCell, gru_step, input_projection, lstm_step, rnn_step

KINDS = ("tanh", "relu", "lstm", "gru")


def make_pair(kind: str, input_size: int, hidden_size: int):
    if kind in ("tanh", "relu"):
        ref = torch.nn.RNNCell(input_size, hidden_size, nonlinearity=kind)
        ours = RNNCell(input_size, hidden_size, nonlinearity=kind)
    elif kind == "lstm":
        ref, ours = torch.nn.LSTMCell(input_size, hidden_size), LSTMCell(input_size, hidden_size)
    else:
        ref, ours = torch.nn.GRUCell(input_size, hidden_size), GRUCell(input_size, hidden_size)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def random_hx(kind: str, shape: tuple[int, ...]):
    if kind == "lstm":
        return (torch.randn(shape), torch.randn(shape))
    return torch.randn(shape)


def assert_close(a, b, tol: float = 1e-5) -> None:
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_close(x, y, tol)
        return
    assert a.shape == b.shape
    torch.testing.assert_close(a, b, atol=tol, rtol=tol)


@pytest.mark.parametrize("kind", KINDS)
def test_parameters_match_torch_names_and_shapes(kind):
    ref, ours = make_pair(kind, 5, 7)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in ref.state_dict().items()}
    # torch's init: U(-1/sqrt(H), 1/sqrt(H)) for every parameter
    fresh = make_pair(kind, 5, 7)[1]
    bound = 1 / math.sqrt(7)
    for p in fresh.parameters():
        assert p.abs().max() <= bound
        assert p.std() > bound / 4


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", KINDS)
def test_parity_with_torch(kind, seed):
    g = torch.Generator().manual_seed(seed)
    input_size, hidden_size, batch = (int(v) for v in torch.randint(1, 13, (3,), generator=g))
    torch.manual_seed(seed)
    ref, ours = make_pair(kind, input_size, hidden_size)
    x = torch.randn(batch, input_size)
    hx = random_hx(kind, (batch, hidden_size))
    assert_close(ours(x, hx), ref(x, hx))
    assert_close(ours(x), ref(x))
    # unbatched: 1-D input and state, 1-D output
    x1, hx1 = torch.randn(input_size), random_hx(kind, (hidden_size,))
    out1 = ours(x1, hx1)
    assert_close(out1, ref(x1, hx1))
    assert (out1[0] if kind == "lstm" else out1).dim() == 1
    assert_close(ours(x1), ref(x1))


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_torch(kind):
    ref, ours = make_pair(kind, 4, 6)
    x = torch.randn(3, 4)
    hx = random_hx(kind, (3, 6))
    for cell in (ref, ours):
        out = cell(x, hx)
        loss = (out[0] * out[1]).sum() if kind == "lstm" else out.pow(2).sum()
        loss.backward()
    for (name, p), q in zip(ours.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-5, rtol=1e-5, msg=name)


def test_lstm_gates_explain_the_output():
    _, cell = make_pair("lstm", 3, 5)
    x, (h, c) = torch.randn(4, 3), random_hx("lstm", (4, 5))
    (h2, c2), gates = cell(x, (h, c), return_gates=True)
    assert list(gates) == ["input", "forget", "cell", "output"]
    i, f, g, o = gates["input"], gates["forget"], gates["cell"], gates["output"]
    for s in (i, f, o):
        assert s.shape == (4, 5) and bool(((s > 0) & (s < 1)).all())
    assert bool((g.abs() < 1).all())
    torch.testing.assert_close(c2, f * c + i * g)
    torch.testing.assert_close(h2, o * torch.tanh(c2))
    assert_close((h2, c2), cell(x, (h, c)))


def test_gru_gates_explain_the_output():
    _, cell = make_pair("gru", 3, 5)
    x, h = torch.randn(4, 3), torch.randn(4, 5)
    h2, gates = cell(x, h, return_gates=True)
    assert list(gates) == ["reset", "update", "new"]
    z, n = gates["update"], gates["new"]
    torch.testing.assert_close(h2, (1 - z) * n + z * h)
    assert_close(h2, cell(x, h))
    # unbatched gates are unbatched too
    _, gates1 = cell(x[0], h[0], return_gates=True)
    assert all(v.shape == (5,) for v in gates1.values())
    torch.testing.assert_close(gates1["reset"], gates["reset"][0])


def test_vanilla_cell_has_no_gates():
    _, cell = make_pair("tanh", 3, 5)
    x = torch.randn(2, 3)
    h, gates = cell(x, return_gates=True)
    assert gates == {}
    assert_close(h, cell(x))


def test_step_functions_take_a_precomputed_projection():
    _, lstm = make_pair("lstm", 3, 4)
    _, gru = make_pair("gru", 3, 4)
    _, rnn = make_pair("relu", 3, 4)
    x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
    gi = input_projection(x, lstm.weight_ih, lstm.bias_ih)
    h2, c2, _ = lstm_step(gi, h, c, lstm.weight_hh, lstm.bias_hh)
    assert_close((h2, c2), lstm(x, (h, c)))
    gi = input_projection(x, gru.weight_ih, gru.bias_ih)
    assert_close(gru_step(gi, h, gru.weight_hh, gru.bias_hh)[0], gru(x, h))
    gi = input_projection(x, rnn.weight_ih, rnn.bias_ih)
    assert_close(rnn_step(gi, h, rnn.weight_hh, rnn.bias_hh, "relu"), rnn(x, h))


def test_bad_arguments():
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNCell(3, 4, nonlinearity="sigmoid")
    cell = GRUCell(3, 4)
    with pytest.raises(ValueError, match="features"):
        cell(torch.randn(2, 5))
    with pytest.raises(ValueError, match="dimensions"):
        cell(torch.randn(2, 3), torch.randn(4))
