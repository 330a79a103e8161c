"""The next-token distribution of a text model after a given text: the softmax the sampler draws
from, as the playground's bar chart shows it (chapter 4.1: the output layer's logits, divided by
the temperature, cut by top-k and top-p, normalised by the softmax).

`next_token` returns the likeliest tokens with two probabilities each: the model's own (T = 1, no
cut) and the one sampling uses with the given knobs, so a reader sees what temperature does to
the same logits. A recurrent model reads the whole text; a model without state (the
Transformer) its last `seq_len` tokens, as `tasks/text.stream` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Choice:
    token: str  # the token's text
    p_model: float  # softmax of the logits (T = 1, no top-k/top-p)
    p_sampled: float  # the distribution sampling draws from with the knobs


def next_token(model: Any, task: Any, text: str, *, temperature: float = 1.0, top_k: int = 0,
               top_p: float = 1.0, k: int = 10, style: Optional[int] = None) -> list[Choice]:
    """The `k` likeliest next tokens after `text` (by the sampling distribution, then the
    model's), on the CPU; characters outside the vocabulary are left out, as sampling does."""
    import torch

    from rnnlab.tasks.sampling import next_token_probs

    ids = task.encode(text).tolist() or [task.fallback_token()]
    if not getattr(model, "is_recurrent", True):
        ids = ids[-task.seq_len:]
    kw = {} if style is None else {"style": int(style)}
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out, _ = model(torch.tensor([ids], dtype=torch.long), None, **kw)
    finally:
        model.train(was_training)
    logits = out[0, -1].float().cpu()
    p_model = torch.softmax(logits, dim=-1)
    p_sampled = next_token_probs(logits, temperature, top_k, top_p)
    import numpy as np

    pm, ps = p_model.numpy(), p_sampled.numpy()
    order = np.lexsort((-pm, -ps))[:k]  # by the sampling distribution, ties by the model's
    return [Choice(task.decode([int(i)]), float(pm[i]), float(ps[i])) for i in order]
