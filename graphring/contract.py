"""The input tables of DATA_CONTRACT: read a data folder, validate it, set bad rows aside.

A missing file, a missing or repeated column, too many columns or an unreadable file
raises :class:`InputError` (exit 2) before anything is written anywhere. A bad row goes to
the rejects table with its file, line, column and reason; the rest loads. A bad value in
an optional column is rejected alone: the row stays, with that value left empty
(``action`` says which). Line numbers count the header as line 1, so the first data row of
a CSV is line 2; for Parquet the line is the 1-based row number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graphring.errors import InputError
from graphring.normalize import (
    account_key,
    address_key,
    identifier_key,
    phone_key,
    text_keys,
)
from graphring.parallel import fork_map

TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"
ROLES = ("registered", "return", "warehouse", "pickup", "other")
REJECT_COLUMNS = ["file", "line", "column", "reason", "value", "action"]
#: ``action`` of a reject: the whole row set aside, or the row kept without the value.
SET_ASIDE, LEFT_EMPTY = "row set aside", "value left empty"
#: A file with more columns than this is refused (exit 2): no marketplace table has that
#: many, and reading one would take long for nothing.
MAX_COLUMNS = 1_000
#: The ranges numbers must be in (inclusive; None: no bound), else the value is rejected.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "rating": (0.0, 5.0),
    "monthly_orders": (0.0, None),
    "price": (0.0, None),
    "reference_price": (0.0, None),
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
}


def rows_set_aside(rejects: pd.DataFrame) -> int:
    """How many input rows the rejects table set aside (not those only missing a value)."""
    aside = rejects.loc[rejects["action"] == SET_ASIDE] if len(rejects) else rejects
    return int(aside.drop_duplicates(["file", "line"]).shape[0])


def values_left_empty(rejects: pd.DataFrame) -> int:
    """How many values the rejects table left empty in rows that were kept."""
    return int((rejects["action"] == LEFT_EMPTY).sum()) if len(rejects) else 0


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
    #: Each table's rows' shops, as the row of their merchant in the merchants table (found
    #: once per distinct id, as the reader checks them), for the tables that name a shop;
    #: None when not known. A store may use them instead of hashing the ids again (the
    #: embedded store checks them on a sample of rows: a table changed since, it does not).
    shops: dict[str, np.ndarray] | None = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows read, loaded and set aside, per table."""
        return table_counts(self.sources, {n: len(t) for n, t in self.tables.items()}, self.rejects)


def table_counts(
    sources: dict[str, SourceFile], loaded: dict[str, int], rejects: pd.DataFrame
) -> dict[str, dict[str, int]]:
    """Rows read, loaded and set aside (whole rows: a value left empty keeps its row), per
    table, whichever backend read them."""
    aside = rejects.loc[rejects["action"] == SET_ASIDE]
    rejected = aside.drop_duplicates(["file", "line"])["file"].value_counts()
    return {
        name: {
            "read": src.rows,
            "loaded": loaded[name],
            "rejected": int(rejected.get(src.path.name, 0)),
        }
        for name, src in sources.items()
    }


def input_bytes(folder: str | Path) -> int:
    """How many bytes a data folder's table files hold (0 when there are none): what
    decides whether the work is spread over processes."""
    files = (Path(folder) / f"{name}{ext}" for name in TABLES for ext in (".csv", ".parquet"))
    return sum(p.stat().st_size for p in files if p.is_file())


def _find_file(folder: Path, name: str) -> Path | None:
    candidates = (folder / f"{name}.csv", folder / f"{name}.parquet")
    for p in candidates:
        # a folder, a dangling link or a link loop in a table's place is an error, not absence
        if os.path.lexists(p) and not p.is_file():
            raise InputError(
                "is not a readable file (a folder, a dangling link or a link loop?)",
                file=p.name,
            )
    found = [p for p in candidates if p.is_file()]
    if len(found) > 1:
        raise InputError(f"both {name}.csv and {name}.parquet exist; keep one", file=str(folder))
    return found[0] if found else None


def _header(path: Path, body: bytes) -> list[str]:
    """The names of a CSV's header row (the first record), as written."""
    if b"\r" in body and b"\n" not in body:
        raise InputError(
            "lines end in a carriage return alone (CR); save the file with LF or CRLF line endings",
            file=path.name,
            line=1,
        )
    end = body.find(b"\n")
    first = (body if end < 0 else body[:end]).decode("utf-8", errors="replace")
    try:
        return next(csv.reader(io.StringIO(first)), [])
    except csv.Error as exc:  # e.g. a carriage return inside the header row
        raise InputError(f"the header row is not CSV ({exc})", file=path.name, line=1) from exc


def _check_columns(path: Path, names: list[str]) -> None:
    """A repeated column name, or more than :data:`MAX_COLUMNS` columns: InputError."""
    if len(names) > MAX_COLUMNS:
        raise InputError(
            f"{len(names):,} columns; graphring reads files of at most {MAX_COLUMNS:,}",
            file=path.name,
        )
    stripped = pd.Series([str(n).strip() for n in names], dtype=object)
    repeated = stripped[stripped.duplicated()]
    if len(repeated):
        raise InputError(
            "the header names this column more than once; keep one",
            file=path.name,
            column=str(repeated.iloc[0]),
        )


def _arrow_copy(data: bytes) -> pa.Buffer:
    """``data`` copied into memory Arrow owns, for Arrow's multithreaded CSV reader.

    Never a Python object (``io.BytesIO``, ``pa.py_buffer``): the reader's last reference
    to its input can be dropped on one of Arrow's threads after ``read_csv`` has returned,
    and freeing a Python object there takes the GIL. When this process is already exiting
    (an InputError right after the read: exit 2), Python ends that thread with
    ``pthread_exit`` inside a C++ destructor and the process aborts ("terminate called
    without an active exception", exit 134) instead of exiting 2.
    """
    stream = pa.BufferOutputStream()
    stream.write(data)
    return stream.getvalue()


def _read_csv(path: Path, data: bytes) -> tuple[pd.DataFrame, dict[str, _Coded]]:
    """The file's columns as text, and as codes those Arrow's reader read (see :class:`_Coded`)."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    names = _header(path, body)
    _check_columns(path, names)
    # anything but ASCII whitespace (``body.strip()``, without copying the file)
    if body and not body.isspace() and names:
        try:
            # Arrow's multithreaded reader for well-formed files, every column read as
            # text (pandas' pyarrow engine infers numbers first: "007" came back "7.0" and
            # a 20-digit id "6.222e+19"); anything it refuses (bad UTF-8, ragged rows) is
            # read again below, to say exactly what is wrong
            code = [f"c{i}" for i in range(len(names))]
            table = pacsv.read_csv(
                pa.BufferReader(_arrow_copy(body)),
                read_options=pacsv.ReadOptions(column_names=code, skip_rows=1),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in code},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            columns = {n: table.column(c) for n, c in zip(names, code, strict=True)}
            coded = {n: _Coded.of(column) for n, column in columns.items()}
            frame = pd.DataFrame({n: _python_strings(columns[n], coded[n]) for n in columns})
            return frame, {n.strip(): c for n, c in coded.items()}
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
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except pd.errors.ParserError as e:
        raise InputError(f"cannot be read as CSV: {e}", file=path.name) from e
    return frame, {}


@dataclass(frozen=True)
class _Coded:
    """A text column as each row's position (``codes``) among its distinct values
    (``values``, Arrow text): work done once per value, then spread to the rows by code.
    After edits (a strip, a case fold) a value may repeat among ``values``."""

    codes: np.ndarray
    values: pa.Array
    #: True when no value repeats among ``values`` (as Arrow's dictionary gives them).
    distinct: bool = False

    @classmethod
    def of(cls, column: pa.ChunkedArray | pa.Array) -> _Coded:
        coded = pc.dictionary_encode(
            column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        )
        return cls(coded.indices.to_numpy(zero_copy_only=False), coded.dictionary, True)

    def per_row(self, per_value: np.ndarray) -> np.ndarray:
        """Each row's entry of ``per_value`` (one entry per value)."""
        return per_value[self.codes]

    def of_rows(self, rows: np.ndarray) -> _Coded:
        """The same column with the rows ``rows`` (a mask) only."""
        return self if rows.all() else _Coded(self.codes[rows], self.values, self.distinct)


def _python_strings(column: pa.ChunkedArray, coded: _Coded) -> np.ndarray:
    """A text column as an object array. A value repeated down the column (a shop's id on
    each of its parcels, a carrier, a warehouse) becomes one Python string shared by its
    rows, not one per row: less memory and less time making them."""
    if len(coded.values) > len(coded.codes) // 2:
        return column.to_numpy(zero_copy_only=False)
    return coded.per_row(coded.values.to_numpy(zero_copy_only=False))


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises many kinds for a broken file
        raise InputError(f"cannot be read as Parquet: {e}", file=path.name) from e
    _check_columns(path, [str(c) for c in frame.columns])
    columns = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.dt.strftime("%Y-%m-%d")
        columns[str(col)] = s.astype("string").fillna("").astype(str)
    return pd.DataFrame(columns, index=frame.index)


def _read_table(path: Path) -> tuple[pd.DataFrame, str, dict[str, _Coded]]:
    """A file's table, its SHA-256, and the columns Arrow's reader read as codes."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot be read: {e.strerror}", file=path.name) from e
    digest = hashlib.sha256(data).hexdigest()
    coded: dict[str, _Coded] = {}
    if path.suffix == ".parquet":
        frame, offset = _read_parquet(path), 1
    else:
        (frame, coded), offset = _read_csv(path, data), 2
    frame.columns = [str(c).strip() for c in frame.columns]
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        frame = frame.reset_index(drop=True)
    frame.insert(0, "_line", np.arange(offset, offset + len(frame), dtype=np.int64))
    return frame, digest, coded


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
        action: str = SET_ASIDE,
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
                    "action": action,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})
        out = pd.concat(self.parts, ignore_index=True)
        out["line"] = out["line"].astype(np.int64)
        return out.sort_values(["file", "line", "column"], kind="stable").reset_index(drop=True)


#: An exponent of this many digits or more: no float holds the number, and pandas' parser
#: crashed the process on one (``1e4000000000``) instead of saying so.
_HUGE_EXPONENT = r"[eE][+-]?0*[1-9]\d{9,}"


def parse_numbers(text: pd.Series) -> pd.Series:
    """Text as float64; what is no number (or missing) NaN. A value whose exponent has ten
    digits or more is no number: pandas, which parses the rest, takes such exponents
    for a NaN below that length and crashed the process at it.

    >>> parse_numbers(pd.Series([" 12 ", "1e3", "x", None, "1e4000000000"])).tolist()
    [12.0, 1000.0, nan, nan, nan]
    """
    huge = text.astype("string").str.contains(_HUGE_EXPONENT, regex=True).fillna(False)
    safe = text.where(~huge.to_numpy(dtype=bool))
    return pd.to_numeric(safe, errors="coerce").astype("float64")


def _column_problems(
    col: Column, raw: pd.Series, empty: pd.Series, today: pd.Timestamp
) -> tuple[pd.Series, list[tuple[pd.Series, str]]]:
    """A number or date column's parsed values and its problems: (mask of bad values,
    reason) pairs. Each value's own: run once per distinct value."""
    problems: list[tuple[pd.Series, str]] = []
    if col.type == NUMBER:
        num = parse_numbers(raw.where(~empty))
        problems.append((~empty & num.isna(), f"{col.name} is not a number"))
        problems.append((num.notna() & ~np.isfinite(num), f"{col.name} is not a finite number"))
        low, high = RANGES.get(col.name, (None, None))
        finite = num.notna() & np.isfinite(num)
        if low is not None and high is not None:
            out = finite & ((num < low) | (num > high))
            problems.append((out, f"{col.name} must be between {low:g} and {high:g}"))
        elif low is not None:
            problems.append((finite & (num < low), f"{col.name} is negative"))
        if col.name == "reference_price":
            problems.append((finite & (num == 0), "reference_price is 0 (a price is more)"))
        return num, problems
    if col.type == DATE:
        parsed = pd.to_datetime(raw.where(~empty), format="%Y-%m-%d", errors="coerce")
        what, last = "a date (YYYY-MM-DD)", today
    else:
        parsed = _iso_datetimes(raw.where(~empty))
        what, last = "a date or ISO date-time", today + pd.Timedelta(days=1)
    problems.append((~empty & parsed.isna(), f"{col.name} is not {what}"))
    later = parsed.notna() & (parsed >= last if col.type == DATETIME else parsed > last)
    problems.append((later, f"{col.name} is after the run's date ({today:%Y-%m-%d})"))
    return parsed, problems


#: A value that may carry a UTC offset ("Z", "+08:00", "-0500"): those come after a time,
#: so after the date's 8 characters at least.
_MAY_HAVE_OFFSET = r"[+Zz]|^.{8,}-"
#: Parsed just before each value that may carry an offset (see :func:`_iso_datetimes`).
_UTC_FIRST = "1970-01-01T00:00:00+00:00"


def _iso_datetimes(values: pd.Series) -> pd.Series:
    """Each ISO 8601 text (or missing value) as a time in UTC without its zone, each
    parsed alone: one without an offset is UTC.

    pandas (2.3) parsing a column keeps the last offset it saw and gives it to the values
    without one after it ("2026-05-01T10:00:00" after a "+08:00" value came out 02:00 UTC).
    So the values that may carry one are parsed apart, each right after a UTC value."""

    def parse(v: pd.Series) -> pd.Series:
        utc = pd.to_datetime(v, format="ISO8601", errors="coerce", utc=True)
        return utc.dt.tz_localize(None)

    text = pa.array(values.where(values.notna(), None).to_numpy(dtype=object), type=pa.string())
    offset = _objects(pc.fill_null(pc.match_substring_regex(text, _MAY_HAVE_OFFSET), False))
    if not offset.any():
        return parse(values)
    out = parse(values.where(~offset)).to_numpy(copy=True)
    paired = np.full(2 * int(offset.sum()), _UTC_FIRST, dtype=object)
    paired[1::2] = values[offset].to_numpy(dtype=object)
    out[offset] = parse(pd.Series(paired)).to_numpy()[1::2]
    return pd.Series(out, index=values.index)


#: What ``str.strip()`` strips: every character Python counts as whitespace.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _stripped(column: pd.Series, read: _Coded | None) -> tuple[_Coded, bool]:
    """``column`` as text with surrounding whitespace stripped (``str(v).strip()`` of each
    value), as codes; and whether the column holds those values already (it is the
    reader's, ``read``, and no value had whitespace around it). Arrow's kernels do the
    string work in C++, once per distinct value."""
    text = read if read is not None else _distinct_text(column)
    stripped = pc.utf8_trim(text.values, characters=PY_WHITESPACE)
    if read is not None and stripped.equals(read.values):
        return read, True  # one copy of the values in memory, not two
    return _Coded(text.codes, stripped), False


def _distinct_text(column: pd.Series) -> _Coded:
    """A column's values as ``str(v)`` writes them, as codes. Arrow's hash, not pandas'
    (which takes "a" and "a\x00" for one value)."""
    values = column.to_numpy(dtype=object)
    try:
        text = pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = None
    if text is None or text.null_count:
        # not all text (a number, a missing value): as str() writes each one
        text = pa.array(column.astype(str).to_numpy(dtype=object), type=pa.string())
    return _Coded.of(text)


def _objects(values: pa.Array) -> np.ndarray:
    """Arrow text or booleans as a NumPy array (Python strings for text)."""
    return np.asarray(values.to_numpy(zero_copy_only=False))


def _filled(values: pa.Array) -> np.ndarray:
    """Which of the values are not empty."""
    return _objects(pc.greater(pc.binary_length(values), 0))


def _mapped(text: _Coded, fn: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``fn`` (element-wise, on text) of each of the column's distinct values."""
    return fn(pd.Series(_objects(text.values), dtype=object)).to_numpy()


def _validate(
    spec: Table,
    frame: pd.DataFrame,
    file: str,
    rejects: _Rejects,
    known_merchants: pd.Index | None,
    today: pd.Timestamp,
) -> pd.DataFrame:
    """The rows of ``frame`` the contract keeps, its values checked and parsed; the others
    and the values left empty go to ``rejects``."""
    return _checked(spec, frame, file, rejects, known_merchants, today, {})[0]


def _checked(
    spec: Table,
    frame: pd.DataFrame,
    file: str,
    rejects: _Rejects,
    known_merchants: pd.Index | None,
    today: pd.Timestamp,
    read: dict[str, _Coded],
) -> tuple[pd.DataFrame, dict[str, _Coded], np.ndarray | None]:
    """:func:`_validate`, given the columns the reader holds as codes (``read``), and
    giving the kept rows' text columns as codes and, when their shops are checked against
    ``known_merchants``, each kept row's shop as its position there. Every check but that
    of repeated ids is of one value alone: made once per distinct value, spread to the
    rows by code."""
    index = frame.index

    def rows(mask: np.ndarray) -> pd.Series:
        return pd.Series(mask, index=index)

    texts: dict[str, _Coded] = {}
    bad_any = np.zeros(len(frame), dtype=bool)
    for col in spec.columns:
        if col.name not in frame:
            frame[col.name] = ""
        text, held = _stripped(frame[col.name], read.get(col.name))
        if not held:
            frame[col.name] = pd.Series(text.per_row(_objects(text.values)), index=index)
        raw = frame[col.name]
        empty = ~_filled(text.values)
        if col.required:
            bad = text.per_row(empty)
            rejects.add(frame, rows(bad), file, col.name, f"empty {col.name}", value=raw)
            bad_any |= bad
        problems: list[tuple[pd.Series | np.ndarray, str]]
        if col.type == TEXT:
            nul = _objects(pc.match_substring(text.values, "\x00"))
            problems = [(nul, f"{col.name} holds a NUL byte")]
        else:
            raw_values = pd.Series(_objects(text.values), dtype=object)
            parsed, typed = _column_problems(col, raw_values, pd.Series(empty), today)
            problems = list(typed)
        # one reason per value: the first problem found. A required column's bad value
        # sets the row aside; an optional column's is left empty and the row stays.
        flagged = np.zeros(len(text.values), dtype=bool)
        action = SET_ASIDE if col.required else LEFT_EMPTY
        for problem, reason in problems:
            bad = np.asarray(problem, dtype=bool) & ~flagged
            if bad.any():
                bad_rows = rows(text.per_row(bad))
                rejects.add(frame, bad_rows, file, col.name, reason, value=raw, action=action)
            flagged |= bad
        if col.required:
            bad_any |= text.per_row(flagged)
        left_empty = not col.required and flagged.any()
        if col.type == TEXT:
            if left_empty:
                frame[col.name] = raw.where(~rows(text.per_row(flagged)), "")
                text = _Coded(text.codes, pc.if_else(pa.array(flagged), "", text.values))
            texts[col.name] = text
        else:
            if left_empty:
                parsed = parsed.where(~flagged, None)
            frame[col.name] = pd.Series(text.per_row(parsed.to_numpy()), index=index)
    if spec.name == "addresses":
        role = texts["role"]
        named = _mapped(role, lambda u: u.str.casefold().replace("", "other"))
        bad = role.per_row(~pd.Series(named, dtype=object).isin(ROLES).to_numpy())
        rejects.add(frame, rows(bad), file, "role", f"role must be one of {', '.join(ROLES)}")
        bad_any |= bad
        frame["role"] = pd.Series(role.per_row(named), index=index)
    if spec.name == "identifiers":
        kind = texts["kind"]
        folded = _mapped(kind, lambda u: u.str.casefold())
        word = pd.Series(folded, dtype=object).str.fullmatch(r"[a-z][a-z0-9_]*")
        bad = kind.per_row((folded != "") & ~word.to_numpy(dtype=bool))
        rejects.add(frame, rows(bad), file, "kind", "kind must be one lowercase word (e.g. phone)")
        bad_any |= bad
        frame["kind"] = pd.Series(kind.per_row(folded), index=index)
        texts["kind"] = _Coded(kind.codes, pa.array(folded, type=pa.string()))
    shops = None
    if known_merchants is not None and spec.links_merchant:
        mid = texts["merchant_id"]
        known = pa.array(known_merchants.to_numpy(dtype=object), type=pa.string())
        # each distinct id's position among the shops (null: not there)
        at = pc.index_in(mid.values, value_set=known)
        unknown = _filled(mid.values) & ~_objects(pc.is_valid(at))
        shops = mid.per_row(np.asarray(pc.fill_null(at, -1), dtype=np.int32))
        bad = mid.per_row(unknown) & ~bad_any
        rejects.add(frame, rows(bad), file, "merchant_id", "unknown merchant_id")
        bad_any |= bad
    if spec.unique:
        key = texts[spec.unique]
        ok = ~bad_any & key.per_row(_filled(key.values))
        if key.distinct:  # no value repeats among the values: one code, one value
            same = key.codes
        else:
            same = key.per_row(_objects(pc.dictionary_encode(key.values).indices))
        dup = ok & pd.Series(np.where(ok, same, -1)).duplicated(keep="first").to_numpy()
        if dup.any():
            # the line each repeated id was first seen on, for the rows set aside only
            first = frame.loc[ok & ~dup].set_index(spec.unique)["_line"]
            first_line = frame[spec.unique][dup].map(first).astype(np.int64).astype(str)
            reason = "duplicate " + spec.unique + " (first on line " + first_line + ")"
            rejects.add(frame, rows(dup), file, spec.unique, reason.reindex(index))
            bad_any |= dup
    keep = ~bad_any
    # a copy even when every row stays: the columns replaced above (numbers, dates) are
    # views into the reader's block of all the text columns, which they would keep alive
    kept = frame.loc[keep].reset_index(drop=True)
    coded = {n: t.of_rows(keep) for n, t in texts.items()}
    return _keep_extra_numbers(spec, kept), coded, shops[keep] if shops is not None else None


def _keep_extra_numbers(spec: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns the contract does not name stay as attributes; those whose every value is a
    finite number as numbers (whole numbers as integers when none is empty), the others as
    text (with NUL bytes dropped). A column holding a whole number of more than 18 digits
    stays text: it is an id no float or 64-bit integer holds exactly.

    All extra columns are handled as one block of cells, not one by one: a wide file costs
    time in proportion to its cells, not to the square of its columns.
    """
    named = {c.name for c in spec.columns} | {"_line"}
    extra = [col for col in frame.columns if col not in named]
    if not extra:
        return frame
    rows, width = len(frame), len(extra)
    cells = pd.Series(frame[extra].astype(str).to_numpy(dtype=object).ravel(), dtype=object)
    text = cells.str.strip().str.replace("\x00", "", regex=False)
    filled = (text != "").to_numpy()
    num = parse_numbers(text.where(filled)).to_numpy(dtype="float64")
    whole = text.str.fullmatch(r"[+-]?\d{1,18}").to_numpy(dtype=bool)
    too_long = text.str.fullmatch(r"[+-]?\d{19,}").to_numpy(dtype=bool)
    grid = (rows, width)
    filled_g, whole_g = filled.reshape(grid), whole.reshape(grid)
    numeric = (
        (np.isfinite(num).reshape(grid) | ~filled_g).all(axis=0)
        & filled_g.any(axis=0)
        & ~too_long.reshape(grid).any(axis=0)
    )
    integer = numeric & whole_g.all(axis=0)
    ints = np.zeros(len(text), dtype=np.int64)
    ints[whole] = text[whole].astype(np.int64).to_numpy()
    names = np.array(extra, dtype=object)
    parts = [
        frame[[c for c in frame.columns if c in named]],
        pd.DataFrame(ints.reshape(grid)[:, integer], columns=names[integer], index=frame.index),
        pd.DataFrame(
            num.reshape(grid)[:, numeric & ~integer],
            columns=names[numeric & ~integer],
            index=frame.index,
        ),
        pd.DataFrame(
            text.to_numpy(dtype=object).reshape(grid)[:, ~numeric],
            columns=names[~numeric],
            index=frame.index,
        ),
    ]
    return pd.concat(parts, axis=1)[list(frame.columns)]


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
    name: str,
    frame: pd.DataFrame,
    file: str | None,
    rejects: _Rejects,
    region: str,
    coded: dict[str, _Coded] | None = None,
) -> pd.DataFrame:
    """Canonical keys beside the raw values; a value with no key left is set aside."""
    dropped = _put_keys(name, frame, file, rejects, region, coded)
    return frame.loc[~dropped].reset_index(drop=True) if dropped.any() else frame


def _put_keys(
    name: str,
    frame: pd.DataFrame,
    file: str | None,
    rejects: _Rejects,
    region: str,
    coded: dict[str, _Coded] | None = None,
) -> pd.Series:
    """Canonical key columns added to ``frame`` (every row); returns which rows have a value
    with no key left (one reject each, the first such column, when ``file`` is given).
    ``coded``: the frame's text columns as codes, when the caller has them."""
    dropped = pd.Series(False, index=frame.index)
    for column, key_col, kind in KEYED.get(name, []):
        text = coded.get(column) if coded else None
        if text is not None:
            kinds = coded.get("kind") if coded else None
            # one string per distinct value, shared by the rows holding it and by its key
            # where the key is written as the value (:func:`_keys_of`)
            raw = np.empty(len(text.values), dtype=object)
            raw[text.codes] = frame[column].to_numpy(dtype=object)
            frame[column] = text.per_row(raw)
            keys, none_left = _coded_keys(kind, text, kinds, region, raw)
            frame[key_col] = keys
            no_key = pd.Series(none_left, index=frame.index)
        else:
            raw = frame[column].astype(str) if len(frame) else frame[column].astype(object)
            if kind == "by kind":
                key = identifier_key(frame["kind"], raw, region)
            elif kind == "phone":
                key = phone_key(raw, region)
            else:
                key = address_key(raw) if kind == "address" else account_key(raw)
            frame[key_col] = key.astype(object).fillna("").to_numpy()
            no_key = (raw != "") & (frame[key_col] == "")
        if file is not None:
            bad = no_key & ~dropped
            reason = f"{column} has no letters or digits to identify it"
            rejects.add(frame, bad, file, column, reason)
            dropped |= bad
    return dropped


def _coded_keys(
    kind: str, text: _Coded, kinds: _Coded | None, region: str, raw: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's key (``kind``: of :data:`KEYED`) and whether its value has none left.
    ``raw``: the string the table holds for each of ``text``'s values."""
    if kind != "by kind":
        return _keys_of(kind, text, region, raw)
    assert kinds is not None, "identifiers have their kinds as codes"
    keys = np.full(len(text.codes), "", dtype=object)
    none_left = np.zeros(len(text.codes), dtype=bool)
    for code, name in enumerate(kinds.values.to_pylist()):
        mine = kinds.codes == code
        if mine.any():
            part = _Coded(text.codes[mine], text.values)
            keys[mine], none_left[mine] = _keys_of(name, part, region, raw)
    return keys, none_left


def _keys_of(
    kind: str, text: _Coded, region: str, raw: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`graphring.normalize.text_keys` of the values the rows hold, spread to them. A
    key written exactly as its value is that value's own string (``raw``: the table's
    string of each value), not a second copy: at a million shops most identifiers' keys
    are their values, and each copy costs memory for the whole run."""
    used = np.flatnonzero(np.bincount(text.codes, minlength=len(text.values)))
    values = text.values.take(pa.array(used))
    keys = np.asarray(text_keys(kind, values, region), dtype=object)
    same = keys == raw[used]
    keys[same] = raw[used][same]
    per_value = np.full(len(text.values), "", dtype=object)
    per_value[used] = keys
    none_left = np.zeros(len(text.values), dtype=bool)
    none_left[used] = (keys == "") & _filled(values)
    return text.per_row(per_value), text.per_row(none_left)


#: Inputs this big (bytes, all files) are read over several processes.
PARALLEL_READ_BYTES = 20_000_000

#: CPU seconds per MB of CSV each table took to read, check, key and hand back (200k and 1M
#: shops, docs/benchmarks.md): the tables go to the reading processes most work first, so
#: that the last to finish is a small one (by bytes alone, identifiers, with the most work
#: per byte, went last at a million shops and kept one process busy 8 s after the other).
READ_WORK = {
    "addresses": 0.065,
    "shipments": 0.08,
    "listings": 0.032,
    "identifiers": 0.095,
    "payment_accounts": 0.095,
}


def _prepare(
    name: str, path: Path | None, known: pd.Index | None, region: str, today: pd.Timestamp
) -> tuple[pd.DataFrame, SourceFile | None, list[pd.DataFrame], np.ndarray | None]:
    """One table read, validated and keyed: (table, its source, its rejects, its rows'
    shops as rows of ``known`` when it names shops and they are checked against it)."""
    rejects = _Rejects()
    links = known is not None and TABLES[name].links_merchant
    if path is None:
        table = _add_keys(name, empty_table(name), None, rejects, region)
        return table, None, [], np.zeros(0, dtype=np.int32) if links else None
    frame, digest, read = _read_table(path)
    missing = [c for c in TABLES[name].required if c not in frame.columns]
    if missing:
        raise InputError("required column missing", file=path.name, column=missing[0])
    source = SourceFile(name, path, digest, len(frame))
    frame, coded, shops = _checked(TABLES[name], frame, path.name, rejects, known, today, read)
    del read  # the reader's codes; the text columns the keys need stay (as ``coded``)
    needed = {raw for raw, _, _ in KEYED.get(name, [])} | {"kind"}
    coded = {column: text for column, text in coded.items() if column in needed}
    dropped = _put_keys(name, frame, path.name, rejects, region, coded).to_numpy()
    if dropped.any():
        frame = frame.loc[~dropped].reset_index(drop=True)
        shops = shops[~dropped] if shops is not None else None
    return frame, source, rejects.parts, shops


def _prepare_named(
    shared: tuple[dict[str, Path | None], pd.Index, str, pd.Timestamp], name: str
) -> tuple[pd.DataFrame, SourceFile | None, list[pd.DataFrame], np.ndarray | None]:
    paths, known, region, today = shared
    frame, source, parts, shops = _prepare(name, paths[name], known, region, today)
    if shops is not None and bool((shops >= 0).all()):
        # the ids come back as the merchants' own strings (:func:`_own_shop_ids`): none
        # pickled back from a worker, one string per shop for the whole run
        frame["merchant_id"] = None
    return frame, source, parts, shops


def _read_work(path: Path | None, name: str) -> float:
    """The CPU seconds reading the table's file should take (:data:`READ_WORK`)."""
    return path.stat().st_size * READ_WORK[name] if path is not None else 0.0


#: What a table prepared in a forked reader costs besides its own work, as a share of
#: that work: the reader pickling it back, this process unpickling it (1M shops: the
#: identifiers took 13.4 CPU s to prepare and 5.6 s more to pickle).
PICKLED, UNPICKLED = 0.4, 0.2


def _shares(names: list[str], work: list[float], processes: int) -> tuple[list[str], list[str]]:
    """The tables (``names``, most work first) this process prepares and those its
    ``processes - 1`` forked workers do: each in turn to whichever side leaves the
    longest of the two the shortest, counting the pickling of the workers' tables
    (:data:`PICKLED`, :data:`UNPICKLED`). This process's share is pickled to no one; it
    would idle while the workers read."""
    workers = processes - 1
    here: list[str] = []
    there: list[str] = []
    mine = theirs = 0.0

    def longest(mine: float, theirs: float) -> float:
        return max(mine + UNPICKLED * theirs, (1 + PICKLED) * theirs / workers)

    for name, w in zip(names, work, strict=True):
        if longest(mine + w, theirs) <= longest(mine, theirs + w):
            here.append(name)
            mine += w
        else:
            there.append(name)
            theirs += w
    return here, there


_Prepared = tuple[pd.DataFrame, SourceFile | None, list[pd.DataFrame], np.ndarray | None]


def _prepare_all(
    names: list[str],
    shared: tuple[dict[str, Path | None], pd.Index, str, pd.Timestamp],
    processes: int,
) -> dict[str, _Prepared]:
    """:func:`_prepare_named` of each table, over this process and ``processes - 1``
    forked ones. A bad file raises the InputError the first bad table of ``names`` (in
    that order) gives, as when they are prepared one after the other."""
    if processes <= 1:
        return {name: _prepare_named(shared, name) for name in names}
    paths = shared[0]
    here, there = _shares(names, [_read_work(paths[n], n) for n in names], processes)
    outcomes: dict[str, _Prepared | InputError] = {}

    def prepare_here() -> None:
        for name in here:
            outcomes[name] = _try_prepare(shared, name)

    done = fork_map(
        _try_prepare, shared, there, processes - 1, meanwhile=prepare_here, fork_one=True
    )
    outcomes.update(zip(there, done, strict=True))
    for name in names:
        if isinstance(error := outcomes[name], InputError):
            raise error
    return {
        name: outcome for name, outcome in outcomes.items() if not isinstance(outcome, InputError)
    }


def _try_prepare(
    shared: tuple[dict[str, Path | None], pd.Index, str, pd.Timestamp], name: str
) -> _Prepared | InputError:
    """:func:`_prepare_named`, or the InputError it raised."""
    try:
        return _prepare_named(shared, name)
    except InputError as e:
        return e


def _own_shop_ids(frame: pd.DataFrame, shops: np.ndarray, merchants: pd.DataFrame) -> None:
    """``frame``'s merchant_id, left empty by :func:`_prepare_named` when every row's shop
    is known, as the merchants table's strings of its rows' shops (``shops``: rows of
    ``merchants``)."""
    if bool((shops >= 0).all()):
        frame["merchant_id"] = merchants["merchant_id"].to_numpy(dtype=object)[shops]


def read_dataset(
    folder: str | Path,
    region: str = "CN",
    processes: int = 1,
    today: pd.Timestamp | None = None,
) -> Dataset:
    """Read, validate and normalize a data folder (``region``: default phone country).

    ``today``: the run's date (default: today's date, UTC); a date after it is rejected.

    Merchants first (the other tables are checked against them), then the other tables,
    over this process and ``processes - 1`` forked ones when the files are big.
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
    if today is None:
        today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    merchants, msource, parts, _ = _prepare("merchants", mpath, None, region, today)
    assert msource is not None
    rejects = _Rejects()
    rejects.parts.extend(parts)
    tables: dict[str, pd.DataFrame] = {"merchants": merchants}
    sources: dict[str, SourceFile] = {"merchants": msource}
    known = pd.Index(merchants["merchant_id"])
    names = [name for name in TABLES if name != "merchants"]
    if processes <= 1 or input_bytes(folder) < PARALLEL_READ_BYTES:
        processes = 1
    # most work first (READ_WORK), so that the last to finish is a small one
    by_work = sorted(names, key=lambda n: -_read_work(paths[n], n))
    done = _prepare_all(by_work, (paths, known, region, today), processes)
    shops: dict[str, np.ndarray] = {}
    for name in names:
        frame, source, parts, rows = done[name]
        tables[name] = frame
        if rows is not None:
            _own_shop_ids(frame, rows, merchants)
            shops[name] = rows
        if source is not None:
            sources[name] = source
        rejects.parts.extend(parts)
    return Dataset(tables=tables, rejects=rejects.frame(), sources=sources, shops=shops)
