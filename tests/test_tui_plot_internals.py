"""The plot widget leans on internals of plotext, textual-plotext and Textual (fastplot swaps
plotext's `_utility` functions, plot.py calls private figure methods and reads the figure's
matrices). pyproject.toml pins these packages below the next untested version; these tests fail
loudly, naming what moved, when an upgrade changes what the widget relies on."""

from __future__ import annotations

import inspect
import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PATCHED = ("textual", "plotext", "textual-plotext")


def _requirements() -> dict[str, Requirement]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    reqs = [Requirement(d) for d in deps]
    return {r.name: r for r in reqs}


@pytest.mark.parametrize("name", PATCHED)
def test_patched_packages_have_a_tested_upper_bound_and_the_installed_one_is_inside(name):
    req = _requirements()[name]
    assert any(spec.operator in ("<", "<=", "==", "~=") for spec in req.specifier), (
        f"pyproject.toml allows any future {name} ({req}); the plot widget patches its internals: pin below the "
        "next untested version"
    )
    installed = Version(metadata.version(name))
    assert installed in req.specifier, f"installed {name} {installed} is outside pyproject's tested range {req}"


def test_plotext_utility_functions_fastplot_swaps_are_there_with_their_signatures():
    import plotext._utility as ut

    from rnnlab.tui.widgets import fastplot

    want = {"get_matrix_data": ["data", "lim", "bins"], "get_lines": ["x", "y", "other"],
            "hd_group": ["x", "y", "xf", "yf"]}
    for name, params in want.items():
        original = fastplot.ORIGINALS[name]
        assert original.__module__ == "plotext._utility", f"plotext._utility.{name} moved; fastplot swaps it"
        got = list(inspect.signature(original).parameters)
        assert got == params, f"plotext._utility.{name}{inspect.signature(original)} changed; fastplot's drop-in takes {params}"
    assert callable(getattr(ut, "colors_to_ansi", None)), "plotext._utility.colors_to_ansi is gone; fastplot parses styles with it"


def test_the_private_figure_api_plot_py_calls_is_there():
    from textual_plotext import PlotextPlot
    from textual_plotext.plot import Plot

    fig = Plot()
    for name in ("_set_size", "_set_sizes", "_build_matrix", "plotsize", "theme", "clear_data", "clear_figure"):
        assert callable(getattr(fig, name, None)), f"plotext figure method {name} is gone; rnnlab/tui/widgets/plot.py calls it"
    assert callable(getattr(PlotextPlot, "_get_plotext_theme_name", None)), (
        "textual_plotext.PlotextPlot._get_plotext_theme_name is gone; rnnlab/tui/widgets/plot.py calls it"
    )
    fig.plotsize(30, 8)
    fig._set_size(30, 8)
    fig.plot([1, 2, 3], [1, 3, 2], color="cyan", marker="braille")
    fig._set_sizes()
    fig._build_matrix()
    m = fig.monitor.matrix
    for attr in ("rows", "marker", "fullground", "style", "background"):
        assert hasattr(m, attr), f"plotext's matrix lost `{attr}`; fastplot.matrix_content reads it"
    assert len(m.marker) == m.rows and len(m.fullground[0]) == len(m.marker[0])


def test_textual_content_api_fastplot_builds_is_there():
    from textual.content import Content, Span
    from textual.style import Style

    assert callable(getattr(Style, "from_rich_style", None)), "textual.style.Style.from_rich_style is gone"
    c = Content("ab", spans=[Span(0, 1, Style(bold=True))])
    assert c.plain == "ab" and c.spans[0].end == 1
