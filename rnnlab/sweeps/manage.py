"""What the CLI and the lab do with sweeps: start one, join one from another host, list, show,
stop and resume them. Each function is one verb; the printing is the caller's. Torch-free.
"""

from __future__ import annotations

import os
import threading
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
    sweep_id = record.check_sweep_id(studies.find(storage, ref), storage)
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


# digest(): the study's counts per (storage, sweep id), with what they were read at
_DIGESTS: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}
_DIGESTS_LOCK = threading.Lock()
URL_DIGEST_S = 5.0  # a database has no cheap "changed?": read it at most this often


def digest(rec: record.SweepRecord, *, read: bool = True) -> Optional[dict[str, Any]]:
    """The sweep as the study tells it, whatever this host runs: status, done, total, metric,
    direction, best value. For the lab's home row, read on every listing, so the study is read
    again only when its journal file changed (a database: every URL_DIGEST_S). With `read`
    False: what was read before (None if nothing), never waiting for Optuna."""
    key = (rec.storage, rec.sweep_id)
    if studies.is_url(rec.storage):
        mark: Any = int(time.time() // URL_DIGEST_S)
    else:
        try:
            st = os.stat(rec.storage)
            mark = (st.st_size, st.st_mtime_ns)
        except OSError as err:
            raise UserError(f"sweep {rec.sweep_id}: cannot read its study {rec.storage} ({err.strerror})") from None
    with _DIGESTS_LOCK:
        cached = _DIGESTS.get(key)
    if cached is None and not read:
        return None
    if cached is None or (cached[0] != mark and read):
        study = studies.load(rec.storage, rec.sweep_id)
        s = studies.summary(study, studies.spec_of(study), with_importances=False)
        counts = {k: s[k] for k in ("done", "total", "metric", "direction")}
        counts["best"] = s["best"]["value"] if s["best"] else None
        with _DIGESTS_LOCK:
            _DIGESTS[key] = cached = (mark, counts)
    counts = cached[1]
    return {**counts, "status": status(rec, counts)}


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
    goes on. Refused, in one line, while a controller lives on this host (it holds the lock)."""
    live = rec.live_here()
    if live:
        raise record.LiveController(f"{live}; `rnnlab sweep stop {rec.sweep_id}` first, or follow it with `rnnlab sweep show {rec.sweep_id}`")
    rec.clear_stop()
    try:
        return controller.spawn(rec)
    except record.LiveController as err:
        raise record.LiveController(f"{err}; `rnnlab sweep stop {rec.sweep_id}` first to restart it") from None
