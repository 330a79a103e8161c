"""SequenceModel's two backends agree; the Transformer is causal; build_model validates; the
model contract (state, hiddens, gates, gradients w.r.t. the encoded input) holds."""

from __future__ import annotations

import pytest
import torch

from rnnlab.config import ModelConfig
from rnnlab.errors import UserError
from rnnlab.models import AttentionState, SequenceModel, TransformerModel, build_model

RECURRENT = ("rnn_tanh", "rnn_relu", "lstm", "gru")
VOCAB, OUT, H, T, B = 11, 5, 8, 7, 3


def seq_model(cell: str, attention: bool = False, **kw) -> SequenceModel:
    args = dict(input_kind="tokens", input_size=VOCAB, output_size=OUT, hidden_size=H, num_layers=2, max_len=4)
    args.update(kw)
    return SequenceModel(cell, attention=attention, **args)


def tokens(t: int = T) -> torch.Tensor:
    return torch.randint(0, VOCAB, (B, t))


def flat(state):
    if isinstance(state, torch.Tensor):
        return [state]
    return [t for s in state for t in flat(s)]


def close(a, b, tol=1e-5):
    torch.testing.assert_close(a, b, atol=tol, rtol=tol)


@pytest.mark.parametrize("return_hidden", [False, True])
@pytest.mark.parametrize("attention", [False, True])
@pytest.mark.parametrize("cell", RECURRENT)
def test_fused_and_reference_agree_on_outputs_and_gradients(cell, attention, return_hidden):
    # eval mode with gradients is the gradient-flow probe's case: cuDNN needs special handling
    model = seq_model(cell, attention).eval()
    x = tokens()
    results = {}
    for backend in ("fused", "reference"):
        model.backend = backend
        model.zero_grad()
        e = model.encode(x)
        e.retain_grad()
        if return_hidden:
            out, state, hiddens = model.forward_encoded(e, return_hidden=True)
        else:
            (out, state), hiddens = model.forward_encoded(e), []
        out.pow(2).mean().backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters()}
        results[backend] = (out, flat(state), hiddens, e.grad, grads)
    (o1, s1, h1, ge1, g1), (o2, s2, h2, ge2, g2) = results["fused"], results["reference"]
    close(o1, o2)
    assert len(s1) == len(s2) and len(h1) == len(h2) == (2 if return_hidden else 0)
    for a, b in zip(s1 + h1, s2 + h2):
        close(a, b)
    close(ge1, ge2)
    assert g1.keys() == g2.keys()
    for name in g1:
        close(g1[name], g2[name], 1e-4)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_train_mode_without_dropout_agrees_too(cell):
    model = seq_model(cell).train()
    x = tokens()
    model.backend = "fused"
    a, _ = model(x)
    model.backend = "reference"
    b, _ = model(x)
    close(a, b)


@pytest.mark.parametrize("cell", RECURRENT)
def test_state_dict_loads_across_backends(cell):
    torch.manual_seed(1)
    src = seq_model(cell, attention=True, backend="fused").eval()
    torch.manual_seed(2)
    dst = seq_model(cell, attention=True, backend="reference").eval()
    x = tokens()
    assert not torch.allclose(src(x)[0], dst(x)[0])
    dst.load_state_dict(src.state_dict())
    assert any(k.startswith("rnn.weight_ih_l1") for k in src.state_dict())
    close(src(x)[0], dst(x)[0])
    assert dst.backend == "reference"


@pytest.mark.parametrize("backend", ["fused", "reference"])
@pytest.mark.parametrize("cell,attention", [("lstm", True), ("gru", False), ("rnn_tanh", True)])
def test_carried_state_equals_one_long_sequence(cell, attention, backend):
    # T longer than the attention window (max_len=4), fed in uneven chunks
    model = seq_model(cell, attention, backend=backend).eval()
    x = tokens(9)
    whole, _ = model(x)
    state, parts = None, []
    for lo, hi in ((0, 3), (3, 4), (4, 9)):
        out, state = model(x[:, lo:hi], state)
        parts.append(out)
    close(torch.cat(parts, dim=1), whole)
    if attention:
        assert isinstance(state, AttentionState)
        assert state.memory.shape == (B, 4, H) and not state.memory.requires_grad


def test_attention_only_sees_the_past():
    model = seq_model("gru", attention=True, max_len=16).eval()
    x = tokens(8)
    y = x.clone()
    y[:, 5:] = (y[:, 5:] + 1) % VOCAB
    a, b = model(x)[0], model(y)[0]
    close(a[:, :5], b[:, :5])
    assert not torch.allclose(a[:, 5:], b[:, 5:])


def test_gate_activations_match_the_hidden_states():
    model = seq_model("lstm", backend="fused").eval()
    x = tokens()
    _, _, hiddens = model.forward_encoded(model.encode(x), return_hidden=True)
    gates = model.gate_activations(x)
    assert sorted(gates) == sorted(f"l{k}.{g}" for k in (0, 1) for g in ("input", "forget", "cell", "output"))
    assert all(v.shape == (B, T, H) for v in gates.values())
    c = torch.zeros(B, H)
    for t in range(T):
        c = gates["l1.forget"][:, t] * c + gates["l1.input"][:, t] * gates["l1.cell"][:, t]
        close(gates["l1.output"][:, t] * torch.tanh(c), hiddens[1][:, t])

    gru = seq_model("gru").eval()
    x = tokens()
    _, _, hiddens = gru.forward_encoded(gru.encode(x), return_hidden=True)
    g = gru.gate_activations(x)
    assert sorted(g) == sorted(f"l{k}.{n}" for k in (0, 1) for n in ("reset", "update", "new"))
    h = torch.zeros(B, H)
    for t in range(T):
        h = (1 - g["l0.update"][:, t]) * g["l0.new"][:, t] + g["l0.update"][:, t] * h
        close(h, hiddens[0][:, t])

    assert seq_model("rnn_relu").gate_activations(x) == {}


@pytest.mark.parametrize("cell", ["lstm", "transformer"])
def test_gradient_flows_to_every_encoded_step_under_fused_in_eval(cell):
    cfg = ModelConfig(cell=cell, hidden_size=H, num_layers=2, num_heads=2, backend="fused")
    model = build_model(cfg, input_kind="real", input_size=3, output_size=1, max_len=T).eval()
    e = model.encode(torch.randn(B, T, 3)).detach().requires_grad_(True)
    out, _, hiddens = model.forward_encoded(e, return_hidden=True)
    (grad,) = torch.autograd.grad(out[:, -1].sum(), e)
    assert grad.shape == (B, T, H if cell == "transformer" else 3)  # real features feed the cell as they are
    assert bool((grad.norm(dim=-1) > 0).all())
    assert len(hiddens) == 2 and all(h.shape == (B, T, H) for h in hiddens)


def test_dropout_between_layers_is_active_only_in_training():
    model = seq_model("gru", dropout=0.5, backend="reference")
    x = tokens()
    model.train()
    assert not torch.allclose(model(x)[0], model(x)[0])
    model.eval()
    close(model(x)[0], model(x)[0])


@pytest.mark.parametrize("cell,attention", [("lstm", False), ("gru", True), ("rnn_tanh", False)])
def test_detach_state(cell, attention):
    model = seq_model(cell, attention)
    _, state = model(tokens())
    assert any(t.requires_grad for t in flat(state))
    detached = model.detach_state(state)
    assert type(detached) is type(state)
    assert all(not t.requires_grad for t in flat(detached))
    for a, b in zip(flat(state), flat(detached)):
        assert torch.equal(a, b)
    # the detached state carries on without reaching into the previous graph
    out, _ = model(tokens(), detached)
    out.sum().backward()
    assert model.detach_state(None) is None


def test_transformer_is_causal_and_stateless():
    model = TransformerModel(input_kind="tokens", input_size=VOCAB, output_size=OUT, hidden_size=H, num_layers=2, num_heads=2, max_len=8).eval()
    x = tokens(8)
    y = x.clone()
    y[:, 4:] = (y[:, 4:] + 3) % VOCAB
    for backend in ("fused", "reference"):
        model.backend = backend
        (a, sa), (b, _) = model(x), model(y)
        assert sa is None and a.shape == (B, 8, OUT)
        close(a[:, :4], b[:, :4])
        assert not torch.allclose(a[:, 4:], b[:, 4:])
    model.backend = "fused"
    fused = model(x)[0]
    model.backend = "reference"
    close(fused, model(x)[0])
    with pytest.raises(ValueError, match="max_len 8"):
        model(tokens(9))
    with pytest.raises(ValueError, match="state"):
        model(x, torch.zeros(1))
    assert model.gate_activations(x) == {} and not model.is_recurrent


def test_build_model_contract():
    for cell in RECURRENT + ("transformer",):
        cfg = ModelConfig(cell=cell, hidden_size=H, num_layers=1, num_heads=2, embedding_size=6)
        model = build_model(cfg, input_kind="tokens", input_size=VOCAB, output_size=OUT, max_len=T)
        assert model.cell == cell and model.backend == "fused"
        assert model.is_recurrent == (cell != "transformer")
        assert model.num_params() == sum(p.numel() for p in model.parameters())
        out, _ = model(tokens())
        assert out.shape == (B, T, OUT)
        assert model.encode(tokens()).shape == (B, T, 6)
        model.backend = "reference"
        assert model.backend == "reference"
        with pytest.raises(ValueError, match="backend"):
            model.backend = "cudnn"


def test_flops_per_token_counts_the_matmul_weights():
    cfg = ModelConfig(cell="rnn_tanh", hidden_size=4, num_layers=1, input_projection=True)
    model = build_model(cfg, input_kind="real", input_size=3, output_size=2, max_len=10)
    # encoder 3·4 + w_ih 4·4 + w_hh 4·4 + head 4·2 = 52 weights, 6 FLOPs each
    assert model.flops_per_token() == 6 * 52
    bare = build_model(ModelConfig(cell="rnn_tanh", hidden_size=4), input_kind="real", input_size=3, output_size=2, max_len=10)
    assert bare.flops_per_token() == 6 * (4 * 3 + 4 * 4 + 4 * 2)  # no encoder: w_ih reads the 3 features
    lstm = build_model(ModelConfig(cell="lstm", hidden_size=4), input_kind="real", input_size=3, output_size=2, max_len=10)
    assert lstm.flops_per_token() == 6 * (4 * 12 + 4 * 16 + 8)
    with_attention = build_model(
        ModelConfig(cell="lstm", hidden_size=4, attention=True), input_kind="real", input_size=3, output_size=2, max_len=10
    )
    assert with_attention.flops_per_token() > lstm.flops_per_token()


def test_build_model_rejects_bad_combinations():
    with pytest.raises(UserError, match=r"\[model\] num_heads"):
        build_model(ModelConfig(cell="transformer", hidden_size=10, num_heads=4), input_kind="tokens", input_size=5, output_size=5, max_len=8)
    with pytest.raises(UserError, match=r"\[model\] attention"):
        build_model(ModelConfig(cell="transformer", hidden_size=8, num_heads=2, attention=True), input_kind="tokens", input_size=5, output_size=5, max_len=8)
