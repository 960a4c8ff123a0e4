"""Where each shared identifier came from: the raw spellings behind a normalized key, with
the input file and line of every row that spelled it so.

``13268313450``, ``0086 13268313450`` and ``+86 132-6831-3450`` are one phone; a defence
lawyer asks which rows said which. The contract reader keeps each row's line (``_line``),
so this is a few vectorised selections over the dataset, cut to the identifiers a ring's
evidence lists.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from graphring.contract import Dataset
from graphring.stores.memory_holdings import still_of

#: Columns of :func:`spellings`: one row per input row that holds an evidence identifier.
SPELLING_COLUMNS = ["kind", "key", "merchant_id", "raw", "file", "line"]
#: Columns of :func:`provenance_table` (a packet's provenance.csv).
PROVENANCE_COLUMNS = ["kind", "key", "raw", "file", "rows", "lines", "shops"]
#: A provenance row lists at most this many line numbers (``rows`` counts them all).
MAX_LINES = 12

#: (table, raw column, key column, kind): a kind of None takes the row's own ``kind``.
_SOURCES = [
    ("addresses", "address", "key", "address"),
    ("payment_accounts", "account", "key", "account"),
    ("shipments", "origin", "origin_key", "address"),
    ("shipments", "sender_phone", "sender_phone_key", "phone"),
    ("identifiers", "value", "key", None),
]


def spellings(
    dataset: Dataset, wanted: pd.DataFrame, shops: pd.Series | None = None
) -> pd.DataFrame:
    """Every input row holding one of ``wanted``'s (kind, key) pairs: SPELLING_COLUMNS;
    only the rows of ``shops`` (merchant ids) when given: a run's packets show the rings'
    shops' spellings, and a million shops' rows need not be looked at for those of a
    few thousand."""
    parts = []
    want = pd.MultiIndex.from_frame(wanted[["kind", "key"]].drop_duplicates())
    want_keys = pd.unique(wanted["key"].astype(str))
    mine = _shop_rows(dataset, shops) if shops is not None else {}
    for table, raw_col, key_col, kind in _SOURCES:
        frame = dataset.tables.get(table)
        src = dataset.sources.get(table)
        if frame is None or src is None or frame.empty or raw_col not in frame:
            continue
        if shops is not None:
            keep = mine.get(table)
            if keep is None:
                keep = frame["merchant_id"].isin(shops).to_numpy()
            frame = frame.loc[keep]
        # rows whose key is wanted at all (one hash lookup per row), then their kind too:
        # pairing kind and key for every input row cost more than the rest of this
        frame = frame.loc[frame[key_col].isin(want_keys).to_numpy()]
        kinds = frame["kind"].astype(str) if kind is None else pd.Series(kind, index=frame.index)
        hit = pd.MultiIndex.from_arrays([kinds, frame[key_col].astype(str)]).isin(want)
        if not hit.any():
            continue
        rows = frame.loc[hit]
        parts.append(
            pd.DataFrame(
                {
                    "kind": kinds[hit].to_numpy(),
                    "key": rows[key_col].astype(str).to_numpy(),
                    "merchant_id": rows["merchant_id"].astype(str).to_numpy(),
                    "raw": rows[raw_col].astype(str).to_numpy(),
                    "file": src.path.name,
                    "line": rows["_line"].to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SPELLING_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["kind", "key", "file", "line"], kind="stable").reset_index(drop=True)


def _shop_rows(dataset: Dataset, shops: pd.Series) -> dict[str, np.ndarray]:
    """Each table's rows of ``shops`` (a mask), from the reader's row shops where they
    still fit the table (integers, no id hashed per row)."""
    merchants = dataset.tables.get("merchants")
    if dataset.shops is None or merchants is None:
        return {}
    ids = merchants["merchant_id"]
    member = ids.isin(shops).to_numpy()
    out = {}
    for table, rows in dataset.shops.items():
        frame = dataset.tables.get(table)
        if frame is not None and still_of(frame, rows, ids):
            out[table] = np.where(rows >= 0, member[np.maximum(rows, 0)], False)
    return out


def provenance_table(rows: pd.DataFrame, members: pd.Series | None = None) -> pd.DataFrame:
    """Raw spellings: per (ring_id when given, kind, key, raw spelling, file) the rows that
    said it, their first MAX_LINES line numbers and the shops that wrote it.

    ``rows``: :func:`spellings` rows (with ``ring_id`` to do every ring at once);
    ``members``: when given, only these shops' rows count.

    >>> rows = pd.DataFrame({"kind": "phone", "key": "+8613268313450",
    ...     "merchant_id": ["M1", "M2", "M9"], "raw": ["0086 13268313450"] * 2 + ["x"],
    ...     "file": "identifiers.csv", "line": [4, 9, 12]})
    >>> print(*provenance_table(rows, pd.Series(["M1", "M2"])).iloc[0], sep=" | ")
    phone | +8613268313450 | 0086 13268313450 | identifiers.csv | 2 | 4, 9 | M1 M2
    """
    mine = rows if members is None else rows.loc[rows["merchant_id"].isin(set(members))]
    by = ["ring_id"] if "ring_id" in mine.columns else []
    cols = by + PROVENANCE_COLUMNS
    keys = [*by, "kind", "key", "raw", "file"]
    # a row with a key missing belongs to no group (as groupby leaves it out)
    mine = mine.dropna(subset=keys)
    if mine.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    # each group's rows next to each other, by line; the texts joined a group at a time
    # from values taken out once (no Series per group)
    mine = mine.sort_values([*keys, "line"], kind="stable")
    first = ~mine.duplicated(keys).to_numpy()
    group = np.cumsum(first) - 1
    bounds = np.append(np.flatnonzero(first), len(mine))
    rows_n = np.diff(bounds)
    line_text = mine["line"].astype(str).tolist()
    lines = [
        ", ".join(line_text[a : min(b, a + MAX_LINES)])
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    ]
    shop_once = ~mine.duplicated([*keys, "merchant_id"]).to_numpy()
    shop_ids = mine["merchant_id"].to_numpy(dtype=object)[shop_once].tolist()
    shop_bounds = np.searchsorted(group[shop_once], np.arange(len(rows_n) + 1)).tolist()
    shops = [" ".join(shop_ids[a:b]) for a, b in pairwise(shop_bounds)]
    out = mine.loc[first, keys].reset_index(drop=True)
    out["rows"] = rows_n
    out["lines"] = lines
    out["shops"] = shops
    more = out["rows"] > MAX_LINES
    out.loc[more, "lines"] = out.loc[more, "lines"] + " …"
    return out[cols]
