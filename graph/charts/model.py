"""What a link chart holds: nodes, edges, what was left out, and its markings.

The JSON form (`GET /charts/persons/{id}.json`) and the HTML form carry the same nodes
and edges; the HTML only adds drawing. Everything here is already the caller's view.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

DEFAULT_NODE_CAP = 300
MAX_NODE_CAP = 1000
MAX_CHART_DEPTH = 4


class ChartNode(BaseModel):
    id: str
    kind: str = Field(description="Person, Report, Location, Object or Source.")
    label: str
    subtype: str | None = Field(
        description="ViSOR nominal type, location type, object type or source type."
    )
    flags: list[str] = Field(description="child, vulnerable, juvenile, hub, subject, ...")
    depth: int = Field(description="Hops from the chart's subject.")
    more: int = Field(
        description="Links of this node the chart does not draw (cap, fan-out or depth): "
        "expand it to see them."
    )
    handling_code: str | None = Field(
        default=None, description="C: the record's own conditions apply (see `conditions`)."
    )
    conditions: list[str] = Field(
        default_factory=list, description="The record's own handling conditions."
    )
    title: str = Field(description="Hover text.")
    group: str = Field(description="Style group (kind and most telling flag).")


class ChartEdge(BaseModel):
    id: str
    kind: str
    src: str
    dst: str
    label: str = Field(description="The link type (association type where there is one).")
    grade: str | None = Field(description="Best grading of the support, e.g. 2B or B2.")
    handling_code: str | None = Field(description="C: conditions apply (see `conditions`).")
    conditions: list[str] = Field(description="Handling conditions of the support.")
    low_grade: bool = Field(description="No support better than source 3 or assessment D/E.")
    suspected_false: bool = Field(description="Supported only by E-graded material.")
    reports: list[str] = Field(description="Supporting report ids.")
    title: str = Field(description="Hover text: the evidence.")


class Chart(BaseModel):
    subject: str
    depth: int
    cap: int
    nodes: list[ChartNode]
    edges: list[ChartEdge]
    left_out: int = Field(description="Nodes reached within depth but over the cap.")
    high_fanout: dict[str, int] = Field(
        description="Nodes with more links than the fan-out cap (id: degree), not expanded."
    )
    classification: str = Field(description="The banner: the highest marking in the chart.")
    handling_conditions: list[str] = Field(
        description="Every handling condition of anything in the chart."
    )
    note: str = Field(description="What was left out and how to see it, in words.")
