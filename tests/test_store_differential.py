"""Differential test: random small graphs loaded into both backends give the same answers.

Hypothesis builds a graph of every node kind (ids with ':', '-', '.', accented, Cyrillic,
full-width and supplementary-plane letters, NUL and the unit separator; names, police
requests and rewards with NUL too), edges of every allowed kind with random markings,
gradings (E and legacy 5 included), dates (ties and None) and supports, loads it into the
embedded store and into a real Neo4j, then asks both every read of the `GraphStore`
protocol (and the analyses built on them: associates, search, the CHIS queue) with random
filters, views, depths and caps, and writes changes, re-loads and disposals. Each answer
must be identical: the protocol promises ids and orders alike on both; only what it leaves
open (the records a walk fetched on the way, a `step_frame` of None) is not compared.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from graph.analysis.associates import associates
from graph.analysis.search import find_persons
from graph.chis.policy import PERSONAL_RELATIONSHIPS, ChisPolicy
from graph.chis.queue import build_queue
from graph.edges import (
    EDGE_ENDPOINTS,
    TYPED_KINDS,
    AssociationType,
    CreatedBy,
    CreatorKind,
    Edge,
    EdgeKind,
    Provenance,
    Support,
)
from graph.markings import Classification, Compartment, Grading3x5x2, Grading5x5x5, Marking
from graph.nodes import (
    Channel,
    ChisStatus,
    Event,
    EventType,
    HowObtained,
    Initiator,
    Location,
    LocationType,
    Name,
    Node,
    NodeKind,
    NominalType,
    ObjectEntity,
    ObjectType,
    Person,
    Report,
    Requirement,
    Source,
    SourceType,
    Tasking,
    TaskingLevel,
    Visor,
)
from graph.store import Frame, GraphStore, TraversalFilter
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.sqlite import SqliteGraphStore
from tests.conftest import wipe

pytestmark = pytest.mark.neo4j

# Letters from several scripts and planes (U+FF21 sorts after U+1D400 by code point,
# before it by UTF-16 code unit: Neo4j must order stored text as Python does), and two
# control characters the models allow: NUL, which SQLite's JSON functions end a text at,
# and the unit separator, which the embedded store once joined ids with.
ID_CHARS = "aAbz09:-.éßЖ\uff21\U0001d400\x00\x1f"
DAYS = [date(2024, 12, 31), date(2025, 6, 1), date(2026, 3, 1), date(2026, 3, 2)]
MOMENTS = [
    datetime(2026, 3, 1, 14, 5, tzinfo=UTC),
    datetime(2026, 3, 1, 15, 5, tzinfo=timezone(timedelta(hours=1))),  # the same instant
    datetime(2026, 3, 1, 14, 5, 0, 500000, tzinfo=UTC),
    datetime(2025, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
]
# Names, police requests and rewards hold NUL too: SQLite's json_extract ends a text there.
NAME_PARTS = ["Ann", "Zoë", "\uff2a\uff4f", "Ann Lee", " Ann", "Lee\t", "Ольга", "", "O'Neil"]
NAME_PARTS += ["An\x00n", "\x00"]
REWARDS: list[object] = [None, True, False, "", "cash", 0, 1, [], {}, "0", "\x00", "\x00cash"]
POLICE_REQUESTS = [None, "", "watch the flat", "watch\x00 the flat", "\x00"]
EXAMPLES = int(os.environ.get("MOSAIC_DIFFERENTIAL_EXAMPLES", "15"))
"""About 90 s on two busy cores against a fresh Neo4j, most of it planning each query shape
once (a warm server takes 1-3 s an example); raise it for a longer hunt."""
INGEST = CreatedBy(kind=CreatorKind.INGEST, name="hypothesis", version="1")
TODAY = date(2026, 6, 1)

ids = st.text(alphabet=ID_CHARS, min_size=1, max_size=3)
days = st.none() | st.sampled_from(DAYS)


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    """Half the time the default marking (so filters and views leave something to see)."""
    if draw(st.booleans()):
        return Marking()
    code = draw(st.sampled_from([None, None, "P", "C", "2", "5"]))
    return Marking(
        classification=draw(st.sampled_from(Classification)),
        compartment=draw(st.sampled_from(Compartment)),
        handling_code=code,
        handling_conditions="originator consent" if code == "C" else None,
    )


@st.composite
def gradings(draw: st.DrawFn) -> Grading3x5x2 | Grading5x5x5:
    if draw(st.integers(0, 3)) == 0:
        return Grading5x5x5(
            source_evaluation=draw(st.sampled_from("ABCDE")),
            intelligence_assessment=draw(st.sampled_from("12345")),
            handling_code=draw(st.sampled_from("12345")),
        )
    code = draw(st.sampled_from("PC"))
    return Grading3x5x2(
        source_evaluation=draw(st.sampled_from("123")),
        intelligence_assessment=draw(st.sampled_from("ABCDE")),
        handling_code=code,
        handling_conditions="originator consent" if code == "C" else None,
    )


@st.composite
def names(draw: st.DrawFn) -> Name:
    given = draw(st.sampled_from(NAME_PARTS))
    family = draw(st.sampled_from(NAME_PARTS))
    if not (given.strip() or family.strip()):
        family = "Vale"
    return Name(given=given, family=family)


def node_of(kind: NodeKind, nid: str) -> st.SearchStrategy[Node]:
    """A random node of `kind` with id `nid`."""
    common = {"id": st.just(nid), "marking": markings()}
    if kind is NodeKind.PERSON:
        visor = st.none() | st.sampled_from(
            [
                Visor(ref="V1", nominal_type=NominalType.PDP),
                Visor(ref="V2", nominal_type=NominalType.RSO, mappa_category=1),
            ]
        )
        return st.builds(
            Person,
            names=st.lists(names(), min_size=1, max_size=2),
            dob=st.none() | st.sampled_from([date(2012, 1, 1), date(1980, 5, 5)]),
            vulnerable=st.booleans(),
            visor=visor,
            **common,
        )
    if kind is NodeKind.REPORT:
        extra = st.sampled_from(REWARDS).map(lambda r: {} if r is None else {"reward": r})
        return st.builds(
            Report,
            received_at=st.sampled_from(MOMENTS),
            grading=gradings(),
            channel=st.sampled_from(Channel),
            initiated_by=st.sampled_from(Initiator),
            police_request=st.sampled_from(POLICE_REQUESTS),
            how_obtained=st.sampled_from(HowObtained),
            extra=extra,
            **common,
        )
    if kind is NodeKind.SOURCE:
        return st.builds(
            Source,
            source_type=st.sampled_from(
                [SourceType.MEMBER_OF_PUBLIC] * 3 + [SourceType.CHIS, SourceType.POLICE_OFFICER]
            ),
            chis_status=st.sampled_from([ChisStatus.NONE, *ChisStatus]),
            juvenile=st.booleans(),
            vulnerable=st.booleans(),
            **common,
        )
    if kind is NodeKind.LOCATION:
        return st.builds(
            Location,
            address=st.just("1 Example Street"),
            location_type=st.sampled_from(
                [LocationType.RESIDENTIAL, LocationType.HOSTEL, LocationType.SCHOOL]
            ),
            **common,
        )
    if kind is NodeKind.OBJECT:
        return st.builds(
            ObjectEntity,
            object_type=st.sampled_from(ObjectType),
            value=st.sampled_from(["07700 900000", "AB12 CDE"]),
            **common,
        )
    if kind is NodeKind.EVENT:
        return st.builds(
            Event,
            event_type=st.sampled_from([EventType.RECALL, EventType.LICENCE_BREACH]),
            occurred_on=st.sampled_from(DAYS),
            **common,
        )
    return st.builds(
        Tasking,
        level=st.sampled_from(TaskingLevel),
        requirement=st.sampled_from(Requirement),
        title=st.just("Who visits the flat"),
        owner=st.just("DS Example"),
        opened_on=st.sampled_from(DAYS),
        **common,
    )


KIND_WEIGHTS = [
    *[NodeKind.PERSON] * 5,
    *[NodeKind.REPORT] * 5,
    NodeKind.SOURCE,
    NodeKind.SOURCE,
    NodeKind.LOCATION,
    NodeKind.LOCATION,
    NodeKind.OBJECT,
    NodeKind.EVENT,
    NodeKind.TASKING,
]
EDGE_WEIGHTS = [
    *[EdgeKind.ASSOCIATED_WITH] * 3,
    *[EdgeKind.ABOUT] * 5,
    *[EdgeKind.PROVIDED_BY] * 5,
    EdgeKind.MENTIONS,
    *[EdgeKind.RESIDES_AT] * 3,
    *[EdgeKind.AT_LOCATION] * 3,
    EdgeKind.INVOLVES,
    *[EdgeKind.IS_PERSON] * 3,
    EdgeKind.KNOWS_SUBJECT,
    EdgeKind.USED_BY,
    EdgeKind.CONCERNS,
    EdgeKind.ANSWERS,
    EdgeKind.TASKS,
    EdgeKind.DIRECTED_AT,
]


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]

    def of_kind(self, kind: NodeKind) -> list[str]:
        return [n.id for n in self.nodes if n.kind is kind]


@st.composite
def supports(draw: st.DrawFn, reports: list[str]) -> list[Support]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        rid = draw(st.none() | st.sampled_from([*reports, "gone-report"]))
        out.append(
            Support(
                report_id=rid,
                source_system=None if rid else "visor",
                grading=draw(st.none() | gradings()),
                observed_on=draw(days),
                classification=draw(st.sampled_from([None, Classification.OFFICIAL])),
            )
        )
    return out


@st.composite
def edges_for(draw: st.DrawFn, graph: Graph, eid: str) -> Edge | None:
    """A random edge of a random kind between nodes of the kinds it joins, if any."""
    kind = draw(st.sampled_from(EDGE_WEIGHTS))
    want_src, want_dst = EDGE_ENDPOINTS[kind]
    srcs, dsts = graph.of_kind(want_src), graph.of_kind(want_dst)
    if not srcs or not dsts:
        return None
    src = draw(st.sampled_from(srcs))
    dsts = [d for d in dsts if d != src]
    if not dsts:
        return None
    return draw(claims(graph, eid, kind, src, draw(st.sampled_from(dsts))))


@st.composite
def claims(draw: st.DrawFn, graph: Graph, eid: str, kind: EdgeKind, src: str, dst: str) -> Edge:
    """An edge with these ends and random type, role, marking, dates and supports."""
    first, last = draw(days), draw(days)
    if first and last and first > last:
        first, last = last, first
    return Edge(
        id=eid,
        kind=kind,
        src=src,
        dst=dst,
        association_type=draw(st.sampled_from(AssociationType)) if kind in TYPED_KINDS else None,
        role=draw(st.sampled_from([None, "event", "sighting"])),
        marking=draw(markings()),
        provenance=Provenance(
            supports=draw(supports(graph.of_kind(NodeKind.REPORT))),
            first_seen=first,
            last_seen=last,
            created_by=INGEST,
        ),
    )


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    node_ids = draw(st.lists(ids, min_size=2, max_size=14, unique=True))
    kinds = [draw(st.sampled_from(KIND_WEIGHTS)) for _ in node_ids]
    graph = Graph([draw(node_of(k, i)) for k, i in zip(kinds, node_ids, strict=True)], [])
    edge_ids = draw(st.lists(ids, max_size=3 * len(node_ids), unique=True))
    for eid in edge_ids:
        edge = draw(edges_for(graph, eid))
        if edge is not None:
            graph.edges.append(edge)
    # Reports wired as they arrive (a source, subjects, a place) and sources to the people
    # behind them, so the CHIS queries have contacts to count; ids with '>' cannot clash.
    persons, places = graph.of_kind(NodeKind.PERSON), graph.of_kind(NodeKind.LOCATION)
    reports, sources = graph.of_kind(NodeKind.REPORT), graph.of_kind(NodeKind.SOURCE)
    wiring = [
        *((r, EdgeKind.PROVIDED_BY, sources, 1) for r in reports),
        *((r, EdgeKind.ABOUT, persons, 2) for r in reports),
        *((r, EdgeKind.AT_LOCATION, places, 1) for r in reports),
        *((s, EdgeKind.IS_PERSON, persons, 1) for s in sources),
    ]
    for src, kind, targets, most in wiring:
        if targets:
            for dst in draw(st.lists(st.sampled_from(targets), max_size=most, unique=True)):
                graph.edges.append(draw(claims(graph, f"{src}>{kind}>{dst}", kind, src, dst)))
    return graph


def _kind_sets(kinds: Any, max_size: int) -> st.SearchStrategy[frozenset[Any] | None]:
    return st.none() | st.frozensets(st.sampled_from(kinds), max_size=max_size)


@st.composite
def views(draw: st.DrawFn) -> TraversalFilter | None:
    """A caller's visible subgraph: markings only (what the CHIS queries take)."""
    if draw(st.booleans()):
        return None
    return TraversalFilter(
        compartments=draw(_kind_sets(Compartment, 4)),
        classifications=draw(_kind_sets(Classification, 2)),
        handling_codes=draw(_kind_sets(["P", "C", "2", "5"], 3)),
    )


# A filter's values are query parameters, but which fields it sets and its edge kinds (put
# in the Cypher pattern) make the query text: drawing from a few shapes lets Neo4j reuse
# its plans across examples instead of planning every query afresh (seconds an example).
SHAPES: list[tuple[str, ...]] = [
    ("edge_kinds",),
    ("association_types", "exclude_suspected_false"),
    ("since", "until"),
    ("max_source_evaluation", "min_intelligence_assessment"),
    ("node_kinds", "exclude_location_types"),
    ("view", "edge_kinds", "since", "exclude_suspected_false"),
    ("view",),
]
EDGE_KIND_SETS = [
    frozenset(EdgeKind),
    frozenset({EdgeKind.ASSOCIATED_WITH}),
    frozenset({EdgeKind.ABOUT, EdgeKind.PROVIDED_BY, EdgeKind.IS_PERSON}),
    frozenset({EdgeKind.RESIDES_AT, EdgeKind.AT_LOCATION, EdgeKind.ABOUT, EdgeKind.MENTIONS}),
    frozenset(),
]


@st.composite
def filters(draw: st.DrawFn) -> TraversalFilter | None:
    """None, or a filter of one of `SHAPES` with random values (every field drawn)."""
    shape = draw(st.none() | st.sampled_from(SHAPES))
    if shape is None:
        return None
    view = (draw(views()) if "view" in shape else None) or TraversalFilter()
    grades = st.sampled_from(["1", "2", "3"]), st.sampled_from(["A", "B", "C", "D", "E"])
    fields: dict[str, st.SearchStrategy[Any]] = {
        "edge_kinds": st.sampled_from(EDGE_KIND_SETS),
        "association_types": st.frozensets(st.sampled_from(AssociationType), max_size=4),
        "exclude_suspected_false": st.booleans(),
        "since": days,
        "until": days,
        "max_source_evaluation": grades[0],
        "min_intelligence_assessment": grades[1],
        "node_kinds": st.frozensets(st.sampled_from(NodeKind), min_size=1, max_size=5),
        "exclude_location_types": st.frozensets(
            st.sampled_from([LocationType.HOSTEL, LocationType.SCHOOL]), min_size=1
        ),
    }
    return view.model_copy(update={f: draw(fields[f]) for f in shape if f != "view"})


# -- normalising answers: only what the protocol leaves open ----------------------------


def _frame(frame: Frame | None) -> object:
    """A frame without the records a backend fetched along the way (an optimisation)."""
    if frame is None:
        return None
    return (frame.start, frame.depth, frame.parent_edge, frame.capped, frame.edges, frame.kinds)


def _graph(graph: nx.MultiDiGraph) -> object:
    return (
        sorted(graph.nodes(data=True)),
        sorted(
            (u, v, k, d["kind"], d["subtype"]) for u, v, k, d in graph.edges(keys=True, data=True)
        ),
    )


def _dump(value: object) -> object:
    """Pydantic records as plain data, recursively; everything else as it is."""
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    return value


def _outcome(call: Callable[[], object]) -> tuple[str, object]:
    try:
        return ("ok", _dump(call()))
    except Exception as exc:  # the same error on both is the same answer
        return ("error", type(exc).__name__)


class Pair:
    """The two stores under test, asked the same question."""

    def __init__(self, embedded: GraphStore, neo4j: GraphStore) -> None:
        self.stores = (embedded, neo4j)

    def same(self, what: str, ask: Callable[[GraphStore], object]) -> object:
        embedded, neo = (_outcome(partial(ask, s)) for s in self.stores)
        assert embedded == neo, f"{what}: embedded {embedded!r} != neo4j {neo!r}"
        return embedded

    def state(self, graph: Graph, counts: bool = False) -> None:
        """Every record and the projection alike (and the counts: 21 queries on Neo4j)."""
        node_ids = [n.id for n in graph.nodes] + ["missing"]
        edge_ids = [e.id for e in graph.edges] + ["missing"]
        if counts:
            self.same("counts", lambda s: s.counts())
        self.same("get_nodes", lambda s: s.get_nodes(node_ids))
        self.same("get_edges", lambda s: s.get_edges(edge_ids))
        self.same("projection", lambda s: _graph(s.projection()))


@dataclass(frozen=True)
class Stores:
    neo4j: Neo4jGraphStore
    driver: Driver
    tmp: Path


@pytest.fixture(scope="module")
def stores(neo4j_driver: Driver) -> Iterator[Stores]:
    """One Neo4j store for every example (wiped before each); a fresh SQLite file each."""
    wipe(neo4j_driver)
    store = Neo4jGraphStore(neo4j_driver, database="neo4j", owns_driver=False)
    with tempfile.TemporaryDirectory() as tmp:
        yield Stores(store, neo4j_driver, Path(tmp))
    store.close()
    wipe(neo4j_driver)


_counter = iter(range(10**9))


def _pair(stores: Stores) -> tuple[Pair, SqliteGraphStore]:
    wipe(stores.driver)
    embedded = SqliteGraphStore(stores.tmp / f"{next(_counter)}.db", synchronous="OFF")
    return Pair(embedded, stores.neo4j), embedded


def _steps(
    store: GraphStore, start: str, depth: int, walk: TraversalFilter, cap: int | None
) -> object:
    with store.reading():
        return _frame(store.step_frame(start, depth, walk, cap))


def _associates(
    store: GraphStore,
    start: str,
    depth: int,
    flt: TraversalFilter | None,
    hubs: bool,
    cap: int | None,
) -> object:
    found = associates(
        store, start, depth=depth, flt=flt, include_hubs=hubs, max_fanout=cap, today=TODAY
    )
    return (
        [
            (
                a.person.id,
                a.steps,
                [e.id for e in a.path],
                a.via,
                a.strength,
                [e.id for e in a.ties],
            )
            for a in found.associates
        ],
        found.high_fanout,
        found.truncated,
    )


def _walk(pair: Pair, data: st.DataObject, starts: st.SearchStrategy[str]) -> None:
    """One walk asked every way: neighbours, frame, person steps and associates."""
    start = data.draw(starts, label="start")
    depth = data.draw(st.integers(1, 3), label="depth")
    flt = data.draw(filters(), label="flt")
    last = data.draw(st.none() | st.just(flt) | filters(), label="last")
    cap = data.draw(st.sampled_from([None, 0, 1, 2, 3, 500]), label="cap")
    pair.same(
        f"neighbours({start!r}, {depth}, {flt}, {cap})",
        lambda s: s.neighbours(start, depth, flt, cap),
    )
    pair.same(
        f"frame({start!r}, {depth}, {flt}, {cap}, last={last})",
        lambda s: _frame(s.frame(start, depth, flt, cap, last)),
    )
    walk = flt or TraversalFilter()
    embedded, neo = (_outcome(partial(_steps, s, start, depth, walk, cap)) for s in pair.stores)
    # None (no walk of its own, or a node over the cap: the caller walks `frame`) may
    # differ; two walks must agree.
    if None not in (embedded[1], neo[1]):
        assert embedded == neo, f"step_frame({start!r}, {depth}, {walk}, {cap})"
    hubs = data.draw(st.booleans(), label="hubs")
    pair.same(
        f"associates({start!r}, {depth}, {flt}, hubs={hubs}, cap={cap})",
        lambda s: _associates(s, start, depth, flt, hubs, cap),
    )


def _reads(pair: Pair, graph: Graph, data: st.DataObject, walks: int) -> None:
    """Every read of the protocol, with random arguments drawn from the graph."""
    node_ids = [n.id for n in graph.nodes]
    persons = graph.of_kind(NodeKind.PERSON)
    sources = graph.of_kind(NodeKind.SOURCE)
    some = st.lists(st.sampled_from([*node_ids, "missing"]), max_size=8)
    starts = st.sampled_from([*node_ids, "missing"])
    if persons:  # mostly a person, as associates and charts ask
        starts = st.sampled_from(persons) | starts
    for _ in range(walks):
        _walk(pair, data, starts)
    flt = data.draw(filters(), label="flt")
    chosen = data.draw(some, label="ids")
    pair.same(f"incident({chosen}, {flt})", lambda s: s.incident(chosen, flt))
    pair.same(f"edges_between({chosen}, {flt})", lambda s: s.edges_between(chosen, flt))
    pair.same(f"projection({flt})", lambda s: _graph(s.projection(flt)))
    pair.same(f"person_names({flt})", lambda s: s.person_names(flt))
    query = data.draw(st.sampled_from(["Ann", "zoe", "jo", "ольга lee", *persons[:2]]), label="q")
    pair.same(
        f"find_persons({query!r}, {flt})",
        lambda s: find_persons(s, query, flt or TraversalFilter()),
    )
    cutoff = data.draw(st.sampled_from(MOMENTS), label="cutoff")
    pair.same(
        f"reports_received_before({cutoff}, {flt})",
        lambda s: s.reports_received_before(cutoff, flt),
    )
    about = data.draw(st.lists(st.tuples(starts, st.booleans()), max_size=3), label="about")
    pair.same(f"reports_about({about})", lambda s: [s.reports_about(*a) for a in about])
    given = data.draw(st.lists(st.sampled_from([*sources, "missing"]), max_size=2), label="by")
    pair.same(f"reports_by_source({given})", lambda s: [s.reports_by_source(i) for i in given])
    view = data.draw(views(), label="view")
    bar = data.draw(st.integers(0, 3), label="min_reports")
    chosen_sources = data.draw(
        st.none() | st.lists(st.sampled_from([*sources, "missing"]), max_size=3), label="sources"
    )
    pair.same(
        f"source_contacts({chosen_sources}, {bar}, {view})",
        lambda s: s.source_contacts(chosen_sources, bar, view),
    )
    hubs = data.draw(st.frozensets(st.sampled_from(["hostel", "school"])), label="hub types")
    pair.same(
        f"source_profiles({bar}, {hubs}, {view})",
        lambda s: s.source_profiles(bar, hubs, PERSONAL_RELATIONSHIPS, view),
    )
    policy = ChisPolicy(min_contacts=max(bar, 1), threshold=data.draw(st.sampled_from([1.0, 3.0])))
    pair.same(
        f"build_queue({policy.min_contacts}, {view})",
        lambda s: build_queue(s, policy, {}, TODAY, view=view),
    )


@st.composite
def changed(draw: st.DrawFn, graph: Graph) -> tuple[list[Node], list[Edge]]:
    """Some records of the graph drawn afresh (same id, kind and ends), some as they were,
    and one new person."""
    nodes: list[Node] = []
    for node in draw(st.lists(st.sampled_from(graph.nodes), max_size=4)):
        nodes.append(draw(node_of(node.kind, node.id)) if draw(st.booleans()) else node)
    nodes.append(Person(id=draw(ids) + "·new", names=[draw(names())]))
    edges: list[Edge] = []
    if graph.edges:
        for e in draw(st.lists(st.sampled_from(graph.edges), max_size=4)):
            fresh = st.just(e) | claims(graph, e.id, e.kind, e.src, e.dst)
            edges.append(draw(fresh))
    return nodes, edges


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(graph=graphs(), data=st.data())
def test_both_backends_answer_alike(stores: Stores, graph: Graph, data: st.DataObject) -> None:
    pair, embedded = _pair(stores)
    try:
        pair.same("load", lambda s: s.upsert(graph.nodes, graph.edges))
        pair.state(graph, counts=True)
        _reads(pair, graph, data, walks=2)
        _writes(pair, graph, data)
        pair.state(graph)
        _reads(pair, graph, data, walks=1)
        # What was removed comes back, and then every report goes: the disposal index must
        # have followed every write above.
        pair.same("reload", lambda s: s.upsert(graph.nodes, graph.edges))
        every = graph.of_kind(NodeKind.REPORT)
        pair.same("delete_with_provenance(every report)", lambda s: s.delete_with_provenance(every))
        pair.state(graph, counts=True)
    finally:
        embedded.close()


def _writes(pair: Pair, graph: Graph, data: st.DataObject) -> None:
    """Changed records, a re-load, refused batches, disposal and deletions, each answer
    compared (the state in between too, once the refused batches are through)."""
    nodes, edges = data.draw(changed(graph), label="changes")
    pair.same("upsert changed", lambda s: s.upsert(nodes, edges))
    pair.same("upsert again", lambda s: s.upsert(nodes, edges))
    if graph.edges:
        first = graph.edges[0]
        ghost = first.model_copy(update={"id": "new", "dst": "ghost"})
        pair.same("upsert with a missing end", lambda s: s.upsert(nodes, [*edges, ghost]))
        moved = first.model_copy(update={"src": first.dst, "dst": first.src})
        pair.same("upsert moving an edge", lambda s: s.upsert(nodes, [moved]))
    other = data.draw(st.sampled_from(graph.nodes), label="recast")
    if other.kind is not NodeKind.OBJECT:
        recast = ObjectEntity(id=other.id, object_type=ObjectType.PHONE, value="07700 900001")
        pair.same("upsert recasting a node", lambda s: s.upsert([*nodes, recast], edges))
    pair.state(graph)

    node_ids = [*[n.id for n in graph.nodes], "missing"]
    doomed = data.draw(st.lists(st.sampled_from(node_ids), max_size=3), label="disposed")
    pair.same(f"delete_with_provenance({doomed})", lambda s: s.delete_with_provenance(doomed))
    edge_ids = [*[e.id for e in graph.edges], "missing"]
    cut = data.draw(st.lists(st.sampled_from(edge_ids), max_size=3), label="cut")
    pair.same(f"delete_edges({cut})", lambda s: s.delete_edges(cut))
    lonely = data.draw(st.lists(st.sampled_from(node_ids), max_size=4), label="lonely")
    pair.same(f"delete_unlinked_nodes({lonely})", lambda s: s.delete_unlinked_nodes(lonely))
