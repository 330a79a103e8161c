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

    def describe(self, language: Optional[str] = None) -> str:
        """The check in one line, in `language` (default: the lesson texts', $RNNLAB_LANG):
        labels, metric names and numbers as typed, the words around them from WORDS."""
        w = words(language)
        times = "" if self.factor == 1.0 else f"{self.factor:g} x "
        if self.kind == "status":
            return w["status"].format(a=self.a, statuses=w["or"].join(self.statuses))
        if self.kind in ("lower", "higher", "beats_baseline"):
            return w[self.kind].format(a=self.a, b=self.b, metric=self.metric, times=times, baseline=self.baseline)
        raise ValueError(self.kind)


# The words around a check's labels and numbers, per language (the lesson texts' mechanism: a
# dict per language, picked by $RNNLAB_LANG). A new `kind` of check adds its line to each.
WORDS: dict[str, dict[str, str]] = {
    "en": {"status": "{a} ends {statuses}", "or": " or ",
           "lower": "{a} {metric} < {times}{b} {metric}", "higher": "{a} {metric} > {times}{b} {metric}",
           "beats_baseline": "{a} {metric} < {times}its {baseline}",
           "ended": "{label}: {status} at step {step}", "vs": "{a} {va} vs {b} {vb}",
           "greedy": "greedy", "style": "style {s}", "top_k": "top-k {k}", "top_p": "top-p {p:g}", "sep": ", "},
    "zh": {"status": "{a} 结束状态为 {statuses}", "or": " 或 ",
           "lower": "{a} 的 {metric} < {times}{b} 的 {metric}", "higher": "{a} 的 {metric} > {times}{b} 的 {metric}",
           "beats_baseline": "{a} 的 {metric} < {times}其自身的 {baseline}",
           "ended": "{label}: 第 {step} 步时 {status}", "vs": "{a} {va} 对比 {b} {vb}",
           "greedy": "贪心", "style": "风格 {s}", "top_k": "top-k {k}", "top_p": "top-p {p:g}", "sep": ", "},
}


def words(language: Optional[str] = None) -> dict[str, str]:
    if language is None:  # $RNNLAB_LANG as catalog.lang reads it (catalog imports this module)
        import os

        language = "zh" if os.environ.get("RNNLAB_LANG", "en").strip().lower().startswith("zh") else "en"
    return WORDS.get(language, WORDS["en"])


@dataclass(frozen=True)
class Sampling:
    """One sampler setting; `label` names it in the lesson's table and checks."""

    label: str
    temperature: float
    top_k: int = 0
    top_p: float = 1.0
    style: str = ""  # a style-conditioned run's style to sample in ("": the model's default)

    def describe(self, language: Optional[str] = None) -> str:
        w = words(language)
        parts = [w["style"].format(s=self.style)] if self.style else []
        parts.append(w["greedy"] if self.temperature == 0 else f"T={self.temperature:g}")
        if self.top_k:
            parts.append(w["top_k"].format(k=self.top_k))
        if self.top_p < 1:
            parts.append(w["top_p"].format(p=self.top_p))
        return w["sep"].join(parts)


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


def evaluate(expect: Expect, runs: dict[str, RunResult], language: Optional[str] = None) -> tuple[bool, str]:
    """(passed, one line with the measured numbers, in `language` as `Expect.describe`)."""
    w = words(language)
    a = runs[expect.a]
    if expect.kind == "status":
        return a.status in expect.statuses, w["ended"].format(label=a.label, status=a.status, step=a.step)
    if expect.kind == "lower":
        b = runs[expect.b]
        va, vb = a.value(expect.metric), b.value(expect.metric)
        ok = va < expect.factor * vb
        return ok, w["vs"].format(a=a.label, va=_fmt(va, a), b=b.label, vb=_fmt(vb, b))
    if expect.kind == "higher":
        b = runs[expect.b]
        # a failed run has no accuracy worth the name: -inf, below anything
        va, vb = (-x if math.isinf(x) else x for x in (a.value(expect.metric), b.value(expect.metric)))
        return va > expect.factor * vb, w["vs"].format(a=a.label, va=_fmt(va, a), b=b.label, vb=_fmt(vb, b))
    if expect.kind == "beats_baseline":
        va = a.value(expect.metric)
        base = a.baselines.get(expect.baseline, math.nan)
        return va < expect.factor * base, w["vs"].format(a=a.label, va=_fmt(va, a), b=expect.baseline, vb=f"{base:.4g}")
    raise ValueError(expect.kind)


def _fmt(v: float, run: RunResult) -> str:
    if math.isinf(v):
        return run.status if run.status in _FAILED else "-"
    return f"{v:,.0f}" if abs(v) >= 10_000 else f"{v:.4g}"
