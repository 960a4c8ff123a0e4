"""Read a run folder back: what a run wrote, as tables (the writer is write.py).

Only the files are read; nothing is detected again. A run written without packets gives
its members and evidence from rings.json and merchants.csv instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from graphring.config import Settings, load_settings
from graphring.schema import RING_EVIDENCE_COLUMNS

_STR = str  # the dtype given to id and key columns when reading CSV


@dataclass
class RunFiles:
    """A run folder's contents, as the run wrote them."""

    folder: Path
    run_id: str
    settings: Settings
    #: rings.json, ring by ring
    docs: list[dict[str, Any]]
    members: pd.DataFrame
    evidence: pd.DataFrame
    merchants: pd.DataFrame
    leads: pd.DataFrame
    #: (kind, key) of every supernode the run set aside
    supernodes: set[tuple[str, str]]
    #: run.json's inputs: table -> file, sha256, rows
    inputs: dict[str, Any]
    #: the run's "today" (run.json), when it recorded one
    today: pd.Timestamp | None


def read_run(run_folder: str | Path) -> RunFiles:
    """Read rings.json, run.json, merchants.csv, leads.csv and packets/*/members.csv and
    evidence.csv of a run folder. FileNotFoundError when it is not a run folder."""
    folder = Path(run_folder).resolve()
    if not (folder / "rings.json").is_file():
        raise FileNotFoundError(f"{folder} is not a graphring run folder (no rings.json)")
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    docs: list[dict[str, Any]] = json.loads((folder / "rings.json").read_text(encoding="utf-8"))
    order = [d["ring_id"] for d in docs]
    packets = folder / "packets"

    def gather(name: str, dtypes: dict[str, Any]) -> list[pd.DataFrame]:
        return [
            _read_csv(packets / rid / name, dtypes)
            for rid in order
            if (packets / rid / name).is_file()
        ]

    merchants = _read_csv(
        folder / "merchants.csv", {"merchant_id": _STR, "ring_id": _STR, "reasons": _STR}
    )
    merchants["ring_id"] = merchants["ring_id"].fillna("")
    merchants["reasons"] = merchants["reasons"].fillna("")
    member_frames = gather("members.csv", _MEMBER_DTYPES)
    if len(member_frames) == len(order) and order:
        members = _clean_members(pd.concat(member_frames, ignore_index=True))
    else:  # a run written without packets: members from rings.json and merchants.csv
        members = _members_from_docs(docs, merchants)
    evidence_frames = gather("evidence.csv", _EVIDENCE_DTYPES)
    if len(evidence_frames) == len(order) and order:
        evidence = _clean_evidence(pd.concat(evidence_frames, ignore_index=True))
    else:
        evidence = _evidence_from_docs(docs)
    recorded = (run.get("today") or {}).get("date")
    return RunFiles(
        folder=folder,
        run_id=str(run["run_id"]),
        settings=_settings_from(run.get("parameters", {})),
        docs=docs,
        members=members,
        evidence=evidence,
        merchants=merchants,
        leads=_read_csv(folder / "leads.csv", _LEAD_DTYPES),
        supernodes={(str(s["kind"]), str(s["key"])) for s in run.get("supernodes", [])},
        inputs=run.get("inputs", {}),
        today=pd.Timestamp(recorded) if recorded else None,
    )


_MEMBER_DTYPES = {
    "ring_id": _STR,
    "merchant_id": _STR,
    "name": _STR,
    "platform": _STR,
    "province": _STR,
    "city": _STR,
    "reasons": _STR,
}
_EVIDENCE_DTYPES = {
    "ring_id": _STR,
    "kind": _STR,
    "key": _STR,
    "roles": _STR,
    "merchant_ids": _STR,
}
_LEAD_DTYPES = {
    "address": _STR,
    "rings": _STR,
    "roles": _STR,
    "merchant_ids": _STR,
    "province": _STR,
    "city": _STR,
    "reasons": _STR,
}


def _read_csv(path: Path, dtypes: dict[str, Any]) -> pd.DataFrame:
    return pd.read_csv(path, dtype=dtypes, encoding="utf-8")


def _clean_members(members: pd.DataFrame) -> pd.DataFrame:
    m = members.copy()
    m["core"] = m["core"].astype(str).str.lower().isin(["true", "1"])
    m["opened_on"] = pd.to_datetime(m["opened_on"], errors="coerce")
    for col in ["monthly_orders", "rating", "risk_score"]:
        if col in m:
            m[col] = pd.to_numeric(m[col], errors="coerce").astype("float64")
    m["reasons"] = m["reasons"].fillna("")
    return m.reset_index(drop=True)


def _clean_evidence(evidence: pd.DataFrame) -> pd.DataFrame:
    ev = evidence.copy()
    ev["roles"] = ev["roles"].fillna("")
    for col in ["shops_in_ring", "shops_total", "shipments"]:
        ev[col] = pd.to_numeric(ev[col]).astype("int64")
    ev["rarity"] = pd.to_numeric(ev["rarity"]).astype("float64")
    return ev[RING_EVIDENCE_COLUMNS].reset_index(drop=True)


def _settings_from(parameters: dict[str, Any]) -> Settings:
    known = {f.name for f in fields(Settings)}
    return load_settings(env={}, **{k: v for k, v in parameters.items() if k in known})


def _members_from_docs(docs: list[dict[str, Any]], merchants: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {"ring_id": d["ring_id"], "merchant_id": m, "core": core}
        for d in docs
        for core, key in ((True, "members"), (False, "associates"))
        for m in d[key]
    ]
    m = pd.DataFrame(rows, columns=["ring_id", "merchant_id", "core"])
    m = m.merge(merchants[["merchant_id", "risk_score", "reasons"]], on="merchant_id", how="left")
    for col in ["name", "platform", "province", "city", "monthly_orders", "rating"]:
        m[col] = pd.NA
    m["opened_on"] = pd.NaT
    return _clean_members(m)


def _evidence_from_docs(docs: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            "ring_id": d["ring_id"],
            "kind": e["kind"],
            "key": e["key"],
            "roles": ";".join(e["roles"]),
            "shops_in_ring": e["shops_in_ring"],
            "shops_total": e["shops_total"],
            "rarity": e["rarity"],
            "shipments": e["shipments"],
            "merchant_ids": ";".join(e["merchants"]),
        }
        for d in docs
        for e in d["shared_identifiers"]
    ]
    return _clean_evidence(pd.DataFrame(rows, columns=RING_EVIDENCE_COLUMNS))
