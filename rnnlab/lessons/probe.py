"""The plain char-RNN lesson's measurement (sections 2.1, 4.1): the output layer's softmax made
visible, p(next char | prefix) = softmax(W_hy h_t + b_y) at the last position of a prefix, read
from the run's best checkpoint through `rnnlab.load_run`.

Its numbers: the ten likeliest next characters with their probabilities, the distribution's
entropy in bits, and, as the baseline it must beat, the entropy of the training text's unigram
distribution (what a model that ignored the prefix would say). A model that uses its state puts
most of the mass on a few characters: its entropy at a position falls well below the unigram's.

Imports torch: the runner calls it after training, never the lab's process at import time.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch


def _bits(p: torch.Tensor) -> float:
    p = p[p > 0]
    return float(-(p * p.log2()).sum())


def next_token(run_dir: Path, prefix: str, top: int = 10) -> dict[str, Any]:
    """The next-character distribution after `prefix` (its top `top`), its entropy and the
    unigram entropy beside it."""
    from rnnlab.inspect.loader import load_run

    run = load_run(run_dir)
    ids = run.encode(prefix)
    with torch.no_grad():
        out, _ = run.model(ids[None], None)
        p = torch.softmax(out[0, -1].float(), dim=-1)
        counts = run.task._counts.float()  # the training split's character counts (a property)
    unigram = counts / counts.sum()
    probs, idx = p.topk(min(top, p.numel()))
    return {
        "prefix": prefix,
        "top": [[run.decode([int(i)]), float(q)] for q, i in zip(probs, idx)],
        "entropy_bits": _bits(p),
        "unigram_entropy_bits": _bits(unigram),
        "vocab": int(p.numel()),
        "uniform_bits": math.log2(p.numel()),
    }
