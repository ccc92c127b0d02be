"""The store contract, run identically against every backend (embedded SQLite and Neo4j)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.analysis.associates import HUB_LOCATION_TYPES, associates
from graph.analysis.search import find_persons
from graph.chis.policy import PERSONAL_RELATIONSHIPS
from graph.edges import AssociationType, EdgeKind, Support
from graph.errors import EndpointKindMismatch, KindConflict, MissingEndpoint, NotFound
from graph.markings import Classification, Compartment, Marking
from graph.nodes import LocationType, Name, NodeKind, Person, Source, SourceType
from graph.store import GraphStore, TraversalFilter
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.sqlite import SqliteGraphStore
from tests import scenario as sc
from tests.factories import edge, location, person, report


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def ids(items: Sequence[Any]) -> list[str]:
    return [i.id for i in items]


def reached(store: GraphStore, start: str, depth: int = 1, **flt: object) -> set[str]:
    hood = store.neighbours(start, depth, TraversalFilter(**flt))
    return set(hood.depth) - {start}


# -- writes -------------------------------------------------------------------------------


def test_upsert_reports_created_then_unchanged(store: GraphStore) -> None:
    first = store.upsert(sc.NODES, sc.EDGES)
    assert sorted(first.created) == sorted(ids(sc.NODES) + ids(sc.EDGES))
    assert first.updated == [] and first.unchanged == 0
    before = store.counts()
    again = store.upsert(sc.NODES, sc.EDGES)
    assert again.created == [] and again.updated == []
    assert again.unchanged == len(sc.NODES) + len(sc.EDGES)
    assert store.counts() == before


def test_changed_record_updates_in_place(loaded: GraphStore) -> None:
    moved = sc.P2.model_copy(update={"vulnerable": True})
    result = loaded.upsert([moved, sc.P3])
    assert result.updated == ["P2"] and result.unchanged == 1 and result.created == []
    node = loaded.get_node("P2")
    assert node is not None and node.model_dump() == moved.model_dump()
    assert loaded.counts().nodes["Person"] == 6


def test_counts_by_kind(loaded: GraphStore) -> None:
    counts = loaded.counts()
    assert counts.nodes == {"Location": 3, "Object": 1, "Person": 6, "Report": 3, "Source": 1}
    expected: dict[str, int] = {}
    for e in sc.EDGES:
        expected[e.kind.value] = expected.get(e.kind.value, 0) + 1
    assert counts.edges == dict(sorted(expected.items()))
    assert counts.total_nodes == 14 and counts.total_edges == 21


def test_every_node_and_edge_round_trips_unchanged(loaded: GraphStore) -> None:
    nodes = loaded.get_nodes(ids(sc.NODES))
    for node in sc.NODES:
        assert nodes[node.id].model_dump() == node.model_dump(), node.id
    edges = loaded.get_edges(ids(sc.EDGES))
    for e in sc.EDGES:
        assert edges[e.id].model_dump() == e.model_dump(), e.id
    p1 = loaded.get_node("P1")
    assert p1 is not None and p1.kind is NodeKind.PERSON
    assert p1.medical is not None and p1.medical.marking.compartment is Compartment.MEDICAL
    r1 = loaded.get_node("R1")
    assert r1 is not None and r1.kind is NodeKind.REPORT
    assert r1.confidential is not None
    assert r1.confidential.marking.compartment is Compartment.CONFIDENTIAL
    assert r1.grading.handling_conditions == "originator consent before action"
    k1 = loaded.get_edge("K1")
    assert k1 is not None and k1.marking.compartment is Compartment.SOURCE
    assert loaded.get_node("nope") is None and loaded.get_edge("nope") is None


def test_last_occurrence_in_a_batch_wins(store: GraphStore) -> None:
    store.upsert([person("X", "First"), person("X", "Second")])
    node = store.get_node("X")
    assert node is not None and node.kind is NodeKind.PERSON
    assert node.primary_name.given == "Second"


# -- batch atomicity: a failing batch leaves nothing ------------------------------------


def _nothing_written(store: GraphStore, before: object) -> None:
    assert store.counts() == before
    assert store.get_node("NEW") is None


def test_missing_endpoint_rejects_whole_batch(loaded: GraphStore) -> None:
    before = loaded.counts()
    bad = edge("BAD", EdgeKind.ASSOCIATED_WITH, "NEW", "GHOST", assoc=AssociationType.FRIEND)
    with pytest.raises(MissingEndpoint, match=r"'BAD'.*'GHOST'"):
        loaded.upsert([person("NEW")], [bad])
    _nothing_written(loaded, before)


def test_wrong_endpoint_kind_rejects_whole_batch(loaded: GraphStore) -> None:
    before = loaded.counts()
    bad = edge("BAD", EdgeKind.RESIDES_AT, "NEW", "P2")
    with pytest.raises(EndpointKindMismatch, match="needs a Location at 'P2'"):
        loaded.upsert([person("NEW")], [bad])
    _nothing_written(loaded, before)


def test_id_reused_for_another_kind_rejects_whole_batch(loaded: GraphStore) -> None:
    before = loaded.counts()
    with pytest.raises(KindConflict, match="'P1' is a Person"):
        loaded.upsert([person("NEW"), location("P1")])
    _nothing_written(loaded, before)


def test_edge_cannot_change_its_ends(loaded: GraphStore) -> None:
    before = loaded.counts()
    moved = edge("A1", EdgeKind.ASSOCIATED_WITH, "P1", "P6", assoc=AssociationType.PARTNER)
    with pytest.raises(KindConflict, match="'A1'"):
        loaded.upsert([person("NEW")], [moved])
    _nothing_written(loaded, before)
    a1 = loaded.get_edge("A1")
    assert a1 is not None and a1.dst == "P2"


# -- neighbourhoods -------------------------------------------------------------------------


def test_depth_one_neighbourhood_in_order(loaded: GraphStore) -> None:
    hood = loaded.neighbours("P1", 1)
    assert ids(hood.nodes) == ["P1", "L1", "O1", "P2", "P5", "R1", "R2", "R3", "S1"]
    assert ids(hood.edges) == ["A1", "A3", "AB1", "AB2", "AB3", "H1", "K1", "U1"]
    assert hood.depth["P2"] == 1 and hood.parent_edge["P2"] == "A1"
    assert hood.capped == {}


def test_frame_is_the_neighbourhood_without_records_and_last_narrows_the_final_level(
    loaded: GraphStore,
) -> None:
    hood = loaded.neighbours("P1", 2)
    frame = loaded.frame("P1", 2)
    assert frame.depth == hood.depth and frame.parent_edge == hood.parent_edge
    assert sorted(frame.edges) == [e.id for e in hood.edges]
    assert {n.id: n.kind for n in hood.nodes} == frame.kinds
    persons = TraversalFilter(node_kinds=frozenset({NodeKind.PERSON}))
    narrowed = loaded.frame("P1", 2, last=persons)
    assert {n for n, d in narrowed.depth.items() if d == 2} == {
        n for n, d in hood.depth.items() if d == 2 and frame.kinds[n] is NodeKind.PERSON
    }
    assert {n: d for n, d in narrowed.depth.items() if d < 2} == {
        n: d for n, d in hood.depth.items() if d < 2
    }


def test_incident_edges_of_many_nodes_as_refs(loaded: GraphStore) -> None:
    homes = TraversalFilter(edge_kinds=frozenset({EdgeKind.RESIDES_AT}))
    refs = loaded.incident(["P1", "P2", "P3", "P4"], homes)
    assert [(r.id, r.kind, r.src, r.dst) for r in refs] == [
        ("H1", EdgeKind.RESIDES_AT, "P1", "L1"),
        ("H2", EdgeKind.RESIDES_AT, "P2", "L1"),
        ("H3", EdgeKind.RESIDES_AT, "P3", "L1"),
    ]
    about = loaded.incident(["R1"], TraversalFilter(edge_kinds=frozenset({EdgeKind.ABOUT})))
    assert [r.id for r in about] == ["AB1"]
    assert loaded.incident([]) == []


def test_depth_two_matches_networkx_and_paths_are_evidence(loaded: GraphStore) -> None:
    hood = loaded.neighbours("P1", 2)
    ref = nx.Graph()
    ref.add_edges_from((e.src, e.dst) for e in sc.EDGES)
    expected = nx.single_source_shortest_path_length(ref, "P1", cutoff=2)
    assert hood.depth == expected
    # P3 is two hops away by A2 (via P2) and by H3 (via L1): the smaller edge id wins.
    assert [e.id for e in hood.path_to("P3")] == ["A1", "A2"]
    assert [e.id for e in hood.path_to("L3")] == ["AB3", "L33"]
    for node_id, d in hood.depth.items():
        assert len(hood.path_to(node_id)) == d


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"edge_kinds": frozenset({EdgeKind.ASSOCIATED_WITH})}, {"P2", "P5"}),
        (
            {"association_types": frozenset({AssociationType.PARTNER})},
            {"P2", "L1", "R1", "R2", "R3", "O1"},
        ),
        ({"since": date(2026, 3, 2)}, {"P5", "R2", "O1", "S1"}),
        ({"until": date(2025, 12, 31)}, {"L1", "O1", "S1"}),
        ({"max_source_evaluation": "2"}, {"P2", "L1", "R1", "O1", "S1"}),
        ({"min_intelligence_assessment": "D"}, {"P2", "L1", "R1", "O1", "S1"}),
        ({"exclude_suspected_false": True}, {"P2", "L1", "R1", "R3", "O1", "S1"}),
        ({"node_kinds": frozenset({NodeKind.PERSON})}, {"P2", "P5"}),
        (
            {"compartments": frozenset({Compartment.GENERAL})},
            {"P2", "P5", "L1", "R1", "R2", "R3", "O1"},
        ),
    ],
    ids=["kinds", "assoc-types", "since", "until", "source-eval", "intel", "no-E", "nodes", "comp"],
)
def test_filters_at_depth_one(
    loaded: GraphStore, flt: dict[str, object], expected: set[str]
) -> None:
    assert reached(loaded, "P1", 1, **flt) == expected


def test_hub_locations_can_be_excluded(loaded: GraphStore) -> None:
    assert "L3" in reached(loaded, "P1", 2)
    hubs = frozenset({LocationType.CUSTODY_SUITE, LocationType.HOSPITAL})
    assert "L3" not in reached(loaded, "P1", 2, exclude_location_types=hubs)
    assert "L2" in reached(loaded, "P1", 2, exclude_location_types=hubs)


def test_hidden_classification_hides_nodes_and_start(loaded: GraphStore) -> None:
    official = frozenset({Classification.OFFICIAL})
    assert reached(loaded, "R2", 1, classifications=official) == set()
    with pytest.raises(NotFound):
        loaded.neighbours("P1", 1, TraversalFilter(classifications=official))


def test_missing_start_and_bad_depth(loaded: GraphStore) -> None:
    with pytest.raises(NotFound):
        loaded.neighbours("nope", 1)
    with pytest.raises(ValueError, match="depth"):
        loaded.neighbours("P1", 0)


def test_fanout_cap_reports_instead_of_flooding(store: GraphStore) -> None:
    people = [person(f"Q{i:02d}") for i in range(20)]
    hub = location("HUB", LocationType.HOSTEL)
    stays = [edge(f"S{i:02d}", EdgeKind.RESIDES_AT, p.id, "HUB") for i, p in enumerate(people)]
    store.upsert([*people, hub], stays)
    capped = store.neighbours("Q00", 2, max_fanout=10)
    assert set(capped.depth) == {"Q00", "HUB"}
    assert capped.capped == {"HUB": 20}
    assert ids(capped.edges) == ["S00"]
    full = store.neighbours("Q00", 2, max_fanout=None)
    assert len(full.depth) == 21 and full.capped == {}
    start_capped = store.neighbours("HUB", 1, max_fanout=5)
    assert set(start_capped.depth) == {"HUB"} and start_capped.capped == {"HUB": 20}


def test_random_graphs_match_networkx_bfs(store: GraphStore) -> None:
    rng = random.Random(7)
    people = [person(f"N{i:03d}") for i in range(60)]
    pairs = {tuple(sorted(rng.sample(range(60), 2))) for _ in range(110)}
    links = [
        edge(
            f"E{k:03d}",
            EdgeKind.ASSOCIATED_WITH,
            f"N{a:03d}",
            f"N{b:03d}",
            assoc=AssociationType.ASSOCIATE,
        )
        for k, (a, b) in enumerate(sorted(pairs))
    ]
    store.upsert(people, links)
    ref = nx.Graph()
    ref.add_nodes_from(p.id for p in people)
    for e in links:
        ref.add_edge(e.src, e.dst, id=e.id)
    for start in ("N000", "N017", "N042"):
        for depth in (1, 2, 3):
            hood = store.neighbours(start, depth, max_fanout=None)
            expected = nx.single_source_shortest_path_length(ref, start, cutoff=depth)
            assert hood.depth == expected
            for node_id, d in expected.items():
                if d == 0:
                    continue
                parent = min(
                    ref.edges[node_id, nb]["id"]
                    for nb in ref.neighbors(node_id)
                    if expected.get(nb) == d - 1
                )
                assert hood.parent_edge[node_id] == parent


# -- other reads ----------------------------------------------------------------------------


def test_edges_between(loaded: GraphStore) -> None:
    assert ids(loaded.edges_between(["P1", "P2", "P3", "L1"])) == ["A1", "A2", "H1", "H2", "H3"]
    no_source = TraversalFilter(compartments=frozenset({Compartment.GENERAL}))
    assert ids(loaded.edges_between(["S1", "P1", "P4"])) == ["K1", "SP1"]
    assert loaded.edges_between(["S1", "P1", "P4"], no_source) == []


def test_reports_by_source_and_about_in_time_order(loaded: GraphStore) -> None:
    assert ids(loaded.reports_by_source("S1")) == ["R1", "R2"]
    assert ids(loaded.reports_about("P1")) == ["R3", "R1", "R2"]
    assert ids(loaded.reports_about("P2")) == ["R1"]
    assert loaded.reports_about("P2", include_mentions=False) == []
    assert loaded.reports_by_source("nope") == []


def test_projection_for_algorithms(loaded: GraphStore) -> None:
    graph = loaded.projection()
    assert set(graph.nodes) == set(ids(sc.NODES))
    assert sorted(k for _, _, k in graph.edges(keys=True)) == sorted(ids(sc.EDGES))
    assert graph.nodes["L3"] == {"kind": "Location", "subtype": "custody_suite"}
    assert graph.nodes["P1"]["subtype"] == "RSO"
    assert graph.edges["P1", "P2", "A1"] == {"kind": "ASSOCIATED_WITH", "subtype": "partner"}
    general = loaded.projection(TraversalFilter(compartments=frozenset({Compartment.GENERAL})))
    assert not {"K1", "SP1"} & {k for _, _, k in general.edges(keys=True)}
    persons = loaded.projection(TraversalFilter(node_kinds=frozenset({NodeKind.PERSON})))
    assert set(persons.nodes) == {"P1", "P2", "P3", "P4", "P5", "P6"}
    assert sorted(k for _, _, k in persons.edges(keys=True)) == ["A1", "A2", "A3", "A4"]


# -- disposal -------------------------------------------------------------------------------


def test_disposal_keeps_multiply_supported_edges(loaded: GraphStore) -> None:
    both = edge(
        "A5",
        EdgeKind.ASSOCIATED_WITH,
        "P1",
        "P6",
        assoc=AssociationType.ASSOCIATE,
        supports=[
            Support(report_id="R1", grading=sc.R1.grading),
            Support(report_id="R2", grading=sc.R2.grading),
        ],
    )
    loaded.upsert(edges=[both])
    result = loaded.delete_with_provenance(["R2", "P1", "not-there"])
    assert result.deleted_nodes == ["R2"]
    # R2's own edges (AB2, PB2) and A3, supported by R2 alone, go; A5 keeps R1's support.
    assert result.deleted_edges == ["A3", "AB2", "PB2"]
    assert result.updated_edges == ["A5"]
    a5 = loaded.get_edge("A5")
    assert a5 is not None and a5.report_ids == ["R1"]
    assert loaded.get_node("R2") is None and loaded.get_node("P1") is not None
    assert loaded.get_edges(["A3", "AB2", "PB2"]) == {}
    assert ids(loaded.reports_about("P1")) == ["R3", "R1"]
    # A second disposal of R1 now removes A5 too: nothing is left supporting it.
    again = loaded.delete_with_provenance(["R1"])
    assert "A5" in again.deleted_edges and loaded.get_edge("A5") is None


def test_delete_edges_removes_only_existing_edges(loaded: GraphStore) -> None:
    victim = sc.EDGES[0]
    before = loaded.counts()
    assert loaded.delete_edges([victim.id, "no-such-edge"]) == [victim.id]
    assert loaded.get_edge(victim.id) is None
    assert loaded.counts().total_edges == before.total_edges - 1
    assert loaded.counts().total_nodes == before.total_nodes
    assert loaded.delete_edges([victim.id]) == []


def test_delete_unlinked_nodes_removes_only_nodes_no_edge_touches(loaded: GraphStore) -> None:
    victim = sc.EDGES[0]
    linked = victim.src
    lonely = Person(id="P-LONELY", names=[Name(given="Orrin", family="Vale")])
    loaded.upsert([lonely])
    before = loaded.counts()
    assert loaded.delete_unlinked_nodes([linked, "P-LONELY", "no-such-node"]) == ["P-LONELY"]
    assert loaded.get_node("P-LONELY") is None and loaded.get_node(linked) is not None
    assert loaded.counts().total_nodes == before.total_nodes - 1
    assert loaded.counts().total_edges == before.total_edges


def test_visibility_changes_move_only_when_a_record_is_re_marked_or_deleted(
    loaded: GraphStore,
) -> None:
    """Stored analysis results check this before they are shown (a degree counting a
    record since hidden would tell of it): it must move on every re-marking or deletion,
    of a node or an edge, on every write path, and not otherwise."""
    start = loaded.visibility_changes()

    def moved() -> bool:
        nonlocal start
        now = loaded.visibility_changes()
        changed, start = now != start, now
        return changed

    loaded.upsert(sc.NODES, sc.EDGES)  # nothing changed
    loaded.upsert([person("P-NEW", "Orrin", "Vale")])  # a new record
    loaded.upsert([sc.P2.model_copy(update={"vulnerable": True})])  # content, not marking
    assert not moved()
    confidential = Marking(compartment=Compartment.CONFIDENTIAL)
    loaded.upsert([sc.P4.model_copy(update={"marking": confidential})])
    assert moved()
    official = Marking(classification=Classification.OFFICIAL)
    loaded.upsert(edges=[sc.EDGES[0].model_copy(update={"marking": official})])
    assert moved()
    loaded.upsert(edges=[sc.EDGES[0].model_copy(update={"marking": official})])  # same again
    assert not moved()
    loaded.upsert([sc.P4.model_copy(update={"marking": Marking(handling_code="P")})])
    assert moved()
    assert loaded.delete_edges(["no-such-edge"]) == [] and not moved()
    assert loaded.delete_edges([sc.EDGES[1].id]) and moved()
    assert loaded.delete_unlinked_nodes(["P-NEW"]) == ["P-NEW"] and moved()
    assert loaded.delete_with_provenance(["R2"]).deleted_nodes == ["R2"] and moved()
    assert loaded.delete_with_provenance(["not-there"]).deleted_nodes == [] and not moved()


def test_a_store_made_afresh_never_repeats_an_old_reading(
    store: GraphStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """An analysis run recorded against one store must not look current against a store
    made afresh in its place (a deleted file, a wiped database reloaded without any
    re-marking): the count starts from a random number, not from 0."""
    before = store.visibility_changes()
    if isinstance(store, SqliteGraphStore):
        with SqliteGraphStore(tmp_path / "afresh.db") as afresh:
            assert afresh.visibility_changes() != before
        return
    assert isinstance(store, Neo4jGraphStore)
    request.getfixturevalue("neo4j_wipe")()  # everything deleted, the counter with it
    assert store.visibility_changes() != before
    again = Neo4jGraphStore(store._driver, database="neo4j", owns_driver=False)
    assert again.visibility_changes() not in (before, -1)


def test_edge_with_structured_support_can_gain_a_report(loaded: GraphStore) -> None:
    """Supports without a report id (a ViSOR associate list) are kept when a report joins."""
    plain = edge("E-S1", EdgeKind.ASSOCIATED_WITH, "P1", "P4", assoc=AssociationType.FRIEND)
    loaded.upsert(edges=[plain])
    both = [*plain.provenance.supports, Support(report_id="R1", grading=sc.R1.grading)]
    grown = plain.model_copy(
        update={"provenance": plain.provenance.model_copy(update={"supports": both})}
    )
    assert loaded.upsert(edges=[grown]).updated == ["E-S1"]
    stored = loaded.get_edge("E-S1")
    assert stored is not None and stored.report_ids == ["R1"]
    assert len(stored.provenance.supports) == 2
    assert "E-S1" in loaded.delete_with_provenance(["R1"]).updated_edges
    narrowed = loaded.get_edge("E-S1")
    assert narrowed is not None and narrowed.provenance.supports == plain.provenance.supports


# -- found by the differential test (tests/test_store_differential.py) ---------------------


def test_person_names_lose_surrounding_whitespace_of_every_kind(store: GraphStore) -> None:
    """A tab or no-break space around a name is not part of it: SQLite's trim() removed
    only spaces, Neo4j (Python's strip) every whitespace character."""
    padded = Person(
        id="P-WS",
        names=[Name(given="\tAnn", family="Lee\n"), Name(given="Zoë\u00a0", family="")],
    )
    store.upsert([padded])
    assert store.person_names() == [("P-WS", "Ann Lee; Zoë")]


def _source_with_rewards(store: GraphStore, rewards: Sequence[object]) -> None:
    """Source S-R with one report per reward value (`None`: no reward field at all)."""
    official = Marking(classification=Classification.OFFICIAL)
    given = Source(id="S-R", source_type=SourceType.MEMBER_OF_PUBLIC, marking=official)
    reports = [
        report(f"R-{i}", f"2026-03-0{i + 1}T10:00:00Z", extra={} if r is None else {"reward": r})
        for i, r in enumerate(rewards)
    ]
    by = [edge(f"PB-{r.id}", EdgeKind.PROVIDED_BY, r.id, "S-R", via=r) for r in reports]
    store.upsert([given, *reports], by)


def test_a_reward_counts_when_it_is_true_in_python(store: GraphStore) -> None:
    """An empty list or object recorded as the reward is no reward: SQLite read it as the
    text '[]' or '{}', which is true, and profiled every present field; Neo4j keeps
    `bool(extra["reward"])`. Both now count what the contact rows' indicator sees."""
    _source_with_rewards(store, [[], {}, "", 0, False, None, "cash", ["voucher"], {"sum": 5}])
    rows = store.source_contacts(["S-R"])
    assert [(c.report_id, c.rewarded) for c in rows] == [
        ("R-0", False),
        ("R-1", False),
        ("R-2", False),
        ("R-3", False),
        ("R-4", False),
        ("R-5", False),
        ("R-6", True),
        ("R-7", True),
        ("R-8", True),
    ]
    [profile] = store.source_profiles(1, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS)
    assert profile.rewarded == 3


def test_a_reward_holding_nul_counts(store: GraphStore) -> None:
    """SQLite compared json_extract's text of the reward with '', and that text ends at NUL:
    '\x00' and '\x00cash' read as '' (no reward), where Python (and Neo4j) see text."""
    _source_with_rewards(store, ["\x00", "\x00cash", ""])
    assert [c.rewarded for c in store.source_contacts(["S-R"])] == [True, True, False]
    [profile] = store.source_profiles(1, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS)
    assert profile.rewarded == 2


def test_a_source_without_reports_has_no_profile_even_with_no_bar(store: GraphStore) -> None:
    """A profile sums up reports: with `min_reports` 0, Neo4j profiled a source that gave
    none (first and last None against their type) where SQLite did not."""
    _source_with_rewards(store, ["cash"])
    store.upsert([Source(id="S-QUIET", source_type=SourceType.MEMBER_OF_PUBLIC)])
    found = store.source_profiles(0, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS)
    assert [p.source_id for p in found] == ["S-R"]
    assert store.source_profiles(0, (), (), view=TraversalFilter()) == found
    # A view that shows the source but none of its reports: nothing to profile either.
    reports_hidden = TraversalFilter(classifications=frozenset({Classification.OFFICIAL}))
    assert store.source_profiles(0, (), (), view=reports_hidden) == []


def test_associates_walk_past_an_id_holding_nul(store: GraphStore) -> None:
    """SQLite's step walk passed its frontier through json_each, which ends a text at NUL:
    the people beyond a person whose id holds one were lost (Neo4j found them)."""
    odd = "P-\x00-odd"
    store.upsert(
        [person("P-A"), person(odd), person("P-C")],
        [
            edge("A-odd", EdgeKind.ASSOCIATED_WITH, "P-A", odd, assoc=AssociationType.FRIEND),
            edge("odd-C", EdgeKind.ASSOCIATED_WITH, odd, "P-C", assoc=AssociationType.FRIEND),
        ],
    )
    found = associates(store, "P-A", depth=2)
    assert [(a.person.id, a.steps, [e.id for e in a.path]) for a in found.associates] == [
        (odd, 1, ["A-odd"]),
        ("P-C", 2, ["A-odd", "odd-C"]),
    ]
    assert [a.person.id for a in associates(store, odd, depth=2).associates] == ["P-A", "P-C"]


def test_contact_subjects_and_places_may_hold_a_separator(store: GraphStore) -> None:
    """SQLite joined a contact's subjects with the unit separator (U+001F) and split them
    again, so an id holding one came back as two ids that do not exist."""
    given = Source(id="S-U", source_type=SourceType.MEMBER_OF_PUBLIC)
    told = report("R-U")
    store.upsert(
        [given, told, person("P\x1fA"), person("P-B"), location("L\x1f1")],
        [
            edge("PB-U", EdgeKind.PROVIDED_BY, "R-U", "S-U", via=told),
            edge("AB-U1", EdgeKind.ABOUT, "R-U", "P\x1fA", via=told),
            edge("AB-U2", EdgeKind.ABOUT, "R-U", "P-B", via=told),
            edge("AT-U", EdgeKind.AT_LOCATION, "R-U", "L\x1f1", via=told),
        ],
    )
    [row] = store.source_contacts(["S-U"])
    assert row.subjects == ("P\x1fA", "P-B") and row.locations == ("L\x1f1",)


# -- free text holding NUL (U+0000), which SQLite's json_extract ends a text at ------------

NAMES_WITH_NUL = [Name(given="Mar\x00ta", family="Quill"), Name(given="\x00", family="Vell\x00e")]


def test_names_holding_nul_come_back_whole(store: GraphStore) -> None:
    """SQLite built `person_names` (what search matches and shows) from json_extract, so
    each name part ended at NUL: 'Mar Quill; Vell'."""
    store.upsert([Person(id="P-NUL", names=NAMES_WITH_NUL)])
    whole = "Mar\x00ta Quill; \x00 Vell\x00e"
    assert store.person_names() == [("P-NUL", whole)]
    assert [(f.person_id, f.names) for f in find_persons(store, "P-NUL", TraversalFilter())] == [
        ("P-NUL", whole)
    ]
    node = store.get_node("P-NUL")
    assert isinstance(node, Person) and node.names == NAMES_WITH_NUL


def test_a_police_request_holding_nul_comes_back_whole(store: GraphStore) -> None:
    """SQLite read a contact's police_request through json_extract: 'watch\x00 the van'
    came back 'watch', and '\x00' came back '', which the CHIS indicators take for no
    request at all."""
    given = Source(id="S-N", source_type=SourceType.MEMBER_OF_PUBLIC)
    asked = [
        report("R-N1", police_request="watch\x00 the van"),
        report("R-N2", "2026-03-02T10:00:00Z", police_request="\x00"),
    ]
    by = [edge(f"PB-{r.id}", EdgeKind.PROVIDED_BY, r.id, "S-N", via=r) for r in asked]
    store.upsert([given, *asked], by)
    rows = store.source_contacts(["S-N"])
    assert [(c.report_id, c.police_request) for c in rows] == [
        ("R-N1", "watch\x00 the van"),
        ("R-N2", "\x00"),
    ]
    [profile] = store.source_profiles(1, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS)
    assert profile.requests == 2
