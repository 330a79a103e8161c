"""Dependency bounds that mean something: every package whose private internals rnnlab touches
has an upper bound (and the installed one is inside it), every dependency is pinned in
constraints.txt and its lower bound is the version pinned (what CI installs and tests), and the internals
outside the plot widget's (tests/test_tui_plot_internals.py) fail here, loudly, when they move."""

from __future__ import annotations

import inspect
import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
# package -> what of its internals rnnlab uses (each checked below or in test_tui_plot_internals.py / test_serve.py)
INTERNALS = {
    "torch": "torch._foreach_norm / _foreach_sub (rnnlab/train/probes.py)",
    "textual": "ToggleButton._button, the toggle's BUTTON_* glyphs (rnnlab/tui/widgets/toggles.py), Content/Style",
    "plotext": "plotext._utility and private figure methods (rnnlab/tui/widgets/fastplot.py, plot.py)",
    "textual-plotext": "PlotextPlot._get_plotext_theme_name (rnnlab/tui/widgets/plot.py)",
    "textual-serve": "Server._make_app, handle_index, handle_websocket (rnnlab/cli/webserver.py)",
    "optuna": "the sweep controller's adopted trials (rnnlab/sweeps/controller.py)",
}


def _requirements() -> dict[str, Requirement]:
    import tomllib

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    return {r.name: r for r in map(Requirement, deps)}


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line.strip())
        if m:
            pins[m.group(1).lower()] = Version(m.group(2))
    return pins


@pytest.mark.parametrize("name", sorted(INTERNALS))
def test_packages_whose_internals_are_used_have_an_upper_bound(name):
    req = _requirements()[name]
    assert any(s.operator in ("<", "<=", "==", "~=") for s in req.specifier), (
        f"pyproject.toml allows any future {name} ({req}) though rnnlab uses {INTERNALS[name]}: bound it below "
        "the next untested version")
    installed = Version(metadata.version(name))
    assert installed in req.specifier, f"installed {name} {installed} is outside pyproject's tested range {req}"


def _all_requirements() -> list[Requirement]:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(d) for d in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs += [Requirement(d) for d in extra]
    # markers that never hold under requires-python (tomli below 3.11) install nothing
    return [r for r in reqs if r.marker is None or r.marker.evaluate({"python_version": "3.11"})]


def test_every_dependency_is_pinned_and_its_lower_bound_is_the_pin():
    """No lower bound below anything CI runs: each dependency and extra is pinned in
    constraints.txt, and its lower bound is the pinned version (torch: its major.minor, so a
    CUDA build of the same minor installs)."""
    pins = _pins()
    for req in _all_requirements():
        name = req.name.lower()
        assert name in pins, f"pyproject.toml needs {req} but constraints.txt does not pin {name}: CI tests whatever is newest"
        floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
        assert floors, f"{req}: no lower bound"
        floor, pinned = floors[0], pins[name]
        assert pinned in req.specifier, f"constraints.txt pins {name}=={pinned}, outside {req}"
        assert pinned.release[: len(floor.release)] == floor.release, (
            f"{name}: CI tests {pinned} (constraints.txt) but pyproject.toml promises {req}; raise the lower bound")
    assert pins["torch"].release[:2] == (2, 13)


def test_torch_foreach_norm_and_sub_the_probes_use_are_there():
    import torch

    for name in ("_foreach_norm", "_foreach_sub"):
        assert callable(getattr(torch, name, None)), f"torch.{name} is gone; rnnlab/train/probes.py calls it"
    a, b = [torch.randn(3, 4), torch.randn(5)], [torch.randn(3, 4), torch.randn(5)]
    norms = torch._foreach_norm(a)
    assert [float(n) for n in norms] == pytest.approx([float(torch.linalg.vector_norm(t)) for t in a])
    diffs = torch._foreach_sub(a, b)
    assert all(torch.equal(d, x - y) for d, x, y in zip(diffs, a, b))


def test_the_toggle_internals_the_text_checkboxes_override_are_there():
    from textual.widgets import Checkbox, Input, Select, SelectionList
    from textual.widgets._toggle_button import ToggleButton

    from rnnlab.tui.widgets.toggles import TextCheckbox

    prop = inspect.getattr_static(ToggleButton, "_button", None)
    assert isinstance(prop, property), "textual's ToggleButton._button is no longer a property; TextCheckbox overrides it"
    for glyph in ("BUTTON_LEFT", "BUTTON_INNER", "BUTTON_RIGHT"):
        assert isinstance(getattr(ToggleButton, glyph, None), str), f"ToggleButton.{glyph} is gone; toggles.py reads it"
    assert isinstance(TextCheckbox.__dict__.get("_button"), property)  # still the one it overrides
    for widget in (Input, Select, Checkbox, SelectionList):  # the compact New experiment form
        assert "compact" in inspect.signature(widget.__init__).parameters, f"{widget.__name__}(compact=...) is gone"
