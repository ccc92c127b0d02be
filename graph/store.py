"""The `GraphStore` protocol: the one contract every backend passes.

Backends differ in how they keep data (SQLite embedded, Neo4j in production) but must give
identical answers, ids and orders included; `tests/test_store_conformance.py` holds them to
it. Per-request work is bounded by depth and fan-out; whole-graph algorithms run on a
networkx projection.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Literal, Protocol, runtime_checkable

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from graph.edges import AssociationType, Edge, EdgeKind
from graph.markings import Classification, Compartment, Marking
from graph.nodes import LocationType, Node, NodeKind, Report

DEFAULT_MAX_FANOUT = 500
MAX_DEPTH = 6


class TraversalFilter(BaseModel):
    """Which edges and nodes a traversal or projection may use.

    Grade thresholds compare the best 3x5x2 grading among an edge's supports. An edge with
    no graded support (a structured record such as a ViSOR associate list) passes them; an
    edge whose only graded support is legacy 5x5x5 does not, because the APP forbids
    converting legacy grades automatically. Date bounds keep undated edges (nothing shows
    they are out of range). Compartment, classification and handling-code sets restrict both
    nodes and edges (an item with no handling code passes a handling-code set): this is where
    a caller's visible subgraph is pushed down into the store.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    edge_kinds: frozenset[EdgeKind] | None = None
    association_types: frozenset[AssociationType] | None = None
    since: date | None = None
    until: date | None = None
    max_source_evaluation: Literal["1", "2", "3"] | None = None
    min_intelligence_assessment: Literal["A", "B", "C", "D", "E"] | None = None
    exclude_suspected_false: bool = False
    node_kinds: frozenset[NodeKind] | None = None
    exclude_location_types: frozenset[LocationType] = frozenset()
    compartments: frozenset[Compartment] | None = None
    classifications: frozenset[Classification] | None = None
    handling_codes: frozenset[str] | None = None

    def shows(self, marking: Marking) -> bool:
        """Whether an item so marked passes the marking sets, as the stores' queries apply
        them: for answers put together from records read outside such a query."""
        return (
            (self.compartments is None or marking.compartment in self.compartments)
            and (self.classifications is None or marking.classification in self.classifications)
            and (
                self.handling_codes is None
                or marking.handling_code is None
                or marking.handling_code in self.handling_codes
            )
        )


class Neighbourhood(BaseModel):
    """A bounded breadth-first neighbourhood with the evidence path to every node.

    `parent_edge[n]` is the edge by which `n` was first reached (ties broken by the smallest
    edge id, then node id), so `path_to(n)` is a shortest evidence path. Nodes whose
    qualifying degree exceeds the fan-out cap are listed in `capped` with that degree and
    are not expanded.
    """

    start: str
    nodes: list[Node]
    edges: list[Edge]
    depth: dict[str, int]
    parent_edge: dict[str, str]
    capped: dict[str, int] = Field(default_factory=dict)

    def path_to(self, node_id: str) -> list[Edge]:
        by_id = {e.id: e for e in self.edges}
        path: list[Edge] = []
        current = node_id
        while current != self.start:
            edge = by_id[self.parent_edge[current]]
            path.append(edge)
            current = edge.dst if edge.src == current else edge.src
        return list(reversed(path))


@dataclass(frozen=True, slots=True)
class EdgeRef:
    """An edge without its payload: enough to walk the graph."""

    id: str
    kind: EdgeKind
    src: str
    dst: str


@dataclass(frozen=True, slots=True)
class Frame:
    """A neighbourhood's shape without its payloads: what is reached, at which depth, by
    which edge, and of which kind. Walking needs only this; a caller reads the few nodes
    and edges it returns (`get_nodes`, `get_edges`) instead of decoding all of them."""

    start: str
    depth: dict[str, int]
    parent_edge: dict[str, str]
    capped: dict[str, int]
    edges: dict[str, EdgeRef]  # every kept edge, by id
    kinds: dict[str, NodeKind]  # every reached node's kind
    # Records a backend fetched with the walk (Neo4j: saves round trips), still encoded:
    # `read_nodes` / `read_edges` decode only those asked for.
    node_data: dict[str, str] = field(default_factory=dict)
    edge_data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Contact:
    """One report as a contact from its source: the flat row CHIS review counts on."""

    source_id: str
    source_type: str
    chis_status: str
    juvenile: bool
    vulnerable: bool
    person_id: str | None  # the person behind the source, if known
    report_id: str
    received_at: str  # ISO 8601, UTC
    channel: str
    initiated_by: str
    police_request: str | None
    how_obtained: str
    rewarded: bool
    subjects: tuple[str, ...]  # persons the report is about
    locations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceProfile:
    """One source's contacts summed up by the store (SQL or Cypher), so CHIS review can
    skip, without reading their reports, the sources that cannot reach the threshold.

    Every count is at least what the indicators could find in the contact rows (a report
    the queue later sets aside as the source reporting on itself is still counted; a
    police request field that is present counts even when empty): the queue's ceiling on
    a score built from them never falls below the real score. A reward counts exactly as
    the rows' `rewarded` does (Python's truth of `extra["reward"]`: an empty list, object
    or text is no reward) on every backend."""

    source_id: str
    source_type: str
    chis_status: str
    juvenile: bool
    vulnerable: bool
    person_id: str | None
    person_is_nominal: bool
    reports: int
    first: str  # earliest received_at (ISO 8601)
    last: str
    most_about_one: int  # the most reports about any one subject
    subjects: int  # distinct subjects
    about_nominals: bool  # some subject is a ViSOR nominal
    most_at_one_place: int  # the most reports placing events at any one location
    household_reports: int  # the most reports about 2+ people sharing one (non-hub) home
    requests: int  # reports with a police request field
    police_initiated: int  # reports the police initiated
    through_relationship: int
    rewarded: int
    personal_relationship: bool  # the source knows some subject personally


class UpsertResult(BaseModel):
    """What a batch changed: ids created, ids updated; the rest were identical."""

    created: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: int = 0


class DisposalResult(BaseModel):
    """What disposing of reports removed or narrowed (ids only: erased data is not kept)."""

    deleted_nodes: list[str] = Field(default_factory=list)
    deleted_edges: list[str] = Field(default_factory=list)
    updated_edges: list[str] = Field(default_factory=list)


class StoreCounts(BaseModel):
    nodes: dict[str, int]
    edges: dict[str, int]

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_edges(self) -> int:
        return sum(self.edges.values())


@runtime_checkable
class GraphStore(Protocol):
    """The graph contract. All methods are safe to call from one thread per store object."""

    backend: str

    def upsert(self, nodes: Sequence[Node] = (), edges: Sequence[Edge] = ()) -> UpsertResult:
        """Write one batch, all-or-nothing, idempotent by id.

        Edges may refer to nodes in the same batch or already stored. Raises an
        `IntegrityError` (and writes nothing) for a missing endpoint, an endpoint of the
        wrong kind or an id reused for another node kind.
        """
        ...

    def get_node(self, node_id: str) -> Node | None: ...

    def get_nodes(self, node_ids: Iterable[str]) -> dict[str, Node]: ...

    def get_edge(self, edge_id: str) -> Edge | None: ...

    def get_edges(self, edge_ids: Iterable[str]) -> dict[str, Edge]: ...

    def neighbours(
        self,
        node_id: str,
        depth: int = 1,
        flt: TraversalFilter | None = None,
        max_fanout: int | None = DEFAULT_MAX_FANOUT,
    ) -> Neighbourhood:
        """Breadth-first neighbourhood to `depth` (1..MAX_DEPTH), edges in either direction."""
        ...

    def frame(
        self,
        node_id: str,
        depth: int = 1,
        flt: TraversalFilter | None = None,
        max_fanout: int | None = DEFAULT_MAX_FANOUT,
        last: TraversalFilter | None = None,
    ) -> Frame:
        """The same neighbourhood as `neighbours`, ids and kinds only (nothing decoded).
        `last` narrows the final level (a person-step walk needs only persons there)."""
        ...

    def step_frame(
        self, node_id: str, depth: int, walk: TraversalFilter, max_fanout: int | None
    ) -> Frame | None:
        """`depth` person steps (a direct link, or two edges through a report, address or
        object) walked by the database, as a frame holding just the candidate steps; None
        when the backend has no such walk or a node on the way is over `max_fanout`, and
        the caller walks `frame(node_id, 2 * depth, ...)` instead (the same answer)."""
        ...

    def reading(self) -> AbstractContextManager[None]:
        """Reads inside the block share one connection: on SQLite one read transaction (one
        snapshot), on Neo4j one session (round trips saved). Nests; no writes inside it."""
        ...

    def edges_between(
        self, node_ids: Iterable[str], flt: TraversalFilter | None = None
    ) -> list[Edge]:
        """Every qualifying edge whose two ends are both in `node_ids`, ordered by id."""
        ...

    def incident(
        self, node_ids: Iterable[str], flt: TraversalFilter | None = None
    ) -> list[EdgeRef]:
        """Every qualifying edge touching any of `node_ids` (its far end passing the filter
        too), as refs ordered by id: one batched look-up instead of a walk per node."""
        ...

    def reports_by_source(self, source_id: str) -> list[Report]:
        """Reports the source provided, oldest first (received_at, then id)."""
        ...

    def reports_about(self, person_id: str, include_mentions: bool = True) -> list[Report]:
        """Reports with the person as a subject (and, by default, mentioned), oldest first."""
        ...

    def source_contacts(
        self,
        source_ids: Sequence[str] | None = None,
        min_reports: int = 1,
        view: TraversalFilter | None = None,
    ) -> list[Contact]:
        """Every report provided by each source with at least `min_reports` of them (or
        marked juvenile or vulnerable), as contact rows ordered by source, time and report
        id; only `source_ids` if given. The store counts: a source under the bar costs an
        index count, never its reports. `view` (its markings only: a caller's
        `AccessPolicy.filter`) keeps what the caller may not see out of the rows and the
        count: a source, a report or the edge between them, the person behind the source, a
        subject or a place (with the edge to it) that it hides is left out."""
        ...

    def source_profiles(
        self,
        min_reports: int,
        hub_location_types: Collection[str],
        personal_relationships: Collection[str],
        view: TraversalFilter | None = None,
    ) -> list[SourceProfile]:
        """A profile of every source with at least `min_reports` reports (and at least
        one: a profile sums reports up, so a bar of 0 is a bar of 1), by source id,
        aggregated in the store: no report leaves it. A home whose location type is in
        `hub_location_types` is not a household; a KNOWS_SUBJECT edge whose association
        type is in `personal_relationships` is a personal relationship. With `view`, only
        the sources it shows are profiled, and the bar, the report count, first and last
        and the per-report counts (requests, initiated, how obtained, rewards) are over
        the reports it shows (with their PROVIDED_BY edges); subjects, places, homes,
        relationships and the person are counted whatever it shows, which can only raise
        the CHIS ceiling (the contact rows the score comes from leave them out)."""
        ...

    def reports_received_before(
        self, cutoff: datetime, flt: TraversalFilter | None = None
    ) -> list[tuple[str, str]]:
        """(id, received_at as UTC ISO text) of each qualifying report received before
        `cutoff`, oldest first (then by id): what review and retention start from."""
        ...

    def person_names(self, flt: TraversalFilter | None = None) -> list[tuple[str, str]]:
        """(id, every name of the person as "given family" without surrounding whitespace
        of any kind (as Python's `str.strip`), joined by "; ") for each qualifying person,
        by id: what a name search scores and shows. One pass over persons (no
        name index yet: fine for a force's nominals and associates, see docs)."""
        ...

    def projection(self, flt: TraversalFilter | None = None) -> nx.MultiDiGraph:
        """The (filtered) graph for whole-graph algorithms: node and edge attributes are
        `kind`, `subtype` (location/object/source/association type) and edge `id` as key."""
        ...

    def counts(self) -> StoreCounts: ...

    def visibility_changes(self) -> int:
        """A number that changes whenever a stored node or edge changes marking or is
        deleted (and only then: new records and other changes leave it alone). Results
        computed over a view and kept (stored network measures) are stale once it has
        moved: they may count a record the view no longer shows. Compare readings only: it
        starts from a random number (a store made afresh never repeats an old reading), and
        the size of a step means nothing and differs between backends."""
        ...

    def delete_with_provenance(self, report_ids: Iterable[str]) -> DisposalResult:
        """Dispose of reports: remove them, their own edges, and their support from other
        edges; an edge left with no support is removed, one still supported is kept."""
        ...

    def delete_edges(self, edge_ids: Iterable[str]) -> list[str]:
        """Remove these edges (a claim whose last support was withdrawn); returns the ids
        that existed, sorted. Nodes are never removed here."""
        ...

    def delete_unlinked_nodes(self, node_ids: Iterable[str]) -> list[str]:
        """Remove those of these nodes that no edge touches (a person known only from
        material that is gone); returns the ids removed, sorted. A node still linked stays."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> GraphStore: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def check_depth(depth: int) -> None:
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
