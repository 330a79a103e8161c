"""Text from a trained model: `stream` draws tokens one at a time after a prime (what the
playground shows as it comes), `generate` joins them (`rnnlab sample`, the text task's sample
probe), and `distinct_n` scores a sample's diversity. `task` is a text task (rnnlab/tasks/text.py):
its `encode`, `decode`, `fallback_token` and `seq_len`; the sampling filters are tasks/sampling.py's.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator, Optional, ParamSpec

import torch

from rnnlab.errors import UserError
from rnnlab.tasks.sampling import sample_next, seeded_generator

# Key of the sampling stream in `seeded_generator` (the text task's random windows use 1).
SAMPLE_STREAM = 2
P = ParamSpec("P")


def stream(
    model: torch.nn.Module,
    task: Any,
    prime: str,
    length: int,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    device: torch.device | str = "cpu",
    seed: Optional[int] = None,
    style: Optional[int] = None,
) -> Iterator[str]:
    """The text of each sampled token as it is drawn (what the playground shows as it comes;
    stopping the iteration stops the sampling).

    A recurrent model reads the prime once and then one token per step, carrying its state; a
    model without state (`is_recurrent` False, the Transformer) is given the last `seq_len`
    tokens every step, the most context it was trained on. `seed` makes the sample
    reproducible for a given model; None draws from torch's global generator. `style` (an id,
    `task.style_id(name)`) conditions a model trained with styles; None: the model's default."""
    if length < 0:
        raise UserError(f"sample length must be >= 0, got {length}")
    ids = task.encode(prime).tolist() or [task.fallback_token()]
    gen = seeded_generator(seed, SAMPLE_STREAM) if seed is not None else None
    recurrent = getattr(model, "is_recurrent", True)
    kw = {} if style is None else {"style": int(style)}
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            if recurrent:
                x = torch.tensor([ids], dtype=torch.long, device=device)
                out, state = model(x, None, **kw)
                for i in range(length):
                    tok = int(sample_next(out[0, -1], temperature, top_k, top_p, gen))
                    yield task.decode([tok])
                    if i + 1 < length:
                        out, state = model(torch.tensor([[tok]], dtype=torch.long, device=device), state, **kw)
            else:
                context = list(ids)
                for _ in range(length):
                    x = torch.tensor([context[-task.seq_len :]], dtype=torch.long, device=device)
                    out, _ = model(x, None, **kw)
                    tok = int(sample_next(out[0, -1], temperature, top_k, top_p, gen))
                    context.append(tok)
                    yield task.decode([tok])
    finally:
        model.train(was_training)


def _joined(pieces: Callable[P, Iterator[str]], name: str, doc: str) -> Callable[P, str]:
    """`pieces` with its pieces joined into one string: the same parameters (one list of them,
    which type checkers, `inspect.signature` and `help` all see), a `str` back."""

    def joined(*args: P.args, **kwargs: P.kwargs) -> str:
        return "".join(pieces(*args, **kwargs))

    joined.__name__ = joined.__qualname__ = name
    joined.__doc__ = doc
    joined.__signature__ = inspect.signature(pieces).replace(return_annotation=str)  # type: ignore[attr-defined]
    return joined


generate = _joined(stream, "generate", """Sample `length` tokens (characters, or words for the word
    unit) after `prime`; returns the continuation only (not the prime). `stream`'s arguments.""")


def distinct_n(text: str, n: int, unit: str = "word") -> float:
    """Distinct-n (Li et al. 2016): distinct n-grams / all n-grams, 0 when there are none.

    1.0 means no n-gram repeats; a sample stuck in a loop scores low. `unit` is "word"
    (whitespace-separated, the usual definition) or "char"."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if unit == "word":
        tokens: list[str] | str = text.split()
    elif unit == "char":
        tokens = text
    else:
        raise ValueError(f"unit must be 'word' or 'char', got {unit!r}")
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0
