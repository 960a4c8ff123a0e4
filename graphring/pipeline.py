"""The whole job, written once for every store: read, load, link, detect, score, find leads.

>>> from graphring.sample import write_sample
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> info = write_sample(folder, n_shops=2500, seed=3)
>>> result = run_pipeline(info.data_dir)
>>> int(result.rings.iloc[0]["size"]) >= 3
True
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphring.config import Settings, load_settings
from graphring.contract import (
    PARALLEL_READ_BYTES,
    Dataset,
    SourceFile,
    input_bytes,
    read_dataset,
    rows_set_aside,
    values_left_empty,
)
from graphring.detect import Detection, Partition, detection_for
from graphring.grouped import joined_distinct, of_groups, shop_rows, with_shop_columns
from graphring.leads import find_leads, site_holdings
from graphring.lineage import match_rings
from graphring.linking import Links, build_links
from graphring.parallel import Background, warm_background
from graphring.places import Matched, add_coded_places, dataset_address_keys, match_places
from graphring.progress import stage_bar, stage_done
from graphring.provenance import spellings
from graphring.schema import MERCHANT_COLUMNS, RING_EVIDENCE_COLUMNS
from graphring.scoring import RISK_COLUMNS, merchant_risk, ring_scores
from graphring.stores.base import HeldCodes, RingWriter, Store, give_back_arrow_memory
from graphring.ties import member_ties


@dataclass
class RunResult:
    """Everything one run found, as DataFrames, plus what it needs to explain itself."""

    run_id: str
    started: str
    settings: Settings
    #: ring_id, ring_score, size, associates, density, kinds, provinces, province_list, reasons
    rings: pd.DataFrame
    #: ring_id, merchant_id, core, name, province, city, risk_score, reasons
    members: pd.DataFrame
    #: ring_id, points, text
    ring_reasons: pd.DataFrame
    #: merchant_id, risk_score, ring_id, reasons (every merchant)
    merchants: pd.DataFrame
    #: merchant_id, points, text
    merchant_reasons: pd.DataFrame
    #: ring_id, kind, key, shops_in_ring, shops_total, rarity, shipments, merchant_ids
    evidence: pd.DataFrame
    leads: pd.DataFrame
    supernodes: pd.DataFrame
    rejects: pd.DataFrame
    counts: dict[str, Any]
    sources: dict[str, SourceFile]
    engine: str
    timings: dict[str, float] = field(default_factory=dict)
    #: the stored tables the packets draw on
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    links: Links | None = None
    changes: dict[str, Any] | None = None
    #: "today" of the run: {"date": YYYY-MM-DD, "from": "run date" or "as_of setting"}
    today: dict[str, str] = field(default_factory=dict)
    #: shops investigators took out of rings (graphring.review): ring_id, merchant_id, note,
    #: by, at, run_id, recorded_ring (the ring id the exclusion was recorded on)
    excluded: pd.DataFrame | None = None
    #: identifiers recognised as services (graphring.services): kind, key, holders,
    #: cohesion, weight_factor
    services: pd.DataFrame = field(default_factory=pd.DataFrame)

    def ring(self, ring_id: str) -> pd.Series:
        return self.rings.set_index("ring_id").loc[ring_id]


def ring_id_for(members: list[str]) -> str:
    """A ring's id from its sorted core members: the same group gets the same id.

    >>> ring_id_for(["M2", "M1"]) == ring_id_for(["M1", "M2"])
    True
    """
    digest = hashlib.sha256("\n".join(sorted(members)).encode()).hexdigest()
    return "R-" + digest[:8]


#: The stages a run times (run.json's stage_seconds), in order.
STAGES = ("read_validate_normalize", "load", "link", "detect", "score", "leads", "write_back")


class _Clock:
    """Times each stage, logs it (``graphring -v``) and moves the terminal's stage bar."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()
        self._bar = stage_bar(len(STAGES), "run")

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._t, 3)
        self._t = now
        stage_done(stage, self.timings[stage])
        self._bar.set_postfix_str(stage, refresh=False)
        self._bar.update(1)
        if len(self.timings) == len(STAGES):
            self._bar.close()


@dataclass(frozen=True)
class PreviousRun:
    """What a scheduled run needs of the run before it: its id and its rings' members."""

    run_id: str
    rings: dict[str, set[str]]


def run_date(settings: Settings) -> tuple[pd.Timestamp, str]:
    """The run's "today" and where it comes from: the ``as_of`` setting, else the date (UTC).

    >>> run_date(load_settings(env={}, as_of="2026-06-30"))
    (Timestamp('2026-06-30 00:00:00'), 'as_of setting')
    """
    if settings.as_of:
        return pd.Timestamp(settings.as_of).normalize(), "as_of setting"
    return pd.Timestamp.now(tz="UTC").tz_localize(None).normalize(), "run date"


#: From this many shops, shop risk is scored in a second process while links are built.
BACKGROUND_MIN_SHOPS = 50_000


def run_pipeline(
    data_dir: str | Path | Dataset,
    settings: Settings | None = None,
    store: Store | None = None,
    previous: PreviousRun | None = None,
    excluded: pd.DataFrame | None = None,
    feedback: Mapping[str, float] | None = None,
    detection: Detection | None = None,
) -> RunResult:
    """Load a data folder into ``store`` (the embedded one by default), link, detect, score.

    With ``previous``, rings that are substantially the same group keep their ids and
    ``changes`` lists what is new, grown, shrunk, merged, split or dissolved; ``excluded``
    (ring_id, merchant_id, note, by, at: :func:`graphring.review.exclusions`) takes shops out
    of the groups that carry those rings of ``previous`` on. ``feedback`` multiplies kind
    weights by investigators' verdicts (graphring/feedback.py). ``detection`` cuts the rings
    (:class:`graphring.detect.Detection`); by default the one ``settings.detection`` names
    (:func:`graphring.detect.detection_for`).

    Raises :class:`graphring.errors.InputError` for input it cannot use, before anything
    is written to the store.
    """
    settings = settings or load_settings()
    if settings.backend == "spark" or (store is not None and store.name == "spark"):
        from graphring.spark.store import run_with_spark

        return run_with_spark(data_dir, settings, store, previous, excluded, feedback)
    if store is None:
        from graphring.stores.memory import MemoryStore

        store = MemoryStore()
    detection = detection or detection_for(settings, store)
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    clock = _Clock()
    today, today_from = run_date(settings)
    if (
        settings.processes() > 1
        and not isinstance(data_dir, Dataset)
        and input_bytes(data_dir) >= PARALLEL_READ_BYTES
    ):
        # the process places and shop risk are computed in (beside the load) starts now,
        # importing what they need while the merchants are read
        warm_background(["graphring.places", "graphring.scoring"])
    dataset = (
        data_dir
        if isinstance(data_dir, Dataset)
        else read_dataset(data_dir, settings.default_region, settings.processes(), today)
    )
    give_back_arrow_memory()  # the CSV parser's buffers
    clock.lap("read_validate_normalize")
    big = len(dataset["merchants"]) >= BACKGROUND_MIN_SHOPS
    # places matched among the data's address keys in a second process while the store loads
    places: tuple[pd.Series, Background[pd.DataFrame]] | None = None
    if settings.match_places and big and settings.processes() > 1:
        keys = dataset_address_keys(dataset.tables)
        places = (keys, Background(match_places, (keys,), settings.processes()))
    loaded = _load(store, dataset)
    clock.lap("load")
    # shop risk needs no links: computed beside linking and detection when there are cores
    shop_risk = Background(
        merchant_risk,
        (
            loaded.merchants[RISK_COLUMNS["merchants"]],
            loaded.listings[RISK_COLUMNS["listings"]],
            today,
        ),
        settings.processes() if len(loaded.merchants) >= BACKGROUND_MIN_SHOPS else 1,
    )
    matched = (places[0], places[1].result()) if places is not None else None
    linked = _link(store, len(loaded.merchants), settings, feedback, matched)
    clock.lap("link")
    partition = detection.partition(loaded.merchants["merchant_id"], linked.links)
    clock.lap("detect")
    risk, risk_reasons = shop_risk.result()
    cut = rings_from(
        partition,
        linked.links,
        loaded.merchants,
        loaded.listings,
        risk,
        previous,
        excluded,
        settings,
    )
    clock.lap("score")
    leads = _leads(store, linked, cut)
    clock.lap("leads")
    run_id = _run_id(started)
    if isinstance(store, RingWriter):  # a store that keeps rings beside the data (Neo4j)
        store.write_rings(cut.rings, cut.members, run_id)
        store.write_lineage(run_id, cut.changes["previous_run"], cut.changes)
    clock.lap("write_back")
    counts = run_counts(
        dataset.counts(),
        loaded.counts,
        len(linked.links.edges),
        linked.places,
        partition.components,
        cut.rings,
        dataset,
    )
    return RunResult(
        run_id=run_id,
        started=started,
        settings=settings,
        rings=cut.rings,
        members=cut.members,
        ring_reasons=cut.reasons,
        merchants=cut.merchant_table,
        merchant_reasons=risk_reasons,
        evidence=cut.evidence,
        leads=leads,
        supernodes=linked.links.supernodes,
        rejects=dataset.rejects,
        counts=counts,
        sources=dataset.sources,
        engine=partition.engine,
        timings=clock.timings,
        tables={
            # raw spellings (file, line) behind every shared identifier of a ring
            "spellings": spellings(dataset, cut.evidence, cut.members["merchant_id"]),
            "merchants": loaded.merchants,
            "listings": loaded.listings,
            "shipments": loaded.shipments,
            "holdings": linked.holdings,
        },
        links=linked.links,
        changes=cut.changes,
        today={"date": f"{today:%Y-%m-%d}", "from": today_from},
        excluded=cut.excluded,
        services=linked.links.services if detection.uses_local_links else pd.DataFrame(),
    )


@dataclass
class _Loaded:
    """The store's tables after loading, and what the load counted."""

    counts: dict[str, int]
    merchants: pd.DataFrame
    listings: pd.DataFrame
    shipments: pd.DataFrame


def _load(store: Store, dataset: Dataset) -> _Loaded:
    """Load ``dataset`` into ``store`` and read back the tables scoring and packets need."""
    counts = store.load(dataset)
    return _Loaded(counts, store.merchants(), store.listings(), store.shipments())


@dataclass
class _Linked:
    """Holdings (places added when matched) and the links made of them."""

    holdings: pd.DataFrame
    links: Links
    #: premises spelled apart that were matched into one place
    places: int
    #: the holdings as codes, when the store made them
    codes: HeldCodes | None = None


def _link(
    store: Store,
    n_merchants: int,
    settings: Settings,
    feedback: Mapping[str, float] | None,
    matched: Matched | None = None,
) -> _Linked:
    """The store's holdings, places matched (``match_places``; ``matched``: beforehand),
    weighted links."""
    holdings = store.holdings()
    codes = store.holding_codes()
    places = 0
    if settings.match_places:
        # the same premises spelled apart: one weaker "place" identifier (graphring/places.py)
        holdings, merges, codes = add_coded_places(holdings, codes, matched)
        # the store's holdings without places are not asked for again: at a million shops
        # they and their codes are 0.4 GB
        store.forget_derived()
        places = int(merges["place"].nunique()) if len(merges) else 0
    links = build_links(holdings, n_merchants, settings, feedback, codes=codes)
    return _Linked(holdings, links, places, codes)


def _leads(store: Store, linked: _Linked, cut: RingCut) -> pd.DataFrame:
    """Offline sites worth a visit: the ring members' addresses, supernode addresses aside."""
    supernodes = linked.links.supernodes
    ring_shops = cut.core[["ring_id", "merchant_id"]]
    sites = site_holdings(
        linked.holdings,
        ring_shops,
        set(supernodes.loc[supernodes["kind"] == "address", "key"]),
        linked.codes,
    )
    return find_leads(sites, ring_shops, cut.rings, store.addresses(sorted(sites["key"].unique())))


@dataclass
class RingCut:
    """Rings made of a partition: ids, scores, members, evidence (every backend's)."""

    groups: pd.DataFrame
    core: pd.DataFrame
    rings: pd.DataFrame
    reasons: pd.DataFrame
    members: pd.DataFrame
    evidence: pd.DataFrame
    merchant_table: pd.DataFrame
    #: the previous run's id and what became of its rings (run.json's ``changes``)
    changes: dict[str, Any]
    excluded: pd.DataFrame | None


def rings_from(
    partition: Partition,
    links: Links,
    merchants: pd.DataFrame,
    listings: pd.DataFrame,
    risk: pd.DataFrame,
    previous: PreviousRun | None,
    excluded: pd.DataFrame | None,
    settings: Settings,
) -> RingCut:
    """From a partition to rings: investigators' exclusions applied, ring ids carried over
    from ``previous``, evidence, scores with reasons, members with what ties them. One
    definition for the embedded store, Neo4j and Spark (``merchants`` and ``listings`` need
    only the shops of this run's and the previous run's rings)."""
    groups = partition.members
    applied = None
    if previous is not None and excluded is not None and len(excluded):
        from graphring.review import apply_exclusions

        groups, applied = apply_exclusions(groups, excluded, previous.rings, settings.min_ring_size)
    core = groups.loc[groups["core"]]
    ids = core.groupby("group")["merchant_id"].agg(lambda m: ring_id_for(list(m)))
    # ring ids carry over from the previous run while a ring is substantially the same
    current = dict(zip(ids, core.groupby("group")["merchant_id"].agg(set), strict=True))
    lineage = match_rings(
        current,
        previous.rings if previous else {},
        # provinces of the shops in this run's rings and the previous run's
        _provinces(
            merchants,
            set(core["merchant_id"]).union(*(previous.rings.values() if previous else [])),
        ),
    )
    ids = ids.map(lineage.ids)
    groups = groups.assign(ring_id=groups["group"].map(ids))
    if applied is not None:
        applied = applied.rename(columns={"ring_id": "recorded_ring"}).assign(
            ring_id=applied["group"].map(ids)
        )
        applied = applied.loc[applied["ring_id"].notna()].drop(columns="group")
    core = groups.loc[groups["core"]]
    evidence = _evidence(core, links)
    # ring_scores works on any group label: here the ring_id itself
    scores, reasons = ring_scores(
        core.assign(group=core["ring_id"]),
        risk,
        links.edges,
        evidence.rename(columns={"ring_id": "group"}),
        merchants,
        listings,
        dict(zip(links.weights["label"], links.weights["weight"], strict=True)),
    )
    scores = scores.rename(columns={"group": "ring_id"})
    reasons = reasons.rename(columns={"group": "ring_id"})
    rings = _rings_table(scores, reasons, groups, merchants)
    members = _members_table(groups, merchants, risk, rings)
    members = (
        members.merge(member_ties(groups, links), on=["ring_id", "merchant_id"], how="left")
        if len(members)
        else members.assign(ties=pd.Series(dtype="int64"), tied_by=pd.Series(dtype=object))
    )
    merchant_table = _with_ring_ids(risk, core)[["merchant_id", "risk_score", "ring_id", "reasons"]]
    merchant_table["ring_id"] = merchant_table["ring_id"].fillna("")
    return RingCut(
        groups,
        core,
        rings,
        reasons,
        members,
        evidence,
        merchant_table,
        {"previous_run": previous.run_id, **lineage.changes}
        if previous
        else {"previous_run": None},
        applied,
    )


def _provinces(merchants: pd.DataFrame, ids: set[str]) -> dict[str, str]:
    """merchant_id -> province of the shops in ``ids``."""
    at = shop_rows(merchants, pd.Series(sorted(ids), dtype=object))
    if at is None:
        m = merchants.loc[merchants["merchant_id"].isin(ids)]
    else:
        m = merchants.iloc[np.sort(at[at >= 0])]
    return dict(zip(m["merchant_id"], m["province"].fillna(""), strict=True))


def _with_ring_ids(risk: pd.DataFrame, core: pd.DataFrame) -> pd.DataFrame:
    """``risk.merge(core[["merchant_id", "ring_id"]], on="merchant_id", how="left")``:
    each shop's ring looked up from the members' side (:func:`shop_rows`) when each member
    is one shop of ``risk`` in one ring, not by hashing every shop's id."""
    at = shop_rows(risk, core["merchant_id"])
    if at is None or bool((at < 0).any()) or core["merchant_id"].duplicated().any():
        return risk.merge(core[["merchant_id", "ring_id"]], on="merchant_id", how="left")
    ring = np.full(len(risk), np.nan, dtype=object)
    ring[at] = core["ring_id"].to_numpy(dtype=object)
    return risk.assign(ring_id=ring).reset_index(drop=True)


def _run_id(started: str) -> str:
    return started.replace("-", "").replace(":", "") + "-" + uuid.uuid4().hex[:6]


def _evidence(core: pd.DataFrame, links: Links) -> pd.DataFrame:
    """Identifiers held by two or more members of a ring, rarest first."""
    ms = of_groups(links.memberships, core, "ring_id")
    ids = links.identifiers.set_index("node")
    ms = ms.loc[~ids["supernode"].reindex(ms["node"]).to_numpy()]
    # only (ring, identifier) pairs two or more members hold: counted before any text
    by = ["ring_id", "node"]
    if len(ms):
        ms = ms.loc[ms.groupby(by, sort=False)["merchant_id"].transform("nunique") >= 2]
    grouped = ms.groupby(by, sort=True)
    ev = pd.DataFrame(
        {
            "shops_in_ring": grouped["merchant_id"].nunique(),
            "shipments": grouped["shipments"].sum(),
            "roles": joined_distinct(ms, by, "role", skip_empty=True),
            "merchant_ids": joined_distinct(ms, by, "merchant_id"),
        }
    ).reset_index()
    ev = ev.join(ids[["kind", "key", "holders", "rarity"]], on="node").rename(
        columns={"holders": "shops_total"}
    )
    ev["rarity"] = ev["rarity"].round(3)
    ev = ev.sort_values(
        ["ring_id", "rarity", "shops_in_ring", "kind", "key"],
        ascending=[True, False, False, True, True],
        kind="stable",
    )
    return ev[RING_EVIDENCE_COLUMNS].reset_index(drop=True)


def _rings_table(
    scores: pd.DataFrame, reasons: pd.DataFrame, groups: pd.DataFrame, merchants: pd.DataFrame
) -> pd.DataFrame:
    assoc = groups.loc[~groups["core"]].groupby("ring_id").size()
    prov = with_shop_columns(groups.loc[groups["core"]], merchants, ["province"], how="inner")
    plist = prov.groupby("ring_id")["province"].agg(
        lambda p: ";".join(sorted({x for x in p if isinstance(x, str) and x}))
    )
    joined = reasons.groupby("ring_id", sort=False)["text"].agg("; ".join)
    rings = scores.assign(
        associates=scores["ring_id"].map(assoc).fillna(0).astype(int),
        province_list=scores["ring_id"].map(plist).fillna("").astype(str),
        reasons=scores["ring_id"].map(joined).fillna("").astype(str),
    )
    rings = rings.sort_values(["ring_score", "ring_id"], ascending=[False, True], kind="stable")
    return rings[
        [
            "ring_id",
            "ring_score",
            "size",
            "associates",
            "density",
            "kinds",
            "provinces",
            "province_list",
            "reasons",
        ]
    ].reset_index(drop=True)


def _members_table(
    groups: pd.DataFrame, merchants: pd.DataFrame, risk: pd.DataFrame, rings: pd.DataFrame
) -> pd.DataFrame:
    m = with_shop_columns(
        groups[["ring_id", "merchant_id", "core"]],
        merchants,
        [c for c in MERCHANT_COLUMNS if c != "merchant_id"],
    )
    m = with_shop_columns(m, risk, [c for c in risk.columns if c != "merchant_id"])
    order = {r: i for i, r in enumerate(rings["ring_id"])}
    m = m.assign(_o=m["ring_id"].map(order)).sort_values(
        ["_o", "core", "risk_score", "merchant_id"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    return m.drop(columns="_o").reset_index(drop=True)


def run_counts(
    tables: dict[str, dict[str, int]],
    loaded: dict[str, int],
    links: int,
    places: int,
    components: int,
    rings: pd.DataFrame,
    dataset: Dataset | Any,
) -> dict[str, Any]:
    """run.json's ``counts``, one shape for every backend: rows read per table, nodes
    loaded, links, places matched, components, rings, rows set aside and values left
    empty (``dataset.rejects``)."""
    return {
        "tables": tables,
        "store": loaded,
        "links": links,
        "places_matched": places,
        "components": components,
        "rings": len(rings),
        "rejected_rows": rows_set_aside(dataset.rejects),
        "values_left_empty": values_left_empty(dataset.rejects),
    }
