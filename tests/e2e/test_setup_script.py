"""The README's test command sets itself up, or says in one line what is missing."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT


def test_setup_says_in_one_line_what_is_missing_and_how_to_get_it() -> None:
    proc = subprocess.run(
        [str(ROOT / "scripts" / "setup-tests")],
        capture_output=True,
        text=True,
        env={**os.environ, "MVN": "/no/such/mvn", "GRAPHRING_NO_INSTALL": "1"},
        timeout=120,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "missing" in lines[0] and "Maven" in lines[0]
    assert "apt-get install" in lines[0] and "maven" in lines[0]
    assert "not neo4j and not browser and not notebook and not spark" in lines[0]


def test_the_test_command_and_ci_run_the_setup() -> None:
    test = (ROOT / "scripts" / "test").read_text()
    assert "scripts/setup-tests" in test.split("pytest", 1)[0]
    assert "exec scripts/test" in (ROOT / ".ci" / "run").read_text()
