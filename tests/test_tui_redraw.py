"""The dashboard spaces its streaming redraws out when they cost more than its CPU budget."""

from __future__ import annotations

from rnnlab.tui.screens.dashboard import CPU_BUDGET, REDRAW_INTERVAL, REDRAW_MAX_INTERVAL, redraw_interval


def test_redraws_spread_out_while_over_budget_and_come_back_when_under():
    interval, seen = REDRAW_INTERVAL, []
    for _ in range(8):  # three plots rebuilt five times a second: ~20% of a core
        interval = redraw_interval(interval, 0.20)
        seen.append(interval)
    assert seen[0] == 2 * REDRAW_INTERVAL and seen[-1] == REDRAW_MAX_INTERVAL
    assert redraw_interval(1.0, CPU_BUDGET * 0.75) == 1.0  # near the budget: hold
    for _ in range(8):
        interval = redraw_interval(interval, 0.01)
    assert interval == REDRAW_INTERVAL  # idle again: five redraws a second
