"""Exports of a chart: a self-contained HTML file (chart, evidence table, banners) and
GraphML for other link-analysis tools, each carrying the classification and the handling
conditions of everything in it. Who an export is for is the caller's business to record:
an export for someone else is a disclosure (`graph.audit.Operation.DISCLOSURE`).
"""

from __future__ import annotations

import io
import re
from typing import Literal

import networkx as nx

from graph.charts.model import Chart
from graph.charts.render import render_html

ExportFormat = Literal["html", "graphml"]
MEDIA_TYPES: dict[str, str] = {"html": "text/html", "graphml": "application/graphml+xml"}


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold at all (control characters pasted into a name, say)."""


def _xml(text: str) -> str:
    """Text XML can hold: each character it cannot is shown as U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def export_chart(chart: Chart, fmt: ExportFormat, title: str | None = None) -> str:
    if fmt == "html":
        return render_html(chart, assets="inline", evidence=True, title=title)
    return to_graphml(chart)


def to_graphml(chart: Chart) -> str:
    """GraphML with the banner and conditions as graph attributes, and on every node and
    edge the conditions of its own record or support, so they survive a tool that drops
    graph attributes or imports items one by one."""
    g = nx.MultiDiGraph()
    g.graph.update(
        classification=chart.classification,
        handling_conditions=_xml(" | ".join(chart.handling_conditions)),
        subject=_xml(chart.subject),
        note=_xml(chart.note),
    )
    for n in chart.nodes:
        g.add_node(
            _xml(n.id),
            kind=n.kind,
            label=_xml(n.label),
            subtype=_xml(n.subtype or ""),
            flags=_xml(",".join(n.flags)),
            depth=n.depth,
            classification=chart.classification,
            handling_code=n.handling_code or "",
            handling_conditions=_xml(" | ".join(n.conditions)),
        )
    for e in chart.edges:
        g.add_edge(
            _xml(e.src),
            _xml(e.dst),
            key=_xml(e.id),
            kind=e.kind,
            label=_xml(e.label),
            grade=e.grade or "",
            handling_code=e.handling_code or "",
            handling_conditions=_xml(" | ".join(e.conditions)),
            suspected_false=e.suspected_false,
            reports=_xml(",".join(e.reports)),
        )
    out = io.BytesIO()
    nx.write_graphml(g, out, encoding="utf-8")
    body = out.getvalue().decode("utf-8")
    banner = f"<!-- {chart.classification} -->"
    head, sep, rest = body.partition("?>")
    return f"{head}{sep}\n{banner}{rest}\n{banner}\n" if sep else f"{banner}\n{body}\n{banner}\n"
