"""Progress: ``graphring -v`` logs every stage with its time; bars appear only when stderr
is a terminal (a real pseudo-terminal here), never in a redirected log."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

from graphring.pipeline import STAGES
from graphring.sample import SampleInfo
from tests.conftest import run_cli


def test_verbose_logs_each_stage_with_its_time(sample: SampleInfo, tmp_path: Path) -> None:
    proc = run_cli("-v", "detect", str(sample.data_dir), "--out", str(tmp_path / "a"))
    assert proc.returncode == 0, proc.stderr
    logged = dict(re.findall(r"stage (\w+): (\d+\.\d\d) s", proc.stderr))
    assert list(logged) == [*STAGES, "packets"]
    assert re.search(r"stage packets: \d+\.\d\d s \(\d+ packets\)", proc.stderr)
    assert "\r" not in proc.stderr, "no progress bar when stderr is not a terminal"
    quiet = run_cli("detect", str(sample.data_dir), "--out", str(tmp_path / "b"))
    assert quiet.returncode == 0 and "stage " not in quiet.stderr


def test_bars_when_stderr_is_a_terminal(sample: SampleInfo, tmp_path: Path) -> None:
    master, slave = pty.openpty()
    # a terminal of 24 x 120 characters (a fresh pseudo-terminal is 0 wide: tqdm draws nothing)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphring.cli", "detect", str(sample.data_dir)]
        + ["--out", str(tmp_path / "c")],
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.wait(timeout=300) == 0
    text = seen.decode("utf-8", "replace")
    assert re.search(r"run: +\d+%", text), text[-2000:]
    assert re.search(r"packets: +\d+%", text), text[-2000:]
