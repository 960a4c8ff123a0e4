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

from pathlib import Path

import pandas as pd

#: First characters a spreadsheet may take as the start of a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _neutral(values: pd.Series) -> pd.Series:
    text = values.astype(object)
    risky = text.str.startswith(FORMULA_START, na=False) & ~text.str.fullmatch(
        _PLAIN_NUMBER, na=False
    )
    if not risky.any():
        return values
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
