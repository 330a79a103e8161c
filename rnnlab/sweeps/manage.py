"""What the CLI and the lab do with sweeps: start one, join one from another host, list, show,
stop and resume them. Each function is one verb; the printing is the caller's. Torch-free.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

from rnnlab.errors import UserError
from rnnlab.runs.paths import check_name, new_run_id
from rnnlab.runs.reader import list_runs
from rnnlab.sweeps import controller, record, study as studies
from rnnlab.sweeps.spec import SweepSpec


def start(spec: SweepSpec, runs_root: Path, *, name: Optional[str] = None, storage: Optional[str] = None) -> record.SweepRecord:
    """Create the study and this host's record; the caller runs or spawns the controller."""
    if name is not None:
        check_name(name)
        if any(r.name == name for r in record.list_sweeps(runs_root)):
            raise UserError(f"sweep name {name!r} is already used in {runs_root}; pick another name")
    sweep_id = new_run_id()
    if storage is not None:
        studies.open_storage(storage)  # a bad URL or path fails before any folder is made
    rec = record.create(runs_root, sweep_id, name, storage, spec=spec)
    try:
        studies.create(rec.storage, sweep_id, spec, rec.name)
    except UserError:
        import shutil

        shutil.rmtree(rec.dir, ignore_errors=True)
        raise
    return rec


def join(ref: str, storage: str, runs_root: Path) -> record.SweepRecord:
    """This host's record of a sweep that lives in a shared storage (its id or name)."""
    sweep_id = studies.find(storage, ref)
    study = studies.load(storage, sweep_id)
    spec = studies.spec_of(study)  # made by rnnlab sweep
    existing = [r for r in record.list_sweeps(runs_root) if r.sweep_id == sweep_id]
    if existing:
        return existing[0]
    return record.create(runs_root, sweep_id, study.user_attrs.get(studies.NAME_ATTR), storage, joined=True, spec=spec)


def status(rec: record.SweepRecord, summary: Optional[dict[str, Any]] = None) -> str:
    """running while this host's controller lives; finished once the study has all its trial
    numbers and none is running; otherwise what the controller recorded (stopped, crashed...)."""
    ctl = rec.controller_status()
    if ctl in record.LIVE:
        return "running"
    if summary is not None and summary["done"] >= summary["total"]:
        return "finished"
    return "running" if ctl == "finished" else ctl  # another host still has trials going


def run_statuses(rec: record.SweepRecord) -> dict[int, str]:
    return {i.trial: i.status for i in list_runs(rec.runs_root) if i.sweep == rec.sweep_id and i.trial is not None}


def show(rec: record.SweepRecord, *, with_importances: bool = True) -> dict[str, Any]:
    """The `sweep show --json` object."""
    study = studies.load(rec.storage, rec.sweep_id)
    spec = studies.spec_of(study)
    s = studies.summary(study, spec, run_status=run_statuses(rec), with_importances=with_importances)
    ctl = rec.controller()
    return {"sweep_id": rec.sweep_id, "name": rec.name, "status": status(rec, s), **{k: v for k, v in s.items() if k not in ("sweep_id", "name")},
            "pid": rec.alive_pid(), "storage": rec.storage, "message": ctl.get("message", "")}


def listing(runs_root: Path) -> list[dict[str, Any]]:
    """One row per sweep of this runs dir: sweep_id, name, status, pid, done, trials."""
    out = []
    for rec in record.list_sweeps(runs_root):
        row: dict[str, Any] = {"sweep_id": rec.sweep_id, "name": rec.name, "pid": rec.alive_pid(), "storage": rec.storage}
        try:
            s = show(rec, with_importances=False)
            row.update(status=s["status"], done=s["done"], trials=s["total"], metric=s["metric"],
                       best=s["best"]["value"] if s["best"] else None)
        except UserError as err:
            row.update(status="corrupt", done=None, trials=None, metric=None, best=None, message=str(err))
        out.append(row)
    return out


def stop(rec: record.SweepRecord, *, wait_s: float = 150.0) -> str:
    """Ask this host's controller to stop its trials (each checkpoints) and exit; with no
    controller alive, stop the sweep's live runs here directly."""
    from rnnlab.runs.control import send_command

    if rec.controller_status() in record.LIVE:
        rec.request_stop()
        deadline = time.time() + wait_s
        while time.time() < deadline and rec.controller_status() in record.LIVE:
            time.sleep(0.2)
        if rec.controller_status() in record.LIVE:
            raise UserError(f"sweep {rec.sweep_id}: asked its controller (pid {rec.alive_pid()}) to stop; it is still stopping its trials")
        return f"sweep {rec.sweep_id} stopped; its running trials checkpointed (`rnnlab sweep resume {rec.sweep_id}` goes on)"
    n = 0
    for info in list_runs(rec.runs_root):
        if info.sweep == rec.sweep_id and info.live:
            send_command(info.dir, "stop")
            n += 1
    rec.set_controller(status="stopped", message="stopped on request (no controller was running)", ended=time.time())
    return f"sweep {rec.sweep_id}: no controller was running; asked {n} live trial run(s) to stop"


def resume(rec: record.SweepRecord) -> int:
    """Start a new controller for this host: it adopts live trials, resumes stopped ones and
    goes on. Refused while a controller is alive."""
    pid = rec.alive_pid()
    if pid is not None:
        raise UserError(f"sweep {rec.sweep_id} already has a running controller (pid {pid}); `rnnlab sweep stop {rec.sweep_id}` first")
    rec.clear_stop()
    return controller.spawn(rec)
