"""Synthetic public protection world, written as interchange v1 JSON Lines.

All data here is synthetic. Names are random combinations of common given and family names
from `ingest.generator_vocab`; towns, streets, postcodes, vehicles, e-mail addresses (example.*
domains) and organisations are invented; vehicle registrations start with Z, which no UK
region uses, so none can be a real vehicle; phone numbers come only from the ranges Ofcom
reserves for drama (07700 900xxx, then the geographic drama ranges such as 0161 496 0xxx).

The world's shape, roughly as a force's public protection unit would see it:

* a few fictional towns, each with streets of homes (postcodes shared by ~16 doors), schools,
  nurseries, play areas, youth clubs, hostels, a hospital, custody suites, a prison, stations,
  public places and businesses;
* households: couples with children (siblings share family name, address and close DOBs;
  twins share a DOB; some adult sons share their father's given name), single parents,
  couples, people living alone, elderly people;
* ViSOR nominals of every type with their MAPPA details, some living alone or in hostels,
  some with partners, parents or ex-partners, violent offenders in co-offender groups;
* planted risks: child-sex-offence RSOs who move in with (or lodge with) a mother and her
  children, often without notifying, violent offenders with co-offenders, nominals
  associating with vulnerable adults, RSOs working or volunteering with children's
  organisations (listed in the truth file);
* the same human held in several systems (visor, pnc, probation, local_intel, crm) with
  realistic corruption: typos, nicknames, swapped names, DOB slips, stale addresses, a PNC id
  on some records only, middle and double-barrelled names, missing gender;
* sources of every type: members of the public who report repeatedly about one nominal
  (neighbours, ex-partners, family, some asked by police), CHIS, officers, agencies,
  nominals reporting on themselves;
* graded intelligence reports over the configured period, mostly about nominals, naming
  other people as mentions (corrupted names, sometimes DOB or address) that the truth file
  resolves to the true human.

Persons, locations, objects and sources are held in memory; reports are generated day by
day and yielded one at a time, so memory does not grow with the number of reports (the
truth for mentions is kept in compact arrays).
"""

from __future__ import annotations

import json
import random
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

from ingest import generator_vocab as vocab

T = TypeVar("T")

TRUTH_FORMAT: Final = "mosaic-truth-v1"
SYSTEMS: Final = ("visor", "pnc", "probation", "local_intel", "crm")
CORRUPTIONS: Final = (
    "typo_given",
    "typo_family",
    "nickname",
    "swap",
    "dob_missing",
    "dob_transposed",
    "dob_year",
    "dob_digit",
    "moved",
    "pnc_missing",
    "middle_name",
    "double_barrel",
    "gender_missing",
)
NOMINAL_TYPES: Final = ("RSO", "VIOLENT_OFFENDER", "TERRORIST_RISK", "OTHER_DANGEROUS", "PDP")
ADULT_BORN_BY: Final = date(2005, 12, 31)  # adult throughout any default window
CHILD_BORN_FROM: Final = date(2009, 1, 1)  # still a minor on 2026-11-30
CHILD_BORN_TO: Final = date(2023, 12, 31)
MEAN_EXTRA_RECORDS: Final = (
    1.52  # mean extra records of a duplicated human (1: 60%, 2: 28%, 3: 12%)
)
SYMMETRIC: Final = frozenset(
    {"partner", "ex_partner", "family", "co_resident", "friend", "associate", "co_offender"}
    | {"online_contact"}
)
INVERSE: Final = {"parent_of": "child_of", "child_of": "parent_of", "employer": "employee"} | {
    "employee": "employer"
}
PNC_CHECK: Final = "ZABCDEFGHJKLMNPQRTUVWXY"
KEY_NEIGHBOURS: Final = {
    "a": "sqzw",
    "b": "vnhg",
    "c": "xvdf",
    "d": "sfer",
    "e": "wrd",
    "f": "dgrt",
    "g": "fhty",
    "h": "gjyu",
    "i": "uok",
    "j": "hkui",
    "k": "jlio",
    "l": "kop",
    "m": "nj",
    "n": "bmh",
    "o": "ipl",
    "p": "ol",
    "r": "etf",
    "s": "adwz",
    "t": "ryg",
    "u": "yij",
    "v": "cbf",
    "w": "qes",
    "y": "tuh",
    "z": "xs",
}
NICK_TO_FORMAL: Final = {n: f for f, ns in vocab.NICKNAMES.items() for n in ns}


# ----------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate; the same config always gives byte-identical output."""

    persons: int = 2000  # number of person RECORDS written (duplicates included)
    reports: int = 5000
    seed: int = 1
    duplicate_rate: float = 0.3  # share of humans that have more than one record
    start: date = date(2024, 1, 1)
    end: date = date(2026, 10, 31)

    def __post_init__(self) -> None:
        if self.persons < 1:
            raise ValueError("persons must be at least 1")
        if self.reports < 0:
            raise ValueError("reports must not be negative")
        if not 0.0 <= self.duplicate_rate < 1.0:
            raise ValueError("duplicate_rate must be in [0, 1)")
        if self.end < self.start:
            raise ValueError("end must not be before start")

    def as_json(self) -> dict[str, Any]:
        """The config as the truth file records it."""
        return {
            "persons": self.persons,
            "reports": self.reports,
            "seed": self.seed,
            "duplicate_rate": self.duplicate_rate,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


class Truth:
    """What really is: which records are one human, who each mention is, planted patterns.

    Mention truth is kept as three compact arrays so 200k reports stay cheap in memory.
    `stats` counts things for the summary and is not written to the truth file.
    """

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.person_entity: dict[str, str] = {}
        self.repeat_contacts: list[dict[str, Any]] = []
        self.must_review: list[dict[str, Any]] = []
        self.source_reports: Counter[str] = Counter()
        self.risky_associations: list[dict[str, str]] = []
        self.stats: dict[str, int] = {}
        self._m_report = array("q")
        self._m_index = array("b")
        self._m_human = array("i")

    def add_mention(self, report_code: int, index: int, human: int) -> None:
        """Record that mention `index` of the report with `report_code` is human `human`."""
        self._m_report.append(report_code)
        self._m_index.append(index)
        self._m_human.append(human)

    def iter_mentions(self) -> Iterator[tuple[str, str]]:
        """`("<report id>#<i>", "<human id>")` pairs in the order they were written."""
        for code, idx, human in zip(self._m_report, self._m_index, self._m_human, strict=True):
            yield f"{_report_id(code)}#{idx}", _human_id(human)

    @property
    def mention_count(self) -> int:
        return len(self._m_human)

    @property
    def mention_entity(self) -> dict[str, str]:
        return dict(self.iter_mentions())

    def write(self, path: Path) -> None:
        """Write the truth JSON, streaming the mention map instead of building it."""
        with path.open("w", encoding="utf-8") as out:
            out.write('{"format": ' + json.dumps(TRUTH_FORMAT))
            out.write(', "config": ' + json.dumps(self.config))
            out.write(', "person_entity": ' + json.dumps(self.person_entity))
            out.write(', "mention_entity": {')
            first = True
            for key, human in self.iter_mentions():
                out.write(("" if first else ", ") + f'"{key}": "{human}"')
                first = False
            out.write("}")
            out.write(', "repeat_contacts": ' + json.dumps(self.repeat_contacts))
            out.write(', "must_review": ' + json.dumps(self.must_review))
            out.write(', "risky_associations": ' + json.dumps(self.risky_associations))
            out.write("}\n")


@dataclass
class GeneratorSummary:
    """Counts per kind written, and where the data and truth went."""

    counts: dict[str, int]
    path: Path | None = None
    truth_path: Path | None = None
    humans: int = 0
    duplicated_humans: int = 0
    mentions: int = 0
    corruptions: dict[str, int] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)


def iter_records(config: GeneratorConfig, truth: Truth) -> Iterator[dict[str, Any]]:
    """Interchange dicts in a valid order (everything referred to comes first).

    Locations, objects, persons, associations and sources are built up front; reports are
    generated day by day. `truth` is filled as records are yielded.
    """
    world = _World(config)
    truth.config = config.as_json()
    truth.risky_associations = [r.as_truth() for r in world.risks]
    truth.stats.update(world.stats)
    yield from (loc.as_record() for loc in world.locs)
    yield from (obj.as_record() for obj in world.objects)
    for rec in world.records:
        truth.person_entity[rec.id] = rec.human.hid
        yield rec.as_record()
    yield from world.associations
    yield from (src.as_record() for src in world.sources)
    yield from _Reporter(world, truth).reports()
    yield from _events(world)
    yield from _taskings(world)
    truth.repeat_contacts = [s.as_truth() for s in world.series if s.report_ids]
    truth.must_review = _must_review(world.sources, truth.source_reports)


def _must_review(sources: list[_Src], reports: Counter[str]) -> list[dict[str, Any]]:
    """Sources a FIB reviewer must see whatever their pattern: juvenile or vulnerable
    individuals who came back (DOMAIN: always escalate) and CHIS records under assessment
    that keep reporting. Written from what the generator did, not from the graph."""
    out = []
    for s in sources:
        if s.human is None or s.label == "self" or reports[s.id] < 2:
            continue
        if s.type == "chis" and s.chis == "under_assessment":
            why = "under_assessment"
        elif s.type == "member_of_public" and (s.juvenile or s.vulnerable):
            why = "juvenile" if s.juvenile else "vulnerable"
        else:
            continue
        out.append({"source_id": s.id, "why": why, "reports": reports[s.id]})
    return out


PORTS: Final = ("Example Port", "Sampletown Airport", "Harbour Terminal (synthetic)")
DESTINATIONS: Final = ("Exampleland", "Republic of Sample", "Testonia")
AGENCIES: Final = ("children's social care", "housing", "health", "probation")
ACTIONS: Final = ("home visit", "update the risk management plan", "check licence compliance")


def _events(world: _World) -> Iterator[dict[str, Any]]:
    """Management events for some nominals, after everything they refer to: licences with
    breaches and recalls, risk re-assessments, custody, foreign travel and border alerts,
    a few further offences, MAPP meetings and partner-agency requests. A stream of its own,
    so the rest of the world is the same with or without them."""
    rng = random.Random(world.cfg.seed * 1_000_003 + 41)
    start, end = world.cfg.start, world.cfg.end
    span = max(1, (end - start).days)
    seq = 0

    def event(pid: str, kind: str, day: date, **kw: Any) -> dict[str, Any]:
        nonlocal seq
        seq += 1
        return {
            "kind": "event",
            "id": f"EV-{seq:06d}",
            "event_type": kind,
            "person_id": pid,
            "occurred_on": min(day, end).isoformat(),
            "source_system": "probation" if "licence" in kind or kind == "recall" else "visor",
            **kw,
        }

    for h in world.nominals:
        nom = h.nominal
        record = next((r for r in h.records if r.visor), None)
        if nom is None or nom.category is None or record is None:
            continue
        pid = record.id
        day = start + timedelta(days=rng.randrange(span))
        if rng.random() < 0.35:
            until = day + timedelta(days=rng.randrange(300, 1100))
            yield event(
                pid,
                "licence_start",
                day,
                licence_end_on=until.isoformat(),
                conditions=nom.conditions or ["report to the probation office weekly"],
                probation_offender_manager=f"PO {rng.randint(1000, 9999)} (probation)",
            )
            if rng.random() < 0.3:
                day += timedelta(days=rng.randrange(20, 200))
                yield event(pid, "licence_breach", day, details="missed supervision appointments")
                if rng.random() < 0.5:
                    day += timedelta(days=rng.randrange(1, 10))
                    yield event(pid, "recall", day, details="recalled after breach of licence")
                    yield event(
                        pid,
                        "risk_reassessment",
                        day + timedelta(days=rng.randrange(3, 20)),
                        risk_level=rng.choice(("high", "very_high")),
                        details="re-assessed on recall",
                    )
        elif rng.random() < 0.1:
            yield event(pid, "custody_start", day, details="remanded in custody")
        if rng.random() < 0.06:
            depart = day + timedelta(days=rng.randrange(10, 60))
            yield event(
                pid,
                "travel_notification",
                day,
                destination=rng.choice(DESTINATIONS),
                depart_on=depart.isoformat(),
                return_on=(depart + timedelta(days=rng.randrange(3, 21))).isoformat(),
            )
        if rng.random() < 0.03:
            yield event(pid, "border_alert", day + timedelta(days=3), port=rng.choice(PORTS))
        if rng.random() < 0.04:
            yield event(pid, "notification_breach", day, details="failed to notify a new address")
        if rng.random() < 0.015:
            yield event(pid, "preventive_order_breach", day, details="breach of an SHPO")
        if rng.random() < 0.01:
            yield event(pid, "serious_further_offence", day, details="charged (synthetic)")
        if nom.level in (2, 3) and rng.random() < 0.6:
            held = start + timedelta(days=rng.randrange(span))
            yield event(
                pid,
                "mapp_meeting",
                held,
                meeting_level=nom.level,
                chair=f"DI {rng.randint(1000, 9999)} (MAPP chair)",
                attendees=["police", "probation", rng.choice(AGENCIES)],
                decisions=["continue management at this level", "review the risk plan"],
                actions=[
                    {
                        "action": rng.choice(ACTIONS),
                        "owner": nom.manager,
                        "due_on": (held + timedelta(days=rng.randrange(7, 60))).isoformat(),
                        **(
                            {"done_on": (held + timedelta(days=5)).isoformat()}
                            if rng.random() < 0.5
                            else {}
                        ),
                    }
                ],
            )
        if rng.random() < 0.05:
            yield _partner_request(rng, event, pid, start + timedelta(days=rng.randrange(span)))


def _partner_request(
    rng: random.Random, event: Callable[..., dict[str, Any]], pid: str, asked: date
) -> dict[str, Any]:
    """A partner agency's request, some already checked, none answered: an answer is a
    disclosure that ingest checks against a decision in the sharing log, which is made
    with `POST /sharing-decisions` and cannot travel in a data file. (Every answer used to
    cite decision 1, whoever the nominal and agency, so a fresh log quarantined them all.)"""
    checked = rng.random() < 0.6
    return event(
        pid,
        "partner_request",
        asked,
        agency=rng.choice(AGENCIES),
        requester=f"Officer {rng.randint(100, 999)} (synthetic)",
        purpose=rng.choice(("safeguarding enquiry", "tenancy allocation", "care plan")),
        due_on=(asked + timedelta(days=14)).isoformat(),
        **({"checked": "ViSOR and local intelligence"} if checked else {}),
    )


def _taskings(world: _World) -> Iterator[dict[str, Any]]:
    """A few intelligence requirements: general ones, specific ones about nominals, and
    one or two directed at repeat callers (which the CHIS do-not-task guard warns about)."""
    rng = random.Random(world.cfg.seed * 1_000_003 + 43)
    start = world.cfg.start
    n = 0

    def tasking(**kw: Any) -> dict[str, Any]:
        nonlocal n
        n += 1
        opened = start + timedelta(days=rng.randrange(0, 400))
        return {
            "kind": "tasking",
            "id": f"TK-{n:04d}",
            "level": rng.choice(("force", "bcu", "neighbourhood")),
            "requirement": "general",
            "title": "synthetic requirement",
            "owner": f"DI {rng.randint(1000, 9999)}",
            "priority": rng.choice(("high", "medium", "low")),
            "opened_on": opened.isoformat(),
            "due_on": (opened + timedelta(days=rng.randrange(14, 120))).isoformat(),
            **kw,
        }

    for title in ("supply of drugs to vulnerable tenants", "online grooming reported at schools"):
        yield tasking(title=title)
    nominals = [h for h in world.nominals if h.nominal and h.nominal.category]
    for h in rng.sample(nominals, min(3, len(nominals))):
        record = next((r for r in h.records if r.visor), h.primary())
        yield tasking(
            requirement="specific", subject_id=record.id, title="current address and associates"
        )
    callers = [s.source.human for s in world.series if s.source.human is not None]
    for human in callers[:2]:
        yield tasking(
            directed_at="member_of_public",
            directed_person_id=human.primary().id,
            title="note vehicles visiting the address",
            level="neighbourhood",
        )


def write_demo_data(
    config: GeneratorConfig, out: Path, truth_path: Path | None = None
) -> GeneratorSummary:
    """Write the data file and its truth file (default: `out` with suffix `.truth.json`)."""
    truth_path = truth_path or out.with_suffix(".truth.json")
    truth = Truth()
    counts = dict.fromkeys(("location", "object", "person", "association", "source"), 0)
    counts["report"] = counts["event"] = counts["tasking"] = 0
    dumps = json.dumps
    with out.open("w", encoding="utf-8", buffering=1 << 20) as fh:
        write = fh.write
        for record in iter_records(config, truth):
            counts[record["kind"]] += 1
            write(dumps(record))
            write("\n")
    truth.write(truth_path)
    stats = dict(truth.stats)
    return GeneratorSummary(
        counts=counts,
        path=out,
        truth_path=truth_path,
        humans=stats.pop("humans", 0),
        duplicated_humans=stats.pop("duplicated_humans", 0),
        mentions=truth.mention_count,
        corruptions={c: stats.pop(f"corruption:{c}", 0) for c in CORRUPTIONS},
        stats=stats,
    )


# ---------------------------------------------------------------------------- small helpers


def _human_id(n: int) -> str:
    return f"H-{n + 1:06d}"


def _report_code(year: int, seq: int) -> int:
    return year * 10_000_000 + seq


def _report_id(code: int) -> str:
    return f"IR-{code // 10_000_000}-{code % 10_000_000:06d}"


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _pnc_id(year: int, serial: int) -> str:
    """PNC id `YY/NNNNNNC` with the check character PNC itself would compute."""
    yy = year % 100
    return f"{yy:02d}/{serial:06d}{PNC_CHECK[int(f'{yy:02d}{serial:07d}') % 23]}"


def _is_violent(h: _Human) -> bool:
    return h.nominal is not None and h.nominal.nominal_type == "VIOLENT_OFFENDER"


def _cum(weights: Sequence[float]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


# -------------------------------------------------------------------------- world entities


@dataclass(slots=True, eq=False)
class _Loc:
    id: str
    type: str
    name: str  # what a caller would say: "14 Mill Lane", "Oakfield Primary School"
    address: str
    postcode: str
    lat: float
    lon: float
    town: int
    street: int

    def as_record(self) -> dict[str, Any]:
        return {
            "kind": "location",
            "id": self.id,
            "address": self.address,
            "postcode": self.postcode,
            "lat": self.lat,
            "lon": self.lon,
            "location_type": self.type,
        }


@dataclass(slots=True, eq=False)
class _Street:
    name: str
    town: int
    district: int
    lat: float
    lon: float
    dlat: float
    dlon: float
    postcodes: list[str] = field(default_factory=list)
    homes: list[int] = field(default_factory=list)  # location indices
    residents: list[int] = field(default_factory=list)  # human indices


@dataclass(slots=True, eq=False)
class _Nominal:
    nominal_type: str
    ref: str
    child_offender: bool
    category: int | None
    level: int | None
    manager: str
    risk: str | None
    review: date
    mo: str
    factors: list[str]
    conditions: list[str]
    at_risk: list[str]
    medical: str | None
    activity: float

    def as_visor(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "nominal_type": self.nominal_type,
            "mappa_category": self.category,
            "mappa_level": self.level,
            "offender_manager": self.manager,
            "risk_level": self.risk,
            "next_review": self.review.isoformat(),
            "modus_operandi": self.mo,
            "risk_factors": self.factors,
            "licence_conditions": self.conditions,
            "individuals_at_risk": self.at_risk,
            "child_sexual_offence_convictions": self.child_offender,
        }


@dataclass(slots=True, eq=False)
class _Human:
    idx: int
    given: str
    middle: str
    family: str
    gender: str | None
    dob: date
    culture: str
    show_middle: bool
    role: str = "public"
    town: int = 0
    home: int = -1
    home_since: date = date(2015, 1, 1)
    prev_home: int = -1
    moved_on: date | None = None
    notified: bool = True  # whether the records know about the move
    pnc: str | None = None
    vulnerable: bool = False
    nominal: _Nominal | None = None
    aliases: list[tuple[str, str]] = field(default_factory=list)
    rels: list[tuple[int, str]] = field(default_factory=list)
    records: list[_Rec] = field(default_factory=list)
    objects: list[_Obj] = field(default_factory=list)
    collar: str = ""  # officers: "PC 2231"
    phantom: bool = False
    is_source: bool = False

    @property
    def hid(self) -> str:
        return _human_id(self.idx)

    @property
    def given_shown(self) -> str:
        return f"{self.given} {self.middle}" if self.show_middle and self.middle else self.given

    def home_at(self, day: date) -> int:
        if self.moved_on is not None and day < self.moved_on and self.prev_home >= 0:
            return self.prev_home
        return self.home

    def age_on(self, day: date) -> int:
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))

    def related(self, *types: str) -> list[int]:
        return [other for other, t in self.rels if t in types]

    def primary(self) -> _Rec:
        return self.records[0]


@dataclass(slots=True, eq=False)
class _Rec:
    human: _Human
    system: str
    srid: str
    given: str
    family: str
    dob: date | None
    gender: str | None
    pnc: str | None
    addresses: list[dict[str, Any]]
    aliases: list[tuple[str, str]]
    visor: bool = False
    corruptions: tuple[str, ...] = ()
    id: str = ""

    def as_record(self) -> dict[str, Any]:
        h = self.human
        names = [{"given": self.given, "family": self.family}]
        names += [{"given": g, "family": f} for g, f in self.aliases]
        nominal = h.nominal if self.visor else None
        medical = nominal.medical if nominal else None
        return {
            "kind": "person",
            "id": self.id,
            "source_system": self.system,
            "source_record_id": self.srid,
            "names": names,
            "dob": _iso(self.dob),
            "gender": self.gender,
            "pnc_id": self.pnc,
            "vulnerable": h.vulnerable,
            "addresses": self.addresses,
            "visor": nominal.as_visor() if nominal else None,
            "medical": {"notes": medical} if medical else None,
        }


@dataclass(slots=True, eq=False)
class _Obj:
    id: str
    type: str
    value: str
    owner: _Human | None

    def as_record(self) -> dict[str, Any]:
        return {"kind": "object", "id": self.id, "object_type": self.type, "value": self.value}


@dataclass(slots=True, eq=False)
class _Src:
    id: str
    type: str
    human: _Human | None
    chis: str = "none"
    juvenile: bool = False
    vulnerable: bool = False
    reliability: str = "2"
    label: str = ""
    recent: list[int] = field(default_factory=list)  # subjects a one-off caller reported on

    def as_record(self) -> dict[str, Any]:
        return {
            "kind": "source",
            "id": self.id,
            "source_type": self.type,
            "person_id": self.human.primary().id if self.human else None,
            "chis_status": self.chis,
            "juvenile": self.juvenile,
            "vulnerable": self.vulnerable,
        }


@dataclass(slots=True, eq=False)
class _Series:
    """A member of the public calling again and again about one nominal."""

    source: _Src
    subject: _Human
    relationship: str  # neighbour, ex_partner, family, none
    police_request: str | None
    days: list[date]
    theme: str
    place: int = -1
    report_ids: list[str] = field(default_factory=list)

    @property
    def through_relationship(self) -> bool:
        return self.relationship in ("ex_partner", "family")

    def as_truth(self) -> dict[str, Any]:
        human = self.source.human
        return {
            "source_id": self.source.id,
            "person_id": human.primary().id if human else None,
            "subject_ids": [self.subject.primary().id],
            "report_ids": self.report_ids,
            "through_relationship": self.through_relationship,
            "police_asked": self.police_request is not None,
        }


@dataclass(slots=True, eq=False)
class _Risk:
    """A planted risky association the truth file lists and reports or records evidence."""

    a: _Human
    b: _Human
    type: str
    why: str
    since: date
    kind: str  # household, co_offender, vulnerable, trust (b is a; org is the employer)
    children: list[_Human] = field(default_factory=list)
    days: list[date] = field(default_factory=list)  # reports that will show it
    org: _Obj | None = None

    def as_truth(self) -> dict[str, str]:
        b = self.org.id if self.org else self.b.primary().id
        return {"a": self.a.primary().id, "b": b, "type": self.type, "why": self.why}


# ------------------------------------------------------------------------------ the world


class _World:
    """Builds every non-report record and the plans (series, risks) reports follow."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed * 1_000_003 + 11)
        self.stats: dict[str, int] = {}
        self.locs: list[_Loc] = []
        self.streets: list[_Street] = []
        self.town_streets: list[list[int]] = []
        self.free_homes: list[list[int]] = []
        self.places: dict[tuple[int, str], list[int]] = {}
        self.humans: list[_Human] = []
        self.phantoms: list[_Human] = []
        self.officers: list[_Human] = []
        self.nominals: list[_Human] = []
        self.records: list[_Rec] = []
        self.objects: list[_Obj] = []
        self.associations: list[dict[str, Any]] = []
        self.sources: list[_Src] = []
        self.series: list[_Series] = []
        self.risks: list[_Risk] = []
        self.rel_list: list[tuple[_Human, _Human, str, date | None, date | None]] = []
        self._pnc_used: set[tuple[int, int]] = set()
        self._values_used: set[str] = set()
        self._spare_public: list[_Human] = []
        self._has_cat4 = False
        self._drama_numbers: list[str] = []
        self._phone_overflow = 0
        self._drama_used = False
        self._family_cum = {
            c: _cum([1 / (i + 2) ** 0.85 for i in range(len(spec[3]))])
            for c, spec in vocab.CULTURES.items()
        }
        self._culture_names = list(vocab.CULTURES)
        self._culture_cum = _cum([spec[0] for spec in vocab.CULTURES.values()])
        self.n_target = self._humans_for(cfg)
        self._build()

    # ------------------------------------------------------------------ orchestration

    @staticmethod
    def _humans_for(cfg: GeneratorConfig) -> int:
        return max(
            1, min(cfg.persons, round(cfg.persons / (1 + cfg.duplicate_rate * MEAN_EXTRA_RECORDS)))
        )

    def _build(self) -> None:
        self._make_places()
        self._make_officers()
        self._make_nominals()
        self._make_cooffender_groups()
        self._make_vulnerable_associates()
        self._make_positions_of_trust()
        self._fill_households()
        self._make_phantoms()
        self._assign_pnc()
        self._make_sources()
        self._plan_series()
        self._make_public_sources()
        self._make_records()
        self._make_objects()
        self._make_associations()
        self.stats["humans"] = len(self.humans)
        self.stats["nominals"] = len(self.nominals)
        self.stats["phantoms"] = len(self.phantoms)
        self.stats["minors"] = sum(1 for h in self.humans if h.dob >= CHILD_BORN_FROM)

    @property
    def room(self) -> int:
        return self.n_target - len(self.humans)

    # ------------------------------------------------------------------ places

    def _make_places(self) -> None:
        n = self.n_target
        towns = 3 if n < 2000 else 4 if n < 10000 else 5
        shares = _cum([1.0 / (t + 1.5) for t in range(towns)])
        homes_needed = int(n * 0.62) + 40
        for t in range(towns):
            self.town_streets.append([])
            self.free_homes.append([])
            share = (shares[t] - (shares[t - 1] if t else 0.0)) / shares[-1]
            while len(self.free_homes[t]) < homes_needed * share:
                self._new_street(t)
        for t in range(towns):
            self._make_town_places(t, max(1.0, n * (1.0 / (t + 1.5)) / shares[-1]))
            self.rng.shuffle(self.free_homes[t])

    def _new_street(self, town: int) -> _Street:
        rng = self.rng
        _, _, dlat, dlon = vocab.TOWNS[town]
        used = {self.streets[s].name for s in self.town_streets[town]}
        suffixes = [s for s, _ in vocab.STREET_SUFFIXES]
        suffix_cum = _cum([w for _, w in vocab.STREET_SUFFIXES])
        name = ""
        for _ in range(50):
            suffix = rng.choices(suffixes, cum_weights=suffix_cum)[0]
            name = f"{rng.choice(vocab.STREET_STEMS)} {suffix}"
            if name not in used:
                break
        else:
            name = f"{name} {len(used)}"
        street = _Street(
            name=name,
            town=town,
            district=rng.randint(1, 9),
            lat=vocab.CENTRE_LAT + dlat + rng.uniform(-0.02, 0.02),
            lon=vocab.CENTRE_LON + dlon + rng.uniform(-0.03, 0.03),
            dlat=rng.uniform(-0.00012, 0.00012),
            dlon=rng.uniform(-0.00018, 0.00018),
        )
        self.streets.append(street)
        s_idx = len(self.streets) - 1
        self.town_streets[town].append(s_idx)
        doors = rng.choice((12, 20, 28, 36, 48, 60, 80))
        flats_at = rng.randint(1, doors) if rng.random() < 0.3 else -1
        for number in range(1, doors + 1):
            if number == flats_at:
                for flat in range(1, rng.randint(3, 8)):
                    self._home(s_idx, f"Flat {flat}, {number} {name}", number)
            else:
                self._home(s_idx, f"{number} {name}", number)
        return street

    def _postcode(self, street: _Street, number: int) -> str:
        block = number // 16
        while len(street.postcodes) <= block:
            letters = vocab.POSTCODE_LETTERS
            inward = f"{self.rng.randint(1, 9)}{self.rng.choice(letters)}{self.rng.choice(letters)}"
            street.postcodes.append(f"{vocab.TOWNS[street.town][1]}{street.district} {inward}")
        return street.postcodes[block]

    def _home(self, s_idx: int, short: str, number: int) -> int:
        street = self.streets[s_idx]
        idx = self._add_loc(
            "residential",
            short,
            f"{short}, {vocab.TOWNS[street.town][0]}",
            self._postcode(street, number),
            street.lat + street.dlat * number,
            street.lon + street.dlon * number,
            street.town,
            s_idx,
        )
        street.homes.append(idx)
        self.free_homes[street.town].append(idx)
        return idx

    def _add_loc(
        self,
        ltype: str,
        name: str,
        address: str,
        postcode: str,
        lat: float,
        lon: float,
        town: int,
        street: int,
    ) -> int:
        idx = len(self.locs)
        self.locs.append(
            _Loc(
                id=f"L-{idx + 1:06d}",
                type=ltype,
                name=name,
                address=address,
                postcode=postcode,
                lat=round(lat, 5),
                lon=round(lon, 5),
                town=town,
                street=street,
            )
        )
        self.places.setdefault((town, ltype), []).append(idx)
        return idx

    def _make_town_places(self, town: int, size: float) -> None:
        """Schools, play areas, hubs and businesses in proportion to the town's people."""
        counts = {
            "school": max(2, round(size / 900)),
            "nursery": max(1, round(size / 2000)),
            "playground": max(2, round(size / 800)),
            "youth_club": max(1, round(size / 3000)),
            "hostel": 1 + round(size / 8000),
            "hospital": 1,
            "transport_hub": 2,
            "public_place": max(3, round(size / 1500)),
            "business": max(4, round(size / 300)),
            "other": 2,
        }
        if town < 2:
            counts["custody_suite"] = 1
        if town == 0 or (town == 3 and size > 3000):
            counts["prison"] = 1
        for ltype, k in counts.items():
            for i in range(k):
                self._place(town, ltype, i)

    def _place(self, town: int, ltype: str, i: int) -> None:
        rng = self.rng
        tname = vocab.TOWNS[town][0]
        stem = rng.choice(vocab.STREET_STEMS)
        fam = rng.choice(vocab.BRITISH_FAMILY)
        fmt = {"town": tname, "stem": stem, "family": fam}
        if ltype == "school":
            kinds = (
                f"St {rng.choice(vocab.SAINTS)} Primary School",
                f"{stem}field Primary School",
                f"{stem} Park Community School",
                f"{tname} Academy",
                f"{stem} Infant and Junior School",
            )
            name = kinds[i % len(kinds)] if i < len(kinds) else f"{stem} Primary School"
        elif ltype == "nursery":
            name = rng.choice(vocab.NURSERY_NAMES)
        elif ltype == "playground":
            name = f"{stem} Park play area"
        elif ltype == "youth_club":
            name = rng.choice(vocab.YOUTH_CLUB_NAMES).format(**fmt)
        elif ltype == "hostel":
            name = rng.choice(vocab.HOSTEL_NAMES).format(**fmt)
        elif ltype == "hospital":
            name = f"{tname} General Hospital"
        elif ltype == "custody_suite":
            name = f"{tname} Custody Suite" if town else "Central Custody Suite"
        elif ltype == "prison":
            name = vocab.PRISON_NAMES[min(town, len(vocab.PRISON_NAMES) - 1)]
        elif ltype == "transport_hub":
            name = f"{tname} {'Railway Station' if i == 0 else 'Bus Station'}"
        elif ltype == "public_place":
            name = rng.choice(vocab.PUBLIC_PLACE_NAMES).format(**fmt)
        elif ltype == "business":
            name = rng.choice(vocab.BUSINESS_NAMES).format(**fmt)
        else:
            name = rng.choice(vocab.OTHER_PLACE_NAMES).format(**fmt)
        s_idx = rng.choice(self.town_streets[town])
        street = self.streets[s_idx]
        number = rng.randint(1, 40)
        self._add_loc(
            ltype,
            name,
            f"{name}, {street.name}, {tname}",
            self._postcode(street, number),
            street.lat + rng.uniform(-0.003, 0.003),
            street.lon + rng.uniform(-0.004, 0.004),
            town,
            s_idx,
        )

    def _take_home(self, town: int) -> int:
        order: list[int] = [town, *range(len(self.free_homes))]
        for t in order:
            free = self.free_homes[t]
            if free:
                return free.pop()
        street = self._new_street(town)
        self.free_homes[town].remove(street.homes[0])
        return street.homes[0]

    def place(self, town: int, *types: str, rng: random.Random | None = None) -> int:
        """A random place of one of `types` in `town` (any town if it has none)."""
        rng = rng or self.rng
        if len(types) == 1 and (town, types[0]) in self.places:
            return rng.choice(self.places[town, types[0]])
        pool: list[int] = []
        for t in types:
            pool += self.places.get((town, t), [])
        if not pool:
            for (_, lt), idxs in self.places.items():
                if lt in types:
                    pool += idxs
        return rng.choice(pool)

    # ------------------------------------------------------------------ people

    def _pick_culture(self) -> str:
        return self.rng.choices(self._culture_names, cum_weights=self._culture_cum)[0]

    def _family_name(self, culture: str) -> str:
        families = vocab.CULTURES[culture][3]
        name = self.rng.choices(families, cum_weights=self._family_cum[culture])[0]
        if culture == "british" and self.rng.random() < 0.04:
            other = self.rng.choices(families, cum_weights=self._family_cum[culture])[0]
            if other != name:
                name = f"{name}-{other}"
        return name

    def _rand_date(self, lo: date, hi: date) -> date:
        if hi <= lo:
            return lo
        return date.fromordinal(self.rng.randint(lo.toordinal(), hi.toordinal()))

    def _person(
        self,
        town: int,
        culture: str,
        gender: str,
        dob: date,
        family: str | None = None,
        role: str = "public",
        given: str | None = None,
        avoid: Sequence[str] = (),
    ) -> _Human:
        """A new human with a plausible name for their background, sex and generation."""
        rng = self.rng
        spec = vocab.CULTURES[culture]
        era = 0 if dob.year <= 1984 else 1 if dob.year <= 2006 else 2
        family = family or self._family_name(culture)
        if gender == "F" and culture == "polish" and family[-3:] in ("ski", "cki"):
            family = family[:-1] + "a"
        pool = (spec[1] if gender == "M" else spec[2])[era]
        for _ in range(20):
            if given is None or (given, family) in vocab.FAMOUS_COMBOS or given in avoid:
                given = rng.choice(pool)
            if (given, family) not in vocab.FAMOUS_COMBOS and given not in avoid:
                break
        assert given is not None
        has_middle = rng.random() < (0.6 if culture in ("british", "irish") else 0.25)
        middle = (
            rng.choice(vocab.MIDDLE_MALE if gender == "M" else vocab.MIDDLE_FEMALE)
            if has_middle
            else ""
        )
        if middle == given:
            middle = ""
        shown_gender: str | None = gender
        if dob <= ADULT_BORN_BY and rng.random() < 0.006:
            shown_gender = "X"
        h = _Human(
            idx=len(self.humans),
            given=given,
            middle=middle,
            family=family,
            gender=shown_gender,
            dob=dob,
            culture=culture,
            show_middle=bool(middle) and rng.random() < 0.35,
            role=role,
            town=town,
        )
        self.humans.append(h)
        return h

    def _adult(self, town: int, culture: str, gender: str, lo: int, hi: int, **kw: Any) -> _Human:
        dob = self._rand_date(date(lo, 1, 1), min(date(hi, 12, 31), ADULT_BORN_BY))
        return self._person(town, culture, gender, dob, **kw)

    def _settle(self, members: Sequence[_Human], home: int, since: date | None = None) -> None:
        """Put a household in a home and on its street (for neighbours)."""
        loc = self.locs[home]
        oldest = min(m.dob for m in members)
        since = since or self._rand_date(
            max(_add_years(oldest, 19), date(1998, 1, 1)), self.cfg.start - timedelta(days=30)
        )
        for m in members:
            m.home = home
            m.town = loc.town
            m.home_since = max(since, m.dob)
            if loc.street >= 0 and loc.type == "residential":
                self.streets[loc.street].residents.append(m.idx)

    def _rel(
        self, a: _Human, b: _Human, rtype: str, since: date | None = None, until: date | None = None
    ) -> None:
        a.rels.append((b.idx, rtype))
        b.rels.append((a.idx, INVERSE.get(rtype, rtype)))
        self.rel_list.append((a, b, rtype, since, until))

    def _children(
        self, mother: _Human, father: _Human | None, family: str, k: int, town: int
    ) -> list[_Human]:
        """Siblings with close DOBs; now and then twins; all minors on 2026-11-30."""
        rng = self.rng
        lo = max(CHILD_BORN_FROM, _add_years(mother.dob, 18))
        hi = min(CHILD_BORN_TO, _add_years(mother.dob, 44))
        if hi < lo or k <= 0:
            return []
        kids: list[_Human] = []
        born = self._rand_date(lo, min(hi, lo + timedelta(days=365 * 6)))
        for i in range(k):
            if born > hi or self.room <= 0:
                break
            kid = self._person(
                town,
                mother.culture,
                rng.choice("MF"),
                born,
                family=family,
                role="child",
                avoid=[k.given for k in kids],
            )
            kid.vulnerable = rng.random() < 0.12
            kids.append(kid)
            self._rel(mother, kid, "parent_of")
            if father is not None:
                self._rel(father, kid, "parent_of")
            if i and rng.random() < 0.5:
                self._rel(kids[0], kid, "family")
            if not (rng.random() < 0.04 and i == 0):  # otherwise the next one is a twin
                born = born + timedelta(days=rng.randint(420, 1800))
        return kids

    def _family_household(self, town: int, kind: str) -> list[_Human]:
        """An ordinary household: couple with kids, single parent, couple, single, elderly."""
        rng = self.rng
        culture = self._pick_culture()
        if kind == "single":
            h = self._adult(town, culture, rng.choice("MF"), 1950, 2004)
            members = [h]
        elif kind == "elderly":
            h = self._adult(town, culture, rng.choice("MF"), 1935, 1958)
            members = [h]
            if self.room > 0 and rng.random() < 0.5:
                p = self._adult(
                    town, culture, "F" if h.gender == "M" else "M", 1935, 1958, family=h.family
                )
                self._rel(h, p, "partner")
                members.append(p)
        else:
            mother = self._adult(town, culture, "F", 1972, 2000)
            members = [mother]
            father: _Human | None = None
            if kind != "single_parent" and self.room > 0:
                lo = max(1960, mother.dob.year - 8)
                father = self._adult(
                    town, culture, "M", lo, mother.dob.year + 3, family=mother.family
                )
                self._rel(father, mother, "partner")
                members.append(father)
            if kind != "couple":
                k = rng.choices((1, 2, 3, 4), (35, 38, 19, 8))[0]
                members += self._children(mother, father, mother.family, min(k, self.room), town)
            if father is not None and kind == "family" and rng.random() < 0.07 and self.room > 0:
                members.append(self._junior(father, mother, town))
        self._settle(members, self._take_home(town))
        return members

    def _junior(self, father: _Human, mother: _Human, town: int) -> _Human:
        """An adult son with his father's given and family name, living at home."""
        lo = _add_years(father.dob, 19)
        dob = self._rand_date(lo, min(_add_years(father.dob, 32), ADULT_BORN_BY))
        son = self._person(town, father.culture, "M", dob, family=father.family, given=father.given)
        self._rel(father, son, "parent_of")
        self._rel(mother, son, "parent_of")
        self.stats["father_son_same_name"] = self.stats.get("father_son_same_name", 0) + 1
        return son

    def _random_town(self) -> int:
        return self.rng.choices(
            range(len(self.town_streets)),
            cum_weights=_cum([1.0 / (t + 1.5) for t in range(len(self.town_streets))]),
        )[0]

    def _make_officers(self) -> None:
        n = 0 if self.n_target < 40 else max(2, min(60, round(self.n_target * 0.004)))
        ranks = [r for r, _ in vocab.RANKS]
        rank_cum = _cum([w for _, w in vocab.RANKS])
        collars: set[int] = set()
        for _ in range(n):
            town = self._random_town()
            h = self._adult(
                town, self._pick_culture(), self.rng.choice("MMF"), 1968, 2001, role="officer"
            )
            collar = self.rng.randint(1000, 9999)
            while collar in collars:
                collar = self.rng.randint(1000, 9999)
            collars.add(collar)
            h.collar = f"{self.rng.choices(ranks, cum_weights=rank_cum)[0]} {collar}"
            self._settle([h], self._take_home(town))
            self.officers.append(h)

    # ------------------------------------------------------------------ nominals

    def _make_nominals(self) -> None:
        n = max(1, round(self.n_target * 0.085))
        weights = (0.55, 0.27, 0.02, 0.07, 0.09)
        for i in range(n):
            if self.room <= 0:
                break
            nt = (
                NOMINAL_TYPES[i]
                if i < 5 and n >= 8
                else self.rng.choices(NOMINAL_TYPES, weights)[0]
            )
            self._nominal_household(nt)

    def _nominal_human(self, nt: str, town: int) -> _Human:
        rng = self.rng
        p_male = {"RSO": 0.97, "PDP": 0.85, "TERRORIST_RISK": 0.9}.get(nt, 0.9)
        lo, hi = {"RSO": (1950, 2003), "TERRORIST_RISK": (1975, 2004)}.get(nt, (1960, 2004))
        h = self._adult(
            town,
            self._pick_culture(),
            "M" if rng.random() < p_male else "F",
            lo,
            hi,
            role="nominal",
        )
        h.nominal = self._visor(nt)
        if rng.random() < 0.35:
            nick = vocab.NICKNAMES.get(h.given)
            if nick:
                h.aliases.append((rng.choice(nick), h.family))
            else:
                h.aliases.append((h.given, self._family_name(h.culture)))
        self.nominals.append(h)
        return h

    def _visor(self, nt: str) -> _Nominal:
        """A ViSOR block consistent with the nominal type (RSO: cat 1; PDP: no MAPPA)."""
        rng = self.rng
        child = nt == "RSO" and rng.random() < 0.6
        category = {"RSO": 1, "VIOLENT_OFFENDER": 2, "OTHER_DANGEROUS": 3}.get(nt)
        if nt == "TERRORIST_RISK":  # category 4 is for terrorism-risk offenders
            category = 4 if not self._has_cat4 or rng.random() < 0.7 else 2
            self._has_cat4 = True
        level: int | None = None
        if nt != "PDP":
            level = rng.choices((1, 2, 3), (40, 40, 20) if nt == "TERRORIST_RISK" else (80, 17, 3))[
                0
            ]
        risks = ("low", "medium", "high", "very_high")
        risk: str | None = rng.choices(risks, (30, 40, 24, 6) if nt == "RSO" else (20, 40, 30, 10))[
            0
        ]
        if rng.random() < (0.3 if nt == "PDP" else 0.03):
            risk = None
        if nt == "RSO":
            mo = rng.choice(vocab.MO_CHILD if child else vocab.MO_ADULT)
        else:
            mo = rng.choice(
                {
                    "VIOLENT_OFFENDER": vocab.MO_VIOLENT,
                    "TERRORIST_RISK": vocab.MO_TERROR,
                    "PDP": vocab.MO_PDP,
                }.get(nt, vocab.MO_OTHER)
            )
        factors = rng.sample(vocab.RISK_FACTORS, rng.randint(1, 4))
        if child and "access to children" not in factors and rng.random() < 0.7:
            factors.insert(0, "access to children")
        conditions: list[str] = []
        if nt != "PDP":
            if child:
                conditions += rng.sample(vocab.LICENCE_CHILD, rng.randint(1, 3))
            conditions += rng.sample(vocab.LICENCE_GENERAL, rng.randint(0, 2))
        at_risk: list[str] = []
        if child:
            at_risk.append(rng.choice(vocab.AT_RISK_CHILD))
        elif rng.random() < 0.5:
            at_risk.append(rng.choice(vocab.AT_RISK_ADULT))
        return _Nominal(
            nominal_type=nt,
            ref=self._unique(f"V-{rng.randint(100000, 999999)}", self._visor_ref),
            child_offender=child,
            category=category,
            level=level,
            manager=self._manager(nt),
            risk=risk,
            review=self._rand_date(
                self.cfg.end - timedelta(days=90), self.cfg.end + timedelta(days=365)
            ),
            mo=mo,
            factors=factors,
            conditions=conditions,
            at_risk=at_risk,
            medical=rng.choice(vocab.MEDICAL_NOTES) if rng.random() < 0.15 else None,
            activity=rng.lognormvariate(0.0, 1.0) * (1.6 if child else 1.0),
        )

    def _visor_ref(self) -> str:
        return f"V-{self.rng.randint(100000, 999999)}"

    def _manager(self, nt: str) -> str:
        rng = self.rng
        if nt in ("VIOLENT_OFFENDER", "OTHER_DANGEROUS", "TERRORIST_RISK") and rng.random() < 0.6:
            culture = self._pick_culture()
            gender = rng.choice("MF")
            spec = vocab.CULTURES[culture]
            given = rng.choice((spec[1] if gender == "M" else spec[2])[1])
            return f"{rng.choice(vocab.PROBATION_TITLES)} {given} {self._family_name(culture)}"
        if self.officers:
            o = rng.choice(self.officers)
            return f"{o.collar} {o.family}"
        return f"DC {rng.randint(1000, 9999)} {self._family_name('british')}"

    def _nominal_household(self, nt: str) -> None:
        rng = self.rng
        town = self._random_town()
        h = self._nominal_human(nt, town)
        nominal = h.nominal
        assert nominal is not None
        setting = rng.choices(
            ("alone", "hostel", "partner", "parents", "family", "shared"), (45, 12, 15, 10, 10, 8)
        )[0]
        if nominal.child_offender and setting == "family":
            setting = "alone"
        if setting == "parents" and (h.dob.year < 1984 or self.room < 2):
            setting = "alone"
        if setting in ("partner", "family", "shared") and self.room < 1:
            setting = "alone"
        members = [h]
        if setting == "hostel":
            home = self.place(town, "hostel")
            self._settle(
                [h], home, self._rand_date(self.cfg.start - timedelta(days=700), self.cfg.start)
            )
        else:
            if setting in ("partner", "family"):
                p = self._adult(
                    town,
                    h.culture,
                    "F" if h.gender == "M" else "M",
                    h.dob.year - 6,
                    h.dob.year + 10,
                    role="partner",
                )
                self._rel(h, p, "partner", since=self._rand_date(date(2012, 1, 1), self.cfg.start))
                members.append(p)
                if setting == "family":
                    mother = p if p.gender == "F" else h
                    members += self._children(mother, h, h.family, rng.randint(1, 3), town)
            elif setting == "parents":
                mum = self._adult(
                    town, h.culture, "F", h.dob.year - 40, h.dob.year - 20, family=h.family
                )
                members.append(mum)
                self._rel(mum, h, "parent_of")
                if self.room > 0 and rng.random() < 0.6:
                    dad = self._adult(
                        town, h.culture, "M", mum.dob.year - 5, mum.dob.year + 2, family=h.family
                    )
                    self._rel(dad, mum, "partner")
                    self._rel(dad, h, "parent_of")
                    members.append(dad)
            elif setting == "shared":
                mate = self._adult(town, self._pick_culture(), "M", 1965, 2004, role="associate")
                self._rel(h, mate, rng.choice(("co_resident", "friend")))
                members.append(mate)
            self._settle(members, self._take_home(town))
        self._nominal_extras(h, town, single=setting not in ("partner", "family"))

    def _nominal_extras(self, h: _Human, town: int, single: bool) -> None:
        """Ex-partners (often with his children), relatives elsewhere, planted households."""
        rng = self.rng
        nominal = h.nominal
        assert nominal is not None
        if self.room >= 2 and rng.random() < 0.35:
            ex = self._adult(
                town,
                h.culture,
                "F" if h.gender == "M" else "M",
                h.dob.year - 6,
                h.dob.year + 12,
                role="ex_partner",
            )
            members = [ex]
            until = self._rand_date(date(2016, 1, 1), self.cfg.start - timedelta(days=60))
            self._rel(
                h,
                ex,
                "ex_partner",
                since=until - timedelta(days=rng.randint(400, 3000)),
                until=until,
            )
            if ex.gender == "F" and rng.random() < 0.5:
                members += self._children(
                    ex, h, h.family if rng.random() < 0.6 else ex.family, rng.randint(1, 2), town
                )
            self._settle(members, self._take_home(town))
        if self.room >= 1 and rng.random() < 0.3:
            sib = self._adult(
                town, h.culture, rng.choice("MF"), h.dob.year - 8, h.dob.year + 8, family=h.family
            )
            self._rel(h, sib, "family")
            self._settle([sib], self._take_home(town))
        if single and nominal.child_offender and self.room >= 3 and rng.random() < 0.25:
            self._plant_household(h, town)

    def _plant_household(self, h: _Human, town: int) -> None:
        """An RSO moving in with (or lodging with) a mother and her children."""
        rng = self.rng
        mother = self._adult(town, self._pick_culture(), "F", 1978, 1999, role="partner")
        kids = self._children(mother, None, mother.family, rng.randint(1, 3), town)
        if not kids:
            kids = self._children(mother, None, mother.family, 1, town)
        for kid in kids:
            kid.vulnerable = kid.vulnerable or rng.random() < 0.3
        self._settle([mother, *kids], self._take_home(town))
        since = self._rand_date(
            self.cfg.start,
            self.cfg.end - timedelta(days=min(120, (self.cfg.end - self.cfg.start).days // 2)),
        )
        lodger = rng.random() < 0.25
        rtype = "co_resident" if lodger else "partner"
        self._rel(h, mother, rtype, since=since)
        moves_in = lodger or rng.random() < 0.75
        if moves_in:
            h.prev_home, h.home, h.moved_on = h.home, mother.home, since
            h.notified = rng.random() < 0.4
            self.streets[self.locs[mother.home].street].residents.append(h.idx)
        why = (
            "RSO (child sexual offences) lodging in a household with children"
            if lodger
            else "RSO (child sexual offences) living with a partner who has children"
            if moves_in
            else "RSO (child sexual offences) in a relationship with a partner who has children"
        )
        self.risks.append(_Risk(h, mother, rtype, why, since, "household", kids))

    def _make_cooffender_groups(self) -> None:
        """Violent offenders in groups with other nominals and unconvicted associates."""
        rng = self.rng
        violent = [
            h
            for h in self.nominals
            if h.nominal and h.nominal.nominal_type in ("VIOLENT_OFFENDER", "OTHER_DANGEROUS")
        ]
        free = [h for h in violent if rng.random() < 0.5]
        rng.shuffle(free)
        leaders = [h for h in violent if rng.random() < 0.4]
        grouped: set[int] = set()
        for leader in leaders:
            if leader.idx in grouped:
                continue
            group = [leader]
            grouped.add(leader.idx)
            for _ in range(rng.randint(1, 3)):
                if free and rng.random() < 0.4:
                    other = free.pop()
                    if other.idx in grouped:
                        continue
                elif self.room >= 1:
                    other = self._adult(
                        leader.town, self._pick_culture(), "M", 1975, 2004, role="associate"
                    )
                    self._settle([other], self._take_home(leader.town))
                else:
                    continue
                grouped.add(other.idx)
                group.append(other)
            since = self._rand_date(date(2018, 1, 1), self.cfg.start)
            why = "violent offender associating with a co-offender"
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    self._rel(a, b, "co_offender", since=since)
                    first, second = (b, a) if _is_violent(b) and not _is_violent(a) else (a, b)
                    if _is_violent(first):
                        risk = _Risk(first, second, "co_offender", why, since, "co_offender")
                        self.risks.append(risk)

    def _make_vulnerable_associates(self) -> None:
        rng = self.rng
        for h in self.nominals:
            if self.room < 1 or rng.random() >= 0.05:
                continue
            v = self._adult(
                h.town, self._pick_culture(), rng.choice("MF"), 1955, 2003, role="vulnerable"
            )
            v.vulnerable = True
            self._settle([v], self._take_home(h.town))
            since = self._rand_date(
                self.cfg.start - timedelta(days=200), self.cfg.end - timedelta(days=60)
            )
            rtype = rng.choice(("associate", "friend"))
            self._rel(h, v, rtype, since=since)
            self.risks.append(
                _Risk(
                    h, v, rtype, "nominal associating with a vulnerable adult", since, "vulnerable"
                )
            )

    def _make_positions_of_trust(self) -> None:
        """A few RSOs who work or volunteer with children; the employer is chosen once the
        organisations exist (`_make_objects`)."""
        rng = self.rng
        for h in self.nominals:
            if h.nominal is None or h.nominal.nominal_type != "RSO" or rng.random() >= 0.05:
                continue
            since = self._rand_date(
                self.cfg.start - timedelta(days=200), self.cfg.end - timedelta(days=60)
            )
            why = "position of trust: RSO working or volunteering with children"
            self.risks.append(_Risk(h, h, "employee", why, since, "trust"))

    def _fill_households(self) -> None:
        kinds = ("family", "single_parent", "couple", "single", "elderly")
        cum = _cum((32, 12, 18, 28, 10))
        while self.room > 0:
            self._family_household(self._random_town(), self.rng.choices(kinds, cum_weights=cum)[0])
        # a few vulnerable adults and employers among the public
        for h in self.humans:
            if h.role == "public" and h.dob <= ADULT_BORN_BY and self.rng.random() < 0.02:
                h.vulnerable = True
        public = [h for h in self.humans if h.role == "public" and h.dob <= date(1990, 1, 1)]
        for h in self.nominals:
            if public and self.rng.random() < 0.05:
                self._rel(
                    self.rng.choice(public),
                    h,
                    "employer",
                    since=self._rand_date(self.cfg.start - timedelta(days=700), self.cfg.end),
                )

    def _make_phantoms(self) -> None:
        """People who are named in reports but have no record anywhere."""
        n = max(3, round(self.n_target * 0.04))
        start = len(self.humans)
        for i in range(n):
            dob = self._rand_date(date(1960, 1, 1), date(2012, 12, 31))
            h = self._person(self._random_town(), self._pick_culture(), self.rng.choice("MMF"), dob)
            h.phantom = True
            h.home = self._take_home(h.town) if self.rng.random() < 0.3 else -1
            self.phantoms.append(h)
            assert h.idx == start + i
        del self.humans[start:]  # phantoms keep their (fresh) ids but are not humans with records

    def _assign_pnc(self) -> None:
        """One PNC id per convicted human, never shared, never reused on another human."""
        rng = self.rng
        p_by_role = {"nominal": 1.0, "associate": 0.9, "ex_partner": 0.12, "partner": 0.1}
        for h in self.humans:
            p = p_by_role.get(h.role, 0.05 if h.dob <= ADULT_BORN_BY else 0.0)
            if h.nominal and h.nominal.nominal_type == "PDP":
                p = 0.7
            if h.role == "officer" or rng.random() >= p:
                continue
            year = min(2025, h.dob.year + rng.randint(16, 40))
            serial = rng.randint(1, 999999)
            while (year % 100, serial) in self._pnc_used:
                serial = rng.randint(1, 999999)
            self._pnc_used.add((year % 100, serial))
            h.pnc = _pnc_id(year, serial)

    # ------------------------------------------------------------------ sources and series

    def _make_sources(self) -> None:
        rng = self.rng

        def add(stype: str, human: _Human | None = None, **kw: Any) -> _Src:
            src = _Src(id=f"S-{len(self.sources) + 1:05d}", type=stype, human=human, **kw)
            self.sources.append(src)
            if human is not None:
                human.is_source = True
            return src

        for o in self.officers:
            add("police_officer", o, reliability="1", label=o.collar)
        if not self.officers:
            add("police_officer", reliability="1", label="PC 1001")
        agencies = (
            ("hmpps_probation", ("Probation Service", "Approved Premises staff")),
            ("prison", ("Prison Offender Manager", "Prison intelligence unit")),
            ("health", ("A&E safeguarding nurse", "Community mental health team", "GP practice")),
            (
                "voluntary_org",
                ("Homelessness charity", "Drug and alcohol service", "Women's refuge"),
            ),
            (
                "partner_agency",
                (
                    "Children's services",
                    "School safeguarding lead",
                    "Housing officer",
                    "Independent domestic violence adviser",
                ),
            ),
            ("scottish_intelligence_database", ("Scottish Intelligence Database",)),
            ("anonymous", ("Anonymous phone line", "Anonymous letter")),
        )
        reliability = {"anonymous": "3", "voluntary_org": "2"}
        for stype, labels in agencies:
            for label in labels:
                add(stype, reliability=reliability.get(stype, "1"), label=label)
        candidates = [
            h for h in self.humans if h.role in ("associate", "public") and h.dob <= ADULT_BORN_BY
        ]
        rng.shuffle(candidates)
        n_chis = max(2, min(200, round(len(self.nominals) * 0.04)))
        chis_nominals = [h for h in self.nominals if h.nominal and h.nominal.nominal_type != "RSO"][
            :2
        ]
        for i in range(n_chis):
            human = (
                chis_nominals[i]
                if i < len(chis_nominals)
                else candidates.pop()
                if candidates
                else None
            )
            status = "under_assessment" if i % 4 == 1 else "authorised"
            add(
                "chis",
                human,
                chis=status,
                reliability="1" if status == "authorised" else "2",
                vulnerable=rng.random() < 0.05,
                label="CHIS",
            )
        for h in self.nominals:
            if rng.random() < 0.35:
                add("offender_self_report", h, reliability="1", label="self")
        self._spare_public = candidates

    def _make_public_sources(self) -> None:
        """Members of the public for one-off calls, a few of them juvenile or vulnerable."""
        rng = self.rng
        n = max(3, min(20000, round(self.cfg.reports * 0.3 * 0.8 / 3)))
        teens = [h for h in self.humans if h.role == "child" and h.dob <= date(2011, 6, 30)]
        rng.shuffle(teens)
        candidates = [h for h in self._spare_public if not h.is_source]
        vulnerable = [h for h in candidates if h.vulnerable]
        for i in range(n):
            juvenile = bool(teens) and i % 97 == 5
            human: _Human | None = None
            if juvenile:
                human = teens.pop()
            elif vulnerable and i % 89 == 7:
                human = vulnerable.pop()
            elif candidates and rng.random() < 0.6:
                human = candidates.pop()
            if human is not None and human.is_source:
                human = None
            src = _Src(
                id=f"S-{len(self.sources) + 1:05d}",
                type="member_of_public",
                human=human,
                juvenile=juvenile,
                vulnerable=bool(human and human.vulnerable),
                reliability=rng.choice("222223"),
                label="public",
            )
            if human is not None:
                human.is_source = True
            self.sources.append(src)
        self._spare_public = []

    def _plan_series(self) -> None:
        """Repeat reporters: who they are, what they report about, and on which days."""
        rng = self.rng
        cfg = self.cfg
        planned = 0
        budget = cfg.reports // 2
        target = round(cfg.reports * 0.05)
        want = min(max(1, round(target / 9)), 2 * len(self.nominals)) if cfg.reports >= 8 else 0
        for risk in self.risks:
            if risk.kind == "household" and len(self.series) < want and rng.random() < 0.5:
                home = risk.b.home
                planned += self._add_series(
                    risk.a,
                    "neighbour",
                    near=home,
                    theme="household",
                    after=risk.since,
                    budget=budget - planned,
                )
        pool = list(self.nominals)
        cum = _cum([1.0 + (2.0 if h.nominal and h.nominal.child_offender else 0.0) for h in pool])
        tries = misses = 0
        needed = ["ex_partner", "family", "neighbour", "none"]  # every kind, then by weight
        while len(self.series) < want and tries < want * 8 + 200 and pool:
            tries += 1
            subject = rng.choices(pool, cum_weights=cum)[0]
            rel = rng.choices(("neighbour", "ex_partner", "family", "none"), (40, 25, 20, 15))[0]
            rel = needed[0] if needed else rel
            added = self._add_series(subject, rel, budget=budget - planned)
            planned += added
            misses = 0 if added else misses + 1
            if needed and (added or misses > 40):
                needed.pop(0)
                misses = 0
        self.stats["series"] = len(self.series)
        self._plan_risk_evidence(budget - planned)

    def _plan_risk_evidence(self, budget: int) -> None:
        """0-3 reports per planted risk after it began; none means a structured link instead."""
        for r in self.risks:
            k = min(budget, self.rng.choices((0, 1, 2, 3), (15, 40, 30, 15))[0])
            if r.kind == "trust":  # no structured record can show employment
                k = min(budget, max(1, k))
            r.days = sorted(
                self._rand_date(max(r.since, self.cfg.start), self.cfg.end) for _ in range(k)
            )
            budget -= k

    def _series_source_human(self, subject: _Human, rel: str, near: int | None) -> _Human | None:
        rng = self.rng
        if rel in ("ex_partner", "family"):
            types = ("ex_partner",) if rel == "ex_partner" else ("family", "child_of", "parent_of")
            pool = [self.humans[i] for i in subject.related(*types)]
            pool = [h for h in pool if not h.is_source and h.dob <= ADULT_BORN_BY and not h.nominal]
            return rng.choice(pool) if pool else None
        if rel == "neighbour":
            home = near if near is not None else subject.home
            street = self.locs[home].street
            if self.locs[home].type != "residential":
                return None
            pool = [self.humans[i] for i in self.streets[street].residents]
            pool = [
                h
                for h in pool
                if not h.is_source
                and h.home != home
                and h.dob <= ADULT_BORN_BY
                and h.role in ("public", "partner", "ex_partner")
                and not h.nominal
            ]
            return rng.choice(pool) if pool else None
        spare = self._spare_public
        return spare.pop() if spare else None

    def _add_series(
        self,
        subject: _Human,
        rel: str,
        *,
        near: int | None = None,
        theme: str = "",
        after: date | None = None,
        budget: int,
    ) -> int:
        rng = self.rng
        human = self._series_source_human(subject, rel, near)
        if human is None:
            return 0
        days = self._series_days(after or self.cfg.start)
        days = days[: max(0, budget)]
        if len(days) < 2:
            return 0
        human.is_source = True
        human.role = "caller" if human.role == "public" else human.role
        src = _Src(
            id=f"S-{len(self.sources) + 1:05d}",
            type="member_of_public",
            human=human,
            reliability="2",
            label="repeat",
        )
        self.sources.append(src)
        request = rng.choice(vocab.POLICE_REQUESTS) if rng.random() < 0.3 else None
        self.series.append(
            _Series(
                src, subject, rel, request, days, theme or rel, near if near is not None else -1
            )
        )
        return len(days)

    def _series_days(self, first: date) -> list[date]:
        """Contact days: steady, accelerating or in bursts, inside the window."""
        rng = self.rng
        end = self.cfg.end
        span = (end - first).days
        day = first + timedelta(days=rng.randint(0, max(0, span - 30)))
        pattern = rng.choices(("steady", "accelerating", "burst"), (45, 30, 25))[0]
        length = min(30, 3 + int(rng.expovariate(1 / 6)))
        days: list[date] = []
        gap = rng.uniform(30, 75) if pattern == "accelerating" else rng.uniform(10, 60)
        factor = rng.uniform(0.6, 0.85)
        while len(days) < length and day <= end:
            days.append(day)
            if pattern == "steady":
                step = gap * rng.uniform(0.6, 1.4)
            elif pattern == "accelerating":
                step = gap
                gap = max(1.0, gap * factor)
            else:
                step = rng.uniform(0, 3) if len(days) % 4 else rng.uniform(40, 120)
            day = day + timedelta(days=max(1, round(step)))
        return days

    # ------------------------------------------------------------------ person records

    def _make_records(self) -> None:
        """Primary record for every human, extra corrupted records for the duplicated."""
        rng = self.rng
        extras = self.cfg.persons - len(self.humans)
        counts = self._duplicate_counts(extras)
        self.stats["duplicated_humans"] = sum(1 for c in counts if c)
        by_system: dict[str, list[_Rec]] = {s: [] for s in SYSTEMS}
        for h, extra in zip(self.humans, counts, strict=True):
            systems = [self._primary_system(h)]
            for _ in range(extra):
                systems.append(self._extra_system(h, systems))
            for i, system in enumerate(systems):
                rec = self._record(h, system, primary=i == 0)
                if i:
                    self._corrupt(rec, h)
                h.records.append(rec)
                by_system[system].append(rec)
        starts = {"local_intel": 1000, "crm": 10000, "probation": 100000}
        for system in SYSTEMS:
            group = by_system[system]
            rng.shuffle(group)  # system ids follow no human order
            n = rng.randint(starts.get(system, 0), 2 * starts.get(system, 1))
            for rec in group:
                n += rng.randint(1, 40)
                rec.srid = self._srid(rec.human, system, n)
            self.records += group
        for i, rec in enumerate(self.records):
            rec.id = f"P-{i + 1:06d}"

    def _duplicate_counts(self, extras: int) -> list[int]:
        """Extra records per human (1: 60%, 2: 28%, 3: 12%); offenders duplicated more often."""
        rng = self.rng
        counts = [0] * len(self.humans)
        if extras <= 0:
            return counts
        weight = {"nominal": 4.0, "associate": 2.5, "ex_partner": 1.5, "partner": 1.5}
        weight |= {"child": 0.5, "officer": 0.0}
        keys = []
        for i, h in enumerate(self.humans):
            w = weight.get(h.role, 1.0) + (1.0 if h.pnc else 0.0)
            if w > 0:
                keys.append((rng.random() ** (1.0 / w), i))
        keys.sort(reverse=True)
        order = [i for _, i in keys]
        k = min(len(order), extras, max(1, round(self.cfg.duplicate_rate * len(self.humans))))
        chosen, spare = order[:k], order[k:]
        for i in chosen:
            counts[i] = rng.choices((1, 2, 3), (60, 28, 12))[0]
        diff = extras - sum(counts)
        while diff > 0:  # make the total exact, keeping the 1-3 range where possible
            grow = [i for i in chosen if counts[i] < 3]
            if not grow and spare:
                chosen.append(spare.pop(0))
                grow = chosen[-1:]
            counts[rng.choice(grow or chosen)] += 1
            diff -= 1
        while diff < 0:
            counts[rng.choice([i for i in chosen if counts[i] > 1])] -= 1
            diff += 1
        return counts

    def _primary_system(self, h: _Human) -> str:
        rng = self.rng
        if h.nominal is not None:
            return "visor"
        if h.role in ("officer", "caller"):
            return "crm"
        if h.role == "associate":
            return "pnc" if h.pnc and rng.random() < 0.3 else "local_intel"
        if h.role == "child":
            return "local_intel" if rng.random() < 0.7 else "crm"
        return "local_intel" if rng.random() < 0.55 else "crm"

    def _extra_system(self, h: _Human, have: list[str]) -> str:
        options = ["local_intel", "crm"]
        weights = [3.0, 2.0]
        if h.pnc and "pnc" not in have:
            options.append("pnc")
            weights.append(3.0)
        if (h.pnc or h.nominal) and "probation" not in have:
            options.append("probation")
            weights.append(2.0)
        weights = [w * (0.35 if o in have else 1.0) for o, w in zip(options, weights, strict=True)]
        return self.rng.choices(options, weights)[0]

    def _srid(self, h: _Human, system: str, n: int) -> str:
        if system == "visor":
            assert h.nominal is not None
            return h.nominal.ref
        if system == "pnc":
            assert h.pnc is not None
            return h.pnc
        if system == "probation":
            return f"{'XDEFHJ'[n % 6]}{n:06d}"
        if system == "local_intel":
            return f"LI-{n:06d}"
        return f"C-{n:07d}"

    def _record(self, h: _Human, system: str, *, primary: bool) -> _Rec:
        rng = self.rng
        addresses: list[dict[str, Any]] = []
        if h.home >= 0 and (primary or system != "crm" or rng.random() < 0.8):
            if h.moved_on is not None and not h.notified:
                addresses = [self._addr(h.prev_home, h.home_since, None)]
            elif h.moved_on is not None and primary:
                addresses = [
                    self._addr(h.prev_home, h.home_since, h.moved_on - timedelta(days=1)),
                    self._addr(h.home, h.moved_on, None),
                ]
            else:
                addresses = [self._addr(h.home, h.moved_on or h.home_since, None)]
        aliases = (
            h.aliases
            if system == "visor" or (system == "local_intel" and rng.random() < 0.5)
            else []
        )
        return _Rec(
            human=h,
            system=system,
            srid="",
            given=h.given_shown,
            family=h.family,
            dob=h.dob,
            gender=h.gender,
            pnc=h.pnc if system != "crm" or rng.random() < 0.3 else None,
            addresses=addresses,
            aliases=list(aliases),
            visor=system == "visor",
        )

    def _addr(self, loc: int, since: date, until: date | None) -> dict[str, Any]:
        return {"location_id": self.locs[loc].id, "from": since.isoformat(), "to": _iso(until)}

    # ------------------------------------------------------------------ corruption

    def _corrupt(self, rec: _Rec, h: _Human) -> None:
        """Apply 1-3 realistic differences (typo, nickname, DOB slip, stale address...)."""
        rng = self.rng
        first = rec.given.split(" ")[0]
        options: dict[str, float] = {
            "swap": 0.8,
            "dob_missing": 1.2,
            "dob_year": 1.0,
            "dob_digit": 1.0,
            "moved": 1.4,
            "gender_missing": 0.9,
        }
        if len(first) >= 3:
            options["typo_given"] = 2.5
        if len(rec.family) >= 3:
            options["typo_family"] = 2.5
        if first in vocab.NICKNAMES or first in NICK_TO_FORMAL:
            options["nickname"] = 2.5
        if h.dob.day <= 12 and h.dob.month <= 12 and h.dob.day != h.dob.month:
            options["dob_transposed"] = 2.5
        if rec.pnc:
            options["pnc_missing"] = 2.5
        if h.middle:
            options["middle_name"] = 2.0
        if "-" in h.family:
            options["double_barrel"] = 8.0
        if h.gender is None:
            options.pop("gender_missing")
        k = rng.choices((1, 2, 3), (55, 32, 13))[0]
        chosen: list[str] = []
        groups = (
            {"typo_given", "nickname"},
            {"typo_family", "double_barrel"},
            {"dob_missing", "dob_transposed", "dob_year", "dob_digit"},
        )
        while len(chosen) < k and options:
            names = list(options)
            pick = rng.choices(names, [options[n] for n in names])[0]
            chosen.append(pick)
            for g in groups:
                if pick in g:
                    for other in g:
                        options.pop(other, None)
            options.pop(pick, None)
        for c in CORRUPTIONS:  # fixed order: names first, the swap after them
            if c in chosen and c != "swap":
                self._apply(rec, h, c)
        if "swap" in chosen:
            rec.given, rec.family = rec.family, rec.given
        rec.corruptions = tuple(chosen)
        for c in chosen:
            key = f"corruption:{c}"
            self.stats[key] = self.stats.get(key, 0) + 1

    def _apply(self, rec: _Rec, h: _Human, what: str) -> None:
        rng = self.rng
        parts = rec.given.split(" ")
        if what == "middle_name":
            if len(parts) > 1:
                parts = parts[:1]
            elif rng.random() < 0.25:
                parts = [h.middle, parts[0]]
            else:
                parts = [parts[0], h.middle]
        elif what == "nickname":
            nick = vocab.NICKNAMES.get(parts[0])
            parts[0] = rng.choice(nick) if nick else NICK_TO_FORMAL[parts[0]]
        elif what == "typo_given":
            parts[0] = typo(rng, parts[0])
        elif what == "typo_family":
            rec.family = typo(rng, rec.family)
        elif what == "double_barrel":
            rec.family = rng.choice(rec.family.split("-"))
        elif what == "dob_missing":
            rec.dob = None
        elif what == "dob_transposed":
            rec.dob = h.dob.replace(day=h.dob.month, month=h.dob.day)
        elif what == "dob_year":
            rec.dob = _add_years(h.dob, rng.choice((-1, 1)))
        elif what == "dob_digit":
            rec.dob = dob_digit_typo(rng, h.dob)
        elif what == "moved":
            rec.addresses = [
                self._addr(
                    self._other_home(h), h.home_since - timedelta(days=rng.randint(200, 2000)), None
                )
            ]
        elif what == "pnc_missing":
            rec.pnc = None
        elif what == "gender_missing":
            rec.gender = None
        rec.given = " ".join(parts)

    def _other_home(self, h: _Human) -> int:
        """An address the primary record does not show: the real one, an old one, or new."""
        shown = {a["location_id"] for a in h.records[0].addresses} if h.records else set()
        for loc in (h.prev_home, h.home):
            if loc >= 0 and self.locs[loc].id not in shown:
                return loc
        loc = self._take_home(h.town if self.rng.random() < 0.7 else self._random_town())
        if h.moved_on is None:
            h.prev_home = loc
        return loc

    # ------------------------------------------------------------------ objects

    def _make_objects(self) -> None:
        rng = self.rng
        for h in self.humans:
            role = h.role
            nominal = h.nominal
            p_vehicle = (
                0.5
                if nominal
                else 0.4
                if role == "associate"
                else 0.25
                if role in ("partner", "ex_partner")
                else 0.0
            )
            if rng.random() < p_vehicle:
                self._object("vehicle", self._registration(), h)
            p_phone = (
                0.8
                if nominal
                else 0.6
                if role == "associate"
                else 0.35
                if role in ("partner", "ex_partner")
                else 0.0
            )
            for _ in range(2 if nominal and rng.random() < 0.3 else 1):
                if rng.random() < p_phone:
                    self._object("phone", self._phone(), h)
            if (nominal or role == "partner") and rng.random() < 0.3:
                self._object("email", self._email(h), h)
            p_online = (
                0.85
                if nominal and nominal.child_offender
                else 0.3
                if nominal and nominal.nominal_type == "TERRORIST_RISK"
                else 0.12
                if nominal
                else 0.0
            )
            for _ in range(rng.randint(1, 3)):
                if rng.random() < p_online:
                    self._object("online_account", self._handle(h), h)
        for _ in range(max(3, round(self.n_target * 0.01))):
            self._object("vehicle", self._registration(), None)
        for i in range(max(5, min(200, self.n_target // 150))):
            self._object("organisation", self._organisation(i), None)
        serving = [o for o in self.objects if o.type == "organisation" and serves_children(o)]
        for r in self.risks:
            if r.kind == "trust":
                r.org = rng.choice(serving)

    def _organisation(self, i: int) -> str:
        rng = self.rng
        town = vocab.TOWNS[i % len(self.town_streets)][0]
        pattern = vocab.ORGANISATION_NAMES[i % len(vocab.ORGANISATION_NAMES)]

        def one() -> str:
            stem, family = rng.choice(vocab.STREET_STEMS), rng.choice(vocab.BRITISH_FAMILY)
            return pattern.format(town=town, stem=stem, family=family)

        return self._unique(one(), one)

    def _object(self, otype: str, value: str, owner: _Human | None) -> _Obj:
        obj = _Obj(id=f"O-{len(self.objects) + 1:06d}", type=otype, value=value, owner=owner)
        self.objects.append(obj)
        if owner is not None:
            owner.objects.append(obj)
        return obj

    def _unique(self, value: str, again: Callable[[], str]) -> str:
        """`value`, or another draw if taken (numbered once draws keep colliding)."""
        tries = 0
        while value in self._values_used:
            tries += 1
            value = again() if tries < 20 else f"{again()} ({tries - 18})"
        self._values_used.add(value)
        return value

    def _registration(self) -> str:
        rng = self.rng
        letters = "ABCDEFGHJKLMNOPRSTUVWXY"

        def one() -> str:
            age = rng.randint(5, 25) + (50 if rng.random() < 0.5 else 0)
            tail = "".join(rng.choice(letters) for _ in range(3))
            # No DVLA memory tag starts with Z: never a real registration.
            return f"Z{rng.choice(letters)}{age:02d} {tail}"

        return self._unique(one(), one)

    def _phone(self) -> str:
        """Only numbers Ofcom reserves for drama: the 07700 900xxx mobile block first, then
        the geographic drama blocks (1,000 numbers each), shuffled once."""
        if not self._drama_numbers and not self._drama_used:
            self._drama_numbers = [f"07700 900{n:03d}" for n in range(1000)]
            blocks = [f"0{area} 496 0" for area in (113, 114, 115, 116, 117, 118, 121, 131)]
            blocks += [f"0{area} 496 0" for area in (141, 151, 161)] + ["020 7946 0"]
            extra = [f"{block}{n:03d}" for block in blocks for n in range(1000)]
            self.rng.shuffle(extra)
            self.rng.shuffle(self._drama_numbers)
            self._drama_numbers = extra + self._drama_numbers  # pop() takes mobiles first
            self._drama_used = True
        if self._drama_numbers:
            return self._unique(self._drama_numbers.pop(), self._phone)
        # Exhausted (over 13,000 phones): repeat a drama number with a visible tag.
        self._phone_overflow += 1
        return f"07700 900{self._phone_overflow % 1000:03d} (synthetic {self._phone_overflow})"

    def _email(self, h: _Human) -> str:
        rng = self.rng

        def one() -> str:
            g = "".join(c for c in h.given.lower() if c.isalpha())
            f = "".join(c for c in h.family.lower() if c.isalpha())
            return f"{g}{rng.choice('._')}{f}{rng.randint(1, 99)}@{rng.choice(vocab.EMAIL_DOMAINS)}"

        return self._unique(one(), one)

    def _handle(self, h: _Human) -> str:
        rng = self.rng

        def one() -> str:
            stem = rng.choice(
                (
                    h.given.lower(),
                    h.given[:3].lower() + h.family[:3].lower(),
                    rng.choice(("gamer", "lad", "mate", "buddy", "coach")),
                )
            )
            return f"{rng.choice(vocab.ONLINE_PLATFORMS)}: {stem}_{rng.randint(1, 999)}"

        return self._unique(one(), one)

    # ------------------------------------------------------------------ structured links

    def _make_associations(self) -> None:
        """ViSOR associate lists and local intelligence links, one record per link."""
        rng = self.rng
        risky = {(r.a.idx, r.b.idx): not r.days for r in self.risks}
        for a, b, rtype, since, until in self.rel_list:
            if a.nominal or b.nominal:
                system = "visor" if rng.random() < 0.7 else "local_intel"
                p = {
                    "partner": 0.75,
                    "ex_partner": 0.6,
                    "co_offender": 0.65,
                    "family": 0.4,
                    "parent_of": 0.5,
                }.get(rtype, 0.3)
            else:
                system = "local_intel"
                p = 0.06 if rtype in ("parent_of", "partner", "family") else 0.03
            if (a.idx, b.idx) in risky or (b.idx, a.idx) in risky:
                unseen = risky.get((a.idx, b.idx), risky.get((b.idx, a.idx)))
                p = 1.0 if unseen else 0.45
            if rng.random() >= p:
                continue
            ra, rb = self._rec_in(a, system), self._rec_in(b, system)
            if rtype in ("parent_of", "employer") and rng.random() < 0.3:
                ra, rb, rtype = rb, ra, INVERSE[rtype]
            basis = (
                "assessment"
                if rtype in ("associate", "co_offender", "friend") and rng.random() < 0.4
                else "fact"
            )
            self.associations.append(
                {
                    "kind": "association",
                    "id": f"A-{len(self.associations) + 1:06d}",
                    "a": ra.id,
                    "b": rb.id,
                    "type": rtype,
                    "from": _iso(since),
                    "to": _iso(until),
                    "source_system": system,
                    "basis": basis,
                }
            )
        self.stats["associations"] = len(self.associations)

    def _rec_in(self, h: _Human, system: str) -> _Rec:
        for rec in h.records:
            if rec.system == system:
                return rec
        return h.records[0]


# --------------------------------------------------------------------------- corruption


def typo(rng: random.Random, word: str) -> str:
    """One insertion, deletion, substitution or transposition, as a keyboard slip makes."""
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    if len(letters) < 3:
        return word + word[-1]
    for _ in range(10):
        op = rng.choice(("insert", "delete", "substitute", "transpose"))
        i = rng.choice(letters[1:]) if rng.random() < 0.9 else letters[0]
        c = word[i].lower()
        if op == "insert":
            extra = c if rng.random() < 0.5 else rng.choice(KEY_NEIGHBOURS.get(c, "e"))
            out = word[: i + 1] + extra + word[i + 1 :]
        elif op == "delete" and len(letters) >= 4:
            out = word[:i] + word[i + 1 :]
        elif op == "substitute":
            new = rng.choice(KEY_NEIGHBOURS.get(c, "aeiou"))
            out = word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]
        elif (
            op == "transpose"
            and i + 1 < len(word)
            and word[i + 1].isalpha()
            and word[i].lower() != word[i + 1].lower()
        ):
            a, b = word[i], word[i + 1]
            if i == 0:
                a, b = a.lower(), b.upper()
            out = word[:i] + b + a + word[i + 2 :]
        else:
            continue
        if out != word and out[:1].isupper() == word[:1].isupper():
            return out
    return word + word[-1]


def dob_digit_typo(rng: random.Random, dob: date) -> date:
    """A DOB with one digit mistyped (still a valid, plausible date)."""
    text = dob.isoformat()
    positions = (2, 3, 3, 5, 6, 6, 8, 9, 9)
    for _ in range(30):
        i = rng.choice(positions)
        new = text[:i] + rng.choice("0123456789".replace(text[i], "")) + text[i + 1 :]
        try:
            out = date.fromisoformat(new)
        except ValueError:
            continue
        if 1920 <= out.year <= 2024:
            return out
    return _add_years(dob, 1)


# ------------------------------------------------------------------------------ reports


class _Draft:
    """One report under construction: refs are shared so each human appears once."""

    __slots__ = (
        "assocs",
        "code",
        "day",
        "g",
        "locations",
        "mentions",
        "names",
        "objects",
        "refs",
        "risk",
        "subjects",
    )

    def __init__(self, g: _Reporter, code: int, day: date) -> None:
        self.g = g
        self.code = code
        self.day = day
        self.subjects: list[dict[str, Any]] = []
        self.mentions: list[dict[str, Any]] = []
        self.locations: list[dict[str, Any]] = []
        self.objects: list[dict[str, Any]] = []
        self.assocs: list[dict[str, Any]] = []
        self.risk: list[str] = []
        self.refs: dict[int, dict[str, Any]] = {}
        self.names: dict[int, str] = {}

    def person(self, h: _Human, primary: bool = False) -> dict[str, Any]:
        """A ref to one of the human's records (usually the primary)."""
        ref = self.refs.get(h.idx)
        if ref is None:
            if h.phantom:
                return self.mention(h)
            recs = h.records
            one = primary or len(recs) == 1 or self.g.rng.random() < 0.8
            rec = recs[0] if one else self.g.rng.choice(recs)
            ref = {"person_id": rec.id}
            self.refs[h.idx] = ref
            self.names[h.idx] = f"{rec.given} {rec.family}"
        return ref

    def mention(self, h: _Human, name_only: bool = False) -> dict[str, Any]:
        ref = self.refs.get(h.idx)
        if ref is not None:
            return ref
        i = len(self.mentions)
        m = self.g.mention_of(h, self.day, name_only)
        self.mentions.append(m)
        self.g.truth.add_mention(self.code, i, h.idx)
        ref = {"mention": i}
        self.refs[h.idx] = ref
        self.names[h.idx] = f"{m['name']['given']} {m['name']['family']}".strip()
        return ref

    def subject(self, h: _Human, as_mention: float = 0.08, primary: bool = False) -> dict[str, Any]:
        if h.phantom or (as_mention and self.g.rng.random() < as_mention):
            ref = self.mention(h)
        else:
            ref = self.person(h, primary)
        if ref not in self.subjects:
            self.subjects.append(ref)
        return ref

    def name(self, h: _Human) -> str:
        return self.names.get(h.idx) or f"{h.given} {h.family}"

    def place(self, loc: int, role: str) -> _Loc:
        l_obj = self.g.w.locs[loc]
        entry = {"location_id": l_obj.id, "role": role}
        if entry not in self.locations:
            self.locations.append(entry)
        return l_obj

    def thing(self, obj: _Obj, ref: dict[str, Any], role: str) -> None:
        self.objects.append({"object_id": obj.id, "ref": ref, "role": role})

    def link(
        self, a: dict[str, Any], b: dict[str, Any], rtype: str, note: str | None = None
    ) -> None:
        if a is not b:
            self.assocs.append({"a": a, "b": b, "type": rtype, "note": note})

    def risks(self, *names: str) -> None:
        for n in names:
            if n not in self.risk:
                self.risk.append(n)


@dataclass(slots=True)
class _Meta:
    """How a report came in: source, channel, who started it, how they knew, grading."""

    source: _Src
    channel: str
    how: str
    initiated_by: str = "source"
    police_request: str | None = None
    false_claim: bool = False
    sensitive: bool = False
    legacy: bool = False
    relationship: list[dict[str, Any]] = field(default_factory=list)
    confidential: dict[str, str | None] | None = None


CHANNELS: Final = {
    "member_of_public": (("phone", "in_person", "email", "online", "letter"), (55, 15, 10, 15, 5)),
    "police_officer": (("patrol", "in_person", "other"), (70, 20, 10)),
    "chis": (("in_person", "phone"), (70, 30)),
    "anonymous": (("phone", "online", "letter"), (50, 30, 20)),
    "offender_self_report": (("in_person", "online"), (80, 20)),
    "scottish_intelligence_database": (("other", "email"), (70, 30)),
}
AGENCY_CHANNELS: Final = (("email", "phone", "letter", "other"), (50, 30, 10, 10))
TEMPLATES: Final = (
    ("child_sighting", 12),
    ("household", 8),
    ("vehicle", 10),
    ("co_offenders", 9),
    ("hub", 12),
    ("online", 6),
    ("welfare", 7),
    ("licence", 7),
    ("chis_network", 5),
    ("malicious", 3),
    ("self_report", 6),
    ("sid", 3),
    ("domestic", 5),
    ("vulnerable", 3),
    ("associate_subject", 4),
    ("workplace", 3),
    ("family_contact", 3),
    ("terror", 1),
)


class _Reporter:
    """Generates reports day by day: scheduled series and risk evidence plus the rest."""

    def __init__(self, world: _World, truth: Truth) -> None:
        self.w = world
        self.truth = truth
        self.rng = random.Random(world.cfg.seed * 1_000_003 + 29)
        self.seq: dict[int, int] = {}
        self.by_type: dict[str, list[_Src]] = {}
        for s in world.sources:
            if s.label not in ("repeat", "self"):
                self.by_type.setdefault(s.type, []).append(s)
        self.self_source = {s.human.idx: s for s in world.sources if s.label == "self" and s.human}
        self.recorders = [o.collar for o in world.officers] or ["PC 1001"]
        self.recorders += [f"Staff {self.rng.randint(2000, 8999)}" for _ in range(12)]
        self._pools()
        self.templates = [t for t, _ in TEMPLATES]
        self.template_cum = _cum([w for _, w in TEMPLATES])
        self.adults_by_town: dict[int, list[_Human]] = {}
        self.children_by_town: dict[int, list[_Human]] = {}
        for h in world.humans:
            if h.role == "child":
                self.children_by_town.setdefault(h.town, []).append(h)
            elif h.role in ("public", "caller", "partner", "ex_partner", "vulnerable"):
                self.adults_by_town.setdefault(h.town, []).append(h)
        self.associates = [h for h in world.humans if h.role == "associate"]
        self.loose_vehicles = [o for o in world.objects if o.type == "vehicle" and o.owner is None]
        self.organisations = [o for o in world.objects if o.type == "organisation"]
        self.methods: dict[str, Callable[[_Draft], tuple[_Meta, str]]] = {
            t: getattr(self, f"_t_{t}") for t in self.templates
        }

    def _pools(self) -> None:
        """Subject pools by template need, weighted by how much attention each draws."""
        w = self.w
        noms = w.nominals
        spec: dict[str, list[_Human]] = {
            "all": noms,
            "child": [h for h in noms if h.nominal and h.nominal.child_offender],
            "rso": [h for h in noms if h.nominal and h.nominal.nominal_type == "RSO"],
            "violent": [
                h
                for h in noms
                if h.nominal
                and h.nominal.nominal_type in ("VIOLENT_OFFENDER", "OTHER_DANGEROUS", "PDP")
            ],
            "terror": [h for h in noms if h.nominal and h.nominal.nominal_type == "TERRORIST_RISK"],
            "partnered": [h for h in noms if h.related("partner", "co_resident", "ex_partner")],
            "cooff": [h for h in noms if h.related("co_offender")],
            "vuln": [
                h
                for h in noms
                if any(w.humans[i].vulnerable for i in h.related("associate", "friend"))
            ],
            "employed": [h for h in noms if h.related("employee")],
            "parent": [h for h in noms if h.related("parent_of")],
            "self": [h for h in noms if h.idx in self.self_source],
        }
        self.pools: dict[str, tuple[list[_Human], list[float]]] = {}
        for name, pool in spec.items():
            if pool:
                self.pools[name] = (
                    pool,
                    _cum([h.nominal.activity if h.nominal else 1.0 for h in pool]),
                )

    def place(self, town: int, *types: str) -> int:
        return self.w.place(town, *types, rng=self.rng)

    def relation(self, a: _Human, b: _Human, default: str) -> str:
        """How `a` is really linked to `b` (so reports name friends as friends)."""
        for other, rtype in a.rels:
            if other == b.idx:
                return rtype
        return default

    def pick(self, *pools: str) -> _Human:
        for name in pools:
            if name in self.pools:
                pool, cum = self.pools[name]
                return self.rng.choices(pool, cum_weights=cum)[0]
        pool, cum = self.pools["all"]
        return self.rng.choices(pool, cum_weights=cum)[0]

    # ------------------------------------------------------------------ schedule

    def reports(self) -> Iterator[dict[str, Any]]:
        cfg = self.w.cfg
        if cfg.reports <= 0:
            return
        scheduled = self._schedule()
        n_sched = sum(len(v) for v in scheduled.values())
        alloc = self._allocate(max(0, cfg.reports - n_sched))
        for i, count in enumerate(alloc):
            day = cfg.start + timedelta(days=i)
            slots: list[tuple[int, tuple[str, int, int] | None]] = [
                (self._time_of_day(), None) for _ in range(count)
            ]
            slots += [(self._time_of_day(), ev) for ev in scheduled.pop(day.toordinal(), [])]
            slots.sort(key=lambda s: s[0])
            for secs, ev in slots:
                when = datetime(day.year, day.month, day.day) + timedelta(seconds=secs)
                if ev is None:
                    yield self._generic(when)
                elif ev[0] == "series":
                    yield self._series_report(self.w.series[ev[1]], ev[2], when)
                else:
                    yield self._risk_report(self.w.risks[ev[1]], ev[2], when)

    def _schedule(self) -> dict[int, list[tuple[str, int, int]]]:
        """Series contacts and risk-evidence reports by day; total capped by the budget."""
        w = self.w
        out: dict[int, list[tuple[str, int, int]]] = {}
        for si, s in enumerate(w.series):
            for step, day in enumerate(s.days):
                out.setdefault(day.toordinal(), []).append(("series", si, step))
        for ri, r in enumerate(w.risks):
            for step, day in enumerate(r.days):
                out.setdefault(day.toordinal(), []).append(("risk", ri, step))
        return out

    def _allocate(self, total: int) -> list[int]:
        """Reports per day: weekday rhythm, summer bump, slow growth; exact total."""
        cfg = self.w.cfg
        days = (cfg.end - cfg.start).days + 1
        weekday = (1.05, 1.05, 1.0, 1.0, 0.95, 0.7, 0.6)
        month = (0.9, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.15, 1.05, 1.0, 0.95, 0.9)
        weights = []
        for i in range(days):
            d = cfg.start + timedelta(days=i)
            weights.append((0.85 + 0.3 * i / days) * weekday[d.weekday()] * month[d.month - 1])
        scale = total / sum(weights)
        raw = [wt * scale for wt in weights]
        base = [int(r) for r in raw]
        left = total - sum(base)
        order = sorted(range(days), key=lambda i: (base[i] - raw[i], i))
        for i in order[:left]:
            base[i] += 1
        return base

    def _time_of_day(self) -> int:
        r = self.rng.random()
        if r < 0.7:
            return self.rng.randrange(8 * 3600, 18 * 3600)
        if r < 0.95:
            return self.rng.randrange(18 * 3600, 24 * 3600)
        return self.rng.randrange(0, 8 * 3600)

    def _new_id(self, when: datetime) -> tuple[str, int]:
        seq = self.seq.get(when.year, 0) + 1
        self.seq[when.year] = seq
        code = _report_code(when.year, seq)
        return _report_id(code), code

    # ------------------------------------------------------------------ mentions

    def mention_of(self, h: _Human, day: date, name_only: bool) -> dict[str, Any]:
        """How a caller names someone: often a nickname or a slip, sometimes a DOB or address."""
        rng = self.rng
        given, family = h.given, h.family
        r = rng.random()
        if r < 0.12 and (given in vocab.NICKNAMES or given in NICK_TO_FORMAL):
            nick = vocab.NICKNAMES.get(given)
            given = rng.choice(nick) if nick else NICK_TO_FORMAL[given]
        elif r < 0.2:
            given = typo(rng, given) if rng.random() < 0.5 else given
            family = typo(rng, family) if given == h.given else family
        elif r < 0.3:
            family = ""
        elif r < 0.34:
            given = ""
        elif r < 0.4 and h.aliases:
            given, family = rng.choice(h.aliases)
        elif r < 0.45 and h.middle:
            given = f"{given} {h.middle}"
        if name_only:
            return {
                "name": {"given": given, "family": family},
                "dob": None,
                "address": None,
                "postcode": None,
            }
        dob: str | None = None
        if rng.random() < 0.25:
            d = h.dob if rng.random() < 0.85 else dob_digit_typo(rng, h.dob)
            dob = d.isoformat()
        address: str | None = None
        postcode: str | None = None
        home = h.home_at(day)
        if home >= 0:
            loc = self.w.locs[home]
            r = rng.random()
            if r < 0.2:
                address = loc.name
            elif r < 0.3:
                address = loc.address
            elif r < 0.36:
                address = loc.name.split(", ")[-1].split(" ", 1)[-1]  # street only
            if (address and rng.random() < 0.4) or rng.random() < 0.05:
                postcode = loc.postcode
        return {
            "name": {"given": given, "family": family},
            "dob": dob,
            "address": address,
            "postcode": postcode,
        }

    def someone(self, town: int, child: bool = False) -> _Human:
        """A real person in town (or, now and then, someone with no record at all)."""
        rng = self.rng
        if rng.random() < 0.06 and not child:
            return rng.choice(self.w.phantoms)
        pool = (self.children_by_town if child else self.adults_by_town).get(town)
        if not pool:
            pools = [
                p for p in (self.children_by_town if child else self.adults_by_town).values() if p
            ]
            if not pools:
                return rng.choice(self.w.phantoms)
            pool = rng.choice(pools)
        return rng.choice(pool)

    # ------------------------------------------------------------------ sources and grading

    def source(self, stype: str, subject: _Human | None = None) -> _Src:
        pool = self.by_type.get(stype) or self.by_type["police_officer"]
        src = self.rng.choice(pool)
        if subject is not None and stype == "member_of_public":
            for _ in range(20):  # only the planted series call again about one subject
                if subject.idx not in src.recent:
                    break
                src = self.rng.choice(pool)
            src.recent.append(subject.idx)
        return src

    def meta(self, stype: str, how: str, subject: _Human | None = None, **kw: Any) -> _Meta:
        """Source and channel; officers sometimes go to the public, handlers task CHIS."""
        src = self.source(stype, subject)
        m = _Meta(src, self.channel(src), how, **kw)
        r = self.rng.random()
        if stype == "member_of_public" and r < 0.06:
            m.initiated_by, m.channel = "police", "in_person"
            m.police_request = "House-to-house enquiries: asked what they had seen"
        elif stype == "chis" and r < 0.5:
            m.initiated_by = "police"
            m.police_request = self.rng.choice(vocab.CHIS_TASKING)
        return m

    def channel(self, src: _Src) -> str:
        options, weights = CHANNELS.get(src.type, AGENCY_CHANNELS)
        return self.rng.choices(options, weights)[0]

    def grading(self, m: _Meta) -> dict[str, Any]:
        """3x5x2 from the source's record and how they knew; legacy 5x5x5 kept as is."""
        rng = self.rng
        if m.legacy or m.source.type == "scottish_intelligence_database" or rng.random() < 0.05:
            se = rng.choice({"1": "AAB", "2": "BBC", "3": "CDE"}[m.source.reliability])
            ia = (
                "5"
                if m.false_claim
                else rng.choice({"witnessed": "112", "told_by_subject": "122"}.get(m.how, "2334"))
            )
            hc = rng.choices("12345", (30, 25, 20, 15, 10))[0]
            cond = (
                rng.choice(vocab.LEGACY_CONDITIONS) if hc in "45" and rng.random() < 0.6 else None
            )
            return {
                "scheme": "5x5x5",
                "source_evaluation": se,
                "intelligence_assessment": ia,
                "handling_code": hc,
                "handling_conditions": cond,
            }
        se = m.source.reliability
        if m.false_claim:
            ia = "E"
        elif m.how == "witnessed":
            ia = "A" if m.source.type == "police_officer" else rng.choice("AB")
        elif m.how in ("told_by_subject", "through_relationship"):
            ia = rng.choice("BBC")
        elif m.how == "told_by_third_party":
            ia = rng.choice("CCD")
        else:
            ia = rng.choice("CDD")
        c_code = m.sensitive or rng.random() < (0.55 if m.source.type == "chis" else 0.05)
        return {
            "scheme": "3x5x2",
            "source_evaluation": se,
            "intelligence_assessment": ia,
            "handling_code": "C" if c_code else "P",
            "handling_conditions": rng.choice(vocab.HANDLING_CONDITIONS) if c_code else None,
        }

    def _counted(self, source_id: str) -> str:
        self.truth.source_reports[source_id] += 1
        return source_id

    def finish(self, d: _Draft, m: _Meta, when: datetime, text: str) -> dict[str, Any]:
        rng = self.rng
        rid, code = self._new_id(when)
        assert code == d.code
        delay = int(rng.lognormvariate(7.5, 1.3)) + 60
        if m.source.type == "chis":
            delay += rng.randint(3600, 3 * 86400)
        recorder = (
            m.source.label if m.source.type == "police_officer" else rng.choice(self.recorders)
        )
        confidential = m.confidential
        if confidential is None and rng.random() < 0.05:
            confidential = _confidential(third_party=rng.choice(vocab.CONFIDENTIAL_THIRD_PARTY))
        return {
            "kind": "report",
            "id": rid,
            "received_at": when.isoformat() + "Z",
            "recorded_at": (when + timedelta(seconds=delay)).isoformat() + "Z",
            "recorded_by": recorder,
            "source_id": self._counted(m.source.id),
            "channel": m.channel,
            "initiated_by": m.initiated_by,
            "police_request": m.police_request,
            "how_obtained": m.how,
            "grading": self.grading(m),
            "classification": "OFFICIAL" if rng.random() < 0.1 else "OFFICIAL-SENSITIVE",
            "text": text,
            "subjects": d.subjects,
            "mentions": d.mentions,
            "locations": d.locations,
            "objects": d.objects,
            "associations": d.assocs,
            "source_relationship": m.relationship,
            "risk_indicators": d.risk,
            "confidential": confidential,
        }

    def draft(self, when: datetime) -> _Draft:
        seq = self.seq.get(when.year, 0) + 1
        return _Draft(self, _report_code(when.year, seq), when.date())

    # ------------------------------------------------------------------ generic reports

    def say(self, key: str) -> str:
        return self.rng.choice(vocab.PHRASES[key])

    def _generic(self, when: datetime) -> dict[str, Any]:
        name = self.rng.choices(self.templates, cum_weights=self.template_cum)[0]
        d = self.draft(when)
        m, text = self.methods[name](d)
        return self.finish(d, m, when, text)

    def _public_or(self, d: _Draft, subject: _Human, weights: tuple[int, int, int]) -> _Meta:
        """Member of the public, officer or anonymous line, by weight."""
        stypes = ("member_of_public", "police_officer", "anonymous")
        stype = self.rng.choices(stypes, weights)[0]
        m = self.meta(stype, "witnessed" if stype != "anonymous" else "unknown", subject)
        if stype == "member_of_public" and self.rng.random() < 0.4:
            m.relationship = [{"ref": d.refs[subject.idx], "type": "none"}]
        return m

    def _t_child_sighting(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("child", "rso")
        ref = d.subject(h)
        town = self.w.locs[h.home_at(d.day)].town
        loc = d.place(self.place(town, "school", "playground", "nursery", "youth_club"), "sighting")
        d.risks("children_or_vulnerable_adults")
        cars = [o for o in h.objects if o.type == "vehicle"]
        if cars and rng.random() < 0.25:
            d.thing(cars[0], ref, "uses")
        if rng.random() < 0.3:
            d.place(h.home_at(d.day), "subject_address")
        if rng.random() < 0.1:
            m = self.meta("partner_agency", "told_by_third_party", h)
        else:
            m = self._public_or(d, h, (60, 30, 10))
        return m, f"{d.name(h)} seen {self.say('child_sighting')} at {loc.name}."

    def _t_household(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("partnered", "all")
        ref = d.subject(h)
        partners = [self.w.humans[i] for i in h.related("partner", "co_resident")]
        partner = rng.choice(partners) if partners else self.someone(h.town)
        pref = d.mention(partner) if rng.random() < 0.7 else d.person(partner)
        rtype = "co_resident" if partner.idx in h.related("co_resident") else "partner"
        note = rng.choice(("living together", "staying most nights", "in a relationship"))
        d.link(ref, pref, rtype, note)
        home = partner.home_at(d.day) if partner.home >= 0 else h.home_at(d.day)
        loc = d.place(home, "subject_address")
        kids = [
            self.w.humans[i]
            for i in partner.related("parent_of")
            if self.w.humans[i].dob >= CHILD_BORN_FROM
        ]
        text = f"{d.name(h)} is said to be with {d.name(partner)}, staying at {loc.name}."
        if kids:
            kid = rng.choice(kids)
            d.link(pref, d.mention(kid, name_only=rng.random() < 0.5), "parent_of")
            d.risks("children_or_vulnerable_adults")
            text += f" {d.name(partner)} has a child, {d.name(kid)}, living at the address."
        d.risks("links_or_associations")
        stypes = ("member_of_public", "police_officer", "hmpps_probation", "partner_agency")
        stype = rng.choices(stypes, (45, 20, 20, 15))[0]
        how = "witnessed" if stype in stypes[:2] else "told_by_third_party"
        return self.meta(stype, how, h), text

    def _t_vehicle(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("all")
        ref = d.subject(h)
        cars = [o for o in h.objects if o.type == "vehicle"]
        for i in h.related("partner"):
            cars += [o for o in self.w.humans[i].objects if o.type == "vehicle"]
        if not cars or rng.random() < 0.15:
            cars = self.loose_vehicles
        car = rng.choice(cars)
        d.thing(car, ref, rng.choice(("driver", "uses", "passenger")))
        town = self.w.locs[h.home_at(d.day)].town
        if rng.random() < 0.2:
            town = rng.randrange(len(self.w.town_streets))
        kinds = ("public_place", "business", "transport_hub", "other", "school")
        loc = d.place(self.place(town, *kinds), "sighting")
        if loc.type == "school":
            d.risks("children_or_vulnerable_adults")
        if rng.random() < 0.7:
            m = self.meta("police_officer", "witnessed", h)
        else:
            m = self._public_or(d, h, (100, 0, 0))
        verb = "stopped" if m.source.type == "police_officer" and rng.random() < 0.4 else "seen"
        return m, f"Vehicle {car.value} {verb} at {loc.name}; driver believed to be {d.name(h)}."

    def _t_co_offenders(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("cooff", "violent")
        ref = d.subject(h)
        others = [self.w.humans[i] for i in h.related("co_offender")] or [self.someone(h.town)]
        names = []
        for o in rng.sample(others, min(len(others), rng.randint(1, 2))):
            oref = d.subject(o) if rng.random() < 0.4 and not o.phantom else d.mention(o)
            d.link(ref, oref, "co_offender" if rng.random() < 0.7 else "associate")
            names.append(d.name(o))
        loc = d.place(self.place(h.town, "business", "public_place"), "event")
        d.risks("serious_harm_capacity", "links_or_associations")
        if rng.random() < 0.3:
            d.risks("substance_misuse")
        stype = rng.choices(("chis", "police_officer", "member_of_public"), (35, 40, 25))[0]
        m = self.meta(stype, "told_by_third_party" if stype == "chis" else "witnessed", h)
        if stype == "chis" and rng.random() < 0.3:
            m.confidential = _confidential(tactics=self.rng.choice(vocab.CONFIDENTIAL_TACTICS))
        together = " and ".join([", ".join([d.name(h), *names[:-1]]), names[-1]])
        return m, f"{together} {self.say('co_offending')} {loc.name}."

    def _t_hub(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("all")
        d.subject(h, as_mention=0.02)
        kinds = ("custody_suite", "hospital", "hostel", "prison", "transport_hub")
        kind = rng.choices(kinds, (30, 25, 20, 10, 15))[0]
        loc = d.place(self.place(h.town, kind), "event")
        name = d.name(h)
        if kind == "custody_suite":
            d.risks(rng.choice(("serious_harm_capacity", "substance_misuse")))
            text = f"{name} booked into {loc.name} for {self.say('custody_offence')}."
            return self.meta("police_officer", "witnessed", h), text
        if kind == "hospital":
            d.risks(rng.choice(("mental_state", "substance_misuse")))
            m = self.meta("health", "witnessed", h, sensitive=rng.random() < 0.4)
            return m, f"{name} attended A&E at {loc.name} {self.say('hospital')}."
        if kind == "hostel":
            text = f"{name} {self.say('hostel')} {loc.name}."
            return self.meta("hmpps_probation", "witnessed", h), text
        if kind == "prison":
            return self.meta("prison", "witnessed", h), f"{name} {self.say('prison')} {loc.name}."
        text = f"{name} seen at {loc.name} apparently travelling out of the area."
        return self.meta("police_officer", "witnessed", h), text

    def _t_online(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("child", "rso")
        ref = d.subject(h)
        accounts = [o for o in h.objects if o.type == "online_account"]
        text = f"{d.name(h)} believed to be contacting children online"
        if accounts:
            acc = rng.choice(accounts)
            d.thing(acc, ref, "uses")
            text += f" using the account {acc.value}"
        kid = self.someone(h.town, child=True)
        kref = d.mention(kid, name_only=rng.random() < 0.6)
        d.link(ref, kref, "online_contact", "messages via gaming platform")
        d.risks("children_or_vulnerable_adults")
        stypes = ("partner_agency", "member_of_public", "police_officer")
        stype = rng.choices(stypes, (40, 40, 20))[0]
        m = self.meta(stype, "told_by_third_party", h, sensitive=rng.random() < 0.25)
        return m, f"{text}; messages sent to a child named {d.name(kid)}."

    def _t_welfare(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("all")
        d.subject(h)
        d.place(h.home_at(d.day), "subject_address")
        issue = rng.choice(("mental_state", "substance_misuse"))
        d.risks(issue)
        stype = rng.choice(("health", "voluntary_org", "partner_agency"))
        how = "told_by_subject" if rng.random() < 0.4 else "witnessed"
        m = self.meta(stype, how, h, sensitive=stype == "health" and rng.random() < 0.6)
        text = f"{d.name(h)} {self.say('substance_misuse')}."
        if issue == "mental_state":
            text = f"Concern for {d.name(h)}: {self.say('mental_state')}."
        relatives = h.related("family", "child_of")
        if relatives and rng.random() < 0.5:
            relative = self.w.humans[rng.choice(relatives)]
            d.link(d.subjects[0], d.mention(relative), "family", "relative raised the concern")
            text += f" Concern raised by a relative, {d.name(relative)}."
        return m, text

    def _t_licence(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("all")
        ref = d.subject(h)
        what = rng.choice(("missed appointment", "curfew", "phone", "address"))
        m = self.meta("hmpps_probation", "witnessed", h)
        name = d.name(h)
        phones = [o for o in h.objects if o.type == "phone"]
        if what == "phone" and phones:
            d.thing(phones[-1], ref, "uses")
            return m, f"{name} found with an undeclared phone {phones[-1].value}."
        if what == "address":
            loc = d.place(self.place(h.town, "residential"), "subject_address")
            return m, f"{name} believed to be staying at {loc.name}, not the approved address."
        if what == "curfew":
            return m, f"Tag data shows {name} out of the address after curfew on three nights."
        return m, f"{name} failed to attend a supervision appointment without explanation."

    def _t_chis_network(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("violent", "all")
        ref = d.subject(h)
        how = rng.choice(("told_by_subject", "told_by_third_party", "witnessed"))
        m = self.meta("chis", how, h, sensitive=rng.random() < 0.5)
        if rng.random() < 0.3:
            m.confidential = _confidential(tactics=rng.choice(vocab.CONFIDENTIAL_TACTICS))
        if self.associates and rng.random() < 0.6:
            other = rng.choice(self.associates)
        else:
            other = self.someone(h.town)
        d.link(ref, d.mention(other), "associate")
        phones = [o for o in h.objects if o.type == "phone"]
        text = f"{d.name(h)} is working with {d.name(other)}"
        if phones:
            d.thing(phones[0], ref, "uses")
            text += f" and using phone {phones[0].value}"
        d.risks("links_or_associations", rng.choice(("serious_harm_capacity", "substance_misuse")))
        return m, f"{text}; {self.say('chis_activity')}."

    def _t_malicious(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("all")
        d.subject(h)
        stype = "anonymous" if rng.random() < 0.6 else "member_of_public"
        how = "unknown" if stype == "anonymous" else "told_by_third_party"
        m = self.meta(stype, how, h, false_claim=True)
        if stype == "member_of_public":
            m.source.reliability = "3"  # known to be in dispute with the subject
        claim = self.say("malicious_claim")
        return m, f"Caller alleges {d.name(h)} {claim}. Caller is in dispute with the subject."

    def _t_self_report(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("self")
        src = self.self_source.get(h.idx)
        if src is None:
            return self._t_licence(d)
        ref = d.subject(h, as_mention=0.0)
        m = _Meta(src, self.channel(src), "told_by_subject")
        name = d.name(h)
        if h.objects and rng.random() < 0.7:
            obj = rng.choice(h.objects)
            d.thing(obj, ref, "owns" if obj.type == "vehicle" else "uses")
            label = obj.type.replace("_", " ")
            return m, f"{name} notified a new {label}: {obj.value}."
        if rng.random() < 0.5:
            loc = d.place(self.place(h.town, "transport_hub"), "other")
            return m, f"{name} notified travel out of the area, departing from {loc.name}."
        loc = d.place(h.home_at(d.day), "subject_address")
        return m, f"{name} attended for annual notification; confirms address {loc.name}."

    def _t_sid(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("all")
        ref = d.subject(h)
        other = self.someone(h.town)
        d.link(ref, d.mention(other, name_only=rng.random() < 0.5), "associate")
        d.place(self.place(h.town, "transport_hub"), "sighting")
        m = self.meta("scottish_intelligence_database", "told_by_third_party", h, legacy=True)
        return m, f"Scottish intelligence: {d.name(h)} seen in Glasgow with {d.name(other)}."

    def _t_domestic(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("violent", "partnered", "all")
        ref = d.subject(h)
        partners = [self.w.humans[i] for i in h.related("partner", "ex_partner")]
        victim = rng.choice(partners) if partners else self.someone(h.town)
        rtype = "ex_partner" if victim.idx in h.related("ex_partner") else "partner"
        d.link(ref, d.mention(victim), rtype)
        home = victim.home_at(d.day)
        if home >= 0:
            d.place(home, "event")
        d.risks("serious_harm_capacity")
        stypes = ("police_officer", "partner_agency", "member_of_public")
        stype = rng.choices(stypes, (50, 25, 25))[0]
        how = "told_by_third_party" if stype == "partner_agency" else "witnessed"
        m = self.meta(stype, how, h)
        if rng.random() < 0.5:
            m.confidential = _confidential(victim=rng.choice(vocab.CONFIDENTIAL_VICTIM))
        action = self.say("domestic")
        return m, f"Domestic incident: {d.name(h)} {action} {d.name(victim)}."

    def _t_vulnerable(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("vuln", "all")
        ref = d.subject(h)
        vulns = [
            self.w.humans[i]
            for i in h.related("associate", "friend")
            if self.w.humans[i].vulnerable
        ]
        v = rng.choice(vulns) if vulns else self.someone(h.town)
        note = rng.choice(("spending time at the flat", "using the address", "took a bank card"))
        d.link(ref, d.mention(v), self.relation(h, v, "associate"), note)
        if v.home >= 0:
            d.place(v.home_at(d.day), "event")
        d.risks("children_or_vulnerable_adults", "links_or_associations")
        stype = rng.choice(("voluntary_org", "partner_agency", "member_of_public"))
        text = f"Concern that {d.name(h)} is taking advantage of {d.name(v)}, a vulnerable adult."
        return self.meta(stype, "told_by_third_party", h), text

    def _t_associate_subject(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        if not self.associates:
            return self._t_co_offenders(d)
        a = rng.choice(self.associates)
        aref = d.subject(a)
        links = [
            self.w.humans[i]
            for i in a.related("co_offender", "co_resident", "friend")
            if self.w.humans[i].nominal
        ]
        h = rng.choice(links) if links else self.pick("violent")
        href = d.mention(h) if rng.random() < 0.5 else d.person(h)
        d.link(aref, href, self.relation(a, h, "associate"))
        d.risks("links_or_associations")
        m = self.meta(rng.choice(("police_officer", "chis")), "witnessed", a)
        return m, f"{d.name(a)} seen in company of {d.name(h)}."

    def _t_workplace(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("employed", "all")
        ref = d.subject(h)
        loc = d.place(self.place(h.town, "business"), "workplace")
        bosses = [self.w.humans[i] for i in h.related("employee")]
        text = f"{d.name(h)} working at {loc.name}"
        if bosses and rng.random() < 0.5:
            d.link(ref, d.mention(bosses[0]), "employee")
            text += f" for {d.name(bosses[0])}"
        elif bosses:
            d.link(d.mention(bosses[0]), ref, "employer")
            text += f" for {d.name(bosses[0])}"
        if rng.random() < 0.5:
            # a nominal working with children is a planted risk (truth), never background
            orgs = [o for o in self.organisations if not (h.nominal and serves_children(o))]
            org = rng.choice(orgs)
            d.thing(org, ref, "employer")
            text += f"; employer recorded as {org.value}"
            if serves_children(org):
                d.risks("breach_of_trust", "children_or_vulnerable_adults")
        stype = rng.choice(("member_of_public", "hmpps_probation"))
        return self.meta(stype, "witnessed", h), text + "."

    def _t_family_contact(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("parent", "all")
        ref = d.subject(h)
        kids = [self.w.humans[i] for i in h.related("parent_of")]
        kid = rng.choice(kids) if kids else self.someone(h.town, child=True)
        kref = d.mention(kid, name_only=rng.random() < 0.4)
        if rng.random() < 0.5:
            d.link(kref, ref, "child_of")
        else:
            d.link(ref, kref, "parent_of")
        d.risks("children_or_vulnerable_adults")
        m = self.meta("partner_agency", "told_by_third_party", h, sensitive=rng.random() < 0.3)
        return m, (
            f"Children's services report contact between {d.name(h)} and {d.name(kid)}"
            " outside the agreed arrangements."
        )

    def _t_terror(self, d: _Draft) -> tuple[_Meta, str]:
        rng = self.rng
        h = self.pick("terror", "violent")
        ref = d.subject(h)
        accounts = [o for o in h.objects if o.type == "online_account"]
        if accounts:
            d.thing(accounts[0], ref, "uses")
        other = self.someone(h.town)
        d.link(ref, d.mention(other), "online_contact")
        d.risks("serious_harm_capacity", "links_or_associations")
        stype = rng.choice(("chis", "partner_agency", "police_officer"))
        m = self.meta(stype, "told_by_third_party", h, sensitive=True)
        return m, f"{d.name(h)} sharing extremist material with {d.name(other)} online."

    # ------------------------------------------------------------------ scheduled reports

    def _series_report(self, s: _Series, step: int, when: datetime) -> dict[str, Any]:
        """One contact of a repeat reporter; after a police request, often police-led."""
        rng = self.rng
        d = self.draft(when)
        h = s.subject
        ref = d.subject(h, as_mention=0.0, primary=True)
        follow_up = s.police_request is not None and step > 0
        initiated = "police" if follow_up and rng.random() < 0.7 else "source"
        if s.through_relationship and rng.random() < 0.8:
            how = "through_relationship"
        elif s.through_relationship:
            how = rng.choice(("witnessed", "told_by_third_party"))
        else:
            how = "witnessed" if rng.random() < 0.85 else "told_by_third_party"
        channel = rng.choice(("in_person", "phone")) if initiated == "police" else None
        m = _Meta(
            s.source,
            channel or self.channel(s.source),
            how,
            initiated_by=initiated,
            police_request=s.police_request if follow_up else None,
        )
        m.relationship = [{"ref": ref, "type": s.relationship}]
        text = self._series_text(d, s, h, step)
        if s.theme == "household":
            d.risks("links_or_associations")
        rep = self.finish(d, m, when, text)
        s.report_ids.append(rep["id"])
        return rep

    def _series_text(self, d: _Draft, s: _Series, h: _Human, step: int) -> str:
        rng = self.rng
        who = {"neighbour": "Neighbour", "ex_partner": "Former partner", "family": "Relative"}
        caller = who.get(s.relationship, "Caller")
        if step:
            caller += rng.choice((" again", " (repeat caller)", f" (contact {step + 1})", ""))
        name = d.name(h)
        if s.theme == "household":
            loc = d.place(s.place if s.place >= 0 else h.home_at(d.day), "subject_address")
            d.risks("children_or_vulnerable_adults")
            seen = self.say("household_seen")
            return (
                f"{caller} reports a man known as {name} staying at {loc.name}"
                f" with a woman and her children; {seen}."
            )
        if s.relationship in ("ex_partner", "family"):
            what = self.say(s.relationship)
            if "children" in what or "young people" in what:
                d.risks("children_or_vulnerable_adults")
            if "threats" in what:
                d.risks("serious_harm_capacity")
            verb = "reports that" if s.relationship == "ex_partner" else "worried that"
            return f"{caller} {verb} {name} {what}."
        home = h.home_at(d.day)
        loc = d.place(home, "subject_address") if rng.random() < 0.6 else self.w.locs[home]
        what = self.say("neighbour")
        if "children" in what:
            d.risks("children_or_vulnerable_adults")
        return f"{caller} reports {what} at {loc.name}, the home of {name}."

    def _risk_report(self, r: _Risk, step: int, when: datetime) -> dict[str, Any]:
        """Evidence for a planted risky association, as a report would carry it."""
        rng = self.rng
        d = self.draft(when)
        ref = d.subject(r.a)
        if r.kind == "trust":
            assert r.org is not None
            d.thing(r.org, ref, "employer")
            role = rng.choice(("volunteer coach", "helper", "tutor", "minibus driver"))
            text = (
                f"{d.name(r.a)} is working as a {role} with {r.org.value},"
                " which runs activities for children"
            )
            d.risks("breach_of_trust", "children_or_vulnerable_adults")
            stype = rng.choice(("member_of_public", "partner_agency", "hmpps_probation"))
            return self.finish(d, self.meta(stype, "witnessed", r.a), when, text + ".")
        bref = d.mention(r.b) if rng.random() < 0.7 else d.person(r.b)
        if r.kind == "household":
            note = rng.choice(("living together", "moved in recently", "staying most nights"))
            d.link(ref, bref, r.type, note)
            home = r.b.home_at(d.day)
            loc = d.place(home, "subject_address")
            text = f"{d.name(r.a)} is living with {d.name(r.b)} at {loc.name}"
            for kid in r.children[: rng.randint(1, 2)]:
                d.link(bref, d.mention(kid, name_only=rng.random() < 0.5), "parent_of")
                text += f"; her child {d.name(kid)} lives there"
            if rng.random() < 0.4:
                town = self.w.locs[home].town
                d.place(self.place(town, "school", "playground"), "sighting")
                text += " and he has been seen collecting children from school"
            d.risks("children_or_vulnerable_adults", "links_or_associations")
            stypes = ("member_of_public", "partner_agency", "police_officer", "hmpps_probation")
            stype = rng.choices(stypes, (40, 25, 20, 15))[0]
            how = "told_by_third_party" if stype == "partner_agency" else "witnessed"
            m = self.meta(stype, how, r.a)
        elif r.kind == "co_offender":
            d.link(ref, bref, "co_offender")
            loc = d.place(self.place(r.a.town, "business", "public_place"), "event")
            text = (
                f"{d.name(r.a)} and {d.name(r.b)} seen together at {loc.name};"
                " both believed to be involved in recent violence"
            )
            d.risks("serious_harm_capacity", "links_or_associations")
            stype = rng.choice(("police_officer", "chis", "member_of_public"))
            m = self.meta(stype, "witnessed", r.a)
        else:
            d.link(ref, bref, r.type, self.say("vulnerable_note"))
            if r.b.home >= 0:
                d.place(r.b.home_at(d.day), "event")
            text = (
                f"{d.name(r.a)} is regularly at the home of {d.name(r.b)}, a vulnerable adult,"
                " and appears to be taking advantage"
            )
            d.risks("children_or_vulnerable_adults", "links_or_associations")
            stype = rng.choice(("voluntary_org", "partner_agency", "member_of_public"))
            m = self.meta(stype, "told_by_third_party", r.a)
        return self.finish(d, m, when, text + ".")


def serves_children(org: _Obj) -> bool:
    """Whether a generated organisation works with children (known only to the generator
    and its truth: the interchange format has no field for it)."""
    return any(word in org.value for word in vocab.CHILDREN_ORGANISATION_WORDS)


def _confidential(
    victim: str | None = None, third_party: str | None = None, tactics: str | None = None
) -> dict[str, str | None]:
    return {"victim_info": victim, "third_party_info": third_party, "police_tactics": tactics}
