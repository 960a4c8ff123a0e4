"""An offline map of a ring's leads: a plain SVG, no tile server, no script.

Country outlines come from Natural Earth (public domain, 1:110m) shipped inside the
package (``graphring/maps``, with its NOTICE). No registry package carries Natural Earth's
province outlines, so provinces are named at the mean position of their leads. The
projection is equirectangular, its x scaled by the cosine of the frame's middle latitude
(true shapes near that latitude: enough for a frame of a few hundred kilometres to a
country).
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from graphring.packets.graph import xml_text

#: Lead marks are coloured by score, from this low to this high colour.
LOW, HIGH = (253, 212, 158), (179, 0, 0)
#: Smallest frame drawn, in degrees of latitude (a single lead still shows its country).
MIN_SPAN = 8.0


@cache
def country_outlines() -> tuple[tuple[str, tuple[np.ndarray, ...]], ...]:
    """(country name, rings of lon/lat points) decoded from the shipped TopoJSON."""
    text = (resources.files("graphring.maps") / "countries-110m.json").read_text("utf-8")
    topo = json.loads(text)
    scale = np.array(topo["transform"]["scale"])
    shift = np.array(topo["transform"]["translate"])
    arcs = [np.cumsum(np.array(a, dtype=float), axis=0) * scale + shift for a in topo["arcs"]]

    def ring(indices: list[int]) -> np.ndarray:
        parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
        return np.concatenate([parts[0], *(p[1:] for p in parts[1:])])

    out = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = geom.get("arcs", [])
        if geom.get("type") == "Polygon":
            polys = [polys]
        rings = tuple(ring(r) for poly in polys for r in poly)
        out.append((str(geom.get("properties", {}).get("name", "")), rings))
    return tuple(out)


@cache
def _ring_boxes() -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Every outline ring's bounding box (west, east, south, north) and its SVG path in
    degrees (x = longitude, y = minus latitude), computed once: each map places the paths
    with one transform instead of projecting every point again."""
    rings = [(name, r) for name, rs in country_outlines() for r in rs]
    boxes = np.array(
        [(r[:, 0].min(), r[:, 0].max(), r[:, 1].min(), r[:, 1].max()) for _, r in rings]
    )
    paths = []
    for name, r in rings:
        # each point as "%.2f,%.2f" (a Python float formats as numpy's does)
        lon, lat = r[:, 0].tolist(), (-r[:, 1]).tolist()
        xy = [f"{x:.2f},{y:.2f}" for x, y in zip(lon, lat, strict=True)]
        paths.append((name, "M" + "L".join(xy) + "Z"))
    return boxes, paths


def _colour(share: float) -> str:
    rgb = [round(a + (b - a) * share) for a, b in zip(LOW, HIGH, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _colours(shares: np.ndarray) -> list[str]:
    """:func:`_colour` of each share, its channels rounded at once (half to even, as
    ``round``)."""
    if np.isnan(shares).any():
        return [_colour(s) for s in shares]
    rgb = np.rint(np.array(LOW) + (np.array(HIGH) - np.array(LOW)) * shares[:, None])
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.astype(np.int64).tolist()]


def _text_order(value: object) -> tuple[bool, str]:
    """A sort key putting missing values after every text, as pandas sorts them."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return missing, "" if missing else str(value)


def _numbers(values: pd.Series) -> np.ndarray:
    """A column as floats, text that is no number as NaN (``pd.to_numeric`` coercing)."""
    if values.dtype.kind == "f" and isinstance(values.dtype, np.dtype):
        return values.to_numpy(dtype=float)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def _province(value: object) -> str:
    """A province as text, missing as empty (as ``fillna("").astype(str)``)."""
    return "" if value is None or value is pd.NA or value != value else str(value)


def highest_first(values: np.ndarray) -> np.ndarray:
    """Positions of ``values`` highest first, NaN last, ties as
    ``pd.Series(values).sort_values(ascending=False)`` orders them (pandas' ``nargsort``:
    sorted reversed, then reversed back)."""
    idx = np.arange(len(values))
    missing = np.isnan(values)
    kept, kept_idx = values[~missing][::-1], idx[~missing][::-1]
    order = kept_idx[kept.argsort(kind="quicksort")][::-1]
    return np.concatenate([order, idx[missing]])


def leads_map_svg(leads: pd.DataFrame, width: int = 900, height: int = 560) -> str:
    """The leads with coordinates (``lat``, ``lon``, ``score``, ``address``, ``province``,
    ``ring_shipments`` when given) on country outlines; empty when none has coordinates.

    A ring has a handful of leads: its columns are taken out of the frame once and drawn
    from plain arrays (per-ring pandas calls were most of a packet's time)."""
    lat_all = _numbers(leads["lat"])
    lon_all = _numbers(leads["lon"])
    located = np.flatnonzero(~(np.isnan(lat_all) | np.isnan(lon_all)))
    if not len(located):
        return ""
    score_all = leads["score"].to_numpy(dtype=float)
    address_all = leads["address"].to_numpy(dtype=object)
    # lowest score first (drawn under the others), then by address (missing ones last)
    located = np.array(
        sorted(located, key=lambda i: (score_all[i], *_text_order(address_all[i]))),
        dtype=np.int64,
    )
    lat, lon, score = lat_all[located], lon_all[located], score_all[located]
    address = address_all[located]
    raw = (
        leads["raw_address"].to_numpy(dtype=object)[located]
        if "raw_address" in leads
        else np.full(len(located), None, dtype=object)
    )
    labels = [str(r or a) for r, a in zip(raw, address, strict=True)]
    ships = (
        leads["ring_shipments"].to_numpy()[located]
        if "ring_shipments" in leads
        else np.zeros(len(located), dtype=np.int64)
    )
    province = np.array(
        [_province(p) for p in leads["province"].to_numpy(dtype=object)[located]], dtype=object
    )
    mid_lat = (lat.min() + lat.max()) / 2
    kx = math.cos(math.radians(mid_lat))
    span_y = max(lat.max() - lat.min(), MIN_SPAN) * 1.25
    span_x = max((lon.max() - lon.min()) * kx * 1.25, span_y * width / height)
    span_y = max(span_y, span_x * height / width)
    cx = (lon.min() + lon.max()) / 2 * kx
    cy = mid_lat
    unit = width / span_x

    def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (lon * kx - cx) * unit + width / 2, (cy - lat) * unit + height / 2

    west, east = (cx - span_x / 2) / kx, (cx + span_x / 2) / kx
    south, north = cy - span_y / 2, cy + span_y / 2
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="leadmap" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        "<title>Leads of this ring on a map</title>",
        f'<rect width="{width}" height="{height}" fill="#eaf2fa"/>',
        # outlines in degrees, placed by the projection as one affine transform
        f'<g fill="#fbfbf6" stroke="#8a8a80" stroke-width="0.8" transform="matrix({kx * unit:.4f} '
        f'0 0 {unit:.4f} {width / 2 - cx * unit:.2f} {cy * unit + height / 2:.2f})">',
    ]
    boxes, rings = _ring_boxes()
    seen = (boxes[:, 1] >= west) & (boxes[:, 0] <= east) & (boxes[:, 3] >= south)
    seen &= boxes[:, 2] <= north
    paths: dict[str, list[str]] = {}
    for ring_i in np.flatnonzero(seen):
        name, path = rings[ring_i]
        paths.setdefault(name, []).append(path)
    for name, parts in paths.items():
        out.append(
            f'<path d="{"".join(parts)}" vector-effect="non-scaling-stroke">'
            f"<title>{xml_text(name)}</title></path>"
        )
    out.append("</g>")
    # each province named at the mean position of its leads
    out.append('<g fill="#555" font-size="13" font-style="italic" text-anchor="middle">')
    # a province's leads, in their order (as a mask of them picks them)
    at: dict[str, list[int]] = {}
    for i, name in enumerate(province.tolist()):
        if name:
            at.setdefault(name, []).append(i)
    names = sorted(at)
    label_x, label_y = project(
        np.array([lon[at[name]].mean() for name in names]),
        np.array([lat[at[name]].mean() for name in names]),
    )
    for name, x, y in zip(names, label_x.tolist(), label_y.tolist(), strict=True):
        out.append(f'<text x="{x:.1f}" y="{y - 16:.1f}">{xml_text(name)}</text>')
    out.append("</g>")
    top = max(float(score.max()), 1.0)
    xs, ys = project(lon, lat)
    radius = 5 + 9 * score / 100
    colours = _colours(score / top)
    for x, y, r, colour, label, s, n, la, lo in zip(
        xs.tolist(),
        ys.tolist(),
        radius.tolist(),
        colours,
        labels,
        score.tolist(),
        ships.tolist(),
        lat.tolist(),
        lon.tolist(),
        strict=True,
    ):
        out.append(
            f'<circle class="lead" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
            f'fill="{colour}" stroke="#400" stroke-width="1">'
            f"<title>{xml_text(label)}\nscore {s:g}, {int(n)} parcels from "
            f"this ring, {la:.4f}, {lo:.4f}</title></circle>"
        )
    out.append('<g fill="#222" stroke="white" stroke-width="3" paint-order="stroke">')
    placed: list[tuple[float, float]] = []
    # the six highest scores are labelled, one label per place: leads in one building
    # share a spot
    for top_i in highest_first(score)[:6]:
        px, py = xs[top_i], ys[top_i]
        if any(abs(px - a) < 60 and abs(py - b) < 16 for a, b in placed):
            continue
        placed.append((px, py))
        text = xml_text(labels[top_i][:40])
        out.append(f'<text x="{px + 12:.1f}" y="{py + 4:.1f}">{text}</text>')
    out.append("</g>")
    out.append(
        f'<text x="8" y="{height - 8}" font-size="10" fill="#555">Country outlines: Natural '
        "Earth (public domain), 1:110m. Province names at the mean position of their leads. "
        "Mark size and colour: lead score.</text></svg>"
    )
    return "\n".join(out)
