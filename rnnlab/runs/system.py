"""System sampling: the machine's CPU and RAM (psutil), its NVIDIA GPUs (NVML, through
nvidia-ml-py's `pynvml`: no torch, no CUDA), and what each live run's worker uses.

Two users:
- viewers (`rnnlab system`, the System screen, the dashboard header) hold one `Sampler` and call
  `sample(runs)` every few seconds: CPU percentages are over the time since the previous call
  (the first call of a process reports them as None);
- the worker records its own CPU %, RSS and GPU memory as ordinary metrics (`USAGE_METRICS`)
  from the store writer's heartbeat thread every `RECORD_EVERY_S`: nothing in the train loop.

No NVIDIA driver (or no nvidia-ml-py) is not an error: `gpus` is empty and `gpu_note` says
"no NVIDIA GPU" with NVML's reason. Any NVML field a GPU does not support is None.
The JSON shape of `SystemSample.to_dict()` is `rnnlab system --json`'s public contract.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Optional

from rnnlab.runs.status import LIVE

# The worker's own usage, recorded every this many seconds (a psutil read, ~0.1 ms).
RECORD_EVERY_S = 15.0
# Metric names the worker records (ordinary scalars: `rnnlab show`, `compare -m`, export).
CPU_METRIC = "sys_cpu_pct"  # % of one core, over the last RECORD_EVERY_S (can exceed 100)
RSS_METRIC = "sys_rss_mib"  # resident memory, MiB
GPU_METRIC = "sys_gpu_mem_mib"  # GPU memory this process holds, MiB (only on CUDA)
USAGE_METRICS = (CPU_METRIC, RSS_METRIC, GPU_METRIC)

MIB = 2**20


@dataclass
class GpuSample:
    index: int
    name: str
    uuid: Optional[str] = None
    utilization: Optional[float] = None  # % of the last sample period a kernel ran
    memory_used: Optional[int] = None  # bytes
    memory_total: Optional[int] = None  # bytes
    temperature: Optional[float] = None  # °C
    power: Optional[float] = None  # W
    power_limit: Optional[float] = None  # W
    processes: dict[int, Optional[int]] = field(default_factory=dict)  # pid -> bytes (None: not reported)
    runs: list[str] = field(default_factory=list)  # run ids of workers on it


@dataclass
class RunUsage:
    run_id: str
    name: Optional[str]
    status: str
    pid: Optional[int]
    device: Optional[str]
    cpu_percent: Optional[float] = None  # % of one core since the previous sample
    rss: Optional[int] = None  # bytes
    gpu: Optional[int] = None  # GPU index it is on
    gpu_memory: Optional[int] = None  # bytes


@dataclass
class SystemSample:
    time: float
    host: str
    cpu_percent: Optional[float]  # whole machine, 0-100
    cpu_count: int
    load: Optional[tuple[float, float, float]]
    memory_used: int
    memory_total: int
    gpus: list[GpuSample] = field(default_factory=list)
    gpu_note: Optional[str] = None  # "no NVIDIA GPU (...)" when there are none
    runs: list[RunUsage] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The `rnnlab system --json` object (bytes, percent, °C, W; null where unknown)."""
        return {
            "time": self.time,
            "host": self.host,
            "cpu": {"percent": self.cpu_percent, "count": self.cpu_count, "load": list(self.load) if self.load else None},
            "memory": {"used": self.memory_used, "total": self.memory_total,
                       "percent": round(100.0 * self.memory_used / self.memory_total, 1) if self.memory_total else None},
            "gpus": [
                {**{k: v for k, v in asdict(g).items() if k != "processes"},
                 "processes": [{"pid": pid, "memory": mem} for pid, mem in sorted(g.processes.items())]}
                for g in self.gpus
            ],
            "gpu_note": self.gpu_note,
            "runs": [asdict(r) for r in self.runs],
        }


# ---------------------------------------------------------------------------------- NVML


class Nvml:
    """NVML, initialised once; `ok` False (and `note` the reason) when there is no driver."""

    def __init__(self) -> None:
        self.ok = False
        self.note: Optional[str] = None
        try:
            import pynvml

            pynvml.nvmlInit()
            self.nv = pynvml
            self.ok = True
        except ImportError:
            self.note = "no NVIDIA GPU (nvidia-ml-py is not installed)"
        except Exception as err:  # NVMLError_LibraryNotFound, DriverNotLoaded, NoPermission...
            self.note = f"no NVIDIA GPU ({_nvml_reason(err)})"

    def gpus(self) -> list[GpuSample]:
        if not self.ok:
            return []
        nv = self.nv
        try:
            count = nv.nvmlDeviceGetCount()
        except Exception as err:
            self.note = f"no NVIDIA GPU ({_nvml_reason(err)})"
            return []
        out = []
        for i in range(count):
            try:
                h = nv.nvmlDeviceGetHandleByIndex(i)
            except Exception:
                continue
            g = GpuSample(index=i, name=_get(lambda: _text(nv.nvmlDeviceGetName(h))) or f"GPU {i}")
            g.uuid = _get(lambda: _text(nv.nvmlDeviceGetUUID(h)))
            g.utilization = _get(lambda: float(nv.nvmlDeviceGetUtilizationRates(h).gpu))
            mem = _get(lambda: nv.nvmlDeviceGetMemoryInfo(h))
            if mem is not None:
                g.memory_used, g.memory_total = int(mem.used), int(mem.total)
            g.temperature = _get(lambda: float(nv.nvmlDeviceGetTemperature(h, nv.NVML_TEMPERATURE_GPU)))
            g.power = _get(lambda: nv.nvmlDeviceGetPowerUsage(h) / 1000.0)  # mW
            g.power_limit = _get(lambda: nv.nvmlDeviceGetEnforcedPowerLimit(h) / 1000.0)
            for getter in (nv.nvmlDeviceGetComputeRunningProcesses, nv.nvmlDeviceGetGraphicsRunningProcesses):
                for p in _get(lambda: getter(h)) or []:
                    used = getattr(p, "usedGpuMemory", None)
                    # NVML_VALUE_NOT_AVAILABLE (2**64 - 1) where the driver withholds it (WDDM, MIG)
                    g.processes[int(p.pid)] = int(used) if isinstance(used, int) and used < 2**63 else None
            out.append(g)
        if not out:
            self.note = "no NVIDIA GPU (the driver lists none)"
        return out

    def process_memory(self, pid: int) -> Optional[int]:
        """GPU memory `pid` holds on all GPUs (as nvidia-smi shows it), or None if unseen."""
        total, seen = 0, False
        for g in self.gpus():
            if pid in g.processes:
                seen = True
                total += g.processes[pid] or 0
        return total if seen else None


def _nvml_reason(err: Exception) -> str:
    text = str(err) or type(err).__name__
    return f"NVML: {text}"


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _get(fn: Any) -> Any:
    try:
        return fn()
    except Exception:
        return None


# ---------------------------------------------------------------------------------- viewers


class Sampler:
    """Samples the machine and the given runs' workers; one per viewing process (thread-safe)."""

    def __init__(self) -> None:
        import psutil

        self.ps = psutil
        self._lock = threading.Lock()
        self._procs: dict[int, Any] = {}
        self._primed: set[int] = set()  # pids whose CPU clock ran since an earlier sample
        self._nvml: Optional[Nvml] = None
        self._cpu_times = psutil.cpu_times()

    @property
    def nvml(self) -> Nvml:
        if self._nvml is None:
            self._nvml = Nvml()
        return self._nvml

    def sample(self, runs: Iterable[Any] = ()) -> SystemSample:
        """The machine now, and the live runs among `runs` (RunInfo) whose worker is on this host."""
        ps = self.ps
        with self._lock:
            vm = ps.virtual_memory()
            try:
                load = tuple(float(x) for x in os.getloadavg())
            except (OSError, AttributeError):
                load = None
            s = SystemSample(
                time=time.time(), host=socket.gethostname(), cpu_percent=self._machine_cpu(),
                cpu_count=ps.cpu_count() or 1, load=load,  # type: ignore[arg-type]
                memory_used=int(vm.total - vm.available), memory_total=int(vm.total),
            )
            s.gpus = self.nvml.gpus()
            s.gpu_note = None if s.gpus else (self.nvml.note or "no NVIDIA GPU")
            on_gpu = {pid: g for g in s.gpus for pid in g.processes}
            alive: set[int] = set()
            for info in runs:
                if info.status not in LIVE or info.pid is None or info.host != s.host:
                    continue
                u = RunUsage(info.run_id, info.name, info.status, info.pid, info.device)
                proc = self._proc(info.pid)
                if proc is not None:
                    alive.add(info.pid)
                    try:
                        with proc.oneshot():
                            u.cpu_percent = proc.cpu_percent(None) if info.pid in self._primed else None
                            u.rss = int(proc.memory_info().rss)
                        self._primed.add(info.pid)
                    except (ps.NoSuchProcess, ps.AccessDenied):
                        pass
                g = on_gpu.get(info.pid)
                if g is None and s.gpus and (info.device or "").startswith("cuda"):
                    # NVML in a container may list host pids: the run's device names its GPU
                    idx = _cuda_index(info.device)
                    g = next((x for x in s.gpus if x.index == idx), None)
                if g is not None:
                    u.gpu = g.index
                    u.gpu_memory = g.processes.get(info.pid)
                    g.runs.append(info.run_id)
                s.runs.append(u)
            for pid in list(self._procs):  # forget workers that are gone
                if pid not in alive:
                    self._procs.pop(pid, None)
                    self._primed.discard(pid)
            return s

    def _proc(self, pid: int) -> Any:
        p = self._procs.get(pid)
        if p is not None and p.is_running():
            return p
        try:
            p = self.ps.Process(pid)
            p.cpu_percent(None)  # start its CPU clock: the next sample has a figure
        except (self.ps.NoSuchProcess, self.ps.AccessDenied):
            return None
        self._procs[pid] = p
        self._primed.discard(pid)
        return p

    def _machine_cpu(self) -> Optional[float]:
        # our own delta (psutil.cpu_percent(None) keeps one global baseline per process)
        now = self.ps.cpu_times()
        before, self._cpu_times = self._cpu_times, now
        idle = lambda t: t.idle + getattr(t, "iowait", 0.0)  # noqa: E731
        total = sum(now) - sum(before)
        if total <= 0:
            return None
        busy = total - (idle(now) - idle(before))
        return round(max(0.0, min(100.0, 100.0 * busy / total)), 1)


def _cuda_index(device: Optional[str]) -> int:
    _, _, idx = (device or "").partition(":")
    return int(idx) if idx.isdigit() else 0


# ---------------------------------------------------------------------------------- the worker


class OwnUsage:
    """This process's CPU %, RSS and GPU memory as `USAGE_METRICS` (for the worker's store)."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.proc.cpu_percent(None)
        self._nvml: Optional[Nvml] = None

    def metrics(self) -> dict[str, float]:
        with self.proc.oneshot():
            out = {CPU_METRIC: float(self.proc.cpu_percent(None)), RSS_METRIC: self.proc.memory_info().rss / MIB}
        gpu = self._gpu_bytes()
        if gpu is not None:
            out[GPU_METRIC] = gpu / MIB
        return out

    def _gpu_bytes(self) -> Optional[int]:
        torch = sys.modules.get("torch")  # never imported here: only if training did
        try:
            if torch is None or not torch.cuda.is_initialized():
                return None
        except Exception:
            return None
        if self._nvml is None:
            self._nvml = Nvml()
        used = self._nvml.process_memory(os.getpid()) if self._nvml.ok else None
        if used is None:
            # NVML cannot see this pid (a container's pid namespace): the caching allocator's
            # reserve is the closest figure, less the CUDA context itself
            try:
                used = int(torch.cuda.memory_reserved())
            except Exception:
                return None
        return used


# ---------------------------------------------------------------------------------- what viewers show

DEVICE_COLUMNS = ("device", "model", "util", "memory", "temp", "power", "runs")
RUN_COLUMNS = ("run", "name", "status", "device", "CPU", "RSS", "GPU memory")


def device_rows(sample: SystemSample) -> list[list[str]]:
    """One row per device (the CPU, then each GPU): util, memory, temperature, power, its runs."""
    names = {r.run_id: r.name or r.run_id for r in sample.runs}
    cpu_runs = [names[r.run_id] for r in sample.runs if r.gpu is None]
    rows = [["cpu", f"{sample.cpu_count} cores", fmt_pct(sample.cpu_percent),
             f"{fmt_bytes(sample.memory_used)}/{fmt_bytes(sample.memory_total)}", "–", "–", ", ".join(cpu_runs) or "–"]]
    for g in sample.gpus:
        power = "–" if g.power is None else f"{g.power:.0f}" + ("" if g.power_limit is None else f"/{g.power_limit:.0f}") + " W"
        rows.append([f"gpu{g.index}", g.name, fmt_pct(g.utilization),
                     f"{fmt_bytes(g.memory_used)}/{fmt_bytes(g.memory_total)}",
                     "–" if g.temperature is None else f"{g.temperature:.0f}°C", power,
                     ", ".join(names.get(r, r) for r in g.runs) or "–"])
    return rows


def run_rows(sample: SystemSample) -> list[list[str]]:
    """One row per live run: id, name, status, device, CPU, RSS, GPU and its memory there."""
    return [[r.run_id, r.name or "–", r.status, r.device or "?", fmt_pct(r.cpu_percent), fmt_bytes(r.rss),
             "–" if r.gpu is None else f"gpu{r.gpu} {fmt_bytes(r.gpu_memory)}"] for r in sample.runs]


def fmt_bytes(n: Optional[float]) -> str:
    """1.2G / 412M / 87K: short, for tables and the header."""
    if n is None:
        return "–"
    for unit, size in (("T", 2**40), ("G", 2**30), ("M", MIB), ("K", 1024)):
        if n >= size:
            v = n / size
            return f"{v:.1f}{unit}" if v < 100 else f"{v:.0f}{unit}"
    return f"{int(n)}B"


def fmt_pct(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.0f}%"
