"""The case report: `graphring report` prints the 58-shop ring's packet through headless
Chromium; the PDF is read back for its text (pypdf) and its graph picture (pdftoppm)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from graphring.packets.graph import KIND_COLOURS
from tests.browser.helpers import HOSTILE_NAMES, HostileRun
from tests.conftest import run_cli

pytestmark = pytest.mark.browser


def _ppm(path: Path) -> np.ndarray:
    """A binary PPM (P6) as a height x width x 3 array."""
    data = path.read_bytes()
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P6" and fields[3] == b"255"
    width, height = int(fields[1]), int(fields[2])
    return np.frombuffer(fields[4][: width * height * 3], np.uint8).reshape(height, width, 3)


def _pixels_of(image: np.ndarray, colour: str) -> int:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return int((np.abs(image.astype(np.int16) - rgb).sum(axis=2) <= 12).sum())


def test_report_pdf_holds_the_case(hostile_run: HostileRun, tmp_path: Path) -> None:
    rid, packet = hostile_run.ring_id, hostile_run.packet
    pdf = tmp_path / "case.pdf"
    proc = run_cli("report", str(hostile_run.folder), rid, "--out", str(pdf))
    assert proc.returncode == 0, proc.stderr
    seal = hashlib.sha256((packet / "SHA256SUMS").read_bytes()).hexdigest()
    assert f"packet seal {seal}" in proc.stdout
    reader = PdfReader(pdf)
    pages = [p.extract_text() for p in reader.pages]
    text = "\n".join(pages)
    flat = " ".join(text.split())
    assert 3 <= len(pages) <= 30, len(pages)
    # summary, why the score, members with "tied by", evidence with raw values and sources
    assert f"Ring {rid}" in pages[0] and "Why this ring scores" in pages[0]
    for reason in hostile_run.result.ring_reasons.query("ring_id == @rid")["text"]:
        assert " ".join(reason.split()) in flat
    assert "tied_by" in flat and "warehouse address" in flat
    prov = pd.read_csv(packet / "provenance.csv", dtype=str)
    assert "Raw values and their sources" in flat
    phone = prov.loc[prov["kind"] == "phone"].iloc[0]
    # the CSV is for spreadsheets: "+86 ..." is written "'+86 ..." there (graphring/sheets.py)
    raw = phone["raw"].removeprefix("'")
    assert phone["file"] in flat and " ".join(raw.split()) in flat
    # timeline, decisions and custody with the packet's seal, on every page's footer too
    assert "Timeline" in flat and "Decisions" in flat and "Chain of custody" in flat
    assert f"packet seal (SHA-256 of SHA256SUMS): {seal}" in flat
    missing = [i for i, p in enumerate(pages) if seal not in " ".join(p.split())]
    assert not missing, [" ".join(pages[i].split())[-300:] for i in missing]
    # hostile names print as text
    assert HOSTILE_NAMES[0] in flat
    # the graph picture: its legend and title are in the text, its shops drawn in red
    graph_page = next(i for i, p in enumerate(pages) if "Legend" in p and f"Ring {rid}" in p)
    assert "shop (ring member)" in pages[graph_page]
    assert shutil.which("pdftoppm"), "poppler-utils is installed by scripts/install-browser"
    n = graph_page + 1
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", str(n), "-l", str(n), str(pdf), str(tmp_path / "g")],
        check=True,
    )
    (ppm,) = tmp_path.glob("g*.ppm")
    image = _ppm(ppm)
    assert _pixels_of(image, KIND_COLOURS["shop"]) > 500
    assert _pixels_of(image, KIND_COLOURS["origin"]) > 50
    first = next(iter(tmp_path.glob("g*.ppm")))
    first.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    (page1,) = tmp_path.glob("p*.ppm")
    # the interactive graph is not printed: page one has no red shop marks drawn
    assert _pixels_of(_ppm(page1), KIND_COLOURS["shop"]) < 50


def test_report_refuses_a_changed_packet(hostile_run: HostileRun, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(hostile_run.folder, copy)
    members = copy / "packets" / hostile_run.ring_id / "members.csv"
    members.write_text(members.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    proc = run_cli("report", str(copy), hostile_run.ring_id, "--out", str(tmp_path / "x.pdf"))
    assert proc.returncode == 2
    assert "no longer match its SHA256SUMS: members.csv" in proc.stderr
    assert not (tmp_path / "x.pdf").exists()
    proc = run_cli("report", str(copy), "R-nothere", "--out", str(tmp_path / "x.pdf"))
    assert proc.returncode == 2 and "no packet of ring R-nothere" in proc.stderr
