"""`python benchmarks/first_step.py ARGS...` runs `rnnlab ARGS...` and ends it when its first
optimizer step is done, printing `first-step-cpu SECONDS` (this process's user+system CPU since
it started, interpreter start-up included) on stderr. Used by benchmarks/startup.py."""
import os
import sys
import time

from rnnlab.train import loop

_step = loop.Trainer.train_step


def _first(self, step):
    out = _step(self, step)
    t = os.times()
    print(f"first-step-cpu {t.user + t.system:.3f}", file=sys.stderr, flush=True)
    os._exit(0)


loop.Trainer.train_step = _first
t0 = time.process_time()
from rnnlab.cli.app import main  # noqa: E402

main(sys.argv[1:])
