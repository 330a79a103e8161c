"""Item 1: what the lab costs per training step. rnnlab's `Trainer` (default probes of the preset,
every number written to the run store by `StoreWriter`) against a bare PyTorch loop with the same
model (same init), the same batches (`task.batch(step)`), the same optimizer and lr schedule and
the same gradient clipping; the bare loop reads the loss every `log_every` steps, as nanoGPT does.

What counts: the steady state. Both sides are timed over the same window of steps, [s0, s0 + W),
that starts after step 1 (where every probe fires once and the matmul peak for MFU is measured)
and ends before the final evaluation and checkpoint. W is a multiple of the probe periods, so the
lab's window holds exactly the probes of W steps; the output probe (text generation, every
`output_every` steps, longer than W) is timed separately and amortised over its period into the
second ratio. Periodic evaluation is off on both sides (`eval_every` past the window).
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.common import Figure, check, interleaved, median, timed
from rnnlab import config as config_mod
from rnnlab.runs.launch import create_run
from rnnlab.runs.store import StoreWriter
from rnnlab.train import optim, probes
from rnnlab.train.events import MultiReporter, NoControl
from rnnlab.train.loop import Trainer
from rnnlab.train.session import build


class _Clock:
    """A reporter that notes when the loop reports each step's scalars."""

    def __init__(self, first: int, last: int) -> None:
        self.first, self.last, self.t0, self.t1 = first, last, math.nan, math.nan

    def start(self, step):
        pass

    def scalars(self, step, values):
        if step == self.first:
            self.t0 = time.perf_counter()
        elif step == self.last:
            self.t1 = time.perf_counter()

    def vector(self, step, name, data):
        pass

    def event(self, kind, message, step=None, data=None):
        pass


def _config(preset: str, steps: int):
    cfg = config_mod.load(preset, [f"train.steps={steps}", f"train.eval_every={steps + 1000}",
                                   f"train.checkpoint_every={steps + 1000}", "train.eval_batches=1",
                                   "train.device=cpu"])
    return cfg


def lab_window(preset: str, root: Path, s0: int, window: int) -> float:
    """Seconds for steps s0+1 .. s0+window of a real Trainer.run with probes and the store."""
    cfg = _config(preset, s0 + window)
    run_dir = create_run(cfg, root)
    torch.manual_seed(cfg.train.seed)
    task, model = build(cfg, run_dir, torch.device("cpu"))
    clock = _Clock(s0, s0 + window)
    writer = StoreWriter(run_dir)
    try:
        reporter = MultiReporter(writer, clock)
        trainer = Trainer(cfg, task, model, torch.device("cpu"), reporter, NoControl(), run_dir / "checkpoints")
        writer.set_status("running")
        reporter.start(0)
        trainer.run()
    finally:
        writer.close()
    return clock.t1 - clock.t0


def bare_window(preset: str, s0: int, window: int) -> float:
    """The same steps in the loop anyone would write by hand."""
    cfg = _config(preset, s0 + window)
    tc = cfg.train
    torch.manual_seed(tc.seed)
    task, model = build(cfg, None, torch.device("cpu"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = optim.make_optimizer(params, tc)
    hidden = None
    t0 = math.nan
    for step in range(1, s0 + window + 1):
        if step == s0 + 1:
            t0 = time.perf_counter()
        batch = task.batch(step, tc.batch_size)
        if not batch.stateful:
            hidden = None
        for g in opt.param_groups:
            g["lr"] = optim.lr_at(step - 1, tc)
        out, new_hidden = model(batch.x, hidden)
        loss = task.loss(out, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, tc.clip_norm)
        opt.step()
        if batch.stateful:
            hidden = model.detach_state(new_hidden)
        if step % tc.log_every == 0:
            loss.item()
    return time.perf_counter() - t0


def output_probe_seconds(preset: str) -> float:
    cfg = _config(preset, 1)
    torch.manual_seed(cfg.train.seed)
    task, model = build(cfg, None, torch.device("cpu"))
    probes.task_output(model, task, torch.device("cpu"))
    return median([timed(lambda: probes.task_output(model, task, torch.device("cpu"))) for _ in range(3)])


def run(quick: bool) -> list[Figure]:
    figs = []
    presets = ["lstm-char"] if quick else ["lstm-char", "adding-lstm"]
    window, reps = (50, 3) if quick else (100, 5)
    s0 = 2  # step 1 fires every probe and measures the matmul peak: outside the window
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-") as tmp:
        for preset in presets:
            res = interleaved({
                "lab": lambda: lab_window(preset, Path(tmp), s0, window),
                "bare": lambda: bare_window(preset, s0, window),
            }, reps)
            lab, bare = median(res["lab"]), median(res["bare"])
            ratio = bare / lab  # steps/s of the lab over steps/s of the bare loop
            cfg = _config(preset, 1)
            figs.append(Figure(
                "1", f"{preset}: steps/s, lab loop (probes + store) / bare PyTorch", window / lab, "steps/s",
                baseline=window / bare, baseline_name="bare PyTorch loop", ratio=ratio, target=">= 0.97",
                met=check(">=", ratio, 0.97),
                note=f"window of {window} steps, median of {reps} interleaved runs; "
                     f"lab runs {sorted(round(x, 3) for x in res['lab'])} s, bare {sorted(round(x, 3) for x in res['bare'])} s",
            ))
            every = cfg.probes.output_every
            if every:
                t_out = output_probe_seconds(preset)
                amort = bare / (lab + t_out * window / every)
                figs.append(Figure(
                    "1", f"{preset}: same, with the output probe amortised (every {every} steps, {t_out * 1e3:.0f} ms each)",
                    window / (lab + t_out * window / every), "steps/s", baseline=window / bare,
                    baseline_name="bare PyTorch loop", ratio=amort, target=">= 0.97", met=check(">=", amort, 0.97),
                ))
    return figs
