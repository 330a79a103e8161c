"""Sampling: the next token from a model's logits (temperature, top-k, top-p), and the seeded
generators that make both sampling and batches reproducible.

Temperature, top-k (Fan, Lewis & Dauphin 2018) and top-p, nucleus sampling (Holtzman et al. 2020),
trade coherence for diversity: a low temperature or a small k/p keeps the likely tokens and makes
text repetitive, a high one makes it varied and noisy. The filters are applied in the order
Hugging Face's `generate` uses: temperature, then top-k, then top-p. Temperature 0 is the limit of
that: greedy decoding, always the likeliest token. Pure torch, no model knowledge.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch


def seeded_generator(*key: int) -> torch.Generator:
    """A CPU generator seeded from a tuple of non-negative ints, e.g. (seed, step, stream).

    SeedSequence mixes the key so that neighbouring keys ((s, 1) and (s, 2), or (1, s) and
    (2, s)) give unrelated streams, which `seed + step` would not."""
    state = np.random.SeedSequence([int(k) % (1 << 63) for k in key]).generate_state(1, np.uint64)[0]
    return torch.Generator().manual_seed(int(state) >> 1)


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Divide logits by `temperature` (> 0): below 1 sharpens the distribution, above 1 flattens it."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return logits / temperature


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the `k` largest logits along the last dim, set the rest to -inf. k <= 0: no filter."""
    if k <= 0 or k >= logits.size(-1):
        return logits
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filter (Holtzman et al. 2020): keep the smallest set of most likely tokens whose
    probability sums to at least `p`, set the rest to -inf. p >= 1: no filter."""
    if p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    probs = torch.softmax(sorted_logits.float(), dim=-1)
    # A token is dropped when the tokens ranked above it already cover p; the top one never is.
    mass_before = torch.cumsum(probs, dim=-1) - probs
    drop_sorted = mass_before >= p
    drop_sorted[..., 0] = False
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def next_token_probs(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """The sampling distribution over the last dim after temperature, top-k and top-p (float32);
    temperature 0 puts all the mass on the likeliest token."""
    if temperature == 0:
        return torch.nn.functional.one_hot(logits.argmax(dim=-1), logits.size(-1)).float()
    logits = apply_temperature(logits.float(), temperature)
    logits = top_k_filter(logits, top_k)
    logits = top_p_filter(logits, top_p)
    return torch.softmax(logits, dim=-1)


def sample_next(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """Draw one token id per row of `logits` (`(V,)` or `(B, V)`); returns int64 of shape `(...)`.

    Drawn on the CPU so that a CPU `generator` gives the same sample on any device.
    Temperature 0 is greedy: the argmax, no draw."""
    if temperature == 0:
        return logits.detach().cpu().argmax(dim=-1)
    probs = next_token_probs(logits.detach().cpu(), temperature, top_k, top_p)
    flat = probs.reshape(-1, probs.size(-1))
    return torch.multinomial(flat, 1, generator=generator).reshape(probs.shape[:-1])
