"""Run management commands: `runs` (rnnlab/cli/runs_cmd.py), `show` (rnnlab/cli/show_cmd.py), `stop`, `pause`, `resume`, `rm`, `logs`, `compare`,
`export`, `tag`, `note`. Each parses, asks `rnnlab.runs` one thing and prints it through
render.py: rich tables on a terminal, plain aligned text in a pipe (so `rnnlab runs | grep lstm`
works), plots via plotext.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt, print_json
from rnnlab.cli.render import best_text, fmt, plot, short_task, step_text, table
from rnnlab.errors import UserError

RunArg = Annotated[str, typer.Argument(help="Run id, unique id prefix, name, or path.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


# ---------------------------------------------------------------------- helpers


def _resolve(runs_dir: Optional[Path], ref: str) -> Path:
    from rnnlab.runs.paths import resolve_run, runs_root

    return resolve_run(runs_root(runs_dir), ref)


def _info(run_dir: Path):
    from rnnlab.runs.store import read_info

    return read_info(run_dir)


# ---------------------------------------------------------------------- commands


def _send(runs_dir: Optional[Path], run: str, command: str, verb: str) -> None:
    from rnnlab.runs.store import send_command

    run_dir = _resolve(runs_dir, run)
    info = _info(run_dir)
    if not info.live:
        raise UserError(f"run {info.run_id} is {info.status}; there is nothing to {verb}")
    send_command(run_dir, command)
    from rnnlab.tui.i18n import tf

    asked = {"stop": "asked run {run} to stop", "pause": "asked run {run} to pause"}[verb]
    print(tf(asked, run=info.run_id) + (tf(" (worker pid {pid})", pid=info.pid) if info.pid else ""))


def stop_cmd(run: RunArg, runs_dir: RunsDirOpt = None) -> None:
    """Stop a run gracefully: it checkpoints, then exits (`rnnlab resume` continues it)."""
    _send(runs_dir, run, "stop", "stop")


def pause_cmd(run: RunArg, runs_dir: RunsDirOpt = None) -> None:
    """Pause a run: the worker keeps its state and stops stepping."""
    _send(runs_dir, run, "pause", "pause")


def resume_cmd(
    run: RunArg,
    runs_dir: RunsDirOpt = None,
    queue: Annotated[bool, typer.Option("--queue", help="Wait for a free device slot.")] = False,
    set_: Annotated[
        Optional[list[str]],
        typer.Option("--set", "-s", metavar="SECTION.KEY=VALUE",
                     help="Change a [train] or [probes] key first, e.g. --set train.lr=1e-4 for a diverged run.",
                     show_default=False),
    ] = None,
) -> None:
    """Resume a paused run, or continue a stopped/crashed/diverged one from its last checkpoint."""
    from rnnlab.runs import launch

    print(_resumed(launch.resume(_resolve(runs_dir, run), queue=queue, overrides=set_ or [])))


def _resumed(r) -> str:
    """`Resumed.describe()` (rnnlab/runs/launch.py) in the interface language: the same sentence,
    built here from its fields under RNNLAB_LANG=zh (runs/ keeps no interface words)."""
    from rnnlab.tui.i18n import lang, tf

    if lang() == "en":
        return r.describe()
    if r.pid is None:
        return tf("asked run {run} to resume", run=r.run_id)
    if r.from_step is None:
        return tf("run {run} resumes from step 0 (it has no checkpoint yet) in the background (pid {pid})",
                  run=r.run_id, pid=r.pid)
    return tf("run {run} resumes from its checkpoint at step {step} in the background (pid {pid})",
              run=r.run_id, step=r.from_step, pid=r.pid)


def rm_cmd(
    runs: Annotated[list[str], typer.Argument(help="Run ids, prefixes, names or paths.", show_default=False)],
    runs_dir: RunsDirOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Also remove live runs (their worker is killed).")] = False,
) -> None:
    """Delete runs and everything in their directories."""
    from rnnlab.runs import launch
    from rnnlab.runs.reader import corrupt_info

    targets = []
    for ref in runs:
        run_dir = _resolve(runs_dir, ref)
        try:
            info = _info(run_dir)
        except UserError as err:
            info = corrupt_info(run_dir, err)
        if info.live and not force:
            raise UserError(f"run {info.run_id} is {info.status}; stop it first (`rnnlab stop {info.run_id}`) or use --force")
        targets.append((run_dir, info))
    from rnnlab.tui.i18n import tf

    listing = ", ".join(i.run_id + (f" ({i.name})" if i.name else "") for _, i in targets)
    if not yes and not typer.confirm(tf("delete {listing}?", listing=listing), default=False):
        raise typer.Exit(1)
    for run_dir, info in targets:
        if info.live and info.pid and info.host == socket.gethostname():
            try:
                os.kill(info.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        launch.remove_run(run_dir)
        print(tf("removed {run}", run=info.run_id))


def logs_cmd(
    run: RunArg,
    runs_dir: RunsDirOpt = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines while the run is live.")] = False,
) -> None:
    """Print the worker's log."""
    from rnnlab.runs.paths import LOG_NAME

    run_dir = _resolve(runs_dir, run)
    path = run_dir / LOG_NAME
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None

    def emit(data: bytes) -> None:
        if out is not None:
            out.write(data)
            out.flush()
        else:
            sys.stdout.write(data.decode("utf-8", "replace"))

    pos = 0
    if path.is_file():
        with open(path, "rb") as f:
            data = f.read()
        emit(data)
        pos = len(data)
    elif not follow:
        from rnnlab.tui.i18n import tf

        print(tf("(no log yet: {path}; a run trained in the foreground (`rnnlab train` without --detach) "
                 "printed its output in that terminal)", path=path), file=sys.stderr)
    if not follow:
        return
    while True:
        live = _info(run_dir).live
        if path.is_file():
            with open(path, "rb") as f:
                f.seek(pos)
                data = f.read()
            if data:
                emit(data)
                pos += len(data)
                continue
        if not live:
            return
        time.sleep(0.3)


def compare_cmd(
    runs: Annotated[list[str], typer.Argument(help="Two to 20 runs.", show_default=False)],
    runs_dir: RunsDirOpt = None,
    metric: Annotated[Optional[str], typer.Option("--metric", "-m", help="Metric to overlay (default: the first run's primary metric).")] = None,
    x_axis: Annotated[str, typer.Option("--x-axis", "-x", help="step, wall (minutes since the run's first point) or tokens (tokens seen).")] = "step",
    align: Annotated[Optional[str], typer.Option("--align", metavar="METRIC",
                                                 help="Shift each run so that 0 is where it reached its best (lowest) METRIC, e.g. val_loss.")] = None,
    sort: Annotated[Optional[str], typer.Option("--sort", metavar="COLUMN", help="Sort the table by a column (its header, e.g. best, loss, val_mse).")] = None,
    desc: Annotated[bool, typer.Option("--desc", help="With --sort: largest first.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Overlaid curves and a table of final metrics."""
    from rnnlab.runs.axes import X_AXES, X_LABELS, best_index, tokens_per_step
    from rnnlab.runs.store import RunReader

    if x_axis not in X_AXES:
        raise UserError(f"--x-axis {x_axis!r} is not an axis; use one of {', '.join(X_AXES)}")
    dirs = list(dict.fromkeys(_resolve(runs_dir, ref) for ref in runs))
    if len(dirs) < 2:  # one run, or the same run named twice: nothing to compare it with
        raise UserError(f"compare needs two or more different runs, got {len(dirs)}"
                        + (f" ({len(runs)} names for it)" if len(runs) > 1 else "") + ": rnnlab compare RUN_A RUN_B")
    if len(dirs) > MAX_COMPARE:
        raise UserError(f"compare takes at most {MAX_COMPARE} runs ({len(dirs)} given): more curves than that cannot be told apart; "
                        "pick the ones to compare (`rnnlab runs`, or / and tags in the lab)")
    if desc and not sort:
        raise UserError("--desc orders the table by --sort COLUMN; give the column too, e.g. --sort best --desc")
    data, recorded = [], set()
    for d in dirs:
        with RunReader(d) as r:
            info = r.info()
            names = r.scalar_names()
            recorded.update(names)
            want = [n for n in dict.fromkeys([metric or info.primary_metric, "loss", align]) if n and n in names]
            data.append((info, _config(d) if x_axis == "tokens" else None, {n: r.series(n) for n in want}))
    chosen = metric or next((i.primary_metric for i, _, _ in data if i.primary_metric), "loss")
    have = ", ".join(sorted(recorded)) or "none yet"
    if metric and not any(metric in s for _, _, s in data):
        raise UserError(f"no run among {', '.join(i.run_id for i, _, _ in data)} has metric {metric!r}; they record: {have}")
    if align and not any(align in s for _, _, s in data):
        raise UserError(f"--align {align}: no run among {', '.join(i.run_id for i, _, _ in data)} has metric {align!r}; "
                        f"they record: {have}")
    val_keys = sorted({k for i, _, _ in data for k in i.latest if k.startswith("val_")})
    headers = ["id", "name", "cell", "task", "status", "step", "params", "best", "loss", *val_keys, "tokens/s"]
    if sort and sort not in headers:
        raise UserError(f"--sort {sort!r} is not a column; use one of {', '.join(headers)}")
    rows = [
        [i.run_id, i.name or "-", i.cell or "-", short_task(i.task), i.status, step_text(i), f"{i.params:,}" if i.params else "-", best_text(i),
         fmt(i.latest.get("loss")), *(fmt(i.latest.get(k)) for k in val_keys),
         "-" if i.tokens_per_s is None else f"{i.tokens_per_s:,.0f}"]
        for i, _, _ in data
    ]
    if sort:
        from rnnlab.tui.tablesort import sort_rows

        rows = sort_rows(rows, headers.index(sort), desc, numeric=sort not in ("id", "name", "cell", "task", "status"))
    if json_out:  # in the table's order (--sort)
        by_id = {i.run_id: i for i, _, _ in data}
        print_json([by_id[row[0]].to_dict() for row in rows])
        return

    def xs(info, cfg, series) -> Optional[list]:
        steps, walls, _ = series
        if x_axis == "wall":
            return [(w - walls[0]) / 60.0 for w in walls]
        if x_axis == "tokens":
            per = tokens_per_step(info.latest, cfg)
            return None if per is None else [s * per for s in steps]
        return list(steps)

    from rnnlab.tui.i18n import t, tf  # the words in the interface language; ids, metrics and numbers as typed

    label = t(X_LABELS[x_axis]) + (tf(" from best {align}", align=align) if align else "")
    for name in dict.fromkeys([chosen, "loss"]):
        series, left = [], []  # left: the runs this plot cannot show, and why (said under it)
        for i, cfg, s in data:
            if name not in s:
                left.append(tf("{run} (no {metric})", run=_label(i), metric=name))
                continue
            x = xs(i, cfg, s[name])
            if x is None:
                left.append(tf("{run} (tokens per step unknown)", run=_label(i)))
                continue
            if align:
                at = best_index(s[align][2]) if align in s else None
                if at is None:
                    left.append(tf("{run} (no {align} to align at yet)", run=_label(i), align=align))
                    continue
                # the best point's place on this axis, found through its step
                steps = list(s[name][0])
                step = s[align][0][at]
                k = min(range(len(steps)), key=lambda j: abs(steps[j] - step))
                x = [v - x[k] for v in x]
            series.append((_label(i), x, s[name][2]))
        if series:
            print(plot(name, series, xlabel=label))
        if left:
            print(tf("{metric}: not plotted: ", metric=name) + ", ".join(left))
        if series or left:
            print()
    # the statuses in words of the interface language after --sort (which sorts the store's words)
    words = ("id", "name", "cell", "task", "status", "step", "params", "best", "tokens/s")  # metric names stay as typed
    table([t(h) if h in words else h for h in headers], [[*r[:4], t(r[4]), *r[5:]] for r in rows])


MAX_COMPARE = 20


def _config(run_dir: Path):
    """The run's resolved config (for its batch and sequence length), or None if unreadable."""
    from rnnlab.config import read_toml, validate
    from rnnlab.runs.paths import CONFIG_NAME

    try:
        return validate(read_toml(run_dir / CONFIG_NAME), str(run_dir))
    except Exception:
        return None


def _label(info) -> str:
    return info.name or info.run_id


def export_cmd(
    run: RunArg,
    runs_dir: RunsDirOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-F", help="csv, jsonl or tensorboard.")] = "csv",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File (csv/jsonl; default stdout) or folder (tensorboard; default RUN/tensorboard).")] = None,
    include: Annotated[Optional[str], typer.Option("--include", metavar="probes,samples,meta",
                                                   help="jsonl only: also the probe vectors (gradient flow, gates, hidden and layer norms) and/or the task outputs (samples, forecasts, predictions), one row each with a 'data' field; meta: a first row with the run's id, name, tags and note.")] = None,
) -> None:
    """Export every metric point (one row per point, with its step)."""
    from rnnlab.runs import export

    run_dir = _resolve(runs_dir, run)
    if fmt not in export.FORMATS:
        raise UserError(f"--format {fmt!r} is not supported; expected one of {', '.join(export.FORMATS)}")
    parts = export.parse_include(include)
    if parts and fmt != "jsonl":
        raise UserError(f"--include {include} needs --format jsonl (a {fmt} row holds one number)")
    if fmt == "tensorboard":
        logdir = output or run_dir / "tensorboard"
        n = export.write_tensorboard(run_dir, logdir)
        from rnnlab.tui.i18n import tf

        print(tf("wrote {n} points to {logdir} (tensorboard --logdir {logdir})", n=n, logdir=logdir), file=sys.stderr)
        return
    if output is None:
        if fmt == "csv":
            export.write_csv(run_dir, sys.stdout)
        else:
            export.write_jsonl(run_dir, sys.stdout, parts)
        sys.stdout.flush()  # a write error (a full disk under `> file`) surfaces here, not at exit
        return
    n = export.write_file(run_dir, fmt, output, parts)
    from rnnlab.tui.i18n import tf

    print(tf("wrote {n} points to {output}", n=n, output=output), file=sys.stderr)


def tag_cmd(
    run: RunArg,
    tags: Annotated[Optional[list[str]], typer.Argument(help="Tags to add (or remove with --remove); none: print the run's tags.",
                                                        show_default=False)] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the given tags instead of adding them.")] = False,
    runs_dir: RunsDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Tag a run (`rnnlab tag RUN baseline lr=1e-3`); the lab filters by tag with `/ tag:NAME`."""
    from rnnlab.runs import notes

    run_dir = _resolve(runs_dir, run)
    if tags:
        # `a,b` is two tags, as typed in the lab's `t` prompt; '' is still an error
        tags = [t for arg in tags for t in (notes.split_tags(arg) or [notes.check_tag(arg)])]
        new = notes.tag(run_dir, remove=tags) if remove else notes.tag(run_dir, add=tags)
    else:
        new = _info(run_dir).tags
    if json_out:
        print_json({"run_id": run_dir.name, "tags": new})
    else:
        from rnnlab.tui.i18n import t

        print(f"{run_dir.name}: " + (" ".join(new) if new else t("(no tags)")))


def note_cmd(
    run: RunArg,
    text: Annotated[Optional[list[str]], typer.Argument(help="The note (words are joined by spaces); '' removes it; none: print it.",
                                                        show_default=False)] = None,
    runs_dir: RunsDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a note on a run (`rnnlab note RUN "lr too high, see step 800"`), shown by runs/show and the lab."""
    from rnnlab.runs import notes

    run_dir = _resolve(runs_dir, run)
    note = notes.set_note(run_dir, " ".join(text)) if text is not None else _info(run_dir).note
    if json_out:
        print_json({"run_id": run_dir.name, "note": note})
    else:
        from rnnlab.tui.i18n import t

        print(f"{run_dir.name}: " + (note or t("(no note)")))


def register(app: typer.Typer) -> None:
    from rnnlab.cli.runs_cmd import runs_cmd
    from rnnlab.cli.show_cmd import show_cmd

    app.command("runs")(runs_cmd)
    app.command("show")(show_cmd)
    app.command("stop")(stop_cmd)
    app.command("pause")(pause_cmd)
    app.command("resume")(resume_cmd)
    app.command("rm")(rm_cmd)
    app.command("logs")(logs_cmd)
    app.command("compare")(compare_cmd)
    app.command("export")(export_cmd)
    app.command("tag")(tag_cmd)
    app.command("note")(note_cmd)
