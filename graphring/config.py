"""One settings object: defaults < TOML file < GRAPHRING_* environment < explicit arguments."""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from graphring.errors import ConfigError
from graphring.uri import safe_uri

#: How much one shared identifier of each kind says about common control, before rarity.
#: Address weights depend on the role both shops give the address (the weaker role counts).
DEFAULT_KIND_WEIGHTS: dict[str, float] = {
    "account": 1.0,
    "id_document": 1.0,
    "device": 0.9,
    "phone": 0.8,
    "email": 0.8,
    "address:warehouse": 0.9,
    "address:origin": 0.9,
    "address:return": 0.8,
    "address:pickup": 0.6,
    "address:other": 0.4,
    "address:registered": 0.25,
    "ip": 0.3,
    # addresses matched as one place despite a typo or a missing room (graphring/places.py):
    # weaker than the same address written the same way
    "place:warehouse": 0.7,
    "place:origin": 0.7,
    "place:return": 0.6,
    "place:pickup": 0.45,
    "place:other": 0.3,
    "place:registered": 0.2,
}
#: Weight of an identifier kind not listed above (a kind a marketplace adds): weak until
#: the data (graphring/calibrate.py) or verdicts (graphring/feedback.py) say otherwise.
DEFAULT_OTHER_KIND_WEIGHT = 0.3


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told. Secrets are kept out of :meth:`public`."""

    seed: int = 42
    #: Louvain resolution inside each connected component (1.0 = plain modularity).
    resolution: float = 1.0
    min_ring_size: int = 3
    #: An identifier held by more merchants than this is a supernode (a fulfilment hub, an
    #: escrow account): it is set aside, listed in run.json, and links nobody.
    supernode_max_merchants: int = 100
    #: An identifier held by this many shops or more is a service (a 3PL warehouse, a
    #: payment agent, a co-working registration) when fewer than ``service_max_cohesion``
    #: of its holder pairs share anything else; its links are then multiplied by
    #: cohesion / service_max_cohesion (graphring.services).
    service_min_holders: int = 20
    service_max_cohesion: float = 0.1
    #: Merchant pairs whose link weight is below this are not linked at all.
    min_link_weight: float = 0.2
    #: Two communities of one component are one ring when at least this many shops bridge
    #: them (a shop whose ties into the other weigh a fifth of its ties at home or more).
    merge_bridges: int = 2
    #: Components of more shops than this (a giant component knit by everyday sharing) are
    #: cut with igraph's Leiden and the constant Potts model instead of Louvain.
    leiden_min_shops: int = 1_000
    #: CPM resolution, in link-weight units: a community holds together while its links
    #: weigh more than this per pair of its shops.
    cpm_resolution: float = 0.1
    #: A group of more shops than this is a ring only when at least ``ring_density_floor``
    #: of its pairs are linked; a looser one is cut again (CPM at twice the resolution).
    loose_ring_shops: int = 200
    ring_density_floor: float = 0.05
    #: "auto" picks igraph when installed, else python-louvain; or "louvain" / "igraph".
    engine: str = "auto"
    #: Where rings are cut: "local" (in this process, any store) or, on the Neo4j store
    #: with Graph Data Science, "gds-louvain" / "gds-leiden" inside the database.
    detection: str = "local"
    #: Processes that cut components and write packets in parallel (results are the same
    #: for any number); 0, the default, means one per available core.
    workers: int = 0
    default_region: str = "CN"
    kind_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    #: Scale kind weights down by how often the data shares each kind by chance
    #: (graphring/calibrate.py); the weights used are listed in run.json.
    calibrate_weights: bool = True
    #: Match addresses as places (graphring/places.py): the same premises written with a
    #: typo or without building/room become one, weaker, identifier; merges are evidence.
    match_places: bool = True
    #: Re-weigh kinds by investigators' verdicts in a workspace (graphring/feedback.py).
    feedback: bool = True
    backend: str = "memory"
    #: The Spark master for ``backend = "spark"`` (``local[*]``, ``spark://host:7077``,
    #: ``yarn``...); a session already active (spark-submit, Databricks) is used as it is.
    spark_master: str = "local[*]"
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = field(default="", repr=False)
    neo4j_database: str = "neo4j"
    #: Rows per UNWIND batch (one transaction each) when loading Neo4j; 2,500 loaded
    #: faster than 10,000 or 20,000 (docs/neo4j.md, "Load throughput").
    batch_size: int = 2_500
    #: Score at or above which a new or changed ring is alerted on in scheduled runs.
    alert_score: float = 50.0
    #: Let a Neo4j load remove more than half of the shops the database holds (a load
    #: mirrors the data folder); without it such a load is refused (exit 2).
    replace_data: bool = False
    #: "Today" for storefront ages and future dates (YYYY-MM-DD); empty: the run's date
    #: (UTC). run.json says which. A date in the data after it is a reject.
    as_of: str = ""

    def kind_weight(self, kind: str) -> float:
        return float(self.kind_weights.get(kind, DEFAULT_OTHER_KIND_WEIGHT))

    def public(self) -> dict[str, Any]:
        """The parameters as recorded in run.json and packets: no secrets."""
        out = dataclasses.asdict(self)
        out.pop("neo4j_password")
        out["neo4j_uri"] = safe_uri(self.neo4j_uri)
        out["kind_weights"] = dict(sorted(self.kind_weights.items()))
        return out

    def processes(self) -> int:
        """How many processes parallel steps use: ``workers``, or one per core if 0."""
        if self.workers:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


_ENV_ALIASES = {
    "neo4j_uri": "NEO4J_URI",
    "neo4j_user": "NEO4J_USER",
    "neo4j_password": "NEO4J_PASSWORD",
}


def _coerce(name: str, raw: Any, target: Any) -> Any:
    if name == "kind_weights":
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{name} must be a table of kind = weight")
        merged = dict(DEFAULT_KIND_WEIGHTS)
        merged.update({str(k): float(v) for k, v in raw.items()})
        return merged
    try:
        if isinstance(target, bool):
            if isinstance(raw, str):
                if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                    raise ValueError(raw)
                return raw.lower() in {"1", "true", "yes"}
            return bool(raw)
        if isinstance(target, int):
            return int(raw)
        if isinstance(target, float):
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f"setting {name!r}: cannot read {raw!r} as {type(target).__name__}"
        ) from e


def load_settings(
    config_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build :class:`Settings`: defaults, then a TOML file, then GRAPHRING_* variables, then
    ``overrides`` (None values ignored). ``NEO4J_URI``/``NEO4J_USER``/``NEO4J_PASSWORD`` work too.

    >>> load_settings(env={"GRAPHRING_SEED": "3"}, resolution=0.5).seed
    3
    """
    env = os.environ if env is None else env
    base = Settings()
    known = {f.name: getattr(base, f.name) for f in fields(Settings)}
    values: dict[str, Any] = {}
    if config_file is not None:
        path = Path(config_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise ConfigError("config file not found", file=str(path)) from e
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"not valid TOML: {e}", file=str(path)) from e
        data = data.get("graphring", data)
        for key, raw in data.items():
            if key not in known:
                raise ConfigError(f"unknown setting {key!r}", file=str(path))
            values[key] = _coerce(key, raw, known[key])
    for key, default in known.items():
        if key == "kind_weights":
            continue
        for var in (f"GRAPHRING_{key.upper()}", _ENV_ALIASES.get(key)):
            if var and env.get(var):
                values[key] = _coerce(key, env[var], default)
                break
    for key, raw in overrides.items():
        if raw is None:
            continue
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(key, raw, known[key])
    settings = dataclasses.replace(base, **values)
    _validate(settings)
    return settings


def _validate(s: Settings) -> None:
    for f in fields(Settings):
        value = getattr(s, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{f.name} must be a finite number, not {value!r}")
    for kind, weight in s.kind_weights.items():
        if not (math.isfinite(weight) and weight >= 0):
            raise ConfigError(f"kind_weights.{kind} must be a number 0 or more, not {weight!r}")
    if s.as_of:
        try:
            date.fromisoformat(s.as_of)
        except ValueError as e:
            raise ConfigError(f"as_of must be a date YYYY-MM-DD, not {s.as_of!r}") from e
    if s.min_ring_size < 2:
        raise ConfigError("min_ring_size must be at least 2")
    if s.resolution <= 0:
        raise ConfigError("resolution must be positive")
    if s.supernode_max_merchants < 2:
        raise ConfigError("supernode_max_merchants must be at least 2")
    if s.cpm_resolution <= 0:
        raise ConfigError("cpm_resolution must be positive")
    if not 0 <= s.ring_density_floor <= 1:
        raise ConfigError("ring_density_floor must be in [0, 1]")
    if s.service_min_holders < 3:
        raise ConfigError("service_min_holders must be at least 3")
    if not 0 < s.service_max_cohesion <= 1:
        raise ConfigError("service_max_cohesion must be in (0, 1]")
    if s.workers < 0:
        raise ConfigError("workers must be 0 (one per core) or more")
    if s.engine not in {"auto", "louvain", "igraph"}:
        raise ConfigError(f"engine must be auto, louvain or igraph, not {s.engine!r}")
    if s.detection not in {"local", "gds-louvain", "gds-leiden"}:
        raise ConfigError(
            f"detection must be local, gds-louvain or gds-leiden, not {s.detection!r}"
        )
    if s.detection != "local" and s.backend != "neo4j":
        raise ConfigError("in-database detection (gds-*) needs --backend neo4j")
    if s.backend not in {"memory", "neo4j", "spark"}:
        raise ConfigError(f"backend must be memory, neo4j or spark, not {s.backend!r}")
