"""HTML pages that open offline: every script and style is inlined, every data string is
escaped (text through html.escape; data for scripts as JSON with ``<`` escaped)."""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from graphring.packets.graph import KIND_COLOURS

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222}
header{background:#1d2b3a;color:#fff;padding:12px 20px}header h1{margin:0;font-size:20px}
header .sub{opacity:.8;font-size:13px}main{padding:12px 20px}
section{margin:18px 0}h2{font-size:16px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f7;cursor:pointer;user-select:none}tr:nth-child(even) td{background:#fafafa}
.score{font-size:28px;font-weight:600}.pill{display:inline-block;padding:1px 7px;
border-radius:9px;background:#eee;margin:1px;font-size:12px}
#graph{height:620px;border:1px solid #ccc}.legend span{margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}
input.filter{margin:4px 0;padding:4px;width:260px}.muted{color:#777;font-size:12px}
.bar{background:#4c78a8;height:10px;display:inline-block}
"""

TABLE_JS = """
function gr_sortable(t){t.querySelectorAll('th').forEach(function(th,i){th.addEventListener(
'click',function(){var tb=t.tBodies[0],rows=Array.from(tb.rows),asc=th.dataset.asc!=='1';
th.dataset.asc=asc?'1':'0';rows.sort(function(a,b){var x=a.cells[i].innerText,
y=b.cells[i].innerText,nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?
nx-ny:x.localeCompare(y);return asc?c:-c});rows.forEach(function(r){tb.appendChild(r)})})})}
function gr_filter(input,t){input.addEventListener('input',function(){var q=input.value
.toLowerCase();Array.from(t.tBodies[0].rows).forEach(function(r){r.style.display=
r.innerText.toLowerCase().indexOf(q)>=0?'':'none'})})}
document.querySelectorAll('table.data').forEach(function(t){gr_sortable(t);
var f=document.querySelector('input[data-for="'+t.id+'"]');if(f)gr_filter(f,t)});
"""

GRAPH_JS = """
(function(){var data=JSON.parse(document.getElementById('graph-data').textContent);
var nodes=new vis.DataSet(data.nodes),edges=new vis.DataSet(data.edges);
var net=new vis.Network(document.getElementById('graph'),{nodes:nodes,edges:edges},
{physics:{solver:'forceAtlas2Based',stabilization:{iterations:400,fit:true}},
interaction:{hover:true,tooltipDelay:120},nodes:{font:{size:11}},edges:{color:'#bbb'}});
window.graphring={network:net,nodes:nodes,edges:edges,stabilized:false};
net.once('stabilizationIterationsDone',function(){net.setOptions({physics:false});
window.graphring.stabilized=true;document.getElementById('graph').dataset.ready='1'});
var box=document.getElementById('node-search');box.addEventListener('change',function(){
var q=box.value.toLowerCase();var hit=nodes.get().find(function(n){return String(n.label)
.toLowerCase().indexOf(q)>=0||String(n.id).toLowerCase().indexOf(q)>=0});if(!hit)return;
var ids=[hit.id].concat(net.getConnectedNodes(hit.id));net.selectNodes(ids);
net.focus(hit.id,{scale:1.2,animation:false})})})();
"""


@cache
def vis_assets() -> tuple[str, str]:
    """vis-network's script and style, as shipped inside the pyvis package."""
    base = resources.files("pyvis") / "lib" / "vis-9.1.2"
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    css = (base / "vis-network.css").read_text(encoding="utf-8")
    return js, css


def esc(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no "</script>" can close it early."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def table(
    frame: pd.DataFrame,
    table_id: str,
    columns: list[str] | None = None,
    links: dict[str, str] | None = None,
    filter_box: bool = True,
) -> str:
    """A sortable, filterable table. ``links`` maps a column to an href pattern ({})."""
    columns = columns or list(frame.columns)
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    rows = []
    for rec in frame[columns].itertuples(index=False):
        cells = []
        for col, val in zip(columns, rec, strict=True):
            if links and col in links:
                cells.append(f'<td><a href="{esc(links[col].format(val))}">{esc(val)}</a></td>')
            else:
                cells.append(f"<td>{esc(val)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    box = (
        f'<input class="filter" data-for="{table_id}" placeholder="filter rows…">'
        if filter_box
        else ""
    )
    return (
        f'{box}<table class="data" id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def page(title: str, subtitle: str, body: str, graph: dict[str, Any] | None = None) -> str:
    head_extra, tail = "", f"<script>{TABLE_JS}</script>"
    if graph is not None:
        js, css = vis_assets()
        head_extra = f"<style>{css}</style>"
        tail = (
            f'<script id="graph-data" type="application/json">{script_json(graph)}</script>'
            f"<script>{js}</script><script>{GRAPH_JS}</script>" + tail
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style>{head_extra}</head><body>"
        f'<header><h1>{esc(title)}</h1><div class="sub">{esc(subtitle)}</div></header>'
        f"<main>{body}</main>{tail}</body></html>"
    )


def legend() -> str:
    return (
        '<div class="legend">'
        + "".join(
            f'<span><i style="background:{c}"></i>{esc(k)}</span>' for k, c in KIND_COLOURS.items()
        )
        + "</div>"
    )


def bars(counts: pd.Series, label: str) -> str:
    """A small bar chart table: one row per period."""
    if counts.empty:
        return f'<p class="muted">no {esc(label)} dates in the data</p>'
    top = max(int(counts.max()), 1)
    rows = "".join(
        f'<tr><td>{esc(k)}</td><td>{int(v)}</td><td><span class="bar" '
        f'style="width:{int(300 * v / top)}px"></span></td></tr>'
        for k, v in counts.items()
    )
    return (
        f"<table><thead><tr><th>month</th><th>{esc(label)}</th><th></th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
