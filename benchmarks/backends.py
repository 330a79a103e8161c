"""Item 2: forward+backward tokens/s of the two backends of `SequenceModel` on the same
parameters: `fused` (torch's nn.LSTM/GRU/RNN kernels) and `reference` (the cell equations, one
hoisted input GEMM, hand-written BPTT in `rnnlab/models/bptt.py`). The "before" column is the
reference backend as first written: the step functions of `cells.py` under autograd
(`_run_reference(..., scan=False)`, still the path under autocast).

Only the recurrent stack is timed (the encoder and head are the same modules for both backends):
`_run_fused` / `_run_reference` on a fixed (B, T, H) input, then backward of the outputs' sum.
"""

from __future__ import annotations

import torch

from benchmarks.common import Figure, check, interleaved, median, timed
from rnnlab.models.sequence import SequenceModel

CELLS = ("rnn_tanh", "lstm", "gru")
# (hidden, batch, T): sized so one forward+backward takes tens of ms on a 2-core CPU
SHAPES = ((128, 32, 64), (512, 32, 32), (1024, 16, 32))


def _step(model: SequenceModel, e: torch.Tensor, variant: str) -> None:
    if variant == "fused":
        out = model._run_fused(e, None, per_layer=False)[0]
    else:
        out = model._run_reference(e, None, scan=variant == "reference")[0]
    out.sum().backward()


def measure(cell: str, hidden: int, batch: int, seq: int, reps: int, inner: int,
            variants=("fused", "reference", "reference_autograd")) -> dict[str, float]:
    """Median tokens/s of each variant."""
    torch.manual_seed(0)
    model = SequenceModel(cell, input_kind="real", input_size=hidden, output_size=1, hidden_size=hidden)
    model.train()
    e = torch.randn(batch, seq, hidden)

    def one(v):
        _step(model, e, v)  # warm-up outside the timing
        return lambda: inner * batch * seq / timed(lambda: [_step(model, e, v) for _ in range(inner)])

    res = interleaved({v: one(v) for v in variants}, reps)
    return {v: median(xs) for v, xs in res.items()}


def run(quick: bool) -> list[Figure]:
    figs = []
    reps, inner = (3, 1) if quick else (5, 2)
    for cell in CELLS:
        for hidden, batch, seq in SHAPES:
            if quick and hidden == 1024:
                continue
            r = measure(cell, hidden, batch, seq, reps, inner)
            ratio = r["reference"] / r["fused"]
            before = r["reference_autograd"] / r["fused"]
            figs.append(Figure(
                "2", f"{cell} H={hidden} (B={batch}, T={seq}): reference fwd+bwd tokens/s / fused",
                r["reference"], "tokens/s", baseline=r["fused"], baseline_name="fused (torch nn.RNN/LSTM/GRU)",
                ratio=ratio, target=">= 0.8", met=check(">=", ratio, 0.8),
                note=f"before (step functions under autograd): {r['reference_autograd']:.0f} tokens/s, ratio {before:.2f}",
                extra={"before_ratio": before, "before_value": r["reference_autograd"]},
            ))
    return figs
