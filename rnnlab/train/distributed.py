"""Data-parallel training over processes started by torchrun (`torch.distributed.run`).

Each process (rank) holds the whole model. At every step rank r builds only its contiguous 1/N
of the very same global batch (`train.batch_size` rows, a pure function of (seed, step);
`Task.batch_rows`), and one all-reduce averages the gradients (and the loss) over the ranks
before clipping. Every parameter that has a gradient on any rank takes part (zeros where this
rank's graph did not reach it), so the ranks always reduce tensors of one size. With equal
slices the mean of the ranks' mean losses is the global batch's mean loss, so N processes step
on exactly the gradient one process would: the same curve, to float rounding. (Dropout draws
its masks per slice, so with `model.dropout > 0` the curves agree in distribution only.)

Rank 0 is the run: it alone has the real reporter (store, console), polls viewers' commands,
evaluates, runs probes and writes checkpoints. The other ranks get a null reporter and never
touch the run directory: the config, the task's state (vocabulary, scaler) and a checkpoint to
resume from reach them over the process group, so they may sit on other hosts. Rank 0's
commands are broadcast about every `POLL_S` seconds (each broadcast carries how many steps to
the next one, from rank 0's step time), so a stop, a pause or a checkpoint is agreed by every rank;
a diverged step is agreed without a message (the all-reduced loss and gradient norm are the
same number everywhere). A checkpoint gathers every rank's slice of the carried TBPTT state,
so it has the single-process format and resumes with any number of processes.

Every collective goes through `_call`: a peer that died (or a group that timed out, after
$RNNLAB_DIST_TIMEOUT_S) raises `PeerLost`, which the worker records as "crashed" (resumable
from the last checkpoint) instead of waiting forever.
"""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from typing import Any, Callable, Optional

import torch
import torch.distributed as dist

from rnnlab.errors import UserError
from rnnlab.train.events import COMMANDS, Control, NullReporter, Reporter
from rnnlab.train.loop import Outcome, Trainer

TIMEOUT_ENV = "RNNLAB_DIST_TIMEOUT_S"
# Long enough for rank 0's evaluation or checkpoint while the others wait at the next
# collective; a peer that died is noticed at once (its sockets close), not after this.
DEFAULT_TIMEOUT_S = 600.0
_MAX_COMMANDS = 15  # per broadcast; more wait for the next one
# seconds between command broadcasts: a stop or pause is seen this late at most (plus a step)
POLL_S = 0.25
_MAX_EVERY = 10_000  # steps between broadcasts, whatever the step time


class PeerLost(RuntimeError):
    """Another process of this data-parallel run is gone (or stuck past the timeout)."""

    status = "crashed"  # what the worker records (runs/ reads it without importing torch)


def world_from_env() -> Optional[tuple[int, int, int]]:
    """(rank, world size, local rank) when torchrun started this process for 2+ processes."""
    try:
        size = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ["RANK"])
    except (KeyError, ValueError):
        return None
    if size < 2:
        return None
    return rank, size, int(os.environ.get("LOCAL_RANK", "0"))


def check(device: str, nproc: int, batch_size: int, where: str = "--nproc", local: Optional[int] = None) -> None:
    """Bad data-parallel input as one UserError line, before any process starts; `local` is
    the processes on this host (default: all `nproc`), each wanting a GPU on CUDA."""
    if nproc < 1:
        raise UserError(f"{where} {nproc}: the number of processes must be at least 1")
    if nproc == 1:
        return  # an ordinary run
    if batch_size % nproc:
        raise UserError(
            f"[train] batch_size = {batch_size} does not split evenly over {nproc} processes ({where} {nproc}); "
            f"use a multiple of {nproc}"
        )
    if device == "mps" or device.startswith("cuda:"):
        raise UserError(
            f"[train] device = {device!r} with {where} {nproc}: data-parallel runs use 'cpu' (gloo) or 'cuda' "
            "(NCCL, each process on its own GPU, cuda:LOCAL_RANK); set train.device=cpu or cuda"
        )
    if device == "cuda" or (device == "auto" and torch.cuda.is_available()):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise UserError(f"[train] device = 'cuda' with {where} {nproc}: NCCL needs CUDA and no CUDA device is visible here; use train.device=cpu (gloo)")
        here = nproc if local is None else local
        if here > count:
            raise UserError(f"{here} processes on this host with [train] device = {device!r} (CUDA): one GPU per process, and only {count} are visible; start {count} or fewer")


def _call(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except PeerLost:
        raise
    except Exception as err:  # gloo/NCCL report a lost peer as RuntimeError/DistBackendError
        # gloo's "[.../pair.cc:537] Read error ...: Connection reset by peer. This is typically..."
        line = re.sub(r"^\[[^\]]*\]\s*", "", " ".join(str(err).split())).split(". ")[0][:160]
        raise PeerLost(f"data-parallel {what} failed: another process of this run died or hung ({line})") from err


class Group:
    """This process's place in the run: rank, size, device, and the few collectives it needs."""

    def __init__(self, rank: int, size: int, local_rank: int) -> None:
        self.rank, self.size, self.local_rank = rank, size, local_rank

    @property
    def main(self) -> bool:
        return self.rank == 0

    def device(self, name: str) -> torch.device:
        """`[train] device` for this rank: CPU, or the GPU numbered by its local rank."""
        if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
            return torch.device("cpu")
        if name not in ("auto", "cuda"):
            raise UserError(f"[train] device = {name!r} in a data-parallel run: use 'cpu' (gloo) or 'cuda' (NCCL, cuda:LOCAL_RANK)")
        if not torch.cuda.is_available() or self.local_rank >= torch.cuda.device_count():
            raise UserError(
                f"[train] device = {name!r}: local rank {self.local_rank} has no GPU of its own "
                f"({torch.cuda.device_count() if torch.cuda.is_available() else 0} visible); start fewer processes per node or use cpu"
            )
        return torch.device("cuda", self.local_rank)

    def share(self, obj: Any) -> Any:
        """Rank 0's `obj` on every rank (others pass anything)."""
        box = [obj if self.main else None]
        _call("broadcast", dist.broadcast_object_list, box, 0)
        return box[0]

    def gather(self, obj: Any) -> list[Any]:
        parts: list[Any] = [None] * self.size
        _call("gather", dist.all_gather_object, parts, obj)
        return parts

    def sync_params(self, model: torch.nn.Module) -> None:
        """Rank 0's weights everywhere (all ranks seed alike; this makes it a guarantee)."""
        for t in [*model.parameters(), *model.buffers()]:
            _call("weight broadcast", dist.broadcast, t.data, 0)

    def trainer(self, *args: Any, **kwargs: Any) -> "DataParallelTrainer":
        return DataParallelTrainer(*args, group=self, **kwargs)


def connect() -> Group:
    """Join the process group torchrun described in the environment."""
    world = world_from_env()
    if world is None:
        raise UserError("not started by torchrun for 2+ processes (RANK / WORLD_SIZE are not set)")
    rank, size, local_rank = world
    timeout = timedelta(seconds=float(os.environ.get(TIMEOUT_ENV, "") or DEFAULT_TIMEOUT_S))
    # Every rank must name the same backend, before any of them knows the run's device: where
    # CUDA exists, gloo carries CPU tensors (objects, commands, CPU runs) and NCCL CUDA ones
    # (it connects lazily, at a run's first CUDA collective).
    backend = "cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo"
    if torch.cuda.is_available() and local_rank < torch.cuda.device_count():
        torch.cuda.set_device(local_rank)
    _call("start", dist.init_process_group, backend=backend, timeout=timeout)
    return Group(rank, size, local_rank)


def close() -> None:
    if dist.is_initialized():
        try:
            dist.destroy_process_group()
        except Exception:
            pass


class SyncedControl:
    """Rank 0's viewer commands, the same list on every rank at every poll. The ranks exchange
    them only every few polls (one poll per step), as many as take about `POLL_S` seconds on
    rank 0: each broadcast carries that count, so every rank knows when the next one is; while
    paused, every poll is an exchange."""

    def __init__(self, group: Group, control: Optional[Control]) -> None:
        self.group, self.control = group, control
        self._pending: list[str] = []
        self._calls = 0
        self._next = 1  # the first poll exchanges
        self._since = (time.monotonic(), 0)
        self._paused = False

    def poll(self) -> list[str]:
        self._calls += 1
        if self._calls < self._next and not self._paused:
            return []
        codes = torch.full((_MAX_COMMANDS + 2,), -1, dtype=torch.int64)
        now = time.monotonic()
        if self.group.main:
            if self.control is not None:
                self._pending += [c for c in self.control.poll() if c in COMMANDS]
            batch, self._pending = self._pending[:_MAX_COMMANDS], self._pending[_MAX_COMMANDS:]
            codes[0] = len(batch)
            for i, c in enumerate(batch):
                codes[i + 1] = COMMANDS.index(c)
            t0, c0 = self._since
            per_poll = (now - t0) / max(1, self._calls - c0)
            codes[-1] = max(1, min(_MAX_EVERY, int(POLL_S / per_poll))) if per_poll > 0 else 1
        _call("command broadcast", dist.broadcast, codes, 0)
        self._next = self._calls + int(codes[-1])
        self._since = (now, self._calls)
        commands = [COMMANDS[int(c)] for c in codes[1 : 1 + int(codes[0])]]
        if "pause" in commands:
            self._paused = True
        if "resume" in commands or "stop" in commands:
            self._paused = False
        return commands


class DataParallelTrainer(Trainer):
    """The loop on one rank: its rows of each batch, gradients averaged over the ranks."""

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        rows = self.tc.batch_size // group.size
        self.lo, self.hi = group.rank * rows, (group.rank + 1) * rows

    def batch(self, step: int):
        return self.task.batch_rows(step, self.tc.batch_size, self.lo, self.hi)

    def reduce(self, loss: torch.Tensor) -> torch.Tensor:
        # Which parameters have a gradient on some rank: a small CPU all-reduce (gloo), known
        # on the host without waiting for the device. A parameter this rank's graph did not
        # reach (a style its rows lack) joins with zeros, so every rank reduces the same
        # tensors; one that no rank reached stays None, as in one process (the optimizer skips it).
        had = torch.tensor([p.grad is not None for p in self.params], dtype=torch.int32)
        _call("gradient all-reduce", dist.all_reduce, had)
        used = [p for p, n in zip(self.params, had.tolist()) if n > 0]
        for p in used:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        # one all-reduce for the loss and every gradient; the sum over equal slices / N is the
        # global mean's gradient (each rank's loss is already the mean over its rows)
        flat = torch.cat([loss.detach().float().reshape(1), *(p.grad.reshape(-1).float() for p in used)])
        _call("gradient all-reduce", dist.all_reduce, flat)
        flat /= self.group.size
        offset = 1
        for p in used:
            n = p.grad.numel()
            p.grad.copy_(flat[offset : offset + n].view_as(p.grad))
            offset += n
        return flat[0]

    # rank 0 alone measures and reports; the others would only repeat its numbers
    def evaluate(self) -> dict[str, float]:
        return super().evaluate() if self.group.main else {}

    def score_test(self) -> dict[str, float]:
        return super().score_test() if self.group.main else {}

    def run_probes(self, step: int) -> None:
        if self.group.main:
            super().run_probes(step)

    def _perf(self, step_time: float) -> dict[str, float]:
        return super()._perf(step_time) if self.group.main else {}

    # Keep-best checkpoints and patience (train.keep_best / train.patience, from the branch that
    # adds them to the loop): rank 0 alone evaluates, so it alone keeps the best and decides
    # when patience has run out, and every rank stops together on its word.
    def _track_best(self) -> bool:
        return bool(self.group.share(super()._track_best() if self.group.main else None))  # type: ignore[misc]

    def _save_best(self, name: str, value: float):
        return super()._save_best(name, value) if self.group.main else None  # type: ignore[misc]

    def state_dict(self) -> dict[str, Any]:
        st = super().state_dict()
        st["hidden"] = join_states(self.group.gather(_to_cpu(self.hidden)))
        return st

    def load_state_dict(self, st: dict[str, Any]) -> None:
        super().load_state_dict(st)
        if self.hidden is not None:
            self.hidden = slice_state(self.hidden, self.lo, self.hi)

    def save_checkpoint(self, reason: str):
        if self.group.main:
            return super().save_checkpoint(reason)
        self.state_dict()  # its slice of the carried state goes to rank 0
        return None


# ---------------------------------------------------------------- carried state by batch rows
# A recurrent state is (L, B, H) (an LSTM's a pair of them); attention's memory is (B, M, H).


def _is_attention_state(state: Any) -> bool:
    return isinstance(state, tuple) and getattr(state, "_fields", None) == ("hidden", "memory")


def slice_state(state: Any, lo: int, hi: int) -> Any:
    if state is None:
        return None
    if _is_attention_state(state):
        return type(state)(slice_state(state.hidden, lo, hi), state.memory[lo:hi])
    if isinstance(state, torch.Tensor):
        return state[:, lo:hi]
    return type(state)(slice_state(s, lo, hi) for s in state)


def join_states(parts: list[Any]) -> Any:
    first = parts[0]
    if first is None:
        return None
    if _is_attention_state(first):
        return type(first)(join_states([p.hidden for p in parts]), torch.cat([p.memory for p in parts], 0))
    if isinstance(first, torch.Tensor):
        return torch.cat(parts, 1)
    return type(first)(join_states(list(col)) for col in zip(*parts))


def _to_cpu(state: Any) -> Any:
    if isinstance(state, torch.Tensor):
        return state.detach().cpu()
    if _is_attention_state(state):
        return type(state)(_to_cpu(state.hidden), _to_cpu(state.memory))
    if isinstance(state, tuple):
        return type(state)(_to_cpu(s) for s in state)
    return state


# ---------------------------------------------------------------- entry points


def train_main(cfg, run_dir, reporter: Reporter, control: Control, *, resume: bool = False) -> Outcome:
    """Rank 0: the worker's `train_fn` (it owns the store and hands this its reporter)."""
    from rnnlab.train.session import run_training

    group = connect()
    try:
        return run_training(cfg, run_dir, reporter, SyncedControl(group, control), resume=resume, group=group)
    finally:
        close()


def follow() -> None:
    """Ranks 1..N-1: train alongside rank 0 with its config, reporting nothing."""
    from rnnlab.config import validate
    from rnnlab.train.session import run_training

    group = connect()
    try:
        cfg_dict, task_state = group.share(None)
        cfg = validate(cfg_dict, "rank 0's config")
        run_training(cfg, None, NullReporter(), SyncedControl(group, None), group=group, task_state=task_state)
    finally:
        close()
