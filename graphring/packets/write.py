"""Write each ring's packet folder (its page is built by ring_page.py, the run overview by
overview.py).

A packet is one folder an investigator can hand on as it is: ``index.html`` (opens offline,
everything inlined), ``graph.svg`` (for print), ``members.csv``, ``evidence.csv``,
``ring.json`` (with the chain of custody), ``ring.cypher`` and ``SHA256SUMS`` (the SHA-256
of every other file in the folder, to show later that nothing was changed).

The tables every packet draws on (listings, shipments, shipment origins) are cut per ring
once, with pandas, before the per-ring loop; so are the CSV files and the page's tables and
timeline, made for every ring at once (sheets.csv_cuts, batch.py). With several writers,
each makes these for its own share of the rings (share.py). Each file is written from
memory and hashed there.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from graphring.packets.batch import PageParts
from graphring.packets.case import (
    date_text,
    outside_context,
    seen,
    site_days,
    site_spans,
)
from graphring.packets.graph import (
    context_by_ring,
    drawing_order,
    evidence_rows,
    graph_of_rows,
    origin_rows,
    ring_svg,
    shop_rows,
    vis_data,
)
from graphring.packets.pages import asset_bytes, utf8_chunks
from graphring.packets.ring_page import custody_html, packet_chunks, provinces_by_ring
from graphring.packets.share import RingRows, run_rows, shares
from graphring.parallel import fork_map, frozen_heap
from graphring.pipeline import RunResult
from graphring.progress import bar
from graphring.provenance import PROVENANCE_COLUMNS, provenance_table
from graphring.queries import query
from graphring.rundir import custody as chain_of_custody
from graphring.rundir.custody import json_text_ending, member_json
from graphring.schema import (
    LISTING_EVIDENCE_COLUMNS,
)
from graphring.scoring import listing_flags
from graphring.sheets import csv_cuts, sheet_safe

T = TypeVar("T")

#: Files whose SHA-256 ring.json records (index.html and ring.json are in SHA256SUMS).
HASHED_IN_JSON = ["members.csv", "evidence.csv", "provenance.csv", "graph.svg", "ring.cypher"]


def listing_evidence(listings: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Listings of ring members far below retail or whose image quotes another price
    (:func:`graphring.scoring.listing_flags`, the rule the scores use).

    ``members``: ring_id, merchant_id, name. One row per (ring, listing).
    """
    lst = listings.merge(
        members[["ring_id", "merchant_id", "name"]].rename(columns={"name": "shop_name"}),
        on="merchant_id",
    )
    flags = listing_flags(lst)
    # the rule the scores use (unrounded share); the page shows the share to 2 decimals
    cheap, mism = flags["cheap"], flags["image_mismatch"]
    lst["image_price"] = flags["image_price"]
    lst["share_of_retail"] = flags["share"].round(2)
    pct = (lst["share_of_retail"] * 100).round().astype("Int64").astype("string")
    why_cheap = ("at " + pct + "% of retail").where(cheap, "")
    said = lst["image_price"].map("{:g}".format, na_action="ignore").astype("string")
    why_img = ("image says " + said).where(mism, "")
    lst["why"] = (why_cheap + "; " + why_img).str.strip("; ")
    lst = lst.loc[cheap | mism]
    return lst[["ring_id", *LISTING_EVIDENCE_COLUMNS]].sort_values(
        ["ring_id", "share_of_retail", "listing_id"], kind="stable"
    )


def ring_origins(
    holdings: pd.DataFrame, members: pd.DataFrame, supernodes: pd.DataFrame
) -> pd.DataFrame:
    """Parcels each ring member sent from each origin address: ring_id, merchant_id, key,
    shipments. Supernode addresses (a national hub) are left out."""
    hub = supernodes.loc[supernodes["kind"] == "address", "key"]
    h = holdings.loc[
        (holdings["kind"] == "address") & (holdings["shipments"] > 0) & ~holdings["key"].isin(hub)
    ]
    h = h.merge(members[["ring_id", "merchant_id"]], on="merchant_id")
    return h.groupby(["ring_id", "merchant_id", "key"], as_index=False, sort=True)[
        "shipments"
    ].sum()


def monthly(members: pd.DataFrame, shipments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shops opened and shipments sent per ring and month (``YYYY-MM``)."""
    opened = members.assign(month=date_text(pd.to_datetime(members["opened_on"]), "M", "%Y-%m"))
    opened = opened.dropna(subset=["month"]).groupby(["ring_id", "month"]).size()
    sent = shipments[["merchant_id", "shipped_at"]].merge(
        members[["ring_id", "merchant_id"]], on="merchant_id"
    )
    sent = sent.assign(month=date_text(pd.to_datetime(sent["shipped_at"]), "M", "%Y-%m"))
    per_shop = sent.groupby(["ring_id", "merchant_id"]).size().rename("shipments")
    sent = sent.dropna(subset=["month"]).groupby(["ring_id", "month"]).size()
    both = pd.concat({"shops opened": opened, "shipments sent": sent}, axis=1).fillna(0)
    return both.astype(int).sort_index(), per_shop.reset_index()


def _group(frame: pd.DataFrame, by: str) -> dict[Any, pd.DataFrame]:
    return {k: g for k, g in frame.groupby(by, sort=False)}


def _rows_by(
    frame: pd.DataFrame, by: str, rows: Callable[[pd.DataFrame], list[T]]
) -> dict[Any, list[T]]:
    """``rows(frame)`` cut by the values of the column ``by``, each cut in the frame's
    order: the rows of every ring taken out of the frame at once."""
    codes, keys = pd.factorize(frame[by], sort=False)
    order = np.argsort(codes, kind="stable")
    made = rows(frame.iloc[order])
    starts = np.searchsorted(codes[order], np.arange(len(keys) + 1)).tolist()
    return {k: made[starts[i] : starts[i + 1]] for i, k in enumerate(keys)}


def _csv_by(frame: pd.DataFrame, by: str, keep_by: bool = True) -> dict[Any, bytes]:
    """Each ring's CSV file of ``frame`` (without the column ``by`` unless ``keep_by``):
    formula-like cells neutralised (sheets.py), cut by the values of ``by`` as they were
    before (a ring id itself is never quoted into another key)."""
    safe = sheet_safe(frame if keep_by else frame.drop(columns=by))
    return csv_cuts(safe, frame[by].to_numpy())


def _of_nodes(frame: pd.DataFrame, nodes: pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` of the graph nodes ``nodes``, in their order."""
    return frame.loc[frame["node"].isin(nodes.unique())]


def _counts(counts: pd.Series, keys: pd.DataFrame) -> np.ndarray:
    """``counts`` (indexed by the columns of ``keys``) for each row of ``keys``, 0 where
    it has none."""
    found = counts.reindex(pd.MultiIndex.from_frame(keys))
    return found.fillna(0).astype(int).to_numpy()


def _csv_text(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def write_packets(
    result: RunResult,
    docs: list[dict[str, Any]],
    folder: Path,
    meanwhile: Callable[[], object] | None = None,
) -> dict[str, str]:
    """One packet folder per ring document (as rings.json holds it) under ``folder``;
    ``meanwhile`` runs here while forked writers write them (else first). Gives each
    packet's seal (:func:`graphring.review.packet_seal`) by ring id, in the docs' order.

    Packets are written over ``settings.processes()`` forked processes when there are
    enough rings to pay for it, each taking a share of the rings balanced by their sizes
    (:func:`graphring.packets.share.shares`) and cutting the tables its packets draw on
    itself; each packet depends only on its ring, so the files are the same for any
    number."""
    folder.mkdir(parents=True, exist_ok=True)
    if not docs:
        if meanwhile is not None:
            meanwhile()
        return {}
    # the same chain of custody (and time) in every packet, whichever process writes it
    chain = chain_of_custody.custody(result)
    # read and encoded here, once, not in each forked writer
    asset_bytes()
    workers = max(1, min(result.settings.processes(), len(docs) // PACKETS_PER_PROCESS))
    rows = run_rows(result).of([doc["ring_id"] for doc in docs])
    shared = (result, chain, rows, docs, folder, workers)
    with frozen_heap():
        written = fork_map(_write_share, shared, shares(docs, workers), workers, meanwhile)
    seals = {rid: seal for share in written for rid, seal in share.items()}
    return {doc["ring_id"]: seals[doc["ring_id"]] for doc in docs}


#: Below this many rings per extra process, forking costs more than it saves.
PACKETS_PER_PROCESS = 50


def _write_share(
    shared: tuple[RunResult, dict[str, Any], RingRows, list[dict[str, Any]], Path, int],
    share: list[int],
) -> dict[str, str]:
    result, chain, rows, every, folder, writers = shared
    docs = [every[i] for i in share]
    sources = _PacketSources(result, chain, [doc["ring_id"] for doc in docs], rows)
    # one bar when one process writes every packet; forked writers would draw over each other
    return {
        doc["ring_id"]: sources.write(doc, folder)
        for doc in (bar(docs, len(docs), "packets") if writers == 1 else docs)
    }


class _PacketSources:
    """What the packets draw on, cut per ring once."""

    def __init__(
        self,
        result: RunResult,
        chain: dict[str, Any] | None = None,
        ring_ids: Collection[str] | None = None,
        rows: RingRows | None = None,
    ) -> None:
        """What the packets of ``ring_ids`` (every ring by default) draw on, cut from
        ``rows`` (every row of the run by default); ``chain``: the chain of custody they
        carry (made now by default)."""
        self.result = result
        self.chain = chain if chain is not None else chain_of_custody.custody(result)
        rings = ring_ids if ring_ids is not None else result.rings["ring_id"]
        rows = (rows if rows is not None else run_rows(result)).of(rings)
        members = rows.members
        # formula-like cells neutralised once for every ring's CSV (sheets.py), not per ring
        self.members_csv_by = _csv_by(members, "ring_id")
        shipments = rows.shipments
        pairs = members[["ring_id", "merchant_id"]]
        spell = rows.spellings
        if spell is None or spell.empty:
            spell = pd.DataFrame(
                columns=["ring_id", "kind", "key", "merchant_id", "raw", "file", "line"]
            )
        else:
            spell = spell.merge(pairs, on="merchant_id").merge(
                rows.evidence[["ring_id", "kind", "key"]], on=["ring_id", "kind", "key"]
            )
        # spellings of all rings at once; each packet takes its cut
        provenance = provenance_table(spell)
        self.provenance_csv_by = _csv_by(provenance, "ring_id", keep_by=False)
        self.no_provenance_csv = _csv_text(_NO_PROVENANCE.drop(columns="ring_id"))
        raw = (
            spell.drop_duplicates(["ring_id", "kind", "key", "raw"])
            .groupby(["ring_id", "kind", "key"])["raw"]
            .agg(" | ".join)
            .rename("raw_values")
        )
        evidence = rows.evidence.join(raw, on=["ring_id", "kind", "key"]).merge(
            seen(rows.evidence, members, shipments), on=["ring_id", "kind", "key"], how="left"
        )
        # evidence.csv keeps the run's order (rarest first); the page lists the backbone first
        self.evidence_by = _group(evidence, "ring_id")
        self.evidence_rows_by = _rows_by(evidence, "ring_id", evidence_rows)
        self.evidence_csv_by = _csv_by(evidence, "ring_id")
        self.no_evidence_csv = _csv_text(sheet_safe(result.evidence.head(0)))
        days = site_days(members, shipments)
        links = result.links
        context = (
            outside_context(
                rows.memberships,
                # the identifiers these shops' memberships name (of every identifier)
                _of_nodes(links.identifiers, rows.memberships["node"]),
                pairs,
                rows.merchants.merge(rows.names, on="merchant_id"),
            )
            if links is not None and rows.memberships is not None
            else None
        )
        self.context_by = context_by_ring(context) if context is not None else {}
        spans = site_spans(days).rename(columns={"ring_id": "ring", "key": "address"})
        self.leads = rows.leads.merge(spans, on=["ring", "address"], how="left")
        origins = ring_origins(rows.holdings, members, result.supernodes)
        self.origin_rows_by = _rows_by(origins, "ring_id", origin_rows)
        # parcels the ring's shops sent from each of its sites
        ring_ships = origins.groupby(["ring_id", "key"])["shipments"].sum()
        self.leads["ring_shipments"] = _counts(ring_ships, self.leads[["ring", "address"]])
        self.leads_by = _group(self.leads, "ring")
        listings = listing_evidence(rows.listings, members)
        self.listings_by = _group(listings, "ring_id")
        timeline, per_shop = monthly(members, shipments)
        # each shop's parcels, for its page
        members = members.assign(
            shipments=_counts(
                per_shop.set_index(["ring_id", "merchant_id"])["shipments"],
                members[["ring_id", "merchant_id"]],
            )
        )
        self.members_by = _group(members, "ring_id")
        self.shop_rows_by = _rows_by(drawing_order(members), "ring_id", shop_rows)
        provinces = provinces_by_ring(members)
        self.provinces_by = _group(provinces, "ring_id")
        # the whole frames each ring's page tables are cut from
        self.frames = {
            "members": members,
            "evidence": evidence,
            "leads": self.leads,
            "listings": listings,
            "provinces": provinces,
            "provenance": provenance,
            "timeline": timeline,
            "days": days,
        }
        self.parts = PageParts(**self.frames)
        self.view = query("ring_view")
        # the same in every packet: made once
        self.chain_json = member_json(self.chain)
        self.custody_parts = custody_html(self.chain)
        self.no_evidence = result.evidence.head(0)
        self.no_leads = self.leads.head(0)

    def write(self, doc: dict[str, Any], folder: Path) -> str:
        """Write the packet of ``doc`` under ``folder``; its seal (the SHA-256 of its
        SHA256SUMS, :func:`graphring.review.packet_seal`)."""
        result = self.result
        rid = doc["ring_id"]
        out = folder / rid
        out.mkdir()
        mem = self.members_by[rid]
        ev = self.evidence_by.get(rid, self.no_evidence)
        ld = self.leads_by.get(rid, self.no_leads)
        # every file is written from memory and hashed there (not read back)
        files = {
            "members.csv": _put(out / "members.csv", [self.members_csv_by[rid]]),
            "evidence.csv": _put(
                out / "evidence.csv", [self.evidence_csv_by.get(rid, self.no_evidence_csv)]
            ),
            "provenance.csv": _put(
                out / "provenance.csv", [self.provenance_csv_by.get(rid, self.no_provenance_csv)]
            ),
        }
        g = graph_of_rows(
            rid,
            self.shop_rows_by[rid],
            self.evidence_rows_by.get(rid, []),
            self.origin_rows_by.get(rid, []),
        )
        svg = ring_svg(g)
        files["graph.svg"] = _put(out / "graph.svg", _text([svg]))
        ids = [str(m) for m in mem["merchant_id"]]
        cypher = (
            f"// Ring {rid}: paste into Neo4j Browser against a graph loaded by graphring.\n"
            f":param members => {json.dumps(ids)};\n\n{self.view}"
        )
        files["ring.cypher"] = _put(out / "ring.cypher", _text([cypher]))
        files = {name: files[name] for name in HASHED_IN_JSON}
        ring_json = json_text_ending(doc, {"custody": self.chain_json, "files": member_json(files)})
        files["ring.json"] = _put(out / "ring.json", _text([ring_json]))
        page = packet_chunks(
            result,
            doc,
            mem,
            ev,
            ld,
            self.listings_by.get(rid, _EMPTY_LISTINGS),
            {**vis_data(g), "context": self.context_by.get(rid, {})},
            self.chain,
            self.provinces_by[rid],
            self.parts.of(rid),
            files=files,
            svg=svg,
            custody_parts=self.custody_parts,
        )
        files["index.html"] = _put(out / "index.html", _text(page))
        sums = "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items()))
        # the packet's seal: the SHA-256 of SHA256SUMS as written
        return _put(out / "SHA256SUMS", _text([sums]))


def _text(chunks: list[str]) -> list[bytes]:
    """Text as ``Path.write_text(encoding="utf-8")`` writes it (line ends as the system's);
    the pieces every page shares are encoded once (:func:`pages.utf8_chunks`)."""
    if os.linesep != "\n":
        chunks = [c.replace("\n", os.linesep) for c in chunks]
    return utf8_chunks(chunks)


def _put(path: Path, chunks: list[bytes]) -> str:
    """Write ``chunks`` to ``path``; their SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


_EMPTY_LISTINGS = pd.DataFrame({c: pd.Series(dtype=object) for c in LISTING_EVIDENCE_COLUMNS})
_NO_PROVENANCE = pd.DataFrame(columns=["ring_id", *PROVENANCE_COLUMNS])
