"""The timeline parts of every ring's packet page at once: shops opened and parcels sent per
month, and parcels per day from each ring's busiest sites.

They are the tables :func:`graphring.packets.pages.bars` draws for one ring
(``ring_page._timeline``, ``ring_page._site_days``), made here for all rings with pandas
over whole columns; each packet takes its ring's text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphring.packets import pages
from graphring.packets.case import text_spans

NO_DATES = '<p class="muted">no dates in the data</p>'


def bar_tables(
    frame: pd.DataFrame, group: str, period: str, columns: list[str], heading: str
) -> pd.Series:
    """:func:`pages.bars` of each group of ``frame`` (rows in the frame's order): one
    ``<table>`` per value of ``group``, ``period`` naming each row, ``columns`` its counts
    (each column's bars scaled to the group's largest count), ``heading`` the first
    column's title. Indexed by the group values, in order of first appearance."""
    keys = frame[group].to_numpy()
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    periods = pages.escaped(frame[period].astype(object).tolist())
    rows = "<tr><td>" + pd.Series(periods, dtype=object) + "</td>"
    for i, col in enumerate(columns):
        values = frame[col].to_numpy(dtype="int64")
        tops = pd.Series(values).groupby(codes).transform("max").to_numpy()
        width = np.trunc(200 * values / np.maximum(tops, 1)).astype("int64")
        rows = (
            rows
            + '<td class="num">'
            + pd.Series(values.astype(str), dtype=object)
            + f'</td><td><span class="bar {"ab"[i % 2]}" style="width:'
            + pd.Series(width.astype(str), dtype=object)
            + 'px"></span></td>'
        )
    rows = rows + "</tr>"
    labels = "".join(f"<th>{pages.esc(c)}</th><th></th>" for c in columns)
    head = (
        f'<table class="timeline"><thead><tr><th>{pages.esc(heading)}</th>{labels}</tr>'
        "</thead><tbody>"
    )
    text = rows.to_numpy(dtype=object)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    tables = [
        head + "".join(text[order[starts[i] : starts[i + 1]]]) + "</tbody></table>"
        for i in range(len(uniques))
    ]
    return pd.Series(tables, index=pd.Index(uniques, dtype=object), dtype=object)


def timelines(timeline: pd.DataFrame) -> dict[str, str]:
    """Each ring's monthly timeline table: ``timeline`` as ``packets.write.monthly`` gives
    it (index ring_id, month ``YYYY-MM``; columns shops opened, shipments sent), the empty
    months between a ring's first and last kept as 0 (:func:`case.full_months`)."""
    if timeline.empty:
        return {}
    flat = timeline.reset_index()
    ring, month = flat.columns[0], flat.columns[1]
    number = _month_number(flat[month])
    span = (
        pd.DataFrame({"ring": flat[ring], "n": number})
        .groupby("ring", sort=False)["n"]
        .agg(["min", "max"])
    )
    lengths = (span["max"] - span["min"] + 1).to_numpy()
    every = pd.DataFrame(
        {
            "ring": np.repeat(span.index.to_numpy(dtype=object), lengths),
            "n": np.repeat(span["min"].to_numpy(), lengths)
            + np.arange(lengths.sum())
            - np.repeat(np.cumsum(lengths) - lengths, lengths),
        }
    )
    counts = flat.assign(ring=flat[ring], n=number).drop(columns=[ring, month])
    cols = ["shops opened", "shipments sent"]
    full = every.merge(counts, on=["ring", "n"], how="left")
    full[cols] = full[cols].fillna(0).astype("int64")
    full["month"] = _month_text(full["n"].to_numpy())
    return bar_tables(full, "ring", "month", cols, "month").to_dict()


def _month_number(months: pd.Series) -> np.ndarray:
    """``YYYY-MM`` as a count of months since year 0."""
    parts = months.astype(str).str.split("-", n=1, expand=True).astype("int64")
    return (parts[0] * 12 + parts[1] - 1).to_numpy()


def _month_text(number: np.ndarray) -> np.ndarray:
    year = pd.Series(number // 12).astype(str).str.zfill(4)
    month = pd.Series(number % 12 + 1).astype(str).str.zfill(2)
    return (year + "-" + month).to_numpy(dtype=object)


#: Sites whose day-by-day parcels a packet lists (the busiest of the ring).
DAY_SITES = 8


def site_days_by_ring(
    days: pd.DataFrame, leads: pd.DataFrame, ring: str = "ring"
) -> dict[str, str]:
    """Each ring's "parcels per day from the busiest sites" part: ``days`` as
    :func:`case.site_days` gives it (ring_id, key, day, parcels; sorted), ``leads`` the
    ring's leads (``ring``, address, raw_address) naming each site. Rings without days
    are left out (their page has no such part)."""
    if days.empty:
        return {}
    totals = days.groupby(["ring_id", "key"], sort=True)["parcels"].agg(["sum", "size"])
    totals = totals.reset_index().rename(columns={"sum": "total", "size": "n_days"})
    first = text_spans(days, ["ring_id", "key"], "day")[["min", "max"]]
    totals = totals.join(first, on=["ring_id", "key"])
    # busiest first within a ring, ties in the order of the site's key
    totals = totals.sort_values(["ring_id", "total"], ascending=[True, False], kind="stable")
    top = totals.loc[totals.groupby("ring_id", sort=False).cumcount() < DAY_SITES]
    top = top.assign(rank=np.arange(len(top)))
    if "raw_address" in leads:
        raw = leads.drop_duplicates([ring, "address"], keep="last")
        raw = raw.set_index([ring, "address"])["raw_address"]
        named = raw.reindex(pd.MultiIndex.from_frame(top[["ring_id", "key"]])).to_numpy(
            dtype=object
        )
        # a site not among the ring's leads, or without a raw spelling, shows its key
        missing = ~pd.MultiIndex.from_frame(top[["ring_id", "key"]]).isin(raw.index)
        named[missing] = top["key"].to_numpy(dtype=object)[missing]
    else:
        named = top["key"].to_numpy(dtype=object)
    keys = top["key"].to_numpy(dtype=object)
    names = [pages.esc(n or k) for n, k in zip(named, keys, strict=True)]
    rows = days.merge(top[["ring_id", "key", "rank"]], on=["ring_id", "key"])
    rows = rows.sort_values("rank", kind="stable")
    tables = bar_tables(rows, "rank", "day", ["parcels"], "day")
    summary = [
        f'<details class="site-days"><summary>{name} · {int(total)} parcels on {int(n)} days, '
        f"{pages.esc(lo)} to {pages.esc(hi)}</summary>{table}</details>"
        for name, total, n, lo, hi, table in zip(
            names,
            top["total"],
            top["n_days"],
            top["min"],
            top["max"],
            tables.reindex(top["rank"].to_numpy()),
            strict=True,
        )
    ]
    parts = pd.Series(summary, dtype=object).groupby(top["ring_id"].to_numpy(), sort=False)
    return {
        rid: "<h3>Parcels per day from the busiest sites</h3>"
        '<p class="muted">Days with parcels only; open a site to see them.</p>' + "".join(p)
        for rid, p in parts
    }
