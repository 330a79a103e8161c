"""Metric names, known without torch: the val metrics each task records at every evaluation, and
which way a metric is better. Config (`train.best_metric`), the loop's kept best checkpoint and
sweeps (`[sweep] metric` and `direction`) read them here, so the three agree. A leaf beside errors.
"""

from __future__ import annotations

from typing import Optional

# Each task's primary metric (the `primary_metric` of its module in rnnlab/tasks/; a global
# forecasting model's is val_mase).
PRIMARY = {"text": "val_bpc", "timeseries": "val_rmse", "adding": "val_mse", "copy": "val_loss"}
# The keys of each task's evaluate() (tests/test_sweep_metric.py checks them against the tasks). A
# conditioned text run adds val_bpc/<style>; a forecast records what its head and data make it,
# so it is not listed (checked at its first evaluation instead).
RECORDED = {"text": ("val_loss", "val_bpc", "val_ppl"), "adding": ("val_loss", "val_mse"), "copy": ("val_loss", "val_acc")}

# Words of a metric's name that say which way it is better: every loss, error, bpc and
# perplexity is minimised, an accuracy maximised. Other names (coverage, width) say nothing.
_LOWER = ("loss", "bpc", "ppl", "mse", "rmse", "mae", "mase", "mape", "smape", "crps", "pinball")
_HIGHER = ("acc", "accuracy")
# When the name says nothing: these lean to maximize (the sweep's inference before the words above)
_HIGHER_HINTS = ("acc", "coverage", "r2")


def recorded(kind: str) -> Optional[tuple[str, ...]]:
    """The val metrics a task of `kind` records; None when its config decides (a forecast)."""
    return RECORDED.get(kind)


def is_recorded(kind: str, metric: str) -> Optional[bool]:
    """Whether a `kind` run records `metric`; None when that is only known once it evaluates."""
    names = recorded(kind)
    if names is None:
        return None
    return metric in names or (kind == "text" and metric.startswith("val_bpc/"))


def known_direction(metric: str) -> Optional[str]:
    """"minimize" / "maximize" when the metric's name says which way is better, else None."""
    words = set(metric.split("/", 1)[0].lower().split("_"))
    lower, higher = bool(words & set(_LOWER)), bool(words & set(_HIGHER))
    if lower == higher:
        return None
    return "minimize" if lower else "maximize"


def infer_direction(metric: str) -> str:
    """The way `metric` is better: its name's, else maximize for a coverage or r2, else minimize."""
    return known_direction(metric) or ("maximize" if any(h in metric.lower() for h in _HIGHER_HINTS) else "minimize")


def contradiction(metric: str, direction: str) -> Optional[str]:
    """Why `direction` cannot be `metric`'s (a loss maximised), or None when it can."""
    known = known_direction(metric)
    if known is None or known == direction:
        return None
    better = "lower" if known == "minimize" else "higher"
    return f"{metric} is better {better}, so its direction is {known}, not {direction}"


def check_best(kind: str, metric: Optional[str], direction: Optional[str]) -> None:
    """`train.best_metric` / `best_direction` against the task: ValueError (config's one line)
    naming what the task records, or the contradiction (val_loss maximised)."""
    name = metric or PRIMARY.get(kind, "val_loss")
    if metric and is_recorded(kind, metric) is False:
        raise ValueError(f"[train] best_metric = {metric!r}: the {kind} task never records it; it records {', '.join(recorded(kind) or ())}")
    why = contradiction(name, direction) if direction else None
    if why:
        raise ValueError(f"[train] best_direction = {direction!r}: {why}")
