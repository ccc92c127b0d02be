"""Subject access (DPA 2018 Part 3, s45): what Mosaic holds about a person, for them.

The pack lists the person's records (every record of their entity), the reports about or
naming them with their text and grading, their links (type and dates; the other party is
not named: that is someone else's personal data), the categories of source the
information came from, the recipients it was disclosed to, and each record's retention
(review group and next review). It leaves out, always: confidential sections (victims,
third parties, police tactics) and anything that identifies a source (source records,
who provided a report, who a source is). It also leaves out every record restricted
under a recorded ground (s45(4)); the pack does not say that anything was withheld
("neither confirm nor deny"), while the controller's audit entry records the grounds
applied. The response is due one calendar month after the request (extendable by two).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from graph.audit import AuditLog, Operation
from graph.edges import Edge, EdgeKind
from graph.errors import ValidationFailed
from graph.markings import Compartment
from graph.nodes import Person, Report
from graph.retention.policy import RetentionPolicy
from graph.retention.reviews import ReviewLog
from graph.retention.service import retention_of
from graph.sharing.store import SharingStore
from graph.sqlite_files import AppendOnlyStore, append_only, write_transaction
from graph.store import GraphStore, TraversalFilter

SOURCE_EDGES = frozenset({EdgeKind.PROVIDED_BY, EdgeKind.IS_PERSON, EdgeKind.KNOWS_SUBJECT})
TACTIC_EDGES = frozenset({EdgeKind.TASKS, EdgeKind.DIRECTED_AT})
"""Taskings on the person are police tactics: never in the pack."""
WITHHELD_COMPARTMENTS = frozenset(
    {Compartment.SOURCE, Compartment.CONFIDENTIAL, Compartment.MANAGEMENT}
)
"""Source identity; victims, third parties and tactics; management (MAPP minutes and
actions): never in the pack. Their own medical records are theirs and stay in."""
COVERT_SOURCES = frozenset({"chis"})
"""Source categories never named (that a covert source was used is itself sensitive)."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS sar_restrictions (
    seq INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    ground TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sar_restrictions_person ON sar_restrictions(person_id, seq);
""" + append_only("sar_restrictions", "restrictions")


class Restriction(BaseModel):
    seq: int
    person_id: str
    record_id: str
    ground: str
    recorded_by: str
    recorded_at: datetime


class RestrictionStore(AppendOnlyStore):
    """Records withheld from a person's subject access, each with its ground."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "the subject access restrictions", SCHEMA)

    def restrict(self, person_id: str, record_id: str, ground: str, by: str) -> Restriction:
        if not ground.strip():
            raise ValidationFailed("a restriction needs its ground (e.g. DPA 2018 s45(4)(b))")
        at = datetime.now(UTC)
        with write_transaction(self._conn, self._lock) as conn:
            cur = conn.execute(
                "INSERT INTO sar_restrictions (person_id, record_id, ground, recorded_by, "
                "recorded_at) VALUES (?, ?, ?, ?, ?)",
                (person_id, record_id, ground, by, at.isoformat()),
            )
            seq = int(cur.lastrowid or 0)
        return Restriction(
            seq=seq,
            person_id=person_id,
            record_id=record_id,
            ground=ground,
            recorded_by=by,
            recorded_at=at,
        )

    def of(self, *person_ids: str) -> list[Restriction]:
        """The restrictions recorded against any of `person_ids` (the records of one
        person), in the order they were made."""
        marks = ", ".join("?" * len(person_ids))
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, person_id, record_id, ground, recorded_by, recorded_at "
                f"FROM sar_restrictions WHERE person_id IN ({marks}) ORDER BY seq",
                person_ids,
            ).fetchall()
        return [
            Restriction(
                seq=r[0],
                person_id=r[1],
                record_id=r[2],
                ground=r[3],
                recorded_by=r[4],
                recorded_at=datetime.fromisoformat(r[5]),
            )
            for r in rows
        ]


class HeldRecord(BaseModel):
    record_id: str
    names: list[str]
    dob: date | None
    source_system: str | None = Field(description="The system the record came from.")
    details: dict[str, object] = Field(description="What the record holds about them.")


class HeldReport(BaseModel):
    report_id: str
    received_at: datetime
    role: str = Field(description="about (a subject) or mentions")
    text: str
    grading: str
    source_category: str | None = Field(description="The kind of source, never who.")


class HeldLink(BaseModel):
    link_id: str
    kind: str
    association_type: str | None
    first_seen: date | None
    last_seen: date | None


class HeldRetention(BaseModel):
    record_id: str
    group: str
    next_review: date | None


class SubjectAccessPack(BaseModel):
    person_id: str
    requested_on: date
    due_on: date = Field(description="One calendar month after the request.")
    extended_due_on: date = Field(description="If extended by two further months.")
    records: list[HeldRecord]
    reports: list[HeldReport]
    links: list[HeldLink]
    sources_of_information: list[str]
    recipients: list[str]
    retention: list[HeldRetention]


def add_months(day: date, months: int) -> date:
    """Same day `months` later, or the month's last day when it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if year > date.max.year:
        return date.max  # beyond the calendar: as late as a date can be
    return date(year, month, min(day.day, monthrange(year, month)[1]))


SCHEME_DISCLOSURE = "disclosure under "
"""How `POST /disclosure-schemes/applications/{seq}/moves` names its disclosure entries."""


def _shown_links(store: GraphStore, edges: dict[str, Edge], withheld: set[str]) -> dict[str, Edge]:
    """Links some material the pack may show supports: a link only withheld or hidden
    reports assert is left out (it would tell the subject what those reports say)."""
    cited = sorted(
        {s.report_id for e in edges.values() for s in e.provenance.supports if s.report_id}
    )
    reports = store.get_nodes(cited)
    shown = {
        i
        for i, n in reports.items()
        if i not in withheld and n.marking.compartment not in WITHHELD_COMPARTMENTS
    }
    return {
        i: e
        for i, e in edges.items()
        if e.marking.compartment not in WITHHELD_COMPARTMENTS
        and any(s.report_id is None or s.report_id in shown for s in e.provenance.supports)
    }


def subject_access(
    store: GraphStore,
    person_id: str,
    *,
    records_of: Callable[[str], Iterable[str]],
    requested_on: date,
    restrictions: RestrictionStore,
    sharing: SharingStore,
    audit: AuditLog,
    reviews: ReviewLog,
    policy: RetentionPolicy,
    today: date | None = None,
) -> tuple[SubjectAccessPack, list[Restriction]]:
    """The pack, and the restrictions applied to it (for the controller's record).

    Whichever record of the person the request names, the pack is about the person: every
    record of their entity, with the restrictions, sharing disclosures and audited
    disclosures recorded against any of those records. Retention is each record's group
    and next review as the due list works them out on `today` (default: now, UTC), over
    the entities `records_of` gives (a report about any record of a nominal is group 1)."""
    theirs = sorted({person_id, *records_of(person_id)})
    applied = restrictions.of(*theirs)
    withheld = {r.record_id for r in applied}
    own = [i for i in theirs if i not in withheld]
    readable = TraversalFilter(compartments=frozenset(Compartment) - WITHHELD_COMPARTMENTS)
    people = {i: n for i, n in store.get_nodes(own).items() if isinstance(n, Person)}
    records = [
        HeldRecord(
            record_id=p.id,
            names=[n.full for n in p.names],
            dob=p.dob,
            source_system=p.source_system,
            details=p.model_dump(
                mode="json",
                exclude={
                    "id": True,
                    "names": True,
                    "dob": True,
                    "source_system": True,
                    "source_record_id": True,
                    "marking": True,
                    "kind": True,
                    "extra": True,
                    # other people named on the record are their personal data, not theirs
                    "visor": {"individuals_at_risk"},
                },
                exclude_none=True,
            ),
        )
        for p in (people[i] for i in sorted(people))
    ]
    refs = [
        r
        for r in store.incident(sorted(people), readable)
        if r.kind not in SOURCE_EDGES | TACTIC_EDGES and r.id not in withheld
    ]
    about = {r.src: r.kind for r in refs if r.kind in (EdgeKind.ABOUT, EdgeKind.MENTIONS)}
    report_nodes = {
        i: n
        for i, n in store.get_nodes([i for i in about if i not in withheld]).items()
        if isinstance(n, Report) and n.marking.compartment not in WITHHELD_COMPARTMENTS
    }
    provided = {
        r.src: r.dst
        for r in store.incident(
            sorted(report_nodes), TraversalFilter(edge_kinds=frozenset({EdgeKind.PROVIDED_BY}))
        )
    }
    sources = store.get_nodes(sorted(set(provided.values())))
    category = {
        rid: kind
        for rid, sid in provided.items()
        if (kind := getattr(sources.get(sid), "source_type", None)) not in COVERT_SOURCES
    }
    reports = [
        HeldReport(
            report_id=r.id,
            received_at=r.received_at,
            role="about" if about[r.id] is EdgeKind.ABOUT else "mentions",
            text=r.text,
            grading=r.grading.code,
            source_category=str(category[r.id]) if category.get(r.id) else None,
        )
        for r in sorted(report_nodes.values(), key=lambda r: (r.received_at, r.id))
    ]
    links_only = [r for r in refs if r.kind not in (EdgeKind.ABOUT, EdgeKind.MENTIONS)]
    edges = _shown_links(store, store.get_edges([r.id for r in links_only]), withheld)
    links = [
        HeldLink(
            # Numbered, not the edge id: an ingested edge's id names the other party.
            link_id=f"link-{n}",
            kind=str(e.kind),
            association_type=str(e.association_type) if e.association_type else None,
            first_seen=e.provenance.first_seen,
            last_seen=e.provenance.last_seen,
        )
        for n, e in enumerate((edges[i] for i in sorted(edges)), start=1)
    ]
    systems = {p.source_system for p in people.values() if p.source_system}
    systems |= {
        f"report from a {c.replace('_', ' ')}" for c in (str(x) for x in category.values() if x)
    }
    recipients: set[str] = set()
    for rid in theirs:
        recipients |= {d.recipient for d in sharing.for_nominal(rid)[1]}
        for entry in audit.query(subject=rid, operation=Operation.DISCLOSURE, limit=10_000):
            if entry.action.startswith(SCHEME_DISCLOSURE):
                # The applicant is a person at risk (or acting for one): named, they could be
                # harmed. The pack says a disclosure was made under the scheme, not to whom.
                recipients.add(f"a person at risk, {entry.action}")
            else:
                recipients |= set(entry.recipients)
    recipients -= {f"data subject {rid}" for rid in theirs}
    held: list[Person | Report] = [
        *(people[i] for i in sorted(people)),
        *(report_nodes[r.report_id] for r in reports),
    ]
    on = today or datetime.now(UTC).date()
    kept = retention_of(store, reviews, policy, held, on, records_of=records_of)
    retention = [
        HeldRetention(record_id=n.id, group=kept[n.id][0].value, next_review=kept[n.id][1])
        for n in held
    ]
    pack = SubjectAccessPack(
        person_id=person_id,
        requested_on=requested_on,
        due_on=add_months(requested_on, 1),
        extended_due_on=add_months(requested_on, 3),
        records=records,
        reports=reports,
        links=links,
        sources_of_information=sorted(systems),
        recipients=sorted(recipients),
        retention=retention,
    )
    return pack, applied
