"""A user error under --json is one object on stdout too: `{"error": "<the stderr line's
message>"}`, exit code 2 and the one `error: ...` line on stderr as before. An outside trial's
script parsed `rnnlab train --json`'s stdout and got an empty string. Each case failed before."""

from __future__ import annotations

import json

import pytest

from tests.test_cli_train import TINY, assert_user_error, rnnlab


def assert_json_error(proc, *needles: str) -> dict:
    """One user-error line on stderr, exit code 2, and stdout one JSON object with that message."""
    assert_user_error(proc, *needles)
    out = json.loads(proc.stdout)
    assert out == {"error": proc.stderr.strip().removeprefix("error: ")} and proc.stdout.count("\n") == 1
    return out


@pytest.mark.parametrize("args,needles", [
    (["--set", "train.lr=abc"], ["[train] lr", "'abc'"]),  # config.load, before any run exists
    (["--set", "train.lrr=1"], ["unknown key 'lrr'"]),
    (["missing.csv"], ["missing.csv: no such file"]),
    (["--bogus"], ["rnnlab train: No such option: --bogus"]),  # click's usage error
    (["adding-lstm", "--set", "train.device=cuda:99"], ["[train] device"]),  # the worker's, after the run was made
])
def test_train_json_user_errors_are_an_object_on_stdout(tmp_path, args, needles):
    proc = rnnlab("train", *args, *TINY, "--runs-dir", str(tmp_path), "--json", cwd=tmp_path)
    assert_json_error(proc, *needles)
    # without --json stdout stays empty, as before
    plain = rnnlab("train", *args, *TINY, "--runs-dir", str(tmp_path), cwd=tmp_path)
    assert_user_error(plain, *needles)
    assert plain.stdout == ""


def test_a_csv_too_short_fails_in_the_worker_with_the_same_object(tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("date,v\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n")
    proc = rnnlab("train", str(short), *TINY, "--runs-dir", str(tmp_path / "runs"), "--json")
    out = assert_json_error(proc, "short.csv: 3 rows is too short")
    assert "Traceback" not in out["error"] and not list((tmp_path / "runs").glob("2*"))  # no run left behind


@pytest.mark.parametrize("args,needles", [
    (["forecast", "nosuch", "--json"], ["no run 'nosuch'"]),
    (["forecast", "nosuch", "--future", "abc", "--json"], ["rnnlab forecast", "--future"]),
    (["data", "missing.csv", "--json"], ["missing.csv: no such file"]),
    (["show", "nosuch", "--json"], ["no run 'nosuch'"]),
    (["runs", "--filter", "lr>>1", "--json"], []),
    (["sweep", "show", "nosuch", "--json"], ["no sweep 'nosuch'"]),
    (["presets", "nosuch", "--json"], ["nosuch"]),
])
def test_every_json_command_says_its_user_error_so(tmp_path, args, needles):
    proc = rnnlab("--runs-dir", str(tmp_path), *args, cwd=tmp_path)  # the root's option: the command found past it
    assert_json_error(proc, *needles)


def test_a_command_without_json_and_a_success_keep_their_output(tmp_path):
    # `rm` takes no --json: its usage error is the stderr line alone
    proc = rnnlab("rm", "nosuch", "--json", "--runs-dir", str(tmp_path))
    assert_user_error(proc, "No such option: --json")
    assert proc.stdout == ""
    # a success's JSON is as before
    ok = rnnlab("presets", "--json")
    assert ok.returncode == 0 and "error" not in json.loads(ok.stdout)[0]
