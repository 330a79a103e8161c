"""`rnnlab neurons` (which units track which feature of a text; LSTMVis span search) and
`rnnlab attention` (attention weights over a text). The work is in `rnnlab/inspect/`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt, print_json
from rnnlab.errors import UserError

RunArg = Annotated[str, typer.Argument(help="Run id, unique prefix, name or directory.")]
StyleOpt = Annotated[Optional[str], typer.Option("--style", help="For a style-conditioned run: the style to read the text in (default: its first, named in the output).")]
CheckpointOpt = Annotated[str, typer.Option("--checkpoint", "-c", metavar="best|last", help="Which checkpoint to load: best (by the run's primary val metric) or last.")]


def _colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _width() -> int:
    return shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100


def _print(text) -> None:
    from rich.console import Console

    Console(file=sys.stdout, highlight=False, width=max(40, _width()), no_color=not _colour(),
            color_system="truecolor" if _colour() else None, force_terminal=_colour()).print(text, soft_wrap=True)


def _load(run: str, runs_dir: Optional[Path], which: str, command: str):
    from rnnlab.inspect.loader import a_kind, load_run

    loaded = load_run(run, "cpu", runs_dir, which)
    if not loaded.is_text:
        kind = loaded.config.task.kind
        hint = (" (a time-series run's units are in the lab's Neurons screen, key N on its dashboard)"
                if kind == "timeseries" else "")
        raise UserError(f"run {loaded.run_dir.name} is {a_kind(kind)} run; `rnnlab {command}` needs a text run{hint}")
    return loaded


def _read_text(text: Optional[str], file: Optional[Path]) -> str:
    if (text is None) == (file is None):
        raise UserError("give the text to read with --text TEXT or --file F (one of them)")
    if file is None:
        if not text:
            raise UserError("--text is empty; give some text to read")
        return text.replace("\\n", "\n") if "\n" not in text and "\\n" in text else text
    try:
        body = file.read_text(encoding="utf-8")
        if not body:
            raise UserError(f"--file {file} is empty; give a file with some text")
        return body
    except OSError as err:
        raise UserError(f"--file {file}: cannot read it ({err.strerror})") from None
    except UnicodeDecodeError:
        raise UserError(f"--file {file}: not UTF-8 text") from None


def _pick_style(loaded, style: Optional[str]) -> Optional[str]:
    """The style a conditioned run reads the text in (`--style`, else its default, the first),
    set as the model's default; None for a run without styles. A bad name: one UserError line."""
    sid = loaded.task.style_id(style) if hasattr(loaded.task, "style_id") else None
    if not getattr(loaded.task, "conditioned", False):
        return None
    if sid is not None:
        loaded.model.style = sid
    return loaded.task.styles[loaded.model.style]


def _say_unknown(loaded, body: str) -> None:
    """On stderr, what of the text the run cannot read as given: characters a char run drops,
    words a word run reads as `<unk>` (the text shown is then not the text typed)."""
    from rnnlab.tui.i18n import lang, tf

    en = lang() == "en"  # English as it always read (its plurals)
    dropped = loaded.unknown(body)
    if dropped:
        shown = ", ".join(repr(c) for c in dropped)
        typer.echo(f"-- dropped {len(dropped)} character{'s' if len(dropped) > 1 else ''} not in the run's vocabulary: {shown}"
                   if en else tf("-- dropped {n} characters not in the run's vocabulary: {shown}", n=len(dropped), shown=shown),
                   err=True)
    unknown = loaded.task.unknown_words(body) if hasattr(loaded.task, "unknown_words") else []
    if unknown:
        shown = ", ".join(repr(w) for w in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        typer.echo(f"-- {len(unknown)} word{'s' if len(unknown) > 1 else ''} not in the run's vocabulary read as <unk>: {shown}"
                   if en else tf("-- {n} words not in the run's vocabulary read as <unk>: {shown}", n=len(unknown), shown=shown),
                   err=True)


def _key(state: str, colour: bool):
    """shade.key() (`key: ░▒▓  low → high per unit, centre 0`), its words in the interface language
    (rnnlab/inspect must not import the lab's words): the ramp kept, the words around it swapped."""
    from rich.text import Text

    from rnnlab.inspect.shade import centre, key
    from rnnlab.tui.i18n import lang, t, tf

    out = key(state, colour)
    if lang() == "en":
        return out
    head, tail = len("key: "), out.plain.index("  low → high")
    zh = Text(t("key: "), style="dim")
    zh.append_text(out[head:tail])
    zh.append(tf("  low → high per unit, centre {c}", c=f"{centre(state):g}"), style="dim")
    return zh


def neurons(
    run: RunArg,
    text: Annotated[Optional[str], typer.Option("--text", help="The text to read (\\n for a newline).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="Read the text from this file.")] = None,
    layer: Annotated[int, typer.Option("--layer", help="Recurrent layer (0 is the lowest).")] = 0,
    state: Annotated[str, typer.Option("--state", help="h, c (LSTM), or a gate: i f g o (LSTM), r z n (GRU).")] = "h",
    unit: Annotated[Optional[list[int]], typer.Option("--unit", "-u", help="Show this unit (repeatable); default: the top units by |r|.")] = None,
    top: Annotated[int, typer.Option("--top", "-k", help="How many units to show.")] = 5,
    span: Annotated[Optional[str], typer.Option("--span", metavar="A:B", help="Find the units on throughout characters A..B-1 and off around them, and where else in the validation text they fire together.")] = None,
    threshold: Annotated[Optional[float], typer.Option("--threshold", help="'On' means above this (default 0.5 for sigmoid gates, 0.3 otherwise).")] = None,
    style: StyleOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the activations and correlations as JSON.")] = False,
    runs_dir: RunsDirOpt = None,
    which: CheckpointOpt = "best",
) -> None:
    """Which units of a text run track which feature of a text (quotes, brackets, indentation,
    line position...), each character shaded by the unit's activation."""
    from rnnlab.inspect import neurons as nx
    from rnnlab.inspect.activations import STATE_NAMES, check_choice

    body = _read_text(text, file)
    loaded = _load(run, runs_dir, which, "neurons")
    check_choice(loaded.model, layer, state, loaded.run_dir.name)
    style_name = _pick_style(loaded, style)
    _say_unknown(loaded, body)
    doc = nx.report(loaded, body, layer=layer, state=state, units=unit or [], top=top, span=span, threshold=threshold)
    if style_name is not None:
        doc["style"] = style_name
    if json_out:
        print_json(doc)
        return
    from rich.text import Text

    from rnnlab.inspect.shade import shaded

    from rnnlab.cli.render import checkpoint_words
    from rnnlab.tui.i18n import lang, t, tf

    en = lang() == "en"
    colour = _colour()
    n = len(doc["text"])
    typer.echo(tf("run {run} ({checkpoint}): layer {layer}, {state} ({name}), {style}{n} characters", run=loaded.run_dir.name,
                  checkpoint=checkpoint_words(loaded.checkpoint), layer=layer, state=state, name=t(STATE_NAMES[state]),
                  style=tf("style {style}, ", style=style_name) if style_name else "", n=n))
    sp = doc.get("span")
    if sp is not None:
        units = len(sp["units"])
        typer.echo(tf("span {a}:{b} {text}, threshold {threshold}: ", a=sp["start"], b=sp["end"], text=repr(sp["text"]),
                      threshold=f"{sp['threshold']:g}")
                   + ((f"{units} unit{'s' if units != 1 else ''} on throughout and off around it" if en
                       else tf("{n} units on throughout and off around it", n=units))
                      if sp["units"] else t("no unit is on throughout it and off around it; try a lower --threshold or another span")))
    for u in doc["units"]:
        typer.echo(tf("  unit {unit}  r = {r} with {feature}", unit=f"{u['unit']:>4}", r=f"{u['correlation']:+.2f}", feature=u["feature"]))
    if not doc["units"]:
        return
    typer.echo("")
    rows = [(f"u{u['unit']}", u["activations"]) for u in doc["units"]]
    marks = range(sp["start"], sp["end"]) if sp else None
    _print(shaded(doc["text"], rows, state, _width(), colour, marks))
    _print(_key(state, colour))
    if sp is not None and sp["units"]:
        typer.echo("")
        found = len(sp["matches"])
        typer.echo(tf("where units {units} fire together in the {searched}: ", units=", ".join(map(str, sp["units"])),
                      searched=t(sp["searched"]))
                   + ((f"{found} match{'es' if found != 1 else ''}" if en else tf("{n} matches", n=found))
                      if sp["matches"] else t("nowhere else")))
        for m in sp["matches"]:
            ctx, off = m["context"], m["start"] - m["context_start"]
            line = Text(f"  @{m['start']:>6}  ", style="dim")
            line.append(ctx[:off].replace("\n", "↵"))
            line.append(m["text"].replace("\n", "↵"), style="reverse" if colour else None)
            line.append(ctx[off + len(m["text"]):].replace("\n", "↵"))
            if not colour:
                line = Text(f"  @{m['start']:>6}  {ctx[:off]}[{m['text']}]{ctx[off + len(m['text']):]}".replace("\n", "↵"))
            _print(line)


def attention(
    run: RunArg,
    text: Annotated[str, typer.Option("--text", help="The text to read (\\n for a newline).")],
    layer: Annotated[int, typer.Option("--layer", help="Attention layer (a transformer block; 0 for recurrent runs).")] = 0,
    head: Annotated[int, typer.Option("--head", help="Attention head (transformer; 0 for recurrent runs).")] = 0,
    style: StyleOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the weights as JSON.")] = False,
    runs_dir: RunsDirOpt = None,
    which: CheckpointOpt = "best",
) -> None:
    """Which earlier characters each position attends to, for runs with model.attention = true
    and the transformer. Each row is causal and sums to 1."""
    from rnnlab.inspect.attention import attention_weights
    from rnnlab.inspect.neurons import encode_text
    from rnnlab.inspect.shade import heat_rows

    body = _read_text(text, None)
    loaded = _load(run, runs_dir, which, "attention")
    style_name = _pick_style(loaded, style)
    _say_unknown(loaded, body)
    enc = encode_text(loaded, body)
    w = attention_weights(loaded.model, enc.ids, layer, head, loaded.run_dir.name)
    if json_out:
        print_json({"text": enc.text, "tokens": enc.pieces, "layer": layer, "head": head,
                    "weights": [[float(v) for v in row] for row in w], **({"style": style_name} if style_name else {})})
        return
    from rnnlab.cli.render import checkpoint_words
    from rnnlab.tui.i18n import t, tf

    typer.echo(tf("run {run} ({checkpoint}): attention layer {layer}, head {head}, {style}{n} positions; row = position, "
                  "column = the earlier position it attends to", run=loaded.run_dir.name,
                  checkpoint=checkpoint_words(loaded.checkpoint), layer=layer, head=head,
                  style=tf("style {style}, ", style=style_name) if style_name else "", n=len(enc.pieces)))
    _print(heat_rows(enc.pieces, w, _colour()))
    typer.echo(t("shades ·░▒▓█ from 0 to 1; → the position each row attends to most"))


def register(app: typer.Typer) -> None:
    app.command("neurons")(neurons)
    app.command("attention")(attention)
