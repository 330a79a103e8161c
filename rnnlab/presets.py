"""Where presets live and how a name becomes a file.

Presets are the TOML files in the repository's `presets/` folder; a wheel carries them as
`rnnlab/_presets/` (see pyproject's force-include), so `rnnlab train lstm-char` works from
either. An argument that is an existing path wins over a preset of the same name.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from rnnlab.errors import UserError

_PKG = Path(__file__).resolve().parent


def presets_dir() -> Path:
    """The folder holding the shipped presets (installed wheel first, then the source tree)."""
    for cand in (_PKG / "_presets", _PKG.parent / "presets"):
        if cand.is_dir():
            return cand
    return _PKG / "_presets"


def available() -> dict[str, Path]:
    """Preset name -> file, sorted by name."""
    d = presets_dir()
    return {p.stem: p for p in sorted(d.glob("*.toml"))} if d.is_dir() else {}


def resolve(preset_or_file: str) -> Path:
    """A preset name (`lstm-char`) or a path to a TOML (or, for `train`, a CSV) file -> an existing file."""
    path = Path(preset_or_file).expanduser()
    if path.is_file():
        return path
    names = available()
    stem = preset_or_file[:-5] if preset_or_file.endswith(".toml") else preset_or_file
    if stem in names:
        return names[stem]
    if path.suffix.lower() in (".toml", ".csv", ".tsv") or "/" in preset_or_file:
        raise UserError(f"{preset_or_file}: no such file")
    close = difflib.get_close_matches(stem, list(names), n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise UserError(
        f"{preset_or_file!r} is neither a preset nor a file{hint}; presets: {', '.join(names) or 'none'}"
    )


def default_name() -> str:
    """The preset the lab and README quick start use."""
    return "lstm-char"
