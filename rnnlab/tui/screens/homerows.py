"""The cells of a run's row in Home's table: the shortened run ids and the row itself.

(Compare shows the same short ids, so they live here rather than on the Home screen.)
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from rnnlab.runs.status import STYLE as STATUS_STYLE
from rnnlab.tui.i18n import t
from rnnlab.tui.state import fmt_num, task_kind_of


def short_ids(run_ids: list[str]) -> dict[str, str]:
    """Each id without the leading parts every listed id shares (`YYYYMMDD-HHMMSS-xxxx` ids:
    the date, and the second too for runs launched together), so that at 80 columns the column
    shows what tells the runs apart; the random tail is always kept."""
    parts = [rid.split("-") for rid in run_ids]
    keep = {rid: rid for rid in run_ids}
    if not parts or any(len(p) != 3 for p in parts):
        return keep
    drop = 1
    if len({p[0] for p in parts}) == 1 and len({p[1] for p in parts}) == 1 and len(parts) > 1:
        drop = 2
    elif len({p[0] for p in parts}) > 1:
        drop = 0
    return {rid: ("…" if drop else "") + "-".join(p[drop:]) for rid, p in zip(run_ids, parts)}


def row_of(info: Any, marked: bool, shown_id: str | None = None, hp: tuple = ()) -> tuple:
    """The run's cells; `hp` (its chosen hyperparameters, shown) go right after the metric."""
    metric = info.primary_metric or ""
    value = info.shown_metric  # the kept best, not the last evaluation's
    total = info.total_steps or "?"
    tps = f"{info.tokens_per_s:,.0f}" if info.tokens_per_s else "–"
    # most telling first: at 80 columns the table cuts from the right
    return (
        "●" if marked else " ",
        info.name or "",
        shown_id or info.run_id,
        Text(t(info.status), style=STATUS_STYLE.get(info.status, "")),
        f"{metric.removeprefix('val_')} {fmt_num(value)}" if metric else "–",
        *hp,
        f"{info.step}/{total}",
        info.cell or "?",
        task_kind_of(info.task) or "?",
        tps,
        " ".join(getattr(info, "tags", None) or []),
    )
