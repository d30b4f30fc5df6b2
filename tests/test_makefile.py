"""``make run`` installs only what the server needs, and says what it is doing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def dry_run(target: str, venv: Path) -> list[str]:
    """The commands ``make`` would run for ``target`` with a virtualenv not made yet."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_make_run_installs_no_test_tools_and_announces_each_step(tmp_path: Path) -> None:
    lines = dry_run("run", tmp_path / "venv")
    installs = [line for line in lines if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [f"{tmp_path}/venv/bin/python -m pip install --quiet -e ."]
    assert not any("[test]" in line for line in lines)
    for command in (
        "-m venv",
        "pip install --quiet -e .",
        "scimbridge migrate",
        "scimbridge serve",
    ):
        index = next(i for i, line in enumerate(lines) if command in line)
        assert lines[index - 1].startswith("echo "), f"no announcement before {command!r}"


def test_make_test_installs_the_test_extra(tmp_path: Path) -> None:
    lines = dry_run("pytest", tmp_path / "venv")
    assert any("pip install --quiet -e '.[test]'" in line for line in lines)
