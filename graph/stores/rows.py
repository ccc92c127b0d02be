"""Flat rows shared by every backend: what is indexed, what is kept as the full record.

Both backends store a node or edge as a handful of queryable columns (kind, subtype,
markings, dates, grade summary) plus the full pydantic record as JSON and its digest. The
digest makes "unchanged" cheap to detect, so a re-load is a no-op and an update is known.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, TypeAdapter

from graph.edges import EDGE_ENDPOINTS, Edge
from graph.errors import EndpointKindMismatch, KindConflict, MissingEndpoint
from graph.nodes import Event, Node, ObjectEntity, Person, Report, Source, Tasking
from graph.nodes import Location as LocationNode
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
            return str(visor.nominal_type) if visor else None
        case LocationNode(location_type=t):
            return str(t)
        case ObjectEntity(object_type=t):
            return str(t)
        case Source(source_type=t):
            return str(t)
        case Report(grading=g):
            return g.scheme
        case Event(event_type=t):
            return str(t)
        case Tasking(level=level):
            return str(level)
    return None


def utc_text(moment: datetime) -> str:
    """UTC ISO text, so that ordering by the text is ordering in time on every backend."""
    return moment.astimezone(UTC).isoformat()


_utc = utc_text


def _dump(record: BaseModel) -> tuple[str, str]:
    """The record as compact JSON (None fields left out) and its digest.

    Calls pydantic-core's serializer directly: on the load path the wrapper's overhead is
    a third of the serialisation cost.
    """
    raw: bytes = type(record).__pydantic_serializer__.to_json(record, exclude_none=True)
    return raw.decode(), hashlib.sha256(raw).hexdigest()


def contact_props(node: Node) -> dict[str, Any]:
    """Scalars the CHIS contact queries count and filter on. Neo4j keeps them as node
    properties; SQLite reads the same fields from the JSON (they are ignored as columns)."""
    match node:
        case Report():
            return {
                "channel": str(node.channel),
                "initiated_by": str(node.initiated_by),
                "police_request": node.police_request,
                "how_obtained": str(node.how_obtained),
                "rewarded": bool(node.extra.get("reward")),
            }
        case Source():
            return {
                "chis_status": str(node.chis_status),
                "juvenile": node.juvenile,
                "vulnerable": node.vulnerable,
            }
    return {}


def node_row(node: Node) -> dict[str, Any]:
    data, digest = _dump(node)
    return contact_props(node) | {
        "id": node.id,
        "kind": str(node.kind),
        "subtype": node_subtype(node),
        "classification": str(node.marking.classification),
        "compartment": str(node.marking.compartment),
        "handling_code": node.marking.handling_code,
        "received_at": _utc(node.received_at) if isinstance(node, Report) else None,
        "data": data,
        "digest": digest,
    }


def edge_row(edge: Edge) -> dict[str, Any]:
    """The row for an edge. One pass over the supports: this is the hot path of a load."""
    prov = edge.provenance
    first = prov.first_seen or prov.last_seen
    last = prov.last_seen or prov.first_seen
    best_se: str | None = None
    best_ia: str | None = None
    ungraded = e_only = True
    report_ids: set[str] = set()
    for support in prov.supports:
        grading = support.grading
        if support.report_id:
            report_ids.add(support.report_id)
        if grading is None:
            e_only = False
            continue
        ungraded = False
        e_only = e_only and grading.suspected_false
        if grading.scheme == "3x5x2":
            se, ia = grading.source_evaluation, grading.intelligence_assessment
            best_se = se if best_se is None or se < best_se else best_se
            best_ia = ia if best_ia is None or ia < best_ia else best_ia
    data, digest = _dump(edge)
    marking = edge.marking
    return {
        "id": edge.id,
        "kind": str(edge.kind),
        "src": edge.src,
        "dst": edge.dst,
        "subtype": str(edge.association_type) if edge.association_type else None,
        "first_seen": first.isoformat() if first else None,
        "last_seen": last.isoformat() if last else None,
        "best_se": best_se,
        "best_ia": best_ia,
        "ungraded": ungraded,
        "e_only": e_only,
        "classification": str(marking.classification),
        "compartment": str(marking.compartment),
        "handling_code": marking.handling_code,
        "report_ids": sorted(report_ids),
        "data": data,
        "digest": digest,
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


_ENDPOINT_NAMES = {k: (str(a), str(b)) for k, (a, b) in EDGE_ENDPOINTS.items()}


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
        kind = str(node.kind)  # a plain str: enum .value is slow on this hot path
        if known is not None and known != kind:
            raise KindConflict(f"node {node.id!r} is a {known}, not a {kind}")
        kinds[node.id] = kind
    for edge in edges:
        stored = stored_edge_ends.get(edge.id)
        if stored is not None and (stored.kind, stored.src, stored.dst) != (
            str(edge.kind),
            edge.src,
            edge.dst,
        ):
            raise KindConflict(
                f"edge {edge.id!r} already joins {stored.src!r} -{stored.kind}-> "
                f"{stored.dst!r}; an edge's kind and ends cannot change"
            )
        want_src, want_dst = _ENDPOINT_NAMES[edge.kind]
        for end, want in ((edge.src, want_src), (edge.dst, want_dst)):
            have = kinds.get(end)
            if have is None:
                raise MissingEndpoint(f"edge {edge.id!r} refers to missing node {end!r}")
            if have != want:
                raise EndpointKindMismatch(
                    f"edge {edge.id!r} ({edge.kind}) needs a {want} at {end!r}, which is a {have}"
                )


def endpoint_ids(nodes: Iterable[Node], edges: Iterable[Edge]) -> set[str]:
    ids = {n.id for n in nodes}
    for e in edges:
        ids.add(e.src)
        ids.add(e.dst)
    return ids


def classify_rows(
    rows: list[dict[str, Any]], stored_digest: Mapping[str, str], result: UpsertResult
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split rows into (new, changed), recording their ids in `result`; count the rest."""
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    unchanged = 0
    for row in rows:
        known = stored_digest.get(row["id"])
        if known is None:
            result.created.append(row["id"])
            new.append(row)
        elif known != row["digest"]:
            result.updated.append(row["id"])
            changed.append(row)
        else:
            unchanged += 1
    result.unchanged += unchanged
    return new, changed


def support_pairs(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(report id, edge id) entries of the disposal index for an edge row.

    A report that is itself an end of the edge is left out: disposal finds and removes a
    report's own edges by adjacency, so indexing them again would only cost writes.
    """
    edge_id, src, dst = row["id"], row["src"], row["dst"]
    return [(rid, edge_id) for rid in row["report_ids"] if rid != src and rid != dst]


def names_text(data: str) -> str:
    """A stored person's names as `person_names` gives them ("given family; ...")."""
    return joined_names(json.loads(data).get("names", []))


def joined_names(names: Iterable[Mapping[str, str]]) -> str:
    """Names (as stored: JSON objects) as `person_names` gives them, on every backend:
    "given family" stripped, joined by "; ". Done in Python, not SQL, so a name part
    holding NUL is kept whole (SQLite's JSON functions end a text at NUL)."""
    return "; ".join(f"{n.get('given', '')} {n.get('family', '')}".strip() for n in names)
