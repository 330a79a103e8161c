"""The foreground training display: a Rich progress bar with a compact live line in a terminal,
one plain line per interval when stdout is not a terminal (cluster logs).

It is a `Reporter` (rnnlab/train/events.py) fanned out beside the run store's writer. A reader
that goes away (`rnnlab train ... | head`) ends the printing, never the training.
`python -m rnnlab.cli.console` is the worker of a foreground data-parallel run with this display.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Any, Optional, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

_SHOWN_EVENTS = {"warning", "diverged", "stopped", "error", "test"}


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    return f"{v:.4f}" if abs(v) < 1000 else f"{v:.4g}"


def fmt_metric(key: str, v: float) -> str:
    """A metric's value with its unit: MAPE and sMAPE are percentages."""
    return _fmt(v) + ("%" if key.endswith("mape") and math.isfinite(v) else "")


class ConsoleReporter:
    def __init__(self, total_steps: int, primary_metric: Optional[str] = None, *, stream: TextIO | None = None, log_every: int = 10) -> None:
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty()
        self.total = total_steps
        self.log_every = log_every
        self.primary = primary_metric
        self.latest: dict[str, float] = {}
        self.baselines: dict[str, float] = {}
        self._tps_ema: Optional[float] = None
        self._t0 = time.monotonic()
        self._start_step = 0
        self._gone = False  # the reader closed our stream
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)
        self.progress: Optional[Progress] = None
        self._task_id = None
        from rnnlab.tui.i18n import t, tf  # the lines in the interface language (RNNLAB_LANG); metric names as typed
        from rnnlab.tui.i18n import run_message

        self.t, self.tf, self.message = t, tf, run_message
        if self.interactive:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TextColumn("{task.fields[line]}"),
                TimeElapsedColumn(),
                TextColumn(t("ETA")),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
                refresh_per_second=4,
            )
            self._task_id = self.progress.add_task(t("train"), total=total_steps, line="")
            self.progress.start()

    # ------------------------------------------------------------- Reporter

    def start(self, step: int) -> None:
        self._start_step = step
        self._t0 = time.monotonic()
        if self.progress is not None:
            self.progress.update(self._task_id, completed=step)

    def scalars(self, step: int, values: dict[str, float]) -> None:
        self.latest.update(values)
        if "tokens_per_s" in values:
            tps = values["tokens_per_s"]
            self._tps_ema = tps if self._tps_ema is None else 0.9 * self._tps_ema + 0.1 * tps
        if self.progress is not None:
            self.progress.update(self._task_id, completed=step, line=self.line())
        elif "loss" in values and (step % self.log_every == 0 or step == self.total):
            self._print(self.tf("step {step}/{total} {line} eta {eta}", step=step, total=self.total, line=self.line(),
                                eta=self._eta(step)))
        elif self.progress is None and any(k.startswith("val_") for k in values) and "loss" not in values:
            shown = " ".join(f"{k}={fmt_metric(k, v)}" for k, v in values.items())
            self._print(self.tf("eval step {step}: {shown}", step=step, shown=shown))

    def vector(self, step: int, name: str, data: Any) -> None:
        if name == "output" and isinstance(data, dict) and data.get("type") == "text":
            sample = str(data.get("sample", "")).replace("\n", "⏎")[:100]
            self._print(self.tf("sample step {step}: {sample}", step=step, sample=sample))

    def event(self, kind: str, message: str, step: Optional[int] = None, data: Optional[dict] = None) -> None:
        if kind in ("started", "resumed") and data:
            self.baselines = dict(data.get("baselines") or {})
            self.primary = data.get("primary_metric") or self.primary
            self._print(f"{self.t(kind)}: {self.message(message)}")
        elif kind in _SHOWN_EVENTS:
            self._print(f"{self.t(kind)}: {self.message(message)}")

    # ------------------------------------------------------------- display

    def line(self) -> str:
        parts = []
        if "loss" in self.latest:
            parts.append(self.tf("loss {value}", value=_fmt(self.latest["loss"])))
        if self.primary and self.primary in self.latest:
            parts.append(f"{self.primary} {fmt_metric(self.primary, self.latest[self.primary])}")
        if "grad_norm" in self.latest:
            parts.append(f"|g| {self.latest['grad_norm']:.3g}")
        if self._tps_ema:
            parts.append(self.tf("{n} tok/s", n=f"{self._tps_ema:,.0f}"))
        return "  ".join(parts)

    def _eta(self, step: int) -> str:
        done = step - self._start_step
        if done <= 0:
            return "?"
        rate = (time.monotonic() - self._t0) / done
        secs = int(rate * (self.total - step))
        return f"{secs // 60}m{secs % 60:02d}s"

    def _print(self, text: str) -> None:
        if self._gone:
            return
        try:
            if self.progress is not None:
                self.progress.console.print(text, markup=False)
            else:
                self.stream.write(text + "\n")
                self.stream.flush()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        """The pipe's reader exited: stop printing and point the stream's descriptor at
        /dev/null, so later writes (the closing summary, the interpreter's final flush) are
        silently dropped instead of raising into the training loop (Python's documented remedy)."""
        self._gone = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def worker_main() -> None:
    """`python -m rnnlab.cli.console RUN_DIR --console stdout`: the worker of a foreground
    `rnnlab train --nproc N` (torchrun starts it once per rank), with rank 0's progress shown
    here. The worker itself (rnnlab/runs/worker.py) knows no terminal; this hands it the display."""
    from rnnlab.runs import worker

    worker.main(console=lambda cfg, stream: ConsoleReporter(cfg.train.steps, stream=stream, log_every=cfg.train.log_every))


if __name__ == "__main__":
    worker_main()
