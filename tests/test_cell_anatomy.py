"""The cell-anatomy probe (`probes.unit_snapshot`) and view: every number the view shows is a
term of the cell's equations for one unit, as the model computes it."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch

from rnnlab import config
from rnnlab.models import build_model
from rnnlab.tasks.base import Batch
from rnnlab.train import probes


def _sig(v: float) -> float:
    return 1 / (1 + math.exp(-v))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
def test_snapshot_terms_satisfy_the_cell_equations_and_match_the_model(cell):
    torch.manual_seed(0)
    model = build_model(config.ModelConfig(cell=cell, hidden_size=12, num_layers=2), input_kind="tokens",
                        input_size=10, output_size=9, max_len=20)
    x = torch.randint(0, 10, (3, 20))
    snap = probes.unit_snapshot(model, Batch(x, x), torch.device("cpu"))
    assert snap["cell"] == cell and snap["steps"] == 20 and snap["units"] == 12 and len(snap["layers"]) == 2
    model.eval()
    with torch.no_grad():
        _, _, layers = model.forward_encoded(model.encode(x), None, return_hidden=True)
        gates = model.gate_activations(x)
    for li, row in enumerate(snap["layers"]):
        # the state the view shows is the model's own at the last step of sequence 1
        assert row["h"] == pytest.approx(layers[li][0, -1].tolist(), abs=1e-3)
        assert row["h_prev"] == pytest.approx(layers[li][0, -2].tolist(), abs=1e-3)
        for name, g in row["gates"].items():
            if f"l{li}.{name}" in gates:
                assert g["value"] == pytest.approx(gates[f"l{li}.{name}"][0, -1].tolist(), abs=1e-3)
        for j in range(12):
            g = {k: {t: v[j] for t, v in d.items()} for k, d in row["gates"].items()}
            if cell == "lstm":
                for k in ("input", "forget", "output"):
                    assert g[k]["value"] == pytest.approx(_sig(g[k]["x"] + g[k]["h"] + g[k]["b"]), abs=2e-3)
                c = g["forget"]["value"] * row["c_prev"][j] + g["input"]["value"] * g["cell"]["value"]
                assert row["c"][j] == pytest.approx(c, abs=2e-3)
                assert row["h"][j] == pytest.approx(g["output"]["value"] * math.tanh(row["c"][j]), abs=2e-3)
            elif cell == "gru":
                n = math.tanh(g["new"]["x"] + g["new"]["b"] + g["reset"]["value"] * g["new"]["h"])
                assert g["new"]["value"] == pytest.approx(n, abs=2e-3)
                z = g["update"]["value"]
                assert row["h"][j] == pytest.approx((1 - z) * n + z * row["h_prev"][j], abs=2e-3)
            else:
                assert row["h"][j] == pytest.approx(math.tanh(g["new"]["x"] + g["new"]["h"] + g["new"]["b"]), abs=2e-3)


def test_transformer_has_no_snapshot():
    model = build_model(config.ModelConfig(cell="transformer", hidden_size=16, num_heads=2), input_kind="tokens",
                        input_size=10, output_size=9, max_len=20)
    x = torch.randint(0, 10, (2, 20))
    assert probes.unit_snapshot(model, Batch(x, x), torch.device("cpu")) == {}


def test_render_puts_the_units_numbers_into_the_equations():
    from rnnlab.tui.screens.anatomy import render

    torch.manual_seed(0)
    model = build_model(config.ModelConfig(cell="lstm", hidden_size=6), input_kind="tokens", input_size=10,
                        output_size=9, max_len=8)
    x = torch.randint(0, 10, (1, 8))
    snap = probes.unit_snapshot(model, Batch(x, x), torch.device("cpu"))
    row = snap["layers"][0]
    for width in (80, 120):
        text = render(snap, 0, 3, width).plain
        f = row["gates"]["forget"]
        assert f"f = σ(W_f x + U_f h₋₁ + b_f)" in text
        assert f"σ({f['x'][3]:+.3f} {f['h'][3]:+.3f} {f['b'][3]:+.3f}) = {f['value'][3]:+.3f}" in text
        assert f"= {row['c'][3]:+.3f}" in text and f"= {row['h'][3]:+.3f}" in text
        assert max(len(line) for line in text.splitlines()) <= width - 2


def test_the_anatomy_view_does_not_import_torch():
    code = "import sys, rnnlab.tui.screens.anatomy; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_at_80x24_the_anatomy_title_keeps_the_step_and_its_messages_wrap(tmp_path):
    """A vanilla RNN's longer name cut the step off the title at 80 columns; the Transformer's
    "no cell" sentence was cut mid-word (the body does not wrap, for the equations' sake)."""
    import asyncio
    import os

    from textual.widgets import Static

    from rnnlab.runs.paths import list_run_dirs
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.anatomy import CellAnatomy

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for name, extra in (("rnn", []), ("tf", ["--set", "model.cell=transformer"])):
        subprocess.run([sys.executable, "-m", "rnnlab", "train", "adding-rnn", "--name", name, "--runs-dir", str(tmp_path),
                        "--set", "model.hidden_size=8", "--set", "task.seq_len=10", "--set", "train.steps=10",
                        "--set", "train.eval_every=10", "--set", "probes.gates_every=10", *extra],
                       check=True, capture_output=True, env=env, timeout=120)
    dirs = sorted(list_run_dirs(tmp_path), key=lambda d: d.name)

    async def go(run_dir) -> tuple[str, str]:
        app = LabApp(tmp_path, open_run=run_dir)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("A")
            for _ in range(100):
                screen = pilot.app.screen
                if isinstance(screen, CellAnatomy) and (screen.data or screen.cell == "transformer"):
                    break
                await pilot.pause(0.1)
            await pilot.pause(0.3)
            title = pilot.app.screen.query_one("#anatomy-title", Static)
            body = pilot.app.screen.query_one("#anatomy-body", Static)
            # what is on screen: the title's one line as wide as the widget shows it
            shown = str(title.render())[: title.content_region.width]
            return shown, str(body.render())

    title, _ = asyncio.run(go(dirs[0]))  # rnn (created first)
    assert "vanilla RNN (tanh)" in title and "step 10" in title
    _, body = asyncio.run(go(dirs[1]))  # transformer
    assert "open an LSTM, GRU or RNN run." in body.replace("\n", " ")
    assert max(len(line) for line in body.splitlines()) <= 78


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_trace_holds_each_of_the_last_steps_as_the_model_computes_them(cell):
    torch.manual_seed(0)
    model = build_model(config.ModelConfig(cell=cell, hidden_size=40, num_layers=2), input_kind="tokens",
                        input_size=10, output_size=9, max_len=20)
    x = torch.randint(0, 10, (3, 20))
    snap = probes.unit_snapshot(model, Batch(x, x), torch.device("cpu"))
    tr = snap["trace"]
    k = probes.TRACE_UNITS
    assert tr["start"] == 20 - probes.TRACE_STEPS and tr["units"] == k
    assert tr["inputs"] == x[0, tr["start"]:].tolist()  # x_t: the token read at each traced step
    model.eval()
    with torch.no_grad():
        _, _, layers = model.forward_encoded(model.encode(x), None, return_hidden=True)
        gates = model.gate_activations(x)
    for li, steps in enumerate(tr["layers"]):
        assert len(steps) == probes.TRACE_STEPS
        for i, row in enumerate(steps):
            t = tr["start"] + i
            assert len(row["h"]) == k
            assert row["h"] == pytest.approx(layers[li][0, t, :k].tolist(), abs=1e-3)
            for name, g in row["gates"].items():
                if f"l{li}.{name}" in gates:
                    assert g["value"] == pytest.approx(gates[f"l{li}.{name}"][0, t, :k].tolist(), abs=1e-3)
        # the last traced step is the snapshot's own last step
        assert steps[-1]["h"] == snap["layers"][li]["h"][:k]


def test_the_trace_counts_the_input_features_it_keeps_the_first_four_of():
    torch.manual_seed(0)
    model = build_model(config.ModelConfig(cell="lstm", hidden_size=8), input_kind="real", input_size=9,
                        output_size=1, max_len=20)
    x = torch.randn(2, 20, 9)
    tr = probes.unit_snapshot(model, Batch(x, x[..., :1]), torch.device("cpu"))["trace"]
    assert tr["features"] == 9
    kept = x[0, tr["start"]:, :probes.INPUT_FEATURES].tolist()
    assert len(tr["inputs"]) == len(kept)
    for got, want in zip(tr["inputs"], kept):
        assert got == pytest.approx(want, abs=1e-3)
    tokens = build_model(config.ModelConfig(cell="lstm", hidden_size=8), input_kind="tokens", input_size=10,
                         output_size=9, max_len=20)
    ids = torch.randint(0, 10, (2, 20))
    assert "features" not in probes.unit_snapshot(tokens, Batch(ids, ids), torch.device("cpu"))["trace"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_view_says_x_t_has_more_inputs_than_it_shows(tmp_path, monkeypatch, lang):
    """An outside trial: a forecast's nine inputs read as four numbers, with no sign of the other
    five. The snapshot is the probe's own, filed in a run's store as the worker files it."""
    import asyncio

    from textual.widgets import Static

    from rnnlab.runs import launch
    from rnnlab.runs.writer import append_vector
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.anatomy import CellAnatomy

    monkeypatch.setenv("RNNLAB_LANG", lang)
    torch.manual_seed(0)
    model = build_model(config.ModelConfig(cell="lstm", hidden_size=8), input_kind="real", input_size=9,
                        output_size=1, max_len=20)
    x = torch.randn(1, 20, 9)
    snap = probes.unit_snapshot(model, Batch(x, x[..., :1]), torch.device("cpu"))
    cfg = config.load("ts-lstm", ["model.hidden_size=8", "train.device='cpu'"])
    run = launch.create_run(cfg, tmp_path / "runs", name="nine")
    append_vector(run, "cell", snap)

    async def go() -> list[str]:
        app = LabApp(tmp_path / "runs", open_run=run)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.3)
            await pilot.press("A")
            for _ in range(100):
                if isinstance(pilot.app.screen, CellAnatomy) and pilot.app.screen.data:
                    break
                await pilot.pause(0.1)
            body = pilot.app.screen.query_one("#anatomy-body", Static)
            seen = [str(body.render())]
            await pilot.press("left_square_bracket")
            await pilot.pause(0.2)
            return seen + [str(body.render())]

    at_T, before = asyncio.run(go())
    more = "… +5 more" if lang == "en" else "… 另有 5 个"
    for body, t in ((at_T, -1), (before, -2)):
        first = ", ".join(f"{v:.3g}" for v in snap["trace"]["inputs"][t])
        assert f"x_t ({first}, {more})" in body
        assert max(len(line) for line in body.splitlines()) <= 78
