"""The notebook API (graphring.investigation): the same answers from a fresh run and from its
run folder, self-contained inline graphs, neighbourhoods, comparisons, Cypher."""

from __future__ import annotations

import copy
import dataclasses
import doctest
import importlib
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graphring.config import Settings, load_settings
from graphring.errors import StoreError
from graphring.investigation import Investigation, NeedsInputData, investigate, open_run
from graphring.queries import query
from graphring.sample import SampleInfo
from graphring.stores.base import Store


@pytest.fixture(scope="module")
def inv(sample: SampleInfo) -> Investigation:
    return investigate(sample.data_dir)


@pytest.fixture(scope="module")
def run_dir(inv: Investigation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return inv.write(tmp_path_factory.mktemp("nbrun") / "run")


@pytest.fixture(scope="module")
def reopened(run_dir: Path, sample: SampleInfo) -> Investigation:
    return open_run(run_dir, data_dir=sample.data_dir)


# -- rings and their parts -------------------------------------------------------------------


def test_rings_ranked_by_score_and_match_the_run(inv: Investigation) -> None:
    rings = inv.rings()
    assert inv.result is not None
    assert rings["score"].is_monotonic_decreasing
    assert set(rings["ring_id"]) == set(inv.result.rings["ring_id"])
    expected = inv.result.rings.set_index("ring_id")
    for r in rings.itertuples(index=False):
        assert r.size == expected.at[r.ring_id, "size"]
        assert r.score == pytest.approx(expected.at[r.ring_id, "ring_score"])
        assert r.kinds == expected.at[r.ring_id, "kinds"]


def test_a_ring_points_at_its_packet_once_written(
    inv: Investigation, run_dir: Path, reopened: Investigation
) -> None:
    # run_dir wrote inv's run folder: the ring's packet is the folder the run wrote
    ring = inv.largest_ring()
    assert inv.folder == run_dir.resolve()
    assert ring.packet == run_dir.resolve() / "packets" / ring.ring_id
    assert (ring.packet / "index.html").is_file()
    assert reopened.ring(ring.ring_id).packet == ring.packet
    # before a run folder is written there is no packet to point at
    unwritten = copy.copy(inv)
    unwritten.folder = None
    assert unwritten.ring(ring.ring_id).packet is None


def test_a_ring_has_its_members_evidence_leads_and_reasons(inv: Investigation) -> None:
    ring = inv.largest_ring()
    assert ring.size >= 58
    assert int(ring.members["core"].sum()) == ring.size
    assert (ring.members["ring_id"] == ring.ring_id).all()
    assert (ring.evidence["ring_id"] == ring.ring_id).all()
    assert len(ring.evidence) > 10
    assert not ring.leads.empty
    assert all(ring.ring_id in r.split(";") for r in ring.leads["rings"])
    assert ring.reasons["points"].sum() == pytest.approx(ring.score, abs=0.2)


def test_timeline_counts_every_opening_and_shipment(inv: Investigation) -> None:
    ring = inv.largest_ring()
    t = ring.timeline
    assert list(t.columns) == ["shops_opened", "shipments"]
    months = pd.PeriodIndex(t.index, freq="M")
    assert list(months) == list(pd.period_range(months.min(), months.max(), freq="M"))
    assert t["shops_opened"].sum() == ring.members["opened_on"].notna().sum()
    ships = inv.tables()["shipments"]
    assert t["shipments"].sum() == ships["merchant_id"].isin(ring.merchant_ids).sum() > 0


def test_listings_are_cheap_or_quote_another_price(inv: Investigation) -> None:
    ring = inv.largest_ring()
    lst = ring.listings
    assert len(lst) > 50
    assert lst["merchant_id"].isin(ring.merchant_ids).all()
    cheap = lst["share_of_retail"] < 0.6
    other = (lst["image_price"] - lst["price"]).abs() > 0.1 * lst["price"]
    assert (cheap | other).all()
    assert (lst["why"] != "").all()
    assert set(lst["brand"]) <= {"Kingston", "Samsung"}


# -- reading a run folder ---------------------------------------------------------------------


def test_open_run_answers_as_the_run_did(inv: Investigation, reopened: Investigation) -> None:
    pd.testing.assert_frame_equal(inv.rings(), reopened.rings())
    assert reopened.run_id == inv.run_id
    assert reopened.settings.public() == inv.settings.public()
    for rid in inv.rings()["ring_id"]:
        a, b = inv.ring(rid), reopened.ring(rid)
        cols = ["merchant_id", "core", "name", "province", "risk_score", "reasons"]
        pd.testing.assert_frame_equal(
            a.members[cols].astype(object), b.members[cols].astype(object), check_dtype=False
        )
        pd.testing.assert_frame_equal(
            a.evidence.astype(object), b.evidence.astype(object), check_dtype=False
        )
        assert a.leads["address"].tolist() == b.leads["address"].tolist()
        assert a.reasons.equals(b.reasons)
    ring_a, ring_b = inv.largest_ring(), reopened.largest_ring()
    pd.testing.assert_frame_equal(ring_a.timeline, ring_b.timeline)
    pd.testing.assert_frame_equal(ring_a.listings, ring_b.listings, check_dtype=False)
    assert set(ring_a.graph.nodes) == set(ring_b.graph.nodes)
    assert ring_b.packet == reopened.folder / "packets" / ring_b.ring_id
    pd.testing.assert_frame_equal(
        inv.merchants().astype(object), reopened.merchants().astype(object), check_dtype=False
    )


def test_open_run_without_its_data_still_shows_rings(run_dir: Path) -> None:
    bare = open_run(run_dir)
    assert bare.data_dir is None
    ring = bare.largest_ring()
    assert ring.size >= 58 and len(ring.evidence) > 10
    assert f"{ring.graph.number_of_nodes()} nodes" in ring.graph_html()
    with pytest.raises(NeedsInputData, match="data_dir"):
        ring.timeline  # noqa: B018
    with pytest.raises(NeedsInputData):
        bare.neighbourhood(ring.merchant_ids[0])


def test_open_run_refuses_data_that_changed(
    run_dir: Path, sample: SampleInfo, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample.data_dir, data)
    with (data / "listings.csv").open("a", encoding="utf-8") as f:
        f.write("LEXTRA1,M_NOBODY,Kingston,fake,1.0,399.0,\n")
    changed = open_run(run_dir, data_dir=data)
    with pytest.raises(NeedsInputData, match=r"listings\.csv"):
        changed.largest_ring().listings  # noqa: B018


def test_open_run_finds_the_demo_data_and_reads_a_run_without_packets(
    inv: Investigation, sample: SampleInfo, tmp_path: Path
) -> None:
    folder = inv.write(tmp_path / "run", packets=False)
    shutil.copytree(sample.data_dir, folder / "sample" / "data")
    opened = open_run(folder)
    assert opened.data_dir == (folder / "sample" / "data").resolve()
    ring = opened.largest_ring()
    assert int(ring.members["core"].sum()) == ring.size
    pd.testing.assert_frame_equal(
        ring.evidence.astype(object),
        inv.ring(ring.ring_id).evidence.astype(object),
        check_dtype=False,
    )
    assert ring.timeline["shipments"].sum() > 0
    assert ring.packet is None


def test_open_run_needs_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a graphring run folder"):
        open_run(tmp_path)


# -- inline graphs ----------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        self._in = a.get("id") if tag == "script" else None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.data[self._in] = self.data.get(self._in, "") + data


def _parse(markup: str) -> _Tags:
    p = _Tags()
    p.feed(markup)
    p.close()
    return p


def _inner(markup: str) -> tuple[dict[str, str | None], _Tags]:
    outer = _parse(markup)
    frames = [a for t, a in outer.tags if t == "iframe"]
    assert len(frames) == 1
    frame = frames[0]
    srcdoc = frame["srcdoc"]
    assert srcdoc
    return frame, _parse(srcdoc)


def _offline(doc: _Tags) -> None:
    for tag, attrs in doc.tags:
        assert tag not in {"link", "img", "iframe", "object", "embed"}, tag
        if tag == "script":
            assert "src" not in attrs
        for name, value in attrs.items():
            if name in {"src", "href", "action", "data"}:
                assert not str(value).lower().startswith(("http:", "https:", "//")), (tag, attrs)


def test_ring_graph_html_is_self_contained_with_every_node(inv: Investigation) -> None:
    ring = inv.largest_ring()
    g = ring.graph
    markup = ring.graph_html()
    frame, doc = _inner(markup)
    assert frame["sandbox"] == "allow-scripts"
    assert frame["data-graphring-nodes"] == str(g.number_of_nodes())
    _offline(doc)
    scripts = [a for t, a in doc.tags if t == "script"]
    assert len(scripts) == 3  # the data, vis-network, the page's own
    csp = [a for t, a in doc.tags if t == "meta" and a.get("http-equiv")]
    policy = str(csp[0]["content"]) if csp else ""
    assert "default-src 'none'" in policy
    script_src = policy.split("script-src")[1].split(";")[0]
    assert script_src.count("'sha256-") == 2 and "unsafe" not in script_src
    data = json.loads(doc.data["graph-data"])
    assert len(data["nodes"]) == g.number_of_nodes() >= ring.size + 20
    assert len(data["edges"]) == g.number_of_edges()
    shops = [n for n in data["nodes"] if str(n["id"]).startswith("m:")]
    assert len(shops) == len(ring.members)
    assert f"{g.number_of_nodes()} nodes" in str(frame["srcdoc"])
    # origins: with the input data the graph draws where parcels leave from
    assert any(n["kind"] == "origin" for n in data["nodes"])


def test_graph_html_keeps_hostile_data_as_text(inv: Investigation) -> None:
    ring = inv.largest_ring()
    evil = '</script><script>alert("x")</script><img src=https://evil.example/x>"\'&'
    members = ring.members.assign(name=evil, merchant_id=ring.members["merchant_id"])
    members.loc[0, "merchant_id"] = evil
    hostile = dataclasses.replace(ring, members=members)
    markup = hostile.graph_html()
    start = markup.index('srcdoc="') + len('srcdoc="')
    attribute = markup[start : markup.index('"', start)]
    assert "<" not in attribute and ">" not in attribute
    _, doc = _inner(markup)
    _offline(doc)
    assert [t for t, _ in doc.tags].count("script") == 3
    names = {n.get("name") for n in json.loads(doc.data["graph-data"])["nodes"]}
    assert evil in names


def test_neighbourhood_graph_html_is_self_contained(inv: Investigation) -> None:
    near = inv.neighbourhood(inv.largest_ring().merchant_ids[0], hops=1)
    frame, doc = _inner(near.graph_html())
    _offline(doc)
    data = json.loads(doc.data["graph-data"])
    assert str(len(data["nodes"])) == frame["data-graphring-nodes"]
    assert (
        len(data["nodes"])
        == near.graph.number_of_nodes()
        == len(near.shops) + len(near.identifiers)
    )


def test_show_displays_html_with_a_text_fallback(
    inv: Investigation, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[Any] = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    ring = inv.largest_ring()
    ring.show()
    (bundle,), kwargs = shown[0]
    assert kwargs == {"raw": True}
    assert bundle["text/plain"] == repr(ring)
    assert bundle["text/html"].startswith('<div class="graphring-graph"><iframe srcdoc=')
    assert ring._repr_html_().count("<iframe") == 1


# -- neighbourhoods and comparisons -----------------------------------------------------------


def test_neighbourhood_walks_shared_identifiers(inv: Investigation) -> None:
    shop = inv.largest_ring().merchant_ids[0]
    one = inv.neighbourhood(shop, hops=1)
    two = inv.neighbourhood(shop, hops=2)
    assert one.shops["merchant_id"].iloc[0] == shop and one.shops["hop"].iloc[0] == 0
    assert set(one.shops["hop"]) == {0, 1}
    assert set(one.shops["merchant_id"]) <= set(two.shops["merchant_id"])
    assert (one.shops.loc[one.shops["hop"] == 1, "shared"] >= 1).all()
    held = inv.tables()["holdings"]
    own = held.loc[held["merchant_id"] == shop]
    mine = set(zip(own["kind"], own["key"], strict=True))
    for row in one.shops.loc[one.shops["hop"] == 1].itertuples(index=False):
        theirs = held.loc[held["merchant_id"] == row.merchant_id]
        assert mine & set(zip(theirs["kind"], theirs["key"], strict=True))
    with pytest.raises(ValueError, match="hops"):
        inv.neighbourhood(shop, hops=3)
    with pytest.raises(KeyError, match="M_NOBODY"):
        inv.neighbourhood("M_NOBODY")


def test_neighbourhood_does_not_walk_through_supernodes(inv: Investigation) -> None:
    assert inv.result is not None
    sn = inv.result.supernodes.iloc[0]
    held = inv.tables()["holdings"]
    holders = held.loc[(held["kind"] == sn["kind"]) & (held["key"] == sn["key"]), "merchant_id"]
    near = inv.neighbourhood(str(holders.iloc[0]), hops=1)
    assert len(near.shops) < int(sn["holders"])
    assert sn["key"] not in set(near.identifiers["key"])


def test_compare_lists_what_two_rings_share(inv: Investigation, sample: SampleInfo) -> None:
    ring = inv.largest_ring()
    itself = inv.compare(ring.ring_id, ring.ring_id)
    assert list(itself.columns) == ["shared", "kind", "key", "shops_a", "shops_b", "detail"]
    assert (itself["shared"] == "member").sum() == len(ring.members)
    keys = set(zip(itself["kind"], itself["key"], strict=True))
    assert set(zip(ring.evidence["kind"], ring.evidence["key"], strict=True)) <= keys
    assert (itself["shared"] == "lead").sum() == len(ring.leads)
    # the big ring's three cells, cut apart, share the bridges' warehouses and an account
    cells = investigate(sample.data_dir, load_settings(merge_bridges=10**6))
    mine = set(ring.merchant_ids)
    ids = [r for r in cells.rings()["ring_id"] if set(cells.ring(r).merchant_ids) & mine]
    assert len(ids) == 3
    shared = cells.compare(ids[0], ids[1])
    assert shared.attrs == {"a": ids[0], "b": ids[1]}
    assert {"identifier", "lead"} <= set(shared["shared"])
    assert "member" not in set(shared["shared"])
    across = inv.compare(ring, cells.ring(ids[0]))
    assert (across["shared"] == "member").sum() == cells.ring(ids[0]).size


def test_unknown_ring(inv: Investigation) -> None:
    with pytest.raises(KeyError, match="R-nope"):
        inv.ring("R-nope")


# -- Cypher -----------------------------------------------------------------------------------


class _FakeNeo4j(Store):
    name = "neo4j"

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def query(self, text: str, /, **params: Any) -> pd.DataFrame:
        self.calls.append((text, params))
        return pd.DataFrame({"merchant_id": params.get("members", [])})

    def load(self, dataset: Any) -> dict[str, int]:
        raise NotImplementedError

    def merchants(self) -> pd.DataFrame:
        raise NotImplementedError

    listings = shipments = addresses = holdings = merchants


def test_cypher_runs_named_queries_through_the_read_only_session(inv: Investigation) -> None:
    with pytest.raises(TypeError, match="Neo4j"):
        inv.cypher("ring_view", members=["M1"])
    fake = _FakeNeo4j()
    on_neo4j = Investigation(
        run_id="r",
        settings=Settings(),
        docs=[],
        members=inv.result.members.head(0) if inv.result is not None else pd.DataFrame(),
        evidence=inv.result.evidence.head(0) if inv.result is not None else pd.DataFrame(),
        merchants=pd.DataFrame(),
        leads=pd.DataFrame({"rings": []}),
        supernodes=set(),
        store=fake,
    )
    for name in ["no_such_query", "MATCH (n) RETURN n"]:
        with pytest.raises(ValueError, match="not a query under cypher/"):
            on_neo4j.cypher(name)
    out = on_neo4j.cypher("ring_view", members=["M1", "M2"])
    assert fake.calls == [(query("ring_view"), {"members": ["M1", "M2"]})]
    assert out["merchant_id"].tolist() == ["M1", "M2"]


@pytest.mark.neo4j
def test_cypher_on_real_neo4j(sample: SampleInfo, neo4j_store: Store) -> None:
    on_neo4j = investigate(sample.data_dir, Settings(backend="neo4j"), neo4j_store)
    memory = investigate(sample.data_dir)
    pd.testing.assert_frame_equal(on_neo4j.rings(), memory.rings())
    ring = on_neo4j.largest_ring()
    view = on_neo4j.cypher("ring_view", members=ring.merchant_ids)
    assert len(view) == len(ring.members)
    # the same graph reads the same way however it was loaded: shops by id, each shop's
    # shared paths by kind (addresses first), key and other shop
    assert [m["merchant_id"] for m in view["m"]] == sorted(ring.merchant_ids)
    kinds = [p.split("]->(")[0].rsplit("[:", 1)[1] for p in view.iloc[0]["shared"]]
    assert kinds == sorted(kinds)
    first = view.iloc[0]
    assert first["m"]["merchant_id"] in ring.merchant_ids
    assert "Merchant" in first["m"]["labels"]
    assert first["shared"] and all(p.startswith("(M") for p in first["shared"])
    assert any("]->(" in p and "<-[" in p for p in first["shared"])
    counts = on_neo4j.cypher("count_nodes")
    assert int(counts.set_index("label").at["Merchant", "n"]) == len(memory.merchants())
    # a query file that writes is refused by the server (read-only session), nothing changes
    with pytest.raises(StoreError, match="read-only"):
        on_neo4j.cypher("write_rings", run_id="from-a-notebook", rings=[], members=[])
    assert on_neo4j.cypher("count_nodes").equals(counts)


# -- the examples in the docstrings -----------------------------------------------------------


def test_docstring_examples_run() -> None:
    attempted = 0
    for name in ["", ".session", ".ring", ".neighbourhood", ".compare", ".cypher"]:
        module = importlib.import_module("graphring.investigation" + name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
        attempted += result.attempted
    assert attempted > 20
