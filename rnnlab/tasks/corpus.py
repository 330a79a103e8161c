"""Text corpora for the character-level task: a file, a folder, a glob, or `builtin:python-stdlib`.

- a file: read as UTF-8 (a leading BOM is dropped, CRLF becomes LF);
- a folder: every text file under it, recursively, in sorted path order; hidden files and
  folders are skipped, and so are binary files (NUL bytes) -- they are not text files;
- a glob (`data/*.txt`, `src/**/*.py`): the matching files, sorted; each must be text;
- `builtin:python-stdlib`: the running Python's standard-library `.py` sources, test suites
  skipped, in a stable hash order -- a sizeable, offline, deterministic corpus for a given Python;
- `builtin:python-docs-and-code`: two sub-corpora, `docs/` (the Python reference manual's prose
  as `pydoc` ships it, `pydoc_data.topics`) then `code/` (the stdlib sources above): prose and
  code side by side, the built-in two-style corpus for `[task] condition = "folder"`.

`max_chars` caps the total (files are read in order until the cap). Every problem is one
`UserError` line naming the path.
"""

from __future__ import annotations

import glob as globlib
import hashlib
import os
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, Union

from rnnlab.errors import UserError

BUILTIN_STDLIB = "builtin:python-stdlib"
BUILTIN_DOCS_AND_CODE = "builtin:python-docs-and-code"
BUILTINS = (BUILTIN_STDLIB, BUILTIN_DOCS_AND_CODE)


@dataclass(frozen=True)
class Generated:
    """A corpus file made in memory (a builtin's), named like a path inside its source."""

    name: str
    make: Callable[[], str]

    def pieces(self) -> Iterator[str]:
        text = self.make()
        if text:
            yield text if text.endswith("\n") else text + "\n"


def _python_docs() -> str:
    """The Python reference manual's topics, as `help()` shows them (shipped with every CPython)."""
    try:
        from pydoc_data.topics import topics
    except ImportError:  # pragma: no cover - some distributions strip it
        raise UserError(f"{BUILTIN_DOCS_AND_CODE}: this Python ships no pydoc_data; set [task] source to a folder") from None
    return "\n\n".join(topics[k].strip("\n") for k in sorted(topics))

# Test suites are huge, repetitive and sometimes deliberately not UTF-8; site-packages is not stdlib.
_STDLIB_SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__", "turtledemo"}


@dataclass
class Corpus:
    text: str
    source: str
    files: int
    skipped: list[str] = field(default_factory=list)  # binary files left out of a folder

    def describe(self) -> str:
        return _describe(len(self.text), self.files, self.source, self.skipped)


def _describe(size: int, files: int, source: str, skipped: list[str]) -> str:
    human = f"{size / 1e6:.1f}M" if size >= 1e6 else f"{size / 1e3:.1f}k" if size >= 1e3 else str(size)
    out = f"{human} chars from {files} file{'s' if files != 1 else ''} ({source})"
    if skipped:
        names = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        out += f"; skipped {len(skipped)} binary file{'s' if len(skipped) != 1 else ''}: {names}"
    return out


class CorpusStream:
    """The corpus of `source` as a sequence of text pieces, read file by file (a large file in
    blocks), so that a corpus far larger than memory can be hashed and tokenized. Each `iter()`
    reads the files again; `files` and `chars` count what the last complete pass used.
    Problems with the source itself (missing, empty glob, no files) are raised at construction."""

    def __init__(self, source: str, max_chars: Optional[int] = None,
                 paths: Optional[Sequence[Union[Path, Generated]]] = None) -> None:
        """`paths`: read these (a part of `source`: one style's files) instead of all of it."""
        self.max_chars = max_chars
        self.files = 0
        self.chars = 0
        self.skipped: list[str] = []  # binary files a folder held, relative to it
        self._skip_bad = self._skip_binary = False
        if source in BUILTINS:
            self._paths: list[Union[Path, Generated]] = [p for _, p in builtin_files(source)]
            self._skip_bad = True
            self.source = source
        elif source.startswith("builtin:"):
            import difflib

            close = difflib.get_close_matches(source, BUILTINS, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UserError(f"[task] source = {source!r}: unknown builtin corpus{hint}; the builtins are "
                            + ", ".join(f"'{b}'" for b in BUILTINS))
        else:
            path = Path(source).expanduser()
            self.source = str(path)
            if path.is_file():
                self._paths = [path]
            elif path.is_dir():
                self._paths = list(folder_files(path))
                self._skip_binary = True
            elif is_glob(source):
                matches = sorted(p for p in globlib.glob(os.path.expanduser(source), recursive=True) if os.path.isfile(p))
                if not matches:
                    raise UserError(f"[task] source = {source!r}: the glob matches no files")
                self._paths = [Path(p) for p in matches]
                self.source = source
            else:
                raise UserError(f"{path}: no such file or folder ([task] source); give a text file, a folder, a glob or {BUILTIN_STDLIB}")
        if paths is not None:
            self._paths = list(paths)

    def __iter__(self) -> Iterator[str]:
        return self._pieces(utf8=False)  # type: ignore[return-value]

    def utf8_pieces(self) -> Iterator[bytes]:
        """The same text as UTF-8 bytes. ASCII blocks with nothing to normalise are passed through
        as read, without decoding and re-encoding (what hashing a corpus on a cache hit needs)."""
        return self._pieces(utf8=True)  # type: ignore[return-value]

    def _pieces(self, utf8: bool) -> Iterator[str | bytes]:
        total = used = 0
        skipped: list[Path] = []
        for path in self._paths:
            if self.max_chars is not None and total >= self.max_chars:
                break
            got = 0
            pieces = path.pieces() if isinstance(path, Generated) else _file_pieces(
                path, skip_bad=self._skip_bad, skip_binary=self._skip_binary, utf8=utf8, skipped=skipped)
            for piece in pieces:
                # an ASCII bytes piece has one byte per character; any other is text here
                n = len(piece) if isinstance(piece, str) or piece.isascii() else None
                if n is None:
                    piece = piece.decode("utf-8", "surrogatepass")
                    n = len(piece)
                if self.max_chars is not None and n > self.max_chars - total:
                    piece, n = piece[: self.max_chars - total], self.max_chars - total
                if isinstance(piece, str) and utf8:
                    piece = piece.encode("utf-8", "surrogatepass")
                if n:
                    total += n
                    got += n
                    yield piece
                if self.max_chars is not None and total >= self.max_chars:
                    break
            used += got > 0
        self.files, self.chars = used, total
        self.skipped = [os.path.relpath(p, self.source) for p in skipped]
        if used == 0:
            if self._skip_binary:
                raise UserError(f"{self.source}: folder has no text files; point [task] source at a text file or a folder of them")
            raise UserError(f"{self.source}: the corpus is empty; [task] source needs some text")

    def describe(self) -> str:
        return _describe(self.chars, self.files, self.source, self.skipped)


def load_corpus(source: str, max_chars: Optional[int] = None) -> Corpus:
    """Load `source` (see the module docstring) as one string, at most `max_chars` long.
    (The text task streams the corpus instead: `CorpusStream`.)"""
    stream = CorpusStream(source, max_chars)
    text = "".join(stream)
    return Corpus(text=text, source=stream.source, files=stream.files, skipped=stream.skipped)


def check_length(n_chars: int, *, batch_size: int, seq_len: int, source: str, split: str = "training") -> None:
    """One batch of `batch_size` sequences of `seq_len` inputs (+1 for the shifted targets)."""
    need = batch_size * (seq_len + 1)
    if n_chars < need:
        raise UserError(
            f"{source}: the {split} split has {n_chars} chars but one batch needs batch_size*(seq_len+1) = "
            f"{batch_size}*({seq_len}+1) = {need}; use a longer corpus or lower train.batch_size / task.seq_len"
            + (" or raise task.val_fraction" if split == "validation" else "")
        )


def decode(data: bytes, path: Path | str) -> str:
    """UTF-8 text of a file's bytes, or a UserError for binary or non-UTF-8 content."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UserError(f"{path}: binary file (NUL byte at offset {nul}); the text task needs UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserError(
            f"{path}: not UTF-8 (invalid byte 0x{data[err.start]:02x} at byte offset {err.start}); "
            "re-encode it as UTF-8, e.g. iconv -t UTF-8"
        ) from None
    # a BOM is an encoding mark, not text: it must not become a character of the vocabulary
    # (files saved twice by BOM-writing editors start with more than one)
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n") if "\r" in text else text


# Files up to this size are read whole; larger ones in blocks of it (memory stays flat).
BLOCK_BYTES = 16 << 20


def _plain_ascii(data: bytes) -> bool:
    """Bytes whose decoded, normalised text is the bytes themselves (no NUL, CR or BOM)."""
    return data.isascii() and b"\x00" not in data and b"\r" not in data


def _file_pieces(path: Path, *, skip_bad: bool = False, skip_binary: bool = False, utf8: bool = False,
                 skipped: Optional[list[Path]] = None) -> Iterator[str | bytes]:
    """The normalised text of one file (see `decode`), ending with a newline so one file's last
    line does not run into the next; nothing for a file skipped as not text. With `utf8`, pieces
    that are plain ASCII come as the bytes read (the rest as text all the same)."""
    try:
        size = path.stat().st_size
        if size <= BLOCK_BYTES:
            data = path.read_bytes()
    except OSError as err:
        if skip_bad:
            return
        raise UserError(f"{path}: cannot read ({err.strerror})") from None
    if size <= BLOCK_BYTES:
        if utf8 and data and _plain_ascii(data):
            yield data if data.endswith(b"\n") else data + b"\n"
            return
        if (skip_bad or skip_binary) and b"\x00" in data:
            if skipped is not None and skip_binary:
                skipped.append(path)
            return
        try:
            text = decode(data, path)
        except UserError:
            if skip_bad:
                return
            raise
        if text:
            yield text if text.endswith("\n") else text + "\n"
        return
    if (skip_bad or skip_binary) and not _streams_as_text(path, strict=skip_bad):
        if skipped is not None and skip_binary:
            skipped.append(path)
        return
    last: str | bytes = ""
    for piece in _decode_blocks(path, utf8=utf8):
        if piece:
            last = piece
            yield piece
    if last and not last.endswith(b"\n" if isinstance(last, bytes) else "\n"):
        yield "\n"


def _decode_blocks(path: Path, utf8: bool = False) -> Iterator[str | bytes]:
    """`decode` for a file too large to hold twice: UTF-8 decoded block by block (a character
    split across blocks is completed by the next one), the BOM dropped, CRLF made LF even when a
    block ends between the CR and the LF. Errors name the byte offset in the file. With `utf8`,
    a plain ASCII block between whole characters is passed through undecoded."""
    import codecs

    dec = codecs.getincrementaldecoder("utf-8")()
    offset, first, held_cr = 0, True, False
    with open(path, "rb") as fh:
        while True:
            block = fh.read(BLOCK_BYTES)
            final = not block
            if utf8 and block and not held_cr and not dec.getstate()[0] and _plain_ascii(block):
                offset += len(block)
                first = False
                yield block
                continue
            nul = block.find(b"\x00")
            if nul >= 0:
                raise UserError(f"{path}: binary file (NUL byte at offset {offset + nul}); the text task needs UTF-8 text")
            pending = len(dec.getstate()[0])
            try:
                text = dec.decode(block, final=final)
            except UnicodeDecodeError as err:
                at = offset - pending + err.start
                raise UserError(
                    f"{path}: not UTF-8 (invalid byte 0x{err.object[err.start]:02x} at byte offset {at}); "
                    "re-encode it as UTF-8, e.g. iconv -t UTF-8"
                ) from None
            offset += len(block)
            if first and text:
                text, first = text.lstrip("\ufeff"), False
            if held_cr:
                text, held_cr = "\r" + text, False
            if text.endswith("\r") and not final:
                text, held_cr = text[:-1], True
            # `in` is a fast scan; replace() copies the block even when there is nothing to do
            yield text.replace("\r\n", "\n") if "\r" in text else text
            if final:
                return


def _streams_as_text(path: Path, *, strict: bool) -> bool:
    """Whether a large file is text (no NUL; with `strict`, valid UTF-8 throughout)."""
    try:
        for _ in _decode_blocks(path) if strict else ():
            pass
        if not strict:
            with open(path, "rb") as fh:
                while block := fh.read(BLOCK_BYTES):
                    if b"\x00" in block:
                        return False
    except (UserError, OSError):
        return False
    return True


def is_glob(source: str) -> bool:
    return any(c in source for c in "*?[")


def _walk(root: Path, skip_dirs: set[str], suffix: Optional[str]) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        # Pruned and sorted in place so the walk itself is deterministic.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in skip_dirs)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if suffix is not None and not name.endswith(suffix):
                continue
            yield Path(dirpath) / name


def folder_files(root: Path) -> Iterator[Path]:
    return _walk(root, set(), None)


def builtin_files(source: str) -> list[tuple[str, Union[Path, Generated]]]:
    """A builtin corpus's files, each with its sub-corpus ("" for the flat stdlib one)."""
    if source == BUILTIN_DOCS_AND_CODE:
        return [("docs", Generated("docs/topics.txt", _python_docs))] + [("code", p) for p in _stdlib_files()]
    return [("", p) for p in _stdlib_files()]


def _stdlib_files() -> Iterator[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    if not root.is_dir():
        raise UserError(f"{BUILTIN_STDLIB}: this Python has no standard-library sources at {root}; set [task] source to a text file")
    files = [p for p in _walk(root, _STDLIB_SKIP_DIRS, ".py") if not p.name.startswith("test_")]
    # A stable shuffle (by a hash of the relative path) rather than alphabetical order: the
    # max_chars cap then samples modules from across the library, and the validation split
    # (the tail) comes from the same distribution as the training split.
    files.sort(key=lambda p: hashlib.sha1(p.relative_to(root).as_posix().encode()).hexdigest())
    yield from files
