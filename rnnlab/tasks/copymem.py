"""The copy-memory problem (Hochreiter & Schmidhuber 1997, in the form of Arjovsky et al. 2016).

With delay T = `[task] seq_len`, each sequence is T + 20 tokens long:

    a a a a a a a a a a  0 0 ... 0  9  0 0 0 0 0 0 0 0 0 0      input
    0 0 0 0 0 0 0 0 0 0  0 0 ... 0  0  a a a a a a a a a a      target
    └── 10 symbols ───┘  └─ T-1 ──┘  ↑  └──── 10 blanks ───┘
                                 delimiter

Symbols a0..a7 are tokens 1..8, 0 is the blank and 9 the delimiter, so the input vocabulary is
10. The output has 9 classes (blank and the 8 symbols): the delimiter is never a target. The
loss is the cross-entropy averaged over all T + 20 steps, as in the paper, so a memoryless
model -- blank until the delimiter, then a uniform guess among the 8 symbols -- scores
10·ln 8 / (T + 20) nats, and its recall accuracy is 1/8.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import torch
import torch.nn.functional as F

from rnnlab.config import TaskConfig
from rnnlab.tasks.base import Batch, Task
from rnnlab.tasks.sampling import seeded_generator

N_SYMBOLS = 8
N_RECALL = 10  # symbols to remember
BLANK = 0
DELIMITER = 9
_TRAIN_STREAM = 1
# Validation draws from its own stream, independent of the run's seed (see adding.py).
_VAL_STREAM = 2
_VAL_SEED = 0
_PROBE_ROWS = 4


def copy_batch(gen: torch.Generator, batch_size: int, delay: int, lo: int = 0, hi: Optional[int] = None) -> Batch:
    """Rows `lo:hi` (default all) of a batch of copy-memory sequences: x and y `(B, delay + 20)`
    int64. The symbols are drawn for the whole batch (10 per row, so every slice is the one a
    single process draws); the sequences are built for rows `lo:hi` only."""
    hi = batch_size if hi is None else hi
    length = delay + 2 * N_RECALL
    symbols = torch.randint(1, N_SYMBOLS + 1, (batch_size, N_RECALL), generator=gen)[lo:hi]
    x = torch.full((hi - lo, length), BLANK, dtype=torch.long)
    x[:, :N_RECALL] = symbols
    x[:, N_RECALL + delay - 1] = DELIMITER
    y = torch.full((hi - lo, length), BLANK, dtype=torch.long)
    y[:, -N_RECALL:] = symbols
    return Batch(x, y, stateful=False)


def memoryless_loss(delay: int) -> float:
    return N_RECALL * math.log(N_SYMBOLS) / (delay + 2 * N_RECALL)


class CopyTask(Task):
    kind = "copy"
    input_kind = "tokens"
    input_size = N_SYMBOLS + 2  # blank, 8 symbols, delimiter
    output_size = N_SYMBOLS + 1  # blank, 8 symbols
    primary_metric = "val_loss"

    def __init__(
        self, cfg: TaskConfig, *, seed: int, batch_size: int, state: Optional[dict[str, Any]] = None
    ) -> None:
        super().__init__(cfg, seed=seed, batch_size=batch_size, state=state)
        self.delay = cfg.seq_len
        # seq_len is the sequence length the model sees (tokens_per_batch counts it), not T.
        self.seq_len = self.delay + 2 * N_RECALL

    def state(self) -> dict[str, Any]:
        return {"delay": self.delay, "seq_len": self.seq_len}

    def describe(self) -> str:
        return f"copy: delay T={self.delay} ({self.seq_len} steps), memoryless baseline {memoryless_loss(self.delay):.4f} nats"

    def batch(self, step: int, batch_size: int) -> Batch:
        return self.batch_rows(step, batch_size, 0, batch_size)

    def batch_rows(self, step: int, batch_size: int, lo: int, hi: int) -> Batch:
        return copy_batch(seeded_generator(self.seed, step, _TRAIN_STREAM), batch_size, self.delay, lo, hi)

    def _val_batch(self, index: int, batch_size: int) -> Batch:
        return copy_batch(seeded_generator(_VAL_SEED, index, _VAL_STREAM), batch_size, self.delay)

    def probe_batch(self, batch_size: int) -> Batch:
        return self._val_batch(0, batch_size)

    def loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        return F.cross_entropy(out.reshape(-1, out.size(-1)).float(), batch.y.reshape(-1))

    def last_step_loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        return F.cross_entropy(out[:, -1].float(), batch.y[:, -1])

    def evaluate(self, model: torch.nn.Module, device: torch.device, num_batches: int) -> dict[str, float]:
        total, count, correct, recalled = 0.0, 0, 0, 0
        with torch.no_grad():
            for i in range(num_batches):
                batch = self._val_batch(i, self.batch_size).to(device)
                out, _ = model(batch.x, None)
                out = out.float()
                total += float(F.cross_entropy(out.reshape(-1, out.size(-1)), batch.y.reshape(-1), reduction="sum"))
                count += batch.y.numel()
                guess = out[:, -N_RECALL:].argmax(-1)
                correct += int((guess == batch.y[:, -N_RECALL:]).sum())
                recalled += guess.numel()
        return {"val_loss": total / count, "val_acc": correct / recalled}

    def baselines(self) -> dict[str, float]:
        return {"memoryless_val_loss": memoryless_loss(self.delay), "memoryless_val_acc": 1.0 / N_SYMBOLS}

    def output_probe(self, model: torch.nn.Module, device: torch.device) -> dict[str, Any]:
        """Digits: 1-8 the symbols, 0 a blank (predicted instead of a symbol), 9 the delimiter."""
        batch = self.probe_batch(_PROBE_ROWS)
        with torch.no_grad():
            out, _ = model(batch.x.to(device), None)
        guess = out[:, -N_RECALL:].float().argmax(-1).cpu()

        def digits(t: torch.Tensor) -> str:
            return "".join(str(int(v)) for v in t)

        return {
            "type": "predictions",
            "layout": f"{N_RECALL} symbols, {self.delay - 1} blanks, delimiter 9, {N_RECALL} blanks",
            "rows": [
                {"input": digits(x[:N_RECALL]), "target": digits(y[-N_RECALL:]), "prediction": digits(g)}
                for x, y, g in zip(batch.x, batch.y, guess)
            ],
        }
