"""The adding and copy-memory problems: data layout, targets, and the baselines they are judged by."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks import make_task
from rnnlab.tasks.adding import AddingTask
from rnnlab.tasks.copymem import CopyTask

CPU = torch.device("cpu")


def adding(seq_len=20, seed=0, batch_size=16) -> AddingTask:
    return make_task(TaskConfig(kind="adding", seq_len=seq_len), seed=seed, batch_size=batch_size)


def copy(delay=30, seed=0, batch_size=16) -> CopyTask:
    return make_task(TaskConfig(kind="copy", seq_len=delay), seed=seed, batch_size=batch_size)


class Constant(nn.Module):
    """Outputs the same vector at every step: the memoryless predictors of both papers' baselines."""

    is_recurrent = True

    def __init__(self, per_step) -> None:
        super().__init__()
        self.per_step = per_step  # callable: (B, T) -> (B, T, C)

    def forward(self, x, state=None):
        return self.per_step(x.shape[0], x.shape[1]), state


class TinyRNN(nn.Module):
    is_recurrent = True

    def __init__(self, input_size, output_size, tokens: bool) -> None:
        super().__init__()
        self.emb = nn.Embedding(input_size, 8) if tokens else nn.Linear(input_size, 8)
        self.rnn = nn.GRU(8, 8, batch_first=True)
        self.head = nn.Linear(8, output_size)

    def forward(self, x, state=None):
        h, state = self.rnn(self.emb(x), state)
        return self.head(h), state


def _json_finite(blob) -> None:
    json.dumps(blob)
    for v in blob.values():
        if isinstance(v, float):
            assert math.isfinite(v)


# ---------------------------------------------------------------- adding


def test_adding_markers_one_per_half_and_target_is_their_sum():
    task = adding(seq_len=21)
    b = task.batch(3, 64)
    assert b.x.shape == (64, 21, 2) and b.x.dtype == torch.float32 and b.y.shape == (64,)
    values, markers = b.x[..., 0], b.x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(markers.unique().tolist()) == {0.0, 1.0}
    assert (markers[:, :10].sum(1) == 1).all() and (markers[:, 10:].sum(1) == 1).all()
    assert torch.allclose(b.y, (values * markers).sum(1))
    assert task.input_kind == "real" and (task.input_size, task.output_size) == (2, 1)


def test_adding_batches_are_a_function_of_seed_and_step():
    assert torch.equal(adding(seed=1).batch(7, 4).x, adding(seed=1).batch(7, 4).x)
    assert not torch.equal(adding(seed=1).batch(7, 4).x, adding(seed=1).batch(8, 4).x)
    assert not torch.equal(adding(seed=1).batch(7, 4).x, adding(seed=2).batch(7, 4).x)
    # Validation is the same examples whatever the run's seed.
    assert torch.equal(adding(seed=1).probe_batch(4).x, adding(seed=2).probe_batch(4).x)


def test_constant_one_predictor_scores_one_sixth():
    task = adding(seq_len=10, batch_size=500)
    ones = Constant(lambda B, T: torch.ones(B, T, 1))
    n = 500 * 40
    mse = task.evaluate(ones, CPU, num_batches=40)["val_mse"]
    # (y - 1)^2 has variance 7/180 for y the sum of two U[0,1]; allow 5 standard errors.
    assert abs(mse - 1 / 6) < 5 * math.sqrt(7 / 180 / n)
    assert task.baselines()["constant_val_mse"] == pytest.approx(1 / 6)


def test_adding_loss_reads_the_last_step_only():
    task = adding(seq_len=6)
    b = task.batch(0, 4)
    out = torch.randn(4, 6, 1)
    out[:, -1, 0] = b.y
    assert task.loss(out, b).item() == pytest.approx(0.0, abs=1e-12)
    assert task.last_step_loss(out, b).item() == pytest.approx(0.0, abs=1e-12)


def test_adding_seq_len_one_is_a_user_error():
    with pytest.raises(UserError, match="seq_len"):
        adding(seq_len=1)


def test_adding_evaluate_and_probe_are_json_and_finite():
    task = adding(seq_len=8, batch_size=8)
    model = TinyRNN(2, 1, tokens=False).eval()
    metrics = task.evaluate(model, CPU, num_batches=2)
    assert set(metrics) == {"val_loss", "val_mse"} and task.primary_metric in metrics
    probe = task.output_probe(model, CPU)
    assert probe["type"] == "predictions" and len(probe["rows"]) == 5
    assert set(probe["rows"][0]) == {"target", "prediction"}
    for blob in (metrics, task.baselines(), probe["rows"][0], task.state()):
        _json_finite(blob)
    json.dumps(probe)


# ---------------------------------------------------------------- copy memory


def test_copy_layout_is_exact():
    T = 12
    task = copy(delay=T)
    assert task.seq_len == T + 20 and task.tokens_per_batch(4) == 4 * (T + 20)
    b = task.batch(0, 8)
    assert b.x.shape == b.y.shape == (8, T + 20) and b.x.dtype == torch.int64
    symbols = b.x[:, :10]
    assert ((symbols >= 1) & (symbols <= 8)).all()
    assert (b.x[:, 10 : 10 + T - 1] == 0).all()
    assert (b.x[:, 10 + T - 1] == 9).all()
    assert (b.x[:, T + 10 :] == 0).all()
    assert (b.y[:, : T + 10] == 0).all()
    assert torch.equal(b.y[:, -10:], symbols)
    assert (task.input_size, task.output_size) == (10, 9)


def test_copy_batches_are_a_function_of_seed_and_step():
    assert torch.equal(copy(seed=1).batch(7, 4).x, copy(seed=1).batch(7, 4).x)
    assert not torch.equal(copy(seed=1).batch(7, 4).x, copy(seed=1).batch(8, 4).x)


def _memoryless(B, T):
    """Blank (certainly) until the delimiter, then uniform over the 8 symbols."""
    logits = torch.full((B, T, 9), -1e4)
    logits[:, :-10, 0] = 0.0
    logits[:, -10:, 1:] = 0.0
    return logits


@pytest.mark.parametrize("delay", [1, 30])
def test_memoryless_predictor_reaches_the_stated_baseline(delay):
    task = copy(delay=delay, batch_size=32)
    model = Constant(_memoryless)
    b = task.batch(0, 32)
    expected = 10 * math.log(8) / (delay + 20)
    assert task.loss(model(b.x)[0], b).item() == pytest.approx(expected, rel=1e-5)
    metrics = task.evaluate(model, CPU, num_batches=2)
    assert metrics["val_loss"] == pytest.approx(expected, rel=1e-5)
    assert task.baselines()["memoryless_val_loss"] == pytest.approx(expected)
    assert task.baselines()["memoryless_val_acc"] == 1 / 8


def test_copy_accuracy_counts_recalled_symbols():
    task = copy(delay=5, batch_size=8)

    class Oracle(nn.Module):
        is_recurrent = True

        def forward(self, x, state=None):
            out = torch.full((*x.shape, 9), -10.0)
            out[:, -10:].scatter_(-1, x[:, :10, None], 10.0)
            out[:, :-10, 0] = 10.0
            return out, state

    metrics = task.evaluate(Oracle(), CPU, num_batches=2)
    assert metrics["val_acc"] == 1.0 and metrics["val_loss"] < 1e-3
    probe = task.output_probe(Oracle(), CPU)
    row = probe["rows"][0]
    assert row["prediction"] == row["target"] == row["input"] and len(row["input"]) == 10
    assert all(c in "12345678" for c in row["input"])


def test_copy_evaluate_and_probe_are_json_and_finite():
    task = copy(delay=6, batch_size=4)
    model = TinyRNN(10, 9, tokens=True).eval()
    metrics = task.evaluate(model, CPU, num_batches=2)
    assert set(metrics) == {"val_loss", "val_acc"} and task.primary_metric == "val_loss"
    assert 0.0 <= metrics["val_acc"] <= 1.0
    b = task.probe_batch(4)
    assert task.last_step_loss(model(b.x)[0], b).ndim == 0
    probe = task.output_probe(model, CPU)
    assert probe["type"] == "predictions" and len(probe["rows"]) == 4
    assert all(len(r["prediction"]) == 10 and r["prediction"].isdigit() for r in probe["rows"])
    for blob in (metrics, task.baselines(), task.state()):
        _json_finite(blob)
    json.dumps(probe)
