"""Many runs: the cached listing (`RunLister`) against `list_runs`, tags and notes in the store
and through the CLI (`tag`, `note`, `runs`, `show`, `export --include meta`), and the home
screen's filter and sort rules (rnnlab/tui/runfilter.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from rnnlab.cli.app import app
from rnnlab.errors import UserError
from rnnlab.runs import notes, store
from rnnlab.runs.listing import RunLister
from rnnlab.tui import runfilter
from tests.waiting import wait_for

sys.path.insert(0, os.path.dirname(__file__))
from test_manage_cli import _populate  # noqa: E402


@pytest.fixture
def root(tmp_path):
    return tmp_path / "runs"


def _cli(root, *args):
    return CliRunner().invoke(app, [*args, "--runs-dir", str(root)])


def _same(a, b):
    return [(i.run_id, i.status, i.step, i.latest, i.tags, i.note) for i in a] == \
        [(i.run_id, i.status, i.step, i.latest, i.tags, i.note) for i in b]


def test_lister_reads_only_changed_runs(root):
    dirs = [_populate(root, f"r{k}", steps=5 + k) for k in range(4)]
    d_live, w = _populate(root, "live", steps=3, live=True)
    w.flush()
    lister = RunLister(root)
    first = lister.list()
    assert _same(first, store.list_runs(root)) and lister.reads == 5
    # the live writer beats every 0.2 s: once it has, only its store is read again
    beat = next(i for i in first if i.name == "live").heartbeat
    assert wait_for(lambda: store.read_info(d_live).heartbeat > beat)
    again = lister.list()
    assert lister.reads == 1 and _same(again, store.list_runs(root))
    # a tag on a finished run is a change to its store: read again, seen
    notes.tag(dirs[0], add=["best"])
    w.close()
    tagged = lister.list()
    assert lister.reads == 2 and next(i for i in tagged if i.name == "r0").tags == ["best"]
    assert lister.list() and lister.reads <= 1  # a reader's close may fold the WAL once
    assert lister.list() and lister.reads == 0
    # a removed run leaves the listing
    from rnnlab.runs.launch import remove_run

    remove_run(dirs[1])
    assert [i.name for i in lister.list()] == [i.name for i in store.list_runs(root)] and "r1" not in {i.name for i in lister.list()}


def test_lister_turns_a_dead_worker_crashed_without_rereading(root):
    """The store of a run whose worker died does not change; the clock-derived status must."""
    d = _populate(root, "dead", steps=3)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    with store.StoreWriter(d, heartbeat=False) as w:
        w.set_status("running", pid=proc.pid, host=socket.gethostname())
    lister = RunLister(root)
    assert lister.list()[0].status == "crashed"  # first read: the pid is gone
    assert lister.list()[0].status == "crashed" and lister.reads <= 1


def test_tags_and_note_stored_with_the_run(root):
    d = _populate(root, "a")
    assert notes.tag(d, add=["baseline", "lr=1e-3"]) == ["baseline", "lr=1e-3"]
    assert notes.tag(d, remove=["lr=1e-3"], add=["x"]) == ["baseline", "x"]
    assert notes.set_note(d, "  too high lr\n") == "too high lr"
    info = store.read_info(d)
    assert info.tags == ["baseline", "x"] and info.note == "too high lr"
    with pytest.raises(UserError, match="tag 'a b' is not allowed"):
        notes.tag(d, add=["a b"])
    with pytest.raises(UserError, match="not allowed"):
        notes.split_tags("ok status:x")
    assert store.read_info(d).tags == ["baseline", "x"]  # a refused change changes nothing


def test_tag_and_note_cli(root):
    d = _populate(root, "a")
    _populate(root, "b")
    r = _cli(root, "tag", "a", "baseline", "seed1")
    assert r.exit_code == 0 and r.output.strip() == f"{d.name}: baseline seed1"
    assert _cli(root, "tag", "a", "seed1", "--remove").output.strip() == f"{d.name}: baseline"
    # bad input, as a user meets it: one line on stderr, exit code 2, nothing changed
    bad = subprocess.run([sys.executable, "-m", "rnnlab", "tag", "a", "no:colon", "--runs-dir", str(root)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("error: tag 'no:colon' is not allowed")
    assert len(bad.stderr.splitlines()) == 1 and store.read_info(d).tags == ["baseline"]
    assert _cli(root, "note", "a", "lr", "too", "high").output.strip() == f"{d.name}: lr too high"
    assert json.loads(_cli(root, "note", "a", "--json").output) == {"run_id": d.name, "note": "lr too high"}
    listed = {x["name"]: x for x in json.loads(_cli(root, "runs", "--json").output)}
    assert listed["a"]["tags"] == ["baseline"] and listed["a"]["note"] == "lr too high"
    assert listed["b"]["tags"] == [] and listed["b"]["note"] == ""
    table = _cli(root, "runs").output.splitlines()
    assert table[0].split()[-2:] == ["tags", "note"]
    assert next(line for line in table if " a " in line).rstrip().endswith("baseline  lr too high")
    shown = _cli(root, "show", "a").output
    assert "      tags  baseline" in shown and "      note  lr too high" in shown
    out = _cli(root, "export", "a", "-F", "jsonl", "--include", "meta").output.splitlines()
    head = json.loads(out[0])
    assert head["name"] == "run" and head["data"]["tags"] == ["baseline"] and head["data"]["note"] == "lr too high"
    assert all("value" in json.loads(line) for line in out[1:])
    assert _cli(root, "note", "a", "").output.strip() == f"{d.name}: (no note)"


def test_tag_cli_takes_commas_as_the_lab_does(root):
    """`rnnlab tag RUN a,b` was refused ("tag 'a,b' is not allowed") while the lab's `t`
    prompt takes `a, b`: both split at commas now; '' is still one error line."""
    d = _populate(root, "a")
    assert _cli(root, "tag", "a", "seed1,lr=1e-3", "x, y").output.strip() == f"{d.name}: lr=1e-3 seed1 x y"
    assert _cli(root, "tag", "a", "--remove", "x,y").output.strip() == f"{d.name}: lr=1e-3 seed1"
    r = _cli(root, "tag", "a", "")  # (the CLI's entry point prints a UserError as one line, exit 2)
    assert isinstance(r.exception, UserError) and "tag '' is not allowed" in str(r.exception)


def _info(name, cell="lstm", task="adding", status="finished", tags=(), sweep=None, metric=None, step=0, note=""):
    return SimpleNamespace(run_id=f"id-{name}", name=name, cell=cell, task=task, status=status, tags=list(tags),
                           sweep=sweep, note=note, latest={"val_loss": metric} if metric is not None else {},
                           primary_metric="val_loss", step=step, tokens_per_s=None)


def test_filter_syntax():
    runs = [_info("lstm-a", tags=["baseline"]), _info("gru-b", cell="gru", status="running", sweep="s1"),
            _info("rnn-c", cell="rnn_tanh", task="text: 1MB", status="running", note="too high lr")]

    def names(text, sweeps=None):
        return [i.name for i in runs if runfilter.matcher(runfilter.parse(text), sweeps)(i)]

    assert names("status:running") == ["gru-b", "rnn-c"]
    assert names("status:running cell:gru") == ["gru-b"]
    assert names("cell:gru cell:lstm") == ["lstm-a", "gru-b"]  # same field: alternatives
    assert names("tag:base") == ["lstm-a"] and names("TAG:BASELINE") == ["lstm-a"]
    assert names("task:text") == ["rnn-c"] and names("high") == ["rnn-c"]  # a plain word reads the note too
    assert names("sweep:lr-search", {"s1": "lr-search"}) == ["gru-b"] and names("sweep:s1") == ["gru-b"]
    assert names("-status:running") == ["lstm-a"] and names("1mb") == ["rnn-c"]
    assert names("") == ["lstm-a", "gru-b", "rnn-c"]
    with pytest.raises(UserError, match="unknown field 'colour:'"):
        runfilter.parse("colour:red")


def test_filter_quotes_keep_a_phrase():
    """`"lr too high"` finds the note with that phrase (it was two words, each with a quote
    glued on, so it matched nothing); a quote still open while typing runs to the end; an
    apostrophe is an ordinary character."""
    runs = [_info("a", note="lr too high, see step 800"), _info("b", note="too high lr"),
            _info("c", note="it's fine", tags=["x"])]

    def names(text):
        return [i.name for i in runs if runfilter.matcher(runfilter.parse(text))(i)]

    assert names('"lr too high"') == ["a"]
    assert names('"lr too') == ["a"]  # mid-typing
    assert names('-"lr too high"') == ["b", "c"]
    assert names("it's") == ["c"]
    assert names('"too high" lr') == ["a", "b"]


def test_sort_orders():
    runs = [_info("b", metric=0.5, step=10), _info("a", metric=None, step=30), _info("c", metric=0.1, step=20)]
    by = {label: [i.name for i in runfilter.sort_infos(runs, k)] for k, (_, label, _, _) in enumerate(runfilter.SORTS)}
    assert by["newest"] == ["b", "a", "c"]
    assert by["name"] == ["a", "b", "c"]
    assert by["metric"] == ["c", "b", "a"]  # best (lowest) first, no value last
    assert by["step"] == ["a", "c", "b"]  # furthest first


def test_axes_tokens_and_best():
    from rnnlab import config
    from rnnlab.runs.axes import best_index, tokens_per_step

    cfg = config.validate({"task": {"kind": "adding", "seq_len": 10}, "train": {"batch_size": 8}})
    assert tokens_per_step({"tokens_per_s": 32000.0, "step_time": 0.05}, cfg) == 1600  # what the run recorded
    assert tokens_per_step({}, cfg) == 80 and tokens_per_step({}, None) is None  # else batch x seq_len
    ts = config.validate({"task": {"kind": "timeseries", "window": 24}, "train": {"batch_size": 4}})
    assert tokens_per_step(None, ts) == 96
    assert best_index([3.0, float("nan"), 1.0, 2.0]) == 2 and best_index([float("nan")]) is None


def test_cli_compare_axes_align_sort(root):
    a = _populate(root, "alpha", steps=30)
    b = _populate(root, "beta", cell="gru", steps=20)
    r = _cli(root, "compare", "alpha", "beta", "-x", "tokens", "--align", "val_mse", "--sort", "best", "--desc")
    assert r.exit_code == 0, r.output
    assert "tokens seen from best val_mse" in r.output
    table = r.output.splitlines()[-2:]
    # best val_mse: alpha 0.5/30 < beta 0.5/20; --desc puts the larger first
    assert [line.split()[1] for line in table] == ["beta", "alpha"]
    r = _cli(root, "compare", "alpha", "beta", "--sort", "best")
    assert [line.split()[1] for line in r.output.splitlines()[-2:]] == ["alpha", "beta"]
    # 320 tokens a step (batch 32 x T 10): alpha's last point at 30 x 320 = 9600 on the tokens axis
    r = _cli(root, "compare", "alpha", "beta", "-x", "tokens")
    assert "9600" in r.output.replace(",", "") and "tokens seen" in r.output
    r = _cli(root, "compare", "alpha", "beta", "--align", "bogus")
    assert isinstance(r.exception, UserError) and "--align bogus" in str(r.exception)
    for k in range(19):
        _populate(root, f"r{k}", steps=2)
    r = _cli(root, "compare", "alpha", "beta", *[f"r{k}" for k in range(19)])
    assert isinstance(r.exception, UserError) and "at most 20 runs (21 given)" in str(r.exception)
    assert a.is_dir() and b.is_dir()
