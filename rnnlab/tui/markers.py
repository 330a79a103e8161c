"""Per-series plot markers for terminals without colour (NO_COLOR, pipes).

Colour alone tells overlaid series apart only where colour is shown; under NO_COLOR the lab and
`rnnlab show`/`compare` in a pipe give every series in one plot its own marker as well. Plain
module (no textual, no torch): the CLI imports it too.
"""

from __future__ import annotations

# The first series keeps braille (the finest resolution); the rest get ASCII-ish characters
# that stay apart from it and from each other in any font.
MONO_MARKERS = ("braille", "x", "o", "+", "*", "#", "=", "%")


def series_marker(index: int) -> str:
    """The plotext marker for the `index`-th series of a colourless plot."""
    return MONO_MARKERS[index % len(MONO_MARKERS)]


def marker_glyph(marker: str) -> str:
    """The two characters plotext's legend shows for `marker` (for legends drawn outside it)."""
    return "⢕⢕" if marker == "braille" else marker * 2
