"""The home screen's rows with sweeps grouped: each sweep a header row (its name, status, best
value, trials done of total) with its trials' runs under it, placed where its newest trial falls
among the runs (newest first).

The header's status, best and done count are the study's (`read_studies`, in the listing
thread: Optuna, cached while the study is unchanged), so neither a filter that hides trials nor
a host that runs only some of them changes them. Until a study is read, this host's sweep
record and runs stand in."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from rnnlab.runs.status import STYLE as STATUS_STYLE
from rnnlab.tui.i18n import t
from rnnlab.tui.state import fmt_num, task_kind_of

SWEEP_KEY = "sweep:"  # row keys of sweep headers; run rows are keyed by run id


def read_studies(sweeps: list, *, read: bool = True) -> bool:
    """Attach each sweep's study counts (rec.digest); call it off the UI thread. With `read`
    False only counts read before (no wait: the first listing is not held up by Optuna).
    True when some row's counts changed. A study that cannot be read leaves the row to this
    host's runs."""
    if not sweeps:
        return False  # no Optuna import for a runs dir without sweeps
    from rnnlab.sweeps.manage import digest

    changed = False
    for rec in sweeps:
        before = rec.digest
        try:
            rec.digest = digest(rec, read=read) or before
        except Exception:  # noqa: BLE001 - a study that cannot be read must not hide the runs
            rec.digest = None
        changed = changed or rec.digest != before
    return changed


def _header(rec: Any, trials: list, shown_id: str) -> tuple:
    metric = rec.metric or ""
    study = getattr(rec, "digest", None)
    if study is not None:
        status, done, total, best = study["status"], study["done"], study["total"], study["best"]
    else:
        ctl = rec.controller_status()
        done = sum(1 for i in trials if not i.live)
        total = rec.trials or "?"
        status = "running" if ctl in ("starting", "running", "stopping") else ctl
        if status == "finished" and rec.trials and done < rec.trials:
            status = "running"  # this host is done; another host still has trials going
        values = [i.best_metric if i.primary_metric == metric else i.latest.get(metric) for i in trials if i.status == "finished"]
        values = [v for v in values if v is not None]
        best = (max if rec.direction == "maximize" else min)(values) if values else None
    return (
        " ", f"▾ {rec.name}", shown_id, Text(t(status), style=STATUS_STYLE.get(status, "bold")),
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
