"""What CI sees: a fresh clone holds everything the suite and the two commands need.

CI runs ``bash .ci/run`` in a fresh clone; this test catches the usual way that breaks
(a module or fixture that exists only in a developer's working tree) without installing
anything: it clones HEAD, checks that ``make run`` and ``make test`` resolve, and that
the clone's own test suite imports and collects from committed files alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_fresh_clone_collects_and_has_both_commands(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    for target in ("run", "test"):
        dry = subprocess.run(
            ["make", "-n", target], cwd=clone, capture_output=True, text=True, check=False
        )
        assert dry.returncode == 0, dry.stderr
    assert "make test" in (clone / ".ci" / "run").read_text()
    readme = (clone / "README.md").read_text()
    assert readme.index("make run") < readme.index("## Walk-through")
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    assert " tests collected" in collected.stdout or "tests collected" in collected.stdout
