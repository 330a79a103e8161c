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
