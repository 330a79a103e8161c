"""Device and precision choice: `[train] device` (auto / cpu / cuda / cuda:N / mps) and
`[train] precision` (bf16 autocast on CUDA when the card supports it)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path
from typing import Optional

import torch

from rnnlab.errors import UserError
from rnnlab.train.cpushare import cpu_share_from_env


def resolve_device(name: str, where: str = "[train] device") -> torch.device:
    """`name` as a torch device; `where` names the setting in error messages."""
    valid = name in ("auto", "cpu", "cuda", "mps") or (name.startswith("cuda:") and name[5:].isdigit())
    if not valid:
        raise UserError(f"{where} = {name!r} is not a device; use auto, cpu, cuda, cuda:N or mps")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UserError(f"{where} = {name!r} but no CUDA device is visible here; use 'cpu' or 'auto'")
        index = int(name[5:]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise UserError(
                f"{where} = {name!r} but only {torch.cuda.device_count()} CUDA device(s) exist "
                f"(cuda:0..cuda:{torch.cuda.device_count() - 1})"
            )
        return torch.device("cuda", index)
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
            raise UserError(f"{where} = 'mps' but Apple's MPS backend is not available here; use 'cpu' or 'auto'")
        return torch.device("mps")
    return torch.device("cpu")




def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity: taskset, cgroup cpusets), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def free_cores(cores: int, window_s: float = 0.2) -> int:
    """Cores not busy with other processes right now: the idle share of this process's CPUs
    over `window_s` (/proc/stat) times `cores`, at least 1; `cores` where /proc/stat does not exist."""

    from rnnlab.train.threadshare import affinity, cpu_times

    mine = affinity()  # the CPUs this process may run on: their lines, not the machine's

    def sample() -> tuple[int, int]:
        got = cpu_times(mine)
        if got is None:
            raise OSError("no /proc/stat")
        return got[1], got[2]  # idle + iowait, all

    try:
        idle0, total0 = sample()
        time.sleep(window_s)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return cores
    if total1 <= total0:
        return cores
    return max(1, min(cores, round(cores * (idle1 - idle0) / (total1 - total0))))


def omp_threads(omp: str | None = None) -> int | None:
    """The thread count OMP_NUM_THREADS decides (a positive whole number), else None."""
    omp = os.environ.get("OMP_NUM_THREADS", "") if omp is None else omp
    return int(omp) if omp.strip().isdigit() and int(omp) > 0 else None


def default_threads(
    cores: int | None = None, share: int | None = None, omp: str | None = None, free: int | None = None
) -> int:
    """`[train] threads = 0`: the cores a run can have. All of them when it runs alone, an even
    share when several runs share the machine ($RNNLAB_CPU_SHARE, set by the worker from the
    device's slots), and never more than are idle when it starts (`free_cores`: other people's
    processes count too). An explicit OMP_NUM_THREADS in the environment wins: whoever set it
    (a job scheduler, the test suite) has already decided.

    Why not more: OpenMP threads that outnumber free cores make small recurrent steps crawl
    (each step is many small kernels that every thread must join; a descheduled thread stalls
    them all). Measured on a 2-core box at load 4-7: a bare 2-thread script took 3-9x as long
    as the same work on 1 thread (BENCHMARKS.md, items 8 and 9; benchmarks/threads.py)."""
    if omp_threads(omp) is not None:
        return omp_threads(omp)
    cores = usable_cores() if cores is None else cores
    if share is None:
        share = cpu_share_from_env()
    n = max(1, cores // max(1, share))
    if n > 1:
        n = min(n, free_cores(cores) if free is None else max(1, free))
    return n


def set_threads(requested: int) -> int:
    """Apply `[train] threads` (0 = `default_threads()`) and return the count. Evaluation and
    probes run on the loop's own thread with this same pool, so they never add threads."""
    n = requested or default_threads()
    torch.set_num_threads(n)
    return n


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def uses_bf16(device: torch.device, precision: str) -> bool:
    if precision == "fp32" or device.type != "cuda":
        if precision == "bf16" and device.type != "cuda":
            raise UserError(f"[train] precision = 'bf16' needs a CUDA device; this run is on {device}. Use 'auto' or 'fp32'")
        return False
    return torch.cuda.is_bf16_supported()


def autocast(device: torch.device, bf16: bool):
    if bf16:
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


_PEAK: dict[str, float] = {}


# how long a peak measured by an earlier run on this machine is reused (`matmul_peak_flops`)
PEAK_CACHE_TTL_S = 24 * 3600.0


def matmul_peak_flops(device: torch.device, dtype: torch.dtype = torch.float32, budget_s: float = 0.3,
                      cache: Optional[Path] = None) -> float:
    """Measured matmul FLOP/s on `device` (cached per process): the denominator of MFU.

    `cache`: a JSON file shared by the runs of one runs root. A peak measured there in the last
    `PEAK_CACHE_TTL_S` for the same host, device, dtype, thread count and torch is reused: the
    measurement costs 0.3 s of every core (~0.6 s CPU on 2 cores), 3% of a 20-second run, and the
    hardware's peak does not change between runs (BENCHMARKS.md item 8).

    The best of many short bursts over several sizes: a single long average is dragged down by
    whatever else the machine is doing, and the fastest size differs between machines (on a
    2-core CPU a 512³ GEMM beats 1024³ by ~40%); the peak is what the hardware can do.
    """
    key = f"{device}:{dtype}:{torch.get_num_threads()}"  # the threads training uses now (threadshare.py)
    if key in _PEAK:
        return _PEAK[key]
    disk_key = f"{socket.gethostname()}|{describe(device)}|{dtype}|threads={torch.get_num_threads()}|torch={torch.__version__}"
    stored = _read_peaks(cache)
    hit = stored.get(disk_key)
    if isinstance(hit, dict) and isinstance(hit.get("flops"), (int, float)) and hit["flops"] > 0 \
            and 0 <= time.time() - float(hit.get("time", 0)) < PEAK_CACHE_TTL_S:
        _PEAK[key] = float(hit["flops"])
        return _PEAK[key]
    sizes = (256, 512, 1024) if device.type == "cpu" else (2048, 4096)
    # its own generator: measuring must not shift the training RNG stream (reproducibility)
    gen = torch.Generator(device="cpu").manual_seed(0)
    best = 0.0
    deadline = time.perf_counter() + budget_s
    for n in sizes:
        a = torch.randn(n, n, generator=gen).to(device=device, dtype=dtype)
        b = torch.randn(n, n, generator=gen).to(device=device, dtype=dtype)
        a @ b  # warm-up
        _sync(device)
        for _ in range(6):
            reps = 0
            start = time.perf_counter()
            while True:
                a @ b
                reps += 1
                _sync(device)
                elapsed = time.perf_counter() - start
                if elapsed > 0.01:
                    break
            best = max(best, 2 * n**3 * reps / elapsed)
            if time.perf_counter() > deadline:
                break
    _PEAK[key] = best
    if cache is not None and best > 0:
        _write_peaks(cache, {**stored, disk_key: {"flops": best, "time": time.time()}})
    return best


def _read_peaks(cache: Optional[Path]) -> dict:
    """The peaks file's entries; {} when there is none or it is unreadable (then it is measured)."""
    if cache is None:
        return {}
    try:
        data = json.loads(Path(cache).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_peaks(cache: Path, data: dict) -> None:
    """Write the peaks file whole (a temporary file renamed into place: a reader never sees half
    of it); a failure to write only means the next run measures again."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
