"""The synthetic data generator: deterministic, valid interchange v1, and hard in real ways.

The interchange checks below are written from docs/interchange-v1.md, not from the
generator, and are first run on the spec's own example file so they cannot drift into
checking only what the generator happens to write.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.generator import (
    CORRUPTIONS,
    GeneratorConfig,
    GeneratorSummary,
    Truth,
    iter_records,
    write_demo_data,
)
from ingest.generator_vocab import NICKNAMES

Record = dict[str, Any]

MODERATE = GeneratorConfig(persons=1500, reports=3000, seed=11)
EXAMPLES = Path(__file__).parent / "fixtures" / "examples-v1.jsonl"
MINOR_BORN_AFTER = date(2008, 11, 30)  # under 18 on 2026-11-30

# ------------------------------------------------------------ the rules of interchange v1

KINDS = {"person", "location", "object", "source", "report", "association", "event", "tasking"}
EVENT_NEEDS = {
    "licence_start": ("licence_end_on", "probation_offender_manager"),
    "risk_reassessment": ("risk_level",),
    "travel_notification": ("destination", "depart_on"),
    "border_alert": ("port",),
    "mapp_meeting": ("meeting_level", "chair", "attendees"),
    "partner_request": ("agency", "requester", "purpose", "due_on"),
    "custody_start": (),
    "custody_end": (),
    "recall": (),
    "licence_end": (),
    "licence_breach": (),
    "notification_breach": (),
    "preventive_order_breach": (),
    "serious_further_offence": (),
}
GENDERS = {"M", "F", "X", None}
NOMINAL_TYPES = {"RSO", "VIOLENT_OFFENDER", "TERRORIST_RISK", "OTHER_DANGEROUS", "PDP"}
RISK_LEVELS = {"low", "medium", "high", "very_high", None}
LOCATION_TYPES = {
    "residential",
    "school",
    "nursery",
    "playground",
    "youth_club",
    "hostel",
    "custody_suite",
    "hospital",
    "prison",
    "transport_hub",
    "public_place",
    "business",
    "other",
}
OBJECT_TYPES = {"vehicle", "phone", "email", "online_account", "organisation"}
SOURCE_TYPES = {
    "member_of_public",
    "chis",
    "police_officer",
    "hmpps_probation",
    "prison",
    "health",
    "voluntary_org",
    "partner_agency",
    "scottish_intelligence_database",
    "offender_self_report",
    "anonymous",
}
CHIS_STATUSES = {"none", "under_assessment", "authorised"}
CHANNELS = {"phone", "in_person", "email", "online", "letter", "patrol", "other"}
INITIATORS = {"source", "police"}
HOW_OBTAINED = {"witnessed", "told_by_subject", "told_by_third_party", "through_relationship"} | {
    "unknown"
}
CLASSIFICATIONS = {"OFFICIAL", "OFFICIAL-SENSITIVE"}
LOCATION_ROLES = {"event", "subject_address", "sighting", "workplace", "other"}
ASSOCIATION_TYPES = {
    "partner",
    "ex_partner",
    "family",
    "parent_of",
    "child_of",
    "co_resident",
    "friend",
    "associate",
    "co_offender",
    "employer",
    "employee",
    "online_contact",
}
RELATIONSHIP_TYPES = ASSOCIATION_TYPES | {"neighbour", "co_worker", "none"}
RISK_INDICATORS = {
    "serious_harm_capacity",
    "children_or_vulnerable_adults",
    "breach_of_trust",
    "links_or_associations",
    "substance_misuse",
    "mental_state",
}
SCHEMES = {
    "3x5x2": ({"1", "2", "3"}, {"A", "B", "C", "D", "E"}, {"P", "C"}),
    "5x5x5": ({"A", "B", "C", "D", "E"}, {"1", "2", "3", "4", "5"}, {"1", "2", "3", "4", "5"}),
}
CONFIDENTIAL_KEYS = {"victim_info", "third_party_info", "police_tactics"}
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def is_date(value: object) -> bool:
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_datetime(value: object) -> bool:
    if not isinstance(value, str) or not DATETIME_RE.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def opt_str(value: object) -> bool:
    return value is None or isinstance(value, str)


class Checker:
    """Checks each line against interchange v1, and that every reference resolves."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.ids: dict[str, set[str]] = defaultdict(set)
        self.wanted: list[tuple[int, str, str]] = []  # line, kind, id

    def check_lines(self, lines: list[str]) -> list[str]:
        for n, line in enumerate(lines, 1):
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                self.errors.append(f"line {n}: not JSON ({exc})")
                continue
            self.check(n, rec)
        return self.finish()

    def err(self, n: int, msg: str) -> None:
        self.errors.append(f"line {n}: {msg}")

    def need(self, n: int, kind: str, ref: object) -> None:
        if not isinstance(ref, str) or not ref:
            self.err(n, f"{kind} reference {ref!r} is not an id")
        else:
            self.wanted.append((n, kind, ref))

    def check(self, n: int, rec: object) -> None:
        if not isinstance(rec, dict) or rec.get("kind") not in KINDS:
            self.err(n, "not an object with a known kind")
            return
        kind = rec["kind"]
        rid = rec.get("id")
        if not isinstance(rid, str) or not rid:
            self.err(n, f"{kind} without an id")
        elif rid in self.ids[kind]:
            self.err(n, f"duplicate {kind} id {rid}")
        else:
            self.ids[kind].add(rid)
        getattr(self, f"_{kind}")(n, rec)

    def _person(self, n: int, p: Record) -> None:
        if not opt_str(p.get("source_system")) or not opt_str(p.get("source_record_id")):
            self.err(n, "source_system/source_record_id must be strings")
        names = p.get("names")
        if not isinstance(names, list) or not names:
            self.err(n, "a person needs at least one name")
        else:
            for name in names:
                self._name(n, name)
        if p.get("dob") is not None and not is_date(p["dob"]):
            self.err(n, f"dob {p['dob']!r} is not an ISO date")
        if p.get("gender") not in GENDERS:
            self.err(n, f"gender {p.get('gender')!r}")
        if not opt_str(p.get("pnc_id")) or not isinstance(p.get("vulnerable", False), bool):
            self.err(n, "pnc_id must be a string or null, vulnerable a bool")
        for a in p.get("addresses") or []:
            self.need(n, "location", a.get("location_id"))
            for key in ("from", "to"):
                if a.get(key) is not None and not is_date(a[key]):
                    self.err(n, f"address {key} {a[key]!r} is not an ISO date")
            if a.get("from") and a.get("to") and a["from"] > a["to"]:
                self.err(n, "address ends before it starts")
        if p.get("visor") is not None:
            self._visor(n, p["visor"])
        medical = p.get("medical")
        if medical is not None and not (isinstance(medical, dict) and "notes" in medical):
            self.err(n, "medical must be {notes}")

    def _name(self, n: int, name: object) -> None:
        if not isinstance(name, dict):
            self.err(n, "a name must be {given, family}")
            return
        given, family = name.get("given", ""), name.get("family", "")
        if not isinstance(given, str) or not isinstance(family, str):
            self.err(n, "name parts must be strings")
        elif not (given.strip() or family.strip()):
            self.err(n, "a name with both parts empty")

    def _visor(self, n: int, v: Record) -> None:
        nt, cat, level = v.get("nominal_type"), v.get("mappa_category"), v.get("mappa_level")
        if not isinstance(v.get("ref"), str) or nt not in NOMINAL_TYPES:
            self.err(n, f"visor needs a ref and a nominal_type, got {nt!r}")
        if cat not in (1, 2, 3, 4, None) or isinstance(cat, bool):
            self.err(n, f"mappa_category {cat!r}")
        if level not in (1, 2, 3, None) or isinstance(level, bool):
            self.err(n, f"mappa_level {level!r}")
        if v.get("risk_level") not in RISK_LEVELS:
            self.err(n, f"risk_level {v.get('risk_level')!r}")
        if nt == "RSO" and cat != 1:
            self.err(n, "an RSO must be MAPPA category 1")
        if nt == "PDP" and cat is not None:
            self.err(n, "a PDP must have no MAPPA category")
        if v.get("next_review") is not None and not is_date(v["next_review"]):
            self.err(n, "next_review is not an ISO date")
        for key in ("risk_factors", "licence_conditions", "individuals_at_risk"):
            value = v.get(key, [])
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                self.err(n, f"visor {key} must be a list of strings")

    def _location(self, n: int, loc: Record) -> None:
        if loc.get("location_type") not in LOCATION_TYPES:
            self.err(n, f"location_type {loc.get('location_type')!r}")
        if not isinstance(loc.get("address", ""), str) or not opt_str(loc.get("postcode")):
            self.err(n, "address/postcode must be strings")
        for key, bound in (("lat", 90), ("lon", 180)):
            value = loc.get(key)
            ok = value is None or (isinstance(value, int | float) and abs(value) <= bound)
            if not ok:
                self.err(n, f"{key} {value!r} is not a WGS84 number")

    def _object(self, n: int, obj: Record) -> None:
        if obj.get("object_type") not in OBJECT_TYPES:
            self.err(n, f"object_type {obj.get('object_type')!r}")
        if not isinstance(obj.get("value"), str) or not obj["value"]:
            self.err(n, "object value must be a non-empty string")

    def _source(self, n: int, src: Record) -> None:
        if src.get("source_type") not in SOURCE_TYPES:
            self.err(n, f"source_type {src.get('source_type')!r}")
        if src.get("chis_status", "none") not in CHIS_STATUSES:
            self.err(n, f"chis_status {src.get('chis_status')!r}")
        if src.get("person_id") is not None:
            self.need(n, "person", src["person_id"])
        for key in ("juvenile", "vulnerable"):
            if not isinstance(src.get(key, False), bool):
                self.err(n, f"{key} must be a bool")

    def _association(self, n: int, a: Record) -> None:
        self.need(n, "person", a.get("a"))
        self.need(n, "person", a.get("b"))
        if a.get("a") == a.get("b"):
            self.err(n, "an association links two different persons")
        if a.get("type") not in ASSOCIATION_TYPES:
            self.err(n, f"association type {a.get('type')!r}")
        for key in ("from", "to"):
            if a.get(key) is not None and not is_date(a[key]):
                self.err(n, f"association {key} is not an ISO date")
        if a.get("basis", "fact") not in ("fact", "assessment"):
            self.err(n, f"basis {a.get('basis')!r}")

    def _tasking(self, n: int, t: Record) -> None:
        if t.get("level") not in ("national", "regional", "force", "bcu", "neighbourhood"):
            self.err(n, f"tasking level {t.get('level')!r}")
        if t.get("requirement") == "specific":
            self.need(n, "person", t.get("subject_id"))
        if t.get("directed_at") == "member_of_public":
            self.need(n, "person", t.get("directed_person_id"))
        if not is_date(t.get("opened_on")):
            self.err(n, "opened_on is not an ISO date")

    def _event(self, n: int, e: Record) -> None:
        self.need(n, "person", e.get("person_id"))
        kind = e.get("event_type")
        if kind not in EVENT_NEEDS:
            self.err(n, f"event type {kind!r}")
            return
        if not is_date(e.get("occurred_on")):
            self.err(n, "occurred_on is not an ISO date")
        for field in EVENT_NEEDS[kind]:
            if not e.get(field):
                self.err(n, f"a {kind} event needs {field}")
        for field in ("licence_end_on", "depart_on", "return_on"):
            if e.get(field) is not None and not is_date(e[field]):
                self.err(n, f"{field} is not an ISO date")

    def _report(self, n: int, r: Record) -> None:
        self._report_header(n, r)
        self._grading(n, r.get("grading"))
        mentions = r.get("mentions") or []
        for m in mentions:
            self._name(n, m.get("name"))
            if m.get("dob") is not None and not is_date(m["dob"]):
                self.err(n, "mention dob is not an ISO date")
            if not opt_str(m.get("address")) or not opt_str(m.get("postcode")):
                self.err(n, "mention address/postcode must be strings")
        for ref in r.get("subjects") or []:
            self._ref(n, ref, len(mentions))
        for loc in r.get("locations") or []:
            self.need(n, "location", loc.get("location_id"))
            if loc.get("role") not in LOCATION_ROLES:
                self.err(n, f"location role {loc.get('role')!r}")
        for obj in r.get("objects") or []:
            self.need(n, "object", obj.get("object_id"))
            self._ref(n, obj.get("ref"), len(mentions))
        for a in r.get("associations") or []:
            self._ref(n, a.get("a"), len(mentions))
            self._ref(n, a.get("b"), len(mentions))
            if a.get("type") not in ASSOCIATION_TYPES or not opt_str(a.get("note")):
                self.err(n, f"report association type {a.get('type')!r}")
        for rel in r.get("source_relationship") or []:
            self._ref(n, rel.get("ref"), len(mentions))
            if rel.get("type") not in RELATIONSHIP_TYPES:
                self.err(n, f"source_relationship type {rel.get('type')!r}")
        indicators = r.get("risk_indicators") or []
        if not set(indicators) <= RISK_INDICATORS or len(set(indicators)) != len(indicators):
            self.err(n, f"risk_indicators {indicators!r}")
        conf = r.get("confidential")
        if conf is not None and not (isinstance(conf, dict) and set(conf) <= CONFIDENTIAL_KEYS):
            self.err(n, "confidential must be {victim_info, third_party_info, police_tactics}")

    def _report_header(self, n: int, r: Record) -> None:
        if not is_datetime(r.get("received_at")):
            self.err(n, f"received_at {r.get('received_at')!r} is not a date-time with offset")
        recorded = r.get("recorded_at")
        if recorded is not None and not is_datetime(recorded):
            self.err(n, "recorded_at is not a date-time with offset")
        elif recorded is not None and recorded < r.get("received_at", ""):
            self.err(n, "recorded before it was received")
        if r.get("source_id") is not None:
            self.need(n, "source", r["source_id"])
        if not opt_str(r.get("recorded_by")) or not opt_str(r.get("police_request")):
            self.err(n, "recorded_by/police_request must be strings")
        enums = (
            ("channel", CHANNELS, "other"),
            ("initiated_by", INITIATORS, "source"),
            ("how_obtained", HOW_OBTAINED, "unknown"),
            ("classification", CLASSIFICATIONS, "OFFICIAL-SENSITIVE"),
        )
        for key, allowed, default in enums:
            if r.get(key, default) not in allowed:
                self.err(n, f"{key} {r.get(key)!r}")
        if not isinstance(r.get("text", ""), str):
            self.err(n, "text must be a string")

    def _grading(self, n: int, g: object) -> None:
        if not isinstance(g, dict) or g.get("scheme") not in SCHEMES:
            self.err(n, f"grading {g!r}")
            return
        source, intel, handling = SCHEMES[g["scheme"]]
        code = (
            g.get("source_evaluation"),
            g.get("intelligence_assessment"),
            g.get("handling_code"),
        )
        if code[0] not in source or code[1] not in intel or code[2] not in handling:
            self.err(n, f"grading {g['scheme']} {code!r}")
        conditions = g.get("handling_conditions")
        if code[2] == "C" and not (isinstance(conditions, str) and conditions.strip()):
            self.err(n, "handling code C without handling_conditions")

    def _ref(self, n: int, ref: object, n_mentions: int) -> None:
        if not isinstance(ref, dict) or len(ref) != 1:
            self.err(n, f"ref {ref!r} must be {{person_id}} or {{mention}}")
        elif "person_id" in ref:
            self.need(n, "person", ref["person_id"])
        elif not (isinstance(ref.get("mention"), int) and 0 <= ref["mention"] < n_mentions):
            self.err(n, f"mention ref {ref!r} is out of range")

    def finish(self) -> list[str]:
        for n, kind, ref in self.wanted:
            if ref not in self.ids[kind]:
                self.err(n, f"{kind} {ref} never appears in the file")
        return self.errors


# ------------------------------------------------------------------------------- fixtures


@dataclass
class Generated:
    data: bytes
    truth_bytes: bytes
    records: list[Record]
    truth: Record
    summary: GeneratorSummary

    def of(self, kind: str) -> list[Record]:
        return [r for r in self.records if r["kind"] == kind]


def generate(config: GeneratorConfig, out: Path) -> Generated:
    summary = write_demo_data(config, out)
    data = out.read_bytes()
    truth_bytes = out.with_suffix(".truth.json").read_bytes()
    records = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    return Generated(data, truth_bytes, records, json.loads(truth_bytes), summary)


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return generate(MODERATE, tmp_path_factory.mktemp("gen") / "demo.jsonl")


@pytest.fixture(scope="module")
def people(gen: Generated) -> dict[str, list[Record]]:
    """Person records grouped by the true human behind them."""
    by_human: dict[str, list[Record]] = defaultdict(list)
    for p in gen.of("person"):
        by_human[gen.truth["person_entity"][p["id"]]].append(p)
    return by_human


# --------------------------------------------------------------------------------- checker


def test_checker_accepts_the_spec_example_and_catches_broken_lines() -> None:
    assert Checker().check_lines(EXAMPLES.read_text().splitlines()) == []
    lines = EXAMPLES.read_text().splitlines()
    report = json.loads(lines[9])
    report["grading"]["handling_conditions"] = " "
    report["subjects"] = [{"person_id": "P-404"}, {"mention": 3}]
    person = json.loads(lines[4])
    person["visor"]["mappa_category"] = 2
    person["names"] = [{"given": "", "family": " "}]
    person["dob"] = "02/06/1979"
    errors = Checker().check_lines([*lines[:4], json.dumps(person), json.dumps(report)])
    for expected in (
        "handling code C without",
        "P-404 never appears",
        "mention ref",
        "RSO must be MAPPA category 1",
        "both parts empty",
        "not an ISO date",
    ):
        assert any(expected in e for e in errors), (expected, errors)


# ------------------------------------------------------------------------------ the tests


def test_same_seed_same_bytes_other_seed_other_bytes(gen: Generated, tmp_path: Path) -> None:
    again = generate(MODERATE, tmp_path / "again.jsonl")
    assert again.data == gen.data and again.truth_bytes == gen.truth_bytes
    other = generate(GeneratorConfig(persons=1500, reports=3000, seed=12), tmp_path / "o.jsonl")
    assert other.data != gen.data and other.truth_bytes != gen.truth_bytes


def test_every_line_follows_interchange_v1(gen: Generated) -> None:
    errors = Checker().check_lines(gen.data.decode("utf-8").splitlines())
    assert errors == [], errors[:20]


def test_counts_order_and_dates(gen: Generated) -> None:
    kinds = Counter(r["kind"] for r in gen.records)
    assert kinds == Counter(gen.summary.counts)
    assert kinds["person"] == MODERATE.persons and kinds["report"] == MODERATE.reports
    order = [r["kind"] for r in gen.records]
    first_report = order.index("report")
    first_event = order.index("event")
    assert "report" not in order[:first_report] and set(order[first_report:first_event]) == {
        "report"
    }
    assert set(order[first_event:]) == {"event", "tasking"}  # last: they only refer back
    received = [r["received_at"] for r in gen.of("report")]
    assert received == sorted(received)
    assert received[0][:10] >= MODERATE.start.isoformat()
    assert received[-1][:10] <= MODERATE.end.isoformat()
    years = Counter(r[:4] for r in received)
    assert set(years) == {"2024", "2025", "2026"}
    assert all(r["id"].startswith(f"IR-{r['received_at'][:4]}-") for r in gen.of("report"))


def test_every_kind_and_enum_family_is_present(gen: Generated) -> None:
    persons, reports = gen.of("person"), gen.of("report")
    visors = [p["visor"] for p in persons if p["visor"]]
    assert {r["kind"] for r in gen.records} == KINDS
    assert {v["nominal_type"] for v in visors} == NOMINAL_TYPES
    assert {v["mappa_category"] for v in visors} == {1, 2, 3, 4, None}
    assert {v["mappa_level"] for v in visors} == {1, 2, 3, None}
    assert {v["risk_level"] for v in visors} == RISK_LEVELS
    assert any(p["medical"] for p in persons)
    assert {p["gender"] for p in persons} == GENDERS
    assert {p["source_system"] for p in persons} == {"visor", "local_intel", "pnc", "probation"} | {
        "crm"
    }
    assert {loc["location_type"] for loc in gen.of("location")} == LOCATION_TYPES
    assert {o["object_type"] for o in gen.of("object")} == OBJECT_TYPES
    sources = gen.of("source")
    assert {s["source_type"] for s in sources} == SOURCE_TYPES
    assert {s["chis_status"] for s in sources} == CHIS_STATUSES
    assert any(s["juvenile"] for s in sources) and any(s["vulnerable"] for s in sources)
    assert {r["channel"] for r in reports} == CHANNELS
    assert {r["initiated_by"] for r in reports} == INITIATORS
    assert {r["how_obtained"] for r in reports} == HOW_OBTAINED
    assert {r["classification"] for r in reports} == CLASSIFICATIONS
    graded = Counter((r["grading"]["scheme"], r["grading"]["handling_code"]) for r in reports)
    assert graded[("3x5x2", "P")] > graded[("3x5x2", "C")] > 0
    current = [r["grading"] for r in reports if r["grading"]["scheme"] == "3x5x2"]
    legacy = [r["grading"] for r in reports if r["grading"]["scheme"] == "5x5x5"]
    assert {g["source_evaluation"] for g in current} == {"1", "2", "3"}
    assert {g["intelligence_assessment"] for g in current} == SCHEMES["3x5x2"][1]
    assert {g["intelligence_assessment"] for g in legacy} == SCHEMES["5x5x5"][1]
    assert {g["handling_code"] for g in legacy} == SCHEMES["5x5x5"][2]
    assert 0.8 < len(current) / len(reports) < 0.97  # mostly 3x5x2, some legacy
    assert {loc["role"] for r in reports for loc in r["locations"]} == LOCATION_ROLES
    linked = {a["type"] for r in reports for a in r["associations"]}
    linked |= {a["type"] for a in gen.of("association")}
    assert linked == ASSOCIATION_TYPES
    assert {a["source_system"] for a in gen.of("association")} == {"visor", "local_intel"}
    assert {a["basis"] for a in gen.of("association")} == {"fact", "assessment"}
    assert {x["type"] for r in reports for x in r["source_relationship"]} >= {
        "neighbour",
        "ex_partner",
        "family",
        "none",
    }
    assert {x for r in reports for x in r["risk_indicators"]} == RISK_INDICATORS
    blocks = [r["confidential"] for r in reports if r["confidential"]]
    assert all(any(b[k] for b in blocks) for k in CONFIDENTIAL_KEYS)
    assert any(r["police_request"] for r in reports)
    mentions = [m for r in reports for m in r["mentions"]]
    assert any(m["dob"] for m in mentions) and any(m["postcode"] for m in mentions)
    assert any(m["address"] for m in mentions)
    assert any(not (m["dob"] or m["address"] or m["postcode"]) for m in mentions)
    assert any(not m["name"]["family"] for m in mentions)  # "a man known as Daz"
    assert any("mention" in s for r in reports for s in r["subjects"])


def test_subjects_are_mostly_nominals(gen: Generated) -> None:
    nominals = {p["id"] for p in gen.of("person") if p["visor"]}
    refs = [s["person_id"] for r in gen.of("report") for s in r["subjects"] if "person_id" in s]
    assert sum(ref in nominals for ref in refs) / len(refs) > 0.7


def test_truth_covers_every_person_record_and_mention(gen: Generated) -> None:
    truth = gen.truth
    assert list(truth) == [
        "format",
        "config",
        "person_entity",
        "mention_entity",
        "repeat_contacts",
        "must_review",
        "risky_associations",
    ]
    assert truth["format"] == "mosaic-truth-v1" and truth["config"] == MODERATE.as_json()
    assert set(truth["person_entity"]) == {p["id"] for p in gen.of("person")}
    keys = {f"{r['id']}#{i}" for r in gen.of("report") for i in range(len(r["mentions"]))}
    assert set(truth["mention_entity"]) == keys
    humans = set(truth["person_entity"].values())
    unrecorded = [h for h in truth["mention_entity"].values() if h not in humans]
    assert 0 < len(unrecorded) < 0.15 * len(truth["mention_entity"])


def test_mentions_name_the_human_the_truth_says(
    gen: Generated, people: dict[str, list[Record]]
) -> None:
    """Most mentions share a name part with that human's records; DOBs given are right."""
    by_id = {r["id"]: r for r in gen.of("report")}
    agree = dob_agree = dobs = total = 0
    for key, human in gen.truth["mention_entity"].items():
        if human not in people:
            continue
        rid, idx = key.split("#")
        mention = by_id[rid]["mentions"][int(idx)]
        parts = {x.lower() for p in people[human] for n in p["names"] for x in n.values() if x}
        parts |= {x.split(" ")[0] for x in parts}
        said = {x.lower() for x in mention["name"].values() if x}
        total += 1
        agree += bool(said & parts)
        if mention["dob"]:
            dobs += 1
            dob_agree += mention["dob"] in {p["dob"] for p in people[human]}
    assert total > 300 and agree / total > 0.8
    assert dobs > 30 and dob_agree / dobs > 0.75


def test_duplicates_carry_every_kind_of_corruption(
    gen: Generated, people: dict[str, list[Record]]
) -> None:
    duplicated = [recs for recs in people.values() if len(recs) > 1]
    share = len(duplicated) / len(people)
    assert abs(share - MODERATE.duplicate_rate) < 0.05
    assert max(len(recs) for recs in duplicated) == 4
    found: Counter[str] = Counter()
    for recs in duplicated:
        assert len({p["source_record_id"] for p in recs}) == len(recs)
        for a, b in itertools.combinations(recs, 2):
            found.update(differences(a, b))
    missing = set(CORRUPTIONS) - set(found)
    assert not missing, (missing, found)
    assert all(gen.summary.corruptions[c] > 0 for c in CORRUPTIONS)


def test_no_pnc_id_is_shared_by_two_humans(gen: Generated) -> None:
    humans_by_pnc: dict[str, set[str]] = defaultdict(set)
    pncs_by_human: dict[str, set[str]] = defaultdict(set)
    for p in gen.of("person"):
        if p["pnc_id"]:
            human = gen.truth["person_entity"][p["id"]]
            humans_by_pnc[p["pnc_id"]].add(human)
            pncs_by_human[human].add(p["pnc_id"])
    assert len(humans_by_pnc) > 50
    assert all(len(h) == 1 for h in humans_by_pnc.values())
    assert all(len(p) == 1 for p in pncs_by_human.values())  # absent sometimes, never wrong
    assert all(re.fullmatch(r"\d{2}/\d{6}[A-Z]", pnc) for pnc in humans_by_pnc)


def test_minors_live_in_households_and_some_are_vulnerable(
    people: dict[str, list[Record]],
) -> None:
    def dob(recs: list[Record]) -> date | None:
        known = [date.fromisoformat(p["dob"]) for p in recs if p["dob"]]
        return Counter(known).most_common(1)[0][0] if known else None

    minors = {h for h, recs in people.items() if (d := dob(recs)) and d > MINOR_BORN_AFTER}
    assert len(minors) > 0.15 * len(people)
    assert any(p["vulnerable"] for h in minors for p in people[h])
    homes: dict[str, set[str]] = defaultdict(set)
    for h, recs in people.items():
        for p in recs:
            for a in p["addresses"]:
                homes[a["location_id"]].add(h)
    with_adult = 0
    for h in minors:
        housemates = {o for p in people[h] for a in p["addresses"] for o in homes[a["location_id"]]}
        with_adult += any(o not in minors for o in housemates)
    assert with_adult / len(minors) > 0.95


def test_the_world_is_hard_in_realistic_ways(people: dict[str, list[Record]]) -> None:
    """Shared family names, twins, fathers and sons with one name, sibling DOBs close."""
    primary = {h: recs[0] for h, recs in people.items()}
    family_count = Counter(p["names"][0]["family"] for p in primary.values())
    assert family_count.most_common(1)[0][1] > 15
    by_home: dict[str, list[Record]] = defaultdict(list)
    for p in primary.values():
        if p["addresses"] and p["dob"]:
            by_home[p["addresses"][-1]["location_id"]].append(p)
    twins = same_name = 0
    for residents in by_home.values():
        for a, b in itertools.combinations(residents, 2):
            na, nb = a["names"][0], b["names"][0]
            if na["family"] != nb["family"]:
                continue
            years = abs(date.fromisoformat(a["dob"]) - date.fromisoformat(b["dob"])).days / 365
            twins += a["dob"] == b["dob"] and na["given"] != nb["given"]
            same_name += na["given"].split(" ")[0] == nb["given"].split(" ")[0] and years > 18
    assert twins >= 1 and same_name >= 1


def test_repeat_contacts_are_real_series(gen: Generated) -> None:
    reports = {r["id"]: r for r in gen.of("report")}
    sources = {s["id"]: s for s in gen.of("source")}
    series = gen.truth["repeat_contacts"]
    assert len(series) >= 5
    seen: set[str] = set()
    for s in series:
        src = sources[s["source_id"]]
        assert src["source_type"] == "member_of_public" and src["person_id"] == s["person_id"]
        assert len(s["report_ids"]) >= 2 and not seen & set(s["report_ids"])
        seen |= set(s["report_ids"])
        times = [reports[rid]["received_at"] for rid in s["report_ids"]]
        assert times == sorted(times)
        for rid in s["report_ids"]:
            rep = reports[rid]
            subjects = {x.get("person_id") for x in rep["subjects"]}
            assert rep["source_id"] == s["source_id"] and set(s["subject_ids"]) <= subjects
    related = [s for s in series if s["through_relationship"]]
    assert related and all(
        any(reports[rid]["how_obtained"] == "through_relationship" for rid in s["report_ids"])
        for s in related
    )
    asked = [s for s in series if s["police_asked"]]
    assert asked and any(
        reports[rid]["initiated_by"] == "police" and reports[rid]["police_request"]
        for s in asked
        for rid in s["report_ids"]
    )
    assert any(
        accelerating([reports[rid]["received_at"] for rid in s["report_ids"]]) for s in series
    )


def test_must_review_lists_returning_juvenile_vulnerable_and_assessed_sources(
    gen: Generated,
) -> None:
    """Recomputed from the written records: every individual source that reported twice or
    more and is a juvenile or vulnerable member of the public, or a CHIS under assessment."""
    per_source = Counter(r["source_id"] for r in gen.of("report"))
    expected = {}
    for s in gen.of("source"):
        if s["person_id"] is None or per_source[s["id"]] < 2:
            continue
        if s["source_type"] == "chis" and s["chis_status"] == "under_assessment":
            expected[s["id"]] = "under_assessment"
        elif s["source_type"] == "member_of_public" and (s["juvenile"] or s["vulnerable"]):
            expected[s["id"]] = "juvenile" if s["juvenile"] else "vulnerable"
    listed = {m["source_id"]: m["why"] for m in gen.truth["must_review"]}
    assert listed == expected and "juvenile" in listed.values()
    assert all(m["reports"] == per_source[m["source_id"]] for m in gen.truth["must_review"])


def test_risky_associations_are_planted_and_evidenced(
    gen: Generated, people: dict[str, list[Record]]
) -> None:
    truth = gen.truth
    person = {p["id"]: p for p in gen.of("person")}
    human_of = truth["person_entity"]
    risky = truth["risky_associations"]
    whys = {r["why"].split(" ")[0] for r in risky}
    assert {"RSO", "violent", "nominal", "position"} <= whys
    organisation = {o["id"]: o for o in gen.of("object") if o["object_type"] == "organisation"}
    employed = {
        (s["person_id"], o["object_id"])
        for rep in gen.of("report")
        if "breach_of_trust" in rep["risk_indicators"]
        for s in rep["subjects"]
        if "person_id" in s
        for o in rep["objects"]
        if o["role"] == "employer"
    }
    evidence: set[frozenset[str]] = {
        frozenset((human_of[a["a"]], human_of[a["b"]])) for a in gen.of("association")
    }
    for rep in gen.of("report"):
        humans = {human_of[s["person_id"]] for s in rep["subjects"] if "person_id" in s}
        humans |= {truth["mention_entity"][f"{rep['id']}#{i}"] for i in range(len(rep["mentions"]))}
        for x in rep["associations"]:
            humans |= {human_of[ref["person_id"]] for ref in (x["a"], x["b"]) if "person_id" in ref}
        evidence |= {frozenset(pair) for pair in itertools.combinations(sorted(humans), 2)}
    minors = {
        h
        for h, recs in people.items()
        if any(p["dob"] and date.fromisoformat(p["dob"]) > MINOR_BORN_AFTER for p in recs)
    }
    for r in risky:
        a = person[r["a"]]
        if r["why"].startswith("position of trust"):
            assert a["visor"]["nominal_type"] == "RSO" and r["b"] in organisation
            assert any(
                word in organisation[r["b"]]["value"]
                for word in ("Juniors", "Youth", "Tuition", "Dance")
            )
            assert any(b == r["b"] and human_of[p] == human_of[r["a"]] for p, b in employed), r
            continue
        ha, hb = human_of[r["a"]], human_of[r["b"]]
        assert ha != hb and a["visor"] and r["type"] in ASSOCIATION_TYPES
        assert frozenset((ha, hb)) in evidence, r
        if r["why"].startswith("RSO"):
            assert a["visor"]["nominal_type"] == "RSO"
            b_homes = {x["location_id"] for p in people[hb] for x in p["addresses"]}
            kids = {
                h
                for h in minors
                for p in people[h]
                for x in p["addresses"]
                if x["location_id"] in b_homes
            }
            assert kids, r
        elif r["why"].startswith("violent"):
            assert a["visor"]["nominal_type"] == "VIOLENT_OFFENDER" and r["type"] == "co_offender"
        else:
            assert any(p["vulnerable"] for p in people[hb])


def test_tiny_and_edge_configs_still_valid(tmp_path: Path) -> None:
    configs = (
        GeneratorConfig(persons=1, reports=5, seed=3),
        GeneratorConfig(persons=7, reports=40, seed=4, duplicate_rate=0.6),
        GeneratorConfig(persons=60, reports=0, seed=5, duplicate_rate=0.0),
        GeneratorConfig(persons=30, reports=50, start=date(2025, 5, 5), end=date(2025, 5, 5)),
    )
    for i, config in enumerate(configs):
        g = generate(config, tmp_path / f"tiny{i}.jsonl")
        assert Checker().check_lines(g.data.decode().splitlines()) == []
        assert g.summary.counts["person"] == config.persons
        assert g.summary.counts["report"] == config.reports
    with pytest.raises(ValueError, match="persons"):
        GeneratorConfig(persons=0)
    with pytest.raises(ValueError, match="end"):
        GeneratorConfig(start=date(2025, 1, 2), end=date(2025, 1, 1))


def test_reports_stream_rather_than_being_built_up_front() -> None:
    """The first reports of a 5-million-report run arrive at once."""
    started = time.perf_counter()
    stream = iter_records(GeneratorConfig(persons=300, reports=5_000_000, seed=2), Truth())
    first = list(itertools.islice((r for r in stream if r["kind"] == "report"), 50))
    assert len(first) == 50 and time.perf_counter() - started < 5


def test_truth_file_default_path_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "small.jsonl"
    summary = write_demo_data(GeneratorConfig(persons=120, reports=200, seed=9), out)
    assert summary.path == out and summary.truth_path == tmp_path / "small.truth.json"
    truth = json.loads(summary.truth_path.read_text())
    assert len(truth["person_entity"]) == 120
    assert len(truth["mention_entity"]) == summary.mentions
    assert summary.duplicated_humans > 0 and summary.humans < 120


# ------------------------------------------------------------------------------- helpers


def one_edit(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or adjacent transposition apart."""
    a, b = a.lower(), b.lower()
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        short, long_ = sorted((a, b), key=len)
        return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    i = diff[0]
    return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]


def nicknames(a: str, b: str) -> bool:
    return b in NICKNAMES.get(a, ()) or a in NICKNAMES.get(b, ())


def differences(a: Record, b: Record) -> set[str]:
    """Which kinds of corruption tell two records of one human apart."""
    out: set[str] = set()
    na, nb = a["names"][0], b["names"][0]
    ga, gb = na["given"].split(" "), nb["given"].split(" ")
    if na["given"] == nb["family"] and na["family"] == nb["given"] and na["given"] != na["family"]:
        out.add("swap")
    if nicknames(ga[0], gb[0]):
        out.add("nickname")
    elif one_edit(ga[0], gb[0]):
        out.add("typo_given")
    if one_edit(na["family"], nb["family"]):
        out.add("typo_family")
    if len(ga) != len(gb) and (set(ga) < set(gb) or set(gb) < set(ga)):
        out.add("middle_name")
    for x, y in ((na["family"], nb["family"]), (nb["family"], na["family"])):
        if "-" in x and y in x.split("-"):
            out.add("double_barrel")
    out |= dob_differences(a["dob"], b["dob"])
    homes_a = {x["location_id"] for x in a["addresses"]}
    homes_b = {x["location_id"] for x in b["addresses"]}
    if homes_a and homes_b and not homes_a & homes_b:
        out.add("moved")
    if (a["pnc_id"] is None) != (b["pnc_id"] is None):
        out.add("pnc_missing")
    if (a["gender"] is None) != (b["gender"] is None):
        out.add("gender_missing")
    return out


def dob_differences(a: str | None, b: str | None) -> set[str]:
    if (a is None) != (b is None):
        return {"dob_missing"}
    if a is None or b is None or a == b:
        return set()
    da, db = date.fromisoformat(a), date.fromisoformat(b)
    if da.year == db.year and (da.day, da.month) == (db.month, db.day):
        return {"dob_transposed"}
    if (da.month, da.day) == (db.month, db.day) and abs(da.year - db.year) == 1:
        return {"dob_year"}
    if sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return {"dob_digit"}
    return set()


def accelerating(times: list[str]) -> bool:
    """Contacts coming faster and faster: the last gap well under the first."""
    days = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times]
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    return len(gaps) >= 3 and gaps[-1] * 2 < gaps[0]
