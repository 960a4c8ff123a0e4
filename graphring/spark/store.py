"""The Spark backend as a :class:`Store`: it holds the session a run works in.

Spark reads the data folder itself (a local folder or any path Spark reads), so a run on
Spark does not load a pandas dataset into it: :func:`run_with_spark` hands the whole run
to :func:`graphring.spark.pipeline.run_on_spark`. The table questions of :class:`Store`
are answered from the last run's tables, restricted to the shops of its rings (the driver
never holds the whole marketplace).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from graphring.config import Settings
from graphring.contract import Dataset
from graphring.errors import ConfigError, StoreError
from graphring.stores.base import Store, finish_addresses

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from graphring.pipeline import PreviousRun, RunResult


class SparkStore(Store):
    """A Spark session (``settings.spark_master``) and the tables of its last run."""

    name = "spark"

    def __init__(self, session: SparkSession) -> None:
        self.session = session
        self._last: RunResult | None = None

    @classmethod
    def connect(cls, settings: Settings, conf: dict[str, Any] | None = None) -> SparkStore:
        from graphring.spark.session import spark_session

        return cls(spark_session(settings.spark_master, conf))

    def load(self, dataset: Dataset) -> dict[str, int]:
        raise StoreError(
            "the Spark backend reads the data folder itself: use graphring detect or run"
        )

    def _table(self, name: str) -> pd.DataFrame:
        if self._last is None:
            raise StoreError("the Spark store has no run yet: run detect first")
        return self._last.tables[name]

    def merchants(self) -> pd.DataFrame:
        return self._table("merchants")

    def listings(self) -> pd.DataFrame:
        return self._table("listings")

    def shipments(self) -> pd.DataFrame:
        return self._table("shipments")

    def holdings(self) -> pd.DataFrame:
        return self._table("holdings")

    def addresses(self, keys: Sequence[str] | None = None) -> pd.DataFrame:
        if self._last is None:
            raise StoreError("the Spark store has no run yet: run detect first")
        leads = self._last.leads
        frame = pd.DataFrame(
            {
                "key": leads["address"],
                "address": leads["raw_address"],
                "province": leads["province"],
                "city": leads["city"],
                "lat": leads["lat"],
                "lon": leads["lon"],
            }
        )
        return finish_addresses(frame, keys)

    def run(
        self,
        data_dir: str | Path,
        settings: Settings,
        previous: PreviousRun | None = None,
        excluded: pd.DataFrame | None = None,
        feedback: Mapping[str, float] | None = None,
    ) -> RunResult:
        from graphring.spark.pipeline import run_on_spark

        self._last = run_on_spark(data_dir, settings, self.session, previous, excluded, feedback)
        return self._last


def run_with_spark(
    data_dir: str | Path | Dataset,
    settings: Settings,
    store: Store | None,
    previous: PreviousRun | None,
    excluded: pd.DataFrame | None = None,
    feedback: Mapping[str, float] | None = None,
) -> RunResult:
    """The pipeline's Spark branch: on ``store`` (a :class:`SparkStore`) or a new one."""
    if isinstance(data_dir, Dataset):
        raise ConfigError("the Spark backend reads a data folder (a path), not a loaded dataset")
    if store is None:
        store = SparkStore.connect(settings)
    if not isinstance(store, SparkStore):
        raise ConfigError(f"backend 'spark' needs the Spark store, not {store.name!r}")
    return store.run(data_dir, settings, previous, excluded, feedback)
