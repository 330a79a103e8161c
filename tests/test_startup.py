"""What `rnnlab train` imports before its first step (train/eager.py) and before a config error:
checked in fresh subprocesses, where nothing else has imported anything yet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from rnnlab.config import TrainConfig
from rnnlab.train import eager, optim

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_torchs_dynamo_internals_are_where_eager_expects_them():
    # fails loudly when a new torch moves them: then every run pays ~1.5 s of CPU again
    assert eager.prepare(), "torch.optim's _disable_dynamo wrappers moved: check rnnlab/train/eager.py"
    opt = torch.optim.Adam(torch.nn.Linear(2, 2).parameters())
    assert eager.inspect.unwrap(type(opt).step) is not type(opt).step


def test_a_training_run_never_imports_dynamo(tmp_path):
    code = (
        "import sys\n"
        "from rnnlab.cli.app import main\n"
        "try:\n"
        f"    main(['train', 'adding-lstm', '--runs-dir', {str(tmp_path / 'runs')!r}, '--set', 'train.steps=2',"
        " '--set', 'model.hidden_size=8', '--set', 'task.seq_len=10', '--set', 'train.eval_batches=1',"
        " '--set', 'train.device=cpu'])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "print('dynamo' if 'torch._dynamo' in sys.modules else 'no dynamo', 'torch' in sys.modules)\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "no dynamo True"


def test_a_config_error_comes_before_torch(tmp_path):
    code = (
        "import sys\n"
        "from rnnlab.cli.app import main\n"
        "try:\n"
        "    main(['train', 'adding-lstm', '--set', 'train.lr=abc'])\n"
        "except SystemExit as e:\n"
        "    print('exit', e.code, 'torch' in sys.modules)\n"
    )
    proc = _python(code, tmp_path)
    assert proc.stdout.strip() == "exit 2 False", proc.stdout + proc.stderr
    assert "train.lr" in proc.stderr or "[train] lr" in proc.stderr


def test_eager_step_is_torchs_update():
    for name in ("adam", "rmsprop", "sgd", "adamw", "adagrad"):
        torch.manual_seed(0)
        a = torch.nn.LSTM(3, 4)
        b = torch.nn.LSTM(3, 4)
        b.load_state_dict(a.state_dict())
        cfg = TrainConfig(optimizer=name, lr=0.01)
        oa, ob = optim.make_optimizer(a.parameters(), cfg), optim.make_optimizer(b.parameters(), cfg)
        for _ in range(3):
            x = torch.randn(5, 2, 3)
            for m, o, step in ((a, oa, lambda o: o.step()), (b, ob, eager.step)):
                o.zero_grad()
                m(x)[0].square().mean().backward()
                step(o)
        for pa, pb in zip(a.parameters(), b.parameters()):
            assert torch.equal(pa, pb), name
