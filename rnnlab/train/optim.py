"""Optimizers and learning-rate schedules, built from `[train]`: SGD with momentum or Nesterov
momentum (Sutskever et al. 2013), Adam (Kingma & Ba 2015), AdamW (Loshchilov & Hutter 2019),
RMSprop (Tieleman & Hinton 2012), Adagrad (Duchi et al. 2011); warmup, step and cosine decay
(Loshchilov & Hutter 2017).

Schedules are plain functions of the step (linear warmup, then constant / step / cosine), applied
by setting each param group's lr before the step: nothing to save in a checkpoint beyond the
step itself, so a resumed run continues the exact same lr curve.
"""

from __future__ import annotations

import math

import torch

from rnnlab.config import TrainConfig
from rnnlab.train import eager


def make_optimizer(params, cfg: TrainConfig) -> torch.optim.Optimizer:
    """torch's optimizer for `[train] optimizer`; step it with `eager.step` (no dynamo import)."""
    eager.prepare()
    params = list(params)
    wd = cfg.weight_decay
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov and cfg.momentum > 0, weight_decay=wd)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, weight_decay=wd)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, betas=cfg.betas, weight_decay=wd)
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr, momentum=0.0, weight_decay=wd)
    if cfg.optimizer == "adagrad":
        return torch.optim.Adagrad(params, lr=cfg.lr, weight_decay=wd)
    raise ValueError(cfg.optimizer)  # config validation makes this unreachable


def lr_at(step: int, cfg: TrainConfig) -> float:
    """The learning rate used for optimizer step number `step` (0-based)."""
    base = cfg.lr
    if cfg.warmup_steps and step < cfg.warmup_steps:
        return base * (step + 1) / cfg.warmup_steps
    t = step - cfg.warmup_steps
    if cfg.schedule == "constant":
        return base
    if cfg.schedule == "step":
        return base * cfg.gamma ** (t // cfg.step_size)
    # cosine from base down to base*min_lr_ratio over the steps after warmup
    span = max(1, cfg.steps - cfg.warmup_steps)
    frac = min(1.0, t / span)
    floor = base * cfg.min_lr_ratio
    return floor + 0.5 * (base - floor) * (1 + math.cos(math.pi * frac))


def set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    for group in opt.param_groups:
        group["lr"] = lr
