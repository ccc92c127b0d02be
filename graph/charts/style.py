"""How chart nodes and edges read: labels, hover text, style groups and grade marks.

Groups name the look (`render.GROUPS` maps them to shape and colour): a person by their
most telling flag (child, vulnerable, ViSOR nominal type), a location by whether it is a
place children gather or a hub, an object and a source by type. Hover text is plain text
(never HTML), so nothing in a record can inject markup into a chart.
"""

from __future__ import annotations

from datetime import date

from graph.analysis.associates import HUB_LOCATION_TYPES, is_child
from graph.charts.model import ChartEdge, ChartNode
from graph.edges import Edge, handling_conditions
from graph.markings import Grading, Grading3x5x2, Marking
from graph.nodes import (
    Event,
    LocationType,
    Node,
    ObjectEntity,
    Person,
    Report,
    Source,
    Tasking,
)

CHILD_PLACES = frozenset(
    {LocationType.SCHOOL, LocationType.NURSERY, LocationType.PLAYGROUND, LocationType.YOUTH_CLUB}
)


def describe_node(node: Node, depth: int, more: int, subject: bool, today: date) -> ChartNode:
    flags: list[str] = ["subject"] if subject else []
    subtype: str | None = None
    lines: list[str] = []
    match node:
        case Person():
            label = node.primary_name.full
            if node.visor:
                subtype = str(node.visor.nominal_type)
                lines.append(f"ViSOR {node.visor.nominal_type}, ref {node.visor.ref}")
            if is_child(node, today):
                flags.append("child")
            if node.vulnerable:
                flags.append("vulnerable")
            if node.dob:
                lines.append(f"born {node.dob.isoformat()}")
            group = (
                "child"
                if "child" in flags
                else "vulnerable"
                if node.vulnerable
                else f"nominal_{subtype}"
                if subtype
                else "person"
            )
        case Report():
            label = f"{node.id} {node.received_at.date().isoformat()}"
            subtype = _grade(node.grading)
            lines.append(f"graded {subtype}")
            group = "report"
        case Source():
            label = f"source {node.id}"
            subtype = str(node.source_type)
            flags += [
                f for f, on in (("juvenile", node.juvenile), ("vulnerable", node.vulnerable)) if on
            ]
            group = "source"
        case ObjectEntity():
            subtype = str(node.object_type)
            label = f"{subtype}: {node.value}"
            group = f"object_{subtype}"
        case Tasking():
            subtype = str(node.level)
            label = f"tasking: {node.title}"
            lines.append(f"{node.requirement} requirement, {node.state}, owner {node.owner}")
            group = "tasking"
        case Event():
            subtype = str(node.event_type)
            label = f"{subtype.replace('_', ' ')} {node.occurred_on.isoformat()}"
            group = "event"
        case _:
            subtype = str(node.location_type)
            label = node.address + (f", {node.postcode}" if node.postcode else "")
            if node.location_type in HUB_LOCATION_TYPES:
                flags.append("hub")
            group = (
                "child_place"
                if node.location_type in CHILD_PLACES
                else ("hub" if "hub" in flags else "location")
            )
    code_c, conditions = _own_conditions(node)
    if code_c:
        lines.append("handling code C: " + "; ".join(conditions))
    head = f"{node.kind} {node.id}" + (f" ({subtype})" if subtype else "")
    tail = [f"{more} links not drawn: expand to see them"] if more else []
    title = "\n".join([head, label, *lines, *([", ".join(flags)] if flags else []), *tail])
    return ChartNode(
        id=node.id,
        kind=str(node.kind),
        label=label,
        subtype=subtype,
        flags=flags,
        depth=depth,
        more=more,
        handling_code="C" if code_c else None,
        conditions=conditions,
        title=title,
        group=group,
    )


def _own_conditions(node: Node) -> tuple[bool, list[str]]:
    """Whether the record itself is handling code C, and its conditions (its marking's,
    and a report's grading's): they travel with the node, not only with its links."""
    marks: list[Marking | Grading] = [node.marking]
    if isinstance(node, Report):
        marks.append(node.grading)
    code_c = any(m.handling_code == "C" for m in marks)
    return code_c, sorted({m.handling_conditions for m in marks if m.handling_conditions})


def describe_edge(edge: Edge) -> ChartEdge:
    supports = edge.provenance.supports
    grades = [s.grading for s in supports if s.grading is not None]
    best = min((_grade(g) for g in grades), default=None, key=_grade_rank)
    conditions = handling_conditions([edge])
    code_c = any(g.handling_code == "C" for g in grades) or edge.marking.handling_code == "C"
    suspected = bool(grades) and all(g.suspected_false for g in grades)
    label = str(edge.association_type or edge.kind).replace("_", " ").lower()
    reports = sorted({s.report_id for s in supports if s.report_id})
    evidence = [
        f"- {s.report_id or s.source_system}: "
        + (_grade(s.grading) if s.grading else "structured record")
        + (
            f" ({s.grading.handling_conditions})"
            if s.grading and s.grading.handling_conditions
            else ""
        )
        for s in supports
    ]
    seen = edge.provenance
    when = (
        f"seen {seen.first_seen} to {seen.last_seen}" if seen.first_seen and seen.last_seen else ""
    )
    title = "\n".join(
        x
        for x in (
            f"{label} ({edge.id})",
            f"best grade {best}" if best else "ungraded",
            when,
            "SUSPECTED FALSE: only E-graded support" if suspected else "",
            "handling code C: " + "; ".join(conditions) if code_c else "",
            f"{len(supports)} supporting records:",
            *evidence[:20],
            f"... and {len(evidence) - 20} more" if len(evidence) > 20 else "",
        )
        if x
    )
    return ChartEdge(
        id=edge.id,
        kind=str(edge.kind),
        src=edge.src,
        dst=edge.dst,
        label=label,
        grade=best,
        handling_code="C" if code_c else None,
        conditions=conditions,
        low_grade=best is None or _low(best),
        suspected_false=suspected,
        reports=reports,
        title=title,
    )


def _grade(g: object) -> str:
    if isinstance(g, Grading3x5x2):
        return f"{g.source_evaluation}{g.intelligence_assessment}"
    se = getattr(g, "source_evaluation", "?")
    ia = getattr(g, "intelligence_assessment", "?")
    return f"{se}{ia}"


def _grade_rank(code: str) -> tuple[int, int]:
    """Best first: 3x5x2 "1A" < "3E"; legacy 5x5x5 "A1" < "E5", after 3x5x2."""
    if code[:1].isdigit():
        return (0, int(code[0]) * 10 + "ABCDE".index(code[1]))
    return (1, "ABCDE".index(code[0]) * 10 + int(code[1]))


def _low(code: str) -> bool:
    """Source 3 (untested) or intelligence D/E on 3x5x2; D/E or 4/5 on 5x5x5."""
    if code[:1].isdigit():
        return code[0] == "3" or code[1] in "DE"
    return code[0] in "DE" or code[1] in "45"
