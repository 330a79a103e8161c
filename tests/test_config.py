"""Config loading: presets resolve, overrides apply, and every bad input is one clear line."""

from __future__ import annotations

import pytest

from rnnlab import config, presets
from rnnlab.errors import UserError


def test_every_shipped_preset_validates():
    names = presets.available()
    assert {"lstm-char", "gru-char", "rnn-char", "transformer-char", "adding-lstm", "adding-rnn",
            "copy-lstm", "copy-rnn", "ts-lstm", "lstm-char-gpu"} <= set(names)
    for name in names:
        cfg = config.load(name)
        assert cfg.name == name
        assert cfg.description, f"{name} must say what it shows and how long it takes"


def test_overrides_are_typed():
    cfg = config.load("adding-lstm", ["train.lr=0.01", "model.hidden_size=16", "model.attention=true", "task.seq_len=7"])
    assert cfg.train.lr == 0.01 and cfg.model.hidden_size == 16 and cfg.model.attention is True
    assert cfg.task.seq_len == 7


def test_roundtrip_through_toml(tmp_path):
    cfg = config.load("ts-lstm", ["train.steps=5"])
    path = tmp_path / "c.toml"
    path.write_text(cfg.to_toml())
    again = config.load(str(path))
    assert again.model_dump(exclude={"name"}) == cfg.model_dump(exclude={"name"})


def _err(*args) -> str:
    with pytest.raises(UserError) as info:
        config.load(*args)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


def test_unknown_key_did_you_mean():
    msg = _err("adding-lstm", ["train.lrr=1"])
    assert "unknown key 'lrr'" in msg and "did you mean 'lr'" in msg and "[train]" in msg


def test_unknown_section():
    assert "unknown key 'trian'" in _err("adding-lstm", ["trian.lr=1"])


def test_wrong_type():
    msg = _err("adding-lstm", ["train.steps=abc"])
    assert "[train] steps" in msg and "'abc'" in msg


def test_out_of_range():
    msg = _err("adding-lstm", ["model.dropout=1.5"])
    assert "[model] dropout" in msg and "less than 1" in msg


def test_unknown_cell_and_task():
    assert "did you mean 'lstm'" in _err("adding-lstm", ["model.cell=lstn"])
    msg = _err("adding-lstm", ["task.kind=forecasting"])
    assert "[task] kind" in msg and "'timeseries'" in msg


def test_bad_device():
    assert "cuda:N" in _err("adding-lstm", ["train.device=gpu0"])


def test_missing_file_and_unknown_preset(tmp_path):
    assert "no such file" in _err(str(tmp_path / "nope.toml"))
    assert "did you mean 'lstm-char'" in _err("lstm-chr")


def test_invalid_toml_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\ncell = lstm\n")
    msg = _err(str(bad))
    assert str(bad) in msg and "line 2" in msg


def test_malformed_set():
    assert "section.key=value" in _err("adding-lstm", ["train.lr"])


@pytest.mark.parametrize("key,text", [("train.lr", "nan"), ("train.clip_norm", "inf"), ("model.dropout", "nan")])
def test_nan_and_inf_are_refused_as_not_finite(key, text):
    # an outside trial's `lr nan` read `Input should be less than or equal to 100`
    assert f"{key.split('.')[1]} = {text}: Input should be a finite number" in _err("adding-lstm", [f"{key}={text}"])
