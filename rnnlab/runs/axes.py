"""What runs are compared along: the x-axes (step, wall time, tokens seen) and the point a run
is aligned at (its best value of a metric). Shared by the lab's compare view and `rnnlab
compare`; plain Python (no numpy, no torch).

Tokens seen = steps x the tokens one optimizer step trains on. The run records that product
itself: the loop logs `tokens_per_s` = tokens per batch / `step_time`, so their product is the
batch's rows x sequence length (the window for a forecaster) whatever the task; a run that
has not logged them yet falls back to `train.batch_size` x `task.seq_len` (or `window`).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

X_AXES = ("step", "wall", "tokens")
X_LABELS = {"step": "step", "wall": "minutes", "tokens": "tokens seen"}


def tokens_per_step(latest: Optional[dict], config: Any = None) -> Optional[float]:
    """Tokens one step trains on, from the run's latest `tokens_per_s` x `step_time`, else
    from its config; None when neither is known."""
    latest = latest or {}
    tps, st = latest.get("tokens_per_s"), latest.get("step_time")
    if isinstance(tps, (int, float)) and isinstance(st, (int, float)) and math.isfinite(tps * st) and tps * st > 0:
        return float(round(tps * st))
    if config is not None:
        length = (config.task.window or 96) if config.task.kind == "timeseries" else config.task.seq_len
        return float(config.train.batch_size * length)
    return None


def best_index(values: Sequence[float]) -> Optional[int]:
    """Index of the lowest finite value (every metric the lab aligns on is lower-is-better:
    losses, bits per character, errors); None without one."""
    best, at = math.inf, None
    for k, v in enumerate(values):
        v = float(v)
        if math.isfinite(v) and v < best:
            best, at = v, k
    return at
