"""Draw a chart: pyvis builds the vis-network nodes, edges and options; Mosaic's own page
carries them with the classification banner, the note of what was left out, a legend and
(for exports) the evidence table.

No CDN at run time: the vis-network script comes from the pyvis package itself, either
served by Mosaic (`/static/vis-network.min.js`) or inlined (a self-contained file for the
CLI and exports). pyvis's own page template is not used because it loads Bootstrap and
vis-network from CDNs. Physics runs until the layout is stable and is then switched off,
so a chart at its cap stays usable; `window.mosaicChart` records when that happened
(browser tests and the chart benchmark read it).

Nothing on the page is an inline script or style the browser has to trust: a served page
takes its scripts and styles from `/static` (`SERVED_POLICY`), and a standalone file
inlines them and allows exactly those by hash, in a `<meta>` Content-Security-Policy that
travels with the file (`inline_policy`). The chart's data is a JSON block, never run.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import pyvis
from jinja2 import Environment
from markupsafe import Markup
from pyvis.network import Network

from graph.charts.model import Chart

VIS_DIR = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
ASSETS = {
    "vis-network.min.js": VIS_DIR / "vis-network.min.js",
    "vis-network.css": VIS_DIR / "vis-network.css",
    "chart.js": Path(__file__).parent / "assets" / "chart.js",
    "chart.css": Path(__file__).parent / "assets" / "chart.css",
}
"""Static files a served chart needs, by the name it asks for them under."""
SCRIPTS = ("vis-network.min.js", "chart.js")
STYLES = ("vis-network.css", "chart.css")

SERVED_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)
"""What a served chart page needs (its scripts and styles from Mosaic, vis-network's
images as data: URLs), and nothing else: no inline script, no eval, no connections."""

GROUPS: dict[str, dict[str, Any]] = {
    "person": {"shape": "dot", "color": "#5b8def"},
    "nominal_RSO": {"shape": "diamond", "color": "#c0392b"},
    "nominal_VIOLENT_OFFENDER": {"shape": "diamond", "color": "#d35400"},
    "nominal_TERRORIST_RISK": {"shape": "diamond", "color": "#7d3c98"},
    "nominal_OTHER_DANGEROUS": {"shape": "diamond", "color": "#a04000"},
    "nominal_PDP": {"shape": "diamond", "color": "#b9770e"},
    "nominal_NONE": {"shape": "diamond", "color": "#7f8c8d"},
    "child": {"shape": "star", "color": "#f1c40f"},
    "vulnerable": {"shape": "star", "color": "#e67e22"},
    "report": {"shape": "square", "color": "#95a5a6", "size": 10},
    "location": {"shape": "triangle", "color": "#27ae60"},
    "child_place": {"shape": "triangle", "color": "#f1c40f"},
    "hub": {"shape": "triangleDown", "color": "#7f8c8d"},
    "source": {"shape": "hexagon", "color": "#2c3e50"},
    "object_vehicle": {"shape": "box", "color": "#16a085"},
    "object_phone": {"shape": "box", "color": "#2980b9"},
    "object_email": {"shape": "box", "color": "#8e44ad"},
    "object_online_account": {"shape": "box", "color": "#9b59b6"},
    "object_organisation": {"shape": "box", "color": "#34495e"},
    "event": {"shape": "ellipse", "color": "#f5b7b1"},
    "tasking": {"shape": "ellipse", "color": "#aed6f1"},
}
LEGEND = {
    "person": "person",
    "nominal_RSO": "ViSOR nominal (colour by type)",
    "child": "child",
    "vulnerable": "vulnerable adult",
    "report": "report",
    "location": "location",
    "child_place": "school, nursery, playground, youth club",
    "hub": "hub location",
    "object_vehicle": "object (colour by type)",
    "source": "source",
}
OPTIONS: dict[str, Any] = {
    "groups": GROUPS,
    "nodes": {"size": 16, "font": {"size": 12}},
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
        "font": {"size": 9, "align": "middle"},
        "smooth": False,
        "color": {"color": "#566573"},
    },
    "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": True},
    "physics": {
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90},
        "stabilization": {"enabled": True, "iterations": 120, "updateInterval": 50, "fit": True},
    },
}
FADED = "#d5d8dc"


def layout(chart: Chart) -> dict[str, tuple[float, float]]:
    """Starting positions computed once on the server (networkx spring layout, fixed seed):
    the same chart always opens the same way, and the browser only relaxes it."""
    g = nx.Graph()
    g.add_nodes_from(n.id for n in chart.nodes)
    g.add_edges_from((e.src, e.dst) for e in chart.edges)
    if len(g) < 2:
        return {n: (0.0, 0.0) for n in g}
    scale = 40.0 * len(g) ** 0.5
    pos = nx.spring_layout(g, seed=7, iterations=50, scale=scale)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def to_pyvis(chart: Chart) -> Network:
    """The chart as a pyvis network (notebooks can draw it inline with `.show`)."""
    net = Network(height="720px", width="100%", directed=True, cdn_resources="in_line")
    at = layout(chart)
    for n in chart.nodes:
        x, y = at[n.id]
        net.add_node(
            n.id,
            label=n.label,
            title=n.title,
            group=n.group,
            shape=GROUPS.get(n.group, {}).get("shape", "dot"),
            borderWidth=4 if "subject" in n.flags else 1,
            x=round(x, 1),
            y=round(y, 1),
        )
    for e in chart.edges:
        label = e.label + (f" {e.grade}" if e.grade else "") + (" [C]" if e.handling_code else "")
        style: dict[str, Any] = {"dashes": e.low_grade or e.suspected_false}
        if e.suspected_false:
            style["color"] = {"color": FADED}
        net.add_edge(e.src, e.dst, id=e.id, label=label, title=e.title, **style)
    net.set_options(json.dumps(OPTIONS))
    return net


def vis_data(chart: Chart) -> dict[str, Any]:
    nodes, edges, _, _, _, options = to_pyvis(chart).get_network_data()
    return {"nodes": nodes, "edges": edges, "options": json.loads(options)}


def render_html(
    chart: Chart,
    *,
    assets: Literal["inline", "served"] = "inline",
    asset_base: str = "/static",
    evidence: bool = False,
    title: str | None = None,
) -> str:
    """The chart page. `inline` puts every script in the file (works offline, from disk);
    `served` refers to Mosaic's `/static` files. `evidence` adds the evidence table."""
    page: str = _template().render(
        chart=chart,
        title=title or f"Link chart: {chart.subject}",
        inline=assets == "inline",
        asset_base=asset_base,
        scripts={k: Markup(_asset(k)) for k in ASSETS} if assets == "inline" else {},
        policy=inline_policy() if assets == "inline" else "",
        data=_script_json(vis_data(chart) | {"chart": {"subject": chart.subject}}),
        legend_items=[(GROUPS[g], text) for g, text in LEGEND.items()],
        evidence=evidence,
        labels={n.id: n.label for n in chart.nodes},
    )
    return page


def _script_json(value: object) -> Markup:
    """JSON safe inside a <script> element: no "</script>" or "<!--" can close it."""
    text = json.dumps(value, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@cache
def inline_policy() -> str:
    """The Content-Security-Policy of a standalone chart: its own inline scripts and
    styles, each allowed by its SHA-256, and nothing else (opened from disk, no header
    reaches the file, so it carries this in a `<meta>`)."""
    scripts = " ".join(_hash(_asset(k)) for k in SCRIPTS)
    styles = " ".join(_hash(_asset(k)) for k in STYLES)
    return (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def _hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


@cache
def _asset(name: str) -> str:
    """An asset as it is inlined: text mode reads CR LF as LF, as the HTML parser would
    (so the hash in the policy is the hash the browser computes), and nothing in it can
    end its element early."""
    text = ASSETS[name].read_text(encoding="utf-8")
    return text.replace("</script", "<\\/script").replace("</style", "<\\/style")


@cache
def _template() -> Any:
    env = Environment(autoescape=True)
    return env.from_string((Path(__file__).parent / "assets" / "chart.html").read_text())
