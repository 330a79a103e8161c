"""Shared bits of the typer commands: the runs-dir option, error output, JSON output."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

RunsDirOpt = Annotated[
    Optional[Path],
    typer.Option("--runs-dir", help="Runs root (default: $RNNLAB_RUNS_DIR or ./runs).", show_default=False),
]


NOTES_KEY = "notes"


def strict_json(obj: Any) -> Any:
    """`obj` with every NaN and infinity replaced by null, which JSON has (NaN is not JSON: a
    strict parser such as JavaScript's or jq's rejects the whole document). What was replaced is
    said in a `"notes"` list of the top-level object, or of each top-level list item that had
    one (e.g. `"runs[0].metrics.val_loss was NaN; written as null"`), so no key changes meaning."""
    if isinstance(obj, list):
        return [_with_notes(x) if isinstance(x, dict) else _clean(x, "", []) for x in obj]
    if isinstance(obj, dict):
        return _with_notes(obj)
    return _clean(obj, "", [])


def _with_notes(obj: dict) -> dict:
    notes: list[str] = []
    out = _clean(obj, "", notes)
    if notes:
        out[NOTES_KEY] = [*(out.get(NOTES_KEY) or []), *notes] if isinstance(out.get(NOTES_KEY), list) else notes
    return out


def _clean(x: Any, path: str, notes: list[str]) -> Any:
    if type(x).__module__ == "numpy" and hasattr(x, "item"):
        x = x.item()  # a numpy scalar: its Python number (a float32 is no float subclass)
    if isinstance(x, float) and not math.isfinite(x):
        notes.append(f"{path or 'value'} was {'NaN' if math.isnan(x) else repr(x)}; written as null")
        return None
    if isinstance(x, dict):
        return {k: _clean(v, f"{path}.{k}" if path else str(k), notes) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v, f"{path}[{i}]", notes) for i, v in enumerate(x)]
    return x


def csv_number(v: float) -> str:
    """A value as a forecast CSV writes it: ten significant digits, in plain notation from 1e-4 to
    1e10 (`1359301.234`, not `1.3593e+06`, which kept six and lost the units a forecaster sums)."""
    return f"{v:.10g}"


def print_json(obj: Any) -> None:
    """Print `obj` as one line of strict JSON (see `strict_json`)."""
    sys.stdout.write(json_text(obj))
    sys.stdout.flush()


def json_text(obj: Any) -> str:
    """`obj` as one line of strict JSON (see `strict_json`), as print_json prints it."""
    return json.dumps(strict_json(obj), indent=None, default=str, allow_nan=False) + "\n"


def error(message: str, json_out: bool = False) -> None:
    """One user-error line on stderr: `error: <message>`, in the interface language (under
    RNNLAB_LANG=zh `错误: ` and the message's known phrases in Chinese; rnnlab/tui/i18n_errors.py);
    with `json_out` (the command was given --json) also `{"error": "<message>"}` on stdout."""
    from rnnlab.tui.i18n_errors import error_line

    sys.stderr.write(error_line(message) + "\n")
    sys.stderr.flush()
    if json_out:
        json_error(message)


def json_error(message: str) -> None:
    """A --json command's user error (exit code 2) as the one object on stdout: `{"error":
    "<message>"}`, the stderr line's message in English (every --json is the same in both
    languages). A script that parses stdout got an empty string before (an outside trial)."""
    print_json({"error": message})
