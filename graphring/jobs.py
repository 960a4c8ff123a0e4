"""Scheduled runs in a workspace folder: runs that remember what they found before.

    WS/runs/<run_id>/   one run folder each (the contract's files, plus alerts.jsonl)
    WS/latest           symlink to the newest complete run
    WS/cases.jsonl      investigators' decisions, one JSON object per line, append-only
    WS/lock             held while a run goes on

A run is written into a staging folder and only then moved into runs/ and pointed at by
``latest``: a run killed midway leaves the previous run's state and files as they were.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphring import review
from graphring.config import Settings
from graphring.errors import InputError, RunLockedError
from graphring.feedback import verdict_weights
from graphring.lineage import material_growth
from graphring.pipeline import PreviousRun, RunResult, run_pipeline
from graphring.rundir.safety import staged_dir
from graphring.rundir.write import write_run_into
from graphring.stores.base import Store

STATUSES = ("open", "confirmed", "dismissed")
log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    result: RunResult
    folder: Path
    alerts: list[dict[str, Any]]


@contextlib.contextmanager
def workspace_lock(workspace: Path) -> Iterator[None]:
    """Hold ``WS/lock`` for the duration; a second holder gets :class:`RunLockedError`.

    The holder's line in the file is a courtesy: a full disk does not stop the run.
    """
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / "lock"
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            _lock(handle)
        except BlockingIOError as e:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunLockedError(
                f"another graphring run holds {path} ({holder}); "
                "this run did nothing: try again when it has finished"
            ) from e
        _note_holder(handle, f"pid {os.getpid()} since {_now()}\n")
        try:
            yield
        finally:
            _note_holder(handle, "")
            _unlock(handle)


# fcntl is POSIX only: it is imported when a lock is taken, so that importing graphring
# works on Windows too (where msvcrt locks the file's first byte instead)
def _lock(handle: Any) -> None:
    """Lock ``handle``'s file for this process, or BlockingIOError at once if another
    process holds it."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError as e:  # msvcrt says "locked" with a plain OSError
            raise BlockingIOError(*e.args) from e
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(handle: Any) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_UN)


def _note_holder(handle: Any, line: str) -> None:
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(line)
        handle.flush()
    except OSError as e:  # a full disk: the lock itself (flock) holds all the same
        log.warning("could not write the lock holder into %s: %s", handle.name, e.strerror)
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest_run(workspace: Path) -> Path | None:
    link = workspace / "latest"
    return link.resolve() if link.exists() else None


def previous_run(workspace: Path) -> PreviousRun | None:
    """The latest complete run of the workspace, as the next run needs it."""
    folder = latest_run(workspace)
    if folder is None:
        return None
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    rings = json.loads((folder / "rings.json").read_text(encoding="utf-8"))
    return PreviousRun(run["run_id"], {r["ring_id"]: set(r["members"]) for r in rings})


def json_lines(path: Path, whole: Callable[[Any], bool]) -> list[dict[str, Any]]:
    """The JSON objects of an append-only ``.jsonl`` file that ``whole`` accepts.

    A line that is not whole (a write cut short by a kill or a full disk) is skipped with a
    warning naming it; the other lines stand.
    """
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    text = path.read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            ok = isinstance(item, dict) and whole(item)
        except ValueError:
            ok = False
        if not ok:
            log.warning("%s line %d is not whole; skipped: %.80s", path, number, line)
            continue
        out.append(item)
    return out


def _whole_case(case: dict[str, Any]) -> bool:
    return (
        isinstance(case.get("ring_id"), str)
        and case.get("status") in STATUSES
        and isinstance(case.get("members", []), list)
    )


def case_statuses(workspace: Path) -> dict[str, dict[str, Any]]:
    """The latest decision on each ring (from cases.jsonl; see :func:`json_lines`)."""
    return {c["ring_id"]: c for c in json_lines(workspace / "cases.jsonl", _whole_case)}


def append_line(path: Path, line: str) -> None:
    """Append ``line`` on a line of its own, even after a partial last line."""
    with open(path, "ab") as handle:
        if handle.tell() > 0:
            with open(path, "rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    handle.write(b"\n")
        handle.write(line.encode("utf-8") + b"\n")


def set_ring_status(
    workspace: str | Path, ring_id: str, status: str, note: str = "", by: str | None = None
) -> dict[str, Any]:
    """Record an investigator's decision on a ring of the workspace's latest run."""
    workspace = Path(workspace)
    if status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    previous = previous_run(workspace)
    if previous is None:
        raise InputError("the workspace has no run yet", file=str(workspace))
    if ring_id not in previous.rings:
        raise InputError(
            f"ring {ring_id} is not in the workspace's latest run ({previous.run_id})",
            file=str(workspace),
        )
    case = {
        "ring_id": ring_id,
        "status": status,
        "note": note,
        "by": by or _user(),
        "at": _now(),
        "run_id": previous.run_id,
        "members": sorted(previous.rings[ring_id]),
        # the seal of the packet the decision was made on (see graphring.review)
        "packet_seal": review.packet_seal(latest_run(workspace) or workspace, ring_id),
    }
    case_statuses(workspace)  # says which lines a cut-short write left, if any
    append_line(workspace / "cases.jsonl", json.dumps(case, ensure_ascii=False))
    return case


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def alerts_for(
    result: RunResult, statuses: dict[str, dict[str, Any]], packet_root: Path
) -> list[dict[str, Any]]:
    """Rings new or materially changed at or above the alert score; a dismissed ring only
    when it has grown materially since it was dismissed."""
    changes = result.changes or {}
    events: dict[str, dict[str, Any]] = {}
    for item in changes.get("new", []):
        events[item["ring_id"]] = {"event": "new"}
    for item in changes.get("split", []):
        events[item["ring_id"]] = {"event": "split", "split_from": item["from"]}
    for item in changes.get("grown", []):
        if item["material"]:
            events[item["ring_id"]] = {
                "event": "grown",
                "added": item["added"],
                "provinces_added": item["provinces_added"],
            }
    for item in changes.get("merged", []):
        rid = item["ring_id"]
        events[rid] = {**events.get(rid, {}), "event": "merged", "merged_from": item["from"]}
    if changes.get("previous_run") is None:
        events = {rid: {"event": "new"} for rid in result.rings["ring_id"]}
    members = (
        result.members.loc[result.members["core"]]
        .groupby("ring_id")["merchant_id"]
        .agg(set)
        .to_dict()
    )
    alerts = []
    for ring in result.rings.itertuples(index=False):
        rid = ring.ring_id
        case = statuses.get(rid)
        if case and case["status"] == "dismissed":
            before = set(case["members"])
            added = sorted(members[rid] - before)
            if len(added) < material_growth(len(before)):
                continue
            event = {"event": "grown since dismissed", "added": added}
        elif rid in events:
            event = events[rid]
        else:
            continue
        if ring.ring_score < result.settings.alert_score:
            continue
        alerts.append(
            {
                "run_id": result.run_id,
                "ring_id": rid,
                **event,
                "score": float(ring.ring_score),
                "size": int(ring.size),
                "status": case["status"] if case else "open",
                "packet": str(packet_root / rid / "index.html"),
            }
        )
    return alerts


def scheduled_run(
    data_dir: str | Path,
    workspace: str | Path,
    settings: Settings,
    store: Store,
    lock_held: bool = False,
) -> RunOutcome:
    """One scheduled run: detect, carry ring ids, alert, and publish as the latest run.

    ``lock_held``: the caller holds :func:`workspace_lock` already (the command line takes
    it before it opens a store, so that a second run exits 75 without reaching for a server).
    """
    workspace = Path(workspace).resolve()
    with contextlib.nullcontext() if lock_held else workspace_lock(workspace):
        runs = workspace / "runs"
        runs.mkdir(exist_ok=True)
        # left by a run that was killed (or failed on a full disk): the lock says it is gone
        # (.RUN_ID.staging-PID-*: staged_dir's names; .staging-*: older graphring's)
        leftovers = [*runs.glob(".*.staging-*"), *runs.glob(".*.old-*"), *runs.glob(".staging-*")]
        for stale in leftovers:
            if stale.is_symlink() or not stale.is_dir():
                stale.unlink(missing_ok=True)
            else:
                shutil.rmtree(stale, ignore_errors=True)
        for link in workspace.glob(".latest-*"):
            link.unlink(missing_ok=True)
        # verdicts re-weigh identifier kinds (graphring/feedback.py; off with --no-feedback)
        verdicts, verdict_detail = (
            verdict_weights(workspace, case_statuses(workspace))
            if settings.feedback
            else ({}, {"off": True})
        )
        result = run_pipeline(
            data_dir,
            settings,
            store,
            previous=previous_run(workspace),
            excluded=review.exclusions(workspace),
            feedback=verdicts,
        )
        result.counts["feedback"] = verdict_detail
        statuses = case_statuses(workspace)
        result.rings = review.attach_decisions(result.rings, review.decisions(workspace))
        folder = runs / result.run_id
        alerts = alerts_for(result, statuses, folder / "packets")
        # a full disk, a kill: the staging folder goes and the workspace stays as it was
        with staged_dir(folder) as stage:
            write_run_into(result, stage)
            with open(stage / "alerts.jsonl", "w", encoding="utf-8") as handle:
                for alert in alerts:
                    handle.write(json.dumps(alert, ensure_ascii=False) + "\n")
        tmp_link = workspace / f".latest-{result.run_id}"
        tmp_link.symlink_to(Path("runs") / result.run_id)
        os.replace(tmp_link, workspace / "latest")
    return RunOutcome(result, folder, alerts)
