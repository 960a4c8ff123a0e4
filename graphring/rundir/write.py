"""Write a run folder as DATA_CONTRACT lays it out, all at once or not at all.

Everything is written into a staging folder beside the target, which then takes the
target's place; a failed run leaves the previous folder as it was and no half-written one.
Only a new folder, an empty one or a run folder graphring wrote is replaced (safety.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from graphring.packets.overview import overview_html, overview_parts
from graphring.packets.write import write_packets
from graphring.pipeline import RunResult
from graphring.progress import stage_done
from graphring.rundir.custody import custody, dump_json
from graphring.rundir.safety import SIGNATURE, staged_dir
from graphring.schema import RING_EVIDENCE_COLUMNS
from graphring.services import service_rule
from graphring.sheets import write_sheet_csv
from graphring.version import __version__


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [dict(r) for r in clean.to_dict(orient="records")]


def ring_documents(result: RunResult) -> list[dict[str, Any]]:
    """Each ring as rings.json holds it."""
    members = _by_ring(result.members[["ring_id", "merchant_id", "core"]], "ring_id", lambda m: m)
    reasons = _by_ring(
        result.ring_reasons[["ring_id", "points", "text"]],
        "ring_id",
        lambda r: {"points": float(r["points"]), "text": r["text"]},
    )
    evidence = _by_ring(
        result.evidence[RING_EVIDENCE_COLUMNS],
        "ring_id",
        lambda e: {
            "kind": e["kind"],
            "key": e["key"],
            "roles": e["roles"].split(";") if e["roles"] else [],
            "shops_in_ring": int(e["shops_in_ring"]),
            "shops_total": int(e["shops_total"]),
            "rarity": float(e["rarity"]),
            "shipments": int(e["shipments"]),
            "merchants": e["merchant_ids"].split(";"),
        },
    )
    lead_fields = result.leads[["address", "score", "shipments", "ring_shops"]]
    leads = _by_ring(
        lead_fields.assign(ring=result.leads["rings"].str.split(";")).explode("ring"),
        "ring",
        lambda lead: {
            "address": lead["address"],
            "score": float(lead["score"]),
            "shipments": int(lead["shipments"]),
            "ring_shops": int(lead["ring_shops"]),
        },
    )
    excluded = _by_ring(
        result.excluded if result.excluded is not None else pd.DataFrame({"ring_id": []}),
        "ring_id",
        lambda x: {k: x[k] for k in ("merchant_id", "note", "by", "at", "run_id")},
    )
    docs = []
    for ring in result.rings.to_dict("records"):
        rid = ring["ring_id"]
        mem = members[rid]
        decision = (
            {
                "status": str(ring["status"]),
                "note": ring["note"],
                "by": ring["decided_by"],
                "at": ring["decided_at"],
                "run_id": ring["decided_run"],
            }
            if ring.get("decided_at")
            else None
        )
        docs.append(
            {
                "ring_id": rid,
                "score": float(ring["ring_score"]),
                "size": int(ring["size"]),
                "status": str(ring.get("status", "open")),
                "members": sorted(m["merchant_id"] for m in mem if m["core"]),
                "associates": sorted(m["merchant_id"] for m in mem if not m["core"]),
                "reasons": reasons[rid],
                "shared_identifiers": evidence.get(rid, []),
                "provinces": ring["province_list"].split(";") if ring["province_list"] else [],
                "leads": leads.get(rid, []),
                "decision": decision,
                "excluded": excluded.get(rid, []),
            }
        )
    return docs


def _by_ring(
    frame: pd.DataFrame, key: str, make: Callable[[dict[str, Any]], Any]
) -> dict[str, list[Any]]:
    """``make(row)`` for every row, listed by ring in the frame's order (the frames are
    cut to the columns ``make`` reads first: each cell is turned into a Python value)."""
    out: dict[str, list[Any]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row[key], []).append(make(row))
    return out


def run_document(result: RunResult, seals: dict[str, str] | None = None) -> dict[str, Any]:
    """run.json; ``seals``: each packet's seal (the SHA-256 of its SHA256SUMS)."""
    rejects = result.rejects
    return {
        "written_by": SIGNATURE,
        "run_id": result.run_id,
        "started": result.started,
        "finished": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "graphring_version": __version__,
        "parameters": result.settings.public(),
        "engine": result.engine,
        "today": result.today,
        "inputs": custody(result)["inputs"],
        "counts": result.counts,
        "rejects": {
            "rows": result.counts["rejected_rows"],
            "values_left_empty": result.counts.get("values_left_empty", 0),
            "by_reason": {
                str(k): int(v) for k, v in rejects["reason"].value_counts().sort_index().items()
            },
        },
        "supernodes": _records(result.supernodes),
        "services": {
            "rule": service_rule(
                result.settings.service_min_holders, result.settings.service_max_cohesion
            ),
            "identifiers": _records(result.services),
        },
        # the kind weights links used: configured, scaled by chance sharing and verdicts
        "kind_weights": _records(result.links.weights) if result.links is not None else [],
        "stage_seconds": result.timings,
        "changes": result.changes if result.changes is not None else {"previous_run": None},
        "packet_seals": seals or {},
    }


def write_run(
    result: RunResult,
    out: str | Path,
    packets: bool = True,
    data_dir: str | Path | None = None,
) -> Path:
    """Write the run folder ``out`` (replacing a run folder that is there, once complete).

    Raises :class:`graphring.errors.InputError` when ``out`` may not be written
    (:func:`graphring.rundir.safety.check_target`; ``data_dir``: the run's input folder).
    """
    with staged_dir(out, data_dir) as stage:
        write_run_into(result, stage, packets=packets)
    return Path(out)


def write_run_into(result: RunResult, folder: Path, packets: bool = True) -> None:
    docs = ring_documents(result)
    overview: list[tuple[str, str]] = []

    def run_files() -> None:
        members = result.members
        core = members.loc[members["core"]].merge(
            result.rings[["ring_id", "ring_score"]], on="ring_id"
        )
        # CSVs are opened in spreadsheets: formula-like cells are neutralised (sheets.py)
        write_sheet_csv(core[["ring_id", "merchant_id", "ring_score"]], folder / "rings.csv")
        write_sheet_csv(result.merchants, folder / "merchants.csv")
        write_sheet_csv(result.leads.drop(columns=["raw_address"]), folder / "leads.csv")
        write_sheet_csv(result.rejects, folder / "rejects.csv")
        dump_json(folder / "rings.json", docs)
        # the overview but for its rings' seals, made while the packets are written
        overview.append(overview_parts(result))

    seals: dict[str, str] = {}
    if packets:
        started = time.perf_counter()
        # the run's own files are written while forked writers write the packets
        # each packet's seal comes from its writer (not read back from SHA256SUMS)
        seals = write_packets(result, docs, folder / "packets", meanwhile=run_files)
        stage_done("packets", time.perf_counter() - started, f"{len(docs)} packets")
    else:
        run_files()
    # written after the packets: run.json and the overview carry each packet's seal
    dump_json(folder / "run.json", run_document(result, seals))
    (folder / "index.html").write_text(overview_html(result, seals, overview[0]), encoding="utf-8")
