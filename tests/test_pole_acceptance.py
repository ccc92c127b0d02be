"""POLE acceptance: classic analyst questions on a generated world, each answered through
Mosaic and, independently, from the raw interchange lines with plain networkx.

Mentions are stripped before loading, so every link in the raw file names its people and
the independent graph is exact; what remains is the evidence an analyst would chart.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.analysis.associates import associates
from graph.analysis.measures import compute
from graph.analysis.paths import shortest_paths
from graph.edges import AssociationType, EdgeKind
from graph.store import GraphStore, TraversalFilter
from ingest.generator import GeneratorConfig, write_demo_data
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import read_lines
from ingest.state import IngestState

ASSOCIATION = TraversalFilter(edge_kinds=frozenset({EdgeKind.ASSOCIATED_WITH}))


def _name_mentions(record: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
    """Replace each mention by the person record the generator's truth says it is (mentions
    of people with no record are dropped), so every link names its people and the
    independent graph is exact."""
    if record["kind"] != "report":
        return record
    rid = record["id"]

    def ref(r: dict[str, Any]) -> dict[str, Any] | None:
        if r.get("person_id") is not None:
            return r
        pid = who.get(f"{rid}#{r['mention']}")
        return {"person_id": pid} if pid else None

    def refs(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x for x in (ref(r) for r in items) if x is not None]

    links = []
    for a in record["associations"]:
        ends = ref(a["a"]), ref(a["b"])
        if ends[0] and ends[1] and ends[0] != ends[1]:
            links.append(a | {"a": ends[0], "b": ends[1]})
    knows = [r | {"ref": x} for r in record["source_relationship"] if (x := ref(r["ref"]))]
    objects = [o | {"ref": ref(o["ref"]) if o.get("ref") else None} for o in record["objects"]]
    subjects = refs(record["subjects"])
    return record | {
        "mentions": [],
        "subjects": subjects,
        "associations": links,
        "source_relationship": knows,
        "objects": objects,
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("pole")
    raw, truth_path = tmp / "raw.jsonl", tmp / "truth.json"
    write_demo_data(GeneratorConfig(persons=400, reports=900, seed=11), raw, truth_path)
    truth = json.loads(truth_path.read_text())
    first_record: dict[str, str] = {}
    for rec, human in sorted(truth["person_entity"].items()):
        first_record.setdefault(human, rec)
    who = {m: first_record[h] for m, h in truth["mention_entity"].items() if h in first_record}
    records = [_name_mentions(json.loads(line), who) for line in raw.read_text().splitlines()]
    clean = tmp / "world.jsonl"
    clean.write_text("".join(json.dumps(r) + "\n" for r in records))
    return clean, records


@pytest.fixture
def loaded(
    store: GraphStore, world: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> GraphStore:
    with IngestState(tmp_path / "ingest.db") as state:
        outcome = ingest(
            store, state, [read_lines(world[0])], actor=Actor("test:pole", "admin"), audit=None
        )
    assert outcome.load.quarantined == 0
    return store


def independent(records: list[dict[str, Any]]) -> nx.Graph:
    """The POLE graph straight from the file: persons, reports, places, objects."""
    g = nx.Graph()
    for r in records:
        if r["kind"] == "person":
            g.add_node(r["id"], kind="Person", nominal=bool(r.get("visor")))
            for spell in r.get("addresses", []):
                g.add_edge(r["id"], spell["location_id"], kind="RESIDES_AT")
        elif r["kind"] == "association":
            g.add_edge(r["a"], r["b"], kind="ASSOCIATED_WITH")
        elif r["kind"] == "report":
            for s in r["subjects"]:
                g.add_edge(r["id"], s["person_id"], kind="ABOUT")
            for a in r["associations"]:
                g.add_edge(a["a"]["person_id"], a["b"]["person_id"], kind="ASSOCIATED_WITH")
            for o in r["objects"]:
                if o.get("ref"):
                    g.add_edge(o["object_id"], o["ref"]["person_id"], kind="USED_BY")
            for loc in r["locations"]:
                g.add_edge(r["id"], loc["location_id"], kind="AT_LOCATION")
    return g


def test_reports_by_location(loaded: GraphStore, world: tuple[Path, list[dict[str, Any]]]) -> None:
    counts = Counter(
        loc["location_id"]
        for r in world[1]
        if r["kind"] == "report"
        for loc in {(x["location_id"]): x for x in r["locations"]}.values()
    )
    place, expected = counts.most_common(1)[0]
    hood = loaded.neighbours(
        place, 1, TraversalFilter(edge_kinds=frozenset({EdgeKind.AT_LOCATION})), None
    )
    assert len([n for n in hood.nodes if n.kind == "Report"]) == expected


def test_people_who_know_the_most_offenders(
    loaded: GraphStore, world: tuple[Path, list[dict[str, Any]]]
) -> None:
    g = independent(world[1])
    links = g.edge_subgraph(
        [(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "ASSOCIATED_WITH"]
    )
    nominal = {n for n, d in g.nodes(data=True) if d.get("nominal")}
    knows = {p: len(set(links[p]) & nominal) for p in links if p not in nominal}
    top = sorted(knows, key=lambda p: (-knows[p], p))[:5]
    for person in top:
        mine = associates(loaded, person, flt=ASSOCIATION, limit=10_000).associates
        assert sum(1 for a in mine if a.nominal_type is not None) == knows[person]


def test_friends_of_friends(loaded: GraphStore, world: tuple[Path, list[dict[str, Any]]]) -> None:
    g = independent(world[1])
    links = nx.Graph([(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "ASSOCIATED_WITH"])
    person = max(sorted(links), key=lambda p: links.degree(p))
    expected = set(nx.ego_graph(links, person, radius=2)) - {person}
    mine = associates(loaded, person, depth=2, flt=ASSOCIATION, limit=10_000).associates
    assert {a.person.id for a in mine} == expected


RELATIVES = frozenset({AssociationType.FAMILY, AssociationType.PARENT_OF, AssociationType.CHILD_OF})


def test_relatives_who_know_offenders_and_live_at_the_same_address(
    loaded: GraphStore, world: tuple[Path, list[dict[str, Any]]]
) -> None:
    """People who are not offenders themselves but share an address with a relative who
    knows a ViSOR nominal (the classic POLE "vulnerable household" question)."""
    homes: dict[str, set[str]] = defaultdict(set)
    knows: dict[str, set[str]] = defaultdict(set)
    family: set[frozenset[str]] = set()
    nominal: set[str] = set()
    for r in world[1]:
        if r["kind"] == "person":
            homes[r["id"]] |= {spell["location_id"] for spell in r.get("addresses", [])}
            if r.get("visor"):
                nominal.add(r["id"])
        pairs = [(r["a"], r["b"], r["type"])] if r["kind"] == "association" else []
        if r["kind"] == "report":
            pairs = [
                (x["a"]["person_id"], x["b"]["person_id"], x["type"]) for x in r["associations"]
            ]
        for a, b, kind in pairs:
            knows[a].add(b)
            knows[b].add(a)
            if kind in RELATIVES:
                family.add(frozenset((a, b)))
    expected = {
        p
        for pair in family
        for p, relative in itertools.permutations(pair)
        if p not in nominal and homes[p] & homes[relative] and knows[relative] & nominal - {p}
    }
    assert expected, "the generated world should contain the pattern"

    people = sorted(r["id"] for r in world[1] if r["kind"] == "person" and not r.get("visor"))
    relative_flt = TraversalFilter(association_types=RELATIVES)
    at_home = frozenset({EdgeKind.RESIDES_AT})
    found = set()
    for p in people:
        relatives = associates(
            loaded, p, flt=relative_flt, steps=frozenset({EdgeKind.ASSOCIATED_WITH})
        ).associates
        if not relatives:
            continue
        housemates = associates(loaded, p, steps=at_home, include_hubs=True, max_fanout=None)
        home = {a.person.id for a in housemates.associates}
        for relative in (a.person.id for a in relatives if a.person.id in home):
            theirs = associates(loaded, relative, flt=ASSOCIATION, limit=10_000).associates
            if any(a.nominal_type is not None and a.person.id != p for a in theirs):
                found.add(p)
    assert found == expected


def test_shortest_paths_between_persons_of_interest(
    loaded: GraphStore, world: tuple[Path, list[dict[str, Any]]]
) -> None:
    g = independent(world[1])
    kinds = {"ASSOCIATED_WITH", "RESIDES_AT", "ABOUT", "USED_BY"}
    steps = nx.Graph([(u, v) for u, v, d in g.edges(data=True) if d["kind"] in kinds])
    nominals = sorted(n for n, d in g.nodes(data=True) if d.get("nominal") and n in steps)
    checked = 0
    for a, b in itertools.pairwise(nominals):
        if not nx.has_path(steps, a, b):
            continue
        length = nx.shortest_path_length(steps, a, b)
        if length > 6:
            continue
        found = shortest_paths(loaded, a, b, max_len=6, include_hubs=True, max_fanout=None)
        assert found.length == length
        expected = {tuple(p) for p in nx.all_shortest_paths(steps, a, b)}
        walked = set()
        for path in found.paths:
            node, seq = a, [a]
            for edge in path:
                node = edge.dst if edge.src == node else edge.src
                seq.append(node)
            walked.add(tuple(seq))
        if not found.truncated:
            assert walked == expected
        checked += 1
        if checked == 5:
            break
    assert checked >= 3


def test_triangles_and_top_betweenness(
    loaded: GraphStore, world: tuple[Path, list[dict[str, Any]]]
) -> None:
    g = independent(world[1])
    kinds = {"ASSOCIATED_WITH", "RESIDES_AT", "ABOUT", "USED_BY"}
    steps = nx.Graph([(u, v) for u, v, d in g.edges(data=True) if d["kind"] in kinds])
    hubs = {"custody_suite", "hospital", "hostel", "prison", "transport_hub", "public_place"}
    hub_ids = {r["id"] for r in world[1] if r["kind"] == "location" and r["location_type"] in hubs}
    steps.remove_nodes_from(hub_ids)
    rows, _ = compute(loaded, TraversalFilter())
    mine = {r.node_id: r.values for r in rows}
    triangles = nx.triangles(steps)
    for node in sorted(steps)[:200]:
        assert mine[node]["triangles"] == triangles[node], node
    between = nx.betweenness_centrality(steps)
    top = sorted(between, key=lambda n: (-between[n], n))[:5]
    assert sorted(mine, key=lambda n: (-mine[n]["betweenness"], n))[:5] == top
