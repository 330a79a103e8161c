"""rnnlab.inspect on real tiny runs: the public `load_run`, `rnnlab neurons` (activations equal
to stepping the model, features, span search), `rnnlab attention` (causal rows summing to 1),
and the one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnlab.cli.app import main

CORPUS = ('def f(x, y):\n    """Add (x) and [y]."""\n    # a comment\n    s = "a(b)" + \'c\'\n'
          '    return {x: [y, (x + 1)]}\n\n\nclass A:\n    pass\n') * 30
TEXT = 'def f(y):\n    return "a(c)" + [x]\n'
TINY = ["--set", "model.hidden_size=12", "--set", "train.steps=4", "--set", "train.checkpoint_every=4",
        "--set", "train.eval_every=4", "--set", "probes.output_every=0", "--set", "task.seq_len=16",
        "--set", "train.batch_size=4"]


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """`rnnlab ARGS` in this process, through the same `main` the console script runs."""
    code = 0
    try:
        main(list(args))
    except SystemExit as err:
        code = err.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    corpus = root / "corpus.py"
    corpus.write_text(CORPUS)
    src = ["--set", f"task.source='{corpus}'"]
    for name, extra in [
        ("lstm2", ["--set", "model.cell=lstm", "--set", "model.num_layers=2"]),
        ("gru", ["--set", "model.cell=gru"]),
        ("rnn", ["--set", "model.cell=rnn_tanh"]),
        ("attn", ["--set", "model.cell=gru", "--set", "model.attention=true"]),
        ("tf", ["--set", "model.cell=transformer", "--set", "model.num_heads=2", "--set", "model.num_layers=2"]),
    ]:
        try:
            main(["train", "lstm-char", *TINY, *src, *extra, "--name", name, "--runs-dir", str(root)])
        except SystemExit as err:
            assert not err.code, f"training {name} failed"
    return root


def test_import_rnnlab_stays_torch_free():
    code = "import sys, rnnlab; assert callable(rnnlab.load_run); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_load_run_api(root):
    import rnnlab
    from rnnlab.errors import UserError

    run = rnnlab.load_run("lstm2", runs_dir=root)
    assert isinstance(run.model, torch.nn.Module) and not run.model.training
    assert run.checkpoint.step == 4 and run.config.model.num_layers == 2
    ids = run.encode("def f")
    assert ids.dtype == torch.long and run.decode(ids) == "def f"
    out, (h, c) = run.model(ids[None], None)
    assert out.shape == (1, 5, run.task.vocab_size)
    assert h.shape == c.shape == (2, 1, 12)
    # the state goes back in as torch.nn.LSTM takes it, and continues the sequence exactly
    whole, _ = run.model(ids[None], None)
    _, st = run.model(ids[None, :3], None)
    rest, _ = run.model(ids[None, 3:], st)
    assert torch.allclose(whole[:, 3:], rest, atol=1e-6)
    gru = rnnlab.load_run(str(run.run_dir.parent / rnnlab.load_run("gru", runs_dir=root).run_dir.name))
    _, h = gru.model(gru.encode("ab")[None], None)
    assert isinstance(h, torch.Tensor) and h.shape == (1, 1, 12)
    with pytest.raises(UserError, match="no run 'nope'"):
        rnnlab.load_run("nope", runs_dir=root)
    with pytest.raises(UserError) as ambiguous:  # an id prefix every run shares
        rnnlab.load_run(run.run_dir.name[:2], runs_dir=root)
    assert "give more of the id" in str(ambiguous.value)


def _step(model, ids):
    """Every step's state, from feeding the model one token at a time as a user would."""
    state, hs, cs = None, [], []
    for t in range(len(ids)):
        _, state = model(ids[None, t : t + 1], state)
        if isinstance(state, tuple):
            hs.append(state[0][:, 0].clone())
            cs.append(state[1][:, 0].clone())
        else:
            hs.append(state[:, 0].clone())
    return torch.stack(hs), (torch.stack(cs) if cs else None)  # (T, L, H)


def _json(capsys, *args):
    code, out, err = cli(capsys, "neurons", *args, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"text", "layer", "state", "units", "features"}
    for u in doc["units"]:
        assert set(u) == {"unit", "activations", "feature", "correlation"}
        assert len(u["activations"]) == len(doc["text"])
    return doc


def test_neurons_json_equals_stepping_the_lstm(root, capsys):
    import rnnlab

    run = rnnlab.load_run("lstm2", runs_dir=root)
    ids = run.encode(TEXT)
    with torch.no_grad():
        hs, cs = _step(run.model, ids)
        # the forget gate of layer 1 at step t, from torch's own parameters: σ(W x_t + b + U h_{t-1} + b')
        r = run.model.rnn
        x1, h_prev = hs[:, 0], torch.cat([torch.zeros(1, 12), hs[:-1, 1]])
        pre = x1 @ r.weight_ih_l1.T + r.bias_ih_l1 + h_prev @ r.weight_hh_l1.T + r.bias_hh_l1
        forget = torch.sigmoid(pre.chunk(4, dim=-1)[1])
    units = ["--unit", "0", "--unit", "7", "--unit", "11"]
    for state, want in (("h", hs[:, 1]), ("c", cs[:, 1]), ("f", forget)):
        doc = _json(capsys, "lstm2", "--text", TEXT, "--layer", "1", "--state", state, *units, "--runs-dir", str(root))
        assert doc["text"] == TEXT and doc["layer"] == 1 and doc["state"] == state
        got = np.array([u["activations"] for u in doc["units"]]).T
        np.testing.assert_allclose(got, want[:, [0, 7, 11]].numpy(), atol=1e-5)
    doc = _json(capsys, "lstm2", "--text", TEXT, "--state", "h", "--unit", "3", "--runs-dir", str(root))
    np.testing.assert_allclose(doc["units"][0]["activations"], hs[:, 0, 3].numpy(), atol=1e-5)


def test_neurons_json_equals_stepping_the_gru(root, capsys):
    import rnnlab

    run = rnnlab.load_run("gru", runs_dir=root)
    ids = run.encode(TEXT)
    with torch.no_grad():
        hs, _ = _step(run.model, ids)
        r = run.model.rnn
        e = run.model.encoder(ids)
        h_prev = torch.cat([torch.zeros(1, 12), hs[:-1, 0]])
        gi, gh = e @ r.weight_ih_l0.T + r.bias_ih_l0, h_prev @ r.weight_hh_l0.T + r.bias_hh_l0
        update = torch.sigmoid(gi.chunk(3, -1)[1] + gh.chunk(3, -1)[1])
    for state, want in (("h", hs[:, 0]), ("z", update)):
        doc = _json(capsys, "gru", "--text", TEXT, "--state", state, "--top", "12", "--runs-dir", str(root))
        assert len(doc["units"]) == 12
        for u in doc["units"]:
            np.testing.assert_allclose(u["activations"], want[:, u["unit"]].numpy(), atol=1e-5)
        # the listed feature is the one with the largest |r|, and r is Pearson's
        from rnnlab.inspect.features import FEATURES, text_features

        feats = text_features(doc["text"])
        top = doc["units"][0]
        rs = [np.corrcoef(top["activations"], f)[0, 1] if f.std() else 0.0 for f in feats]
        best = int(np.nanargmax(np.abs(rs)))
        assert top["feature"] == FEATURES[best] and top["correlation"] == pytest.approx(rs[best], abs=1e-6)
        assert [abs(u["correlation"]) for u in doc["units"]] == sorted((abs(u["correlation"]) for u in doc["units"]), reverse=True)


def test_text_features_follow_python_structure():
    from rnnlab.inspect.features import FEATURES, text_features

    text = 'if x:\n    s = "a(b" # c(\n    y = (1, \'\'\'q\nr\'\'\')\n'
    f = dict(zip(FEATURES, text_features(text)))
    at = text.index
    assert f["in_string"][at('"a')] == 1 and f["in_string"][at("a(b")] == 1 and f["in_string"][at(" # c")] == 0
    assert f["bracket_depth"][at("a(b") + 2] == 0  # a bracket inside a string opens nothing
    assert f["in_comment"][at("c(")] == 1 and f["bracket_depth"][at("c(") + 1] == 0
    assert f["bracket_depth"][at("1,")] == 1 and f["in_string"][at("r'''")] == 1  # a triple quote spans lines
    assert f["indent"][at("s =")] == 4 and f["indent"][at("if")] == 0
    assert f["line_pos"][at("s =")] == 4 and f["line_start"][at("    s")] == 1
    assert f["is_digit"][at("1,")] == 1 and f["after_space"][at("x:")] == 1


def test_span_search_finds_units_on_in_the_span_and_off_around_it():
    from rnnlab.inspect.neurons import find_matches, span_units

    acts = np.zeros((40, 3))
    acts[10:15, 0] = 0.9  # on in the span only
    acts[8:17, 1] = 0.9  # on in the span but also around it
    acts[10:13, 2] = 0.9  # on in part of it
    acts[25:30, 0] = 0.8  # the same pattern elsewhere
    assert span_units(acts, 10, 15, 0.3) == [0]
    assert find_matches(acts, [0], 0.3, 5) == [(10, 15), (25, 30)]


def test_neurons_span_search_and_text_output(root, capsys):
    code, out, err = cli(capsys, "neurons", "gru", "--text", TEXT, "--span", "23:27", "--threshold", "-1",
                         "--runs-dir", str(root), "--json")
    assert code == 0, err
    doc = json.loads(out)
    sp = doc["span"]
    assert sp["text"] == TEXT[23:27] and sp["threshold"] == -1
    # threshold -1: every unit is on everywhere, so none is off around the span
    assert sp["units"] == [] and doc["units"] == []
    # a stretch where unit u is on (above 0) with off characters on both sides: u is found there
    acts = {u["unit"]: np.array(u["activations"]) for u in _json(capsys, "gru", "--text", TEXT, "--top", "12",
                                                                 "--runs-dir", str(root))["units"]}
    u, a, b = next((u, a, b) for u, v in acts.items() for a in range(1, len(TEXT)) for b in range(a + 2, len(TEXT))
                   if v[a - 1] <= 0 < v[a:b].min() and v[b] <= 0)
    code, out, err = cli(capsys, "neurons", "gru", "--text", TEXT, "--span", f"{a}:{b}", "--threshold", "0", "--top", "12",
                         "--runs-dir", str(root), "--json")
    doc = json.loads(out)
    assert u in doc["span"]["units"] and [x["unit"] for x in doc["units"]] == doc["span"]["units"]
    for x in doc["units"]:
        v = np.array(x["activations"])
        assert v[a:b].min() > 0 and v[a - 1] <= 0 and v[b] <= 0
    assert doc["span"]["searched"] == "validation text" and doc["span"]["matches"]
    for m in doc["span"]["matches"]:
        assert m["end"] - m["start"] >= (b - a) // 2 and m["text"] in CORPUS
    code, out, err = cli(capsys, "neurons", "gru", "--text", TEXT, "--top", "2", "--runs-dir", str(root))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("run ") and "layer 0, h (hidden state)" in lines[0]
    assert sum(ln.startswith("  unit ") for ln in lines) == 2
    # NO_COLOR: the text once per line, a ramp row per unit under it
    first = next(i for i, ln in enumerate(lines) if ln.strip() == "def f(y):↵")
    assert all(set(lines[first + k].split(None, 1)[1]) <= set("▁▂▃▄▅▆▇█") for k in (1, 2))


def test_characters_outside_the_vocabulary_are_dropped_and_said(root, capsys):
    code, out, err = cli(capsys, "neurons", "gru", "--text", "def g(x)", "--json", "--runs-dir", str(root))
    assert code == 0 and "dropped 1 character not in the run's vocabulary: 'g'" in err
    doc = json.loads(out)
    assert doc["text"] == "def (x)" and all(len(u["activations"]) == 7 for u in doc["units"])


def test_attention_rows_sum_to_one_and_are_causal(root, capsys):
    for run, extra in (("attn", []), ("tf", ["--layer", "1", "--head", "1"])):
        code, out, err = cli(capsys, "attention", run, "--text", TEXT[:16], *extra, "--json", "--runs-dir", str(root))
        assert code == 0, err
        doc = json.loads(out)
        w = np.array(doc["weights"])
        assert w.shape == (16, 16)
        np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-6)
        assert np.all(np.triu(w, k=1) == 0) and np.all(w >= 0)
        assert w[0, 0] == pytest.approx(1.0)
    code, out, err = cli(capsys, "attention", "tf", "--text", TEXT[:16], "--runs-dir", str(root))
    assert code == 0, err and "row = position" in out


def test_transformer_attention_is_what_the_block_uses(root):
    """The recomputed weights times the values give the block's own attention output."""
    import rnnlab
    from rnnlab.inspect.attention import attention_weights

    run = rnnlab.load_run("tf", runs_dir=root)
    m = run.model
    ids = run.encode(TEXT[:12])
    with torch.no_grad():
        x = m.drop(m.encode(ids[None]) + m.pos(torch.arange(12)))
        blk = m.blocks[0]
        C = x.size(-1)
        _, _, v = blk.attn.qkv(blk.ln1(x)).split(C, dim=2)
        v = v.view(1, 12, 2, C // 2).transpose(1, 2)[0]
        y = torch.stack([torch.as_tensor(attention_weights(m, ids, 0, h)).float() @ v[h] for h in range(2)])
        y = blk.attn.proj(y.transpose(0, 1).reshape(1, 12, C))
        np.testing.assert_allclose(y.numpy(), blk.attn(blk.ln1(x), m.backend).numpy(), atol=1e-5)


@pytest.mark.parametrize("args,needle", [
    (["lstm2", "--layer", "2"], "--layer 2: run"),
    (["lstm2", "--unit", "12"], "--unit 12: the layer has 12 units; use 0..11"),
    (["lstm2", "--state", "z"], "an LSTM cell has h, c, i, f, g, o"),
    (["gru", "--state", "c"], "a GRU cell has h, r, z, n"),
    (["rnn", "--state", "i"], "(no gates)"),
    (["gru", "--span", "5:999"], "outside the text"),
    (["gru", "--span", "5-9"], "is not A:B"),
    (["tf"], "without recurrent units"),
    (["nope"], "no run 'nope'"),
])
def test_neurons_bad_input_is_one_line_exit_2(root, capsys, args, needle):
    code, out, err = cli(capsys, "neurons", *args, "--text", TEXT, "--runs-dir", str(root))
    assert code == 2 and out == ""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], err


@pytest.mark.parametrize("args,needle", [
    (["gru"], "has no attention"),
    (["tf", "--head", "2"], "--head 2: run"),
    (["tf", "--layer", "2"], "--layer 2: run"),
])
def test_attention_bad_input_is_one_line_exit_2(root, capsys, args, needle):
    code, out, err = cli(capsys, "attention", *args, "--text", TEXT[:10], "--runs-dir", str(root))
    assert code == 2 and out == ""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], err


@pytest.fixture(scope="module")
def adding_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("adding")
    try:
        main(["train", "adding-lstm", "--set", "model.hidden_size=8", "--set", "train.steps=2",
              "--set", "train.eval_every=2", "--set", "train.checkpoint_every=2", "--name", "add",
              "--runs-dir", str(root)])
    except SystemExit as err:
        assert not err.code
    return root


@pytest.mark.parametrize("command", ["neurons", "attention"])
def test_a_non_text_run_is_refused_in_plain_words(adding_root, capsys, command):
    """One line naming the command and the kind with its article ('an adding run'), and no hint
    about time series for a run that is not one."""
    code, out, err = cli(capsys, command, "add", "--text", "abc", "--runs-dir", str(adding_root))
    assert code == 2 and out == ""
    line = err.strip()
    assert "\n" not in line and line.endswith(f"is an adding run; `rnnlab {command}` needs a text run"), line


def test_no_attention_names_the_cell_with_its_article(root, capsys):
    code, out, err = cli(capsys, "attention", "lstm2", "--text", "abc", "--runs-dir", str(root))
    assert code == 2 and "has no attention (an LSTM run with model.attention = false)" in err, err


def test_empty_text_or_file_is_named_as_given(root, capsys, tmp_path):
    """`attention` has no --file: its empty --text is not told to use one; an empty --file is
    called a file, not an empty --text."""
    code, _, err = cli(capsys, "attention", "tf", "--text", "", "--runs-dir", str(root))
    assert code == 2 and err.strip() == "error: --text is empty; give some text to read"
    (tmp_path / "empty.py").write_text("")
    code, _, err = cli(capsys, "neurons", "gru", "--file", str(tmp_path / "empty.py"), "--runs-dir", str(root))
    assert code == 2 and err.strip() == f"error: --file {tmp_path / 'empty.py'} is empty; give a file with some text"


def test_a_unit_given_twice_is_shown_once(root, capsys):
    code, out, _ = cli(capsys, "neurons", "gru", "--text", TEXT, "--unit", "3", "--unit", "1", "--unit", "3",
                       "--json", "--runs-dir", str(root))
    assert code == 0 and [u["unit"] for u in json.loads(out)["units"]] == [3, 1]


def test_transformer_text_longer_than_its_context(root, capsys):
    code, _, err = cli(capsys, "attention", "tf", "--text", TEXT, "--runs-dir", str(root))
    assert code == 2 and "sees at most 16" in err
