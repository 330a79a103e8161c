"""The `rnnlab` command: typer app joining every command module.

Command modules import torch only inside their functions, so `rnnlab --help` and the TUI start
fast. Any `UserError`, and any usage error click finds in the command line (an unknown option, a
missing argument, a value of the wrong type), becomes one `error: ...` line on stderr and exit
code 2: click's own form is four lines (usage, hint, blank, error). A command that takes --json,
given it, also prints `{"error": "<the message>"}` on stdout (common.json_error).
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
def _root(
    ctx: typer.Context,
    runs_dir: RunsDirOpt = None,
    version: bool = typer.Option(False, "--version", help="Print rnnlab's version and exit.", is_eager=True),
) -> None:
    """Open the lab (the TUI) when no command is given."""
    if version:
        from rnnlab import __version__

        typer.echo(f"rnnlab {__version__}")
        raise typer.Exit()
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
    args = sys.argv[1:] if argv is None else argv
    try:
        # standalone_mode=False hands click's errors to us; `Exit(n)` comes back as n
        code = app(args=argv, prog_name="rnnlab", standalone_mode=False)
    except typer.TyperException as err:
        # typer's public base of its (vendored) click errors; a usage error carries its ctx
        if type(err).__name__ == "NoArgsIsHelpError":
            err.show()
        elif getattr(err, "ctx", None) is not None or type(err).__name__.endswith("Usage"):
            error(usage_line(err, args), asks_json(args))
        else:
            error(" ".join(err.format_message().split()), asks_json(args) and err.exit_code == 2)
        sys.exit(err.exit_code)
    except typer.Abort:
        sys.stderr.write("Aborted!\n")
        sys.exit(1)
    except UserError as err:
        error(str(err), asks_json(args))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as err:
        if not is_disk_full(err):
            raise
        # e.g. `rnnlab export RUN > file` on a full disk: the file is stdout
        where = err.filename or _stdout_path()
        try:
            error(str(disk_full(where, "output")), asks_json(args))
        except OSError:
            pass  # the full disk holds stdout: the line on stderr is out
        sys.exit(2)
    # as click's standalone mode did: the process (and a caller of main) sees SystemExit, 0 on success
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)


def asks_json(args: list[str]) -> bool:
    """Whether the command line gives --json (before any `--`) to a command that takes it: its
    user error then goes on stdout too, as JSON (`rnnlab rm RUN --json` has no JSON to keep)."""
    args = args[: args.index("--")] if "--" in args else args
    if "--json" not in args:
        return False
    try:
        cmd = typer.main.get_command(app)
        for a in args:  # down the groups (`rnnlab sweep show ID --json`) to the command named
            cmd = getattr(cmd, "commands", {}).get(a, cmd)
        return any("--json" in getattr(p, "opts", ()) for p in cmd.params)
    except Exception:  # no such command: click said so; a line on stderr is enough
        return False


def usage_line(err: typer.TyperException, args: list[str]) -> str:
    """`rnnlab train: No such option: --bogus (see 'rnnlab train --help')`: what was wrong, in
    which command, and where the right form is."""
    ctx = getattr(err, "ctx", None)
    where = ctx.command_path if ctx is not None else "rnnlab"
    if where == "rnnlab":  # an option's missing value is raised without its command's context
        commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
        where = next((f"rnnlab {a}" for a in args if a in commands), where)
    message = " ".join(err.format_message().split()).rstrip(".")
    return f"{where}: {message} (see '{where} --help')"


def _stdout_path() -> str:
    try:
        return os.readlink("/proc/self/fd/1")
    except OSError:
        return "standard output"
