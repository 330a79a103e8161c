"""TensorBoard logging: live, as the run trains (`[log] tensorboard = true`: event files in
`<run>/tensorboard/`), and the pieces `rnnlab export --format tensorboard` shares with it: text
samples as markdown and the run's hyperparameters with its final metrics in the HParams tab.

`TensorBoardReporter` is a `Reporter` (train/events.py) beside the store's writer: scalars go
to `add_scalar`, a text task's samples to `add_text("samples")`, and when the run ends its
config (flat keys, which the worker hands it: rnnlab/runs/hparams.py is a layer above) and last
val metrics go to `add_hparams`. Needs the
optional `tensorboard` package (`pip install 'rnnlab[tensorboard]'`); SummaryWriter is torch's.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any, Optional

from rnnlab.errors import UserError

LOGDIR = "tensorboard"  # inside the run directory
FLUSH_S = 5  # how stale a live TensorBoard may be (torch's default is 120 s)


def require() -> None:
    if importlib.util.find_spec("tensorboard") is None:
        raise UserError("[log] tensorboard = true needs the optional tensorboard package: pip install 'rnnlab[tensorboard]'; "
                        "or set [log] tensorboard = false (rnnlab export --format tensorboard works after the fact)")


def sample_markdown(data: Any) -> Optional[str]:
    """A text task's output (`{"type": "text", "prime", "sample", "temperature"...}`) as the
    markdown TensorBoard's text tab shows; None for other outputs."""
    if not isinstance(data, dict) or data.get("type") != "text" or not data.get("sample"):
        return None
    head = f"prime `{data.get('prime', '')!r}`"
    if data.get("temperature") is not None:
        head += f", temperature {data['temperature']}"
    if data.get("style"):
        head += f", style {data['style']}"
    # four-space indentation: a code block whatever the sample holds (no fence to break)
    body = "\n".join("    " + line for line in (str(data.get("prime", "")) + str(data["sample"])).splitlines())
    return f"{head}\n\n{body}"


def hparams_of(flat: dict[str, Any]) -> dict[str, Any]:
    """TensorBoard takes bool, int, float and str: lists become text."""
    return {k: (v if isinstance(v, (bool, int, float, str)) else ",".join(map(str, v)) if isinstance(v, list) else str(v))
            for k, v in flat.items() if v is not None}


def final_metrics(latest: dict[str, float]) -> dict[str, float]:
    """What the HParams tab compares runs by: the val/test metrics and the last loss."""
    return {k: float(v) for k, v in latest.items()
            if (k.startswith(("val_", "test_")) or k == "loss") and isinstance(v, (int, float)) and math.isfinite(v)}


def write_hparams(writer: Any, flat: dict[str, Any], latest: dict[str, float]) -> None:
    metrics = final_metrics(latest)
    if metrics:
        # into `<logdir>/hparams`, the run TensorBoard's HParams tab reads these from
        writer.add_hparams(hparams_of(flat), {f"final/{k}": v for k, v in metrics.items()}, run_name="hparams")


class TensorBoardReporter:
    """Live event files for one run (see the module docstring). `close()` at the run's end."""

    def __init__(self, run_dir: Path, flat_config: dict[str, Any]) -> None:
        require()
        self.run_dir = Path(run_dir)
        self.flat = flat_config
        self.logdir = self.run_dir / LOGDIR
        self._writer: Any = None
        self._latest: dict[str, float] = {}

    def _open(self, purge_step: Optional[int] = None) -> Any:
        from torch.utils.tensorboard import SummaryWriter

        if self._writer is not None:
            self._writer.close()
        # a resume purges the points an earlier attempt wrote after its checkpoint, as the store does
        self._writer = SummaryWriter(log_dir=str(self.logdir), purge_step=purge_step, flush_secs=FLUSH_S)
        return self._writer

    def start(self, step: int) -> None:
        self._open(step if step > 0 else None)

    def scalars(self, step: int, values: dict[str, float]) -> None:
        w = self._writer or self._open()
        for name, v in values.items():
            if isinstance(v, (int, float)) and math.isfinite(v):
                w.add_scalar(name, v, global_step=step)
                self._latest[name] = float(v)

    def vector(self, step: int, name: str, data: Any) -> None:
        if name == "output":
            md = sample_markdown(data)
            if md is not None:
                (self._writer or self._open()).add_text("samples", md, global_step=step)

    def event(self, kind: str, message: str, step: Optional[int] = None, data: Optional[dict] = None) -> None:
        if kind in ("eval", "checkpoint") and self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        if self._writer is None:
            return
        write_hparams(self._writer, self.flat, self._latest)
        self._writer.close()
        self._writer = None
