"""Both backends, the same answers, where recent features read the store in new ways: the
CHIS queue counting people rather than records, stored measures withheld after a
re-marking, and reads the API makes that no other test asks of both stores.

Everything runs on the embedded store and a real Neo4j 5.26 (no mocks).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.chis.policy import ChisPolicy
from graph.chis.queue import Candidate, build_queue, merging, worth_reading
from graph.edges import AssociationType, EdgeKind
from graph.markings import Classification, Compartment, Marking
from graph.store import GraphStore
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.sqlite import SqliteGraphStore
from ingest.entities import Resolution
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import scenario as sc
from tests import wire as w
from tests.factories import edge, from_report, person

POLICY = ChisPolicy(threshold=4)
"""Low enough that each source below is a candidate only by counting people."""
TODAY = date(2026, 11, 30)
FIB_VIEW = AccessPolicy(Principal("fib", Role.FIB_REVIEWER)).filter


# -- the CHIS queue counts people, not records ----------------------------------------------


def about(rid: str, when: str, sid: str, *subjects: str, **kw: Any) -> w.Record:
    return w.report(
        rid, received_at=when, source_id=sid, subjects=[w.ref(s) for s in subjects], **kw
    )


MEN = {"P": ("William", "Carver", 3), "Q": ("Tobias", "Wrenfield", 5), "X": ("Ansel", "Brock", 7)}


def one_man_twice(prefix: str, home: str, other_home: str | None = None) -> list[w.Record]:
    """A ViSOR record and a PNC record of one man (the same PNC id and date of birth:
    entity resolution joins them); the PNC record at `other_home` if given."""
    given, family, month = MEN[prefix]
    same = {"dob": f"1975-0{month}-04", "pnc_id": f"75/00000{month}X"}
    return [
        w.nominal(f"{prefix}A", given, family, at=home, **same),
        w.person(
            f"{prefix}B",
            given[:3],
            family,
            source_system="pnc",
            at=other_home or home,
            **same,
        ),
    ]


def people_world() -> list[w.Record]:
    """Sources whose score depends on counting people: NS reports on both records of one
    man, HS on a man whose other record lives with someone else HS reported on, and XS is
    itself a man held twice, one record a nominal."""
    return [
        w.location("L1"),
        w.location("L2", "2 Test Street, Sampletown"),
        w.location("L3", "3 Test Street, Sampletown"),
        *one_man_twice("P", "L1"),
        *one_man_twice("Q", "L2", "L3"),
        *one_man_twice("X", "L1"),
        w.person("NP", "Nell", "Pryor"),
        w.source("NS", "NP"),
        about("NR1", "2026-03-01T10:00:00Z", "NS", "PB"),
        about("NR2", "2026-03-20T10:00:00Z", "NS", "PA"),
        w.person("HP", "Hana", "Pryor"),
        w.person("HC", "Cass", "Holm", at="L3"),
        w.source("HS", "HP"),
        about("HR1", "2026-04-01T10:00:00Z", "HS", "QA"),
        about("HR2", "2026-04-20T23:30:00Z", "HS", "HC"),
        w.source("XS", "XB"),
        about("XR1", "2026-05-01T10:00:00Z", "XS", "NP", initiated_by="police"),
        about("XR2", "2026-05-02T10:00:00Z", "XS", "HP"),
    ]


def ingested(store: GraphStore, state: IngestState, records: list[w.Record]) -> None:
    lines = stream_lines(w.dumps(records).encode().splitlines(), "t.jsonl")
    outcome = ingest(store, state, [lines], actor=Actor("test", "admin"), audit=None)
    assert not outcome.load.quarantined, outcome.load.rejections


def shown(queue: list[Candidate]) -> list[tuple[object, ...]]:
    return [
        (
            c.source_id,
            c.person_id,
            c.score,
            c.contacts,
            c.first_crossed,
            c.subjects,
            [(f.indicator, f.weight, f.reason, f.evidence) for f in c.fired],
        )
        for c in queue
    ]


@pytest.mark.neo4j
def test_the_queue_counts_one_person_under_two_records_alike_on_both_backends(
    embedded_store: GraphStore, neo4j_store: GraphStore, tmp_path: Path
) -> None:
    """The profile counts records; `merging` (batched `incident` look-ups over the joined
    records) is what lets the ceiling through, and the contexts count people. Both stores
    must let through, score and explain the same sources, for everything and for a FIB
    reviewer once the ViSOR record of one man is hidden."""
    answers = []
    for name, store in (("embedded", embedded_store), ("neo4j", neo4j_store)):
        with IngestState(tmp_path / f"{name}.db") as state:
            ingested(store, state, people_world())
            resolution = Resolution(state)
            entity_of = resolution.entity_map()
            assert resolution.records_of("PB") == ["PA", "PB"], name
            full = build_queue(
                store, POLICY, {}, TODAY, records_of=resolution.records_of, entity_of=entity_of
            )
            every = build_queue(store, POLICY, {}, TODAY, ["HS", "NS", "XS"], resolution.records_of)
            mergings = merging(store, entity_of)
            read = worth_reading(store, POLICY, None, resolution.records_of, entity_of)
            hidden = Marking(compartment=Compartment.MEDICAL)
            [pa] = store.get_nodes(["PA"]).values()
            store.upsert([pa.model_copy(update={"marking": hidden})])
            seen = build_queue(
                store,
                POLICY,
                {},
                TODAY,
                records_of=resolution.records_of,
                view=FIB_VIEW,
                entity_of=entity_of,
            )
            seen_mergings = merging(store, entity_of, FIB_VIEW)
        answers.append((shown(full), shown(every), mergings, read, shown(seen), seen_mergings))
    embedded, neo4j = answers
    assert [c[0] for c in embedded[0]] == ["NS", "HS", "XS"], embedded[0]
    assert [c[0] for c in embedded[4]] == ["HS", "XS"]  # PA hidden: NS names one person once
    assert embedded[0] == embedded[1]  # the ceiling dropped no one
    for part, (mine, theirs) in enumerate(zip(embedded, neo4j, strict=True)):
        assert mine == theirs, part


# -- visibility_changes on every write path ---------------------------------------------------


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def watcher(store: GraphStore) -> Callable[[], bool]:
    """Whether `visibility_changes()` moved since the last call."""
    last = store.visibility_changes()

    def moved() -> bool:
        nonlocal last
        now = store.visibility_changes()
        changed, last = now != last, now
        return changed

    return moved


CONFIDENTIAL = Marking(compartment=Compartment.CONFIDENTIAL)
OFFICIAL = Marking(classification=Classification.OFFICIAL)
KIN = AssociationType.FAMILY


def test_a_re_marking_in_a_batch_that_also_creates_records_moves_it(loaded: GraphStore) -> None:
    """New records of the same kinds in the same batch must not hide the re-marking (Neo4j
    counts per statement: the new rows' statements report nothing moved)."""
    moved = watcher(loaded)
    link = edge("E-NEW", EdgeKind.ASSOCIATED_WITH, "P-NEW", "P5", assoc=KIN)
    loaded.upsert([person("P-NEW"), sc.P4.model_copy(update={"marking": CONFIDENTIAL})], [link])
    assert moved()
    loaded.upsert(
        [person("P-NEW2")],
        [
            edge("E-NEW2", EdgeKind.ASSOCIATED_WITH, "P-NEW2", "P6", assoc=KIN),
            link.model_copy(update={"marking": OFFICIAL}),
        ],
    )
    assert moved()
    # new records and content changes together: no re-marking, no move
    loaded.upsert([person("P-NEW3"), sc.P2.model_copy(update={"vulnerable": True})])
    assert not moved()
    # the same id twice in one batch, the last back to the stored marking: nothing moved
    loaded.upsert([sc.P5.model_copy(update={"marking": CONFIDENTIAL}), sc.P5])
    assert not moved()


def test_a_disposal_that_only_narrows_an_edge_moves_it(loaded: GraphStore) -> None:
    """Disposing of a report re-marks the edges it supported (their handling code and
    classification follow what is left) and deletes the report: it moves either way."""
    moved = watcher(loaded)
    extra = sc.R1.model_copy(update={"id": "R-EXTRA"})
    both = edge(
        "E-BOTH",
        EdgeKind.ASSOCIATED_WITH,
        "P5",
        "P6",
        supports=[from_report(sc.R1), from_report(extra)],
        assoc=KIN,
    )
    loaded.upsert([extra], [both])
    assert not moved()
    result = loaded.delete_with_provenance(["R-EXTRA"])
    assert result.updated_edges == ["E-BOTH"] and moved()
    assert loaded.delete_edges([]) == [] and loaded.delete_unlinked_nodes([]) == []
    assert not moved()


@pytest.fixture
def twin(store: GraphStore, request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """A second store object on the same data: another process's writer."""
    other: GraphStore
    if isinstance(store, SqliteGraphStore):
        other = SqliteGraphStore(store.path, synchronous="NORMAL")
    else:
        assert isinstance(store, Neo4jGraphStore)
        other = Neo4jGraphStore(request.getfixturevalue("neo4j_driver"), owns_driver=False)
    yield other
    other.close()


def test_re_markings_by_two_writers_at_once_are_each_counted(
    loaded: GraphStore, twin: GraphStore
) -> None:
    """Two writers re-marking at the same time: a run that read the number between one
    writer's commit and the other's must still see it move after the second, so no
    re-marking may be lost in a race on the counter (it must grow at least once for each
    writing batch that re-marked something)."""
    rounds = 12
    start = loaded.visibility_changes()
    errors: list[BaseException] = []

    def flip(store: GraphStore, node: str) -> None:
        try:
            [stored] = store.get_nodes([node]).values()
            for i in range(rounds):
                marking = CONFIDENTIAL if i % 2 == 0 else stored.marking
                store.upsert([stored.model_copy(update={"marking": marking})])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=flip, args=(loaded, "P5")),
        threading.Thread(target=flip, args=(twin, "P6")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert loaded.visibility_changes() - start >= 2 * rounds
    assert twin.visibility_changes() == loaded.visibility_changes()


# -- reads the API makes, over one ingested world ---------------------------------------------


def api_reads(store: GraphStore) -> dict[str, object]:
    """What the API's read routes compute (`api/routes`), for every person and source of
    `w.small_world()`: many reports share a received time, so ties are everywhere."""
    from graph.analysis.associates import associates
    from graph.analysis.mappa import mappa_figures
    from graph.analysis.paths import connecting_network, shortest_paths
    from graph.analysis.risk import assess
    from graph.analysis.search import find_persons
    from graph.analysis.taskings import taskings_with_answers
    from graph.analysis.timeline import timeline
    from graph.chis.chronology import chronology

    today = date(2026, 6, 1)
    out: dict[str, object] = {}
    for view, flt in (("all", None), ("fib", FIB_VIEW)):
        seen = flt or FIB_VIEW.model_copy(update={"compartments": None, "classifications": None})
        for i in range(0, 40, 3):
            pid = f"P{i}"
            out[f"{view} timeline {pid}"] = repr(timeline(store, pid, flt))
            out[f"{view} associates {pid}"] = repr(
                associates(store, pid, depth=2, flt=flt, today=today)
            )
            out[f"{view} risk {pid}"] = repr(assess(store, pid, flt=flt, today=today))
            out[f"{view} paths {pid}"] = repr(
                shortest_paths(store, pid, f"P{(i + 7) % 40}", flt=flt)
            )
        out[f"{view} network"] = repr(connecting_network(store, ["P1", "P9", "P22"], flt=flt))
        for i in range(5):
            out[f"{view} chronology S{i}"] = repr(chronology(store, f"S{i}", view=flt))
        out[f"{view} search"] = repr(find_persons(store, "Given1 Family1", seen))
        out[f"{view} mappa"] = repr(mappa_figures(store, date(2026, 1, 1), today, flt))
        out[f"{view} taskings"] = repr(taskings_with_answers(store, seen))
    return out


@pytest.mark.neo4j
def test_the_reads_the_api_makes_agree_on_both_backends(
    embedded_store: GraphStore, neo4j_store: GraphStore, tmp_path: Path
) -> None:
    answers = []
    for name, store in (("embedded", embedded_store), ("neo4j", neo4j_store)):
        with IngestState(tmp_path / f"{name}.db") as state:
            ingested(store, state, w.small_world())
        answers.append(api_reads(store))
    embedded, neo4j = answers
    assert embedded.keys() == neo4j.keys()
    for key in embedded:
        assert embedded[key] == neo4j[key], key
