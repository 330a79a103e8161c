"""Parameter counts without torch, to match model sizes across cells in a race and to show the
size of a model on the new-experiment form.

Mirrors the layout `rnnlab.models.build_model` creates (tests check it against real models):
an input encoder of width `embedding_size` (default: hidden size): an embedding for tokens; for
real values a linear layer with bias only with `input_projection` (else the features feed the
first layer as they are; the Transformer always projects them), the recurrent stack in torch's layout (two bias vectors
per gate block) or the Transformer's projection to its width and pre-LN blocks with a learned
positional table, optional attention, and the output head. Given the task's input and output
sizes (`io`) the count is exact; without them the text vocabulary and the time-series feature
count are guesses (they depend on the data).
"""

from __future__ import annotations

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 3, "lstm": 4}

# Input/output widths per task: exact for adding and copy; text assumes a printable-ASCII
# vocabulary, time series a value, two sin/cos periods and calendar features -> 24 steps.
IO = {"text": (100, 100), "adding": (2, 1), "copy": (10, 9), "timeseries": (9, 24)}
TOKENS = {"text", "copy"}
# The model's max_len (the task's sequence length) at the config defaults, for the
# Transformer's positional table when the caller does not give it.
DEFAULT_LEN = {"text": 100, "adding": 100, "copy": 120, "timeseries": 96}


def approx_params(
    cell: str,
    hidden: int,
    layers: int,
    task: str,
    *,
    max_len: int | None = None,
    attention: bool = False,
    embedding_size: int | None = None,
    io: tuple[int, int] | None = None,
    input_projection: bool = False,
) -> int:
    n_in, n_out = io or IO.get(task, (8, 8))
    tokens = task in TOKENS
    if tokens or input_projection or cell == "transformer":
        width = embedding_size or hidden
        encoder = n_in * width if tokens else n_in * width + width
    else:
        width, encoder = n_in, 0
    if cell == "transformer":
        in_proj = width * hidden if width != hidden else 0  # no bias
        pos = (max_len or DEFAULT_LEN.get(task, 100)) * hidden
        blocks = layers * (12 * hidden * hidden + 13 * hidden)
        return encoder + in_proj + pos + blocks + 2 * hidden + hidden * n_out + n_out
    g = GATES.get(cell, 1)
    stack = 0
    for layer in range(layers):
        i = width if layer == 0 else hidden
        stack += g * (hidden * i + hidden * hidden + 2 * hidden)
    attn = 3 * hidden * hidden if attention else 0
    return encoder + stack + attn + hidden * n_out + n_out


def known_io(task_cfg) -> tuple[int, int] | None:
    """The task's exact (input size, output size) when the config alone decides them (adding,
    copy); None when they depend on the data (text vocabulary, time-series features)."""
    if task_cfg.kind in ("adding", "copy"):
        return IO[task_cfg.kind]
    return None


def model_len(task_cfg) -> int:
    """The model's max_len for a `[task]` config: the sequence length the task feeds it."""
    if task_cfg.kind == "copy":
        return task_cfg.seq_len + 20  # T blanks around 10 symbols to recall and their echo
    if task_cfg.kind == "timeseries":
        return task_cfg.window or 96  # unset: from the data; an estimate here
    return task_cfg.seq_len


def config_params(cfg, io: tuple[int, int] | None = None) -> int:
    """The parameter count of the model `cfg` builds; exact when `io` is given or known."""
    m = cfg.model
    io = io or known_io(cfg.task)
    if io is None and cfg.task.kind == "timeseries":
        io = (IO["timeseries"][0], cfg.task.horizon or 24)
    return approx_params(m.cell, m.hidden_size, m.num_layers, cfg.task.kind, max_len=model_len(cfg.task),
                         attention=m.attention, embedding_size=m.embedding_size, io=io,
                         input_projection=m.input_projection)


def matched_hidden(cell: str, target: int, layers: int, task: str, **kw) -> int:
    """The hidden size whose count is closest to `target` (counts grow with hidden size)."""
    lo, hi = 1, 16384
    while lo < hi:
        mid = (lo + hi) // 2
        if approx_params(cell, mid, layers, task, **kw) < target:
            lo = mid + 1
        else:
            hi = mid
    below = max(1, lo - 1)
    return min((below, lo), key=lambda h: abs(approx_params(cell, h, layers, task, **kw) - target))
