"""The input tables of DATA_CONTRACT: read a data folder, validate it, set bad rows aside.

A missing file, a missing column or an unreadable file raises :class:`InputError` (exit 2)
before anything is written anywhere. A bad row goes to the rejects table with its file,
line, column and reason; the rest loads. Line numbers count the header as line 1, so the
first data row of a CSV is line 2; for Parquet the line is the 1-based row number.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphring.errors import InputError
from graphring.normalize import account_key, address_key, identifier_key, phone_key
from graphring.parallel import fork_map

TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"
ROLES = ("registered", "return", "warehouse", "pickup", "other")
REJECT_COLUMNS = ["file", "line", "column", "reason", "value"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str = TEXT
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    #: Column whose values must be unique in the table.
    unique: str | None = None
    #: True when merchant_id must name a loaded merchant.
    links_merchant: bool = True

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "merchants",
            (
                Column("merchant_id", required=True),
                Column("name", required=True),
                Column("platform"),
                Column("province"),
                Column("city"),
                Column("opened_on", DATE),
                Column("monthly_orders", NUMBER),
                Column("rating", NUMBER),
            ),
            unique="merchant_id",
            links_merchant=False,
        ),
        Table(
            "addresses",
            (
                Column("merchant_id", required=True),
                Column("address", required=True),
                Column("role"),
                Column("province"),
                Column("city"),
                Column("lat", NUMBER),
                Column("lon", NUMBER),
            ),
        ),
        Table(
            "payment_accounts",
            (
                Column("merchant_id", required=True),
                Column("account", required=True),
                Column("provider"),
                Column("holder"),
            ),
        ),
        Table(
            "shipments",
            (
                Column("shipment_id", required=True),
                Column("merchant_id", required=True),
                Column("origin", required=True),
                Column("destination"),
                Column("carrier"),
                Column("shipped_at", DATETIME),
                Column("sender_phone"),
            ),
            unique="shipment_id",
        ),
        Table(
            "identifiers",
            (
                Column("merchant_id", required=True),
                Column("kind", required=True),
                Column("value", required=True),
            ),
        ),
        Table(
            "listings",
            (
                Column("listing_id", required=True),
                Column("merchant_id", required=True),
                Column("brand"),
                Column("title"),
                Column("price", NUMBER, required=True),
                Column("reference_price", NUMBER),
                Column("image_text"),
            ),
            unique="listing_id",
        ),
    )
}


@dataclass(frozen=True)
class SourceFile:
    table: str
    path: Path
    sha256: str
    rows: int


@dataclass
class Dataset:
    """The validated tables. Every table has every contract column (empty when absent),
    a ``_line`` column with its source line, and any extra columns the file had."""

    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    sources: dict[str, SourceFile] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows read, loaded and set aside, per table."""
        out = {}
        rejected = self.rejects.drop_duplicates(["file", "line"])["file"].value_counts()
        for name, src in self.sources.items():
            out[name] = {
                "read": src.rows,
                "loaded": len(self.tables[name]),
                "rejected": int(rejected.get(src.path.name, 0)),
            }
        return out


def _find_file(folder: Path, name: str) -> Path | None:
    found = [p for p in (folder / f"{name}.csv", folder / f"{name}.parquet") if p.is_file()]
    if len(found) > 1:
        raise InputError(f"both {name}.csv and {name}.parquet exist; keep one", file=str(folder))
    return found[0] if found else None


def _read_csv(path: Path, data: bytes) -> pd.DataFrame:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if body.strip():
        try:
            # Arrow's multithreaded reader for well-formed files; anything it refuses
            # (bad UTF-8, ragged rows) is read again below, to say exactly what is wrong
            return pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, engine="pyarrow")
        except Exception:  # the careful reader below reports the problem
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(
            f"not UTF-8 text (byte {data[e.start]:#04x} at character {col})",
            file=path.name,
            line=line,
        ) from e
    if not text.strip():
        raise InputError("the file is empty; a header row is required", file=path.name)
    try:
        return pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except pd.errors.ParserError as e:
        raise InputError(f"cannot be read as CSV: {e}", file=path.name) from e


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises many kinds for a broken file
        raise InputError(f"cannot be read as Parquet: {e}", file=path.name) from e
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.dt.strftime("%Y-%m-%d")
        out[str(col)] = s.astype("string").fillna("").astype(str)
    return out


def _read_table(path: Path) -> tuple[pd.DataFrame, str]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot be read: {e.strerror}", file=path.name) from e
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix == ".parquet":
        frame, offset = _read_parquet(path), 1
    else:
        frame, offset = _read_csv(path, data), 2
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.reset_index(drop=True)
    frame.insert(0, "_line", np.arange(offset, offset + len(frame), dtype=np.int64))
    return frame, digest


class _Rejects:
    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(
        self,
        frame: pd.DataFrame,
        bad: pd.Series,
        file: str,
        column: str,
        reason: str | pd.Series,
        value: pd.Series | None = None,
    ) -> None:
        if not bad.any():
            return
        rows = frame.loc[bad]
        why = reason[bad] if isinstance(reason, pd.Series) else reason
        val = value if value is not None else frame.get(column, "")
        val = val[bad] if isinstance(val, pd.Series) else val
        self.parts.append(
            pd.DataFrame(
                {
                    "file": file,
                    "line": rows["_line"].to_numpy(),
                    "column": column,
                    "reason": why,
                    "value": val,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})
        out = pd.concat(self.parts, ignore_index=True)
        out["line"] = out["line"].astype(np.int64)
        return out.sort_values(["file", "line", "column"], kind="stable").reset_index(drop=True)


def _validate(
    spec: Table, frame: pd.DataFrame, file: str, rejects: _Rejects, known_merchants: pd.Index | None
) -> pd.DataFrame:
    bad_any = pd.Series(False, index=frame.index)
    for col in spec.columns:
        if col.name not in frame:
            frame[col.name] = ""
        raw = frame[col.name].astype(str).str.strip()
        frame[col.name] = raw
        empty = raw == ""
        if col.required:
            rejects.add(frame, empty, file, col.name, f"empty {col.name}")
            bad_any |= empty
        if col.type == NUMBER:
            num = pd.to_numeric(raw.where(~empty), errors="coerce")
            bad = ~empty & num.isna()
            rejects.add(frame, bad, file, col.name, f"{col.name} is not a number")
            bad_any |= bad
            if col.name == "rating":
                out = num.notna() & ((num < 0) | (num > 5))
                rejects.add(frame, out, file, col.name, "rating must be between 0 and 5")
                bad_any |= out
            if col.name in {"price", "reference_price"}:
                neg = num.notna() & (num < 0)
                rejects.add(frame, neg, file, col.name, f"{col.name} is negative")
                bad_any |= neg
            frame[col.name] = num.astype("float64")
        elif col.type == DATE:
            parsed = pd.to_datetime(raw.where(~empty), format="%Y-%m-%d", errors="coerce")
            bad = ~empty & parsed.isna()
            rejects.add(frame, bad, file, col.name, f"{col.name} is not a date (YYYY-MM-DD)")
            bad_any |= bad
            frame[col.name] = parsed
        elif col.type == DATETIME:
            parsed = pd.to_datetime(raw.where(~empty), format="ISO8601", errors="coerce", utc=True)
            bad = ~empty & parsed.isna()
            rejects.add(frame, bad, file, col.name, f"{col.name} is not a date or ISO date-time")
            bad_any |= bad
            frame[col.name] = parsed.dt.tz_localize(None)
    if spec.name == "addresses":
        role = frame["role"].str.casefold().replace("", "other")
        bad = ~role.isin(ROLES)
        rejects.add(frame, bad, file, "role", f"role must be one of {', '.join(ROLES)}")
        bad_any |= bad
        frame["role"] = role
    if spec.name == "identifiers":
        kind = frame["kind"].str.casefold()
        bad = (kind != "") & ~kind.str.fullmatch(r"[a-z][a-z0-9_]*")
        rejects.add(frame, bad, file, "kind", "kind must be one lowercase word (e.g. phone)")
        bad_any |= bad
        frame["kind"] = kind
    if known_merchants is not None and spec.links_merchant:
        mid = frame["merchant_id"]
        bad = (mid != "") & ~_is_in(mid, known_merchants) & ~bad_any
        rejects.add(frame, bad, file, "merchant_id", "unknown merchant_id")
        bad_any |= bad
    if spec.unique:
        key = frame[spec.unique]
        ok = ~bad_any & (key != "")
        dup = ok & key.where(ok).duplicated(keep="first")
        if dup.any():
            # the line each repeated id was first seen on, for the rows set aside only
            first = frame.loc[ok & ~dup].set_index(spec.unique)["_line"]
            first_line = key[dup].map(first).astype(np.int64).astype(str)
            reason = "duplicate " + spec.unique + " (first on line " + first_line + ")"
            rejects.add(frame, dup, file, spec.unique, reason.reindex(frame.index))
            bad_any |= dup
    kept = frame.loc[~bad_any].reset_index(drop=True)
    return _keep_extra_numbers(spec, kept)


def _is_in(values: pd.Series, known: pd.Index) -> pd.Series:
    """``values.isin(known)`` through Arrow's hash kernel (pandas' is slow on strings)."""
    hit = pc.is_in(
        pa.array(values.to_numpy(dtype=object), type=pa.string()),
        value_set=pa.array(known.to_numpy(dtype=object), type=pa.string()),
    )
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=values.index)


def _keep_extra_numbers(spec: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns the contract does not name stay as attributes; all-numeric ones as numbers."""
    named = {c.name for c in spec.columns} | {"_line"}
    for col in frame.columns:
        if col in named:
            continue
        s = frame[col].astype(str).str.strip()
        nonempty = s != ""
        num = pd.to_numeric(s.where(nonempty), errors="coerce")
        if nonempty.any() and num[nonempty].notna().all():
            frame[col] = num
        else:
            frame[col] = s
    return frame


def empty_table(name: str) -> pd.DataFrame:
    """A table of the contract with its columns and no rows."""
    spec = TABLES[name]
    frame = pd.DataFrame({"_line": pd.Series(dtype=np.int64)})
    for col in spec.columns:
        dtype = {NUMBER: "float64", DATE: "datetime64[ns]", DATETIME: "datetime64[ns]"}
        frame[col.name] = pd.Series(dtype=dtype.get(col.type, object))
    return frame


#: The canonical keys each table gets: (raw column, key column, kind of key).
KEYED: dict[str, list[tuple[str, str, str]]] = {
    "addresses": [("address", "key", "address")],
    "payment_accounts": [("account", "key", "account")],
    "shipments": [
        ("origin", "origin_key", "address"),
        ("sender_phone", "sender_phone_key", "phone"),
    ],
    "identifiers": [("value", "key", "by kind")],
}


def _add_keys(
    name: str, frame: pd.DataFrame, file: str | None, rejects: _Rejects, region: str
) -> pd.DataFrame:
    """Canonical keys beside the raw values; a value with no key left is set aside."""
    dropped = pd.Series(False, index=frame.index)
    for column, key_col, kind in KEYED.get(name, []):
        raw = frame[column].astype(str) if len(frame) else frame[column].astype(object)
        if kind == "by kind":
            key = identifier_key(frame["kind"], raw, region)
        elif kind == "phone":
            key = phone_key(raw, region)
        else:
            key = address_key(raw) if kind == "address" else account_key(raw)
        frame[key_col] = key.astype(object).fillna("").to_numpy()
        if file is not None:
            bad = (raw != "") & (frame[key_col] == "") & ~dropped
            reason = f"{column} has no letters or digits to identify it"
            rejects.add(frame, bad, file, column, reason)
            dropped |= bad
    return frame.loc[~dropped].reset_index(drop=True) if dropped.any() else frame


#: Inputs this big (bytes, all files) are read over several processes.
PARALLEL_READ_BYTES = 20_000_000


def _prepare(
    name: str, path: Path | None, known: pd.Index | None, region: str
) -> tuple[pd.DataFrame, SourceFile | None, list[pd.DataFrame]]:
    """One table read, validated and keyed: (table, its source, its rejects)."""
    rejects = _Rejects()
    if path is None:
        return _add_keys(name, empty_table(name), None, rejects, region), None, []
    frame, digest = _read_table(path)
    missing = [c for c in TABLES[name].required if c not in frame.columns]
    if missing:
        raise InputError("required column missing", file=path.name, column=missing[0])
    source = SourceFile(name, path, digest, len(frame))
    frame = _validate(TABLES[name], frame, path.name, rejects, known)
    return _add_keys(name, frame, path.name, rejects, region), source, rejects.parts


def _prepare_named(
    shared: tuple[dict[str, Path | None], pd.Index, str], name: str
) -> tuple[pd.DataFrame, SourceFile | None, list[pd.DataFrame]]:
    paths, known, region = shared
    return _prepare(name, paths[name], known, region)


def read_dataset(folder: str | Path, region: str = "CN", processes: int = 1) -> Dataset:
    """Read, validate and normalize a data folder (``region``: default phone country).

    Merchants first (the other tables are checked against them), then the other tables,
    over ``processes`` forked processes when the files are big.
    Raises :class:`InputError` for a missing folder, file or column, or an unreadable file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("data folder not found", file=str(folder))
    paths = {name: _find_file(folder, name) for name in TABLES}
    mpath = paths["merchants"]
    if mpath is None:
        raise InputError(
            "required file missing (merchants.csv or merchants.parquet)",
            file=str(folder / "merchants.csv"),
        )
    merchants, msource, parts = _prepare("merchants", mpath, None, region)
    assert msource is not None
    rejects = _Rejects()
    rejects.parts.extend(parts)
    tables: dict[str, pd.DataFrame] = {"merchants": merchants}
    sources: dict[str, SourceFile] = {"merchants": msource}
    known = pd.Index(merchants["merchant_id"])
    names = [name for name in TABLES if name != "merchants"]
    size = sum(p.stat().st_size for p in paths.values() if p is not None)
    if processes <= 1 or size < PARALLEL_READ_BYTES:
        processes = 1
    # biggest files first, so that the last to finish is a small one
    by_size = sorted(names, key=lambda n: -(p.stat().st_size if (p := paths[n]) else 0))
    prepared = fork_map(_prepare_named, (paths, known, region), by_size, processes)
    done = dict(zip(by_size, prepared, strict=True))
    for name in names:
        frame, source, parts = done[name]
        tables[name] = frame
        if source is not None:
            sources[name] = source
        rejects.parts.extend(parts)
    return Dataset(tables=tables, rejects=rejects.frame(), sources=sources)
