"""Per-group work without a Python call per group: the distinct values of a column, sorted
and joined (``a;b;c``), as evidence, leads and scores list shops, roles and kinds; and the
rows of the shops of some groups, with their group.

``frame.groupby(by)[column].agg(lambda v: ";".join(sorted(set(v))))`` builds a Series
and calls Python once per group; at a million shops that is hundreds of thousands of
calls. Here the rows are de-duplicated and sorted once, and Arrow joins each group's run
of values in C++.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def joined_distinct(
    frame: pd.DataFrame,
    by: list[str],
    column: str,
    sep: str = ";",
    skip_empty: bool = False,
) -> pd.Series:
    """Per group of ``by`` (every group present in ``frame``, in sorted order, as
    ``groupby(by, sort=True)`` gives them): the distinct text values of ``column``, sorted
    (code point order, as Python sorts), joined with ``sep``. With ``skip_empty``, empty
    text is left out; a group left with no value gets "".

    >>> f = pd.DataFrame({"g": [2, 1, 2, 2, 1], "v": ["b", "x", "a", "b", ""]})
    >>> joined_distinct(f, ["g"], "v").tolist()
    [';x', 'a;b']
    >>> joined_distinct(f, ["g"], "v", skip_empty=True).tolist()
    ['x', 'a;b']
    """
    values = frame[column]
    keep = values.notna().to_numpy()
    if skip_empty:
        keep &= (values != "").to_numpy()
    rows = frame.loc[keep, [*by, column]].drop_duplicates()
    return _joined_runs(frame, by, rows.sort_values([*by, column], kind="stable"), column, sep)


def joined(frame: pd.DataFrame, by: list[str], column: str, sep: str = ", ") -> pd.Series:
    """Per group of ``by`` (in sorted order, as ``groupby(by, sort=True)``): the text values
    of ``column`` joined with ``sep`` in the order of the rows, as
    ``groupby(by)[column].agg(sep.join)`` gives them.

    >>> f = pd.DataFrame({"g": [2, 1, 2], "v": ["b", "x", "a"]})
    >>> joined(f, ["g"], "v").tolist()
    ['x', 'b, a']
    """
    return _joined_runs(frame, by, frame.sort_values(by, kind="stable"), column, sep)


def _joined_runs(
    frame: pd.DataFrame, by: list[str], rows: pd.DataFrame, column: str, sep: str
) -> pd.Series:
    """``rows`` (sorted by ``by``) joined per run of equal ``by``, indexed by every group
    of ``frame``."""
    groups = frame.groupby(by, sort=True).size().index
    n = len(rows)
    if n == 0:
        return pd.Series("", index=groups, dtype=object)
    key_cols = [rows[c].to_numpy() for c in by]
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for k in key_cols:
        change[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(change)
    offsets = pa.array(np.r_[starts, n].astype(np.int32), type=pa.int32())
    text = pa.array(rows[column].to_numpy(dtype=object), type=pa.string())
    together = pc.binary_join(pa.ListArray.from_arrays(offsets, text), sep)
    if len(by) == 1:
        index: pd.Index = pd.Index(key_cols[0][starts], name=by[0])
    else:
        index = pd.MultiIndex.from_arrays([k[starts] for k in key_cols], names=by)
    found = pd.Series(together.to_numpy(zero_copy_only=False), index=index, dtype=object)
    return found.reindex(groups, fill_value="")


def of_groups(frame: pd.DataFrame, groups: pd.DataFrame, label: str) -> pd.DataFrame:
    """``frame.merge(groups[["merchant_id", label]], on="merchant_id")``: the rows of
    ``frame`` whose shop is in ``groups``, each with its group's ``label``, in ``frame``'s
    order. When each shop is in one group, the rows are picked by a lookup of each row's
    shop, without hashing both sides.

    >>> f = pd.DataFrame({"merchant_id": ["b", "x", "a", "b"], "n": [1, 2, 3, 4]})
    >>> of_groups(f, pd.DataFrame({"merchant_id": ["a", "b"], "ring": ["R1", "R2"]}), "ring")
      merchant_id  n ring
    0           b  1   R2
    1           a  3   R1
    2           b  4   R2
    """
    if groups["merchant_id"].duplicated().any():  # a shop in two groups: every pairing
        return frame.merge(groups[["merchant_id", label]], on="merchant_id")
    found = frame["merchant_id"].map(groups.set_index("merchant_id")[label])
    held = found.notna().to_numpy()
    return frame.loc[held].assign(**{label: found[held]}).reset_index(drop=True)


def shop_rows(table: pd.DataFrame, ids: pd.Series) -> np.ndarray | None:
    """The row of ``table`` of each of ``ids`` (-1: none), found by bisection when
    ``table`` has one row per shop in ascending ``merchant_id`` order (the stores hand
    merchants so) and the ids are text: a few thousand ring members are looked up
    without hashing a million shops' ids. None otherwise.

    >>> shop_rows(pd.DataFrame({"merchant_id": ["a", "c", "d"]}), pd.Series(["d", "b", "a"]))
    array([ 2, -1,  0])
    """
    return sorted_positions(table["merchant_id"].to_numpy(dtype=object), ids.to_numpy(dtype=object))


def sorted_positions(names: np.ndarray, wanted: np.ndarray) -> np.ndarray | None:
    """The position in ``names`` of each of ``wanted`` (-1: none) by bisection, when
    ``names`` ascend strictly and both are text; None otherwise."""
    try:
        if len(names) > 1 and not bool((names[1:] > names[:-1]).all()):
            return None
        at = np.searchsorted(names, wanted)
    except TypeError:  # values that are not all text
        return None
    inside = np.flatnonzero(at < len(names))
    found = np.full(len(wanted), -1, dtype=np.int64)
    hit = inside[names[at[inside]] == wanted[inside]]
    found[hit] = at[hit]
    return found


def with_shop_columns(
    frame: pd.DataFrame, table: pd.DataFrame, columns: list[str], how: str = "left"
) -> pd.DataFrame:
    """``frame.merge(table[["merchant_id", *columns]], on="merchant_id", how=how)`` (how:
    "left" or "inner") for a ``table`` of one row per shop: each row's shop looked up
    (:func:`shop_rows`) rather than both sides hashed. Falls back to the merge where the
    lookup does not apply, or where a left row's shop is missing (the merge's types then).
    """
    at = shop_rows(table, frame["merchant_id"])
    if (
        at is None
        or (how == "left" and bool((at < 0).any()))
        or any(c in frame.columns for c in columns)  # the merge would suffix them
    ):
        return frame.merge(table[["merchant_id", *columns]], on="merchant_id", how=how)
    keep = at >= 0
    out = (frame if bool(keep.all()) else frame.loc[keep]).reset_index(drop=True)
    rows = at[keep]
    # each column taken as a Series: its type kept (text, nullable integers, categories)
    return out.assign(**{c: table[c].take(rows).reset_index(drop=True) for c in columns})
