"""The sweep controller: `python -m rnnlab.sweeps.controller SWEEP_DIR`, one per host and sweep.

It keeps up to `parallel` trials of the sweep running on this host, each an ordinary detached
run (rnnlab/runs/launch) with `sweep` and `trial` in its metadata, so training never knows it is
in a sweep. Every POLL_S it copies each trial's new eval points from the run's store into the
study (`trial.report`), asks the pruner, and stops a weak trial through the store's control
(`request_prune`: checkpoint, then status "pruned"); a run that ended is told to the study.

Nothing lives only in this process. The study is in its storage, the trials are runs, and the
link between them is the run's metadata, written before its worker starts. So after a kill -9 a
new controller (`rnnlab sweep resume`) adopts the runs still going, starts a run that was made
but never launched, marks dead ones failed, and asks for new numbers only while the study has
fewer than `trials`: no number ever gets two runs.

One controller per sweep per host: it holds the sweep folder's `controller.lock` (flock) for its
whole life, so a second `sweep join` or `resume` on this host finds it and attaches or refuses.

A trial's value is its best evaluation in the study's direction (what its kept checkpoint holds),
not its last: a run stopped by `train.patience` ends a few evaluations past its best.

Optuna through its public API (the storage object we open, `BaseStorage` methods, `Study.tell`),
except `optuna.trial.Trial(study, trial_id)` for trials another controller asked for:
tests/test_sweep_lock.py fails loudly if that moves.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import socket
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Optional

from rnnlab.errors import UserError
from rnnlab.runs import launch, slots
from rnnlab.runs.control import prune_requested, request_prune, send_command
from rnnlab.runs.reader import RunReader, list_runs
from rnnlab.sweeps import record, study as studies

POLL_S = 0.25  # also the gap between a trial ending and the next starting (benchmarks/sweep.py)
ORPHAN_AFTER_S = 120.0  # a RUNNING trial with no owner this long after it started was lost at birth
FAILED_RUN = ("failed", "diverged", "crashed", "corrupt")


def _say(line: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", flush=True)


class Controller:
    def __init__(self, rec: record.SweepRecord, *, echo=None) -> None:
        self.rec = rec
        self.root = rec.runs_root
        self.owner = f"{socket.gethostname()}:{self.root.resolve()}"
        self.echo = echo or _say
        self.storage = studies.open_storage(rec.storage)
        probe = studies.load(rec.storage, rec.sweep_id, opened=self.storage)
        self.spec = studies.spec_of(probe)
        # A fresh sweep is reproducible from its seed; a resumed controller or a joining host
        # must draw other numbers, or a seeded sampler replays the points already tried.
        offset = len(probe.get_trials(deepcopy=False)) + (zlib.crc32(self.owner.encode()) % 10_000 if rec.joined else 0)
        self.study = studies.load(rec.storage, rec.sweep_id, sampler=studies.make_sampler(self.spec, offset),
                                  pruner=studies.make_pruner(self.spec), opened=self.storage)
        self.study_id = self.storage.get_study_id_from_name(rec.sweep_id)
        self.sign = 1 if self.spec.direction == "minimize" else -1
        self.devices = self._devices()
        self.parallel = self.spec.parallel or slots.slot_count() * max(1, len(self.devices))
        self.active: dict[int, dict[str, Any]] = {}  # trial number -> {"trial", "run_dir", "device", "reported"}
        self.lock_fd: Optional[int] = None

    # ------------------------------------------------------------------ set-up

    def _devices(self) -> list[Optional[str]]:
        """Devices to spread trials over: cuda:0..N-1 on a multi-GPU box when the base config
        says auto/cuda; otherwise the base's own device (None: unchanged)."""
        dev = str(self.spec.base.get("train", {}).get("device", "auto"))
        n = slots.visible_cuda_count()
        if dev in ("auto", "cuda") and n > 1:
            return [f"cuda:{i}" for i in range(n)]
        return [None]

    def _sweep_runs(self) -> dict[int, Any]:
        return {i.trial: i for i in list_runs(self.root) if i.sweep == self.rec.sweep_id and i.trial is not None}

    def adopt(self) -> None:
        """Take over this host's trials that a previous controller left RUNNING."""
        runs = self._sweep_runs()
        for t in self.study.get_trials(deepcopy=False):
            if t.state.name != "RUNNING":
                continue
            owner = t.user_attrs.get(studies.OWNER_ATTR)
            if owner is None:
                started = t.datetime_start.timestamp() if t.datetime_start else 0
                # asking and naming the owner happen under the journal's ask lock: a trial with
                # no owner while nobody holds that lock was orphaned at birth (a database URL
                # has no such lock, so there only its age tells)
                url = studies.is_url(self.rec.storage)
                if time.time() - started > ORPHAN_AFTER_S or (not url and not self._lock_held()):
                    self._tell(t.number, "FAIL", note="its controller died before recording who runs it")
                continue
            if owner != self.owner:
                continue
            info = runs.get(t.number)
            if info is None:
                self._tell(t.number, "FAIL", note="its controller died before creating its run")
                continue
            entry = {"trial": self._trial(t.number), "run_dir": info.dir, "device": None, "reported": set(t.intermediate_values)}
            if info.recorded_status == "queued" and info.pid is None:
                launch.spawn(info.dir)  # made, never launched
                self.echo(f"trial {t.number}: run {info.run_id} launched (its controller died first)")
            elif info.status == "stopped" and prune_requested(info.dir) is None:
                launch.resume(info.dir)  # stopped with the sweep: continues from its checkpoint
                self.echo(f"trial {t.number}: run {info.run_id} resumed from its checkpoint")
            elif info.status in FAILED_RUN:
                self._report(t.number, entry)
                self._tell(t.number, "FAIL", note=f"run {info.run_id} {info.status}")
                continue
            else:
                self.echo(f"trial {t.number}: adopted run {info.run_id} ({info.status})")
            self.active[t.number] = entry

    def _lock_held(self) -> bool:
        """Whether some controller is inside the ask lock now (a trial may be mid-birth)."""
        import fcntl

        fd = os.open(self.rec.storage + ".ask.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except OSError:
            return True
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ the loop

    def run(self, lock_fd: Optional[int] = None) -> str:
        """Run this host's share until the study has its trials, or a stop. `lock_fd`: the
        controller lock, already taken by the process that spawned us; without it we take it,
        and raise record.LiveController (touching no record) when another controller holds it."""
        self.lock_fd = lock_fd if lock_fd is not None else self.rec.take_lock()
        if self.lock_fd is None:
            raise record.LiveController(f"{self.rec.live_here() or f'sweep {self.rec.sweep_id} already has a controller on this host'}; "
                                        f"follow it with `rnnlab sweep show {self.rec.sweep_id}`")
        try:
            return self._run()
        finally:
            os.close(self.lock_fd)  # the record says how we ended before the next may start
            self.lock_fd = None

    def _run(self) -> str:
        self.rec.set_controller(status="running", pid=os.getpid(), host=socket.gethostname(), started=time.time(),
                                heartbeat=time.time(), message="", ended=None, parallel=self.parallel)
        os.environ["RNNLAB_SLOTS"] = str(max(slots.slot_count(), math.ceil(self.parallel / max(1, len(self.devices)))))
        try:
            self.adopt()
            while True:
                if self.rec.stop_requested():
                    self._stop_all()
                    self.rec.set_controller(status="stopped", message="stopped on request", ended=time.time())
                    return "stopped"
                for number in list(self.active):
                    self._poll(number)
                more = self._fill()
                if not self.active and not more:
                    break
                self.rec.set_controller(heartbeat=time.time())
                time.sleep(POLL_S)
        except UserError as err:
            self.rec.set_controller(status="failed", message=str(err), ended=time.time())
            self.echo(f"error: {err}")
            return "failed"
        done = studies.counted(self.study.get_trials(deepcopy=False))
        self.rec.set_controller(status="finished", message=f"{len(done)} trials", ended=time.time())
        self.echo(f"sweep {self.rec.sweep_id}: this host is done ({len(done)} trial numbers in the study)")
        return "finished"

    def _fill(self) -> bool:
        """Start trials while this host has room; False once the study has all its numbers."""
        while len(self.active) < self.parallel:
            with studies.ask_lock(self.rec.storage) as exact:
                n = len(studies.counted(self.study.get_trials(deepcopy=False)))
                if n >= self.spec.trials:
                    return False
                trial = self.study.ask()
                trial.set_user_attr(studies.OWNER_ATTR, self.owner)
            if not exact and trial.number >= self.spec.trials:
                trial.set_user_attr(studies.SURPLUS_ATTR, True)
                self._tell(trial.number, "FAIL", note="surplus: another host took the last number")
                return False
            self._start(trial)
        return True

    def _start(self, trial) -> None:
        params = studies.suggest(trial, self.spec.space)
        busy = [e["device"] for e in self.active.values()]
        device = min(self.devices, key=lambda d: busy.count(d))
        cfg = self.spec.trial_config(params, name=f"{self.rec.name}-t{trial.number}")
        if device is not None:
            cfg.train.device = device
        run_dir = launch.create_run(cfg, self.root, meta={"sweep": self.rec.sweep_id, "trial": trial.number})
        trial.set_user_attr(studies.RUN_ATTR, run_dir.name)
        pid = launch.spawn(run_dir)
        self.active[trial.number] = {"trial": trial, "run_dir": run_dir, "device": device, "reported": set()}
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in params.items())
        self.echo(f"trial {trial.number}: run {run_dir.name} (pid {pid}{', ' + device if device else ''}) {shown}")

    def _report(self, number: int, entry: dict[str, Any]) -> tuple[Optional[tuple[int, float]], Optional[tuple[int, float]]]:
        """Copy new eval points of the metric into the study; the newest and the best (step,
        value), best in the study's direction (the kept checkpoint's, for the primary metric)."""
        with RunReader(entry["run_dir"]) as r:
            steps, _, values = r.series(self.spec.metric)
        trial = entry["trial"]
        last = best = None
        for step, value in zip(steps, values):
            if value != value:  # NaN: a diverged eval is no evidence for the pruner
                continue
            last = (step, value)
            if best is None or self.sign * value < self.sign * best[1]:
                best = last
            if step not in entry["reported"]:
                trial.report(value, step)
                entry["reported"].add(step)
        return last, best

    def _poll(self, number: int) -> None:
        entry = self.active[number]
        try:
            with RunReader(entry["run_dir"]) as r:
                info = r.info()
        except UserError as err:
            self.active.pop(number)
            self._tell(number, "FAIL", note=str(err))
            return
        last, best = self._report(number, entry)
        if info.live:
            if info.status == "running" and last is not None and not entry.get("pruning"):
                if entry["trial"].should_prune():
                    reason = f"{self.spec.metric} {last[1]:.4g} at step {last[0]}"
                    request_prune(entry["run_dir"], reason)
                    entry["pruning"] = True
                    self.echo(f"trial {number}: pruning run {info.run_id} ({reason})")
            return
        self.active.pop(number)
        if info.status == "finished":
            if last is None:
                self._tell(number, "FAIL", note=f"run {info.run_id} recorded no {self.spec.metric}; it records {', '.join(sorted(info.latest)) or 'nothing'}")
                return
            self._tell(number, "COMPLETE", value=best[1] if best else None)
        elif info.status == "pruned":
            self._tell(number, "PRUNED")
        elif info.status == "stopped":
            # stopped by hand, not by the sweep: the trial ends with what it reached
            self._tell(number, "PRUNED" if last else "FAIL", note=f"run {info.run_id} stopped by hand")
        else:
            self._tell(number, "FAIL", note=f"run {info.run_id} {info.status}: {info.message}")

    def _tell(self, number: int, state: str, value: Optional[float] = None, note: str = "") -> None:
        import optuna

        st = getattr(optuna.trial.TrialState, state)
        if note:
            try:
                self.storage.set_trial_user_attr(self._id_of(number), "note", note)
            except (KeyError, RuntimeError, ValueError):  # finished meanwhile (another host told it)
                pass
        try:
            self.study.tell(number, value if st == optuna.trial.TrialState.COMPLETE else None, state=st, skip_if_finished=True)
        except RuntimeError as err:
            # the grid sampler calls study.stop() once its grid is spent, which only an
            # optimize() loop may; the trial's state is stored before that (optuna's _tell)
            if "Study.stop" not in str(err):
                raise
        shown = f" {self.spec.metric} {value:.4g}" if value is not None else ""
        self.echo(f"trial {number}: {state.lower()}{shown}{f' ({note})' if note else ''}")

    def _id_of(self, number: int) -> int:
        return self.storage.get_trial_id_from_study_id_trial_number(self.study_id, number)

    def _trial(self, number: int):
        """A live handle on trial `number` (report, should_prune) that another controller asked
        for. Optuna's only way there is the Trial constructor (public class, a constructor its
        docs advise against): tests/test_sweep_lock.py checks it."""
        import optuna

        return optuna.trial.Trial(self.study, self._id_of(number))

    def _stop_all(self) -> None:
        """Stop this host's running trials (each checkpoints); they stay RUNNING in the study,
        and `sweep resume` continues them from those checkpoints."""
        self.rec.set_controller(status="stopping", message="stopping trials")
        for entry in self.active.values():
            try:
                send_command(entry["run_dir"], "stop")
            except UserError:
                pass
        deadline = time.time() + 120
        while time.time() < deadline:
            live = []
            for entry in self.active.values():
                try:
                    with RunReader(entry["run_dir"]) as r:
                        if r.info().live:
                            live.append(entry)
                except UserError:
                    pass
            if not live:
                break
            self.rec.set_controller(heartbeat=time.time())
            time.sleep(POLL_S)
        self.rec.clear_stop()
        self.echo(f"sweep {self.rec.sweep_id}: stopped ({len(self.active)} trials checkpointed)")


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def spawn(rec: record.SweepRecord) -> int:
    """Launch this host's controller detached (its own session, output in controller.log).
    The lock is taken here and handed to the child (pass_fds): two spawns at once (two `sweep
    join`s) start one controller; the other raises record.LiveController and writes nothing."""
    fd = rec.take_lock(pid=0)  # the child's pid once it has one
    if fd is None:
        raise record.LiveController(f"{rec.live_here() or f'sweep {rec.sweep_id} already has a controller on this host'}; "
                                    f"follow it with `rnnlab sweep show {rec.sweep_id}`")
    try:
        return _spawn_locked(rec, fd)
    finally:
        os.close(fd)  # the child holds the lock from here on


def _spawn_locked(rec: record.SweepRecord, lock_fd: int) -> int:
    rec.set_controller(status="starting", pid=None, host=socket.gethostname(), heartbeat=time.time(), message="launching")
    proc = launch.start_detached([sys.executable, "-m", "rnnlab.sweeps.controller", str(rec.dir), "--lock-fd", str(lock_fd)],
                                 rec.log, launch.worker_env(), pass_fds=(lock_fd,))
    rec.mark_lock(lock_fd, proc.pid)
    rec.set_controller(pid=proc.pid)
    return proc.pid


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rnnlab.sweeps.controller", description="Run one host's share of a sweep.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--lock-fd", type=int, default=None, help="the controller lock, taken by the spawning process")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    rec = record.load(args.sweep_dir)

    def on_term(signum: int, frame: Any) -> None:
        rec.request_stop()  # SIGTERM/SIGINT: the same clean stop as `rnnlab sweep stop`

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    _say(f"controller pid {os.getpid()} for sweep {rec.sweep_id}")
    if args.lock_fd is not None:
        os.set_inheritable(args.lock_fd, False)  # the trials' workers must not hold our lock
    try:
        status = Controller(rec).run(lock_fd=args.lock_fd)
    except record.LiveController as err:  # lost a race to another controller: its record stays
        print(f"error: {err}", file=sys.stderr, flush=True)
        sys.exit(2)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        rec.set_controller(status="failed", message=str(err), ended=time.time())
        sys.exit(2)
    _say(f"controller exits: {status}")
    sys.exit(0 if status in ("finished", "stopped") else 1)


if __name__ == "__main__":
    main()
