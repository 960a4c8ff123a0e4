"""The notebooks under notebooks/ run top to bottom in a real kernel, and their graphs show:
in the executed notebook, and in nbconvert's HTML of it in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from graphring.config import Settings
from tests.conftest import NEO4J_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01-quickstart.ipynb", "02-investigate-a-ring.ipynb", "03-neo4j.ipynb"]
#: An inline graph: its iframe and node count (srcdoc is escaped: no ">" inside the tag).
GRAPH = re.compile(r'<iframe\b[^>]*\bdata-graphring-nodes="(\d+)"')


def execute(name: str, cwd: Path) -> Any:
    """Run every cell of ``notebooks/<name>`` in a fresh python3 kernel, in ``cwd`` (its
    temporary folders too); any error fails."""
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        book, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMPDIR", str(cwd))
        client.execute()
    return book


def outputs(book: Any) -> list[Any]:
    return [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs]


def printed(book: Any) -> str:
    return "".join(o.text for o in outputs(book) if o.output_type == "stream")


def graphs(book: Any) -> list[int]:
    """Node counts of the inline graphs the notebook displayed."""
    found = []
    for o in outputs(book):
        html = o.get("data", {}).get("text/html", "")
        found += [int(n) for n in GRAPH.findall(html)]
    return found


def test_notebooks_are_committed_without_outputs() -> None:
    for name in NAMES:
        book = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(book)
        assert book.metadata.kernelspec.name == "python3"
        for cell in book.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], name
                assert cell.execution_count is None, name


@pytest.mark.notebook
def test_quickstart(tmp_path: Path) -> None:
    book = execute("01-quickstart.ipynb", tmp_path)
    assert "<Ring R-" in printed(book) and "58 shops in 12 provinces" in printed(book)
    (nodes,) = graphs(book)
    assert nodes > 58


@pytest.fixture(scope="module")
def executed_02(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return execute("02-investigate-a-ring.ipynb", tmp_path_factory.mktemp("nb02"))


@pytest.mark.notebook
def test_investigate_a_ring(executed_02: Any) -> None:
    text = printed(executed_02)
    packet = re.search(r"Packet folder: (\S+)", text)
    assert packet is not None
    assert Path(packet.group(1)).name.startswith("R-")
    assert "index.html" in text and "Sites to visit" in text and "warehouse" in text
    assert len(graphs(executed_02)) == 2  # the ring, then a shop's neighbourhood


@pytest.mark.notebook
@pytest.mark.neo4j
def test_neo4j_notebook(neo4j_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from graphring.stores.neo4j import Neo4jStore

    monkeypatch.setenv("NEO4J_URI", neo4j_uri)
    monkeypatch.setenv("NEO4J_PASSWORD", NEO4J_PASSWORD)
    store = Neo4jStore.connect(
        Settings(backend="neo4j", neo4j_uri=neo4j_uri, neo4j_password=NEO4J_PASSWORD)
    )
    store.wipe()
    try:
        book = execute("03-neo4j.ipynb", tmp_path)
    finally:
        store.wipe()
        store.close()
    text = printed(book)
    assert f"Neo4j at {neo4j_uri}" in text
    assert "58 shops" in text and "same rings on both stores: True" in text
    assert re.search(r"\(M\d+\)-\[:HAS_\w+\]->\(", text)
    assert len(graphs(book)) == 1


def _chromium() -> str:
    found = os.environ.get("GRAPHRING_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("the browser tests need Chromium: apt-get install chromium")
    return found


# Pixels the graph's canvas has painted (every 7th pixel's alpha).
_PAINTED = """() => {const c = document.querySelector('#graph canvas');
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0; for (let i = 3; i < d.length; i += 28) if (d[i] > 0) n++; return n}"""


@pytest.mark.notebook
@pytest.mark.browser
def test_rendered_notebook_shows_its_graphs(executed_02: Any, tmp_path: Path) -> None:
    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    body, _ = HTMLExporter().from_notebook_node(executed_02)
    page_file = tmp_path / "02-investigate-a-ring.html"
    page_file.write_text(body, encoding="utf-8")
    expected = [int(n) for n in GRAPH.findall(body)]
    assert len(expected) == 2
    errors: list[str] = []
    requests: list[tuple[str, str]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append((r.frame.url, r.url)))
            page.goto(page_file.as_uri())
            drawn = []
            # an iframe out of view is not painted (Chromium throttles it): scroll to each
            for element in page.query_selector_all("iframe[data-graphring-nodes]"):
                element.scroll_into_view_if_needed()
                frame = element.content_frame()
                assert frame is not None
                frame.wait_for_function(
                    "() => window.graphring && window.graphring.stabilized", timeout=60_000
                )
                drawn.append(
                    (frame.evaluate("window.graphring.nodes.length"), frame.evaluate(_PAINTED))
                )
        finally:
            browser.close()
    assert errors == []
    assert [n for n, _ in drawn] == expected
    assert all(painted > 500 for _, painted in drawn), drawn
    # the graphs fetch nothing (nbconvert's page itself names CDNs, which the graphs ignore)
    assert [u for frame, u in requests if frame == "about:srcdoc"] == []
