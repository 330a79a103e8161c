"""Usage errors click finds in the command line itself (an unknown option or command, a missing
argument, a value of the wrong type) read as every other user error: one line, exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rnnlab import __version__


def rnnlab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "args, needles",
    [
        (["train", "--bogus"], ["rnnlab train", "--bogus", "rnnlab train --help"]),
        (["trian"], ["'trian'", "'train'", "rnnlab --help"]),
        (["forecast"], ["rnnlab forecast", "Missing argument", "runs"]),
        (["forecast", "somerun", "--future", "0"], ["rnnlab forecast", "--future", "greater than or equal to 1"]),
        (["forecast", "somerun", "--future", "abc"], ["rnnlab forecast", "--future", "integer"]),
        (["forecast", "somerun", "--backtest"], ["rnnlab forecast: Option '--backtest' requires an argument", "'rnnlab forecast --help'"]),
    ],
)
def test_a_usage_error_is_one_line_and_exit_code_2(args, needles):
    proc = rnnlab(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_help_and_version_still_exit_0():
    help_ = rnnlab("train", "--help")
    assert help_.returncode == 0 and "Usage: rnnlab train" in help_.stdout
    version = rnnlab("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"rnnlab {__version__}"


def test_a_delimiter_by_name_reads_and_a_wrong_one_is_one_line(tmp_path):
    """`rnnlab data FILE --delimiter tab` was a pydantic traceback (an outside trial); a separator
    that leaves one column named `date,deaths` was `no numeric column found ... set task.column`."""
    rows = "".join(f"2020-01-{d:02d}\t{100 + d}\n" for d in range(1, 29))
    tsv = tmp_path / "deaths.tsv"
    tsv.write_text("date\tdeaths\n" + rows)
    for name in ("tab", "\\t", "TAB"):
        ok = rnnlab("data", str(tsv), "--delimiter", name, "--json")
        assert ok.returncode == 0 and json.loads(ok.stdout)["column"] == "deaths", (name, ok.stderr)
    csv = tmp_path / "deaths.csv"
    csv.write_text("date,deaths\n" + rows.replace("\t", ","))
    wrong = rnnlab("data", str(csv), "--delimiter", "tab")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.stderr
    assert "one column 'date,deaths'" in wrong.stderr and "looks like ','" in wrong.stderr
    bad = rnnlab("data", str(csv), "--delimiter", "ab")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --delimiter 'ab': expected one character")
    from rnnlab.config import TaskConfig

    assert TaskConfig(kind="timeseries", delimiter="semicolon").delimiter == ";"
