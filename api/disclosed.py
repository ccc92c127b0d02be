"""What a response discloses, for its s62 consultation entry.

An edge in a response carries its provenance: the reports that support it, by id, with
their grading and dates. Those reports are disclosed as much as the edge is, so the entry
names them too, and an auditor searching the log for a report finds every answer that
cited it (`GET /audit?subject=`).
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.edges import Edge


def with_cited_reports(edges: Iterable[Edge]) -> list[str]:
    """Each edge's id and the ids of the reports its provenance cites, sorted, once each."""
    ids: set[str] = set()
    for edge in edges:
        ids.add(edge.id)
        ids.update(s.report_id for s in edge.provenance.supports if s.report_id)
    return sorted(ids)
