"""A fixed system sample for TUI tests: the same machine, GPU and worker figures every time, so
snapshots of the System screen and the dashboard header are reproducible. conftest.py puts it
in place of the lab's sampler (rnnlab/tui/sampling.py) for every test."""

from __future__ import annotations

from typing import Any, Iterable

from rnnlab.runs.system import GpuSample, RunUsage, SystemSample

GIB = 2**30


class FixedSampler:
    """Answers like rnnlab.runs.system.Sampler: one H100 and fixed figures; each live run given
    is on the GPU its device names (cuda) or on the CPU, with fixed usage."""

    def sample(self, runs: Iterable[Any] = ()) -> SystemSample:
        gpu = GpuSample(index=0, name="NVIDIA H100 80GB HBM3", uuid="GPU-00000000-0000-0000-0000-000000000000",
                        utilization=87.0, memory_used=int(30.5 * GIB), memory_total=80 * GIB, temperature=64.0,
                        power=312.0, power_limit=700.0, processes={4242: int(28.0 * GIB)})
        s = SystemSample(time=1_700_000_000.0, host="lab-box", cpu_percent=23.0, cpu_count=16,
                         load=(3.1, 2.7, 2.2), memory_used=int(41.2 * GIB), memory_total=128 * GIB, gpus=[gpu])
        for info in runs:
            if info is None or info.status not in ("running", "paused", "queued"):
                continue
            u = RunUsage(info.run_id, info.name, info.status, 4242, info.device, cpu_percent=97.0, rss=int(1.4 * GIB))
            if (info.device or "").startswith("cuda"):
                u.gpu, u.gpu_memory = 0, int(28.0 * GIB)
                gpu.runs.append(info.run_id)
            s.runs.append(u)
        return s
