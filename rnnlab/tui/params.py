"""Approximate parameter counts without torch, to match model sizes across cells in a race.

Counts the recurrent stack (torch's layout: two bias vectors per gate block) plus the input
embedding/projection and output head; close enough to pick hidden sizes that give each cell
about the same number of weights.
"""

from __future__ import annotations

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 3, "lstm": 4}

# Rough input/output widths per task (text: a printable-ASCII vocabulary).
IO = {"text": (100, 100), "adding": (2, 1), "copy": (10, 10), "timeseries": (8, 24)}


def approx_params(cell: str, hidden: int, layers: int, task: str) -> int:
    n_in, n_out = IO.get(task, (8, 8))
    if task == "text":
        embed, first_in = n_in * hidden, hidden
    else:
        embed, first_in = 0, n_in
    head = hidden * n_out + n_out
    if cell == "transformer":
        # attention (4H²) + MLP (8H²) + norms per block, plus the input projection.
        return embed + first_in * hidden + layers * (12 * hidden * hidden + 13 * hidden) + head
    g = GATES.get(cell, 1)
    total = 0
    for layer in range(layers):
        i = first_in if layer == 0 else hidden
        total += g * (hidden * i + hidden * hidden + 2 * hidden)
    return embed + total + head


def matched_hidden(cell: str, target: int, layers: int, task: str) -> int:
    """The hidden size whose count is closest to `target` (counts grow with hidden size)."""
    lo, hi = 1, 16384
    while lo < hi:
        mid = (lo + hi) // 2
        if approx_params(cell, mid, layers, task) < target:
            lo = mid + 1
        else:
            hi = mid
    below = max(1, lo - 1)
    return min((below, lo), key=lambda h: abs(approx_params(cell, h, layers, task) - target))
