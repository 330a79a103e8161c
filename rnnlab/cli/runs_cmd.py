"""`rnnlab runs`: the runs of a runs root, newest first, as a table (plain aligned text in a
pipe, so `rnnlab runs | grep lstm` works) or `--json` (one record per run, the shape of
`RunInfo.to_dict()` plus `checkpoints`). `--filter` keeps the runs that match the lab's `/`
filter grammar (rnnlab/tui/runfilter.py), so a filter typed in the lab works here as it is.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt, print_json
from rnnlab.cli.render import (
    age, best_text, checkpoints_kept, kept_short, short_note, short_task, step_text, table, test_text,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
FilterOpt = Annotated[Optional[str], typer.Option(
    "--filter", help="Only the runs this matches, in the lab's `/` filter grammar: words, name: cell: task: "
    "status: tag: sweep:, -word, and metric/config comparisons, e.g. 'lr>1e-3 val_bpc<2 cell:gru'.",
    show_default=False)]


def runs_cmd(runs_dir: RunsDirOpt = None, json_out: JsonOpt = False, filter_text: FilterOpt = None) -> None:
    """List runs, newest first."""
    from rnnlab.runs.paths import runs_root
    from rnnlab.runs.store import list_runs

    root = runs_root(runs_dir)
    every = list_runs(root)
    infos = every if filter_text is None else _filtered(root, every, filter_text)
    if json_out:  # the same records, fewer of them with --filter
        print_json([{**i.to_dict(), "checkpoints": checkpoints_kept(i)} for i in infos])
        return
    from rnnlab.tui.i18n import t, tf  # the words in the interface language; the ids, metrics and paths as typed

    if not infos:
        print(tf("no runs match --filter {filter!r} ({n} in {root})", filter=filter_text, n=len(every), root=root) if every
              else tf("no runs in {root}; start one with `rnnlab train --detach` (or open the lab: `rnnlab`)", root=root))
        return
    rows = [
        [i.run_id, i.name or "-", i.cell or "-", short_task(i.task), t(i.status), step_text(i), best_text(i), age(i.created),
         test_text(i), kept_short(checkpoints_kept(i)), " ".join(i.tags) or "-", short_note(i.note)]
        for i in infos
    ]
    # new columns go last: scripts that cut the plain table by position keep working
    table([t(h) for h in COLUMNS], rows)
    for i in infos:
        if i.status in ("corrupt", "busy"):
            print(tf("warning: {message}", message=i.message), file=sys.stderr)


COLUMNS = ("id", "name", "cell", "task", "status", "step", "best", "age", "test", "checkpoints", "tags", "note")


def _filtered(root: Path, infos: list, text: str) -> list:
    from rnnlab.runs.hparams import HParams
    from rnnlab.sweeps.record import list_sweeps
    from rnnlab.tui.runfilter import select

    flats = HParams()
    return select(infos, text, lambda i: flats.of(i.dir), {r.sweep_id: r.name for r in list_sweeps(root)})
