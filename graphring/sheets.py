"""CSV files people open in spreadsheets, written so that no cell can run as a formula.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
what a spreadsheet may read as a formula (``=HYPERLINK(...)``, ``+cmd|...``): as OWASP
recommends for CSV injection, such a cell is written with a leading ``'``, which makes the
spreadsheet show it as text. Plain numbers (``-12.5``, ``+8613800138000``) are left as they
are: no spreadsheet runs them. JSON files keep every value verbatim.

>>> sheet_safe(pd.DataFrame({"name": ["=HYPERLINK(1)", "Shop", "-3", None]}))["name"].tolist()
["'=HYPERLINK(1)", 'Shop', '-3', None]
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: First characters a spreadsheet may take as the start of a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _starts_like_formula(text: pd.Series) -> np.ndarray:
    """``text.str.startswith(FORMULA_START, na=False)``: by Arrow when every value is text
    or missing (the first characters are ASCII: a byte prefix), else by pandas."""

    def by_pandas() -> np.ndarray:
        return text.str.startswith(FORMULA_START, na=False).to_numpy(dtype=bool)

    if pd.api.types.infer_dtype(text, skipna=True) not in ("string", "empty"):
        return by_pandas()
    try:
        arr = pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (ValueError, pa.ArrowException, UnicodeError):  # e.g. a lone surrogate
        return by_pandas()
    found = np.zeros(len(arr), dtype=bool)
    for start in FORMULA_START:
        found |= pc.starts_with(arr, start).fill_null(False).to_numpy(zero_copy_only=False)
    return found


def _neutral(values: pd.Series) -> pd.Series:
    text = values.astype(object)
    starts = _starts_like_formula(text)
    if not starts.any():
        return values
    # only cells that start like a formula can be plain numbers that stay as they are
    plain = text[starts].str.fullmatch(_PLAIN_NUMBER, na=False).to_numpy(dtype=bool)
    flags = starts.copy()
    flags[starts] = ~plain
    if not flags.any():
        return values
    risky = pd.Series(flags, index=text.index)
    return text.where(~risky, "'" + text.where(risky, "").astype(str))


def sheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) that could start a formula quoted."""
    out = frame.copy(deep=False)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = _neutral(out[col])
    names = _neutral(pd.Series([str(c) for c in out.columns], dtype=object))
    out.columns = pd.Index(names.tolist())
    return out


def write_sheet_csv(frame: pd.DataFrame, path: Path, neutralised: bool = False) -> None:
    """Write ``frame`` as a CSV for people (no index), formula cells neutralised.

    ``neutralised``: ``frame`` went through :func:`sheet_safe` already (packets neutralise
    each table once for every ring, then write one cut per ring)."""
    (frame if neutralised else sheet_safe(frame)).to_csv(path, index=False)


def csv_cuts(frame: pd.DataFrame, by: np.ndarray) -> dict[Hashable, bytes]:
    """The bytes :func:`write_sheet_csv` (``neutralised=True``) writes for each cut of
    ``frame`` by the values of ``by`` (one per row), rows in the frame's order.

    The whole frame is written once and its lines are dealt out: every value is written on
    its own (pandas formats numbers and text cell by cell), so a cut's lines are the lines
    its own CSV would have. Where that does not hold, each cut is written on its own: a
    value holding a line break (one row, several lines), a date column whose cuts could
    each drop the time of day (pandas decides that per column), or any other kind of column.
    """
    codes, keys = pd.factorize(pd.Series(by, dtype=object), sort=False)
    if not _cut_safe(frame):
        return {
            k: frame.iloc[np.flatnonzero(codes == i)].to_csv(index=False).encode("utf-8")
            for i, k in enumerate(keys)
        }
    text = frame.to_csv(index=False)
    lines = text.split("\n")
    if len(lines) != len(frame) + 2 or lines[-1] != "":
        # a value with a line break in it: its row spans several lines
        return {
            k: frame.iloc[np.flatnonzero(codes == i)].to_csv(index=False).encode("utf-8")
            for i, k in enumerate(keys)
        }
    head = lines[0] + "\n"
    rows = np.array([line + "\n" for line in lines[1:-1]], dtype=object)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    return {
        k: (head + "".join(rows[order[starts[i] : starts[i + 1]]])).encode("utf-8")
        for i, k in enumerate(keys)
    }


def _cut_safe(frame: pd.DataFrame) -> bool:
    """Whether every column of ``frame`` is written value by value (text, numbers, flags,
    and dates that are all days: their cuts are too)."""
    for _, col in frame.items():
        kind = col.dtype.kind
        if col.dtype == object or (kind in "biuf" and isinstance(col.dtype, np.dtype)):
            continue
        if kind == "M" and isinstance(col.dtype, np.dtype) and col.array._is_dates_only:
            continue
        return False
    return True
