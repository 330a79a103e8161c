"""Real-valued inputs go straight into the cell (`[model] input_projection = false`, the default),
and runs saved with the input projection (tests/data/encoder_runs: two tiny runs, adding and
time series, trained by the code before the option existed) still load, predict, forecast and
resume exactly as they did."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from torch import nn

import rnnlab
from rnnlab.config import validate
from rnnlab.models import build_model
from rnnlab.train.events import NullReporter
from rnnlab.inspect.loader import output_from_checkpoint
from rnnlab.train.session import run_training
from rnnlab.tui.params import config_params

DATA = Path(__file__).parent / "data" / "encoder_runs"
EXPECTED = json.loads((DATA / "expected.json").read_text())


@pytest.fixture
def old_runs(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "runs")
    return tmp_path / "runs"


def _cfg(**model) -> object:
    return validate({"model": {"cell": "lstm", "hidden_size": 16, **model}, "task": {"kind": "adding", "seq_len": 10}}, "test")


def test_real_inputs_feed_the_cell_directly():
    cfg = _cfg()
    model = build_model(cfg.model, input_kind="real", input_size=2, output_size=1, max_len=10)
    assert isinstance(model.encoder, nn.Identity) and not model.input_projection
    assert model.rnn.input_size == 2
    h = 16
    assert model.num_params() == 4 * (h * 2 + h * h + 2 * h) + h + 1  # nn.LSTM(2, 16) + nn.Linear(16, 1)
    assert config_params(cfg) == model.num_params()  # the lab's torch-free count agrees
    out, _ = model(torch.rand(3, 10, 2))
    assert out.shape == (3, 10, 1)


def test_input_projection_is_an_option():
    cfg = _cfg(input_projection=True)
    model = build_model(cfg.model, input_kind="real", input_size=2, output_size=1, max_len=10)
    assert isinstance(model.encoder, nn.Linear) and model.rnn.input_size == 16
    assert config_params(cfg) == model.num_params()
    # tokens keep their embedding either way
    tok = build_model(_cfg().model, input_kind="tokens", input_size=10, output_size=10, max_len=10)
    assert isinstance(tok.encoder, nn.Embedding)


@pytest.mark.parametrize("saved_with", [True, False])
def test_a_state_loads_into_a_model_built_the_other_way(saved_with: bool):
    torch.manual_seed(0)
    src = build_model(_cfg(input_projection=saved_with).model, input_kind="real", input_size=2, output_size=1, max_len=10)
    dst = build_model(_cfg(input_projection=not saved_with).model, input_kind="real", input_size=2, output_size=1, max_len=10)
    dst.load_state_dict(src.state_dict())
    assert dst.input_projection == saved_with
    x = torch.rand(2, 10, 2)
    assert torch.equal(src(x)[0], dst(x)[0])


@pytest.mark.parametrize("name", ["adding", "timeseries"])
def test_runs_saved_with_the_encoder_predict_as_before(old_runs: Path, name: str):
    want = EXPECTED[name]
    run = rnnlab.load_run(str(old_runs / name))
    model = run.model
    assert model.input_projection and model.num_params() == want["params"]
    x = torch.rand(2, 7, want["features"], generator=torch.Generator().manual_seed(0))
    y, _ = model(x)
    assert y.flatten().tolist() == pytest.approx(want["y"], abs=1e-6)
    _, out = output_from_checkpoint(old_runs / name, "last")
    if name == "timeseries":
        assert json.loads(json.dumps(out["forecast"], default=float)) == pytest.approx(want["output"]["forecast"], abs=1e-5)
    else:
        got = [(r["target"], r["prediction"]) for r in out["rows"]]
        assert got == [(r["target"], pytest.approx(r["prediction"], abs=1e-6)) for r in want["output"]["rows"]]


def test_a_run_saved_with_the_encoder_resumes(old_runs: Path):
    run_dir = old_runs / "adding"
    data = validate(json.loads(json.dumps(rnnlab.config.read_toml(run_dir / "config.toml"))), "old run")
    cfg = data.model_copy(update={"train": data.train.model_copy(update={"steps": 5})})
    steps: list[int] = []

    class Rec(NullReporter):
        def scalars(self, step, values):
            if "loss" in values:
                steps.append(step)

    class NoControl:
        def poll(self):
            return []

    outcome = run_training(cfg, run_dir, Rec(), NoControl(), resume=True)
    assert outcome.status == "finished" and steps == [4, 5]
