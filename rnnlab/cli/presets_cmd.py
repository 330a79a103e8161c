"""`rnnlab presets [NAME]`: list the shipped presets, or print one."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer


def presets_command(
    name: Annotated[Optional[str], typer.Argument(help="Print this preset's TOML.", show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable list (with NAME: the preset and its resolved config).")] = False,
) -> None:
    """List the presets, or show one."""
    from rnnlab import config, presets
    from rnnlab.cli.common import print_json

    if name is not None:
        path = presets.resolve(name)
        text = path.read_text(encoding="utf-8")
        if json_out:  # the file as written, and the full config it resolves to (defaults filled in)
            cfg = config.validate(config.read_toml(path), str(path))
            print_json({"name": path.stem, "path": str(path), "toml": text, "config": cfg.to_dict()})
            return
        sys.stdout.write(text)
        return
    rows = []
    for stem, path in presets.available().items():
        cfg = config.validate(config.read_toml(path), str(path))
        rows.append(
            {
                "name": stem,
                "cell": cfg.model.cell + ("+attn" if cfg.model.attention else ""),
                "task": cfg.task.kind,
                "hidden": cfg.model.hidden_size,
                "layers": cfg.model.num_layers,
                "steps": cfg.train.steps,
                "description": cfg.description,
                "path": str(path),
            }
        )
    if json_out:
        print_json(rows)
        return
    from rnnlab.tui.i18n import lang
    from rnnlab.tui.i18n_presets import description

    for r in rows:  # the table says it in the interface language; --json keeps the TOML's text
        r["description"] = description(r["name"], r["description"], lang())
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        from rnnlab.tui.i18n import t

        table = Table(*(t(h) for h in ("preset", "cell", "task", "size", "steps", "description")), box=None)
        for r in rows:
            table.add_row(r["name"], r["cell"], r["task"], f"{r['layers']}x{r['hidden']}", str(r["steps"]), r["description"])
        Console().print(table)
    else:
        width = max((len(r["name"]) for r in rows), default=6)
        for r in rows:
            print(f"{r['name']:<{width}}  {r['cell']:<11} {r['task']:<10} {str(r['layers']) + 'x' + str(r['hidden']):<7} {r['steps']:>6}  {r['description']}")


def register(app: typer.Typer) -> None:
    app.command("presets")(presets_command)
