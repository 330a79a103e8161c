"""The training engine: reproducibility, resume continuity, divergence guard, clipping, probes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from rnnlab import config
from rnnlab.tasks import make_task
from rnnlab.train import checkpoint, kept, probes
from rnnlab.train.session import build, open_run, run_training


class Recorder:
    """A Reporter that keeps everything in memory."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, float]] = {}
        self.vectors: list[tuple[int, str, object]] = []
        self.events: list[tuple[str, str, object]] = []
        self.starts: list[int] = []

    def start(self, step):
        self.starts.append(step)

    def scalars(self, step, values):
        self.rows.setdefault(step, {}).update(values)

    def vector(self, step, name, data):
        self.vectors.append((step, name, data))

    def event(self, kind, message, step=None, data=None):
        self.events.append((kind, message, data))

    def losses(self) -> dict[int, float]:
        return {s: r["loss"] for s, r in sorted(self.rows.items()) if "loss" in r}


class StopAfter:
    """A Control that asks for a stop once `n` steps have been polled."""

    def __init__(self, n: int) -> None:
        self.n, self.polls = n, 0

    def poll(self):
        self.polls += 1
        return ["stop"] if self.polls > self.n else []


class Never:
    def poll(self):
        return []


@pytest.fixture()
def corpus(tmp_path) -> Path:
    text = "".join(f"def f{i}(x):\n    return x * {i} + {i % 7}\n\n" for i in range(400))
    path = tmp_path / "corpus.txt"
    path.write_text(text)
    return path


def text_cfg(corpus: Path, *extra: str) -> config.Config:
    return config.load(
        "lstm-char",
        [
            f"task.source='{corpus}'",
            "task.seq_len=16",
            "model.hidden_size=16",
            "model.num_layers=2",
            "model.dropout=0.2",
            "train.batch_size=4",
            "train.steps=20",
            "train.eval_every=10",
            "train.eval_batches=2",
            "train.checkpoint_every=10",
            "train.warmup_steps=3",
            "probes.output_every=0",
            "task.sample_length=20",
            *extra,
        ],
    )


def test_same_config_and_seed_gives_same_losses(tmp_path, corpus):
    a, b = Recorder(), Recorder()
    run_training(text_cfg(corpus), tmp_path / "a", a, Never())
    run_training(text_cfg(corpus), tmp_path / "b", b, Never())
    assert len(a.losses()) == 20
    assert a.losses() == b.losses()
    c = Recorder()
    run_training(text_cfg(corpus, "train.seed=7"), tmp_path / "c", c, Never())
    assert c.losses() != a.losses()


@pytest.mark.parametrize("extra", [(), ("model.cell=gru", "task.batching=random")])
def test_resume_continues_the_same_curve(tmp_path, corpus, extra):
    full = Recorder()
    run_training(text_cfg(corpus, *extra), tmp_path / "full", full, Never())

    part = Recorder()
    out = run_training(text_cfg(corpus, *extra), tmp_path / "part", part, StopAfter(13))
    assert out.status == "stopped" and out.step == 13
    assert checkpoint.latest(tmp_path / "part" / "checkpoints")[0] == 13
    resumed = Recorder()
    out = run_training(text_cfg(corpus, *extra), tmp_path / "part", resumed, Never(), resume=True)
    assert out.status == "finished" and out.step == 20
    assert resumed.starts == [13]
    assert min(resumed.losses()) == 14
    stitched = {**{s: v for s, v in part.losses().items() if s <= 13}, **resumed.losses()}
    assert stitched == full.losses()


def test_divergence_is_caught_and_last_good_checkpoint_kept(tmp_path):
    cfg = config.load(
        "adding-lstm",
        ["task.seq_len=8", "model.hidden_size=8", "train.steps=200", "train.optimizer=sgd", "train.lr=80",
         "train.momentum=0", "train.clip_norm=0", "train.checkpoint_every=1", "train.eval_every=1000",
         "probes.output_every=0", "probes.layers_every=0", "model.cell=rnn_relu"],
    )
    rec = Recorder()
    out = run_training(cfg, tmp_path / "d", rec, Never())
    assert out.status == "diverged"
    assert out.message.startswith(f"diverged at step {out.step}")
    assert [k for k, *_ in rec.events].count("diverged") == 1
    good = checkpoint.latest(tmp_path / "d" / "checkpoints")
    assert good is not None and good[0] == out.step - 1
    weights, _, _ = checkpoint.load(good[1])
    assert all(torch.isfinite(w).all() for w in weights.values())


def test_clipping_reports_norm_before_and_limits_update(tmp_path):
    cfg = config.load(
        "adding-lstm",
        ["task.seq_len=8", "model.hidden_size=8", "train.steps=3", "train.optimizer=sgd", "train.lr=0.5",
         "train.momentum=0", "train.clip_norm=1e-3", "train.eval_every=1000", "probes.layers_every=1",
         "probes.output_every=0"],
    )
    rec = Recorder()
    run_training(cfg, tmp_path / "c", rec, Never())
    for step in (1, 2, 3):
        assert rec.rows[step]["grad_norm"] > 1e-3 and rec.rows[step]["clipped"] == 1.0
    layers = [d for s, n, d in rec.vectors if n == "layers"]
    # SGD: ‖Δw‖ = lr·‖clipped g‖, and the clipped global norm is 1e-3
    total_update = math.sqrt(sum((v["update_ratio"] * v["weight_norm"]) ** 2 for v in layers[0].values()))
    assert total_update == pytest.approx(0.5 * 1e-3, rel=1e-3)


def test_param_stats_update_ratio_matches_sgd_step(tmp_path):
    cfg = config.load(
        "adding-lstm",
        ["task.seq_len=8", "model.hidden_size=8", "train.steps=1", "train.optimizer=sgd", "train.lr=0.1",
         "train.momentum=0", "train.clip_norm=0", "probes.layers_every=1", "probes.output_every=0"],
    )
    rec = Recorder()
    run_training(cfg, tmp_path / "p", rec, Never())
    (layers,) = [d for s, n, d in rec.vectors if n == "layers"]
    for name, v in layers.items():
        assert v["update_ratio"] * v["weight_norm"] == pytest.approx(0.1 * v["grad_norm"], rel=1e-4, abs=1e-9), name


def test_tanh_rnn_gradient_vanishes_with_distance_from_T():
    cfg = config.load("adding-rnn", ["task.seq_len=60", "model.hidden_size=32"])
    torch.manual_seed(0)
    task, model = build(cfg, None, torch.device("cpu"))
    flow, hidden = probes.grad_flow_and_hidden(model, task, task.probe_batch(16), torch.device("cpu"))
    assert len(flow) == 60 and len(hidden) == 1 and len(hidden[0]) == 60
    # index -1 is t = T: the norm shrinks going back in time, by orders of magnitude
    assert flow[-1] > flow[-10] > flow[-30] > flow[0]
    assert flow[0] < 1e-3 * flow[-1]
    decreasing = sum(a <= b for a, b in zip(flow, flow[1:]))
    assert decreasing >= 0.9 * (len(flow) - 1)


def test_grad_flow_works_on_fused_and_reference_backends():
    cfg = config.load("adding-lstm", ["task.seq_len=12", "model.hidden_size=8", "model.num_layers=2"])
    torch.manual_seed(0)
    task, model = build(cfg, None, torch.device("cpu"))
    batch = task.probe_batch(4)
    fused, _ = probes.grad_flow_and_hidden(model, task, batch, torch.device("cpu"))
    model.backend = "reference"
    ref, _ = probes.grad_flow_and_hidden(model, task, batch, torch.device("cpu"))
    assert fused == pytest.approx(ref, rel=1e-4, abs=1e-12)


@pytest.mark.parametrize("cell,gates", [("lstm", {"input", "forget", "cell", "output"}), ("gru", {"reset", "update", "new"}), ("rnn_tanh", set())])
def test_gate_stats(cell, gates):
    cfg = config.load("adding-lstm", [f"model.cell={cell}", "task.seq_len=10", "model.hidden_size=8", "model.num_layers=2"])
    task, model = build(cfg, None, torch.device("cpu"))
    stats = probes.gate_stats(model, task.probe_batch(4), torch.device("cpu"))
    assert {k.split(".")[1] for k in stats} == gates
    assert {k.split(".")[0] for k in stats} == ({"l0", "l1"} if gates else set())
    for name, s in stats.items():
        assert 0.0 <= s["sat_low"] <= 1.0 and 0.0 <= s["sat_high"] <= 1.0
        if name.endswith(("cell", "new")):
            assert -1.0 <= s["mean"] <= 1.0 and s["sat_low"] == 0.0
        else:
            assert 0.0 < s["mean"] < 1.0


def test_saturated_forget_gate_is_seen():
    cfg = config.load("adding-lstm", ["task.seq_len=10", "model.hidden_size=8"])
    task, model = build(cfg, None, torch.device("cpu"))
    with torch.no_grad():
        model.rnn.bias_ih_l0[8:16] = 20.0  # forget gate bias: always open
    stats = probes.gate_stats(model, task.probe_batch(4), torch.device("cpu"))
    assert stats["l0.forget"]["sat_high"] == 1.0 and stats["l0.input"]["sat_high"] < 1.0


def test_checkpoint_loads_into_the_other_backend(tmp_path):
    cfg = config.load("adding-lstm", ["task.seq_len=10", "model.hidden_size=8", "train.steps=5", "model.num_layers=2",
                                      "probes.output_every=0"])
    run_training(cfg, tmp_path, Recorder(), Never())
    (tmp_path / "config.toml").write_text(cfg.to_toml())
    loaded = open_run(tmp_path)
    task, model = loaded.task, loaded.model
    batch = task.probe_batch(3)
    with torch.no_grad():
        fused, _ = model(batch.x)
        model.backend = "reference"
        ref, _ = model(batch.x)
    assert torch.allclose(fused, ref, atol=1e-5)


def test_corrupt_checkpoint_is_one_line_naming_the_file(tmp_path):
    cfg = config.load("adding-lstm", ["task.seq_len=6", "model.hidden_size=4", "train.steps=2", "probes.output_every=0"])
    run_training(cfg, tmp_path, Recorder(), Never())
    step, path = checkpoint.latest(tmp_path / "checkpoints")
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:40])
    from rnnlab.errors import UserError

    with pytest.raises(UserError) as info:
        run_training(cfg, tmp_path, Recorder(), Never(), resume=True)
    assert str(weights) in str(info.value) and "\n" not in str(info.value)


def test_tbptt_carries_the_state_out_of_an_epochs_first_chunk(tmp_path, corpus):
    from rnnlab.train.events import NullReporter
    from rnnlab.train.loop import Trainer

    cfg = text_cfg(corpus, "model.dropout=0")
    task, model = build(cfg, tmp_path, torch.device("cpu"))
    trainer = Trainer(cfg, task, model, torch.device("cpu"), NullReporter(), Never(), tmp_path / "ck")
    epoch = task.n_chunks(cfg.train.batch_size)  # step `epoch` reads chunk 0 again
    first, second = task.batch(epoch, cfg.train.batch_size), task.batch(epoch + 1, cfg.train.batch_size)
    assert not first.stateful and second.stateful
    assert torch.equal(first.y[:, -1], second.x[:, 0])  # chunk 1 continues chunk 0's text
    trainer.train_step(epoch)
    assert trainer.hidden is not None  # ... so it gets chunk 0's final state
    h0 = trainer.hidden[0].clone()
    trainer.train_step(epoch + 1)
    assert not torch.equal(trainer.hidden[0], h0)


def test_pause_time_is_not_step_time(tmp_path):
    class PauseOnce:
        def __init__(self):
            self.polls = 0

        def poll(self):
            self.polls += 1
            if self.polls == 5:
                return ["pause"]
            if self.polls == 6:
                import time

                time.sleep(1.0)  # the worker sits paused for a second
                return ["resume"]
            return []

    cfg = config.load("adding-lstm", ["task.seq_len=8", "model.hidden_size=8", "train.steps=10", "probes.output_every=0"])
    rec = Recorder()
    run_training(cfg, tmp_path, rec, PauseOnce())
    times = [rec.rows[s]["step_time"] for s in range(1, 11)]
    assert max(times) < 0.5, times
    assert [k for k, *_ in rec.events].count("paused") == 1


def test_resume_refuses_a_changed_corpus(tmp_path, corpus):
    from rnnlab.errors import UserError

    out = run_training(text_cfg(corpus), tmp_path / "run", Recorder(), StopAfter(5))
    assert out.status == "stopped"
    corpus.write_text(corpus.read_text().replace("return", "yield"))
    with pytest.raises(UserError, match="data changed since this run started"):
        run_training(text_cfg(corpus), tmp_path / "run", Recorder(), Never(), resume=True)


def test_no_evaluation_before_the_first_step(tmp_path, corpus):
    # the untrained model's val loss cost every run eval_batches forward passes before step 1
    rec = Recorder()
    run_training(text_cfg(corpus, "train.steps=4", "train.eval_every=2"), tmp_path / "run", rec, Never())
    assert "val_loss" not in rec.rows.get(0, {})
    assert [s for s, r in sorted(rec.rows.items()) if "val_loss" in r] == [2, 4]


def _vals(rec: Recorder, name: str = "val_bpc") -> dict[int, float]:
    return {s: r[name] for s, r in sorted(rec.rows.items()) if name in r}


def test_best_checkpoint_is_kept_beside_the_last_and_loads(tmp_path, corpus):
    # lr 0.2: the val curve goes up after step 2 (a noisy start), so best and last differ
    rec = Recorder()
    cfg = text_cfg(corpus, "train.lr=0.2", "train.eval_every=2", "train.steps=4", "train.checkpoint_every=4")
    run_training(cfg, tmp_path / "r", rec, Never())
    (tmp_path / "r" / "config.toml").write_text(cfg.to_toml())
    vals = _vals(rec)
    best_step = min(vals, key=vals.get)
    assert best_step != 4, vals  # the premise: the last step is not the best one
    found = kept.best(tmp_path / "r" / "checkpoints")
    assert found is not None and found[0] == best_step
    assert [s for s, _ in kept.checkpoint_dirs(tmp_path / "r" / "checkpoints" / "best")] == [best_step]
    _, state, meta = checkpoint.load(found[1])
    assert "optimizer" not in state and meta["best_metric"] == "val_bpc"  # for inference: weights and meta

    loaded = open_run(tmp_path / "r")  # default: best
    assert (loaded.checkpoint.which, loaded.checkpoint.step) == ("best", best_step)
    assert loaded.checkpoint.value == pytest.approx(vals[best_step])
    with torch.no_grad():
        again = loaded.task.evaluate(loaded.model, torch.device("cpu"), cfg.train.eval_batches)
    assert again["val_bpc"] == pytest.approx(vals[best_step], rel=1e-4)
    last = open_run(tmp_path / "r", which="last")
    assert (last.checkpoint.which, last.checkpoint.step) == ("last", 4)
    assert "best checkpoint (step" in loaded.checkpoint.describe()


def test_a_run_without_a_best_checkpoint_falls_back_to_the_last(tmp_path, corpus):
    cfg = text_cfg(corpus, "train.keep_best=false")
    run_training(cfg, tmp_path / "old", Recorder(), Never())
    (tmp_path / "old" / "config.toml").write_text(cfg.to_toml())
    assert not (tmp_path / "old" / "checkpoints" / "best").exists()  # the layout of older runs
    loaded = open_run(tmp_path / "old")
    assert (loaded.checkpoint.which, loaded.checkpoint.asked, loaded.checkpoint.step) == ("last", "best", 20)
    assert "no best checkpoint kept" in loaded.checkpoint.describe()


def test_patience_stops_after_evaluations_without_a_new_best(tmp_path, corpus):
    rec = Recorder()
    cfg = text_cfg(corpus, "train.lr=0.2", "train.eval_every=2", "train.steps=40", "train.patience=1")
    out = run_training(cfg, tmp_path / "p", rec, Never())
    vals = _vals(rec)
    steps = list(vals)
    # the first evaluation that is no better than every one before it
    first_worse = next(s for i, s in enumerate(steps) if i and vals[s] >= min(vals[t] for t in steps[:i]))
    assert out.status == "finished" and out.step == first_worse < 40
    assert "train.patience" in out.message and "best val_bpc" in out.message
    assert kept.latest(tmp_path / "p" / "checkpoints")[0] == first_worse  # it checkpointed where it stopped


def test_resume_keeps_the_better_best(tmp_path, corpus):
    cfg = text_cfg(corpus, "train.lr=0.2", "train.eval_every=2", "train.steps=8", "train.checkpoint_every=4")
    part = Recorder()
    run_training(cfg, tmp_path / "r", part, StopAfter(6))
    before = kept.best(tmp_path / "r" / "checkpoints")
    resumed = Recorder()
    run_training(cfg, tmp_path / "r", resumed, Never(), resume=True)
    vals = {**_vals(part), **_vals(resumed)}
    assert kept.best(tmp_path / "r" / "checkpoints")[0] == min(vals, key=vals.get)
    assert before is not None


def test_a_run_shorter_than_the_output_interval_ends_with_its_output(tmp_path, corpus):
    rec = Recorder()
    run_training(text_cfg(corpus, "probes.output_every=100"), tmp_path / "s", rec, Never())
    outputs = [(s, d) for s, n, d in rec.vectors if n == "output"]
    assert [s for s, _ in outputs] == [1, 20]  # step 1 (as always) and the end, never twice
    assert outputs[-1][1]["type"] == "text" and outputs[-1][1]["sample"]
    stopped = Recorder()
    run_training(text_cfg(corpus, "probes.output_every=100"), tmp_path / "t", stopped, StopAfter(7))
    assert [s for s, n, _ in stopped.vectors if n == "output"] == [1, 7]


def test_steps_are_read_at_the_log_interval_and_divergence_at_its_step(tmp_path, monkeypatch):
    """No step waits for the device: numbers are read once per `log_every` window (one transfer),
    and a non-finite step found in a window ends the run at that very step."""
    from rnnlab.train.loop import Trainer

    reads: list[int] = []
    real = Trainer._read

    def counting(self):
        reads.append(self.step)
        return real(self)

    monkeypatch.setattr(Trainer, "_read", counting)
    quiet = ["task.seq_len=8", "model.hidden_size=8", "train.eval_every=1000", "train.checkpoint_every=1000",
             "probes.output_every=0", "probes.layers_every=0", "probes.grad_flow_every=0", "probes.gates_every=0",
             "probes.hidden_every=0"]
    rec = Recorder()
    run_training(config.load("adding-lstm", [*quiet, "train.steps=20", "train.log_every=10"]), tmp_path / "a", rec, Never())
    assert reads == [10, 20] and sorted(rec.losses()) == list(range(1, 21))

    explode = [*quiet, "train.steps=200", "train.optimizer=sgd", "train.lr=80", "train.momentum=0", "train.clip_norm=0",
               "model.cell=rnn_relu"]
    every = run_training(config.load("adding-lstm", [*explode, "train.log_every=1"]), tmp_path / "b", Recorder(), Never())
    late = Recorder()
    out = run_training(config.load("adding-lstm", [*explode, "train.log_every=50"]), tmp_path / "c", late, Never())
    assert every.status == out.status == "diverged" and out.step == every.step
    assert max(late.rows) == out.step  # nothing reported after the diverged step
    assert all(math.isfinite(v) for s, v in late.losses().items() if s < out.step)
