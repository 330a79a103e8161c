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
- style (a style-conditioned run, sampled in each style, section 4.2): `style_bits/<style>`, the
  mean over the sample's characters of log2 p_style(c) / p_all(c), the style's character
  frequencies in the training split against the whole corpus' (add-one smoothed). Above 0: the
  sample's characters are typical of that style (code: brackets, underscores, indentation; prose:
  letters and full stops). It reads character statistics only, not whether the text makes sense.

Imports torch: the runner calls it after training, never the lab's process.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

import torch
import torch.nn.functional as F

from rnnlab.lessons.checks import Sampling


def own_bpc(model: torch.nn.Module, task: Any, prime: str, text: str, device: torch.device,
            style: Optional[int] = None) -> float:
    """Bits per character the model gives `text` after `prime`, at temperature 1 (in `style`)."""
    ids = task.encode(prime).tolist() or [task.fallback_token()]
    sample = task.encode(text).tolist()
    if not sample:
        return math.nan
    seq = torch.tensor([ids + sample], dtype=torch.long, device=device)
    kw = {} if style is None else {"style": int(style)}
    model.eval()
    with torch.no_grad():
        if getattr(model, "is_recurrent", True):
            out, _ = model(seq[:, :-1], None, **kw)
            logits = out[0, len(ids) - 1 :]
        else:  # the Transformer sees at most seq_len tokens, as when it generated them
            rows = []
            for pos in range(len(ids) - 1, seq.size(1) - 1):
                ctx = seq[:, max(0, pos + 1 - task.seq_len) : pos + 1]
                rows.append(model(ctx, None, **kw)[0][0, -1])
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
    freqs = style_frequencies(task) if any(s.style for s in settings) else {}
    rows = []
    for s in settings:
        style = task.style_id(s.style) if s.style else None  # a UserError line for an unknown style
        text = generate(model, task, prime, length, s.temperature, s.top_k, s.top_p, dev, seed=seed, style=style)
        rows.append({
            "label": s.label, "setting": s.describe(), "temperature": s.temperature, "top_k": s.top_k,
            "top_p": s.top_p, **({"style": s.style} if s.style else {}), "sample": text,
            "distinct_1": distinct_n(text, 1), "distinct_2": distinct_n(text, 2),
            "char_distinct_4": distinct_n(text, 4, unit="char"),
            "own_bpc": own_bpc(model, task, prime, text, dev, style),
            **{f"style_bits/{name}": style_bits(task, text, f) for name, f in freqs.items()},
        })
    return rows


def style_frequencies(task: Any) -> dict[str, torch.Tensor]:
    """Each style's log2 p_style(c) - log2 p_all(c) over the vocabulary, from the training split
    (add-one smoothed, so a character one style never uses is rare there, not impossible)."""
    data, ids = task.train_data.long(), task.train_style.long()
    every = torch.bincount(data, minlength=task.vocab_size).double() + 1
    out = {}
    for k, name in enumerate(task.styles):
        own = torch.bincount(data[ids == k], minlength=task.vocab_size).double() + 1
        out[name] = (own / own.sum()).log2() - (every / every.sum()).log2()
    return out


def style_bits(task: Any, text: str, ratio: torch.Tensor) -> float:
    """The mean of `ratio` (a style's log2 frequency ratio) over the characters of `text`."""
    ids = task.encode(text)
    return float(ratio[ids.long()].mean()) if len(ids) else math.nan
