"""Detection handed to the pipeline as an object: where rings are cut (here, or inside the
database) is chosen by whoever builds the store, not by the pipeline looking at the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import pandas as pd

from graphring.config import Settings
from graphring.detect.local import detect_rings
from graphring.detect.partition import Partition
from graphring.errors import ConfigError

if TYPE_CHECKING:
    from graphring.linking import Links
    from graphring.stores.base import Store


class Detection(Protocol):
    """Cuts linked shops into candidate rings."""

    #: True when rings are cut from the links :func:`graphring.linking.build_links` made
    #: (so its services apply); False when the database computes links of its own.
    uses_local_links: bool

    def partition(self, merchant_ids: pd.Series, links: Links) -> Partition:
        """The candidate rings among ``merchant_ids``."""
        ...


class LocalDetection:
    """Communities cut in this process and its workers (:func:`graphring.detect.detect_rings`).

    >>> LocalDetection(Settings()).uses_local_links
    True
    """

    uses_local_links = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def partition(self, merchant_ids: pd.Series, links: Links) -> Partition:
        return detect_rings(merchant_ids, links.edges, self.settings)


def detection_for(settings: Settings, store: Store | None = None) -> Detection:
    """The detection ``settings.detection`` names: ``local``, or ``gds-louvain`` /
    ``gds-leiden`` inside the Neo4j ``store``.

    >>> type(detection_for(Settings())).__name__
    'LocalDetection'
    """
    if settings.detection == "local":
        return LocalDetection(settings)
    if store is None or store.name != "neo4j":
        raise ConfigError("in-database detection (gds-*) needs the Neo4j store")
    from graphring.detect.gds import GdsDetection

    return GdsDetection(store, settings, settings.detection.split("-", 1)[1])  # type: ignore[arg-type]
