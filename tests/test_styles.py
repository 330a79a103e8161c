"""Style-conditioned text (`[task] condition`): one style embedding per file or sub-folder, the
model told the style at every step; samples of each style look like that style's text."""

from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from rnnlab import config
from rnnlab.cli.app import app
from rnnlab.errors import UserError
from rnnlab.runs import launch, worker
from rnnlab.tasks import make_task
from rnnlab.tasks.text import generate
from rnnlab.train.session import build, open_run
from tests.test_cli_train import assert_user_error, rnnlab

WORDS = ("the river runs slowly under an old bridge while children watch boats and birds in the "
         "quiet morning light of a long summer day near our small town").split()


def _prose(n_sentences: int, rng: random.Random) -> str:
    out = []
    for _ in range(n_sentences):
        s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
        out.append(s[0].upper() + s[1:] + ".")
    return "\n".join(" ".join(out[i : i + 4]) for i in range(0, len(out), 4)) + "\n"


def _code(n_funcs: int, rng: random.Random) -> str:
    out = []
    for i in range(n_funcs):
        a, b = rng.choice("xyzuvw"), rng.choice("abcdk")
        out.append(f"def f_{i}({a}, {b}=[{i}]):\n    if {a} > {b}[0]:\n        return {a} * ({b}[0] + {i % 7})\n"
                   f"    {b}.append({a})\n    return {{'{a}': {b}}}\n")
    return "\n".join(out)


def _chardist(text: str, alphabet: list[str]) -> list[float]:
    c = Counter(text)
    total = sum(c[a] + 0.5 for a in alphabet)  # add-half smoothing: every char has some mass
    return [(c[a] + 0.5) / total for a in alphabet]


def kl(p_text: str, q_text: str, alphabet: list[str]) -> float:
    """KL(P || Q) of the two texts' character distributions, in bits."""
    p, q = _chardist(p_text, alphabet), _chardist(q_text, alphabet)
    return sum(pi * math.log2(pi / qi) for pi, qi in zip(p, q))


@pytest.fixture(scope="module")
def two_styles(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("styles")
    rng = random.Random(0)
    (root / "prose").mkdir()
    (root / "code").mkdir()
    (root / "prose" / "story.txt").write_text(_prose(260, rng), encoding="utf-8")
    (root / "code" / "funcs.py").write_text(_code(160, rng), encoding="utf-8")
    return root


def _cfg(source: Path, **task) -> config.Config:
    return config.validate({
        "model": {"cell": "lstm", "hidden_size": 48, "embedding_size": 16},
        "task": {"kind": "text", "source": str(source), "seq_len": 32, "max_chars": 20000, **task},
        "train": {"steps": 250, "batch_size": 16, "lr": 0.01, "eval_every": 250, "checkpoint_every": 250,
                  "device": "cpu", "threads": 1},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })


@pytest.fixture(scope="module")
def styled_run(two_styles, tmp_path_factory) -> Path:
    run = launch.create_run(_cfg(two_styles, condition="folder"), tmp_path_factory.mktemp("runs"))
    assert worker.execute(run, handle_signals=False) == "finished"
    return run


def test_each_styles_samples_are_closer_to_their_own_text(styled_run, two_styles):
    loaded = open_run(styled_run)
    task, model = loaded.task, loaded.model
    assert task.styles == ["code", "prose"]
    texts = {"prose": (two_styles / "prose" / "story.txt").read_text(),
             "code": (two_styles / "code" / "funcs.py").read_text()}
    alphabet = sorted(set("".join(texts.values())))
    for name, other in (("prose", "code"), ("code", "prose")):
        sample = generate(model, task, "\n", 600, temperature=1.0, seed=7, style=task.style_id(name))
        own, cross = kl(sample, texts[name], alphabet), kl(sample, texts[other], alphabet)
        assert own < cross, (name, own, cross, sample[:200])
    # the plain call (no style) still works and means the default style, id 0
    x = task.encode("def f(x):").unsqueeze(0).long()
    out, state = model(x, None)
    out0, _ = model(x, None, style=0)
    assert torch.allclose(out, out0) and out.shape[-1] == task.vocab_size


def test_per_style_val_bpc_is_in_the_metrics(styled_run):
    from rnnlab.runs.reader import RunReader

    latest = RunReader(styled_run).info().latest
    assert {"val_bpc/code", "val_bpc/prose"} <= set(latest)
    # the overall number lies between the styles' (it is their token-weighted mean)
    lo, hi = sorted((latest["val_bpc/code"], latest["val_bpc/prose"]))
    assert lo - 1e-6 <= latest["val_bpc"] <= hi + 1e-6


def test_sample_cli_takes_a_style_and_refuses_an_unknown_one(styled_run):
    runner = CliRunner()
    ok = runner.invoke(app, ["sample", str(styled_run), "--style", "code", "-n", "40", "--seed", "1"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("\n") and len(ok.stdout) > 20
    # without --style the run still writes in one style: the last line says which, and the others
    plain = runner.invoke(app, ["sample", str(styled_run), "-n", "10", "--seed", "1"])
    assert plain.exit_code == 0, plain.output
    assert plain.stderr.splitlines()[-1].endswith(", style code (the default; --style prose for the other)")
    # the real command: one line on stderr naming the valid styles, exit 2
    assert_user_error(rnnlab("sample", str(styled_run), "--style", "poetry"), "'poetry'", "code, prose")
    assert_user_error(rnnlab("sample", str(styled_run), "--style", "cod"), "did you mean 'code'")


def test_neurons_reads_the_text_in_a_style_and_says_which(styled_run, capsys):
    """`rnnlab neurons` on a conditioned run: the model's default style unless --style names
    another, the style in the header and the JSON; an unknown one is refused with the list."""
    import json

    from rnnlab.cli.app import main

    def run(*args):
        try:
            main(["neurons", str(styled_run), "--text", "def f(x):\n    return x\n", "--unit", "0", *args])
        except SystemExit as err:
            return err.code, capsys.readouterr()
        return 0, capsys.readouterr()

    code, out = run("--json")
    plain = json.loads(out.out)
    assert code == 0 and plain["style"] == "code"
    code, out = run("--json", "--style", "prose")
    prose = json.loads(out.out)
    assert code == 0 and prose["style"] == "prose"
    assert prose["units"][0]["activations"] != plain["units"][0]["activations"]  # the style changes the input
    code, out = run()
    assert code == 0 and "layer 0, h (hidden state), style code, " in out.out.splitlines()[0]
    code, out = run("--style", "poetry")
    assert code == 2 and out.err.strip().endswith("the run's styles are: code, prose")


def test_the_neurons_screen_names_the_style_it_reads_in(styled_run):
    import asyncio

    from textual.app import App

    import rnnlab.tui.app
    from rnnlab.tui.screens.neurons import Neurons

    class Lab(App):
        CSS_PATH = Path(rnnlab.tui.app.__file__).parent / "app.tcss"

        def on_mount(self):
            self.push_screen(Neurons(styled_run))

    async def go():
        app = Lab()
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(600):
                await pilot.pause(0.05)
                if app.screen._doc is not None:
                    break
            return str(app.screen.query_one("#nx-title").render())

    title = asyncio.run(go())
    assert title.endswith(": step 250 (best) · layer 0 · h · style code") and len(title) <= 80, title  # fits 80 columns


def test_style_on_the_unconditioned_twin_is_refused_for_any_command(two_styles, tmp_path, capsys):
    """`[model] style_embedding = false`: --style is refused in words that fit `neurons` as well
    as `sample` (it said "sample without --style" to both)."""
    from rnnlab.cli.app import main

    cfg = _cfg(two_styles, condition="folder")
    cfg = config.validate({**cfg.to_dict(), "model": {**cfg.to_dict()["model"], "style_embedding": False},
                           "train": {**cfg.to_dict()["train"], "steps": 2, "eval_every": 2, "checkpoint_every": 2}})
    run = launch.create_run(cfg, tmp_path)
    assert worker.execute(run, handle_signals=False) == "finished"
    for command in (["neurons", str(run), "--text", "def"], ["sample", str(run), "-n", "3"]):
        with pytest.raises(SystemExit) as done:
            main([*command, "--style", "code"])
        err = capsys.readouterr().err.strip()
        assert done.value.code == 2 and err.endswith("the unconditioned comparison run); leave out --style"), err


def test_condition_file_names_styles_by_file_and_checks_the_source(two_styles, tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "a.txt").write_text((two_styles / "prose" / "story.txt").read_text())
    (flat / "b.py").write_text((two_styles / "code" / "funcs.py").read_text())
    cfg = _cfg(flat, condition="file")
    task, model = build(cfg, None, torch.device("cpu"))
    assert task.styles == ["a", "b"] and model.style_embedding.num_embeddings == 2
    b = task.batch(3, 4)
    assert b.style is not None and b.style.shape == b.x.shape
    # the unconditioned comparison: same data and styles, the model not told them
    plain = cfg.model_copy(update={"model": cfg.model.model_copy(update={"style_embedding": False})})
    task0, model0 = build(plain, None, torch.device("cpu"))
    assert task0.styles == ["a", "b"] and model0.style_embedding is None
    assert task0.batch(3, 4).style is None and torch.equal(task0.batch(3, 4).x, b.x)
    with pytest.raises(UserError, match="not told the style"):
        task0.style_id("a")
    # folder conditioning needs sub-folders; one file is no set of styles
    with pytest.raises(UserError, match="sub-folder"):
        make_task(_cfg(flat, condition="folder").task, seed=0, batch_size=4)
    with pytest.raises(UserError, match="condition"):
        make_task(_cfg(flat / "a.txt", condition="file").task, seed=0, batch_size=4)


def test_condition_key_is_validated_with_a_did_you_mean():
    with pytest.raises(UserError, match=r"did you mean 'folder'") as err:
        config.load(None, ["task.condition=folders"])
    assert "\n" not in str(err.value)


def test_the_playground_offers_the_styles_and_samples_the_picked_one(styled_run):
    import asyncio

    from textual.app import App
    from textual.widgets import Select

    import rnnlab.tui.app
    from rnnlab.tui.screens.playground import Playground

    class Lab(App):
        CSS_PATH = Path(rnnlab.tui.app.__file__).parent / "app.tcss"

        def on_mount(self):
            self.push_screen(Playground(styled_run))

    async def go():
        app = Lab()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.1)
            pg = app.screen
            picker = pg.query_one("#style", Select)
            options = [str(o[0]) for o in picker._options if o[1] is not Select.BLANK]
            picker.value = "prose"
            pg.query_one("#length").value = "300"
            pg.query_one("#temperature").value = "0.7"
            await pilot.press("ctrl+g")
            for _ in range(1500):
                await pilot.pause(0.02)
                if str(pg.query_one("#pg-status").render()) == "done":
                    break
            texts = [str(w.render()) for w in pg.query("#pg-out Static")]
            return options, texts

    options, texts = asyncio.run(go())
    assert options == ["code", "prose"]
    assert "style=prose" in texts[0]
    sample = texts[1]
    # prose: letters and spaces, hardly any of code's brackets and colons
    assert sum(c in "()[]{}:=_" for c in sample) < 0.05 * len(sample), sample


def test_the_probes_read_each_rows_style(two_styles):
    from rnnlab.tasks.base import Batch
    from rnnlab.train import probes

    task, model = build(_cfg(two_styles, condition="folder"), None, torch.device("cpu"))
    with torch.no_grad():
        model.style_embedding.weight.normal_()  # trained styles differ; fresh ones are all zero
    batch = task.probe_batch(4)
    assert set(batch.style[:, 0].tolist()) == {0, 1}  # the windows span both styles' validation text
    told = probes.gate_stats(model, batch, torch.device("cpu"))
    untold = probes.gate_stats(model, Batch(batch.x, batch.y), torch.device("cpu"))
    assert told != untold
    flow, _ = probes.grad_flow_and_hidden(model, task, batch, torch.device("cpu"))
    flow0, _ = probes.grad_flow_and_hidden(model, task, Batch(batch.x, batch.y), torch.device("cpu"))
    assert flow != flow0
