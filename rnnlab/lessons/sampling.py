"""The sampling lesson's measurements (ch. 4.3): samples from one checkpoint at several
temperature / top-k / top-p settings, each with its diversity and its coherence.

- diversity: distinct-4 over characters (Li et al. 2016's distinct-n, `tasks.text.distinct_n`):
  the share of 4-character sequences that are not repeats; a sample caught in a loop scores low.
  Over words it barely moves here: in 400 characters of code a word pair seldom comes twice
  (distinct-2 over words is 1.0 at every temperature above 0), so it is reported, not checked.
- coherence: the model's own bits per character of its sample, scored at temperature 1 with no
  filter, -log2 p(sample | prime) / chars. A sample the model itself finds likely scores low; at
  temperature 1 it is close to the model's val bpc (its entropy), below that when the sampler
  keeps to the likely characters, above it when it flattens the distribution.

Imports torch: the runner calls it after training, never the lab's process.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from rnnlab.lessons.checks import Sampling


def own_bpc(model: torch.nn.Module, task: Any, prime: str, text: str, device: torch.device) -> float:
    """Bits per character the model gives `text` after `prime`, at temperature 1."""
    ids = task.encode(prime).tolist() or [task.fallback_token()]
    sample = task.encode(text).tolist()
    if not sample:
        return math.nan
    seq = torch.tensor([ids + sample], dtype=torch.long, device=device)
    model.eval()
    with torch.no_grad():
        if getattr(model, "is_recurrent", True):
            out, _ = model(seq[:, :-1], None)
            logits = out[0, len(ids) - 1 :]
        else:  # the Transformer sees at most seq_len tokens, as when it generated them
            rows = []
            for pos in range(len(ids) - 1, seq.size(1) - 1):
                ctx = seq[:, max(0, pos + 1 - task.seq_len) : pos + 1]
                rows.append(model(ctx, None)[0][0, -1])
            logits = torch.stack(rows)
        nats = F.cross_entropy(logits.float(), seq[0, len(ids):], reduction="mean")
    return float(nats) / math.log(2)


def measure(run_dir: Path, settings: tuple[Sampling, ...], length: int, seed: int = 0) -> list[dict[str, Any]]:
    """For each setting: the sample from the run's best checkpoint and its numbers."""
    from rnnlab.tasks.text import distinct_n, generate
    from rnnlab.inspect.loader import open_dir

    loaded = open_dir(run_dir, "cpu")
    task, model, prime = loaded.task, loaded.model, loaded.config.task.prime
    dev = torch.device("cpu")
    rows = []
    for s in settings:
        text = generate(model, task, prime, length, s.temperature, s.top_k, s.top_p, dev, seed=seed)
        rows.append({
            "label": s.label, "setting": s.describe(), "temperature": s.temperature, "top_k": s.top_k,
            "top_p": s.top_p, "sample": text, "distinct_1": distinct_n(text, 1), "distinct_2": distinct_n(text, 2),
            "char_distinct_4": distinct_n(text, 4, unit="char"),
            "own_bpc": own_bpc(model, task, prime, text, dev),
        })
    return rows
