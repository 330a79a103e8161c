"""The worker process: `python -m rnnlab.runs.worker RUN_DIR [--resume] [--queue]`.

It records who it is (pid, host, start time), optionally waits for a free device slot, loads the
run's config and hands the training engine a reporter (the store, plus any extra) and a control
channel (the store's command queue). Whatever happens, the run ends with a status: a user error
is "failed" with its one-line message, any other exception is "failed" with the traceback in
the log. A full disk is a user error too: one line naming the filesystem, the path and the space
needed, and how to resume once space is freed. SIGTERM/SIGINT ask the loop for a clean stop (checkpoint, then exit); a second one
interrupts it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Optional

from rnnlab.errors import DiskFull, UserError, disk_full, is_disk_full
from rnnlab.runs import slots, system
from rnnlab.runs.control import prune_requested
from rnnlab.runs.launch import torchrun_rank
from rnnlab.runs.paths import CONFIG_NAME, checkpoint_steps
from rnnlab.runs.writer import STATUSES, StoreWriter

QUEUE_POLL_S = 0.5


def _load_config(run_dir: Path):
    from rnnlab.config import read_toml, validate

    path = run_dir / CONFIG_NAME
    return validate(read_toml(path), str(path))


def _wait_for_slot(writer: StoreWriter, root: Path, device: str) -> tuple[Optional[slots.Slot], bool]:
    """Block until a slot is free; (slot, False), or (None, True) when a stop arrives first."""
    announced = False
    while True:
        slot = slots.try_claim(root, device)
        if slot is not None:
            return slot, False
        if not announced:
            writer.set_status(
                "queued",
                f"waiting for a free {slots.device_key(device)} slot "
                f"({slots.held(root, device)} of {slots.slot_count()} held)",
            )
            announced = True
        commands = writer.poll()
        if "stop" in commands:
            return None, True
        # pause / checkpoint / sample sent while queued apply once training starts
        for command in commands:
            writer.inject(command)
        time.sleep(QUEUE_POLL_S)


def _default_train_fn() -> Callable[..., Any]:
    # Lazy: importing the engine imports torch, which only the worker may pay for.
    from rnnlab.train.session import run_training

    return run_training


def execute(
    run_dir: Path | str,
    *,
    resume: bool = False,
    extra_reporter: Any = None,
    handle_signals: bool = True,
    queue: bool = False,
    train_fn: Optional[Callable[..., Any]] = None,
    say_error: Optional[Callable[[str], None]] = None,
) -> str:
    """Run one training attempt for `run_dir` in this process; returns the final status.

    `say_error(message)` prints a user error's one line (the CLI's, in the interface language);
    by default `error: <message>` on stderr, which is a background worker's log.

    `train_fn(cfg, run_dir, reporter, control, resume=...)` defaults to
    `rnnlab.train.session.run_training` and returns an outcome with status, step, message,
    metrics and baselines.
    """
    from rnnlab.train.events import MultiReporter

    run_dir = Path(run_dir)
    writer = StoreWriter(run_dir, usage_every=system.RECORD_EVERY_S)
    slot: Optional[slots.Slot] = None
    old_handlers: dict[int, Any] = {}
    status = "failed"
    tb: Any = None  # the live TensorBoard reporter ([log] tensorboard = true)
    old_share: Optional[str] = os.environ.get(slots.SHARE_ENV)
    try:
        writer.record_process()
        try:
            cfg = _load_config(run_dir)
            root = run_dir.resolve().parent
            device = cfg.train.device
            if queue:
                slot, stopped = _wait_for_slot(writer, root, device)
                if stopped:
                    status = "stopped"
                    writer.set_status(status, "stopped while queued", ended=time.time())
                    return status
            else:
                # Take a free slot if there is one so queued runs wait for this one; never block.
                slot = slots.try_claim(root, device)
            # each run's torch threads are its share of the cores (train.threads = 0)
            os.environ[slots.SHARE_ENV] = str(slots.cpu_share(slot is not None))
            if handle_signals:
                old_handlers = _install_signal_handlers(writer)
            writer.set_status("running", "resuming from checkpoint" if resume else "", ended=None)
            fn = train_fn or _default_train_fn()
            if getattr(getattr(cfg, "log", None), "tensorboard", False):
                from rnnlab.runs.hparams import read_flat
                from rnnlab.train.tblog import TensorBoardReporter

                tb = TensorBoardReporter(run_dir, read_flat(run_dir))
            outcome = fn(cfg, run_dir, MultiReporter(writer, extra_reporter, tb), writer, resume=resume)
            status = outcome.status if outcome.status in STATUSES else "failed"
            message = outcome.message or ""
            if status == "stopped":
                pruned = prune_requested(run_dir)
                if pruned is not None:  # a sweep's pruner asked for this stop
                    status, message = "pruned", f"pruned by the sweep: {pruned.get('reason', '')}".rstrip(": ")
            fields: dict[str, Any] = {"ended": time.time(), "final_metrics": dict(outcome.metrics or {})}
            if getattr(outcome, "baselines", None):
                fields["baselines"] = dict(outcome.baselines)
            if outcome.step is not None:
                fields["step"] = int(outcome.step)
            writer.set_status(status, message, **fields)
        except UserError as err:
            status = "failed"
            message = f"{err}{_after_full_disk(run_dir)}" if isinstance(err, DiskFull) else str(err)
            (say_error or _error_line)(message)
            _record_end(writer, status, message)
        except KeyboardInterrupt:
            status = "stopped"
            _record_end(writer, status, "interrupted")
        except Exception as err:
            status = "failed"
            if getattr(err, "status", None) == "crashed":  # a data-parallel peer died (train/distributed.py)
                status, message = "crashed", str(err)
                _error_line(message)
            elif is_disk_full(err):  # an ENOSPC from a write that knows no better (a cache, the log)
                message = f"{disk_full(getattr(err, 'filename', None) or run_dir, 'file')}{_after_full_disk(run_dir)}"
                _error_line(message)
            else:
                traceback.print_exc()
                sys.stderr.flush()
                line = " ".join(f"{type(err).__name__}: {err}".split())
                message = f"{line[:300]} (traceback in worker.log)"
            _record_end(writer, status, message)
    finally:
        if old_share is None:
            os.environ.pop(slots.SHARE_ENV, None)
        else:
            os.environ[slots.SHARE_ENV] = old_share
        for sig, handler in old_handlers.items():
            signal.signal(sig, handler)
        if slot is not None:
            slot.release()
        if tb is not None:
            try:
                tb.close()  # the hparams and the last points; a failure here must not hide the run's
            except Exception as err:
                _error_line(f"tensorboard: {type(err).__name__}: {err}")
        writer.close()
    return status


def _after_full_disk(run_dir: Path) -> str:
    steps = checkpoint_steps(run_dir)
    if steps:
        return f"; free space there, then `rnnlab resume {run_dir.name}` continues from step {steps[-1]}"
    return "; free space there and start the run again (it had no checkpoint yet)"


def _error_line(message: str) -> None:
    try:
        print(f"error: {message}", file=sys.stderr, flush=True)
    except OSError:  # stderr is the run's log, on the disk that is full
        pass


def _record_end(writer: StoreWriter, status: str, message: str) -> None:
    """Record how the run ended, even on a full disk: rows not yet written are given up so the
    status row (one page) can still go in; if even that fails, the line on stderr is all there
    is, and the run reads "crashed" (resumable) once this process is gone."""
    try:
        writer.set_status(status, message, ended=time.time())
    except DiskFull:
        writer.drop_buffered()
        try:
            writer.set_status(status, message, ended=time.time())
        except DiskFull:
            pass


def _install_signal_handlers(writer: StoreWriter) -> dict[int, Any]:
    asked = {"n": 0}

    def on_signal(signum: int, frame: Any) -> None:
        asked["n"] += 1
        if asked["n"] == 1:
            print(f"worker: {signal.Signals(signum).name}: stopping after a checkpoint", file=sys.stderr, flush=True)
            writer.inject("stop")
        else:
            raise KeyboardInterrupt

    old = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            old[sig] = signal.signal(sig, on_signal)
        except ValueError:  # not the main thread: the caller handles signals
            break
    return old


class LogReporter:
    """Mirrors lifecycle events into the worker's log, so `rnnlab logs -f` tells the story.
    `stream`: where the lines go (default stdout, which a detached worker's log is)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream

    def start(self, step: int) -> None:
        _say(f"training from step {step}", self.stream)

    def scalars(self, step: int, values: dict) -> None:
        pass

    def vector(self, step: int, name: str, data: Any) -> None:
        pass

    def event(self, kind: str, message: str, step: Optional[int] = None, data: Optional[dict] = None) -> None:
        _say(f"[{'-' if step is None else step}] {kind}: {message}", self.stream)


def _say(line: str, stream: Any = None) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", file=stream or sys.stdout, flush=True)


def _follow() -> None:
    """Ranks 1..N-1 of a data-parallel run: train beside rank 0, never touching the store."""
    from rnnlab.train import distributed

    # rank 0 decides when to stop (and tells everyone); a Ctrl-C here would only strand it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        distributed.follow()
    except (UserError, distributed.PeerLost) as err:
        # a lost peer is no error of its own: the consequence of what rank 0 (or the dead rank) reports
        what = "" if isinstance(err, distributed.PeerLost) else "error: "
        print(f"{what}rank {os.environ.get('RANK')}: {err}", file=sys.stderr, flush=True)
        sys.exit(1)
    sys.exit(0)


def main(argv: Optional[list[str]] = None, console: Optional[Callable[[Any, Any], Any]] = None) -> None:
    """`console(cfg, stream)` makes the reporter that `--console` shows progress with; the CLI
    owns it (rnnlab/cli/console.py runs this with its `ConsoleReporter`), the store knows no terminal."""
    parser = argparse.ArgumentParser(prog="python -m rnnlab.runs.worker", description="Run one rnnlab training run.")
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--queue", action="store_true", help="wait for a free device slot first")
    parser.add_argument("--console", choices=("stdout", "stderr"), help="also show progress there (a foreground --nproc run)")
    args = parser.parse_args(argv)
    # Already in its own session; ignoring SIGHUP as well keeps a stray hangup harmless.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    rank = torchrun_rank()
    if rank:
        _follow()
    say = _say if args.console is None else (lambda line: None)  # the console tells the story
    say(f"worker pid {os.getpid()} for {args.run_dir}" + (" (resume)" if args.resume else "") + (" (data-parallel rank 0)" if rank == 0 else ""))
    extra: Any = LogReporter()
    train_fn = None
    if rank == 0:
        from rnnlab.train.distributed import train_main as train_fn
    if args.console:
        if console is None:
            parser.error("--console needs a display: run `python -m rnnlab.cli.console RUN_DIR --console stdout`")
        extra = console(_load_config(args.run_dir), getattr(sys, args.console))
    try:
        status = execute(args.run_dir, resume=args.resume, queue=args.queue, extra_reporter=extra, train_fn=train_fn)
        if args.console:
            extra.close()
    except UserError as err:  # the store itself is unusable; nothing to record it in
        print(f"error: {err}", file=sys.stderr, flush=True)
        sys.exit(2)
    say(f"worker exits: {status}")
    # a diverged data-parallel run ended on every rank alike: torchrun need not report a failure
    ok = ("finished", "stopped") + (("diverged",) if rank is not None else ())
    sys.exit(0 if status in ok else 1)


if __name__ == "__main__":
    main()
