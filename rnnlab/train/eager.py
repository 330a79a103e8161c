"""torch's optimizers without torch._dynamo, in a process that never compiles.

`torch.optim` imports `torch._dynamo` (and with it sympy) the first time an optimizer adds a
param group, steps, zeroes or saves its state, only to mark those functions "not to be
compiled": 1.3-1.6 s of CPU on a 2-core box, a third of what `rnnlab train` spent before its
first step (benchmarks/startup.py). The training process compiles nothing, so:
- `prepare()` hands torch's `_disable_dynamo` decorators the answer they cache on first use
  (for code that is never compiled, the function itself);
- `step(opt)` runs the optimizer's own update under `no_grad`, past the wrapper that imports
  dynamo to place a graph break (and records a profiler range); with step hooks registered it
  takes torch's path.
The numbers are torch's own (the same update function). If torch moves these internals, both
fall back to torch's path (a slower start, the same numbers) and tests/test_startup.py fails
loudly, so the next torch is checked rather than trusted.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch.optim import Optimizer

# Optimizer methods torch wraps with torch._compile._disable_dynamo
_DISABLED = ("add_param_group", "state_dict", "load_state_dict", "zero_grad")
_prepared = False


def prepare() -> bool:
    """Pre-answer the `_disable_dynamo` wrappers on `Optimizer`; True when all were found."""
    global _prepared
    found = 0
    for name in _DISABLED:
        method = getattr(Optimizer, name, None)
        inner = getattr(method, "__wrapped__", None)
        code = getattr(method, "__code__", None)
        if inner is None or code is None or not code.co_filename.endswith("_compile.py"):
            continue  # not the wrapper this module knows: leave it alone
        if getattr(inner, "__dynamo_disable", None) is None:
            setattr(inner, "__dynamo_disable", inner)
        found += 1
    _prepared = found == len(_DISABLED)
    return _prepared


def _hooked(opt: Optimizer) -> bool:
    from torch.optim import optimizer as mod

    hook_sets = (getattr(opt, "_optimizer_step_pre_hooks", None), getattr(opt, "_optimizer_step_post_hooks", None),
                 getattr(mod, "_global_optimizer_pre_hooks", None), getattr(mod, "_global_optimizer_post_hooks", None))
    return any(h is None or len(h) > 0 for h in hook_sets)


def step(opt: Optimizer) -> Any:
    """`opt.step()` without the dynamo import (see the module docstring)."""
    wrapped = type(opt).step
    raw = inspect.unwrap(wrapped)
    if raw is wrapped or _hooked(opt):
        return opt.step()
    with torch.no_grad():
        return raw(opt)
