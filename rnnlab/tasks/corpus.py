"""Text corpora for the character-level task: a file, a folder, a glob, or `builtin:python-stdlib`.

- a file: read as UTF-8 (a leading BOM is dropped, CRLF becomes LF);
- a folder: every text file under it, recursively, in sorted path order; hidden files and
  folders are skipped, and so are binary files (NUL bytes) -- they are not text files, and
  `describe()` names them so the `started:` line says what was left out;
- a glob (`data/*.txt`, `src/**/*.py`): the matching files, sorted; each must be text;
- `builtin:python-stdlib`: the running Python's standard-library `.py` sources, test suites
  skipped, in a stable hash order -- a sizeable, offline, deterministic corpus for a given Python.

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
from typing import Iterator, Optional

from rnnlab.errors import UserError

BUILTIN_STDLIB = "builtin:python-stdlib"

# Test suites are huge, repetitive and sometimes deliberately not UTF-8; site-packages is not stdlib.
_STDLIB_SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__", "turtledemo"}


@dataclass
class Corpus:
    text: str
    source: str
    files: int
    skipped: list[str] = field(default_factory=list)  # binary files left out of a folder

    def describe(self) -> str:
        size = len(self.text)
        human = f"{size / 1e6:.1f}M" if size >= 1e6 else f"{size / 1e3:.1f}k" if size >= 1e3 else str(size)
        out = f"{human} chars from {self.files} file{'s' if self.files != 1 else ''} ({self.source})"
        if self.skipped:
            names = ", ".join(self.skipped[:5]) + (f" and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else "")
            out += f"; skipped {len(self.skipped)} binary file{'s' if len(self.skipped) != 1 else ''}: {names}"
        return out


def load_corpus(source: str, max_chars: Optional[int] = None) -> Corpus:
    """Load `source` (see the module docstring) as one string, at most `max_chars` long."""
    skipped: list[Path] = []  # binary files a folder held
    if source == BUILTIN_STDLIB:
        parts, n = _gather(_stdlib_files(), max_chars, skip_bad=True)
        where = "builtin:python-stdlib"
    elif source.startswith("builtin:"):
        raise UserError(f"[task] source = {source!r}: unknown builtin corpus; the builtin is '{BUILTIN_STDLIB}'")
    else:
        path = Path(source).expanduser()
        where = str(path)
        if path.is_file():
            parts, n = _gather([path], max_chars, skip_bad=False)
        elif path.is_dir():
            parts, n = _gather(_folder_files(path), max_chars, skip_binary=True, skipped=skipped)
            if n == 0:
                raise UserError(f"{path}: folder has no text files; point [task] source at a text file or a folder of them")
        elif _is_glob(source):
            matches = sorted(p for p in globlib.glob(os.path.expanduser(source), recursive=True) if os.path.isfile(p))
            if not matches:
                raise UserError(f"[task] source = {source!r}: the glob matches no files")
            parts, n = _gather([Path(p) for p in matches], max_chars, skip_bad=False)
            where = source
        else:
            raise UserError(f"{path}: no such file or folder ([task] source); give a text file, a folder, a glob or {BUILTIN_STDLIB}")
    text = "".join(parts)
    if not text:
        raise UserError(f"{where}: the corpus is empty; [task] source needs some text")
    return Corpus(text=text, source=where, files=n, skipped=[os.path.relpath(p, where) for p in skipped])


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
    return text.replace("\r\n", "\n")


def _gather(files, max_chars: Optional[int], *, skip_bad: bool = False, skip_binary: bool = False,
            skipped: Optional[list[Path]] = None) -> tuple[list[str], int]:
    parts: list[str] = []
    total = 0
    used = 0
    for path in files:
        if max_chars is not None and total >= max_chars:
            break
        try:
            data = path.read_bytes()
        except OSError as err:
            if skip_bad:
                continue
            raise UserError(f"{path}: cannot read ({err.strerror})") from None
        if (skip_bad or skip_binary) and b"\x00" in data:
            if skipped is not None:
                skipped.append(path)
            continue
        try:
            text = decode(data, path)
        except UserError:
            if skip_bad:
                continue
            raise
        if not text:
            continue
        # Files are joined on line boundaries so one file's last line does not run into the next.
        if not text.endswith("\n"):
            text += "\n"
        if max_chars is not None:
            text = text[: max_chars - total]
        parts.append(text)
        total += len(text)
        used += 1
    return parts, used


def _is_glob(source: str) -> bool:
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


def _folder_files(root: Path) -> Iterator[Path]:
    return _walk(root, set(), None)


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
