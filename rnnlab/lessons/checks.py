"""Expected results of a lesson, stated as checks on its finished runs (the direction of an
effect, never a timing), and how to evaluate them against what the runs recorded."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

# Ended without a number worth comparing: counts as infinitely worse than any finite result.
_FAILED = ("diverged", "failed", "crashed")


@dataclass(frozen=True)
class Expect:
    """One expected outcome.

    kind "status": run `a` ends in one of `statuses`.
    kind "lower":  `metric` of run `a` is below `factor` x `metric` of run `b` (a diverged `b`,
                   or a NaN, counts as infinitely bad).
    kind "higher": `metric` of run `a` is above `factor` x `metric` of run `b` (accuracies; a
                   failed run's counts as -inf).
    kind "beats_baseline": `metric` of run `a` is below `factor` x the run's own baseline `baseline`.
    Besides the recorded metrics, `metric` may be one of RunResult.ATTRIBUTES (params,
    tokens_per_s, max_grad_norm).
    """

    kind: str
    a: str
    b: str = ""
    metric: str = ""
    factor: float = 1.0
    statuses: tuple[str, ...] = ()
    baseline: str = ""
    # checked at full size only: an effect the reduced size is too short to show (the report
    # lists it as not checked rather than passing or failing it)
    full_only: bool = False

    def describe(self) -> str:
        if self.kind == "status":
            return f"{self.a} ends {' or '.join(self.statuses)}"
        if self.kind == "lower":
            times = "" if self.factor == 1.0 else f"{self.factor:g} x "
            return f"{self.a} {self.metric} < {times}{self.b} {self.metric}"
        if self.kind == "higher":
            times = "" if self.factor == 1.0 else f"{self.factor:g} x "
            return f"{self.a} {self.metric} > {times}{self.b} {self.metric}"
        times = "" if self.factor == 1.0 else f"{self.factor:g} x "
        return f"{self.a} {self.metric} < {times}its {self.baseline}"


@dataclass(frozen=True)
class Sampling:
    """One sampler setting; `label` names it in the lesson's table and checks."""

    label: str
    temperature: float
    top_k: int = 0
    top_p: float = 1.0
    style: str = ""  # a style-conditioned run's style to sample in ("": the model's default)

    def describe(self) -> str:
        parts = [f"style {self.style}"] if self.style else []
        parts.append("greedy" if self.temperature == 0 else f"T={self.temperature:g}")
        if self.top_k:
            parts.append(f"top-k {self.top_k}")
        if self.top_p < 1:
            parts.append(f"top-p {self.top_p:g}")
        return ", ".join(parts)


@dataclass
class RunResult:
    """What a lesson needs from one finished run (read by runner.py from the store)."""

    label: str
    run_id: str
    status: str
    step: int
    metrics: dict[str, float]
    baselines: dict[str, float]
    max_grad_norm: Optional[float] = None  # the largest finite gradient norm recorded
    grad_norm_nonfinite: bool = False  # the norm reached inf/NaN (the NaN guard stopped it)
    tokens_per_s: Optional[float] = None
    params: Optional[int] = None
    total_steps: Optional[int] = None  # the steps it was planned for (quick or full size)

    ATTRIBUTES = ("params", "tokens_per_s", "max_grad_norm")

    def value(self, metric: str) -> float:
        if metric in self.ATTRIBUTES:  # recorded whatever the run's end (a diverged run's spike too)
            v = getattr(self, metric)
            return math.inf if v is None else float(v)
        if self.status in _FAILED:
            return math.inf
        v = self.metrics.get(metric)
        if v is None or not math.isfinite(v):
            return math.inf
        return float(v)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "run_id": self.run_id, "status": self.status, "step": self.step,
            "metrics": self.metrics, "baselines": self.baselines, "max_grad_norm": self.max_grad_norm,
            "grad_norm_nonfinite": self.grad_norm_nonfinite,
            "tokens_per_s": self.tokens_per_s, "params": self.params, "total_steps": self.total_steps,
        }


def evaluate(expect: Expect, runs: dict[str, RunResult]) -> tuple[bool, str]:
    """(passed, one line with the measured numbers)."""
    a = runs[expect.a]
    if expect.kind == "status":
        return a.status in expect.statuses, f"{a.label}: {a.status} at step {a.step}"
    if expect.kind == "lower":
        b = runs[expect.b]
        va, vb = a.value(expect.metric), b.value(expect.metric)
        ok = va < expect.factor * vb
        return ok, f"{a.label} {_fmt(va, a)} vs {b.label} {_fmt(vb, b)}"
    if expect.kind == "higher":
        b = runs[expect.b]
        # a failed run has no accuracy worth the name: -inf, below anything
        va, vb = (-x if math.isinf(x) else x for x in (a.value(expect.metric), b.value(expect.metric)))
        return va > expect.factor * vb, f"{a.label} {_fmt(va, a)} vs {b.label} {_fmt(vb, b)}"
    if expect.kind == "beats_baseline":
        va = a.value(expect.metric)
        base = a.baselines.get(expect.baseline, math.nan)
        return va < expect.factor * base, f"{a.label} {_fmt(va, a)} vs {expect.baseline} {base:.4g}"
    raise ValueError(expect.kind)


def _fmt(v: float, run: RunResult) -> str:
    if math.isinf(v):
        return run.status if run.status in _FAILED else "-"
    return f"{v:,.0f}" if abs(v) >= 10_000 else f"{v:.4g}"
