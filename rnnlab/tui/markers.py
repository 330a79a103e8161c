"""Per-series plot markers for terminals without colour (NO_COLOR, pipes).

Colour alone tells overlaid series apart only where colour is shown; under NO_COLOR the lab and
`rnnlab show`/`compare` in a pipe give every series in one plot its own marker as well. Plain
module (no textual, no torch): the CLI imports it too.
"""

from __future__ import annotations

# The first series keeps braille (the finest resolution); the rest get ASCII-ish characters
# that stay apart from it and from each other in any font: 20 of them, as many runs as the
# compare view shows.
MONO_MARKERS = ("braille", "x", "o", "+", "*", "#", "=", "%", "@", "&", "$", "~", "^", "s", "v", "z", "k", "w", "m", "e")
# the most runs compare overlays (and the home screen lets you mark for it): one marker each
MAX_RUNS = len(MONO_MARKERS)


# Distinct plotext colours for overlaid runs (the lab's plots and `rnnlab compare`).
SERIES_COLOURS = ("cyan", "orange", "green", "magenta", "yellow", "blue", "red", "white")


def series_marker(index: int) -> str:
    """The plotext marker for the `index`-th series of a colourless plot."""
    return MONO_MARKERS[index % len(MONO_MARKERS)]


def series_style(index: int, palette: tuple[str, ...] | None) -> tuple[str | None, str]:
    """(colour, marker) of the `index`-th of many overlaid series: with colour, each colour
    of `palette` once with braille, then each again with the next marker (x, o, ...), so no two
    of len(palette) * len(MONO_MARKERS) series look alike; without colour (None), markers alone."""
    if not palette:
        return None, series_marker(index)
    return palette[index % len(palette)], MONO_MARKERS[(index // len(palette)) % len(MONO_MARKERS)]


def marker_glyph(marker: str) -> str:
    """The two characters plotext's legend shows for `marker` (for legends drawn outside it)."""
    return "⢕⢕" if marker == "braille" else marker * 2


# plotext's colour names that Rich spells otherwise (a legend drawn outside the plot)
_RICH_COLOURS = {"orange": "dark_orange", "gray": "grey62"}


def rich_colour(colour: str | None) -> str:
    """A plotext colour as Rich spells it ("blue+", plotext's bright blue, is "bright_blue")."""
    if not colour:
        return ""
    return f"bright_{colour[:-1]}" if colour.endswith("+") else _RICH_COLOURS.get(colour, colour)


def legend_grid(entries: list[tuple[str, str | None, str]], width: int, flow: bool = False):
    """A legend drawn outside a plot: entries (glyph, colour or None, label) in a grid of equal
    cells, as many to a line as fit `width`, so that twenty names read as a table rather than a
    paragraph and a plot's own legend covers no curve; `flow`: each entry as wide as its label,
    one after another (fewer rows, where the plot needs them). A `rich.text.Text`; widths in
    terminal cells (a Chinese label takes two a character)."""
    from rich.cells import cell_len
    from rich.text import Text

    out = Text()
    if not entries:
        return out
    width = max(20, width)
    cell = min(width, max(cell_len(label) for _, _, label in entries) + 5)  # glyph, space, label, gap
    rows: list[list[tuple[str, str | None, str, int]]] = [[]]
    used = 0
    for glyph, colour, label in entries:
        size = cell_len(label) + 5 if flow else cell
        if rows[-1] and used + size - 2 > width:  # the last entry's gap may pass the edge
            rows.append([])
            used = 0
        rows[-1].append((glyph, colour, label, size))
        used += size
    for k, row in enumerate(rows):
        line = Text()
        for glyph, colour, label, size in row:
            line.append(glyph, style=rich_colour(colour))
            line.append(f" {label}" + " " * (size - 3 - cell_len(label)))
        line.rstrip()
        if k:
            out.append("\n")
        out.append_text(line)
    return out


class LegendGrid:
    """`legend_grid` as a Rich renderable laid out at the width it is given (a Static's, known
    only when it renders: a note filled before the first layout would get a one-column grid)."""

    def __init__(self, entries: list[tuple[str, str | None, str]], flow: bool = False) -> None:
        self.entries = tuple(entries)
        self.flow = flow

    def __eq__(self, other: object) -> bool:  # an unchanged legend is not repainted (tui/widgets/quiet.py)
        return isinstance(other, LegendGrid) and other.entries == self.entries and other.flow == self.flow

    def __rich_console__(self, console, options):  # type: ignore[no-untyped-def]
        yield legend_grid(list(self.entries), options.max_width - 1, self.flow)

    def __rich_measure__(self, console, options):  # type: ignore[no-untyped-def]
        from rich.measure import Measurement

        return Measurement(1, options.max_width)
