"""Every packet's SHA256SUMS and ring.json list the SHA-256 of the files as written (the
writer hashes what it writes, without reading it back), and every page carries the graph
library itself (a packet opens offline on its own)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from graphring.config import Settings
from graphring.packets.pages import vis_assets
from graphring.pipeline import run_pipeline
from graphring.rundir.write import write_run
from graphring.sample import SampleInfo


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_packet_sums_match_the_files_written(sample: SampleInfo, tmp_path: Path) -> None:
    result = run_pipeline(sample.data_dir, Settings())
    out = write_run(result, tmp_path / "run")
    packets = sorted((out / "packets").iterdir())
    assert len(packets) == len(result.rings) > 3
    js = vis_assets()[0]
    for packet in packets:
        sums = dict(
            reversed(line.split("  ", 1))
            for line in (packet / "SHA256SUMS").read_text("utf-8").splitlines()
        )
        names = {p.name for p in packet.iterdir()} - {"SHA256SUMS"}
        assert set(sums) == names
        assert all(_sha(packet / name) == digest for name, digest in sums.items())
        ring = json.loads((packet / "ring.json").read_text("utf-8"))
        assert all(_sha(packet / name) == digest for name, digest in ring["files"].items())
        page = (packet / "index.html").read_text("utf-8")
        assert page.count(js) == 1
    run = json.loads((out / "run.json").read_text("utf-8"))
    assert {
        rid: hashlib.sha256((out / "packets" / rid / "SHA256SUMS").read_bytes()).hexdigest()
        for rid in run["packet_seals"]
    } == run["packet_seals"]
