"""The run header: name, status, step/total with ETA, tokens/s, MFU, device, cell and task."""

from __future__ import annotations

from typing import Any, Optional

from rich.text import Text
from textual.widgets import Static

from rnnlab.runs.status import EXPLAINED, STYLE as STATUS_STYLE
from rnnlab.tui.state import RunState, fmt_duration, fmt_num
from rnnlab.tui.widgets.quiet import set_content


def steps_per_second(state: RunState) -> Optional[float]:
    """Recent training speed from the loss series' wall times (no clock reads: a finished run
    and a snapshot of fixed data show the same numbers every time)."""
    s = state.series.get("loss")
    if s is None or len(s) < 2:
        return None
    k = min(len(s), 50)
    ds = s.steps[-1] - s.steps[-k]
    dt = s.walls[-1] - s.walls[-k]
    return ds / dt if dt > 0 and ds > 0 else None


def header_text(state: RunState) -> Text:
    info = state.info
    if info is None:
        return Text(state.error or "reading run…", style="dim")
    status = str(getattr(info, "status", "?"))
    step = int(getattr(info, "step", 0) or 0)
    total = int(getattr(info, "total_steps", 0) or 0)
    t = Text()
    t.append(f"{getattr(info, 'name', '') or getattr(info, 'run_id', '')}  ", style="bold")
    t.append(f" {status} ", style=STATUS_STYLE.get(status, "bold"))
    pct = f" ({100 * step / total:.0f}%)" if total else ""
    t.append(f"  step {step}/{total or '?'}{pct}")
    rate = steps_per_second(state)
    if status == "running" and rate and total > step:
        t.append(f"  ETA {fmt_duration((total - step) / rate)}")
    tps = getattr(info, "tokens_per_s", None)
    if tps:
        t.append(f"  {float(tps):,.0f} tok/s")
    mfu = (getattr(info, "latest", None) or {}).get("mfu")
    if mfu is not None:
        # model FLOP utilisation: achieved FLOP/s over the worker's measured matmul peak
        t.append(f"  MFU {100 * float(mfu):.0f}%")
    t.append(f"  {getattr(info, 'cell', '?')} · {state.task_kind or '?'} · {getattr(info, 'device', None) or '?'}")
    msg = getattr(info, "message", None)
    if msg and status in EXPLAINED:
        t.append(f"\n{msg}", style=STATUS_STYLE.get(status, ""))
    if state.error:
        t.append(f"\nreader: {state.error}", style="red")
    return t


class RunHeader(Static):
    def show(self, state: RunState) -> None:
        set_content(self, header_text(state))
