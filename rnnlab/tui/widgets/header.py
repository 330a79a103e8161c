"""The run header: name, status, step/total with ETA, tokens/s, MFU, device, cell and task, and
(where the width allows) the machine: the worker's CPU and RSS, the machine's CPU and RAM, and
each GPU's utilisation, memory and temperature (rnnlab/runs/system.py)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from rich.text import Text
from textual.widgets import Static

from rnnlab.runs.status import EXPLAINED, STYLE as STATUS_STYLE
from rnnlab.tui.i18n import run_message, t, tf
from rnnlab.tui.i18n_errors import translate
from rnnlab.tui.state import RunState, fmt_duration, fmt_num
from rnnlab.tui.widgets.quiet import set_content


def steps_per_second(state: RunState) -> Optional[float]:
    """Training speed from the loss series' wall times (no clock reads: a finished run and a
    snapshot of fixed data show the same numbers every time), over this attempt's rows (those
    since its worker started), so that the evaluations and probes between steps count: over the
    last 50 rows it was the speed between them, and the ETA read a third of the time left and
    jumped (an outside trial); a gap in wall time is no sign of a restart (an evaluation can take
    minutes)."""
    s = state.series.get("loss")
    if s is None or len(s) < 2:
        return None
    steps, walls = s.steps, s.walls
    started = getattr(state.info, "started", None)
    k = int(np.searchsorted(walls, float(started))) if started else 0
    if k > len(s) - 2:
        return None
    ds = steps[-1] - steps[k]
    dt = walls[-1] - walls[k]
    return ds / dt if dt > 0 and ds > 0 else None


def system_parts(sample: Any) -> list[tuple[int, str, str]]:
    """The header's machine parts: lower priority than the run's own (they go first when narrow)."""
    from rnnlab.runs.system import fmt_bytes, fmt_pct

    parts: list[tuple[int, str, str]] = []
    for r in sample.runs[:1]:  # this run's worker, when it is live on this host
        gpu = "" if r.gpu_memory is None else f" gpu{r.gpu} {fmt_bytes(r.gpu_memory)}"
        parts.append((6, f"│ {t('worker')} {fmt_pct(r.cpu_percent)} {fmt_bytes(r.rss)}{gpu}", "cyan"))
    parts.append((7, f"│ CPU {fmt_pct(sample.cpu_percent)} RAM {fmt_bytes(sample.memory_used)}/{fmt_bytes(sample.memory_total)}", "dim"))
    for g in sample.gpus:
        temp = "" if g.temperature is None else f" {g.temperature:.0f}°C"
        parts.append((8 + g.index, f"│ gpu{g.index} {fmt_pct(g.utilization)} {fmt_bytes(g.memory_used)}/{fmt_bytes(g.memory_total)}{temp}", "dim"))
    return parts


def header_text(state: RunState, width: Optional[int] = None, system: Any = None) -> Text:
    """The header; its first line fits `width` cells (the least telling parts go first)."""
    info = state.info
    if info is None:
        return Text(state.error or t("reading run…"), style="dim")
    status = str(getattr(info, "status", "?"))
    step = int(getattr(info, "step", 0) or 0)
    total = int(getattr(info, "total_steps", 0) or 0)
    pct = f" ({100 * step / total:.0f}%)" if total else ""
    # (priority, text, style): what must stay (name, status, step) has the lowest number
    parts: list[tuple[int, str, str]] = [
        (0, f"{getattr(info, 'name', '') or getattr(info, 'run_id', '')}", "bold"),
        (0, f" {t(status)} ", STATUS_STYLE.get(status, "bold")),
        (0, tf("step {step}/{total}", step=step, total=total or "?") + pct, ""),
    ]
    rate = steps_per_second(state)
    if status == "running" and rate and total > step:
        parts.append((2, tf("ETA {eta}", eta=fmt_duration((total - step) / rate)), ""))
    # a paused worker computes nothing: its last speed read as a live one (an outside trial), and
    # the status beside it already says paused; a run that ended keeps its speed as a record
    live_rate = status != "paused"
    tps = getattr(info, "tokens_per_s", None)
    if tps and live_rate:
        parts.append((4, f"{float(tps):,.0f} tok/s", ""))
    mfu = (getattr(info, "latest", None) or {}).get("mfu")
    if mfu is not None and live_rate:
        # model FLOP utilisation: achieved FLOP/s over the worker's measured matmul peak
        parts.append((5, f"MFU {100 * float(mfu):.0f}%", ""))
    parts.append((1, f"{getattr(info, 'cell', '?')} · {state.task_kind or '?'}", ""))
    parts.append((3, f"· {getattr(info, 'device', None) or '?'}", ""))
    if system is not None:
        parts.extend(system_parts(system))
    gap = "  "
    if width is not None:
        from rich.cells import cell_len  # Chinese words take two cells each

        while len(parts) > 3 and sum(cell_len(p[1]) for p in parts) + len(gap) * (len(parts) - 1) > width:
            parts.remove(max(parts, key=lambda p: p[0]))
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, (_, text, style) in enumerate(parts):
        if i:
            out.append(" " if text.startswith("· ") else gap)
        out.append(text, style=style)
    msg = getattr(info, "message", None)
    if msg and status in EXPLAINED:
        out.append(f"\n{msg}", style=STATUS_STYLE.get(status, ""))
    elif msg and status == "finished" and msg.startswith("stopped early"):  # `finished  step 800/1000` said
        out.append(f"\n{run_message(msg)}", style="dim")                     # nothing of why (an outside trial)
    if state.error:
        out.append(f"\n{t('reader')}: {translate(state.error)}", style="red")
    return out


class RunHeader(Static):
    _state: Optional[RunState] = None
    system: Any = None  # the latest system sample (the dashboard sets it)

    def show(self, state: RunState) -> None:
        self._state = state
        set_content(self, header_text(state, self._width(), self.system))

    def _width(self) -> Optional[int]:
        # before the first layout the header's own size is 0: the screen's width stands in
        width = self.content_size.width or (self.app.size.width - 2)
        return width if width > 0 else None

    def relabel(self) -> None:
        if self._state is not None:
            self.show(self._state)

    def on_resize(self) -> None:
        if self._state is not None:
            set_content(self, header_text(self._state, self._width(), self.system))
