"""A text corpus tokenized once into a memory-mapped file of token ids (nanoGPT's `train.bin`).

The ids are stored in the smallest unsigned integer type the vocabulary allows (uint8 up to 256
symbols, uint16 up to 65,536, else uint32), so a 100 MB corpus is 100 MB on disk and nothing
in memory until pages are read. Files are named by the SHA-1 of the corpus text (the same digest
a run keeps in its task state to refuse changed data on resume) and of the vocabulary:

    <cache dir>/<text sha1>.json                    vocabulary and length of that text
    <cache dir>/<text sha1>-<vocab sha1[:16]>.<dtype>.bin   its ids under that vocabulary
    <cache dir>/<text sha1>-<vocab sha1[:16]>.<dtype>.counts.json   how often each id occurs

so every run, resume and ensemble member over the same text finds the same file, and a changed
corpus gets a new one. Word tokens (`[task] unit = "word"`, see `words.py`) have their own files,
the unit in the key, so a char run and a word run over one text never read each other's ids:

    <cache dir>/<text sha1>.words.json              how often each word token occurs in that text
    <cache dir>/<text sha1>-word-<vocab sha1[:16]>.<dtype>.bin   its ids under that word vocabulary
The text is read in pieces (`CorpusStream`): hashing it on a cache hit
is one pass; a miss adds a pass for the vocabulary (unless one is given) and one to write the
ids. Writes go to a temporary file, fsynced, then renamed into place, so two runs starting at
once are safe and a crash leaves the whole file or none; an ids file whose size disagrees with
its counts (truncated, damaged) is a miss, written again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from rnnlab.tasks import words
from rnnlab.tasks.corpus import CorpusStream

# bump when the file layout changes: old files are then simply not found
FORMAT = 1


@dataclass
class Tokens:
    ids: np.ndarray  # 1-D, a read-only-by-convention memory map when cached
    chars: list[str]  # the vocabulary: id -> character
    sha1: str  # of the corpus text (UTF-8)
    n_chars: int
    path: Optional[Path]  # the cache file, None when not cached
    hit: bool  # whether the ids came from an existing cache file
    counts: Optional[np.ndarray] = None  # occurrences of each id in the whole file, when known
    unit: str = "char"
    # word unit: the characters each id stands for (`<unk>`: the mean of the words it replaced)
    lengths: Optional[np.ndarray] = None


def dtype_for(vocab_size: int) -> np.dtype:
    """The smallest unsigned integer type holding ids 0 .. vocab_size - 1."""
    for dt in (np.uint8, np.uint16, np.uint32):
        if vocab_size <= np.iinfo(dt).max + 1:
            return np.dtype(dt)
    raise ValueError(f"vocabulary of {vocab_size} symbols")  # pragma: no cover - Unicode has fewer


def _codepoints(piece: str) -> np.ndarray:
    return np.frombuffer(piece.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text_digest(stream: CorpusStream) -> str:
    h = hashlib.sha1()
    for piece in stream.utf8_pieces():  # plain ASCII goes straight from the file to the hash
        h.update(piece)
    return h.hexdigest()


def _vocabulary(stream: CorpusStream) -> list[str]:
    seen = np.zeros(0x110000, dtype=bool)
    for piece in stream:
        seen[_codepoints(piece)] = True
    return [chr(c) for c in np.flatnonzero(seen)]


def _encode_pieces(stream: CorpusStream, chars: list[str], dtype: np.dtype):
    """Yield the ids of each piece; characters outside `chars` are dropped."""
    cps = np.array([ord(c) for c in chars], dtype=np.int64)
    lut = np.full(int(cps.max()) + 1 if len(cps) else 1, -1, dtype=np.int64)
    lut[cps] = np.arange(len(cps))
    lut = lut.astype(np.int32)
    for piece in stream:
        # in slices of 1M characters: the int32 temporaries stay a few MB whatever the piece
        for i in range(0, len(piece), 1 << 20):
            cp = _codepoints(piece[i : i + (1 << 20)])
            ids = np.full(cp.shape, -1, dtype=np.int32)
            inside = cp < len(lut)
            ids[inside] = lut[cp[inside]]
            yield ids[ids >= 0].astype(dtype)


def _encode_word_pieces(stream: CorpusStream, vocab: list[str], dtype: np.dtype):
    """Yield the ids of the word tokens of each piece; rarer tokens are `<unk>`."""
    index = {w: i for i, w in enumerate(vocab)}
    for tokens in words.split_pieces(stream):
        yield words.encode_tokens(tokens, index, dtype)


def word_counts(stream: CorpusStream, cache_dir: Optional[Path], sha1: Optional[str] = None) -> dict[str, int]:
    """How often each word token occurs in the text (kept beside the ids: a start on a cache hit
    neither splits the text nor counts again). `sha1`: the text's digest, when known."""
    sha1 = sha1 or _text_digest(stream)
    path = Path(cache_dir) / f"{sha1}.words.json" if cache_dir is not None else None
    meta = _read_meta(path) if path is not None else None
    if meta is not None and isinstance(meta.get("counts"), dict):
        return meta["counts"]
    counts = dict(words.count(stream))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            body = json.dumps({"format": FORMAT, "counts": counts}, ensure_ascii=False)
            _write_atomic(path, lambda fh: fh.write(body.encode("utf-8", "surrogatepass")))
        except OSError:
            pass  # a cache that cannot be written costs a recount next time, not the run
    return counts


def load_word_tokens(stream: CorpusStream, vocab: Optional[list[str]], cache_dir: Optional[Path],
                     vocab_size: int) -> Tokens:
    """`load_tokens` for word tokens: the ids of `stream` under `vocab` (None: `<unk>` and the
    `vocab_size - 1` commonest tokens of the text), cached like the char ids but keyed `word`."""
    sha1 = _text_digest(stream)
    counts = word_counts(stream, cache_dir, sha1)
    n_chars = stream.chars or sum(len(w) * n for w, n in counts.items())
    if vocab is None:
        vocab = words.vocabulary(counts, vocab_size)
    lengths = np.array([len(w) for w in vocab], dtype=np.float64)
    lengths[0] = words.unk_length(counts, vocab)
    dtype = dtype_for(max(1, len(vocab)))
    tokens = None
    if cache_dir is not None:
        try:
            tokens = _cached(stream, vocab, Path(cache_dir), sha1, n_chars, dtype, None, None, unit="word")
        except OSError:
            tokens = None
    if tokens is None:
        parts = list(_encode_word_pieces(stream, vocab, dtype))
        ids = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
        tokens = Tokens(ids, vocab, sha1, n_chars, None, False, np.bincount(ids, minlength=len(vocab)))
    tokens.unit = "word"
    tokens.lengths = lengths
    return tokens


def _read_meta(path: Path) -> Optional[dict]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("format") == FORMAT else None


def _write_atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the cache from other users of the root
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            # on disk before the rename: after a crash the name holds the whole file or nothing,
            # never a renamed file whose blocks were not written yet
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform lets a directory be synced)."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _whole(bin_path: Path, saved: Optional[dict], dtype: np.dtype, vocab_size: int) -> bool:
    """Whether a cached ids file is complete: its counts (written after it) name as many ids as
    it holds. A truncated or damaged file is a miss and is written again, never a silent hit."""
    if not saved or not isinstance(saved.get("counts"), list) or len(saved["counts"]) != vocab_size:
        return False
    try:
        size = bin_path.stat().st_size
    except OSError:
        return False
    return size == sum(saved["counts"]) * dtype.itemsize


def load_tokens(stream: CorpusStream, chars: Optional[list[str]], cache_dir: Optional[Path]) -> Tokens:
    """The ids of `stream`'s text under `chars` (None: the text's own sorted characters), from the
    cache in `cache_dir` when it has them, written there when it does not (no cache: in memory)."""
    sha1 = _text_digest(stream)
    n_chars = stream.chars
    meta_path = Path(cache_dir) / f"{sha1}.json" if cache_dir is not None else None
    meta = _read_meta(meta_path) if meta_path is not None else None
    own = None  # the text's own vocabulary, when this call had to find it
    if chars is None:
        chars = list(meta["vocab"]) if meta else (own := _vocabulary(stream))
    dtype = dtype_for(max(1, len(chars)))
    if cache_dir is None:
        parts = list(_encode_pieces(stream, chars, dtype))
        ids = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
        return Tokens(ids, chars, sha1, n_chars, None, False, np.bincount(ids, minlength=len(chars)))

    try:
        return _cached(stream, chars, Path(cache_dir), sha1, n_chars, dtype, own, meta_path)
    except OSError:
        # an unwritable or full cache folder costs memory, not the run
        return load_tokens(stream, chars, None)


def _cached(stream, chars, cache_dir, sha1, n_chars, dtype, own, meta_path, unit: str = "char") -> Tokens:
    if unit == "word":
        # NUL-separated: the words themselves may be any text
        vocab_sha = hashlib.sha1("\0".join(chars).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        bin_path = cache_dir / f"{sha1}-word-{vocab_sha}.{dtype.name}.bin"
        encode = _encode_word_pieces
    else:  # char files keep the names they always had: existing caches stay valid
        vocab_sha = hashlib.sha1("".join(chars).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        bin_path = cache_dir / f"{sha1}-{vocab_sha}.{dtype.name}.bin"
        encode = _encode_pieces
    counts_path = bin_path.with_suffix(".counts.json")
    saved = _read_meta(counts_path) if bin_path.is_file() else None
    hit = _whole(bin_path, saved, dtype, len(chars))
    if not hit:
        cache_dir.mkdir(parents=True, exist_ok=True)

        counts = np.zeros(len(chars), dtype=np.int64)

        def write_ids(fh) -> None:
            for ids in encode(stream, chars, dtype):
                counts[:] += np.bincount(ids, minlength=len(chars))
                fh.write(ids.tobytes())

        _write_atomic(bin_path, write_ids)
        # the unigram counts, so a start need not read the whole file for its baselines
        saved = {"format": FORMAT, "counts": counts.tolist()}
        body = json.dumps(saved).encode()
        _write_atomic(counts_path, lambda fh: fh.write(body))
    if own is not None:
        body = json.dumps({"format": FORMAT, "vocab": "".join(own), "chars": n_chars, "source": stream.source})
        _write_atomic(meta_path, lambda fh: fh.write(body.encode("utf-8", "surrogatepass")))
    size = bin_path.stat().st_size // dtype.itemsize
    # copy-on-write: pages are shared with the file and read on demand; never written back
    ids = np.memmap(bin_path, dtype=dtype, mode="c", shape=(size,)) if size else np.zeros(0, dtype=dtype)
    return Tokens(ids, chars, sha1, n_chars, bin_path, hit, np.array(saved["counts"], dtype=np.int64))


def bincount(ids: "torch.Tensor", size: int) -> "torch.Tensor":
    """Counts of each id, in slices: widening a whole 100M-token map to int64 would take 800 MB."""
    import torch  # here, not at the top: the cache itself is numpy and torch-free

    counts = torch.zeros(size, dtype=torch.int64)
    step = 1 << 22
    for i in range(0, len(ids), step):
        counts += torch.bincount(ids[i : i + step].long(), minlength=size)
    return counts
