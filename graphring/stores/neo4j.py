"""A real Neo4j server as the store. Every query is a parameterised file under cypher/,
loads go in UNWIND batches, and driver errors become :class:`StoreError` here, once.

Credentials come from settings (``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``) and
never appear in messages, logs or outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from graphring.config import Settings
from graphring.contract import Dataset
from graphring.errors import StoreError
from graphring.queries import query, statements
from graphring.stores.base import (
    ADDRESS_COLUMNS,
    HOLDING_COLUMNS,
    LISTING_COLUMNS,
    MERCHANT_COLUMNS,
    SHIPMENT_COLUMNS,
    Store,
    finish_addresses,
    finish_holdings,
    sort_frame,
)

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 10.0


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame -> list of dicts for UNWIND, with NaN/NaT as null and numpy scalars as
    Python ones."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict(orient="records")


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _props(frame: pd.DataFrame, key_cols: list[str]) -> pd.DataFrame:
    """Key columns plus a ``props`` column of dicts holding every other column."""
    other = [c for c in frame.columns if c not in key_cols and c != "_line"]
    props = _rows(frame[other])
    out = frame[key_cols].copy()
    out["props"] = props
    return out


class Neo4jStore(Store):
    """The marketplace graph in Neo4j. Build with :meth:`connect`, or hand in a driver."""

    name = "neo4j"

    def __init__(
        self,
        driver: Any,
        database: str = "neo4j",
        batch_size: int = 10_000,
        owns_driver: bool = False,
    ) -> None:
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self._owns = owns_driver

    @classmethod
    def connect(cls, settings: Settings) -> Neo4jStore:
        """Open a driver and check it reaches the server within about 10 s."""
        import neo4j

        driver = None
        try:
            driver = neo4j.GraphDatabase.driver(
                settings.neo4j_uri,
                auth=(settings.neo4j_user, settings.neo4j_password),
                connection_timeout=CONNECT_TIMEOUT_S,
                max_transaction_retry_time=5.0,
                connection_acquisition_timeout=CONNECT_TIMEOUT_S,
            )
            driver.verify_connectivity()
            store = cls(driver, settings.neo4j_database, settings.batch_size, owns_driver=True)
            store.ensure_schema()
            return store
        except neo4j.exceptions.AuthError as e:
            driver.close()  # type: ignore[union-attr]
            raise StoreError(
                f"Neo4j at {settings.neo4j_uri} refused the credentials of user "
                f"{settings.neo4j_user!r} (check NEO4J_USER / NEO4J_PASSWORD)"
            ) from e
        except (neo4j.exceptions.DriverError, OSError, ValueError) as e:
            if driver is not None:
                driver.close()
            raise StoreError(
                f"cannot reach Neo4j at {settings.neo4j_uri}: {type(e).__name__}"
            ) from e
        except BaseException:
            if driver is not None:
                driver.close()
            raise

    # -- running queries ------------------------------------------------------------------
    def run(self, name_or_text: str, **params: Any) -> pd.DataFrame:
        """Run ``cypher/<name>.cypher`` (or a statement) and return the records as a frame."""
        import neo4j

        text = query(name_or_text) if " " not in name_or_text else name_or_text
        try:
            records, _, keys = self.driver.execute_query(
                text, parameters_=params, database_=self.database
            )
        except neo4j.exceptions.Neo4jError as e:
            raise StoreError(
                f"Neo4j query {name_or_text.split()[0]!r} failed: {e.code}: {e.message}"
            ) from e
        except (neo4j.exceptions.DriverError, OSError) as e:
            raise StoreError(f"lost the connection to Neo4j: {type(e).__name__}") from e
        return pd.DataFrame([r.values() for r in records], columns=keys)

    def ensure_schema(self) -> None:
        for stmt in statements("schema"):
            self.run(stmt)

    def _load(self, name: str, frame: pd.DataFrame, label: str) -> None:
        from tqdm import tqdm

        rows = _rows(frame)
        total = len(rows)
        with tqdm(
            total=total, desc=f"loading {label}", unit="rows", disable=None, leave=False
        ) as bar:
            for batch in _batches(rows, self.batch_size):
                self.run(name, rows=batch)
                bar.update(len(batch))

    # -- Store questions -------------------------------------------------------------------
    def load(self, dataset: Dataset) -> dict[str, int]:
        m = dataset["merchants"].drop(columns="_line").copy()
        m["opened_on"] = m["opened_on"].dt.strftime("%Y-%m-%d")
        self._load("load_merchants", _props(m, ["merchant_id"]), "merchants")
        a = dataset["addresses"]
        self._load(
            "load_addresses",
            a[["merchant_id", "key", "role", "address", "province", "city", "lat", "lon"]],
            "addresses",
        )
        p = dataset["payment_accounts"]
        self._load(
            "load_accounts", p[["merchant_id", "key", "account", "provider", "holder"]], "accounts"
        )
        i = dataset["identifiers"]
        self._load("load_identifiers", i[["merchant_id", "kind", "key", "value"]], "identifiers")
        s = dataset["shipments"].drop(columns="_line").copy()
        s["shipped_at"] = s["shipped_at"].dt.strftime("%Y-%m-%dT%H:%M:%S")
        s["phone_key"] = s["sender_phone_key"].where(s["sender_phone_key"] != "", None)
        keyed = _props(
            s.drop(columns=["sender_phone_key"]),
            ["shipment_id", "merchant_id", "origin_key", "phone_key"],
        )
        self._load("load_shipments", keyed, "shipments")
        lst = dataset["listings"].drop(columns="_line")
        self._load("load_listings", _props(lst, ["listing_id", "merchant_id"]), "listings")
        counts = self.run("count_nodes")
        return {str(r.label): int(r.n) for r in counts.itertuples(index=False)}

    def merchants(self) -> pd.DataFrame:
        rows = self.run("read_merchants")["m"].tolist()
        m = pd.DataFrame(rows)
        if m.empty:
            return pd.DataFrame(columns=MERCHANT_COLUMNS)
        for col in MERCHANT_COLUMNS:
            if col not in m:
                m[col] = np.nan
        m["opened_on"] = pd.to_datetime(m["opened_on"], format="%Y-%m-%d", errors="coerce")
        for col in ["monthly_orders", "rating"]:
            m[col] = pd.to_numeric(m[col], errors="coerce").astype("float64")
        extra = sorted(c for c in m.columns if c not in MERCHANT_COLUMNS)
        return sort_frame(m[MERCHANT_COLUMNS + extra], ["merchant_id"])

    def listings(self) -> pd.DataFrame:
        lst = self.run("read_listings")
        for col in ["price", "reference_price"]:
            lst[col] = pd.to_numeric(lst[col], errors="coerce").astype("float64")
        return sort_frame(lst[LISTING_COLUMNS], ["listing_id"])

    def shipments(self) -> pd.DataFrame:
        s = self.run("read_shipments")
        s["shipped_at"] = pd.to_datetime(s["shipped_at"], format="ISO8601", errors="coerce")
        return sort_frame(s[SHIPMENT_COLUMNS], ["shipment_id"])

    def addresses(self) -> pd.DataFrame:
        return finish_addresses(self.run("read_address_rows")[ADDRESS_COLUMNS])

    def holdings(self) -> pd.DataFrame:
        return finish_holdings(self.run("read_holdings")[HOLDING_COLUMNS])

    def write_rings(self, rings: pd.DataFrame, members: pd.DataFrame, run_id: str) -> None:
        r = rings[["ring_id", "ring_score", "size", "reasons"]].rename(
            columns={"ring_score": "score"}
        )
        m = members[["ring_id", "merchant_id", "core"]]
        self.run("write_rings", run_id=run_id, rings=_rows(r), members=_rows(m))

    def wipe(self) -> None:
        """Delete every node of the database, in batches (tests use it; so can you)."""
        while int(self.run("wipe", limit=20_000)["deleted"].iloc[0]) > 0:
            pass

    def close(self) -> None:
        if self._owns:
            self.driver.close()
