"""Shared bits of the typer commands: the runs-dir option, error output, JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

RunsDirOpt = Annotated[
    Optional[Path],
    typer.Option("--runs-dir", help="Runs root (default: $RNNLAB_RUNS_DIR or ./runs).", show_default=False),
]


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=None, default=str) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
