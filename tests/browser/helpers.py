"""Shared pieces of the browser tests: the hostile shop names and the run built with them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphring.pipeline import RunResult

#: Shop names that would run script if any page or picture treated data as markup.
HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    "Bad'); alert(4); //<b>bold</b> & <!-- co",
]


@dataclass
class HostileRun:
    folder: Path
    data_dir: Path
    result: RunResult
    ring_id: str
    #: merchant_id -> the hostile name it was given
    names: dict[str, str]

    @property
    def packet(self) -> Path:
        return self.folder / "packets" / self.ring_id

    def graph_data(self) -> dict[str, Any]:
        """The node and edge lists the packet page carries, as Python sees them."""
        text = (self.packet / "index.html").read_text(encoding="utf-8")
        m = re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', text)
        assert m, "packet page has no graph data"
        data: dict[str, Any] = json.loads(m.group(1))
        return data
