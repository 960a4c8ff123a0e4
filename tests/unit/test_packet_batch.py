"""Packet parts made for every ring at once equal what one ring's own page or file would
hold: the CSV cuts, the monthly timeline and the parcels per day from the busiest sites."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from graphring.packets import ring_page
from graphring.packets.case import text_spans
from graphring.packets.timeline import site_days_by_ring, timelines
from graphring.sheets import FORMULA_START, _starts_like_formula, csv_cuts, sheet_safe

TEXTS = ["plain", 'say "hi"', "a,b", "=HYPERLINK(1)", "<b>&amp;</b>", "", "-3", "x" * 2500]


def _messy_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    text = rng.choice(np.array(TEXTS + [None], dtype=object), n)
    floats = rng.choice([0.1, 2.0, 1e16, -3.25, np.nan, 1 / 3], n)
    return pd.DataFrame(
        {
            "ring_id": rng.choice(["R-2", "R-1", "=R-3", "R-10"], n),
            "text": text,
            "number": floats,
            "count": rng.integers(-5, 10**12, n),
            "flag": rng.random(n) < 0.5,
            "day": pd.to_datetime("2021-03-01")
            + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        }
    )


@pytest.mark.parametrize("seed", range(6))
def test_csv_cuts_equal_each_cut_written_on_its_own(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = sheet_safe(_messy_frame(rng, int(rng.integers(1, 60))))
    if seed == 3:  # a line break in a value: one row on two lines
        frame.loc[frame.index[0], "text"] = "two\nlines"
    if seed == 4:  # times of day: pandas writes a cut of midnights as days only
        frame["day"] = frame["day"] + pd.to_timedelta(
            rng.choice([0, 0, 0, 3600], len(frame)), unit="s"
        )
    if seed == 5:
        frame["day"] = frame["day"].where(rng.random(len(frame)) < 0.5)  # NaT
    by = frame["ring_id"].to_numpy()
    cuts = csv_cuts(frame, by)
    assert sorted(cuts) == sorted(set(by))
    for key, data in cuts.items():
        own = frame.loc[frame["ring_id"] == key].to_csv(index=False).encode("utf-8")
        assert data == own


def _monthly(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for ring in ["R-1", "R-2", "R-3"]:
        months = sorted(
            {
                f"{y}-{m:02d}"
                for y, m in zip(rng.integers(2019, 2022, 5), rng.integers(1, 13, 5), strict=True)
            }
        )
        for month in months:
            rows.append((ring, month, int(rng.integers(0, 4)), int(rng.integers(0, 500))))
    frame = pd.DataFrame(rows, columns=["ring_id", "month", "shops opened", "shipments sent"])
    return frame.set_index(["ring_id", "month"]).sort_index()


@pytest.mark.parametrize("seed", range(5))
def test_timelines_equal_each_ring_page_timeline(seed: int) -> None:
    timeline = _monthly(np.random.default_rng(seed))
    made = timelines(timeline)
    for ring in timeline.index.get_level_values(0).unique():
        assert made[ring] == ring_page._timeline(timeline.loc[ring])
        assert "<tr><td>" in made[ring]
    assert timelines(timeline.head(0)) == {}


def _days(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    sites = [f"road {i}" for i in range(12)] + ["<b> & co"]
    rows = {
        (ring, site, f"2022-0{int(rng.integers(1, 10))}-{int(rng.integers(10, 29))}")
        for ring in ["R-1", "R-2"]
        for site in rng.choice(sites, 11)
        for _ in range(int(rng.integers(1, 4)))
    }
    days = pd.DataFrame(sorted(rows), columns=["ring_id", "key", "day"])
    # few parcels a day: equal totals, kept in the order of the site's key
    days["parcels"] = rng.integers(1, 3, len(days))
    raw = rng.choice(np.array(["Road, Raw", None, np.nan, ""], dtype=object), len(sites))
    leads = pd.DataFrame(
        {
            "ring": np.repeat(["R-1", "R-2"], len(sites)),
            "address": sites * 2,
            "raw_address": np.concatenate([raw, raw[::-1]]),
        }
    ).iloc[3:]  # some sites are no lead of the ring
    return days, leads


@pytest.mark.parametrize("seed", range(6))
def test_site_days_equal_each_ring_page_part(seed: int) -> None:
    days, leads = _days(np.random.default_rng(seed))
    made = site_days_by_ring(days, leads)
    assert sorted(made) == ["R-1", "R-2"]
    for ring in ["R-1", "R-2"]:
        own = ring_page._site_days(
            days.loc[days["ring_id"] == ring], leads.loc[leads["ring"] == ring]
        )
        assert made[ring] == own
        sites = days.loc[days["ring_id"] == ring, "key"].nunique()
        assert made[ring].count("<details") == min(sites, ring_page.DAY_SITES)
    without_raw = site_days_by_ring(days, leads.drop(columns="raw_address"))
    assert without_raw["R-1"] == ring_page._site_days(
        days.loc[days["ring_id"] == "R-1"],
        leads.loc[leads["ring"] == "R-1"].drop(columns="raw_address"),
    )


@pytest.mark.parametrize("seed", range(8))
def test_text_spans_equal_pandas_min_max_of_text(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 60))
    texts = np.array(["2022-01-02", "2021-12-31", "b", "B", "é", "", " z", "a\x00"], dtype=object)
    frame = pd.DataFrame(
        {
            "ring_id": rng.choice(np.array(["R-2", "R-1", None], dtype=object), n),
            "key": rng.choice(["road 1", "<b>"], n),
            "day": rng.choice(texts, n),
        }
    )
    want = frame.groupby(["ring_id", "key"])["day"].agg(["min", "max", "size"])
    pd.testing.assert_frame_equal(text_spans(frame, ["ring_id", "key"], "day"), want)


#: Cells of every kind a text column can hold: formula-like text, plain numbers, other
#: text, missing values, and values that are not text at all.
_CELLS = [
    "=x",
    "+1",
    "-a",
    "@s",
    "\tt",
    "\rr",
    "ok",
    "",
    None,
    np.nan,
    pd.NA,
    pd.NaT,
    "é=",
    "店",
    "\ud800x",
    5,
    2.5,
    np.str_("=np"),
    "==",
    " =x",
    b"=b",
    True,
    "-12.5",
]


def _outcome(f: Any, column: pd.Series) -> Any:
    try:
        return f(column).tolist()
    except (TypeError, ValueError, AttributeError) as e:
        return type(e)


@pytest.mark.parametrize("seed", range(5))
def test_formula_cells_found_as_pandas_startswith_finds_them(seed: int) -> None:
    """Arrow finds the cells that start like a formula as ``str.startswith`` does, fails
    where it fails."""
    rng = np.random.default_rng(seed)
    for _ in range(400):
        picks = rng.integers(0, len(_CELLS), int(rng.integers(0, 8)))
        column = pd.Series([_CELLS[i] for i in picks], dtype=object)
        assert _outcome(_starts_like_formula, column) == _outcome(
            lambda c: c.str.startswith(FORMULA_START, na=False).to_numpy(dtype=bool), column
        )
