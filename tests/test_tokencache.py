"""The text task's token file: tokenized once per corpus, memory-mapped, keyed by the text."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks import corpus as corpus_mod
from rnnlab.tasks import make_task
from rnnlab.tasks.corpus import CorpusStream, decode, load_corpus
from rnnlab.tasks.tokencache import dtype_for, load_tokens

TEXT = "".join(f"line {i}: the quick brown fox jumps over the lazy dog\n" for i in range(300))


def _task(source, cache_dir, state=None, **kw):
    cfg = TaskConfig(kind="text", source=str(source), **{"seq_len": 16, **kw})
    return make_task(cfg, seed=0, batch_size=4, state=state, cache_dir=cache_dir)


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_second_load_hits_the_same_file_without_rewriting_it(corpus, tmp_path):
    cache = tmp_path / "cache"
    first = load_tokens(CorpusStream(str(corpus)), None, cache)
    assert not first.hit and first.path.parent == cache and first.path.suffix == ".bin"
    mtime = first.path.stat().st_mtime_ns
    second = load_tokens(CorpusStream(str(corpus)), None, cache)
    assert second.hit and second.path == first.path and first.path.stat().st_mtime_ns == mtime
    assert isinstance(second.ids, np.memmap) and np.array_equal(second.ids, first.ids)
    # a resume (vocabulary from the run's state) and an ensemble member find the same file
    task_a, task_b = _task(corpus, cache), _task(corpus, cache, state=_task(corpus, cache).state())
    assert task_a.token_file == task_b.token_file == first.path


@pytest.mark.parametrize("damage", ["truncate", "extend", "no counts"])
def test_a_truncated_or_unverifiable_token_file_is_a_miss_written_again(corpus, tmp_path, damage):
    """A cut-short ids file (a crash, a full disk, a copy) must not be a silent cache hit: its size
    is checked against the counts written after it, and it is tokenized again."""
    cache = tmp_path / "cache"
    first = load_tokens(CorpusStream(str(corpus)), None, cache)
    whole = first.path.read_bytes()
    expected = np.array(first.ids)
    if damage == "truncate":
        first.path.write_bytes(whole[: len(whole) // 2])
    elif damage == "extend":
        first.path.write_bytes(whole + whole[:7])
    else:  # the ids were renamed into place, then the run died before their counts
        first.path.with_suffix(".counts.json").unlink()
    again = load_tokens(CorpusStream(str(corpus)), None, cache)
    assert not again.hit and again.path == first.path
    assert first.path.read_bytes() == whole and np.array_equal(again.ids, expected)
    assert again.counts is not None and int(again.counts.sum()) == len(expected)
    assert load_tokens(CorpusStream(str(corpus)), None, cache).hit  # and whole again, a hit


def test_the_token_file_is_fsynced_before_it_is_renamed_into_place(corpus, tmp_path, monkeypatch):
    """Durability: the data reaches the disk before the name points at it."""
    import os

    from rnnlab.tasks import tokencache

    order: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(tokencache.os, "fsync", lambda fd: (order.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(tokencache.os, "replace", lambda a, b: (order.append("replace"), real_replace(a, b))[1])
    load_tokens(CorpusStream(str(corpus)), None, tmp_path / "cache")
    # the ids, then their counts: each file synced, renamed, then its folder synced
    assert order[:3] == ["fsync", "replace", "fsync"] and order.count("replace") == 3


def test_a_changed_corpus_gets_its_own_file_and_the_old_one_stays(corpus, tmp_path):
    cache = tmp_path / "cache"
    old = _task(corpus, cache)
    corpus.write_text(TEXT.replace("fox", "cat"), encoding="utf-8")
    new = _task(corpus, cache)
    assert new.token_file != old.token_file and old.token_file.is_file()
    assert new.state()["sha1"] != old.state()["sha1"]
    assert new.decode(new.train_data[:200].tolist()) == TEXT.replace("fox", "cat")[:200]


def test_the_digest_is_the_texts_sha1_as_before(corpus, tmp_path, monkeypatch):
    # runs saved before the cache keep resuming: their task state holds this same digest
    assert _task(corpus, tmp_path / "c").state()["sha1"] == hashlib.sha1(TEXT.encode("utf-8")).hexdigest()
    # also when the file is read in blocks (ASCII ones hashed as read) and has CRLF, a BOM, UTF-8
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes("\ufeff".encode() + TEXT.replace("\n", "\r\n").encode() + "é€\n".encode() + TEXT.encode())
    monkeypatch.setattr(corpus_mod, "BLOCK_BYTES", 1000)
    want = hashlib.sha1((TEXT + "é€\n" + TEXT).encode("utf-8")).hexdigest()
    assert _task(mixed, tmp_path / "c").state()["sha1"] == want


def test_dtype_is_the_smallest_the_vocabulary_allows(tmp_path):
    assert [dtype_for(n) for n in (1, 256, 257, 65536, 65537)] == [np.uint8, np.uint8, np.uint16, np.uint16, np.uint32]
    wide = tmp_path / "wide.txt"
    wide.write_text("".join(chr(0x4E00 + i) for i in range(400)) * 20, encoding="utf-8")
    task = _task(wide, tmp_path / "cache")
    assert task.vocab_size == 401 and task.train_data.dtype == torch.uint16  # 400 + the final newline
    assert task.token_file.name.endswith(".uint16.bin")
    assert task.token_file.stat().st_size == 2 * (400 * 20 + 1)
    assert _task(wide, None).train_data.dtype == torch.uint16


def test_same_batches_as_the_plain_encoding(corpus, tmp_path):
    chars = sorted(set(TEXT))
    ids = torch.tensor([chars.index(c) for c in TEXT])
    n_val = int(len(ids) * 0.1)
    for cache in (tmp_path / "cache", None):
        for batching in ("tbptt", "random"):
            task = _task(corpus, cache, batching=batching)
            assert task.train_data.dtype == torch.uint8
            assert torch.equal(task.train_data.long(), ids[: len(ids) - n_val])
            assert torch.equal(task.val_data.long(), ids[len(ids) - n_val :])
            streams = ids[: len(ids) - n_val]
            n = len(streams) // 4
            b = task.batch(3, 4)
            if batching == "tbptt":
                assert torch.equal(b.x, streams[: n * 4].view(4, n)[:, 48:64])
            assert b.x.dtype == torch.int64 and torch.equal(b.y[:, :-1], b.x[:, 1:])
            assert torch.equal(task.probe_batch(3).x, _task(corpus, None).probe_batch(3).x)
            assert task.baselines() == _task(corpus, None).baselines()


def test_restored_vocabulary_drops_unknown_chars_and_keeps_ids(corpus, tmp_path):
    cache = tmp_path / "cache"
    state = _task(corpus, cache).state()
    corpus.write_text("€" + TEXT, encoding="utf-8")
    restored = _task(corpus, cache, state=state)
    assert restored.chars == list(state["vocab"])
    assert restored.decode(restored.train_data[:30].tolist()) == TEXT[:30]


def test_large_files_stream_in_blocks_with_the_same_text(tmp_path, monkeypatch):
    # a BOM, CRLF split across a block boundary, and a 3-byte character split across another
    raw = "\ufeff".encode() + b"ab\r\n" * 5 + "x€y\r\n".encode() * 7 + b"tail"
    path = tmp_path / "big.txt"
    path.write_bytes(raw)
    whole = decode(raw, path) + "\n"
    for block in (3, 4, 5, 7, 11):
        monkeypatch.setattr(corpus_mod, "BLOCK_BYTES", block)
        assert load_corpus(str(path)).text == whole, block
        assert load_corpus(str(path), max_chars=9).text == whole[:9]
        # the bytes the digest reads (plain ASCII blocks passed through) are the same text
        for cap in (None, 9, 30):
            assert b"".join(CorpusStream(str(path), cap).utf8_pieces()) == whole[:cap].encode(), (block, cap)
    monkeypatch.setattr(corpus_mod, "BLOCK_BYTES", 4)
    path.write_bytes(b"abcdefgh\xffij")
    with pytest.raises(UserError, match=r"invalid byte 0xff at byte offset 8"):
        load_corpus(str(path))
    path.write_bytes(b"abcdefgh\x00ij")
    with pytest.raises(UserError, match=r"NUL byte at offset 8"):
        load_corpus(str(path))
    # in a folder a large binary file is skipped, as a small one is
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("hello world\n")
    path.rename(tmp_path / "d" / "blob")
    assert load_corpus(str(tmp_path / "d")).text == "hello world\n"
