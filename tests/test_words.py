"""Word-level text (`[task] unit = "word"`): a tokenizer that gives the text back, a capped
vocabulary with `<unk>`, its own token files, and bits per character beside perplexity per token."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from rnnlab import config
from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.runs import launch, worker
from rnnlab.tasks import make_task, words
from rnnlab.tasks.corpus import CorpusStream
from rnnlab.tasks.text import generate
from rnnlab.tasks.tokencache import load_tokens, load_word_tokens
from rnnlab.train.session import open_run
from tests.test_cli_train import rnnlab

CODE = 'def f(x, y=2):\n    """Add."""\n\treturn x  +  y  # über, 3.5!\n\n\nclass A:  pass\n'
TEXT = "".join(f"line {i}: the quick brown fox jumps over the lazy dog, again ({i % 7}).\n" for i in range(400))


def test_tokens_give_the_text_back_whatever_the_pieces():
    assert "".join(words.split(CODE)) == CODE
    assert words.split("    return x\n") == ["    ", "return", " ", "x", "\n"]
    rng = random.Random(0)
    text = CODE * 5 + TEXT[:2000]
    for _ in range(20):
        cuts = sorted(rng.sample(range(1, len(text)), 6))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
        # a piece boundary inside a word must not split it into two tokens
        assert [t for ts in words.split_pieces(pieces) for t in ts] == words.split(text)


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT + CODE, encoding="utf-8")
    return path


def _task(source, cache_dir=None, state=None, **kw):
    cfg = TaskConfig(kind="text", source=str(source), unit="word", **{"seq_len": 8, **kw})
    return make_task(cfg, seed=0, batch_size=4, state=state, cache_dir=cache_dir)


def test_encode_decode_round_trip_and_the_unk_cap(corpus):
    task = _task(corpus)
    line = "line 12: the quick brown fox jumps over the lazy dog, again (5).\n"
    assert task.decode(task.encode(line).tolist()) == line
    assert task.decode(task.encode(CODE).tolist()) == CODE  # every token of it is in the corpus
    small = _task(corpus, vocab_size=20)
    assert small.vocab_size == 20 and small.chars[0] == "<unk>"
    ids = small.encode("zebra the fox").tolist()
    assert ids[0] == 0 and small.decode(ids) == "<unk> the fox"
    assert small.unknown_words("zebra the fox") == ["zebra"]
    # the commonest tokens are kept: " " and "the" beat the line numbers
    assert " " in small.stoi and "the" in small.stoi and "397" not in small.stoi


def test_the_cache_key_has_the_unit_and_a_resume_reads_the_same_words(corpus, tmp_path):
    cache = tmp_path / "cache"
    chars = load_tokens(CorpusStream(str(corpus)), None, cache)
    first = load_word_tokens(CorpusStream(str(corpus)), None, cache, 50)
    assert first.path != chars.path and "-word-" in first.path.name and not first.hit
    again = load_word_tokens(CorpusStream(str(corpus)), None, cache, 50)
    assert again.hit and again.path == first.path and np.array_equal(again.ids, first.ids)
    # the char file is untouched and still the char ids of the text
    assert "".join(chars.chars[i] for i in load_tokens(CorpusStream(str(corpus)), None, cache).ids[:30]) == TEXT[:30]
    task = _task(corpus, cache, vocab_size=50)
    state = task.state()
    assert state["unit"] == "word" and state["vocab"] == task.chars
    resumed = _task(corpus, cache, state=state, vocab_size=50)
    assert resumed.token_file == task.token_file and resumed.chars == task.chars


def test_bits_per_character_and_perplexity_per_token_beside_the_unigram(corpus):
    task = _task(corpus, vocab_size=40, val_fraction=0.3)
    base = task.baselines()
    assert {"unigram_val_bpc", "uniform_val_bpc", "unigram_val_ppl", "uniform_val_ppl"} <= set(base)
    assert base["uniform_val_ppl"] == 40

    class Unigram(torch.nn.Module):
        """Predicts the train unigram distribution at every step: it must score as the baseline."""
        is_recurrent = True

        def forward(self, x, state=None):
            probs = (task._counts.double() + 1) / (task._counts.sum() + task.vocab_size)
            return probs.log().float().expand(*x.shape, -1), state

    m = task.evaluate(Unigram(), torch.device("cpu"), num_batches=10_000)  # enough to read all of val
    assert m["val_ppl"] == pytest.approx(base["unigram_val_ppl"], rel=0.02)
    assert m["val_bpc"] == pytest.approx(base["unigram_val_bpc"], rel=0.02)
    # per character is per token over the mean token length
    assert m["val_bpc"] < math.log2(m["val_ppl"])


def test_unit_key_is_validated_with_a_did_you_mean():
    with pytest.raises(UserError, match=r"\[task\] unit = 'words' is not allowed \(did you mean 'word'\?\)"):
        config.load(None, ["task.unit=words"])
    with pytest.raises(UserError, match=r"\[task\] vocab_size"):
        config.load(None, ["task.vocab_size=1"])


@pytest.fixture(scope="module")
def word_run(tmp_path_factory):
    cfg = config.validate({
        "model": {"cell": "lstm", "hidden_size": 48, "embedding_size": 32},
        "task": {"kind": "text", "unit": "word", "vocab_size": 600, "seq_len": 24, "max_chars": 60000,
                 "sample_length": 30},
        "train": {"steps": 150, "batch_size": 16, "lr": 0.01, "eval_every": 150, "checkpoint_every": 150,
                  "device": "cpu", "threads": 1},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 150},
    })
    run = launch.create_run(cfg, tmp_path_factory.mktemp("runs"))
    assert worker.execute(run, handle_signals=False) == "finished"
    return run


def test_a_word_run_beats_the_unigram_and_samples_words(word_run):
    from rnnlab.runs.reader import RunReader

    info = RunReader(word_run).info()
    assert info.latest["val_ppl"] < info.baselines["unigram_val_ppl"]
    assert info.latest["val_bpc"] < info.baselines["unigram_val_bpc"]
    loaded = open_run(word_run)
    text = generate(loaded.model, loaded.task, "def ", 25, seed=3)
    assert len(loaded.task.encode(text)) >= 20  # 25 tokens, each a word, space or mark (an <unk> is 3)
    proc = rnnlab("sample", str(word_run), "--prime", "def zzzunknown(", "-n", "12", "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("def zzzunknown(")
    assert "1 word not in the run's vocabulary read as <unk>: 'zzzunknown'" in proc.stderr


def test_the_playground_samples_words_and_names_the_unknown_ones(word_run):
    import asyncio
    from pathlib import Path

    from textual.app import App

    import rnnlab.tui.app
    from rnnlab.tui.screens.playground import Playground

    class Lab(App):
        CSS_PATH = Path(rnnlab.tui.app.__file__).parent / "app.tcss"

        def on_mount(self):
            self.push_screen(Playground(word_run))

    async def go():
        app = Lab()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.1)
            pg = app.screen
            pg.query_one("#prompt").value = "def qqqq("
            pg.query_one("#length").value = "12"
            await pilot.press("ctrl+g")
            for _ in range(1500):
                await pilot.pause(0.02)
                if str(pg.query_one("#pg-status").render()).startswith("done"):
                    break
            return str(pg.query_one("#pg-status").render()), str(pg._body.render())

    status, text = asyncio.run(go())
    assert status == "done; read as <unk> (not in the vocabulary): 'qqqq'"
    assert text.startswith("def qqqq(") and len(text) > len("def qqqq(")


def test_neurons_names_the_words_read_as_unk(word_run, capsys):
    """A word run reads an unknown word as <unk>: the text the report shows is not the text typed,
    and stderr says which words, as `rnnlab sample` does for a prime."""
    import json

    from rnnlab.cli.app import main

    try:
        main(["neurons", str(word_run), "--text", "return qqqq self zzzz.", "--json"])
    except SystemExit as err:
        assert not err.code
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["text"] == "return <unk> self <unk>."
    assert all(len(u["activations"]) == len(doc["text"]) for u in doc["units"])
    assert "2 words not in the run's vocabulary read as <unk>: 'qqqq', 'zzzz'" in out.err


def test_a_word_level_attention_map_labels_rows_with_their_words():
    """Row labels and the attended-to token are whole words (a blank run as ␣), so `→ return`
    is not `→ r`; a char-level map keeps its one-character labels."""
    from rnnlab.inspect.shade import heat_rows

    w = np.array([[1.0, 0, 0, 0], [0.2, 0.8, 0, 0], [0.1, 0.1, 0.8, 0], [0.9, 0.05, 0.03, 0.02]])
    rows = heat_rows(["def", "    ", "return", "x"], w, colour=False).plain.splitlines()
    assert [r[:6].strip() for r in rows[1:]] == ["def", "␣␣␣", "return", "x"]
    assert rows[3].endswith("→ return @2 0.80") and rows[4].endswith("→ def @0 0.90")
    chars = heat_rows(list("ab c"), w, colour=False).plain.splitlines()
    assert chars[0] == "    ab c" and chars[3].startswith("    ") and chars[4].endswith("→ a @0 0.90")


def test_the_neurons_screen_maps_attention_over_the_first_tokens_not_characters(tmp_path):
    """A word-level attention run's map in the Neurons screen covers its first tokens up to the
    screen's limit, not the handful of words in as many characters."""
    from rnnlab.inspect.loader import load_run
    from rnnlab.tui.screens.neurons import ATTENTION_CHARS, Neurons

    cfg = config.validate({
        "model": {"cell": "gru", "hidden_size": 8, "attention": True},
        "task": {"kind": "text", "unit": "word", "vocab_size": 300, "seq_len": 16, "max_chars": 20000},
        "train": {"steps": 2, "batch_size": 2, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "threads": 1},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })
    run = launch.create_run(cfg, tmp_path)
    assert worker.execute(run, handle_signals=False) == "finished"
    loaded = load_run(run)
    text = "alpha beta, gamma delta; " * 20
    pieces, w, _ = Neurons(run)._attention_map(loaded, {"text": text}, 0, (1, 1))
    limit = min(ATTENTION_CHARS, loaded.model.max_len)  # the attention memory's window: task.seq_len
    assert limit == 16 and len(pieces) == limit and w.shape == (limit, limit)
    assert "".join(pieces) == loaded.decode(loaded.encode(text)[:limit])


def test_word_unit_with_styles_shares_one_vocabulary(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.py").write_text(CODE * 60, encoding="utf-8")
    task = make_task(TaskConfig(kind="text", source=str(tmp_path), unit="word", condition="file", seq_len=8,
                                vocab_size=200), seed=0, batch_size=4)
    assert task.styles == ["a", "b"] and task.chars[0] == "<unk>"
    assert task.decode(task.encode(CODE).tolist()) == CODE and "fox" in task.stoi
    m = task.baselines()
    assert m["unigram_val_ppl"] > 1
