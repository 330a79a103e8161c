"""The home screen's rows with sweeps grouped: each sweep a header row (its name, status, best
value, trials done of total) with its trials' runs under it, placed where its newest trial falls
among the runs (newest first). Reads only this host's sweep records and run infos: no Optuna."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from rnnlab.runs.status import STYLE as STATUS_STYLE
from rnnlab.tui.state import fmt_num, task_kind_of

SWEEP_KEY = "sweep:"  # row keys of sweep headers; run rows are keyed by run id


def _header(rec: Any, trials: list, shown_id: str) -> tuple:
    ctl = rec.controller_status()
    done = sum(1 for i in trials if not i.live)
    total = rec.trials or "?"
    status = "running" if ctl in ("starting", "running", "stopping") else ctl
    if status == "finished" and rec.trials and done < rec.trials:
        status = "running"  # this host is done; another host still has trials going
    metric = rec.metric or ""
    values = [i.latest.get(metric) for i in trials if i.status == "finished" and i.latest.get(metric) is not None]
    best = (max if rec.direction == "maximize" else min)(values) if values else None
    return (
        " ", f"▾ {rec.name}", shown_id, Text(status, style=STATUS_STYLE.get(status, "bold")),
        f"{metric.removeprefix('val_')} {fmt_num(best)}" if metric else "–", f"{done}/{total} trials", "sweep",
        task_kind_of(trials[0].task) if trials else "–", "–", "",
    )


def grouped(infos: list, sweeps: list, row_of, marked: set, shown_ids: dict) -> list[tuple[str, tuple]]:
    """[(row key, row)] in display order; `row_of(info, marked, shown_id)` makes a run's row."""
    known = {r.sweep_id: r for r in sweeps}
    members: dict[str, list] = {}
    for i in infos:
        if getattr(i, "sweep", None) in known:
            members.setdefault(i.sweep, []).append(i)
    out: list[tuple[str, tuple]] = []
    for rec in sweeps:  # sweeps with no trial run here yet go first (newest)
        if rec.sweep_id not in members:
            out.append((SWEEP_KEY + rec.sweep_id, _header(rec, [], rec.sweep_id)))
    emitted = set()
    for i in infos:
        sid = getattr(i, "sweep", None)
        if sid not in known:
            out.append((i.run_id, row_of(i, i.run_id in marked, shown_ids.get(i.run_id))))
            continue
        if sid in emitted:
            continue
        emitted.add(sid)
        trials = sorted(members[sid], key=lambda x: x.trial)
        out.append((SWEEP_KEY + sid, _header(known[sid], trials, sid)))
        for t in trials:
            row = list(row_of(t, t.run_id in marked, shown_ids.get(t.run_id)))
            row[1] = f" └ t{t.trial} {t.cell or ''}".rstrip()
            out.append((t.run_id, tuple(row)))
    return out
