"""Every `--json` the CLI prints is strict JSON: no NaN or Infinity tokens (which Python's
json.loads accepts and JavaScript, jq and most other parsers reject). Non-finite numbers are
null, with a "notes" line naming each. The commands are enumerated from the typer app, so a new
command with --json fails here until it gets a scenario below."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main

from rnnlab.cli.app import app, main

TINY = ["--set", "train.steps=6", "--set", "train.checkpoint_every=6", "--set", "train.eval_every=3",
        "--set", "train.batch_size=4", "--set", "model.hidden_size=8", "--set", "probes.output_every=0",
        "--set", "train.device=cpu"]
SWEEP = """
[sweep]
trials = 1
parallel = 1
sampler = "random"
seed = 0
[sweep.space]
"train.lr" = [1e-2]
[model]
cell = "lstm"
hidden_size = 4
[task]
kind = "adding"
seq_len = 8
[train]
steps = 4
batch_size = 4
eval_every = 2
eval_batches = 1
checkpoint_every = 100
device = "cpu"
[probes]
grad_flow_every = 0
gates_every = 0
output_every = 0
hidden_every = 0
layers_every = 0
"""


def json_commands() -> set[str]:
    """The top-level name of every command (at any depth) that has a --json option."""
    found = set()

    def walk(cmd, top):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, top or name)
        elif any("--json" in getattr(p, "opts", ()) for p in cmd.params):
            found.add(top)

    walk(typer.main.get_command(app), None)
    return found


def _strict(text: str):
    def refuse(token):
        raise ValueError(f"{token} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(args))
    except SystemExit as err:
        code = err.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.timeout(300)
def test_every_json_command_prints_strict_json(tmp_path, capsys):
    # the runs root: $RNNLAB_RUNS_DIR, set by tests/conftest.py (not every command has --runs-dir)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat. " * 200)
    csv = tmp_path / "series.csv"
    csv.write_text("date,value\n" + "".join(f"2024-01-{d:02d},{d % 7 + 0.5 * d}\n" for d in range(1, 29)))
    spec = tmp_path / "sweep.toml"
    spec.write_text(SWEEP)
    text = ["--set", f"task.source='{corpus}'", "--set", "task.seq_len=12"]
    scenarios = [
        # the runs the others read; "boom" diverges, so its loss and metrics are NaN
        ["train", "gru-char", *TINY, *text, "--set", "model.attention=true", "--name", "txt", "--json"],
        ["train", "explode-rnn", *TINY, "--set", "train.lr=100", "--set", "train.steps=20", "--name", "boom", "--json"],
        ["train", "ts-lstm", *TINY, "--set", "task.window=24", "--set", "task.horizon=4",
         "--set", "task.synthetic.length=400", "--name", "ts", "--json"],
        ["presets", "--json"], ["presets", "lstm-char", "--json"],
        ["runs", "--json"], ["runs", "--filter", "cell:rnn_tanh loss>0", "--json"], ["show", "boom", "--json"], ["show", "txt", "--json"],
        ["compare", "txt", "boom", "--json"], ["diff", "txt", "boom", "--json"],
        ["tag", "boom", "loud", "--json"], ["note", "boom", "it blew up", "--json"],
        ["forecast", "ts", "--json"],
        ["data", str(csv), "--json"],
        ["neurons", "txt", "--text", "the cat", "--json"], ["attention", "txt", "--text", "the cat", "--json"],
        ["sweep", str(spec), "--name", "sw", "--json"], ["sweep", "show", "sw", "--json"], ["sweeps", "--json"],
        ["lessons", "--json"], ["lessons", "3", "--json"],
        ["system", "--json"],
    ]
    missing = json_commands() - {s[0] for s in scenarios}
    assert not missing, f"add a scenario for the new --json command(s) {sorted(missing)}"
    nulls = []
    for argv in scenarios:
        code, out, err = _run(capsys, *argv)
        assert code in (0, 1) and out.strip(), (argv, code, err[-2000:])  # 1: a run that diverged
        try:
            doc = _strict(out)
        except ValueError as e:
            raise AssertionError(f"`rnnlab {' '.join(argv)}` printed no strict JSON: {e}: {out[:300]}") from None
        items = doc if isinstance(doc, list) else [doc]
        nulls += [n for i in items if isinstance(i, dict) for n in i.get("notes", [])]
    # the diverged run's NaN came out as null and was said
    assert any("was NaN; written as null" in n for n in nulls), nulls
    shown = _strict(_run(capsys, "show", "boom", "--json")[1])
    assert shown["status"] == "diverged" and None in shown["latest"].values()
