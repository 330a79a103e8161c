"""How many runs share this machine's cores: the environment variable the worker sets (from the
device's slots, rnnlab/runs/slots.py `cpu_share`) and `[train] threads = 0` reads
(rnnlab/train/device.py `default_threads`).

Torch-free and in the lower layer of the two, so the store's side can set it without importing
the loop's device code.
"""

from __future__ import annotations

import os

SHARE_ENV = "RNNLAB_CPU_SHARE"


def cpu_share_from_env() -> int:
    """The share the worker set; 1 (the whole machine) when unset or not a positive whole number."""
    raw = os.environ.get(SHARE_ENV, "1").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1
