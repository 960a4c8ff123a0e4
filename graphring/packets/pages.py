"""HTML pages that open offline and never run data as code.

Every script and style is inlined (vis-network's own files are read from the pyvis package
and written into the page), and a Content-Security-Policy meta forbids every network load,
so a page opened from a USB stick on an air-gapped machine shows the same as anywhere.
Every data string is escaped: text through :func:`esc`, data for scripts as JSON with
``<``, ``>`` and ``&`` escaped (:func:`script_json`), and in the graph tooltips are DOM
elements filled with ``textContent``, never HTML strings.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from functools import cache
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: No network loads of any kind; only the inline scripts (named by their SHA-256, so an
#: injected script or event handler would not run even if escaping failed) and styles the
#: page carries.
CSP = (
    "default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'; object-src 'none'"
)

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
color:#222;background:#fff}
header{background:#1d2b3a;color:#fff;padding:12px 20px}header h1{margin:0;font-size:20px}
header .sub{opacity:.8;font-size:13px}header a{color:#cde}main{padding:12px 20px;max-width:1500px}
nav.toc{font-size:13px;margin:6px 0}nav.toc a{margin-right:12px}
section{margin:18px 0}h2{font-size:16px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;
overflow-wrap:break-word}
table.data th{background:#f3f5f7;cursor:pointer;user-select:none;white-space:nowrap}
table.data th[data-asc="1"]::after{content:" \\25B2"}
table.data th[data-asc="0"]::after{content:" \\25BC"}
tr:nth-child(even) td{background:#fafafa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.score{font-size:28px;font-weight:600}.pill{display:inline-block;padding:1px 7px;
border-radius:9px;background:#eee;margin:1px;font-size:12px}
.status{display:inline-block;padding:2px 8px;border-radius:4px;background:#ffe9a8;font-size:13px;
margin-left:10px;vertical-align:middle}
#graph{height:640px;border:1px solid #ccc;position:relative}
.legend button{margin:0 6px 3px 0;font-size:12px;white-space:nowrap;background:#fff;
border:1px solid #ccc;border-radius:4px;padding:1px 6px;cursor:pointer}
.legend button[aria-pressed="false"]{opacity:.4;text-decoration:line-through}
.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
.legend i.dot{border-radius:6px}
.controls{display:flex;gap:6px;align-items:center;flex-wrap:wrap;margin:4px 0}
input.filter{padding:4px;width:260px}input.search{padding:4px;width:340px}input.min{padding:4px;width:70px}
.muted{color:#666;font-size:12px}.warn{color:#8a4b00;font-size:13px}
.bar{height:10px;display:inline-block;vertical-align:middle}.bar.a{background:#4c78a8}
.bar.b{background:#f58518}
.gr-tip{white-space:pre-line;max-width:420px;font-size:12px}
div.vis-tooltip{white-space:normal}
dl.kv{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:13px}
dl.kv dt{color:#555}dl.kv dd{margin:0}
code{font-size:12px}td a{white-space:nowrap}
table.timeline{width:auto}table.timeline td{padding:2px 6px}
.warn-box{border:1px solid #e0a040;background:#fff6e0;padding:6px 10px;margin:8px 0;font-size:13px}
.warn-box ul{margin:4px 0;padding-left:20px}
.decision{border-left:4px solid #4c78a8;background:#eef3f9;padding:6px 10px;margin:8px 0;
font-size:14px}
.seal{font-family:monospace;font-size:12px;font-variant-ligatures:none}
code{font-variant-ligatures:none}
.print-only,.print-note{display:none}
figure#graph-print svg{width:100%;height:auto}
figure#leads-map{margin:6px 0}figure#leads-map svg{max-width:100%;height:auto}
details.site-days{font-size:13px;margin:3px 0}
@page{size:A4;margin:12mm}
@media print{
#graph,.controls,input,nav.toc,button,.screen-only{display:none!important}
.print-only{display:block!important}
body{font-size:11px}main{padding:0;max-width:none}
header{background:none;color:#000;border-bottom:2px solid #000;padding:0 0 4px}
header a{color:#000}
table{font-size:9px;width:100%}
th,td{padding:2px 3px;overflow-wrap:anywhere}
table.data th{white-space:normal}
td a{white-space:normal}
code{font-size:9px;word-break:break-all}
pre{white-space:pre-wrap;font-size:8px}
section{margin:10px 0}
h2{break-after:avoid}
tr,figure,.warn-box,.decision{break-inside:avoid}
#graph-section{break-before:page}figure#graph-print{margin:0}
#listings tbody tr:nth-child(n+21){display:none}
.print-note{display:block!important}
}
"""

TABLE_JS = """
(function(){
function txt(r,i){var c=r.cells[i];return c?c.textContent.trim():''}
function num(s){if(s==='')return NaN;var v=Number(s.replace(/,/g,''));return v}
function apply(t){var q=(t._q||'').toLowerCase(),min=t._min,col=t._minCol,shown=0,
rows=t.tBodies[0].rows;for(var k=0;k<rows.length;k++){var r=rows[k],ok=true;
if(q&&r.textContent.toLowerCase().indexOf(q)<0)ok=false;
if(ok&&!isNaN(min)){var v=num(txt(r,col));ok=!isNaN(v)&&v>=min}
r.style.display=ok?'':'none';if(ok)shown++}
var c=document.querySelector('[data-count-for="'+t.id+'"]');
if(c)c.textContent=shown+' of '+rows.length+' rows'}
function sortable(t){Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){
th.title='sort';th.addEventListener('click',function(){var tb=t.tBodies[0],
rows=Array.prototype.slice.call(tb.rows),asc=th.dataset.asc!=='1';
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(o){delete o.dataset.asc});
th.dataset.asc=asc?'1':'0';rows.sort(function(a,b){var x=txt(a,i),y=txt(b,i),nx=num(x),ny=num(y);
if(x===''||y==='')return x===y?0:(x===''?1:-1);
var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c});
var f=document.createDocumentFragment();rows.forEach(function(r){f.appendChild(r)});
tb.appendChild(f)})})}
document.querySelectorAll('table.data').forEach(function(t){sortable(t);t._min=NaN;
var f=document.querySelector('input[data-for="'+t.id+'"]');
if(f)f.addEventListener('input',function(){t._q=f.value;apply(t)});
var m=document.querySelector('input[data-min-for="'+t.id+'"]');
if(m){t._minCol=Number(m.dataset.col);m.addEventListener('input',function(){
t._min=m.value===''?NaN:Number(m.value);apply(t)})}apply(t)});
window.addEventListener('beforeprint',function(){
document.querySelectorAll('details').forEach(function(d){d.open=true})});
})();
"""

GRAPH_JS = """
(function(){
var READABLE=0.8;
var data=JSON.parse(document.getElementById('graph-data').textContent);
function tip(t){var d=document.createElement('div');d.className='gr-tip';d.textContent=t;return d}
var text={};data.nodes.forEach(function(n){
text[n.id]=(String(n.id)+' '+String(n.label)+' '+String(n.name||'')).toLowerCase();
if(typeof n.title==='string')n.title=tip(n.title)});
data.edges.forEach(function(e){if(typeof e.title==='string')e.title=tip(e.title)});
var nodes=new vis.DataSet(data.nodes),edges=new vis.DataSet(data.edges);
var box=document.getElementById('graph'),status=document.getElementById('graph-status');
var net=new vis.Network(box,{nodes:nodes,edges:edges},{
physics:{solver:'forceAtlas2Based',forceAtlas2Based:{gravitationalConstant:-60,springLength:70,
avoidOverlap:0.2},stabilization:{enabled:true,iterations:400,updateInterval:50,fit:true},
minVelocity:1},
layout:{randomSeed:7,improvedLayout:true},
interaction:{hover:true,tooltipDelay:120,hideEdgesOnDrag:true,navigationButtons:false},
nodes:{font:{size:14},borderWidth:1},edges:{color:{color:'#bbb',highlight:'#222',hover:'#555'},
smooth:false}});
var gr=window.graphring={network:net,nodes:nodes,edges:edges,stabilized:false,highlighted:[],
find:find,clear:clear,fit:fit,labels:labels,toggleKind:toggleKind,until:until,hiddenKinds:{},
readable:READABLE,expand:expand,expanded:{}};
/* one hop outside the ring, carried in the page: a shop's identifiers shared with outside
shops, and those shops, placed around it */
function expand(id){var ctx=(data.context||{})[id];if(!ctx){status.textContent=
'Nothing outside the ring shares an identifier with '+id+'.';return 0}
if(gr.expanded[id])return 0;gr.expanded[id]=1;var p=net.getPositions([id])[id]||{x:0,y:0},
add=ctx.nodes.filter(function(n){return !nodes.get(n.id)}),k=add.length;
add.forEach(function(n,i){var a=2*Math.PI*i/Math.max(k,1),r=120+10*k;
var c=Object.assign({},n);c.x=p.x+r*Math.cos(a);c.y=p.y+r*Math.sin(a);
if(typeof c.title==='string')c.title=tip(c.title);nodes.add(c)});
edges.add(ctx.edges.filter(function(e){return !edges.get(e.id)}));
status.textContent='Added '+k+' nodes outside the ring around '+id+'.';return k}
/* opens at a readable scale: fitted when the whole ring fits at READABLE or more, else at
READABLE on the busiest node (the backbone); "fit" shows it all */
function opening(){net.fit({animation:false});if(net.getScale()>=READABLE)return;
var best=null,deg=-1;nodes.getIds().forEach(function(k){var d=net.getConnectedEdges(k).length;
if(d>deg){deg=d;best=k}});var p=net.getPositions([best])[best];
net.moveTo({position:p,scale:READABLE,animation:false})}
net.once('stabilizationIterationsDone',function(){net.setOptions({physics:false});opening();
gr.stabilized=true;box.dataset.ready='1';status.textContent=nodes.length+' nodes, '+
edges.length+' links. Hover for details, search to highlight a node and its neighbours.'});
function fit(){net.fit({animation:false})}
function labels(by){nodes.update(nodes.get().map(function(n){var l=n.idlabel;
if(by==='name'&&(n.kind==='shop'||n.kind==='associate')&&n.name)l=String(n.name);
return{id:n.id,label:l}}));gr.labelBy=by}
function shown(n){return !gr.hiddenKinds[n.kind]&&(!gr.cut||!n.t||n.t<=gr.cut)}
function refresh(){nodes.update(nodes.get().map(function(n){return{id:n.id,hidden:!shown(n)}}))}
function toggleKind(kind){gr.hiddenKinds[kind]=!gr.hiddenKinds[kind];refresh();
document.querySelectorAll('.legend [data-kind="'+kind+'"]').forEach(function(b){
b.setAttribute('aria-pressed',gr.hiddenKinds[kind]?'false':'true')});return !gr.hiddenKinds[kind]}
function until(day){gr.cut=day||null;refresh();
return nodes.get().filter(function(n){return !n.hidden}).length}
function clear(){var ids=nodes.getIds();nodes.update(ids.map(function(i){return{id:i,opacity:1}}));
net.unselectAll();gr.highlighted=[];fit()}
function find(q){q=String(q==null?'':q).trim().toLowerCase();if(!q){clear();return null}
var ids=nodes.getIds(),hit=null,i;
for(i=0;i<ids.length&&hit===null;i++){var n=nodes.get(ids[i]);
if(String(n.label).toLowerCase()===q||String(n.id).toLowerCase()===q)hit=ids[i]}
for(i=0;i<ids.length&&hit===null;i++){if((text[ids[i]]||'').indexOf(q)>=0)hit=ids[i]}
if(hit===null){clear();status.textContent='No node matches that search.';return null}
var sel=[hit].concat(net.getConnectedNodes(hit)),keep={};sel.forEach(function(k){keep[k]=1});
nodes.update(ids.map(function(k){return{id:k,opacity:keep[k]?1:0.15}}));
net.selectNodes(sel);net.focus(hit,{scale:1.1,animation:false});gr.highlighted=sel;
status.textContent='Found '+nodes.get(hit).label+' with '+(sel.length-1)+' neighbours.';
return hit}
var input=document.getElementById('node-search'),list=document.getElementById('node-names');
nodes.get().forEach(function(n){var o=document.createElement('option');o.value=String(n.label);
list.appendChild(o)});
input.addEventListener('keydown',function(e){if(e.key==='Enter'){e.preventDefault();find(input.value)}});
input.addEventListener('change',function(){find(input.value)});
document.getElementById('node-search-go').addEventListener('click',function(){find(input.value)});
document.getElementById('node-search-clear').addEventListener('click',function(){input.value='';
clear();status.textContent=''});
document.getElementById('graph-fit').addEventListener('click',fit);
document.getElementById('graph-expand').addEventListener('click',function(){
var s=net.getSelectedNodes().filter(function(i){return String(i).indexOf('m:')===0});
if(s.length)expand(s[0]);else status.textContent='Select a shop first (click it).'});
net.on('doubleClick',function(e){if(e.nodes.length&&String(e.nodes[0]).indexOf('m:')===0)
expand(e.nodes[0])});
document.getElementById('graph-labels').addEventListener('change',function(e){labels(e.target.value)});
document.querySelectorAll('.legend button[data-kind]').forEach(function(b){
b.addEventListener('click',function(){toggleKind(b.dataset.kind)})});
var days=nodes.get().map(function(n){return n.t}).filter(Boolean).sort(),
slider=document.getElementById('graph-until'),shownDay=document.getElementById('graph-until-day');
if(days.length){var months=[];days.forEach(function(d){var m=d.slice(0,7);
if(months[months.length-1]!==m)months.push(m)});slider.max=months.length-1;
slider.value=months.length-1;shownDay.textContent='all';
slider.addEventListener('input',function(){var i=Number(slider.value),last=i>=months.length-1;
var n=until(last?null:months[i]+'-31');shownDay.textContent=last?'all':'to '+months[i]+
' ('+n+' nodes)'})}else{slider.disabled=true;shownDay.textContent='no dates'}
})();
"""


@cache
def script_hash(source: str) -> str:
    """The CSP source expression that allows exactly this inline script."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def vis_assets() -> tuple[str, str]:
    """vis-network's script and style, as shipped inside the pyvis package (found without
    importing it: pyvis itself is not used, and importing it costs about half a second)."""
    spec = util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pyvis is not installed", name="pyvis")
    base = Path(next(iter(spec.submodule_search_locations))) / "lib" / "vis-9.1.2"
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    css = (base / "vis-network.css").read_text(encoding="utf-8")
    # A </script> or </style> inside the library text would end the inline element early.
    if "</script" in js.lower() or "</style" in css.lower():
        raise ValueError("vis-network assets cannot be inlined safely")
    return js, css


#: Longer text is shortened on pages (a 50 MB field would make a page of hundreds of MB);
#: the CSV files keep the whole value.
PAGE_TEXT_MAX = 2_000


def shorten(text: str, limit: int = PAGE_TEXT_MAX) -> str:
    """``text``, or its first ``limit`` characters and a note of how much the CSVs hold.

    >>> shorten("x" * 5000, 10)
    'xxxxxxxxxx… (5,000 characters in all: see the CSV files)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters in all: see the CSV files)"


def _shortened(data: Any) -> Any:
    # exact types first, and the strings and numbers in a dict or list handled in place:
    # the graph data holds hundreds of thousands of them
    kind = type(data)
    if kind is dict:
        out: dict[Any, Any] = {}
        for k, v in data.items():
            t = type(v)
            if t is str:
                out[k] = v if len(v) <= PAGE_TEXT_MAX else shorten(v)
            elif t is int or t is float or t is bool or v is None:
                out[k] = v
            else:
                out[k] = _shortened(v)
        return out
    if kind is list:
        items: list[Any] = []
        for v in data:
            t = type(v)
            if t is str:
                items.append(v if len(v) <= PAGE_TEXT_MAX else shorten(v))
            elif t is int or t is float or t is bool or v is None:
                items.append(v)
            else:
                items.append(_shortened(v))
        return items
    if isinstance(data, str):
        return shorten(data)
    if isinstance(data, dict):
        return {k: _shortened(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_shortened(v) for v in data]
    return data


def _may_hold_long_text(text: str) -> bool:
    """False when no string in the JSON ``text`` is longer than :data:`PAGE_TEXT_MAX`.

    A longer string is written as more characters (so more UTF-8 bytes) between its two
    quotes; without an escaped quote (``\\"``) every quote in the text starts or ends a
    string, so no two quotes that far apart means no long string."""
    if '\\"' in text:
        return True
    quotes = np.flatnonzero(np.frombuffer(text.encode("utf-8"), dtype=np.uint8) == ord('"'))
    return quotes.size > 1 and int(np.diff(quotes).max()) > PAGE_TEXT_MAX + 1


def esc(value: Any) -> str:
    """Any value as HTML text (attribute-safe too, long text shortened); missing values
    become empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(shorten(str(value)), quote=True)


def fmt(value: Any) -> str:
    """A cell value as display text: whole floats without ``.0``, missing as empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:g}"
    if isinstance(value, pd.Timestamp):
        with_time = value.hour or value.minute
        return value.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    return str(value)


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no "</script>" or "<!--" can change its end.
    Long strings are shortened (:func:`shorten`)."""
    # most pages hold no long string: their JSON is found to be without one, not walked
    text = json.dumps(data, ensure_ascii=False, default=str, allow_nan=False)
    if _may_hold_long_text(text):
        text = json.dumps(_shortened(data), ensure_ascii=False, default=str, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def table(
    frame: pd.DataFrame,
    table_id: str,
    columns: list[str] | None = None,
    links: dict[str, str] | None = None,
    filter_box: bool = True,
    min_filter: str | None = None,
    empty: str = "none",
    multi_links: dict[str, str] | None = None,
) -> str:
    """A sortable, filterable table. ``links`` maps a column to an href pattern ({});
    ``multi_links`` likewise for columns holding ``;``-separated values, each linked.

    ``min_filter`` names a numeric column that gets a "at least" box.
    """
    columns = columns or list(frame.columns)
    if frame.empty:
        return f'<p class="muted">{esc(empty)}</p>'
    head, tail = _table_frame(frame, table_id, columns, filter_box, min_filter)
    return head + "".join(_rows(frame, columns, links, multi_links)) + tail


def tables_by(
    frame: pd.DataFrame,
    by: Any,
    table_id: str,
    columns: list[str] | None = None,
    filter_box: bool = True,
    min_filter: str | None = None,
) -> dict[Any, str]:
    """:func:`table` of each cut of ``frame`` by the values of ``by`` (one per row; rows
    in the frame's order), the cells of every cut formatted in one pass. Values with no
    rows have no entry (their table is :func:`table`'s ``empty`` text)."""
    columns = columns or list(frame.columns)
    codes, keys = pd.factorize(pd.Series(by, dtype=object), sort=False)
    if frame.empty:
        return {}
    head, tail = _table_frame(frame, table_id, columns, filter_box, min_filter)
    rows = np.array(_rows(frame, columns), dtype=object)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    return {
        k: head + "".join(rows[order[starts[i] : starts[i + 1]]]) + tail for i, k in enumerate(keys)
    }


def _table_frame(
    frame: pd.DataFrame,
    table_id: str,
    columns: list[str],
    filter_box: bool,
    min_filter: str | None,
) -> tuple[str, str]:
    """What a table's rows go between: its controls and header, and its end."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
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
        f'<table class="data" id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>',
        "</tbody></table>",
    )


def _rows(
    frame: pd.DataFrame,
    columns: list[str],
    links: dict[str, str] | None = None,
    multi_links: dict[str, str] | None = None,
) -> list[str]:
    """Each row of ``frame[columns]`` as ``<tr>``, formatted a column at a time."""
    cells = []
    for col in columns:
        values = frame[col]
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype
        )
        if links and col in links:
            cells.append(
                [
                    f'<td><a href="{esc(links[col].format(fmt(v)))}">{esc(fmt(v))}</a></td>'
                    for v in values.to_numpy(dtype=object)
                ]
            )
        elif multi_links and col in multi_links:
            pattern = multi_links[col]
            cells.append([_multi_link(v, pattern, numeric) for v in values.to_numpy(dtype=object)])
        elif numeric:
            cells.append([f'<td class="num">{t}</td>' for t in _texts(values)])
        else:
            cells.append([f"<td>{t}</td>" for t in _texts(values)])
    return ["<tr>" + "".join(row) + "</tr>" for row in zip(*cells, strict=True)]


def _multi_link(value: Any, pattern: str, numeric: bool) -> str:
    text = fmt(value)
    if not text:
        return '<td class="num"></td>' if numeric else "<td></td>"
    parts = [f'<a href="{esc(pattern.format(v))}">{esc(v)}</a>' for v in text.split(";")]
    return f"<td>{' '.join(parts)}</td>"


def _texts(values: pd.Series) -> list[str]:
    """``esc(fmt(value))`` of every value; numbers and flags of numpy columns (no HTML
    special character or long text in them) without the per-value checks."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return [str(v) for v in values.to_numpy().tolist()]
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [_float_text(v) for v in values.to_numpy().tolist()]
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        # each distinct time formatted once (shops open on a few thousand days)
        codes, uniques = pd.factorize(values.to_numpy())
        times = [esc(fmt(t)) for t in pd.DatetimeIndex(uniques)] + [""]
        return [times[c] for c in codes.tolist()]
    objects = values.to_numpy(dtype=object)
    texts = _string_texts(objects.tolist())
    return texts if texts is not None else [esc(fmt(v)) for v in objects]


#: Joins texts to escape them at once: a character no text of a page holds (checked).
_JOIN = "\x00"


def _string_texts(values: list[Any]) -> list[str] | None:
    """``esc(fmt(value))`` of every value when all are text or missing (None, NaN, NA,
    NaT); else None. The texts are escaped in one pass over them joined: html.escape
    replaces character by character, so each text's part comes out as its own escape."""
    texts = values
    missing = [i for i, v in enumerate(values) if type(v) is not str]
    if missing:
        if not all(_is_missing(values[i]) for i in missing):
            return None
        texts = list(values)
        for i in missing:
            texts[i] = ""
    if not texts:
        return []
    if max(map(len, texts)) > PAGE_TEXT_MAX:
        texts = [shorten(t) for t in texts]
    joined = _JOIN.join(texts)
    if joined.count(_JOIN) != len(texts) - 1:
        return None
    return html.escape(joined, quote=True).split(_JOIN)


def escaped(values: list[Any]) -> list[str]:
    """:func:`esc` of every value, text escaped at once (:func:`_string_texts`; but esc
    shows NaT as its name)."""
    if any(v is pd.NaT for v in values if type(v) is not str):
        return [esc(v) for v in values]
    texts = _string_texts(values)
    return texts if texts is not None else [esc(v) for v in values]


def _is_missing(value: Any) -> bool:
    """Whether :func:`fmt` shows ``value`` as empty for being missing."""
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (type(value) is float and math.isnan(value))
    )


def _float_text(value: float) -> str:
    """:func:`fmt` of a float."""
    if value != value:  # NaN
        return ""
    return f"{value:.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def kv(pairs: list[tuple[str, Any]]) -> str:
    """A definition list of label/value pairs, values escaped."""
    return (
        '<dl class="kv">'
        + "".join(f"<dt>{esc(k)}</dt><dd>{esc(fmt(v))}</dd>" for k, v in pairs)
        + "</dl>"
    )


def document(
    title: str,
    style: str,
    body: str,
    scripts: list[str],
    data: Any | None = None,
    head: str = "",
) -> str:
    """A whole, self-contained HTML document: ``style`` and ``head`` in its head, ``body``,
    then ``data`` (JSON in a ``graph-data`` element) and the inline ``scripts``. Its
    Content-Security-Policy allows exactly these scripts (by hash) and no request at all.
    Packet pages, the run overview and the notebook's graphs are all built here."""
    return "".join(document_chunks(title, style, body, scripts, data, head))


def document_chunks(
    title: str,
    style: str,
    body: str,
    scripts: list[str],
    data: Any | None = None,
    head: str | list[str] = "",
) -> list[str]:
    """:func:`document` in pieces (the style and scripts as given, not copied), so a
    writer can encode the pieces that are the same on every page once
    (:func:`utf8_chunks`)."""
    csp = CSP.format(scripts=" ".join(script_hash(s) for s in scripts))
    chunks = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>",
        style,
        "</style>",
        *([head] if isinstance(head, str) else head),
        "</head><body>",
        body,
    ]
    if data is not None:
        chunks.append(
            f'<script id="graph-data" type="application/json">{script_json(data)}</script>'
        )
    for script in scripts:
        chunks += ["<script>", script, "</script>"]
    chunks.append("</body></html>")
    return chunks


def page(
    title: str,
    subtitle: str,
    body: str,
    graph: dict[str, Any] | None = None,
    back: str | None = None,
) -> str:
    """A packet or overview page; with ``graph`` (vis_data's dict) it carries vis-network."""
    return "".join(page_chunks(title, subtitle, body, graph, back))


def page_chunks(
    title: str,
    subtitle: str,
    body: str,
    graph: dict[str, Any] | None = None,
    back: str | None = None,
) -> list[str]:
    """:func:`page` in pieces (:func:`document_chunks`)."""
    head: list[str] = []
    scripts = [TABLE_JS]
    if graph is not None:
        js, css = vis_assets()
        head = ["<style>", css, "</style>"]
        scripts = [js, GRAPH_JS, TABLE_JS]
    link = f' · <a href="{esc(back)}">run overview</a>' if back else ""
    return document_chunks(
        title,
        STYLE,
        f'<header><h1>{esc(title)}</h1><div class="sub">{esc(subtitle)}{link}</div></header>'
        f"<main>{body}</main>",
        scripts,
        data=graph,
        head=head,
    )


@cache
def asset_bytes() -> dict[int, tuple[str, bytes]]:
    """The pieces every page shares (vis-network, the page style and scripts), encoded
    (once per process: a writer calls it before forking)."""
    js, css = vis_assets()
    return {id(s): (s, s.encode("utf-8")) for s in (js, css, STYLE, GRAPH_JS, TABLE_JS)}


def utf8_chunks(chunks: list[str]) -> list[bytes]:
    """``chunks`` as UTF-8; the pieces every page shares are encoded once."""
    known = asset_bytes()
    out = []
    for chunk in chunks:
        hit = known.get(id(chunk))
        out.append(hit[1] if hit is not None and hit[0] is chunk else chunk.encode("utf-8"))
    return out


def legend(entries: list[dict[str, Any]]) -> str:
    """The graph legend: one coloured mark per kind drawn, with its count; each is a button
    that hides or shows that kind in the graph."""
    return (
        '<div class="legend" title="click a kind to hide or show it">'
        + "".join(
            f'<button type="button" data-kind="{esc(e["kind"])}" aria-pressed="true">'
            f'<i class="{"dot" if e["kind"] in ("shop", "associate") else "sq"}" '
            f'style="background:{esc(e["colour"])}"></i>{esc(e["label"])} '
            f'<span class="muted">({int(e["count"])})</span></button>'
            for e in entries
        )
        + "</div>"
    )


def bars(counts: pd.DataFrame, labels: tuple[str, ...], period: str = "month") -> str:
    """Counts per period, each column with its bar (a timeline as a table); ``labels`` name
    the first ``len(labels)`` columns."""
    if counts.empty:
        return '<p class="muted">no dates in the data</p>'
    cols = list(counts.columns[: len(labels)])
    tops = [max(int(counts[c].max()), 1) for c in cols]
    head = "".join(f"<th>{esc(label)}</th><th></th>" for label in labels)
    values = counts[cols].to_numpy(dtype="int64").tolist()
    rows = "".join(
        f"<tr><td>{esc(p)}</td>"
        + "".join(
            f'<td class="num">{v}</td><td><span class="bar {"ab"[i % 2]}" '
            f'style="width:{int(200 * v / tops[i])}px"></span></td>'
            for i, v in enumerate(row)
        )
        + "</tr>"
        for p, row in zip(counts.index, values, strict=True)
    )
    return (
        f'<table class="timeline"><thead><tr><th>{esc(period)}</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
