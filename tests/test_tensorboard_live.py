"""`[log] tensorboard = true` (issue 18 item 4): a run writes TensorBoard event files into
`<run>/tensorboard/` as it trains (the metrics, a text run's samples, and at the end its config
with its final metrics in the HParams tab); `rnnlab export --format tensorboard` adds the samples
and the hparams too. Real runs (tiny), read back with TensorBoard's own EventAccumulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorboard")

TINY_TEXT = ["--set", "model.hidden_size=8", "--set", "train.steps=6", "--set", "train.eval_every=3",
             "--set", "train.eval_batches=1", "--set", "task.seq_len=8", "--set", "train.batch_size=4",
             "--set", "probes.output_every=3", "--set", "task.sample_length=20"]


def _events(logdir: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logdir), size_guidance={"tensors": 0, "scalars": 0})
    acc.Reload()
    return acc


def test_live_tensorboard_scalars_samples_and_hparams(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog. " * 60, encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "rnnlab", "train", "lstm-char", *TINY_TEXT, "--set", f"task.source='{corpus}'",
                           "--set", "log.tensorboard=true", "--runs-dir", str(tmp_path / "runs"), "--json"],
                          capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 0, proc.stderr
    import json

    run = Path(json.loads(proc.stdout)["run_dir"])
    acc = _events(run / "tensorboard")
    assert [e.step for e in acc.Scalars("loss")][-1] == 6
    assert [e.step for e in acc.Scalars("val_bpc")] == [3, 6]
    assert "samples/text_summary" in acc.Tags()["tensors"]
    text = acc.Tensors("samples/text_summary")[-1].tensor_proto.string_val[0].decode()
    assert text.startswith("prime ") and "\n\n    " in text
    hp = _events(run / "tensorboard" / "hparams")
    final = hp.Scalars("final/val_bpc")[-1].value
    assert final == pytest.approx(json.loads(proc.stdout)["metrics"]["val_bpc"], rel=1e-5)
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = hp.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["model.hidden_size"].number_value == 8 and start.hparams["model.cell"].string_value == "lstm"

    out = tmp_path / "exported"
    proc = subprocess.run([sys.executable, "-m", "rnnlab", "export", run.name, "--format", "tensorboard", "-o", str(out),
                           "--runs-dir", str(tmp_path / "runs")], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    exported = _events(out)
    assert "samples/text_summary" in exported.Tags()["tensors"] and [e.step for e in exported.Scalars("val_bpc")] == [3, 6]
    assert _events(out / "hparams").Scalars("final/val_bpc")[-1].value == pytest.approx(final)


def test_tensorboard_off_by_default_and_a_bad_key_is_one_line(tmp_path):
    from rnnlab import config
    from rnnlab.errors import UserError

    assert config.validate({}, "x").log.tensorboard is False
    with pytest.raises(UserError, match="did you mean 'tensorboard'"):
        config.validate({"log": {"tensorbord": True}}, "x.toml")
