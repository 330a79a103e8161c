"""Where runs live and how a user's RUN argument (id, unique id prefix, name, or path) becomes a
run directory. Names are looked up, never joined onto the root, so a name cannot escape it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Optional, Union

from rnnlab.errors import UserError

DB_NAME = "run.db"
CONFIG_NAME = "config.toml"
LOG_NAME = "worker.log"
CHECKPOINTS = "checkpoints"

# Run ids are `<YYYYmmdd-HHMMSS>-<4 hex>`; names are a single, tame path component.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")


def runs_root(value: Union[Path, str, None] = None) -> Path:
    """The runs root: `value`, else $RNNLAB_RUNS_DIR, else ./runs."""
    if value is not None and str(value) != "":
        return Path(value).expanduser()
    env = os.environ.get("RNNLAB_RUNS_DIR")
    if env:
        return Path(env).expanduser()
    return Path("runs")


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and (path / DB_NAME).is_file()


def list_run_dirs(root: Union[Path, str]) -> list[Path]:
    """Run directories under `root`, newest first (ids start with their creation time)."""
    root = Path(root)
    if not root.is_dir():
        return []
    dirs = [p for p in root.iterdir() if not p.name.startswith(".") and is_run_dir(p)]
    return sorted(dirs, key=_created_key, reverse=True)


def _created_key(run_dir: Path) -> tuple[str, int]:
    # The id's timestamp has one-second resolution; config.toml, written once at creation,
    # orders runs created within the same second.
    try:
        ns = (run_dir / CONFIG_NAME).stat().st_mtime_ns
    except OSError:
        ns = 0
    return run_dir.name[:15], ns


def check_name(name: str) -> str:
    """A run name must be one plain path component: letters, digits, '.', '_', '+', '-'."""
    if "/" in name or "\\" in name or ".." in name or not _NAME_RE.match(name):
        raise UserError(
            f"run name {name!r} is not allowed: use 1-100 letters, digits, '.', '_', '+' or '-', "
            "starting with a letter or digit, no path separators and no '..'"
        )
    return name


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.startswith((".", "~"))


def resolve_run(root: Union[Path, str], ref: str) -> Path:
    """A run id, unique id prefix, name, or path -> the run directory, or one UserError line."""
    root = Path(root)
    ref = str(ref).strip()
    if not ref:
        raise UserError("empty run reference; give a run id, id prefix, name or path (see `rnnlab runs`)")
    if _looks_like_path(ref):
        path = Path(ref).expanduser()
        if is_run_dir(path):
            return path
        raise UserError(f"{ref}: not a run directory (no {DB_NAME} in it)")
    dirs = list_run_dirs(root)
    for d in dirs:
        if d.name == ref:
            return d
    named = _by_name(dirs, ref)
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise _ambiguous(ref, root, named, "give its id")
    prefixed = [d for d in dirs if d.name.startswith(ref)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise _ambiguous(ref, root, prefixed, "give more of the id")
    raise UserError(f"no run {ref!r} in {root} (no id, id prefix or name matches); see `rnnlab runs`")


def _ambiguous(ref: str, root: Path, matches: list[Path], fix: str) -> UserError:
    """One error for a name or id prefix that fits several runs, newest first."""
    shown = ", ".join(d.name for d in matches[:8]) + (" ..." if len(matches) > 8 else "")
    return UserError(f"run {ref!r} is ambiguous in {root}: matches {shown}; {fix}")


def shown_name(name: Optional[str], cfg_name: Optional[str]) -> Optional[str]:
    """The name a run is listed and found by: its own, else its config's (runs made before
    automatic names were made unique have only the latter)."""
    return name or cfg_name


def _by_name(dirs: list[Path], ref: str) -> list[Path]:
    """Runs listed under the name `ref` (an explicit name, or the config name of a run without
    one). Several is ambiguous: picking one silently would act on a run the user did not mean."""
    from rnnlab.runs.schema import read_names

    out = []
    for d in dirs:
        try:
            name, cfg_name = read_names(d / DB_NAME)
        except UserError:
            continue  # a corrupt run cannot be found by name; its id still works
        if shown_name(name, cfg_name) == ref:
            out.append(d)
    return out


def taken_names(root: Union[Path, str]) -> set[str]:
    """Every name a run in `root` is listed under."""
    from rnnlab.runs.schema import read_names

    out = set()
    for d in list_run_dirs(root):
        try:
            name = shown_name(*read_names(d / DB_NAME))
        except UserError:
            continue
        if name:
            out.add(name)
    return out


def unique_name(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first not in `taken`; `base` made a valid name first."""
    base = re.sub(r"[^A-Za-z0-9._+-]+", "-", base).strip("-.")[:90] or "run"
    if not base[0].isalnum():
        base = "run-" + base
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def checkpoint_steps(run_dir: Union[Path, str]) -> list[int]:
    """Steps of the run's complete checkpoints, oldest first, read from the directory names
    (`checkpoints/step-00001200/`, the layout train/checkpoint.py writes) without torch."""
    root = Path(run_dir) / CHECKPOINTS
    if not root.is_dir():
        return []
    return sorted(int(p.name[5:]) for p in root.iterdir() if p.name.startswith("step-") and p.name[5:].isdigit() and p.is_dir())


def new_run_id(now: Optional[float] = None) -> str:
    import secrets
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    return f"{stamp}-{secrets.token_hex(2)}"
