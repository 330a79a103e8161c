"""Item 12: the parallelism claim of the source document (ch. 6.1-6.2), measured: training
tokens/s (forward + backward of the cross-entropy) of a character LSTM and a causal Transformer
of about the same parameter count, as the sequence length grows, on this machine's CPU.

The LSTM must walk its T steps one after another; the Transformer processes all T positions of
a window at once (at O(T^2) attention cost). Each length is timed interleaved (A B A B ...), the
LSTM being the baseline of the same length. Lesson 8 (`rnnlab lessons 8`) points here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from benchmarks.common import Figure, interleaved, median, timed
from rnnlab.config import ModelConfig
from rnnlab.models import build_model

VOCAB = 96
BATCH = 16
LENGTHS = (32, 64, 128, 256, 512)
# about 0.57 M parameters each (printed in the table's note)
LSTM = ModelConfig(cell="lstm", hidden_size=256, num_layers=1)
TRANSFORMER = ModelConfig(cell="transformer", hidden_size=128, num_layers=3, num_heads=4)


def _model(cfg: ModelConfig, max_len: int):
    torch.manual_seed(0)
    m = build_model(cfg, input_kind="tokens", input_size=VOCAB, output_size=VOCAB, max_len=max_len)
    m.train()
    return m


def _step(model, x: torch.Tensor) -> None:
    out, _ = model(x, None)
    F.cross_entropy(out.reshape(-1, VOCAB), x.reshape(-1)).backward()


def measure(seq: int, reps: int, inner: int) -> dict[str, float]:
    models = {"lstm": _model(LSTM, seq), "transformer": _model(TRANSFORMER, seq)}
    x = torch.randint(0, VOCAB, (BATCH, seq))

    def one(m):
        _step(m, x)  # warm-up outside the timing
        return lambda: inner * BATCH * seq / timed(lambda: [_step(m, x) for _ in range(inner)])

    res = interleaved({k: one(m) for k, m in models.items()}, reps)
    out = {k: median(v) for k, v in res.items()}
    out.update({f"{k}_params": float(sum(p.numel() for p in m.parameters())) for k, m in models.items()})
    return out


def run(quick: bool) -> list[Figure]:
    reps, inner = (3, 1) if quick else (5, 2)
    figs = []
    for seq in LENGTHS[:3] if quick else LENGTHS:
        r = measure(seq, reps, inner)
        figs.append(Figure(
            "12", f"T={seq} (B={BATCH}): Transformer training tokens/s / LSTM", r["transformer"], "tokens/s",
            baseline=r["lstm"], baseline_name="LSTM H=256", ratio=r["transformer"] / r["lstm"],
            note=f"parameters: Transformer 3x128 {r['transformer_params']:,.0f}, LSTM 1x256 {r['lstm_params']:,.0f}",
            extra={"seq_len": seq},
        ))
    return figs
