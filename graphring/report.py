"""A ring's case report as a PDF: its packet printed by headless Chromium.

The report is the packet page in its print layout (the graph as a picture, tables wrapped,
no controls), so the report and the packet printed from a browser say the same. Before
printing, every file of the packet is checked against its SHA256SUMS, and the packet's
seal (the SHA-256 of SHA256SUMS, which run.json also records) is printed in its chain of
custody: a reader can tie the paper to the files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graphring.errors import GraphringError, InputError
from graphring.review import packet_seal, verify_packet

#: Paper and margins of the report.
PDF_OPTIONS: dict[str, Any] = {
    "format": "A4",
    "print_background": True,
    "margin": {"top": "12mm", "bottom": "14mm", "left": "10mm", "right": "10mm"},
    "display_header_footer": True,
    "header_template": "<span></span>",
}


class ReportError(GraphringError):
    """The browser could not print the report."""

    exit_code = 1


def _footer(ring_id: str, seal: str) -> str:
    return (
        # no ligatures: the seal copied out of the PDF must be the same characters
        '<div style="font-size:7px;width:100%;padding:0 10mm;color:#555;'
        'font-variant-ligatures:none;display:flex;justify-content:space-between">'
        f"<span>graphring case report · ring {ring_id} · packet seal {seal}</span>"
        '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span>'
        "</span></div>"
    )


def write_report(run_dir: str | Path, ring_id: str, out: str | Path) -> dict[str, Any]:
    """Print ``RUN_DIR/packets/RING_ID`` to the PDF ``out``; returns its path, pages and seal.

    Raises :class:`InputError` when there is no such packet or its files no longer match
    their SHA256SUMS, :class:`ReportError` when the page misbehaved while printing.
    """
    from graphring.headless import BrowserMissing, chromium, offline_page, open_packet

    packet = Path(run_dir) / "packets" / ring_id
    if not (packet / "index.html").is_file() or not (packet / "SHA256SUMS").is_file():
        raise InputError(f"no packet of ring {ring_id}", file=str(packet))
    changed = verify_packet(packet)
    if changed:
        raise InputError(
            "the packet's files no longer match its SHA256SUMS: " + ", ".join(changed),
            file=str(packet),
        )
    seal = packet_seal(run_dir, ring_id) or ""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with chromium() as browser:
            page, log = offline_page(browser, 1200, 900)
            open_packet(page, packet / "index.html")
            page.evaluate(
                """seal => {
                document.querySelectorAll('details').forEach(d => { d.open = true; });
                const s = document.getElementById('seal');
                if (s) s.textContent = 'packet seal (SHA-256 of SHA256SUMS): ' + seal;
                }""",
                seal,
            )
            page.emulate_media(media="print")
            page.pdf(path=str(out), footer_template=_footer(ring_id, seal), **PDF_OPTIONS)
            problems = log.problems()
            page.context.close()
    except BrowserMissing as e:
        raise ReportError(str(e)) from e
    if problems:
        raise ReportError("the packet page misbehaved while printing:\n" + "\n".join(problems))
    return {"pdf": str(out), "pages": pdf_pages(out), "seal": seal}


def pdf_pages(path: str | Path) -> int:
    """Pages of a PDF, counted from its page objects (enough for the PDFs Chromium writes)."""
    data = Path(path).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
