"""Learning-rate schedules and optimizer construction."""

from __future__ import annotations

import math

import pytest
import torch

from rnnlab.config import TrainConfig
from rnnlab.train.optim import lr_at, make_optimizer


def test_warmup_then_cosine_reaches_floor():
    cfg = TrainConfig(lr=1.0, warmup_steps=10, schedule="cosine", steps=110, min_lr_ratio=0.1)
    assert lr_at(0, cfg) == pytest.approx(0.1)
    assert lr_at(9, cfg) == pytest.approx(1.0)
    assert lr_at(10, cfg) == pytest.approx(1.0)
    assert lr_at(60, cfg) == pytest.approx(0.55)
    assert lr_at(110, cfg) == pytest.approx(0.1)
    values = [lr_at(s, cfg) for s in range(10, 111)]
    assert all(a >= b for a, b in zip(values, values[1:]))


def test_step_schedule():
    cfg = TrainConfig(lr=1.0, schedule="step", step_size=5, gamma=0.5)
    assert [lr_at(s, cfg) for s in (0, 4, 5, 10)] == [1.0, 1.0, 0.5, 0.25]


def test_constant():
    cfg = TrainConfig(lr=0.3)
    assert {lr_at(s, cfg) for s in range(50)} == {0.3}


@pytest.mark.parametrize("name,cls", [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW),
                                      ("rmsprop", torch.optim.RMSprop), ("adagrad", torch.optim.Adagrad)])
def test_optimizers(name, cls):
    p = torch.nn.Parameter(torch.ones(3))
    opt = make_optimizer([p], TrainConfig(optimizer=name, lr=0.1, weight_decay=0.01, nesterov=True))
    assert isinstance(opt, cls)
    (p**2).sum().backward()
    opt.step()
    assert torch.all(p < 1)
    if name == "sgd":
        assert opt.param_groups[0]["nesterov"] is True and math.isclose(opt.param_groups[0]["momentum"], 0.9)
