"""Page tables made a column at a time, and for every ring at once, equal the tables made
a row at a time for one ring (the definition they replace)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from graphring.config import Settings
from graphring.packets import pages, ring_page
from graphring.packets.case import date_text
from graphring.packets.write import _PacketSources
from graphring.pipeline import run_pipeline
from graphring.sample import SampleInfo

esc, fmt = pages.esc, pages.fmt


def _row_table(
    frame: pd.DataFrame,
    table_id: str,
    columns: list[str] | None = None,
    links: dict[str, str] | None = None,
    filter_box: bool = True,
    min_filter: str | None = None,
    empty: str = "none",
    multi_links: dict[str, str] | None = None,
) -> str:
    """pages.table as it was: every cell formatted in a loop over rows."""
    columns = columns or list(frame.columns)
    if frame.empty:
        return f'<p class="muted">{esc(empty)}</p>'
    sub = frame[columns]
    numeric = {
        c
        for c, d in zip(columns, sub.dtypes, strict=True)
        if pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_bool_dtype(d)
    }
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    rows = []
    for rec in sub.to_numpy(dtype=object).tolist():
        cells = []
        for col, val in zip(columns, rec, strict=True):
            text = esc(fmt(val))
            if links and col in links:
                cells.append(f'<td><a href="{esc(links[col].format(fmt(val)))}">{text}</a></td>')
            elif multi_links and col in multi_links and fmt(val):
                parts = [
                    f'<a href="{esc(multi_links[col].format(v))}">{esc(v)}</a>'
                    for v in fmt(val).split(";")
                ]
                cells.append(f"<td>{' '.join(parts)}</td>")
            elif col in numeric:
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    controls = []
    if filter_box:
        controls.append(
            f'<input class="filter" data-for="{esc(table_id)}" placeholder="filter rows…" '
            f'aria-label="filter {esc(table_id)}">'
        )
    if min_filter:
        controls.append(
            f'<label>{esc(min_filter)} at least <input class="min" type="number" '
            f'data-min-for="{esc(table_id)}" data-col="{columns.index(min_filter)}"></label>'
        )
    controls.append(f'<span class="muted" data-count-for="{esc(table_id)}"></span>')
    return (
        f'<div class="controls">{"".join(controls)}</div>'
        f'<table class="data" id="{esc(table_id)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


TEXTS: list[Any] = [
    "plain",
    '<script>alert("x")</script>',
    "a & b's",
    "x" * 2500,
    "",
    None,
    np.nan,
    "M1;M2;<M3>",
    "=SUM(A1)",
]


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    days = pd.to_datetime("2022-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    return pd.DataFrame(
        {
            "ring_id": rng.choice(["R-1", "R-2", "R-3"], n),
            "text": rng.choice(np.array(TEXTS, dtype=object), n),
            "ids": rng.choice(np.array(["M1;M2", "", None, "<a>;b&c", 7], dtype=object), n),
            "float": rng.choice([0.5, 3.0, np.nan, 1e16, -2.25, 1 / 3, np.inf, 12345678.9], n),
            "int": rng.integers(-(10**12), 10**12, n),
            "small": rng.integers(0, 9, n).astype("int32"),
            "nullable": pd.array(rng.choice([1, 2, None], n), dtype="Int64"),
            "flag": rng.random(n) < 0.3,
            "day": days,
            "when": (
                days + pd.to_timedelta(rng.choice([0, 3600 * 13 + 60 * 7], n), unit="s")
            ).where(rng.random(n) < 0.8),  # some missing (NaT)
            "mixed": rng.choice(np.array([1, 2.5, "t<", None, True], dtype=object), n),
        }
    )


@pytest.mark.parametrize("seed", range(8))
def test_table_a_column_at_a_time_equals_a_row_at_a_time(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = _frame(rng, int(rng.integers(1, 40)))
    assert pages.table(frame, "t<1>", min_filter="float") == _row_table(
        frame, "t<1>", min_filter="float"
    )
    columns = ["ids", "text", "int"]
    links = {"text": "#r-{}"}
    multi = {"ids": "../{}/index.html"}
    assert pages.table(frame, "t", columns, links, False, None, "x", multi) == _row_table(
        frame, "t", columns, links, False, None, "x", multi
    )
    # a linked numeric column left empty keeps its number class
    numeric_multi = {"float": "#{}"}
    assert pages.table(frame, "t", multi_links=numeric_multi) == _row_table(
        frame, "t", multi_links=numeric_multi
    )
    assert pages.table(frame.head(0), "t", empty="<none>") == _row_table(
        frame.head(0), "t", empty="<none>"
    )


@pytest.mark.parametrize("seed", range(4))
def test_tables_by_ring_equal_each_rings_table(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = _frame(rng, 50).sample(frac=1, random_state=seed)
    cut = pages.tables_by(frame, frame["ring_id"].to_numpy(), "rows", min_filter="int")
    assert sorted(cut) == sorted(frame["ring_id"].unique())
    for ring, html in cut.items():
        assert html == _row_table(frame.loc[frame["ring_id"] == ring], "rows", min_filter="int")
    assert pages.tables_by(frame.head(0), [], "rows") == {}


def test_every_rings_page_parts_equal_its_own(sample: SampleInfo) -> None:
    result = run_pipeline(sample.data_dir, Settings())
    sources = _PacketSources(result)
    f = sources.frames
    assert len(result.rings) > 3
    for rid in result.rings["ring_id"]:
        ld = f["leads"].loc[f["leads"]["ring"] == rid]
        timeline = f["timeline"]
        own = ring_page.page_parts(
            rid,
            f["members"].loc[f["members"]["ring_id"] == rid],
            f["evidence"].loc[f["evidence"]["ring_id"] == rid].drop(columns="ring_id"),
            ld,
            f["listings"].loc[f["listings"]["ring_id"] == rid],
            f["provinces"].loc[f["provinces"]["ring_id"] == rid],
            f["provenance"].loc[f["provenance"]["ring_id"] == rid].drop(columns="ring_id"),
            timeline.loc[rid] if rid in timeline.index.get_level_values(0) else None,
            f["days"].loc[f["days"]["ring_id"] == rid],
        )
        assert sources.parts.of(rid) == own
    # the sample's rings hold rows in every table
    for name in (
        "weak",
        "members",
        "evidence",
        "provenance",
        "leads",
        "listings",
        "timeline",
        "days",
    ):
        assert sources.parts.parts[name], name


def _old_shortened(data: Any) -> Any:
    """pages._shortened as it was: one call per value."""
    if isinstance(data, str):
        return pages.shorten(data)
    if isinstance(data, dict):
        return {k: _old_shortened(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_old_shortened(v) for v in data]
    return data


def _nested(rng: np.random.Generator, depth: int) -> Any:
    leaves: list[Any] = [
        "short",
        "y" * int(rng.integers(1990, 2010)),
        np.str_("z" * 2500),  # a str that is not exactly str
        3,
        2.5,
        True,
        None,
        np.int64(4),
        ("t", "u" * 3000),
    ]
    if depth == 0 or rng.random() < 0.3:
        return leaves[int(rng.integers(len(leaves)))]
    if rng.random() < 0.5:
        return {f"k{i}" * 700: _nested(rng, depth - 1) for i in range(int(rng.integers(0, 5)))}
    return [_nested(rng, depth - 1) for _ in range(int(rng.integers(0, 5)))]


@pytest.mark.parametrize("seed", range(10))
def test_graph_data_is_shortened_as_before(seed: int) -> None:
    data = _nested(np.random.default_rng(seed), 5)
    assert pages._shortened(data) == _old_shortened(data)
    old = json.dumps(_old_shortened(data), ensure_ascii=False, default=str, allow_nan=False)
    assert json.loads(pages.script_json(data)) == json.loads(old)


def _old_script_json(data: Any) -> str:
    """pages.script_json as it was: every value walked for long strings."""
    text = json.dumps(pages._shortened(data), ensure_ascii=False, default=str, allow_nan=False)
    for c, e in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(c, e)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _texts_near_the_limit(rng: np.random.Generator, depth: int) -> Any:
    """Strings a little shorter or longer than PAGE_TEXT_MAX, of characters JSON writes as
    one byte, several bytes or an escape, as values and keys."""
    if depth == 0 or rng.random() < 0.3:
        char = ["x", "é", "店", '"', "\\", "\n", "<", "\u2028", "😀"][int(rng.integers(9))]
        size = pages.PAGE_TEXT_MAX + int(rng.integers(-3, 3)) if rng.random() < 0.7 else 5
        text = char * size
        return [text, 1.5, None, pd.Timestamp("2026-01-02")][
            int(rng.integers(4)) if rng.random() < 0.3 else 0
        ]
    if rng.random() < 0.5:
        keys = [f"k{i}" * int(rng.choice([1, 1000])) for i in range(int(rng.integers(0, 4)))]
        return {k: _texts_near_the_limit(rng, depth - 1) for k in keys}
    return [_texts_near_the_limit(rng, depth - 1) for _ in range(int(rng.integers(0, 4)))]


@pytest.mark.parametrize("seed", range(60))
def test_script_json_is_the_same_bytes_as_walking_every_value(seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = (_nested if seed % 2 else _texts_near_the_limit)(rng, 4)
    assert pages.script_json(data) == _old_script_json(data)


@pytest.mark.parametrize("delta", [-2, -1, 0, 1, 2])
@pytest.mark.parametrize("char", ["x", "é", "店", '"', "\\", "\n", "<", "\u2028", "😀"])
def test_script_json_shortens_one_string_just_over_the_limit(char: str, delta: int) -> None:
    text = char * (pages.PAGE_TEXT_MAX + delta)
    for data in (
        {"nodes": [{"id": "m:1", "title": text, "size": 1.5}, {"id": "m:2"}], "n": None},
        {"context": {text: ["short", 2]}},  # keys are kept whole
        [text],
    ):
        assert pages.script_json(data) == _old_script_json(data)


def test_dates_formatted_once_per_day_equal_strftime() -> None:
    rng = np.random.default_rng(1)
    when = pd.Series(
        pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**8, 300), unit="s")
    ).where(rng.random(300) < 0.9)
    for unit, fmt in (("D", "%Y-%m-%d"), ("M", "%Y-%m")):
        made = date_text(when, unit, fmt)
        assert made.isna().tolist() == when.isna().tolist()
        assert made.dropna().tolist() == when.dt.strftime(fmt).dropna().tolist()
    local = when.dt.tz_localize("UTC").dt.tz_convert("Asia/Shanghai")
    assert date_text(local, "D", "%Y-%m-%d").dropna().tolist() == (
        local.dt.strftime("%Y-%m-%d").dropna().tolist()
    )


def test_pages_in_pieces_are_the_page() -> None:
    graph = {"nodes": [{"id": "m:1", "title": "<b>"}], "edges": []}
    chunks = pages.page_chunks("Ring <1>", "run x", "<p>body</p>", graph=graph, back="../i")
    assert "".join(chunks) == pages.page("Ring <1>", "run x", "<p>body</p>", graph, "../i")
    assert b"".join(pages.utf8_chunks(chunks)) == "".join(chunks).encode("utf-8")
    js, css = pages.vis_assets()
    assert sum(c is js for c in chunks) == 1 and sum(c is css for c in chunks) == 1


_CELLS: list[Any] = [
    "plain",
    'say "hi" & <b>it\'s</b>',
    "",
    "x" * 2500,
    "<" * 2100,
    "=HYPERLINK(1)",
    "\u2028 línea",
    None,
    float("nan"),
    pd.NA,
    pd.NaT,
    "nul\x00inside",
    np.float64("nan"),
    np.str_("numpy <text>"),
    7,
    2.5,
    pd.Timestamp("2024-03-01 10:30"),
]


@pytest.mark.parametrize("seed", range(12))
def test_text_cells_escaped_at_once_equal_each_escaped_alone(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # seeds 0-5 draw text and missing values only (escaped in one pass), others any value
    pool = _CELLS[:11] if seed < 6 else _CELLS
    picks = rng.integers(0, len(pool), int(rng.integers(0, 40)))
    values = pd.Series([pool[i] for i in picks], dtype=object)
    assert pages._texts(values) == [esc(fmt(v)) for v in values]
    assert (pages._string_texts(values.tolist()) is not None) == (seed < 6)


def test_values_escaped_at_once_equal_each_escaped_alone() -> None:
    rng = np.random.default_rng(4)
    values = [*TEXTS, pd.NaT, pd.NA, 7, 2.5, "2022-01"]
    for n in (0, 1, 5, 60):
        picked = [values[i] for i in rng.integers(0, len(values), n)]
        assert pages.escaped(picked) == [pages.esc(v) for v in picked]
        texts = [v for v in picked if isinstance(v, str)]
        assert pages.escaped(texts) == [pages.esc(v) for v in texts]
