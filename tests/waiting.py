"""Polling helper for tests that watch real worker processes and databases change."""

from __future__ import annotations

import time


def wait_for(pred, timeout: float = 20.0, every: float = 0.05):
    """The first truthy value of `pred()` within `timeout` seconds, else its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(every)
    return pred()
