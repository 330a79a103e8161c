"""`rnnlab diff A B [C ...]`: the config keys where runs differ (flat keys such as `train.lr`),
as a table or `--json`. The values come from each run's config.toml (rnnlab/runs/hparams.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from rnnlab.cli.common import RunsDirOpt, print_json


def diff_cmd(
    runs: Annotated[list[str], typer.Argument(help="Two or more runs: id, unique id prefix, name, or path.", show_default=False)],
    runs_dir: RunsDirOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show the config keys whose values differ between runs (the same keys are counted, not listed)."""
    from rnnlab.errors import UserError
    from rnnlab.runs import hparams
    from rnnlab.runs.paths import resolve_run, runs_root
    from rnnlab.runs.schema import read_names

    if len(runs) < 2:
        raise UserError(f"diff needs two or more runs, got {len(runs)}: rnnlab diff RUN_A RUN_B")
    root = runs_root(runs_dir)
    dirs = [resolve_run(root, r) for r in runs]
    # the keys a forecasting run left to its data, as it took them (window 24 against 104)
    flats, taken = zip(*[hparams.read_resolved(d) for d in dirs]) if dirs else ((), ())
    flats = list(flats)
    labels = []
    for d in dirs:
        try:
            name, config_name = read_names(d / "run.db")
        except UserError:
            name = config_name = None
        labels.append(name or config_name or d.name)
    changed = hparams.diff(flats)
    same = len({k for f in flats for k in f}) - len(changed)
    if json_out:
        print_json({
            "runs": [{"run_id": d.name, "name": n, "dir": str(d)} for d, n in zip(dirs, labels)],
            # TOML values are JSON values; `from_data`: which runs took that value from their data
            "differ": [{"key": k, "values": vals, "from_data": [k in t for t in taken]} for k, vals in changed],
            "same": same,
        })
        return
    from rich.cells import cell_len

    from rnnlab.tui.i18n import pad, t, tf

    if not changed:
        typer.echo(tf("the {n} runs have the same config ({same} keys)", n=len(dirs), same=same))
        return
    head = [t("key"), *labels]
    rows = [[k, *[("?" if v is None else hparams.fmt(v)) + t(" (data)") if k in tk else hparams.fmt(v) for v, tk in zip(vals, taken)]]
            for k, vals in changed]
    widths = [max(cell_len(str(r[j])) for r in [head, *rows]) for j in range(len(head))]  # in cells: names may be CJK
    for r in [head, *rows]:
        typer.echo("  ".join(pad(str(c), w) for c, w in zip(r, widths)).rstrip())
    missing = t("; – : the run has no such key") if any(v is None and k not in tk for k, vals in changed for v, tk in zip(vals, taken)) else ""
    missing += t("; (data): left to the data, as the run took it") if any(k in tk for k, _ in changed for tk in taken) else ""
    missing += t("; ?: a run made before that was recorded") if any(v is None and k in tk for k, vals in changed for v, tk in zip(vals, taken)) else ""
    typer.echo(tf("({same} other keys are the same{missing})", same=same, missing=missing))


def register(app: typer.Typer) -> None:
    app.command("diff")(diff_cmd)
