"""Probabilistic forecast heads (`task.likelihood`): what the model's output means, its loss, its
point forecast and its own prediction intervals.

    likelihood   output (per origin)               loss                 point     band at level L
    "none"       H values                          MSE                  them      (conformal only)
    "gaussian"   H means μ, then H raw scales      Gaussian NLL         μ         μ ± z_L·σ
                 (σ = softplus(raw) + 1e-3)
    "quantile"   H values per q in task.quantiles  pinball, mean over q the 0.5   [q_(1-L)/2, q_(1+L)/2]
                 (block j = quantile q_j)                                 quantile

The model is trained in scaled (and maybe differenced) space. Scaling is affine, so means and
quantiles map back exactly. Differencing sums the steps: the mean path is the last level plus the
cumulative sum of μ, and, taking the step errors as independent, the variance is the cumulative
sum of σ² (stated, not exact). Quantiles of differences do not add up to quantiles of levels, so
"quantile" refuses a differenced run.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Sequence

import numpy as np
import torch

from rnnlab.errors import UserError

KINDS = ("none", "gaussian", "quantile")
MIN_SIGMA = 1e-3


def _normal_ppf(p: float) -> float:
    """Inverse standard normal CDF (the z of a central interval's edge)."""
    return NormalDist().inv_cdf(p)


class Head:
    """The head of one run: `width` outputs per horizon step block, and how to read them."""

    def __init__(self, likelihood: str, quantiles: Sequence[float], horizon: int, differenced: bool, why: str = "") -> None:
        self.kind = likelihood
        self.horizon = horizon
        self.quantiles = sorted(float(q) for q in quantiles)
        if likelihood == "quantile":
            qs = self.quantiles
            if len(set(qs)) != len(qs) or not all(0.0 < q < 1.0 for q in qs):
                raise UserError(f"task.quantiles = {list(quantiles)}: expected distinct values strictly between 0 and 1")
            if 0.5 not in qs:
                raise UserError(f"task.quantiles = {list(quantiles)}: include 0.5, the median is the point forecast")
            if differenced:
                raise UserError(
                    f"task.likelihood = 'quantile' with a differenced series{f' ({why})' if why else ''}: quantiles of "
                    "differences do not add up to quantiles of levels; use task.likelihood = 'gaussian', or set "
                    "task.difference = false (and task.seasonal_difference = 0)"
                )
        self.blocks = {"none": 1, "gaussian": 2, "quantile": len(self.quantiles)}[likelihood]
        self.output_size = self.blocks * horizon

    # ---------------------------------------------------------------- training

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """`out` (B, output_size) at the last step, `y` (B, horizon) scaled targets."""
        h = self.horizon
        # a NaN target was never observed: it drops out of the loss (mean over the observed ones)
        seen = ~torch.isnan(y)
        y = torch.where(seen, y, torch.zeros_like(y))
        w = seen.to(out.dtype)
        n = w.sum().clamp_min(1.0)
        if self.kind == "none":
            return ((out - y) ** 2 * w).sum() / n
        if self.kind == "gaussian":
            mu, sigma = out[:, :h], torch.nn.functional.softplus(out[:, h:]) + MIN_SIGMA
            nll = torch.nn.functional.gaussian_nll_loss(mu, y, sigma**2, full=True, reduction="none")
            return (nll * w).sum() / n
        q = torch.tensor(self.quantiles, dtype=out.dtype, device=out.device)[None, :, None]
        e = y[:, None, :] - out.view(-1, self.blocks, h)
        return (torch.maximum(q * e, (q - 1.0) * e) * w[:, None, :]).sum() / (n * self.blocks)

    # ---------------------------------------------------------------- reading

    def point(self, raw: np.ndarray) -> np.ndarray:
        """(N, output_size) -> the point forecast (N, horizon), scaled space."""
        h = self.horizon
        if self.kind == "quantile":
            j = self.quantiles.index(0.5)
            return np.sort(raw.reshape(raw.shape[0], self.blocks, h), axis=1)[:, j, :]
        return raw[:, :h]

    def levels(self, wanted: Sequence[float]) -> list[float]:
        """The levels this head has bands for: any for gaussian; for quantile, the symmetric
        pairs its quantiles hold."""
        if self.kind == "gaussian":
            return [float(v) for v in wanted]
        if self.kind == "quantile":
            qs = self.quantiles
            out = []
            for q in qs:
                if q < 0.5 and any(abs(p - (1.0 - q)) < 1e-9 for p in qs):
                    out.append(round(100.0 * (1.0 - 2.0 * q), 6))
            return sorted(out)
        return []

    def bands(self, raw: np.ndarray, data, starts: np.ndarray, levels: Sequence[float]) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """{level: (lower, upper)} in original units for the head's own distribution."""
        h = self.horizon
        scaler = data.scaler
        out: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        if self.kind == "gaussian":
            mu = raw[:, :h]
            sigma = np.log1p(np.exp(-np.abs(raw[:, h:]))) + np.maximum(raw[:, h:], 0.0) + MIN_SIGMA  # softplus
            center = data.to_original(mu, starts)
            spread = sigma * scaler.scale
            spread = _undifferenced_spread(spread, data)
            for lv in self.levels(levels):
                z = _normal_ppf(0.5 + lv / 200.0)
                out[lv] = (center - z * spread, center + z * spread)
        elif self.kind == "quantile":
            qs = np.sort(raw.reshape(raw.shape[0], self.blocks, h), axis=1)
            for lv in self.levels(levels):
                lo_q = (1.0 - lv / 100.0) / 2.0
                jl = min(range(len(self.quantiles)), key=lambda j: abs(self.quantiles[j] - lo_q))
                jh = min(range(len(self.quantiles)), key=lambda j: abs(self.quantiles[j] - (1.0 - lo_q)))
                out[lv] = (data.to_original(qs[:, jl, :], starts), data.to_original(qs[:, jh, :], starts))
        return out

    def crps(self, raw: np.ndarray, data, starts: np.ndarray) -> float:
        """Mean CRPS of the Gaussian forecasts in original units (closed form); nan otherwise."""
        if self.kind != "gaussian":
            return float("nan")
        h = self.horizon
        mu = data.to_original(raw[:, :h], starts)
        sigma = (np.log1p(np.exp(-np.abs(raw[:, h:]))) + np.maximum(raw[:, h:], 0.0) + MIN_SIGMA) * data.scaler.scale
        sigma = _undifferenced_spread(sigma, data)
        z = (data.actual(starts) - mu) / sigma
        cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))  # vectorised NormalDist().cdf
        pdf = np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
        return float(np.mean(sigma * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / math.sqrt(math.pi))))


def _undifferenced_spread(sigma: np.ndarray, data) -> np.ndarray:
    """Per-step spreads of independent differenced errors carried into levels: the levels are a
    linear map of the differenced steps (Differencing.invert with the known levels at zero), so
    each level's variance is the sum of the squared weights times the steps' variances; for first
    differences that is the cumulative sum, for a seasonal P every P-th step's."""
    if not data.offset:
        return sigma
    h = sigma.shape[1]
    origin = data.diff.offset + 1
    weights = data.diff.invert(np.eye(h), np.zeros(origin + h), origin)  # row j: impulse at step j
    return np.sqrt((sigma**2) @ (weights**2))


__all__ = ["Head", "KINDS"]
