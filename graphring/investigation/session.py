"""An investigation: one run's rings and what is behind them, made by running detection
(:func:`investigate`) or by reading a run folder (:func:`open_run`)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from graphring.config import Settings, load_settings
from graphring.investigation.compare import compare
from graphring.investigation.cypher import run_read_query
from graphring.investigation.neighbourhood import Neighbourhood, walk
from graphring.investigation.ring import Ring
from graphring.rundir.custody import sha256_file
from graphring.rundir.read import read_run
from graphring.rundir.write import ring_documents, write_run
from graphring.stores.base import Store

if TYPE_CHECKING:
    from graphring.pipeline import RunResult


class NeedsInputData(LookupError):
    """An answer needs the run's input tables (listings, shipments, who holds what), and
    this investigation was opened from a run folder without them."""


class Investigation:
    """One run's rings and what is behind them. Make one with :func:`investigate` (runs
    detection) or :func:`open_run` (reads a run folder).

    >>> inv = sample_investigation()
    >>> inv.rings().columns.tolist()[:6]
    ['ring_id', 'score', 'size', 'associates', 'provinces', 'kinds']
    >>> inv.ring("R-nope")
    Traceback (most recent call last):
    ...
    KeyError: "no ring 'R-nope' in this run (12 rings: see .rings())"
    """

    def __init__(
        self,
        *,
        run_id: str,
        settings: Settings,
        docs: list[dict[str, Any]],
        members: pd.DataFrame,
        evidence: pd.DataFrame,
        merchants: pd.DataFrame,
        leads: pd.DataFrame,
        supernodes: set[tuple[str, str]],
        result: RunResult | None = None,
        folder: Path | None = None,
        data_dir: Path | None = None,
        inputs: dict[str, Any] | None = None,
        today: pd.Timestamp | None = None,
        store: Store | None = None,
        owns_store: bool = False,
    ) -> None:
        self.run_id = run_id
        self.settings = settings
        #: the RunResult when this investigation ran detection itself
        self.result = result
        #: the run folder, once written or when opened from one
        self.folder = folder
        #: the input data folder (for timelines, listings, neighbourhoods), when known
        self.data_dir = data_dir
        self.store = store
        self._owns_store = owns_store
        self._docs = {d["ring_id"]: d for d in docs}
        self._members = members
        self._evidence = evidence
        self._merchants = merchants
        self._leads = leads
        self._supernodes = supernodes
        self._inputs = inputs or {}
        #: the run's "today" as its run.json recorded it (the input is read again with it)
        self._today = today
        self._tables: dict[str, pd.DataFrame] | None = dict(result.tables) if result else None
        self._holders: pd.DataFrame | None = None

    def __repr__(self) -> str:
        where = f"store {self.store.name}" if self.store else f"folder {self.folder}"
        return (
            f"<Investigation run {self.run_id} ({where}): {len(self._docs)} rings, "
            f"{len(self._merchants)} shops, {len(self._leads)} offline sites>"
        )

    def __enter__(self) -> Investigation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store if :func:`investigate` opened it."""
        if self.store is not None and self._owns_store:
            self.store.close()

    # -- tables ------------------------------------------------------------------------------
    def rings(self) -> pd.DataFrame:
        """One row per ring, highest score first: score, size (core shops), associates,
        provinces, kinds of identifiers shared, counts of shared identifiers and offline
        sites, status, province list and the reasons behind the score."""
        kinds = self._evidence.groupby("ring_id")["kind"].agg(lambda k: ",".join(sorted(set(k))))
        n_ev = self._evidence.groupby("ring_id").size()
        rows = [
            {
                "ring_id": d["ring_id"],
                "score": float(d["score"]),
                "size": int(d["size"]),
                "associates": len(d["associates"]),
                "provinces": len(d["provinces"]),
                "kinds": kinds.get(d["ring_id"], ""),
                "shared_identifiers": int(n_ev.get(d["ring_id"], 0)),
                "leads": len(d["leads"]),
                "status": str(d.get("status", "open")),
                "province_list": ";".join(d["provinces"]),
                "reasons": "; ".join(r["text"] for r in d["reasons"]),
            }
            for d in self._docs.values()
        ]
        columns = list(rows[0]) if rows else ["ring_id", "score", "size"]
        table = pd.DataFrame(rows, columns=columns)
        return table.sort_values(
            ["score", "ring_id"], ascending=[False, True], kind="stable"
        ).reset_index(drop=True)

    def merchants(self) -> pd.DataFrame:
        """Every shop: merchant_id, risk_score (0-100), ring_id ("" outside rings), reasons."""
        return self._merchants.copy()

    def leads(self) -> pd.DataFrame:
        """Every offline site worth a visit, best first, with the rings and shops it serves."""
        return self._leads.copy()

    def ring(self, ring_id: str) -> Ring:
        """One ring, by id (as in :meth:`rings`)."""
        doc = self._docs.get(ring_id)
        if doc is None:
            raise KeyError(
                f"no ring {ring_id!r} in this run ({len(self._docs)} rings: see .rings())"
            )
        members = self._members.loc[self._members["ring_id"] == ring_id].reset_index(drop=True)
        evidence = self._evidence.loc[self._evidence["ring_id"] == ring_id].reset_index(drop=True)
        served = self._leads["rings"].fillna("").str.split(";").map(lambda r: ring_id in r)
        leads = self._leads.loc[served.astype(bool)].reset_index(drop=True)
        reasons = pd.DataFrame(doc["reasons"], columns=["points", "text"])
        return Ring(
            ring_id=ring_id,
            score=float(doc["score"]),
            size=int(doc["size"]),
            status=str(doc.get("status", "open")),
            provinces=list(doc["provinces"]),
            reasons=reasons,
            members=members,
            evidence=evidence,
            leads=leads,
            _inv=self,
        )

    def largest_ring(self) -> Ring:
        """The ring with the most core shops (the highest score among equals)."""
        table = self.rings()
        if table.empty:
            raise KeyError("this run found no rings")
        return self.ring(str(table.sort_values("size", ascending=False, kind="stable").iloc[0, 0]))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The stored tables answers draw on: merchants, listings, shipments, holdings
        (which shop holds which identifier). For a run folder they are read from the input
        data folder, once, after checking its files are the ones the run read."""
        if self._tables is None:
            self._tables = self._read_inputs()
        return self._tables

    def _read_inputs(self) -> dict[str, pd.DataFrame]:
        from graphring.contract import read_dataset
        from graphring.stores.memory import MemoryStore

        if self.data_dir is None or not self.data_dir.is_dir():
            raise NeedsInputData(
                f"run {self.run_id}: this needs the run's input data folder; open the run "
                "with open_run(folder, data_dir=...)"
            )
        changed = [
            f"{v['file']}"
            for v in self._inputs.values()
            if not (self.data_dir / v["file"]).is_file()
            or sha256_file(self.data_dir / v["file"]) != v["sha256"]
        ]
        if changed:
            raise NeedsInputData(
                f"{self.data_dir} does not hold the files run {self.run_id} read: "
                f"{', '.join(changed)} missing or changed (their SHA-256 differ from run.json)"
            )
        from graphring.pipeline import run_date

        store = MemoryStore()
        # the run's "today", so that the data is read again with the same rejects
        today, _ = run_date(self.settings)
        if self._today is not None:
            today = self._today
        store.load(
            read_dataset(
                self.data_dir, self.settings.default_region, self.settings.processes(), today
            )
        )
        return {
            "merchants": store.merchants(),
            "listings": store.listings(),
            "shipments": store.shipments(),
            "holdings": store.holdings(),
        }

    def _linkable(self) -> pd.DataFrame:
        """Holdings without supernodes, one row per (merchant, kind, key), roles joined,
        with each identifier's number of holders."""
        if self._holders is None:
            h = self.tables()["holdings"]
            h = (
                h.groupby(["merchant_id", "kind", "key"], sort=True)
                .agg(
                    roles=("role", lambda r: ";".join(sorted({x for x in r if x}))),
                    shipments=("shipments", "sum"),
                )
                .reset_index()
            )
            holders = h.groupby(["kind", "key"])["merchant_id"].transform("nunique")
            h = h.assign(holders=holders)
            big = holders > self.settings.supernode_max_merchants
            named = pd.MultiIndex.from_arrays([h["kind"], h["key"]]).isin(list(self._supernodes))
            self._holders = h.loc[~(big.to_numpy() | named)].reset_index(drop=True)
        return self._holders

    def _origins(self, merchant_ids: list[str]) -> pd.DataFrame | None:
        """Parcels each shop sent from each origin address (for the ring graph), when the
        input data is at hand."""
        try:
            h = self._linkable()
        except NeedsInputData:
            return None
        o = h.loc[
            h["merchant_id"].isin(merchant_ids) & (h["kind"] == "address") & (h["shipments"] > 0),
            ["merchant_id", "key", "shipments"],
        ]
        return o.reset_index(drop=True)

    # -- questions ---------------------------------------------------------------------------
    def neighbourhood(self, merchant_id: str, hops: int = 1) -> Neighbourhood:
        """The shops ``merchant_id`` reaches in ``hops`` (1 or 2) steps through identifiers
        they share (an address, account, phone, device...), supernodes left out."""
        if hops not in (1, 2):
            raise ValueError("hops must be 1 or 2")
        return walk(
            merchant_id, hops, self._linkable(), self.tables()["merchants"], self._merchants
        )

    def compare(self, ring_a: str | Ring, ring_b: str | Ring) -> pd.DataFrame:
        """What two rings have in common (:func:`graphring.investigation.compare.compare`);
        a ring may come from another investigation.

        >>> inv = sample_investigation()
        >>> first = inv.rings()["ring_id"].iloc[0]
        >>> inv.compare(first, inv.ring(first))["shared"].iloc[0]
        'member'
        """
        a = ring_a if isinstance(ring_a, Ring) else self.ring(ring_a)
        b = ring_b if isinstance(ring_b, Ring) else self.ring(ring_b)
        return compare(a, b)

    def identifiers_held(self, ring: Ring) -> pd.DataFrame:
        """kind, key, shops (members holding it), holders: every identifier a member holds
        (supernodes left out), or, without the input data, the ring's evidence."""
        try:
            h = self._linkable()
        except NeedsInputData:
            ev = ring.evidence
            return pd.DataFrame(
                {
                    "kind": ev["kind"],
                    "key": ev["key"],
                    "shops": ev["shops_in_ring"],
                    "holders": ev["shops_total"],
                }
            )
        mine = h.loc[h["merchant_id"].isin(ring.merchant_ids)]
        return (
            mine.groupby(["kind", "key"], sort=True)
            .agg(shops=("merchant_id", "nunique"), holders=("holders", "first"))
            .reset_index()
        )

    def cypher(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the read query ``cypher/<name>.cypher`` with ``params`` on the Neo4j store;
        nodes come back as dicts of their properties, paths as text.

        ``inv.cypher("ring_view", members=ring.merchant_ids)``
        """
        return run_read_query(self.store, name, params)

    def write(self, out: str | Path, packets: bool = True) -> Path:
        """Write the run folder (rings.csv, rings.json, packets/...) as ``graphring detect``
        does; the rings' :attr:`Ring.packet` then point into it."""
        if self.result is None:
            raise TypeError(f"this investigation was opened from {self.folder}: it is written")
        self.folder = write_run(self.result, out, packets=packets).resolve()
        return self.folder


def investigate(
    data_dir: str | Path,
    settings: Settings | None = None,
    store: Store | None = None,
) -> Investigation:
    """Load a data folder, link shops, find rings, score them: the whole job of
    ``graphring detect``, in memory, without writing anything (see
    :meth:`Investigation.write`). With no ``store``, the one ``settings.backend`` names
    (the embedded one by default) is opened, and closed by :meth:`Investigation.close`."""
    from graphring.pipeline import run_pipeline
    from graphring.stores import open_store

    settings = settings or load_settings()
    owns = store is None
    used = store if store is not None else open_store(settings)
    try:
        result = run_pipeline(data_dir, settings, used)
    except BaseException:
        if owns:
            used.close()
        raise
    merchants = result.merchants.copy()
    merchants["ring_id"] = merchants["ring_id"].fillna("")
    leads = result.leads.drop(columns=["raw_address"], errors="ignore")
    return Investigation(
        run_id=result.run_id,
        settings=settings,
        docs=ring_documents(result),
        members=result.members,
        evidence=result.evidence,
        merchants=merchants,
        leads=leads.reset_index(drop=True),
        supernodes={
            (str(k), str(v))
            for k, v in zip(result.supernodes["kind"], result.supernodes["key"], strict=True)
        },
        result=result,
        data_dir=Path(data_dir),
        inputs={
            name: {"file": src.path.name, "sha256": src.sha256}
            for name, src in result.sources.items()
        },
        store=used,
        owns_store=owns,
    )


def open_run(run_folder: str | Path, data_dir: str | Path | None = None) -> Investigation:
    """Open a run folder written earlier, from its files alone: rings.json, merchants.csv,
    leads.csv, packets/*/members.csv and evidence.csv. Nothing is detected again.

    Timelines, listings, origins in graphs, neighbourhoods and identifier comparisons also
    need the run's input data: ``data_dir``, by default ``<run_folder>/sample/data`` when
    there (``graphring demo`` puts it there). Its files must be the ones the run read
    (their SHA-256 are in run.json); otherwise those answers raise :class:`NeedsInputData`.
    """
    files = read_run(run_folder)
    folder = files.folder
    if data_dir is None and (folder / "sample" / "data").is_dir():
        data_dir = folder / "sample" / "data"
    return Investigation(
        run_id=files.run_id,
        settings=files.settings,
        docs=files.docs,
        members=files.members,
        evidence=files.evidence,
        merchants=files.merchants,
        leads=files.leads,
        supernodes=files.supernodes,
        folder=folder,
        data_dir=Path(data_dir).resolve() if data_dir is not None else None,
        inputs=files.inputs,
        today=files.today,
    )


@cache
def sample_investigation(n_shops: int = 2500, seed: int = 3) -> Investigation:
    """An investigation of a small sample marketplace (made in a temporary folder), to try
    the API on: the examples in this module use it.

    >>> inv = sample_investigation()
    >>> len(inv.rings()) > 5
    True
    """
    from graphring.sample import write_sample

    info = write_sample(tempfile.mkdtemp(prefix="graphring-sample-"), n_shops, seed)
    return investigate(info.data_dir)
