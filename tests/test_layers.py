"""The layers of shared/DESIGN.md as a contract the suite keeps: import-linter's contracts in
pyproject.toml (`[tool.importlinter]`) pass on this checkout, and they do catch a forbidden import
(the same contracts on a copy with one added); `rnnlab.runs`, `rnnlab.tui.app` and `rnnlab.cli.app`
load without torch (checked in a fresh interpreter's sys.modules, as harlequin does)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint(where: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the rnnlab package under `where`, with its pyproject.toml's contracts."""
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    env = {**os.environ, "PYTHONPATH": str(where)}  # this checkout's rnnlab, not an installed one
    return subprocess.run([sys.executable, "-c", code], cwd=where, env=env, capture_output=True, text=True, timeout=120)


def test_the_layer_contracts_hold():
    out = _lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout and "BROKEN" not in out.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("runs/paths.py", "from rnnlab.cli import console", "rnnlab.runs is not allowed to import rnnlab.cli"),
        ("tui/tablesort.py", "import rnnlab.train.kept", "rnnlab.tui is not allowed to import rnnlab.train"),
        ("tui/markers.py", "import rnnlab.tui.screens.home", "No cycles are allowed in rnnlab.tui"),
    ],
)
def test_a_forbidden_import_breaks_the_contract(tmp_path, module, line, broken):
    """The contracts are not vacuous: the same check on a copy with one forbidden import fails."""
    shutil.copytree(ROOT / "rnnlab", tmp_path / "rnnlab", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "rnnlab" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    out = _lint(tmp_path)
    assert out.returncode != 0, out.stdout
    assert broken in " ".join(out.stdout.split()), out.stdout


def test_runs_tui_and_cli_import_without_torch():
    code = (
        "import sys, importlib\n"
        "for name in ('rnnlab', 'rnnlab.runs', 'rnnlab.runs.worker', 'rnnlab.runs.launch', 'rnnlab.runs.reader',\n"
        "             'rnnlab.runs.writer', 'rnnlab.tui.app', 'rnnlab.cli.app', 'rnnlab.inspect.run', 'rnnlab.sweeps.public'):\n"
        "    importlib.import_module(name)\n"
        "    if 'torch' in sys.modules:\n"
        "        print(name); break\n"
        "else:\n"
        "    print('torch-free')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "torch-free", f"importing {out.stdout.strip()} imports torch"


# One concept per module: a module that grows past this is split by what it does (issue 20).
MAX_MODULE_LINES = 450


def _oversized(package: Path) -> dict[str, int]:
    """Modules under `package` longer than MAX_MODULE_LINES, with their line counts (as `wc -l`)."""
    sizes = {str(p.relative_to(package.parent)): p.read_bytes().count(b"\n") for p in sorted(package.rglob("*.py"))}
    return {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}


def test_no_module_is_over_450_lines(tmp_path):
    assert _oversized(ROOT / "rnnlab") == {}, f"split these by what they do (one concept per module): {_oversized(ROOT / 'rnnlab')}"
    # the check sees a module one line over (and nothing at the limit)
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "ok.py").write_text("x = 1\n" * MAX_MODULE_LINES)
    (tmp_path / "pkg" / "sub" / "big.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    assert _oversized(tmp_path / "pkg") == {"pkg/sub/big.py": MAX_MODULE_LINES + 1}
