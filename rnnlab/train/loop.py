"""The training loop: steps, clipping, evaluation, probes, checkpoints, control.

It knows nothing about the task's domain (the `Task` does) nor about where numbers go (the
`Reporter` does), as minGPT's trainer. Step numbers count completed optimizer steps: the first
update is step 1, a checkpoint at step s resumes with step s+1, and batches are a function of
the step, so a resumed run continues the very same curve.

No step waits for the device: each step's loss and gradient norm stay device tensors until the
next read, at the log interval (`train.log_every`) or before anything that looks at the model
(a probe, an evaluation, a checkpoint, a viewer's command). A read is one device-to-host transfer
for the whole window (a CPU-GPU sync point); it writes each step's row and checks that every
loss and norm is finite. A non-finite step ends the run as diverged at that step; the steps
after it in the window were spent on NaN weights that nothing saves.
"""

from __future__ import annotations

import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import torch

from rnnlab import metricnames
from rnnlab.config import Config
from rnnlab.errors import UserError
from rnnlab.tasks.base import Task, last_step_kwargs
from rnnlab.train import checkpoint, eager, events, kept, optim, probes, tbptt
from rnnlab.train.device import autocast, matmul_peak_flops
from rnnlab.train.events import Control, Reporter


@dataclass
class Outcome:
    status: str  # finished | stopped | diverged
    step: int
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    baselines: dict[str, float] = field(default_factory=dict)


def _every(step: int, interval: int) -> bool:
    return interval > 0 and (step % interval == 0 or step == 1)


@dataclass
class _Pending:
    """Steps trained since the last read: their numbers on the device, and the host time they took."""

    steps: list[tuple[int, float, torch.Tensor]] = field(default_factory=list)  # (step, lr, [loss, norm])
    busy: float = 0.0  # seconds in train_step and in the read's wait (not pauses, probes, evals)


class Trainer:
    def __init__(
        self,
        cfg: Config,
        task: Task,
        model: torch.nn.Module,
        device: torch.device,
        reporter: Reporter,
        control: Control,
        ckpt_root: Path,
        *,
        bf16: bool = False,
    ) -> None:
        self.cfg, self.task, self.model, self.device = cfg, task, model, device
        self.reporter, self.control, self.ckpt_root, self.bf16 = reporter, control, ckpt_root, bf16
        self.tc = cfg.train
        self.thread_share = None  # a ThreadShare (threadshare.py) when `threads = 0` chose the count
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.opt = optim.make_optimizer(self.params, self.tc)
        self.hidden: Any = None  # carried recurrent state for stateful TBPTT batches
        self.step = 0
        self.last_eval: dict[str, float] = {}
        # the val metric the kept best follows (train.best_metric, default the primary; a sweep's
        # trial follows the sweep's), which way is better, its best value so far and that step
        self.best_name = self.tc.best_metric or task.primary_metric
        self.best_sign = -1 if (self.tc.best_direction or metricnames.infer_direction(self.best_name)) == "maximize" else 1
        self.best_value: Optional[float] = None
        self.best_step: Optional[int] = None
        self.evals_since_best = 0
        self._last_output_step: Optional[int] = None
        self.param_stats = probes.ParamStats(model)
        self._probe_batch = task.probe_batch(cfg.probes.probe_batch_size)
        self._flops_per_token = float(getattr(model, "flops_per_token", lambda: 0.0)())
        self._peak: Optional[float] = None
        # where the matmul peak measured by an earlier run of this runs root is kept (session.py)
        self.peak_cache: Optional[Path] = None
        self._pending = _Pending()

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict[str, Any]:
        st: dict[str, Any] = {
            "step": self.step,
            "optimizer": self.opt.state_dict(),
            "rng_cpu": torch.get_rng_state(),
            "hidden": self.hidden,
        }
        if self.device.type == "cuda":
            st["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        return st

    def load_state_dict(self, st: dict[str, Any]) -> None:
        self.step = int(st["step"])
        self.opt.load_state_dict(st["optimizer"])
        torch.set_rng_state(st["rng_cpu"])
        if "rng_cuda" in st and self.device.type == "cuda":
            torch.cuda.set_rng_state(st["rng_cuda"], self.device)
        hidden = st.get("hidden")
        self.hidden = _to_device(hidden, self.device) if hidden is not None else None

    def save_checkpoint(self, reason: str) -> Path:
        meta = {"config": self.cfg.to_dict(), "metrics": self.last_eval, "reason": reason,
                "primary_metric": self.task.primary_metric}
        path = checkpoint.save(self.ckpt_root, self.step, self.model, self.state_dict(), meta)
        self.reporter.event(events.CHECKPOINT, f"checkpoint at step {self.step} ({reason})", self.step, {"path": str(path)})
        return path

    def restore_best(self) -> None:
        """After a resume: the kept best's value, so a worse model never replaces it, and the
        evaluations since it (for patience)."""
        found = kept.best(self.ckpt_root)
        if found is None:
            return
        meta = kept.read_meta(found[1])
        value = meta.get("best_value")
        if isinstance(value, (int, float)) and meta.get("best_metric", self.best_name) == self.best_name:
            self.best_value, self.best_step = float(value), found[0]
            every = self.tc.eval_every
            self.evals_since_best = max(0, self.step // every - found[0] // every)

    def _track_best(self) -> bool:
        """After an evaluation: keep a new best checkpoint; True when patience has run out."""
        name = self.best_name
        value = self.last_eval.get(name)
        if value is None and self.tc.best_metric and self.last_eval:  # a forecast's metrics depend on its config
            raise UserError(f"[train] best_metric = {name!r}: this run does not record it; it records {', '.join(sorted(self.last_eval))}")
        if value is not None and math.isfinite(value) and (self.best_value is None or self.best_sign * value < self.best_sign * self.best_value):
            self.best_value, self.best_step, self.evals_since_best = value, self.step, 0
            if self.tc.keep_best:
                self._save_best(name, value)
            return False
        self.evals_since_best += 1
        return self.tc.patience > 0 and self.evals_since_best >= self.tc.patience

    def _save_best(self, name: str, value: float) -> Path:
        meta = {"config": self.cfg.to_dict(), "metrics": self.last_eval, "reason": "best",
                "primary_metric": name, "best_metric": name, "best_value": value}
        root = self.ckpt_root / kept.BEST_DIR
        # weights for inference, not a resume point: no optimizer state (2x the weights under
        # Adam), so keeping the best costs one weights-sized write per improvement
        path = checkpoint.save(root, self.step, self.model, {"step": self.step}, meta, keep=1 << 30)
        # only the one just written stays: after a resume from an earlier checkpoint the new
        # best can have a lower step than the one it replaces, so pruning by step would be wrong
        for _, old in kept.checkpoint_dirs(root):
            if old != path:
                shutil.rmtree(old, ignore_errors=True)
        return path

    def _best_note(self) -> str:
        if self.best_step is None or self.best_value is None:
            return ""
        where = " (kept in checkpoints/best)" if self.tc.keep_best else ""
        return f"; best {self.best_name} {self.best_value:.4g} at step {self.best_step}{where}"

    def _final_output(self) -> None:
        """The task output for the model as training left it, unless this step already has one:
        a run shorter than `output_every` still ends with a readable sample or forecast."""
        if self.cfg.probes.output_every > 0 and self._last_output_step != self.step:
            self.reporter.vector(self.step, "output", probes.task_output(self.model, self.task, self.device))
            self._last_output_step = self.step

    # ------------------------------------------------------------------ pieces

    def batch(self, step: int):
        """This process's training batch for `step` (data-parallel ranks take their rows)."""
        return self.task.batch(step, self.tc.batch_size)

    def reduce(self, loss: torch.Tensor) -> torch.Tensor:
        """After backward: the loss to report, with the gradients every process steps on (one
        process: as they are; data-parallel ranks average them, train/distributed.py)."""
        return loss

    def evaluate(self) -> dict[str, float]:
        self.model.eval()
        try:
            with torch.no_grad(), autocast(self.device, self.bf16):
                metrics = self.task.evaluate(self.model, self.device, self.tc.eval_batches)
        finally:
            self.model.train()
        metrics = {k: float(v) for k, v in metrics.items()}
        self.last_eval = metrics
        self.reporter.scalars(self.step, metrics)
        return metrics

    def score_test(self) -> dict[str, float]:
        """The held-out test split, scored exactly once, when training has finished: nothing
        during training (evaluation, probes, panels) reads it, so it stays an unbiased estimate.
        It scores the model the run keeps: the best checkpoint by the primary val metric when
        there is one (model selection by val only), else the model as training left it."""
        found = kept.best(self.ckpt_root) if self.tc.keep_best else None
        source = "the model at the end of training"
        if found is not None:
            weights, _, _ = checkpoint.load(found[1], map_location=self.device)
            self.model.load_state_dict(weights)  # training is over: nothing else needs the last weights
            source = f"the best checkpoint, step {found[0]}"
        self.model.eval()
        try:
            with torch.no_grad(), autocast(self.device, self.bf16):
                metrics = self.task.test_metrics(self.model, self.device)
        finally:
            self.model.train()
        metrics = {k: float(v) for k, v in metrics.items()}
        # what the test split gave that is not a number (a global model's per-series table)
        for name, data in getattr(self.task, "test_vectors", dict)().items():
            self.reporter.vector(self.step, name, data)
        if metrics:
            self.reporter.scalars(self.step, metrics)
            headline = _fmt_metrics({k: v for k, v in metrics.items() if _headline(k)})
            self.reporter.event(events.TEST, f"{headline} ({source})", self.step, metrics)
        if found is not None and self.cfg.task.kind == "timeseries" and self.cfg.probes.output_every:
            # the dashboard's last forecast (and its fusion weights) from the model the run keeps,
            # as `show` and `forecast` use it, not the last step's (an outside trial read both)
            out = probes.task_output(self.model, self.task, self.device)
            self.reporter.vector(self.step, "output", {**out, "kept_step": int(found[0])})
        return metrics

    def run_probes(self, step: int) -> None:
        pc = self.cfg.probes
        want_flow, want_hidden = _every(step, pc.grad_flow_every), _every(step, pc.hidden_every)
        if want_flow or want_hidden:
            flow, hidden = probes.grad_flow_and_hidden(self.model, self.task, self._probe_batch, self.device,
                                                        bptt=self.tc.bptt)
            if want_flow:
                self.reporter.vector(step, "grad_flow", {"norms": flow})
            if want_hidden:
                self.reporter.vector(step, "hidden_norm", {"layers": hidden})
        if _every(step, pc.gates_every):
            gates = probes.gate_stats(self.model, self._probe_batch, self.device)
            if gates:
                self.reporter.vector(step, "gates", gates)
            cell = probes.unit_snapshot(self.model, self._probe_batch, self.device)
            if cell:
                self.reporter.vector(step, "cell", cell)
        if _every(step, pc.output_every):
            self.reporter.vector(step, "output", probes.task_output(self.model, self.task, self.device))
            self._last_output_step = step

    def probes_due(self, step: int) -> bool:
        pc = self.cfg.probes
        return any(_every(step, n) for n in (pc.grad_flow_every, pc.hidden_every, pc.gates_every, pc.output_every))

    def train_step(self, step: int) -> tuple[torch.Tensor, float]:
        """One update, without waiting for the device; returns ([loss, grad_norm before
        clipping] as a device tensor, lr). The update is taken even when they are not finite:
        the next read (`_read`) ends the run there."""
        tc = self.tc
        batch = self.batch(step).to(self.device)
        if not batch.stateful:
            self.hidden = None
        lr = optim.lr_at(step - 1, tc)
        optim.set_lr(self.opt, lr)
        with autocast(self.device, self.bf16):
            kwargs = batch.model_kwargs()
            if self.task.reads_last_step:  # the head at the last step only (tasks/base.py)
                kwargs.update(last_step_kwargs(self.model))
            out, hidden = tbptt.forward(self.model, batch.x, self.hidden, tc.bptt, **kwargs)
            loss = self.task.loss(out, batch)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        loss = self.reduce(loss)
        max_norm = tc.clip_norm if tc.clip_norm > 0 else math.inf
        # clip_grad_norm_ returns the total norm before clipping: what the probe reports
        grad_norm = torch.nn.utils.clip_grad_norm_(self.params, max_norm)
        if tc.clip_value > 0:
            torch.nn.utils.clip_grad_value_(self.params, tc.clip_value)
        numbers = torch.stack([loss.detach().float(), grad_norm.detach().float()])
        want_layers = _every(step, self.cfg.probes.layers_every)
        if want_layers:
            self.param_stats.before_step()
        eager.step(self.opt)
        if want_layers:
            self.reporter.vector(step, "layers", self.param_stats.after_step())
        if hidden is not None:
            # kept even after an epoch's first chunk (which started from zeros): the next chunk
            # continues its text; a batch that is not stateful resets it before use
            self.hidden = self.model.detach_state(hidden)
        return numbers, lr

    def _read(self) -> Optional[tuple[int, float, float]]:
        """Bring the pending steps' numbers to the host (one transfer) and report their rows;
        (step, loss, grad_norm) of the first non-finite one, if any (nothing after it is reported)."""
        pending, self._pending = self._pending, _Pending()
        if not pending.steps:
            return None
        t = time.perf_counter()
        values = torch.stack([n for _, _, n in pending.steps]).tolist()  # the CPU-GPU sync point
        # the window's device time over its steps: on a GPU a step's own host time is only its launch
        step_time = (pending.busy + time.perf_counter() - t) / len(values)
        clip = self.tc.clip_norm
        for (step, lr, _), (loss, norm) in zip(pending.steps, values):
            if not (math.isfinite(loss) and math.isfinite(norm)):
                return step, loss, norm
            row = {"loss": loss, "lr": lr, "grad_norm": norm, "clipped": float(clip > 0 and norm > clip)}
            row.update(self._perf(step_time))
            self.reporter.scalars(step, row)
        return None

    # ------------------------------------------------------------------ main loop

    def _handle(self, commands: list[str]) -> Optional[str]:
        """Act on viewer commands; returns 'stop' when the run must end."""
        for cmd in commands:
            if cmd == "stop":
                return "stop"
            if cmd == "checkpoint":
                self.save_checkpoint("requested")
            elif cmd == "sample":
                out = probes.task_output(self.model, self.task, self.device)
                self.reporter.vector(self.step, "output", out)
                self._last_output_step = self.step
                self.reporter.event(events.SAMPLE, "output probe on request", self.step)
            elif cmd == "pause":
                self.reporter.event(events.PAUSED, f"paused at step {self.step}", self.step)
                while True:
                    time.sleep(0.1)
                    more = self.control.poll()
                    if "stop" in more:
                        return "stop"
                    if "resume" in more:
                        self.reporter.event(events.UNPAUSED, f"resumed at step {self.step}", self.step)
                        break
                    rest = [c for c in more if c in ("checkpoint", "sample")]
                    if rest:
                        self._handle(rest)
        return None

    def _perf(self, step_time: float) -> dict[str, float]:
        tokens = self.task.tokens_per_batch(self.tc.batch_size)
        tps = tokens / max(step_time, 1e-9)
        out = {"tokens_per_s": tps, "step_time": step_time}
        if self._flops_per_token > 0:
            if self._peak is None:
                self._peak = matmul_peak_flops(self.device, torch.bfloat16 if self.bf16 else torch.float32,
                                               cache=self.peak_cache)
            achieved = self._flops_per_token * tps
            out["flops_per_s"] = achieved
            out["mfu"] = achieved / self._peak
        return out

    def run(self) -> Outcome:
        tc = self.tc
        baselines = {k: float(v) for k, v in self.task.baselines().items()}
        self.model.train()
        # No evaluation at step 0: an untrained model's val loss is what the baselines already
        # say (uniform / constant predictor), and it cost every run ~eval_batches forward passes
        # before its first step (benchmarks/process.py). The first val point is at eval_every.
        self._last_ckpt_step = self.step
        while self.step < tc.steps:
            commands = self.control.poll()
            if commands:
                # a command looks at the model (checkpoint, sample) or ends the run: the pending
                # steps are read (and checked) first
                if (bad := self._read()) is not None:
                    return self._diverged(*bad, baselines)
                if self._handle(commands) == "stop":
                    self.save_checkpoint("stop")
                    self._final_output()
                    self.reporter.event(events.STOPPED, f"stopped at step {self.step}", self.step)
                    return Outcome("stopped", self.step, f"stopped at step {self.step}", self.last_eval, baselines)
            # timed from here: a pause or a requested checkpoint is not training time
            t_start = time.perf_counter()
            step = self.step + 1
            numbers, lr = self.train_step(step)
            self.step = step
            self._pending.steps.append((step, lr, numbers))
            self._pending.busy += time.perf_counter() - t_start
            if self.thread_share is not None and (n := self.thread_share.tick()) is not None:
                self.reporter.event(events.WARNING, f"threads {self.thread_share.previous} -> {n}: other processes use "
                                    f"{self.thread_share.used_by_others:.1f} of {self.thread_share.cores} cores", step)
                self._peak = None  # MFU over the peak of the threads now used: 33 % became 60 % on a resume
            evaluate = step % tc.eval_every == 0 or step == tc.steps
            save = step % tc.checkpoint_every == 0 or step == tc.steps
            if not (step % tc.log_every == 0 or evaluate or save or self.probes_due(step)):
                continue
            if (bad := self._read()) is not None:
                return self._diverged(*bad, baselines)
            self.run_probes(step)
            patience_out = False
            if evaluate:
                self.evaluate()
                self.reporter.event(events.EVAL, _fmt_metrics(self.last_eval), step, self.last_eval)
                patience_out = self._track_best() and step < tc.steps  # at the last step it simply ends
            if patience_out:
                self.save_checkpoint("early stop")
                self._final_output()
                final = {**self.last_eval, **self.score_test()}
                msg = (f"stopped early at step {step}: {self.best_name} did not improve for "
                       f"{tc.patience} evaluations (train.patience){self._best_note()}")
                self.reporter.event(events.FINISHED, msg, step)
                return Outcome("finished", step, msg, final, baselines)
            if save:
                self.save_checkpoint("periodic" if step < tc.steps else "final")
                self._last_ckpt_step = step
        self._final_output()
        final = {**self.last_eval, **self.score_test()}
        self.reporter.event(events.FINISHED, f"finished {self.step} steps: {_fmt_metrics(self.last_eval)}{self._best_note()}", self.step)
        return Outcome("finished", self.step, _fmt_metrics(self.last_eval) + self._best_note(), final, baselines)

    def _diverged(self, step: int, loss: float, norm: float, baselines: dict[str, float]) -> Outcome:
        what = "loss" if not math.isfinite(loss) else "gradient norm"
        msg = f"diverged at step {step}: {what} is {loss if what == 'loss' else norm}"
        if self._last_ckpt_step:
            msg += f"; last good checkpoint: step {self._last_ckpt_step}"
        self.reporter.scalars(step, {"loss": loss, "grad_norm": norm})
        self.reporter.event(events.DIVERGED, msg, step)
        return Outcome("diverged", step, msg, self.last_eval, baselines)


def _headline(key: str) -> bool:
    """The test metrics worth a line in the log (the rest are in the store)."""
    return key.startswith("test_") and not key.startswith(("test_resid_acf_", "test_ljung_box_lags"))


def _fmt_metrics(m: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in m.items())


def _to_device(obj: Any, device: torch.device) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_device(v, device) for k, v in obj.items()}
    return obj
