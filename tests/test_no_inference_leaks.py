"""Property tests: for every role, what the store answers under the caller's policy equals
the answer computed on the caller's visible subgraph alone.

Random graphs with random markings are generated (hypothesis). For each role, the visible
subgraph is worked out here independently from the role table; neighbourhoods (with and
without a fan-out cap), edges between nodes, degrees and counts from the projection must
match a reference computed with networkx on that subgraph only. A hidden node or edge must
never show as a hop, a count, a degree or a capped fan-out.

The reads built on those walks (link charts with their node cap, fan-out cap, `more`
counts, `left_out` and expansion; associates; paths; timelines; risk) are checked the
same way: over the whole store under a role's policy they must equal the same read over a
store that holds only what that role may see. Embedded only: the backends give the same
answer to every store read they are built from (`tests/test_store_differential.py`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.access import ROLE_RULES, AccessPolicy, Principal, Role
from graph.analysis.associates import associates
from graph.analysis.paths import shortest_paths
from graph.analysis.risk import assess
from graph.analysis.timeline import timeline
from graph.charts.build import build_chart
from graph.edges import AssociationType, Edge, EdgeKind
from graph.errors import NotFound
from graph.markings import Classification, Compartment, Marking
from graph.nodes import (
    Event,
    EventType,
    LocationType,
    Node,
    NodeKind,
    NominalType,
    ObjectEntity,
    ObjectType,
    Visor,
)
from graph.store import GraphStore
from graph.stores.sqlite import SqliteGraphStore
from tests.factories import edge, from_report, location, person, report

HANDLING = [None, "P", "C", "1", "2", "4"]


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    code = draw(st.sampled_from(HANDLING))
    return Marking(
        classification=draw(st.sampled_from(list(Classification))),
        compartment=draw(
            st.sampled_from([Compartment.GENERAL] * 3 + [*Compartment])  # mostly general
        ),
        handling_code=code,
        handling_conditions="originator consent" if code == "C" else None,
    )


@dataclass
class RandomGraph:
    nodes: list[Node]
    edges: list[Edge]


@st.composite
def graphs(draw: st.DrawFn) -> RandomGraph:
    n_people = draw(st.integers(3, 14))
    n_places = draw(st.integers(0, 3))
    people = [person(f"P{i:02d}", marking=draw(markings())) for i in range(n_people)]
    places = [
        location(f"L{i}", LocationType.HOSTEL, marking=draw(markings())) for i in range(n_places)
    ]
    pairs = draw(
        st.sets(st.tuples(st.integers(0, n_people - 1), st.integers(0, n_people - 1)), max_size=30)
    )
    edges = [
        edge(
            f"E{k:03d}",
            EdgeKind.ASSOCIATED_WITH,
            f"P{a:02d}",
            f"P{b:02d}",
            assoc=AssociationType.ASSOCIATE,
            marking=draw(markings()),
        )
        for k, (a, b) in enumerate(sorted(pairs))
        if a != b
    ]
    if places:
        stays = draw(
            st.sets(
                st.tuples(st.integers(0, n_people - 1), st.integers(0, n_places - 1)), max_size=12
            )
        )
        edges += [
            edge(f"H{k:03d}", EdgeKind.RESIDES_AT, f"P{a:02d}", f"L{b}", marking=draw(markings()))
            for k, (a, b) in enumerate(sorted(stays))
        ]
    # management events (licences, minutes, travel) hang off people with markings of their own
    n_events = draw(st.integers(0, 3))
    events = [
        Event(
            id=f"EV{i}",
            event_type=draw(st.sampled_from(list(EventType))),
            occurred_on=date(2026, 1, 1 + i),
            marking=draw(markings()),
        )
        for i in range(n_events)
    ]
    edges += [
        edge(
            f"C{i}",
            EdgeKind.CONCERNS,
            f"EV{i}",
            f"P{draw(st.integers(0, n_people - 1)):02d}",
            marking=draw(markings()),
        )
        for i in range(n_events)
    ]
    return RandomGraph([*people, *places, *events], edges)


def visible_to(role: Role, marking: Marking) -> bool:
    """The role table read directly: compartment allowed, and the handling code allowed."""
    rule = ROLE_RULES[role]
    codes = rule.handling_codes
    return marking.compartment in rule.compartments and (
        codes is None or marking.handling_code is None or marking.handling_code in codes
    )


def visible_graph(g: RandomGraph, role: Role) -> nx.MultiGraph:
    ref = nx.MultiGraph()
    ref.add_nodes_from(n.id for n in g.nodes if visible_to(role, n.marking))
    for e in g.edges:
        if visible_to(role, e.marking) and e.src in ref and e.dst in ref:
            ref.add_edge(e.src, e.dst, key=e.id)
    return ref


def reference_bfs(
    ref: nx.MultiGraph, start: str, depth: int, cap: int | None
) -> tuple[dict[str, int], dict[str, int]]:
    """Levels and capped degrees, by the contract's definition, on the visible graph only."""
    level, capped, frontier = {start: 0}, {}, [start]
    for d in range(1, depth + 1):
        nxt: set[str] = set()
        for node in frontier:
            degree = ref.degree(node)
            if cap is not None and degree > cap:
                capped[node] = degree
                continue
            nxt.update(nb for nb in ref.neighbors(node) if nb not in level)
        for node in nxt:
            level[node] = d
        frontier = sorted(nxt)
    return level, capped


ROLES = list(Role)


def check_role(store: GraphStore, g: RandomGraph, role: Role) -> None:
    policy = AccessPolicy(Principal(name="t", role=role))
    ref = visible_graph(g, role)
    flt = policy.filter
    projection = store.projection(flt)
    assert set(projection.nodes) == set(ref.nodes)
    assert projection.number_of_edges() == ref.number_of_edges()
    assert dict(projection.degree()) == dict(ref.degree())
    all_ids = [n.id for n in g.nodes]
    assert sorted(e.id for e in store.edges_between(all_ids, flt)) == sorted(
        k for _, _, k in ref.edges(keys=True)
    )
    for start in all_ids[:4]:
        if start not in ref:
            with pytest.raises(NotFound):
                store.neighbours(start, 2, flt)
            continue
        for cap in (None, 2):
            hood = store.neighbours(start, 2, flt, max_fanout=cap)
            level, capped = reference_bfs(ref, start, 2, cap)
            assert hood.depth == level
            assert hood.capped == capped
            assert {e.id for e in hood.edges} <= {k for _, _, k in ref.edges(keys=True)}


@contextmanager
def fresh_embedded() -> Iterator[SqliteGraphStore]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteGraphStore(Path(tmp) / "g.db", synchronous="OFF")
        try:
            yield store
        finally:
            store.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_embedded_results_equal_visible_subgraph_results(g: RandomGraph) -> None:
    with fresh_embedded() as store:
        store.upsert(g.nodes, g.edges)
        for role in ROLES:
            check_role(store, g, role)


@pytest.mark.neo4j
def test_neo4j_results_equal_visible_subgraph_results(
    neo4j_store: GraphStore, neo4j_wipe: Callable[[], None]
) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(graphs())
    def run(g: RandomGraph) -> None:
        neo4j_wipe()
        neo4j_store.upsert(g.nodes, g.edges)
        for role in ROLES:
            check_role(neo4j_store, g, role)

    run()


# -- reads built on the walks: the whole store under a policy == the visible part alone --

TODAY = date(2026, 4, 1)
LINK_TYPES = [
    AssociationType.ASSOCIATE,
    AssociationType.PARTNER,
    AssociationType.CO_OFFENDER,
    AssociationType.PARENT_OF,
]


@st.composite
def linked_graphs(draw: st.DrawFn) -> RandomGraph:
    """People (some ViSOR nominals, some children), reports about or naming them, homes
    (some hubs, some schools), objects, and links resting on graded reports or records:
    enough for every kind of person step, hub, grade filter and risk rule to come up."""
    n_people, n_reports = draw(st.integers(3, 9)), draw(st.integers(0, 4))
    n_places, n_objects = draw(st.integers(0, 3)), draw(st.integers(0, 2))

    def who(i: int) -> Node:
        kind = draw(st.sampled_from([None, None, NominalType.RSO, NominalType.PDP]))
        visor = None
        if kind is not None:
            visor = Visor(
                ref=f"V{i}",
                nominal_type=kind,
                mappa_category=1 if kind is NominalType.RSO else None,
                next_review=date(2026, 6, 1),
            )
        dob = draw(st.sampled_from([None, date(1980, 1, 1), date(2015, 1, 1)]))
        return person(f"P{i}", marking=draw(markings()), visor=visor, dob=dob)

    reports = [
        report(
            f"R{i}",
            code=draw(st.sampled_from(["2BP", "1AP", "3EP", "2BC"])),
            marking=draw(markings()),
        )
        for i in range(n_reports)
    ]
    nodes: list[Node] = [who(i) for i in range(n_people)]
    nodes += reports
    nodes += [
        location(
            f"L{i}",
            draw(
                st.sampled_from(
                    [LocationType.RESIDENTIAL, LocationType.HOSTEL, LocationType.SCHOOL]
                )
            ),
            marking=draw(markings()),
        )
        for i in range(n_places)
    ]
    nodes += [
        ObjectEntity(
            id=f"O{i}", object_type=ObjectType.VEHICLE, value=f"V{i}", marking=draw(markings())
        )
        for i in range(n_objects)
    ]

    def pairs(a: int, b: int, most: int) -> list[tuple[int, int]]:
        if not a or not b:
            return []
        found = draw(
            st.sets(st.tuples(st.integers(0, a - 1), st.integers(0, b - 1)), max_size=most)
        )
        return sorted(found)

    def evidence() -> dict[str, Any]:
        if not reports or draw(st.booleans()):
            return {}  # a structured record
        r = reports[draw(st.integers(0, len(reports) - 1))]
        day = date(2026, 1, draw(st.integers(1, 28)))
        return {"supports": [from_report(r, day)], "first": day, "last": day}

    edges = [
        edge(
            f"A{k:02d}",
            EdgeKind.ASSOCIATED_WITH,
            f"P{a}",
            f"P{b}",
            assoc=draw(st.sampled_from(LINK_TYPES)),
            marking=draw(markings()),
            **evidence(),
        )
        for k, (a, b) in enumerate(pairs(n_people, n_people, 16))
        if a != b
    ]
    edges += [
        edge(
            f"B{k:02d}",
            draw(st.sampled_from([EdgeKind.ABOUT, EdgeKind.MENTIONS])),
            f"R{r}",
            f"P{p}",
            marking=draw(markings()),
        )
        for k, (r, p) in enumerate(pairs(n_reports, n_people, 10))
    ]
    edges += [
        edge(
            f"T{k:02d}",
            EdgeKind.AT_LOCATION,
            f"R{r}",
            f"L{x}",
            marking=draw(markings()),
            role="sighting",
        )
        for k, (r, x) in enumerate(pairs(n_reports, n_places, 4))
    ]
    edges += [
        edge(
            f"H{k:02d}",
            EdgeKind.RESIDES_AT,
            f"P{p}",
            f"L{x}",
            marking=draw(markings()),
            **evidence(),
        )
        for k, (p, x) in enumerate(pairs(n_people, n_places, 8))
    ]
    edges += [
        edge(f"U{k:02d}", EdgeKind.USED_BY, f"O{o}", f"P{p}", marking=draw(markings()))
        for k, (o, p) in enumerate(pairs(n_objects, n_people, 5))
    ]
    return RandomGraph(nodes, edges)


@dataclass(frozen=True)
class Asked:
    """The caps and filters one example reads with."""

    node_cap: int
    fanout: int | None
    hubs: bool
    min_grade: bool


def reads(
    store: GraphStore, policy: AccessPolicy, start: str, other: str, ask: Asked
) -> dict[str, object]:
    """Every read an analyst can make around `start`, as plain data."""
    flt = policy.filter
    if ask.min_grade:
        flt = flt.model_copy(
            update={"max_source_evaluation": "2", "min_intelligence_assessment": "B"}
        )
    out: dict[str, object] = {}
    for depth in (1, 2, 3):
        for expand in ((), (other, "R0", "L0", "O0")):
            chart = build_chart(
                store,
                start,
                policy,
                depth=depth,
                flt=flt,
                include_hubs=ask.hubs,
                cap=ask.node_cap,
                expand=expand,
                max_fanout=ask.fanout,
                today=TODAY,
            )
            out[f"chart {depth} {expand}"] = chart.model_dump()
        found = associates(
            store,
            start,
            depth=depth,
            flt=flt,
            include_hubs=ask.hubs,
            max_fanout=ask.fanout,
            limit=3,
            today=TODAY,
        )
        out[f"associates {depth}"] = (
            [
                (a.person.id, a.steps, [e.id for e in a.path], a.via, a.strength)
                for a in found.associates
            ],
            found.high_fanout,
            found.truncated,
        )
    if other != start:
        p = shortest_paths(
            store, start, other, flt=flt, include_hubs=ask.hubs, max_fanout=ask.fanout
        )
        out["paths"] = (
            p.length,
            [[e.id for e in q] for q in p.paths],
            sorted(p.nodes),
            p.truncated,
            p.high_fanout,
        )
    out["timeline"] = timeline(store, start, flt)
    risk = assess(store, start, flt=flt, today=TODAY)
    out["risk"] = (risk.score, risk.findings, risk.not_raising)
    return out


VIEWS = {(ROLE_RULES[r].compartments, ROLE_RULES[r].handling_codes): r for r in ROLES}
"""One role per distinct view (offender managers and supervisors see alike, frontline
officers and service accounts too)."""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    linked_graphs(),
    st.builds(
        Asked, st.integers(1, 6), st.sampled_from([None, 1, 2, 3]), st.booleans(), st.booleans()
    ),
)
def test_reads_over_a_view_equal_reads_over_that_view_alone(g: RandomGraph, ask: Asked) -> None:
    with fresh_embedded() as whole:
        whole.upsert(g.nodes, g.edges)
        for role in VIEWS.values():
            if not ROLE_RULES[role].compartments:
                continue  # sees no data
            policy = AccessPolicy(Principal(name="t", role=role))
            ref = visible_graph(g, role)
            shown = [n for n in g.nodes if n.id in ref]
            links = [e for e in g.edges if ref.has_edge(e.src, e.dst, key=e.id)]
            people = [n.id for n in shown if n.kind is NodeKind.PERSON]
            with fresh_embedded() as alone:
                alone.upsert(shown, links)
                for start in people[:2]:
                    other = people[-1]
                    got = reads(whole, policy, start, other, ask)
                    want = reads(alone, policy, start, other, ask)
                    for what, answer in got.items():
                        assert answer == want[what], (role, start, what)
