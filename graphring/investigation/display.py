"""How the notebook shows a graph: a whole self-contained page (built by the packets' page
builder, :func:`graphring.packets.pages.document`, vis-network inlined) inside an
``<iframe srcdoc>``, which JupyterLab, classic Notebook, VS Code and Colab all show offline."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

import networkx as nx
import pandas as pd

from graphring.packets import pages

_GRAPH_JS = """
(function(){var data=JSON.parse(document.getElementById('graph-data').textContent);
function tip(x){if(typeof x.title==='string'){var d=document.createElement('div');
d.style.whiteSpace='pre-line';d.textContent=x.title;x.title=d}}
data.nodes.forEach(tip);data.edges.forEach(tip);
var nodes=new vis.DataSet(data.nodes),edges=new vis.DataSet(data.edges);
var box=document.getElementById('graph');
var net=new vis.Network(box,{nodes:nodes,edges:edges},{physics:{solver:'forceAtlas2Based',
stabilization:{iterations:300,fit:true}},interaction:{hover:true,tooltipDelay:120},
nodes:{font:{size:11}},edges:{color:'#bbb'}});
window.graphring={network:net,nodes:nodes,edges:edges,stabilized:false};
net.once('stabilizationIterationsDone',function(){net.setOptions({physics:false});net.fit();
window.graphring.stabilized=true;box.dataset.ready='1'});
var find=document.getElementById('find');find.addEventListener('change',function(){
var q=find.value.toLowerCase();var hit=nodes.get().find(function(n){return String(n.label)
.toLowerCase().indexOf(q)>=0||String(n.id).toLowerCase().indexOf(q)>=0});if(!hit)return;
net.selectNodes([hit.id].concat(net.getConnectedNodes(hit.id)));
net.focus(hit.id,{scale:1.2,animation:false})})})();
"""

_PAGE_STYLE = """
html,body{height:100%}body{margin:0;display:flex;flex-direction:column;color:#222;
font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#fff}
.bar{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center;padding:4px 8px;
font-size:12px;border-bottom:1px solid #eee}.bar b{font-size:13px}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.key i.dot{border-radius:5px}#find{font-size:12px;padding:2px 4px;width:200px;
margin-left:auto}#graph{flex:1;min-height:0;position:relative}
div.vis-tooltip{max-width:440px;white-space:normal;font-family:inherit;font-size:12px}
"""


@cache
def _tooltip_css() -> str:
    """Only the tooltip rules of vis-network's stylesheet (the rest styles buttons and
    pickers the graphs do not use, 200 KB of inlined images)."""
    _, css = pages.vis_assets()
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    return "".join(f"{sel.strip()}{{{body}}}" for sel, body in rules if "vis-tooltip" in sel)


def graph_document(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    title: str,
    legend: list[tuple[str, str, int, bool]],
    note: str = "",
) -> str:
    """A whole HTML page showing one graph with vis-network, everything inlined: no
    request leaves the page (its Content-Security-Policy forbids them too).

    ``legend``: (label, colour, count, round) per kind shown.
    """
    js, _ = pages.vis_assets()
    key = "".join(
        f'<span class="key"><i class="{"dot" if dot else ""}" style="background:{colour}">'
        f"</i>{html.escape(label)} ({count})</span>"
        for label, colour, count, dot in legend
    )
    note_html = f'<span class="note">{html.escape(note)}</span>' if note else ""
    return pages.document(
        title,
        _tooltip_css() + _PAGE_STYLE,
        f'<div class="bar"><b>{html.escape(title)}</b>{key}{note_html}'
        '<input id="find" placeholder="find a node, Enter"></div><div id="graph"></div>',
        # only these two scripts may run: the policy names them by hash
        [js, _GRAPH_JS],
        data={"nodes": nodes, "edges": edges},
    )


def graph_html(document: str, height: int = 640, label: str = "graph", nodes: int = 0) -> str:
    """``document`` as an ``<iframe srcdoc>``: the one form of inline HTML with scripts
    that JupyterLab, Notebook, VS Code, Colab and nbconvert's HTML all show. Scripts run in
    a sandbox, apart from the notebook's page."""
    return (
        f'<div class="graphring-graph"><iframe srcdoc="{html.escape(document, quote=True)}" '
        'sandbox="allow-scripts" '
        f'title="{html.escape(label, quote=True)}" data-graphring-nodes="{nodes}" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
        'frameborder="0"></iframe></div>'
    )


def show(markup: str, text: str) -> None:
    """Display HTML in the notebook, with a line of text where HTML cannot show."""
    from IPython.display import display

    display({"text/html": markup, "text/plain": text}, raw=True)


def legend_entries(
    g: nx.Graph, colours: dict[str, str], labels: dict[str, str], round_kinds: Iterable[str]
) -> list[tuple[str, str, int, bool]]:
    """The legend of a graph: (label, colour, count, round) for each kind of node in
    ``colours`` that ``g`` holds; kinds in ``round_kinds`` are drawn as dots."""
    counts = pd.Series([k for _, k in g.nodes(data="kind")], dtype=object).value_counts()
    dots = set(round_kinds)
    return [
        (labels.get(k, k), c, int(counts[k]), k in dots) for k, c in colours.items() if k in counts
    ]
