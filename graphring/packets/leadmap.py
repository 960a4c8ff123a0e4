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
def _ring_boxes() -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """Every outline ring with its bounding box (west, east, south, north), computed once."""
    rings = [(name, r) for name, rs in country_outlines() for r in rs]
    boxes = np.array(
        [(r[:, 0].min(), r[:, 0].max(), r[:, 1].min(), r[:, 1].max()) for _, r in rings]
    )
    return boxes, rings


def _colour(share: float) -> str:
    rgb = [round(a + (b - a) * share) for a, b in zip(LOW, HIGH, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def leads_map_svg(leads: pd.DataFrame, width: int = 900, height: int = 560) -> str:
    """The leads with coordinates (``lat``, ``lon``, ``score``, ``address``, ``province``,
    ``ring_shipments`` when given) on country outlines; empty when none has coordinates."""
    pts = leads.assign(
        lat=pd.to_numeric(leads["lat"], errors="coerce"),
        lon=pd.to_numeric(leads["lon"], errors="coerce"),
    ).dropna(subset=["lat", "lon"])
    if pts.empty:
        return ""
    pts = pts.sort_values(["score", "address"], ascending=[True, True], kind="stable")
    mid_lat = (pts["lat"].min() + pts["lat"].max()) / 2
    kx = math.cos(math.radians(mid_lat))
    span_y = max(pts["lat"].max() - pts["lat"].min(), MIN_SPAN) * 1.25
    span_x = max((pts["lon"].max() - pts["lon"].min()) * kx * 1.25, span_y * width / height)
    span_y = max(span_y, span_x * height / width)
    cx = (pts["lon"].min() + pts["lon"].max()) / 2 * kx
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
        '<g fill="#fbfbf6" stroke="#8a8a80" stroke-width="0.8">',
    ]
    boxes, rings = _ring_boxes()
    seen = (boxes[:, 1] >= west) & (boxes[:, 0] <= east) & (boxes[:, 3] >= south)
    seen &= boxes[:, 2] <= north
    paths: dict[str, list[str]] = {}
    for i in np.flatnonzero(seen):
        name, r = rings[i]
        x, y = project(r[:, 0], r[:, 1])
        xy = np.char.mod("%.1f", np.c_[x, y])
        paths.setdefault(name, []).append("M" + "L".join(xy[:, 0] + "," + xy[:, 1]) + "Z")
    for name, parts in paths.items():
        out.append(f'<path d="{"".join(parts)}"><title>{xml_text(name)}</title></path>')
    out.append("</g>")
    provinces = pts.loc[pts["province"].fillna("").astype(str) != ""].groupby("province")
    px, py = project(provinces["lon"].mean().to_numpy(), provinces["lat"].mean().to_numpy())
    out.append('<g fill="#555" font-size="13" font-style="italic" text-anchor="middle">')
    for name, x, y in zip(provinces["lon"].mean().index, px, py, strict=True):
        out.append(f'<text x="{x:.1f}" y="{y - 16:.1f}">{xml_text(name)}</text>')
    out.append("</g>")
    top = max(float(pts["score"].max()), 1.0)
    x, y = project(pts["lon"].to_numpy(), pts["lat"].to_numpy())
    ships = pts["ring_shipments"] if "ring_shipments" in pts else pd.Series(0, index=pts.index)
    for (_, row), a, b, n in zip(pts.iterrows(), x, y, ships, strict=True):
        score = float(row["score"])
        radius = 5 + 9 * score / 100
        label = str(row.get("raw_address") or row["address"])
        out.append(
            f'<circle class="lead" cx="{a:.1f}" cy="{b:.1f}" r="{radius:.1f}" '
            f'fill="{_colour(score / top)}" stroke="#400" stroke-width="1">'
            f"<title>{xml_text(label)}\nscore {score:g}, {int(n)} parcels from this ring, "
            f"{row['lat']:.4f}, {row['lon']:.4f}</title></circle>"
        )
    labelled = pts.assign(px=x, py=y).sort_values("score", ascending=False).head(6)
    out.append('<g fill="#222" stroke="white" stroke-width="3" paint-order="stroke">')
    placed: list[tuple[float, float]] = []
    for row in labelled.itertuples(index=False):
        # one label per place: leads in one building share a spot
        if any(abs(row.px - a) < 60 and abs(row.py - b) < 16 for a, b in placed):
            continue
        placed.append((row.px, row.py))
        text = xml_text(str(getattr(row, "raw_address", "") or row.address)[:40])
        out.append(f'<text x="{row.px + 12:.1f}" y="{row.py + 4:.1f}">{text}</text>')
    out.append("</g>")
    out.append(
        f'<text x="8" y="{height - 8}" font-size="10" fill="#555">Country outlines: Natural '
        "Earth (public domain), 1:110m. Province names at the mean position of their leads. "
        "Mark size and colour: lead score.</text></svg>"
    )
    return "\n".join(out)
