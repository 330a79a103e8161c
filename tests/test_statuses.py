"""One list of run statuses: every status a reader can report is styled and explained in the
lab, nothing else is, and resuming follows the same list in the CLI and the lab."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab.cli.app import app
from rnnlab.runs import store
from rnnlab.runs.reader import RunInfo
from rnnlab.tui.state import RunState
from rnnlab.tui.widgets.header import STATUS_STYLE, header_text

REPORTED = (*store.STATUSES, "corrupt")  # recorded ones, plus what list_runs says of a damaged file


def test_the_lab_styles_exactly_the_statuses_a_run_can_have():
    assert set(STATUS_STYLE) == set(REPORTED)


@pytest.mark.parametrize("status", ["crashed", "corrupt", "failed", "diverged", "stopped"])
def test_the_header_says_why_a_run_is_not_going(status):
    state = RunState()
    state.info = RunInfo(run_id="r1", name="r1", dir=Path("."), cell="lstm", task="adding", status=status,
                         message="worker pid 4242 is gone")
    text = header_text(state)
    assert "worker pid 4242 is gone" in text.plain
    styles = {str(s.style) for s in text.spans if "worker pid" in text.plain[s.start:s.end]}
    assert styles == {STATUS_STYLE[status]}
