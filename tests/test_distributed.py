"""Data-parallel training through torchrun, as a user runs it: real processes on gloo (CPU).

N processes split each global batch by rows and average their gradients, so the loss curve is
the one a single process draws from the same config; a rank that dies ends the run as crashed
(never a hang), and the run resumes from its checkpoint on the same curve."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rnnlab.runs import store
from rnnlab.runs.paths import checkpoint_steps
from tests.waiting import wait_for

TEXT = ("The quick brown fox jumps over the lazy dog. " * 20 + "Pack my box with five dozen liquor jugs!\n") * 8

PROBES_OFF = "[probes]\ngrad_flow_every = 0\ngates_every = 0\nhidden_every = 0\noutput_every = 0\n"


def _env() -> dict[str, str]:
    # one thread per rank: this box has 2 cores for everyone
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def _adding(tmp_path: Path, steps: int = 20) -> Path:
    path = tmp_path / "adding.toml"
    path.write_text(
        '[model]\ncell = "lstm"\nhidden_size = 8\n[task]\nkind = "adding"\nseq_len = 10\n'
        f'[train]\nsteps = {steps}\nbatch_size = 8\ncheckpoint_every = 10\neval_every = 10\nlog_every = 5\ndevice = "cpu"\nthreads = 1\n'
        + PROBES_OFF
    )
    return path


def _char_lm(tmp_path: Path, steps: int = 20) -> Path:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    path = tmp_path / "char.toml"
    path.write_text(
        f'[model]\ncell = "gru"\nhidden_size = 16\nnum_layers = 2\n[task]\nkind = "text"\nsource = "{corpus}"\n'
        'seq_len = 16\nbatching = "tbptt"\nmax_chars = 1000\n'
        f'[train]\nsteps = {steps}\nbatch_size = 4\ncheckpoint_every = 10\neval_every = 10\neval_batches = 2\nlog_every = 5\n'
        'device = "cpu"\nthreads = 1\n' + PROBES_OFF
    )
    return path


def rnnlab(*args: str, launcher: tuple[str, ...] = (), timeout: float = 240) -> subprocess.CompletedProcess:
    cmd = [sys.executable, *launcher, "-m", "rnnlab", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=timeout)


def _train_json(*args: str, launcher: tuple[str, ...] = ()) -> dict:
    proc = rnnlab("train", *args, "--json", launcher=launcher)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _losses(run_dir: str | Path) -> dict[int, float]:
    with store.RunReader(run_dir) as reader:
        steps, _, values = reader.series("loss")
    return dict(zip(steps, values))


def _assert_same_curve(one: dict[int, float], many: dict[int, float], steps: range) -> None:
    for s in steps:
        assert many[s] == pytest.approx(one[s], rel=1e-4), (s, one[s], many[s])


TORCHRUN = ("-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", "--max-restarts=0")


def test_nproc_2_adding_draws_the_single_process_curve(tmp_path):
    cfg = str(_adding(tmp_path))
    one = _train_json(cfg, "--runs-dir", str(tmp_path / "runs"))
    two = _train_json(cfg, "--runs-dir", str(tmp_path / "runs"), "--nproc", "2")
    assert two["status"] == "finished" and two["steps"] == 20
    _assert_same_curve(_losses(one["run_dir"]), _losses(two["run_dir"]), range(1, 21))
    assert two["metrics"]["val_mse"] == pytest.approx(one["metrics"]["val_mse"], rel=1e-4)
    # rank 0 alone wrote the run: one run directory, and it says how it trained
    assert len(list((tmp_path / "runs").glob("2*"))) == 2
    with store.RunReader(two["run_dir"]) as reader:
        assert reader.meta()["nproc"] == 2
        assert "x 2 processes" in next(e.message for e in reader.events() if e.kind == "started")


def test_torchrun_char_lm_draws_the_single_process_curve(tmp_path):
    """`torchrun -m rnnlab train FILE` (the multi-node form): each rank carries its rows' TBPTT
    state, and the checkpoint at step 10 gathers them without breaking the curve."""
    cfg = str(_char_lm(tmp_path))
    one = _train_json(cfg, "--runs-dir", str(tmp_path / "runs"))
    two = _train_json(cfg, "--runs-dir", str(tmp_path / "runs"), launcher=TORCHRUN)
    assert two["status"] == "finished"
    _assert_same_curve(_losses(one["run_dir"]), _losses(two["run_dir"]), range(1, 21))
    assert two["metrics"]["val_bpc"] == pytest.approx(one["metrics"]["val_bpc"], rel=1e-4)
    assert len(list((tmp_path / "runs").glob("2*"))) == 2  # rank 1 created no run


def _rank_pid(run_dir: Path, rank: int) -> int | None:
    """The pid of the worker process of `run_dir` that torchrun started as `rank`."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            if b"rnnlab.runs.worker" not in cmdline or str(run_dir).encode() not in cmdline:
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"RANK={rank}".encode() in environ:
            return int(entry.name)
    return None


def test_a_killed_rank_crashes_the_run_and_resume_continues_the_curve(tmp_path):
    runs = tmp_path / "runs"
    cfg = str(_char_lm(tmp_path, steps=100_000))
    proc = rnnlab("train", cfg, "--runs-dir", str(runs), "--nproc", "2", "--detach", "--json")
    assert proc.returncode == 0, proc.stderr
    run_dir = Path(json.loads(proc.stdout)["run_dir"])
    assert wait_for(lambda: checkpoint_steps(run_dir) and store.read_info(run_dir).step >= 12, 120, 0.05), \
        (run_dir / "worker.log").read_text()
    pid = wait_for(lambda: _rank_pid(run_dir, 1), 10)
    assert pid, "rank 1 not found"
    os.kill(pid, signal.SIGKILL)
    info = wait_for(lambda: (i := store.read_info(run_dir)) and not i.live and i, 120, 0.1)
    assert info and info.status == "crashed", (info, (run_dir / "worker.log").read_text()[-3000:])
    assert "another process of this run died" in info.message
    # nothing left behind: torchrun ended rank 0 and itself
    assert wait_for(lambda: _rank_pid(run_dir, 0) is None, 60)
    log = (run_dir / "worker.log").read_text()
    assert "rnnlab/runs/worker.py" not in log, log[-3000:]  # recorded as one line, no traceback of its own

    target = checkpoint_steps(run_dir)[-1] + 6
    proc = rnnlab("resume", run_dir.name, "--runs-dir", str(runs), "--set", f"train.steps={target}")
    assert proc.returncode == 0, proc.stderr
    info = wait_for(lambda: (i := store.read_info(run_dir)) and i.status == "finished" and i, 180, 0.1)
    assert info, (run_dir / "worker.log").read_text()[-3000:]
    resumed = _losses(run_dir)

    ref = _train_json(str(_char_lm(tmp_path, steps=target)), "--runs-dir", str(tmp_path / "ref"))
    _assert_same_curve(_losses(ref["run_dir"]), resumed, range(1, target + 1))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--nproc", "0"), "--nproc 0"),
        (("--nproc", "3"), "batch_size = 8 does not split evenly"),
        (("--nproc", "2", "--set", "train.device=cuda"), "NCCL needs CUDA"),
        (("--nproc", "2", "--set", "train.device=cuda:1"), "cuda:LOCAL_RANK"),
        (("--nproc", "2", "--detach", "--queue"), "--queue with --nproc is not supported yet"),
    ],
)
def test_bad_nproc_input_is_one_line(tmp_path, args, needle):
    if "train.device=cuda" in args:
        import torch

        if torch.cuda.is_available():
            pytest.skip("CUDA is visible here")
    proc = rnnlab("train", str(_adding(tmp_path)), "--runs-dir", str(tmp_path / "runs"), *args)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], proc.stderr
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").glob("2*"))


def test_each_rank_takes_its_contiguous_rows_and_checkpoints_rejoin_them(tmp_path):
    """Without a process group: rank r's batch is rows [r·B/N, (r+1)·B/N) of the global batch,
    and a carried state split by rows joins back to the single-process one."""
    import torch

    from rnnlab import config
    from rnnlab.models.sequence import AttentionState
    from rnnlab.train import distributed
    from rnnlab.train.events import NoControl, NullReporter
    from rnnlab.train.session import build

    cfg = config.validate(config.read_toml(_adding(tmp_path)), "adding.toml")
    device = torch.device("cpu")
    task, model = build(cfg, None, device)
    full = task.batch(3, 8)
    for rank in range(2):
        group = distributed.Group(rank, 2, rank)
        trainer = group.trainer(cfg, task, model, device, NullReporter(), NoControl(), tmp_path)
        part = trainer.batch(3)
        assert torch.equal(part.x, full.x[4 * rank : 4 * rank + 4]) and torch.equal(part.y, full.y[4 * rank : 4 * rank + 4])

    h = (torch.randn(2, 8, 5), torch.randn(2, 8, 5))
    state = AttentionState(h, torch.randn(8, 3, 5))
    parts = [distributed.slice_state(state, 0, 4), distributed.slice_state(state, 4, 8)]
    assert parts[1].hidden[0].shape == (2, 4, 5) and parts[1].memory.shape == (4, 3, 5)
    joined = distributed.join_states(parts)
    assert isinstance(joined, AttentionState)
    assert torch.equal(joined.hidden[1], h[1]) and torch.equal(joined.memory, state.memory)


def test_bad_data_in_a_foreground_nproc_run_is_one_line(tmp_path):
    """Found by rank 0 once the processes run: still one line, not torchrun's failure report."""
    proc = rnnlab("train", str(_char_lm(tmp_path)), "--runs-dir", str(tmp_path / "runs"), "--nproc", "2",
                  "--set", f"task.source={tmp_path / 'missing.txt'}")
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "missing.txt" in lines[0], proc.stderr
    assert not list((tmp_path / "runs").glob("2*"))  # nothing trained: no run left behind


def test_text_ranks_build_only_their_rows(tmp_path):
    """`Task.batch_rows` (what a rank builds) is the rows of the global batch, in both text batchings."""
    import torch

    from rnnlab import config
    from rnnlab.train.session import build

    for batching in ("tbptt", "random"):
        data = config.read_toml(_char_lm(tmp_path))
        data["task"]["batching"] = batching
        cfg = config.validate(data, "char.toml")
        task, _ = build(cfg, None, torch.device("cpu"))
        for step in (0, 3, 7):
            full = task.batch(step, 4)
            for lo, hi in ((0, 2), (2, 4)):
                part = task.batch_rows(step, 4, lo, hi)
                assert torch.equal(part.x, full.x[lo:hi]) and torch.equal(part.y, full.y[lo:hi]), (batching, step)
                assert part.stateful == full.stateful


_UNUSED = """
import json, os, sys, torch
from pathlib import Path
from rnnlab import config
from rnnlab.train import distributed
from rnnlab.train.events import NoControl, NullReporter
from rnnlab.train.session import build

group = distributed.connect()
cfg = config.validate(config.read_toml(Path(sys.argv[1])), "adding.toml")
task, model = build(cfg, None, torch.device("cpu"))
trainer = group.trainer(cfg, task, model, torch.device("cpu"), NullReporter(), NoControl(), Path(os.devnull))
for p in trainer.params:
    p.grad = torch.full_like(p, float(group.rank + 1))
if group.rank == 1:
    trainer.params[0].grad = None  # this rank's graph did not reach it
trainer.params[1].grad = None  # no rank's did
loss = trainer.reduce(torch.tensor(float(group.rank)))
g = trainer.params
print(json.dumps({"loss": loss.item(), "p0": g[0].grad.mean().item(), "p1": g[1].grad is None, "p2": g[2].grad.mean().item()}))
distributed.close()
"""


def test_a_parameter_unused_on_one_rank_does_not_hang_the_all_reduce(tmp_path):
    import socket

    script = tmp_path / "unused.py"
    script.write_text(_UNUSED)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = _adding(tmp_path)
    procs = []
    for rank in range(2):
        env = {**_env(), "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1",
               "MASTER_PORT": str(port), "RNNLAB_DIST_TIMEOUT_S": "60", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        procs.append(subprocess.Popen([sys.executable, str(script), str(cfg)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
        # the mean over ranks: rank 0 had 1s, rank 1 had 2s (or nothing: zeros)
        assert json.loads(out) == {"loss": 0.5, "p0": 0.5, "p1": True, "p2": 1.5}


# ---------------------------------------------------------------- each rank's rows


def _tasks(tmp_path: Path):
    from rnnlab.config import TaskConfig
    from rnnlab.tasks import make_task

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    cfgs = [
        TaskConfig(kind="adding", seq_len=12),
        TaskConfig(kind="copy", seq_len=6),
        TaskConfig(kind="timeseries", window=16, horizon=4, periods=[24.0], synthetic={"length": 400}),
        TaskConfig(kind="text", source=str(corpus), seq_len=16, batching="random"),
    ]
    from tests.test_ts_global import _cfg, _write

    cfgs.append(_cfg(_write(tmp_path / "panel.csv")))  # a global model over a long-format panel
    return [make_task(cfg, seed=3, batch_size=8, cache_dir=tmp_path / "cache") for cfg in cfgs]


def test_each_rank_builds_only_its_rows_of_the_single_process_batch(tmp_path):
    """`Task.batch_rows` is what a rank calls: its rows of the very batch one process draws,
    built on their own (tensors the size of the slice, not views of a whole batch)."""
    for task in _tasks(tmp_path):
        for step in (0, 7):
            whole = task.batch(step, 8)
            parts = [task.batch_rows(step, 8, lo, lo + 2) for lo in range(0, 8, 2)]  # 4 ranks
            for name in ("x", "y"):
                full = getattr(whole, name)
                # exactly equal, a missing target (NaN, the panel's gap) included
                torch.testing.assert_close(torch.cat([getattr(p, name) for p in parts]), full, rtol=0, atol=0,
                                           equal_nan=True, msg=f"{task.kind} {name}")
                for p in parts:
                    t = getattr(p, name)
                    assert t.shape[0] == 2
                    # storage of 2 rows: built for the slice, not cut from a batch of 8
                    assert t.untyped_storage().nbytes() == t.numel() * t.element_size(), (task.kind, name)
