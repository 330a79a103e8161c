"""Which folders a lab may open files in, when whoever started it said so.

`rnnlab serve` sets RNNLAB_CONFINE (folders joined by os.pathsep: the runs root and each
`--data-root`) in the environment its labs inherit; the lab itself does not know it is served,
it only asks here before it opens a path a user typed or picked (the New experiment form's
corpus, the file picker, a run's corpus in the Neurons and Playground screens). Unset: every
path is allowed, as in a terminal lab. Paths are compared after resolving symlinks and `..`,
so neither a link nor `../..` leads out. Below every layer (a leaf, like errors): the TUI and
train/session.py both ask.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Optional, Union

ENV = "RNNLAB_CONFINE"
_MAGIC = set("*?[")


def roots() -> Optional[list[Path]]:
    """The folders a path must be in, or None when nothing confines this process."""
    raw = os.environ.get(ENV)
    if raw is None:
        return None
    return [Path(p).expanduser().resolve() for p in raw.split(os.pathsep) if p]


def env_value(folders: list[Path]) -> str:
    """RNNLAB_CONFINE's value for `folders` (resolved now: a lab started elsewhere agrees)."""
    return os.pathsep.join(str(Path(f).expanduser().resolve()) for f in folders)


def inside(path: Union[str, Path], allowed: Optional[list[Path]] = None) -> bool:
    """Whether `path` (after symlinks and `..`) lies in one of the allowed folders."""
    allowed = roots() if allowed is None else allowed
    if allowed is None:
        return True
    real = Path(path).expanduser().resolve()
    return any(real == r or real.is_relative_to(r) for r in allowed)


def refusal(path: Union[str, Path], what: str) -> Optional[str]:
    """None when the lab may open `path` (a file, a folder or a glob: every match counts);
    else one line saying where it may look instead."""
    allowed = roots()
    if allowed is None:
        return None
    text = str(path)
    if any(c in text for c in _MAGIC):
        prefix = Path(text.split("*")[0].split("?")[0].split("[")[0] or ".")
        paths = [Path(m) for m in glob.glob(os.path.expanduser(text), recursive=True)]
        ok = inside(prefix, allowed)
    else:
        paths, ok = [Path(text)], True
    if ok and all(inside(p, allowed) and not _links_out(p, allowed) for p in paths):
        return None
    where = ", ".join(str(r) for r in allowed)
    return (f"{what}: {text} is outside the folders this lab may open ({where}); "
            "pick a file there, or restart `rnnlab serve` with --data-root FOLDER")


def _links_out(path: Path, allowed: list[Path]) -> bool:
    """Whether a folder (a corpus can be one) holds a link that leads out of the allowed
    folders: only links can, everything else under an allowed folder is in it."""
    if not path.is_dir():
        return False
    for top, dirs, files in os.walk(path):
        for name in dirs + files:
            entry = Path(top) / name
            if entry.is_symlink() and not inside(entry, allowed):
                return True
    return False
