"""The `rnnlab` command: typer app joining every command module.

Command modules import torch only inside their functions, so `rnnlab --help` and the TUI start
fast. Any `UserError` becomes one `error: ...` line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer

from rnnlab.cli.common import RunsDirOpt, error
from rnnlab.errors import UserError, disk_full, is_disk_full

app = typer.Typer(
    name="rnnlab",
    help="A terminal lab for recurrent neural networks. Run with no command to open the lab.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context, runs_dir: RunsDirOpt = None) -> None:
    """Open the lab (the TUI) when no command is given."""
    if ctx.invoked_subcommand is not None:
        if runs_dir is not None:
            # `rnnlab --runs-dir D runs` means the same as `rnnlab runs --runs-dir D`
            os.environ["RNNLAB_RUNS_DIR"] = str(runs_dir)
        return
    from rnnlab.cli.lab import open_lab

    open_lab(runs_dir)


def _register() -> None:
    from rnnlab.cli import data, diff_cmd, generate, inspect_cmd, lessons_cmd, manage, presets_cmd, serve, sweep, system_cmd, train

    for module in (train, presets_cmd, generate, manage, diff_cmd, data, sweep, lessons_cmd, inspect_cmd, serve, system_cmd):
        module.register(app)


_register()


def main(argv: Optional[list[str]] = None) -> None:
    try:
        app(args=argv, prog_name="rnnlab")
    except UserError as err:
        error(str(err))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as err:
        if not is_disk_full(err):
            raise
        # e.g. `rnnlab export RUN > file` on a full disk: the file is stdout
        where = err.filename or _stdout_path()
        error(str(disk_full(where, "output")))
        sys.exit(2)


def _stdout_path() -> str:
    try:
        return os.readlink("/proc/self/fd/1")
    except OSError:
        return "standard output"
