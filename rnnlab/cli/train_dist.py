"""`rnnlab train --nproc N` and `torchrun ... -m rnnlab train`: the data-parallel side of the
train command. Checking the input, following rank 0 on ranks 1..N-1, and the foreground run
through a local torchrun (train/distributed.py does the training)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Optional

from rnnlab.errors import UserError


def check(cfg, nproc: Optional[int], rank: Optional[int], *, detach: bool, queue: bool) -> int:
    """The number of processes the run trains on, or one UserError line."""
    from rnnlab.train import distributed
    from rnnlab.train.device import usable_cores

    if rank is not None:
        if nproc is not None:
            raise UserError("--nproc under torchrun: torchrun already started the processes; drop --nproc (or drop torchrun)")
        if detach or queue:
            raise UserError("--detach/--queue under torchrun: torchrun keeps the processes in the foreground; run torchrun itself in the background (nohup, tmux, a batch job)")
        size = int(os.environ["WORLD_SIZE"])
        local = int(os.environ.get("LOCAL_WORLD_SIZE", size))
        distributed.check(cfg.train.device, size, cfg.train.batch_size, where="WORLD_SIZE", local=local)
        # what `rnnlab resume` restarts on rank 0's host: its own processes (any count that
        # splits the batch draws the same curve)
        return local
    assert nproc is not None
    distributed.check(cfg.train.device, nproc, cfg.train.batch_size)
    if queue and nproc > 1:
        raise UserError("--queue with --nproc is not supported yet; start it with --detach when the cores or GPUs are free")
    on_cpu = cfg.train.device == "cpu" or (cfg.train.device == "auto" and not _cuda())
    if on_cpu and nproc > usable_cores():
        print(f"warning: --nproc {nproc} on {usable_cores()} cores: the processes will share cores and run slower, not faster",
              file=sys.stderr, flush=True)
    return nproc


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def follow() -> None:
    """Ranks 1..N-1 under torchrun: train beside rank 0, which owns the run."""
    from rnnlab.train import distributed

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # rank 0 decides when everyone stops
    try:
        distributed.follow()
    except distributed.PeerLost as err:
        print(f"rank {os.environ.get('RANK')}: {err}", file=sys.stderr, flush=True)
        raise SystemExit(1)


def run_local(run_dir: Path, nproc: int, *, json_out: bool) -> str:
    """Train `run_dir` on `nproc` local processes through torchrun, in the foreground; rank 0
    shows progress here. Ctrl-C asks for a clean stop (checkpoint, then every rank ends); a
    second one ends torchrun. Returns the run's final status from its store."""
    from rnnlab.runs import launch
    from rnnlab.runs.control import send_command
    from rnnlab.runs.reader import read_info

    cmd = launch.torchrun_cmd(
        Path(run_dir).resolve(), nproc, "--console", "stderr" if json_out else "stdout", module="rnnlab.cli.console"
    )
    # its own session: the terminal's Ctrl-C reaches this process only, which turns it into
    # the store's stop command (torchrun would forward a bare SIGINT to every rank)
    proc = subprocess.Popen(
        cmd, env=launch.worker_env(nproc), start_new_session=True, stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, errors="replace",
    )
    relay = threading.Thread(target=_relay_stderr, args=(proc.stderr, sys.stderr), daemon=True)
    relay.start()
    asked = False
    while True:
        try:
            proc.wait()
            break
        except KeyboardInterrupt:
            if asked:
                proc.send_signal(signal.SIGTERM)
                continue
            asked = True
            print("stopping after a checkpoint (Ctrl-C again to end it now)", file=sys.stderr, flush=True)
            try:
                send_command(run_dir, "stop")
            except UserError:
                proc.send_signal(signal.SIGTERM)
    relay.join(timeout=5)
    return read_info(run_dir).status


# torchrun's own log lines (glog style: "W1127 10:33:46.67 ...") and its closing ChildFailedError
# report repeat what the run's status and rank 0's one line already say
_LAUNCHER_LOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d")


def _relay_stderr(source: IO[str], sink: IO[str]) -> None:
    """Pass the ranks' stderr through, less torchrun's own noise: its log lines, its report of a
    failed worker (a traceback through torch/distributed/run.py, to the end), and the other
    ranks' "lost a peer" lines (consequences of what rank 0 reports)."""
    held: list[str] = []  # a traceback, until it shows whose it is
    for line in source:
        if held:
            held.append(line)
            if "torch/distributed/run.py" in line or "ChildFailedError" in line:
                break  # torchrun's report: drop it and all that follows
            if line.startswith((" ", "\t")):
                continue
            sink.writelines(held)
            sink.flush()
            held = []
            continue
        if line.startswith("Traceback (most recent call last):"):
            held = [line]
            continue
        if _LAUNCHER_LOG.match(line) or (line.startswith("rank ") and "data-parallel" in line):
            continue
        sink.write(line)
        sink.flush()
    else:
        sink.writelines(held)
    for _ in source:  # drain, so torchrun never blocks on a full pipe
        pass
