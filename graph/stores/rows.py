"""Flat rows shared by every backend: what is indexed, what is kept as the full record.

Both backends store a node or edge as a handful of queryable columns (kind, subtype,
markings, dates, grade summary) plus the full pydantic record as JSON and its digest. The
digest makes "unchanged" cheap to detect, so a re-load is a no-op and an update is known.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from pydantic import TypeAdapter

from graph.edges import EDGE_ENDPOINTS, Edge
from graph.errors import EndpointKindMismatch, KindConflict, MissingEndpoint
from graph.nodes import Location as LocationNode
from graph.nodes import Node, ObjectEntity, Person, Report, Source
from graph.store import UpsertResult

NODE_ADAPTER: TypeAdapter[Node] = TypeAdapter(Node)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_HasId)


def node_subtype(node: Node) -> str | None:
    """The one attribute filters and projections need beyond the kind."""
    match node:
        case Person(visor=visor):
            return visor.nominal_type.value if visor else None
        case LocationNode(location_type=t):
            return t.value
        case ObjectEntity(object_type=t):
            return t.value
        case Source(source_type=t):
            return t.value
        case Report(grading=g):
            return g.scheme
    return None


def _utc(moment: datetime) -> str:
    """UTC ISO text, so that ordering by the text is ordering in time on every backend."""
    return moment.astimezone(UTC).isoformat()


def _digest(data: str) -> str:
    return hashlib.sha256(data.encode()).hexdigest()


def node_row(node: Node) -> dict[str, Any]:
    data = node.model_dump_json()
    return {
        "id": node.id,
        "kind": node.kind.value,
        "subtype": node_subtype(node),
        "classification": node.marking.classification.value,
        "compartment": node.marking.compartment.value,
        "handling_code": node.marking.handling_code,
        "received_at": _utc(node.received_at) if isinstance(node, Report) else None,
        "data": data,
        "digest": _digest(data),
    }


def edge_row(edge: Edge) -> dict[str, Any]:
    prov = edge.provenance
    first = prov.first_seen or prov.last_seen
    last = prov.last_seen or prov.first_seen
    data = edge.model_dump_json()
    return {
        "id": edge.id,
        "kind": edge.kind.value,
        "src": edge.src,
        "dst": edge.dst,
        "subtype": edge.association_type.value if edge.association_type else None,
        "first_seen": first.isoformat() if first else None,
        "last_seen": last.isoformat() if last else None,
        "best_se": edge.best_source_evaluation,
        "best_ia": edge.best_intelligence_assessment,
        "ungraded": all(s.grading is None for s in prov.supports),
        "e_only": edge.suspected_false_only,
        "classification": edge.marking.classification.value,
        "compartment": edge.marking.compartment.value,
        "handling_code": edge.marking.handling_code,
        "report_ids": edge.report_ids,
        "data": data,
        "digest": _digest(data),
    }


def parse_node(data: str) -> Node:
    return NODE_ADAPTER.validate_json(data)


def parse_edge(data: str) -> Edge:
    return Edge.model_validate_json(data)


def last_wins(items: Sequence[_T]) -> list[_T]:
    """De-duplicate a batch by id, the last occurrence winning, order of first kept."""
    by_id: dict[str, _T] = {}
    for item in items:
        by_id[item.id] = item
    return list(by_id.values())


@dataclass(frozen=True)
class StoredEdgeEnds:
    kind: str
    src: str
    dst: str


def check_batch(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    stored_node_kinds: Mapping[str, str],
    stored_edge_ends: Mapping[str, StoredEdgeEnds],
) -> None:
    """Raise an IntegrityError naming the record if the batch breaks the graph's rules.

    `stored_node_kinds` must cover every node id in the batch and every edge endpoint that
    is already stored; `stored_edge_ends` every edge id in the batch that is already stored.
    """
    kinds: dict[str, str] = dict(stored_node_kinds)
    for node in nodes:
        known = stored_node_kinds.get(node.id)
        if known is not None and known != node.kind.value:
            raise KindConflict(f"node {node.id!r} is a {known}, not a {node.kind.value}")
        kinds[node.id] = node.kind.value
    for edge in edges:
        stored = stored_edge_ends.get(edge.id)
        if stored is not None and (stored.kind, stored.src, stored.dst) != (
            edge.kind.value,
            edge.src,
            edge.dst,
        ):
            raise KindConflict(
                f"edge {edge.id!r} already joins {stored.src!r} -{stored.kind}-> "
                f"{stored.dst!r}; an edge's kind and ends cannot change"
            )
        want_src, want_dst = EDGE_ENDPOINTS[edge.kind]
        for end, want in ((edge.src, want_src), (edge.dst, want_dst)):
            have = kinds.get(end)
            if have is None:
                raise MissingEndpoint(f"edge {edge.id!r} refers to missing node {end!r}")
            if have != want.value:
                raise EndpointKindMismatch(
                    f"edge {edge.id!r} ({edge.kind.value}) needs a {want.value} at "
                    f"{end!r}, which is a {have}"
                )


def endpoint_ids(nodes: Iterable[Node], edges: Iterable[Edge]) -> set[str]:
    ids = {n.id for n in nodes}
    for e in edges:
        ids.add(e.src)
        ids.add(e.dst)
    return ids


def classify_rows(
    rows: list[dict[str, Any]], stored_digest: Mapping[str, str], result: UpsertResult
) -> list[dict[str, Any]]:
    """Keep rows that are new or changed, recording which in `result`, and count the rest."""
    write = []
    for row in rows:
        known = stored_digest.get(row["id"])
        if known is None:
            result.created.append(row["id"])
        elif known != row["digest"]:
            result.updated.append(row["id"])
        else:
            result.unchanged += 1
            continue
        write.append(row)
    return write
