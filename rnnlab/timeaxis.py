"""Date labels for the x-axis of a plotted series (no numpy, no torch): the TUI's forecast panel
and `rnnlab show` put the series' own dates under a forecast instead of step numbers.

The label format follows what changes between the dates: years for yearly data, year-month for
monthly, dates for daily and weekly, dates and times below a day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence


def _parse(times: Sequence[str]) -> Optional[list[datetime]]:
    try:
        return [datetime.fromisoformat(str(t)) for t in times]
    except ValueError:
        return None


def label_format(stamps: Sequence[datetime]) -> str:
    if all(s.hour == 0 and s.minute == 0 and s.second == 0 for s in stamps):
        if all(s.month == 1 and s.day == 1 for s in stamps):
            return "%Y"
        if all(s.day == 1 for s in stamps):
            return "%Y-%m"
        return "%Y-%m-%d"
    if stamps and (stamps[-1] - stamps[0]).days > 300:
        return "%Y-%m-%d %H:%M"
    return "%m-%d %H:%M"


def ticks(times: Sequence[str], most: int = 4) -> list[tuple[int, str]]:
    """(position, label) for up to `most` evenly spread positions of ISO `times`; [] when they
    are missing or not dates."""
    n = len(times)
    stamps = _parse(times) if n else None
    if not stamps:
        return []
    fmt = label_format(stamps)
    k = max(1, min(most, n))
    pos = sorted({round(i * (n - 1) / (k - 1)) for i in range(k)} if k > 1 else {0})
    return [(p, stamps[p].strftime(fmt)) for p in pos]
