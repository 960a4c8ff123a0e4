"""What ties a run's files to their origin: the chain of custody, the SHA-256 of a file,
and the JSON every run file is written as. The run-folder writer and the packet writer
both use these (neither imports the other for them)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from graphring.version import __version__

if TYPE_CHECKING:
    from graphring.pipeline import RunResult


def json_default(value: Any) -> Any:
    """numpy numbers, timestamps and paths as JSON values (NaN as null)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def dump_json(path: Path, data: Any) -> None:
    """``data`` as indented UTF-8 JSON (no NaN) and a final newline."""
    path.write_text(json_text(data), encoding="utf-8")


def json_text(data: Any) -> str:
    """The text :func:`dump_json` writes."""
    return (
        json.dumps(data, indent=2, ensure_ascii=False, default=json_default, allow_nan=False) + "\n"
    )


def json_text_ending(data: dict[str, Any], ending: dict[str, str]) -> str:
    """``json_text({**data, **values})`` where ``ending`` holds the JSON of each of
    ``values`` (:func:`member_json`), keys not in ``data``: a value the same in many files
    (a packet's chain of custody) is written as JSON once, not again in each."""
    if not data or any(key in data for key in ending):
        raise ValueError("data must be a non-empty object without the keys of ending")
    head = json_text(data)[: -len("\n}\n")]
    tail = "".join(
        f",\n  {json.dumps(key, ensure_ascii=False)}: {text}" for key, text in ending.items()
    )
    return head + tail + "\n}\n"


def member_json(value: Any) -> str:
    """``value``'s JSON as :func:`json_text` writes it as a member of an object (one level
    of indentation in), for :func:`json_text_ending`."""
    return json_text(value)[:-1].replace("\n", "\n  ")


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def custody(result: RunResult) -> dict[str, Any]:
    """Chain of custody: who made this, when, from which exact input files."""
    return {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "graphring_version": __version__,
        "run_id": result.run_id,
        "parameters": result.settings.public(),
        "engine": result.engine,
        "inputs": {
            name: {"file": src.path.name, "sha256": src.sha256, "rows": src.rows}
            for name, src in sorted(result.sources.items())
        },
    }
