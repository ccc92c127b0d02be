"""Ingest: every quarantine reason, nothing lost, idempotent, updates in place, on both
backends."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.audit import AuditLog, Operation
from graph.edges import AssociationType, EdgeKind
from graph.nodes import Person, Report
from graph.store import GraphStore
from ingest.loader import Actor, Loader, LoadSummary
from ingest.reader import Line, parse, read_lines
from ingest.state import IngestState, Rejection
from tests import wire as w
from tests.snapshots import snapshot

Load = Callable[..., LoadSummary]


@pytest.fixture
def state(tmp_path: Path) -> Iterator[IngestState]:
    with IngestState(tmp_path / "ingest.db") as st:
        yield st


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[AuditLog]:
    log = AuditLog(tmp_path / "governance.db")
    yield log
    log.close()


@pytest.fixture
def load(store: GraphStore, state: IngestState, audit: AuditLog, tmp_path: Path) -> Load:
    def run(
        records: list[w.Record | str], name: str = "batch.jsonl", batch_size: int = 3
    ) -> LoadSummary:
        path = w.write(tmp_path / name, records)
        loader = Loader(
            store, state, actor=Actor("test:loader", "admin"), audit=audit, batch_size=batch_size
        )
        return loader.load([read_lines(path, name)])

    return run


def world() -> list[w.Record | str]:
    return [
        w.location("L1"),
        w.location("L2", "Sampletown Primary School", "SX1 2BB", location_type="school"),
        w.obj("O1"),
        w.nominal("P1", "Ansel", "Varga", at="L1"),
        w.person("P2", "Bryony", "Tull", at="L1", gender="F"),
        w.person("P3", "Cass", "Tull", dob="2017-02-03", vulnerable=True, at="L1"),
        w.person("P4", "Dorota", "Wren", gender="F"),
        w.source("S1", "P4"),
        w.report(
            "R1",
            day=1,
            grade="2BC",
            source_id="S1",
            subjects=[w.ref("P1")],
            locations=[{"location_id": "L2", "role": "sighting"}],
            objects=[{"object_id": "O1", "ref": w.ref("P1"), "role": "uses"}],
            associations=[{"a": w.ref("P1"), "b": w.ref("P2"), "type": "partner", "note": None}],
            source_relationship=[{"ref": w.ref("P1"), "type": "neighbour"}],
        ),
        w.report(
            "R2",
            day=5,
            grade="3EP",
            subjects=[w.ref("P1")],
            associations=[{"a": w.ref("P2"), "b": w.ref("P1"), "type": "partner", "note": None}],
        ),
        w.association("A1", "P2", "P3", "parent_of"),
    ]


def test_a_world_loads_into_facts_with_evidence(load: Load, store: GraphStore) -> None:
    summary = load(world())
    assert (summary.lines_read, summary.created, summary.quarantined) == (11, 11, 0)
    partner = store.get_edge("ASSOCIATED_WITH:P1:P2:partner")
    assert partner is not None
    assert partner.report_ids == ["R1", "R2"]  # two reports, one claim, both supports
    assert partner.marking.handling_code == "C"  # as restricted as its strictest support
    assert not partner.suspected_false_only
    only_e = store.get_edge("ABOUT:R2:P1")
    assert only_e is not None and only_e.suspected_false_only
    assert store.get_edge("ASSOCIATED_WITH:P2:P3:parent_of") is not None
    knows = store.get_edge("KNOWS_SUBJECT:S1:P1:neighbour")
    assert knows is not None and knows.marking.compartment == "source"
    counts = store.counts()
    assert counts.edges["RESIDES_AT"] == 3 and counts.edges["USED_BY"] == 1


def test_loading_twice_changes_nothing(load: Load, store: GraphStore, audit: AuditLog) -> None:
    load(world())
    before, entries = snapshot(store), audit.count()
    again = load(world())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 11)
    assert snapshot(store) == before
    assert audit.count() == entries  # nothing collected or altered the second time


def test_forward_references_wait_until_the_end_of_the_load(load: Load, store: GraphStore) -> None:
    records = list(reversed(world()))  # every reference points forward
    summary = load(records)
    assert summary.quarantined == 0 and summary.created == 11
    assert store.get_edge("ASSOCIATED_WITH:P1:P2:partner") is not None


def test_changed_record_updates_in_place_and_is_logged(
    load: Load, store: GraphStore, audit: AuditLog
) -> None:
    records = world()
    load(records)
    changed = [dict(r) if isinstance(r, dict) else r for r in records]
    r2 = next(r for r in changed if isinstance(r, dict) and r["id"] == "R2")
    r2["associations"] = [{"a": w.ref("P2"), "b": w.ref("P1"), "type": "ex_partner", "note": None}]
    summary = load(changed)
    assert (summary.updated, summary.unchanged, summary.created) == (1, 10, 0)
    partner = store.get_edge("ASSOCIATED_WITH:P1:P2:partner")
    assert partner is not None and partner.report_ids == ["R1"]  # R2 withdrew its support
    assert store.get_edge("ASSOCIATED_WITH:P1:P2:ex_partner") is not None
    altered = audit.query(operation=Operation.ALTERATION)
    assert altered and altered[-1].subjects == ["R2"]
    assert "ASSOCIATED_WITH:P1:P2:partner" in altered[-1].details["updated"]


def test_a_claim_losing_its_last_support_is_removed(load: Load, store: GraphStore) -> None:
    records = world()
    load(records)
    r1 = next(r for r in records if isinstance(r, dict) and r["id"] == "R1")
    r1["objects"] = []
    assert load(records).updated == 1
    assert store.get_edge("USED_BY:O1:P1") is None
    assert store.get_edge("INVOLVES:R1:O1:uses") is None


def test_unknown_fields_are_kept_under_extra(load: Load, store: GraphStore) -> None:
    load(
        [
            w.person(
                "P9", team="north", names=[{"given": "Ede", "family": "Lamb", "alias_kind": "nick"}]
            )
        ]
    )
    node = store.get_node("P9")
    assert isinstance(node, Person)
    assert node.extra == {"team": "north", "names[0].alias_kind": "nick"}


def test_mentions_become_persons_linked_to_the_report(load: Load, store: GraphStore) -> None:
    mention = {
        "name": {"given": "Fen", "family": "Oakes"},
        "dob": None,
        "address": "2 Test Street",
        "postcode": None,
    }
    summary = load(
        [
            w.person("P1"),
            w.report(
                "R1",
                subjects=[w.ref("P1")],
                mentions=[mention],
                associations=[
                    {"a": w.ref("P1"), "b": {"mention": 0}, "type": "friend", "note": None}
                ],
            ),
        ]
    )
    assert summary.mentions_new == 1
    person = store.get_node("MEN-R1-0")
    assert isinstance(person, Person) and person.names[0].family == "Oakes"
    assert person.extra == {"mentioned_address": "2 Test Street"}
    assert store.get_edge("MENTIONS:R1:MEN-R1-0") is not None
    assert store.get_edge("ASSOCIATED_WITH:MEN-R1-0:P1:friend") is not None


# -- quarantine ----------------------------------------------------------------------------

BAD_LINES: list[tuple[str, w.Record | str, str, str | None, str]] = [
    ("broken_json", '{"kind": "person", "id": "X1", ', "broken_json", "X1", "not valid JSON"),
    ("broken before its id", '{"kind": "person", "id": X1}', "broken_json", None, "not valid"),
    ("not an object", "[1, 2, 3]", "not_an_object", None, "a record is a JSON object, got list"),
    ("unknown kind", {"kind": "persn", "id": "X2"}, "unknown_kind", "X2", "unknown kind 'persn'"),
    ("no kind", {"id": "X3"}, "missing_field", "X3", "no 'kind'"),
    (
        "missing field",
        {"kind": "person", "id": "X4"},
        "missing_field",
        "X4",
        "required field 'names' is missing",
    ),
    (
        "missing received_at",
        {k: v for k, v in w.report("X5").items() if k != "received_at"},
        "missing_field",
        "X5",
        "required field 'received_at' is missing",
    ),
    ("bad enum", w.location("X6", location_type="castle"), "bad_value", "X6", "location_type"),
    ("bad date", w.person("X7", dob="1980-13-45"), "bad_value", "X7", "dob"),
    (
        "RSO without category 1",
        w.nominal("X8", "Ivo", "Pell")
        | {"visor": {"ref": "V", "nominal_type": "RSO", "mappa_category": 2}},
        "rule_broken",
        "X8",
        "visor: an RSO must be MAPPA category 1",
    ),
    (
        "handling code C without conditions",
        w.report("X9", grade="2BC")
        | {
            "grading": {
                "scheme": "3x5x2",
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "handling_code": "C",
            }
        },
        "rule_broken",
        "X9",
        "handling code C requires handling_conditions",
    ),
    (
        "names both empty",
        w.person("X10", names=[{"given": " ", "family": ""}]),
        "rule_broken",
        "X10",
        "a name needs a given or a family part",
    ),
    (
        "mention out of range",
        w.report("X11", subjects=[{"mention": 2}]),
        "rule_broken",
        "X11",
        "refers to mention 2",
    ),
    (
        "unresolved reference",
        w.report("X12", subjects=[w.ref("NOBODY")]),
        "unresolved_reference",
        "X12",
        "person 'NOBODY'",
    ),
    (
        "kind conflict",
        w.report("X13", source_id="L1"),
        "kind_conflict",
        "X13",
        "refers to 'L1' as a source, but it is a location",
    ),
    (
        "duplicate id",
        w.location("L1", address="elsewhere"),
        "duplicate_id",
        "L1",
        "used again: first at bad.jsonl line 1",
    ),
    ("id reused for another kind", w.person("L1"), "kind_conflict", "L1", "is a location"),
]


@pytest.mark.parametrize(
    ("label", "line", "code", "record_id", "says"), BAD_LINES, ids=[b[0] for b in BAD_LINES]
)
def test_every_quarantine_reason_names_line_record_and_problem(
    load: Load,
    state: IngestState,
    label: str,
    line: w.Record | str,
    code: str,
    record_id: str | None,
    says: str,
) -> None:
    summary = load([w.location("L1"), line, w.location("L3")], name="bad.jsonl")
    assert (summary.lines_read, summary.accepted, summary.quarantined) == (3, 2, 1), label
    (rejection,) = summary.rejections
    assert (rejection.file, rejection.line, rejection.code, rejection.record_id) == (
        "bad.jsonl",
        2,
        code,
        record_id,
    )
    assert says in rejection.reason, rejection.reason
    (kept,) = state.quarantined()
    assert (kept.line, kept.code, kept.raw) == (2, code, rejection.raw)


def test_not_utf8_is_quarantined(
    load: Load, tmp_path: Path, store: GraphStore, state: IngestState, audit: AuditLog
) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"kind": "location", "id": "L1"}\n{"kind": "location", "id": "Caf\xe9"}\n')
    summary = Loader(store, state, actor=Actor("t", "admin")).load(
        [read_lines(path, "latin1.jsonl")]
    )
    assert summary.accepted == 1 and summary.by_reason == {"not_utf8": 1}


@pytest.mark.parametrize(
    ("raw", "code", "kind", "record_id"),
    [
        (b'{"kind": "location", "id": "L1", "address": "1 Te', "broken_json", "location", "L1"),
        (b'{"kind": "person", "id": "P"1", "names": []}', "broken_json", "person", None),
        (b'{"id": "P1" "kind": "person"}', "broken_json", None, None),
        (b'{"kind": "location", "id": "L2", "address": "Caf\xe9"}', "not_utf8", "location", "L2"),
        (b'{"kind": "location", "id": "Caf\xe9"}', "not_utf8", "location", None),
        (b"[" * 5000, "broken_json", None, None),
    ],
    ids=[
        "cut short",
        "id spoilt",
        "no comma after id",
        "bad byte after id",
        "bad byte in id",
        "deep",
    ],
)
def test_a_broken_line_names_its_record_from_whole_fields_only(
    raw: bytes, code: str, kind: str | None, record_id: str | None
) -> None:
    """The kind and id of a line that is not a JSON object are read up to the break, a
    field only when it is whole, so the fixed record closes the entry (docs/ingest.md)."""
    rejection = parse(Line("bad.jsonl", 1, raw))
    assert isinstance(rejection, Rejection)
    assert (rejection.code, rejection.kind, rejection.record_id) == (code, kind, record_id)


def test_reference_to_a_quarantined_record_says_so(load: Load) -> None:
    summary = load([w.person("P1", dob="yesterday"), w.report("R1", subjects=[w.ref("P1")])])
    assert summary.by_reason == {"bad_value": 1, "unresolved_reference": 1}
    reason = next(r.reason for r in summary.rejections if r.code == "unresolved_reference")
    assert "line 1 was quarantined" in reason


def test_fixed_record_resubmitted_clears_its_quarantine(
    load: Load, state: IngestState, store: GraphStore
) -> None:
    load([w.person("P1", dob="1980-02-30")])
    (entry,) = state.quarantined()
    fixed = json.loads(entry.raw) | {"dob": "1980-02-28"}
    summary = load([fixed], name="fixed.jsonl")
    assert summary.created == 1 and state.quarantined() == []
    assert len(state.quarantined(include_resolved=True)) == 1
    assert store.get_node("P1") is not None


def test_quarantine_is_idempotent(load: Load, state: IngestState) -> None:
    load(["not json"])
    load(["not json"])
    assert len(state.quarantined()) == 1


def test_broken_line_seen_again_gets_the_record_id_it_names(load: Load, state: IngestState) -> None:
    """An entry kept before ids were read from broken lines gets its id when the line is
    seen again, so that the fixed record can close it."""
    broken = '{"kind": "location", "id": "L1", "address": "1 Test Street"'
    load([broken])
    with state.transaction() as conn:
        conn.execute("UPDATE quarantine SET record_id = NULL, kind = NULL")
    load([broken])
    (entry,) = state.quarantined()
    assert (entry.kind, entry.record_id) == ("location", "L1")
    load([w.location("L1")], name="fix.jsonl")
    assert state.quarantined() == []


def test_report_node_keeps_grading_and_confidential_block(load: Load, store: GraphStore) -> None:
    confidential = {
        "victim_info": "synthetic victim detail",
        "third_party_info": None,
        "police_tactics": None,
    }
    load([w.report("R1", grade="1AC", confidential=confidential)])
    node = store.get_node("R1")
    assert isinstance(node, Report)
    assert node.grading.code == "1AC" and node.marking.handling_code == "C"
    assert node.confidential is not None and node.confidential.marking.compartment == "confidential"


def test_association_types_are_normalised(load: Load, store: GraphStore) -> None:
    load([w.person("P1"), w.person("P2"), w.association("A1", "P2", "P1", "child_of")])
    edge = store.get_edge("ASSOCIATED_WITH:P1:P2:parent_of")
    assert edge is not None and edge.association_type is AssociationType.PARENT_OF
    assert edge.kind is EdgeKind.ASSOCIATED_WITH
