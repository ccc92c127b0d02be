"""Load interchange files into the graph: batched, idempotent, resumable, nothing lost.

Every line read ends in exactly one place: accepted (created, updated or unchanged) or
quarantined with a reason. A record whose references are not known yet waits until the
end of the load (they may come later in the file or in a later file); if they are still
unknown then, it is quarantined naming the missing id.

Why a restarted load ends in the same state as an uninterrupted one: graph writes are
idempotent by id (edges accumulate supports keyed by record), mention decisions are
committed before the graph batch that uses them and reused afterwards, and the
bookkeeping (`IngestState`) is written only after the graph batch commits, so a kill in
between leaves records that are simply processed again. The lines waiting for a forward
reference are part of that bookkeeping: run again, the load defers them too (though what
they wait for is known by then), so every record is processed, and every mention matched,
at the same point as in the uninterrupted load.
"""

from __future__ import annotations

import gc
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol

from graph.audit import AuditEvent, AuditLog, Operation
from graph.edges import Edge, EdgeKind
from graph.errors import EndpointKindMismatch, IntegrityError, KindConflict
from graph.nodes import TRAVEL_EVENTS, Node, Person
from graph.notifications import (
    NOTIFYING,
    NotificationStore,
    names_an_owner_not_an_account,
    notifications_for,
)
from graph.sharing.store import shared_by_end_of
from graph.store import GraphStore
from ingest import reader
from ingest.facts import (
    Facts,
    RecordKey,
    accumulate,
    association_facts,
    event_facts,
    location_facts,
    mention_key,
    mention_person_id,
    object_facts,
    person_facts,
    report_facts,
    source_facts,
    tasking_facts,
)
from ingest.interchange import (
    AssociationRecord,
    EventRecord,
    LocationRecord,
    Mention,
    ObjectRecord,
    PersonRecord,
    Record,
    ReportRecord,
    SourceRecord,
    TaskingRecord,
)
from ingest.reader import Line, Parsed
from ingest.state import IngestState, MentionDecision, Rejection, digest

# Claims several records can make; their stored edge is read and merged before writing.
SHARED_KINDS = frozenset(
    {
        EdgeKind.ASSOCIATED_WITH,
        EdgeKind.KNOWS_SUBJECT,
        EdgeKind.USED_BY,
        EdgeKind.RESIDES_AT,
        EdgeKind.IS_PERSON,
    }
)
# Order in which a batch is checked and written: what is referred to comes first.
KIND_ORDER = {
    "location": 0,
    "object": 1,
    "person": 2,
    "source": 3,
    "association": 4,
    "tasking": 5,
    "report": 6,
    "event": 7,
}
NODE_KIND_OF = {
    "person": "Person",
    "location": "Location",
    "object": "Object",
    "source": "Source",
    "report": "Report",
    "event": "Event",
    "tasking": "Tasking",
}
WIRE_KIND_OF = {v: k for k, v in NODE_KIND_OF.items()}


def record_warning(record: Record) -> str | None:
    """What to keep with an accepted record that is doubtful but loaded: a ViSOR record
    naming `fib` or `unassigned` (owners that are not accounts) as the offender manager.
    The nominal is loaded (holding it back would hold back every report about them) and
    its notifications go to the unassigned pile (`graph.notifications.owner_of`)."""
    if not isinstance(record, PersonRecord) or record.visor is None:
        return None
    manager = record.visor.offender_manager
    if manager is None or not names_an_owner_not_an_account(manager):
        return None
    return (
        f"visor.offender_manager {manager!r} names a notification pile, not an offender "
        "manager's account: the nominal's notifications go to the unassigned pile until "
        "the ViSOR record names their offender manager"
    )


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """A load allocates millions of short-lived objects next to a large, long-lived
    matching index; with the default thresholds the cyclic collector walks that index
    again and again (measured: 30% of a load's CPU). Collect young objects less often for
    the load's duration, then restore the process's settings."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 50_000), max(before[1], 50), max(before[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True)
class Actor:
    """Who is loading, for the audit log."""

    name: str
    role: str
    purpose: str | None = "intelligence_review"


class MentionMatcher(Protocol):
    """Finds the person a mention refers to, from the persons known so far."""

    version: str

    def match(self, key: str, mention: Mention) -> tuple[str, float] | None: ...

    def add_person(self, person_id: str, facts: dict[str, Any]) -> None: ...

    def remove_person(self, person_id: str) -> None: ...


class SharingCover(Protocol):
    """Why sharing decision `decision_seq` does not cover an answer about `nominal_id` to
    `recipient` given at `shared_at`, the nominal being managed at MAPPA `mappa_level`, or
    None when it does. `SharingStore.cover_problem` is one."""

    def __call__(
        self,
        decision_seq: int,
        nominal_id: str,
        recipient: str,
        *,
        shared_at: datetime,
        mappa_level: int | None,
    ) -> str | None: ...


@dataclass
class LoadSummary:
    lines_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    mentions_matched: int = 0
    mentions_new: int = 0
    notifications: int = 0
    seconds: float = 0.0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: dict[str, str] = field(default_factory=dict)  # record id -> warning

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def records_per_second(self) -> float:
        return self.lines_read / self.seconds if self.seconds else 0.0

    def as_dict(self, max_rejections: int = 100) -> dict[str, Any]:
        return {
            "lines_read": self.lines_read,
            "accepted": self.accepted,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "quarantined_by_reason": dict(sorted(self.by_reason.items())),
            "accepted_by_kind": dict(sorted(self.by_kind.items())),
            "mentions_matched": self.mentions_matched,
            "mentions_new_persons": self.mentions_new,
            "notifications_raised": self.notifications,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_per_second, 1),
            "rejections": [
                {
                    "file": r.file,
                    "line": r.line,
                    "record_id": r.record_id,
                    "code": r.code,
                    "reason": r.reason,
                }
                for r in self.rejections[:max_rejections]
            ],
            "warnings": dict(sorted(self.warnings.items())),
        }


@dataclass
class _Seen:
    kind: str
    file: str
    line: int

    @property
    def at(self) -> tuple[str, int]:
        return (self.file, self.line)


@dataclass
class _Work:
    """One accepted record on its way to the store."""

    parsed: Parsed
    status: str  # created / updated / unchanged
    raw_hash: str
    canonical_hash: str
    old_edges: list[str]
    facts: Facts | None = None
    match: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # matcher features


def _refs(record: Record) -> list[tuple[str, str]]:
    """(id, node kind) of every record this one refers to."""
    match record:
        case PersonRecord(addresses=spells):
            return [(s.location_id, "Location") for s in spells]
        case SourceRecord(person_id=pid):
            return [(pid, "Person")] if pid else []
        case AssociationRecord(a=a, b=b):
            return [(a, "Person"), (b, "Person")]
        case EventRecord(person_id=pid):
            return [(pid, "Person")]
        case TaskingRecord(subject_id=subject, directed_person_id=directed):
            return [(p, "Person") for p in (subject, directed) if p]
        case ReportRecord():
            refs = [(r.person_id, "Person") for r in record.subjects if r.person_id]
            for assoc in record.associations:
                refs += [(r.person_id, "Person") for r in (assoc.a, assoc.b) if r.person_id]
            refs += [
                (r.ref.person_id, "Person") for r in record.source_relationship if r.ref.person_id
            ]
            refs += [(o.object_id, "Object") for o in record.objects]
            refs += [
                (o.ref.person_id, "Person") for o in record.objects if o.ref and o.ref.person_id
            ]
            refs += [(loc.location_id, "Location") for loc in record.locations]
            refs += [(t, "Tasking") for t in record.answers_taskings]
            if record.source_id:
                refs.append((record.source_id, "Source"))
            return refs
    return []


def person_match_facts(
    record: PersonRecord, locations: dict[str, tuple[str, str | None]]
) -> dict[str, Any]:
    """What the matcher compares, as stored in `person_facts`."""
    places = [locations[s.location_id] for s in record.addresses if s.location_id in locations]
    return {
        "source_system": record.source_system,
        "names": [[n.given, n.family] for n in record.names],
        "dob": record.dob.isoformat() if record.dob else None,
        "gender": record.gender,
        "pnc_id": record.pnc_id,
        "addresses": [a for a, _ in places],
        "postcodes": [p for _, p in places if p],
    }


def mention_match_facts(mention: Mention) -> dict[str, Any]:
    return {
        "source_system": "report_mention",
        "names": [[mention.name.given, mention.name.family]],
        "dob": mention.dob.isoformat() if mention.dob else None,
        "gender": None,
        "pnc_id": None,
        "addresses": [mention.address] if mention.address else [],
        "postcodes": [mention.postcode] if mention.postcode else [],
    }


class Loader:
    """One load: any number of files, processed in batches, pending references resolved
    at the end. Use a fresh Loader per load."""

    def __init__(
        self,
        store: GraphStore,
        state: IngestState,
        *,
        actor: Actor,
        audit: AuditLog | None = None,
        matcher: MentionMatcher | None = None,
        batch_size: int = 2000,
        writes: bool = True,
        progress: Callable[[LoadSummary], None] | None = None,
        notifications: NotificationStore | None = None,
        sharing: SharingCover | None = None,
    ) -> None:
        self.store = store
        # Without it (library callers, benchmarks) an answer's sharing_decision is not
        # checked against the sharing log; the API and `mosaic ingest` pass one.
        self.sharing = sharing
        self.notifications = notifications
        self.state = state
        self.actor = actor
        self.audit = audit
        self.matcher = matcher
        self.batch_size = batch_size
        self.writes = writes
        self.progress = progress
        self.summary = LoadSummary()
        self._disposed = state.disposed()  # tombstones: small, read once
        self._seen: dict[str, _Seen] = {}  # node ids declared in this load
        self._assoc_seen: dict[str, _Seen] = {}
        # Lines waiting for a forward reference, by (kind table, id): not yet declared (a
        # reference to them waits too), but a later line reusing the id is a duplicate,
        # as it is when both are in one batch.
        self._waiting: dict[tuple[bool, str], _Seen] = {}
        # Lines an unfinished load left waiting, (file, line) -> raw hash: they wait again.
        self._waited = state.waiting()
        self._deferred: list[Line] = []  # lines this batch sent to wait
        self._quarantined_ids: dict[str, Rejection] = {}
        self._pending: list[Line] = []
        self._decisions: dict[str, MentionDecision] = {}
        self.changed_persons: set[str] = set()  # for entity resolution after the load
        self.removed_persons: set[str] = set()  # mention persons a changed report dropped
        # For CHIS review after the load: the sources of reports this load created or
        # changed, and the police requests those reports record (report id -> source id).
        self.touched_sources: set[str] = set()
        self.requests: dict[str, str] = {}
        self.travel: list[EventRecord] = []  # new or changed travel notifications and alerts
        self.answered: list[EventRecord] = []  # partner requests answered (disclosures)
        self.taskings: list[TaskingRecord] = []  # new or changed taskings of the public

    # -- driving -------------------------------------------------------------------------

    def load(self, sources: Iterable[Iterable[Line]]) -> LoadSummary:
        with _fewer_gc_passes():
            return self._load(sources)

    def _load(self, sources: Iterable[Iterable[Line]]) -> LoadSummary:
        started = time.perf_counter()
        batch: list[Line] = []
        for lines in sources:
            for line in lines:
                batch.append(line)
                if len(batch) >= self.batch_size:
                    self._process(batch, final=False)
                    batch = []
                    self._tick(started)
        if batch:
            self._process(batch, final=False)
        self._finish_pending()
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def _tick(self, started: float) -> None:
        self.summary.seconds = time.perf_counter() - started
        if self.progress:
            self.progress(self.summary)

    def _finish_pending(self) -> None:
        """Retry what waited for a reference, referred-to kinds first; what still cannot
        resolve is quarantined."""
        pending, self._pending = self._pending, []
        self.summary.lines_read -= len(pending)  # they are counted again below
        parsed = [(p, reader.parse(p)) for p in pending]
        order = sorted(
            parsed,
            key=lambda x: (
                KIND_ORDER.get(x[1].record.kind, 9) if isinstance(x[1], Parsed) else 9,
                x[0].file,
                x[0].number,
            ),
        )
        lines = [line for line, _ in order]
        for start in range(0, len(lines), self.batch_size):
            self._process(lines[start : start + self.batch_size], final=True)

    # -- one batch -------------------------------------------------------------------------

    def _process(self, lines: Sequence[Line], final: bool) -> None:
        self.summary.lines_read += len(lines)
        self._deferred = []
        rejected: list[Rejection] = []
        good: list[Parsed] = []
        for line in lines:
            result = reader.parse(line)
            if isinstance(result, Parsed):
                good.append(result)
            else:
                rejected.append(result)
        good.sort(key=lambda p: KIND_ORDER[p.record.kind])
        accepted = self._check_ids_and_refs(good, rejected, final)
        work = self._classify(accepted)
        self._check_answers(work, rejected)
        self._reject(rejected)
        todo = [w for w in work if w.status not in ("unchanged", "rejected")]
        self._match_facts(todo)
        self._resolve_mentions(todo)
        for w in list(todo):
            try:
                w.facts = self._facts(w)
            except ValueError as exc:  # a claim the format allows but the graph cannot hold
                todo.remove(w)
                w.status = "rejected"
                rec = w.parsed.record
                self._forget(rec.kind, rec.id)
                self._reject(
                    [self._rejection(w.parsed, reader.RULE_BROKEN, f"{rec.kind} {rec.id!r}: {exc}")]
                )
        if self.writes:
            self._write(todo)
        self._save(work, lines)
        for w in work:
            if w.status == "rejected":
                continue
            setattr(self.summary, w.status, getattr(self.summary, w.status) + 1)
            self.summary.by_kind[w.parsed.record.kind] += 1
            warning = record_warning(w.parsed.record)
            if warning is not None:
                self.summary.warnings[w.parsed.record.id] = warning

    def _check_answers(self, work: list[_Work], rejected: list[Rejection]) -> None:
        """An answer to a partner agency is a disclosure: refuse one whose sharing_decision
        the sharing log does not hold about the same nominal, to share with that agency, on
        the day it was given (`shared_by_end_of(answered_on)`), not on the day it is loaded."""
        if self.sharing is None:
            return
        answers: list[tuple[_Work, EventRecord, int, date]] = []
        for w in work:
            rec = w.parsed.record
            if w.status == "unchanged" or not isinstance(rec, EventRecord) or not rec.answer:
                continue
            if rec.sharing_decision is not None and rec.answered_on is not None:
                answers.append((w, rec, rec.sharing_decision, rec.answered_on))
        levels = self._mappa_levels(work, {rec.person_id for _, rec, _, _ in answers})
        for w, rec, decided, answered_on in answers:
            agency = rec.agency or ""
            problem = self.sharing(
                decided,
                rec.person_id,
                agency,
                shared_at=shared_by_end_of(answered_on),
                mappa_level=levels.get(rec.person_id),
            )
            if problem is None:
                continue
            w.status = "rejected"
            self._forget(rec.kind, rec.id)
            reason = (
                f"{rec.kind} {rec.id!r}: the answer to {agency!r} is not covered by "
                f"sharing_decision {rec.sharing_decision}: {problem}"
            )
            rejected.append(self._rejection(w.parsed, reader.NO_SHARING_DECISION, reason))

    def _mappa_levels(self, work: list[_Work], person_ids: set[str]) -> dict[str, int | None]:
        """Each person's ViSOR MAPPA level as this load leaves it: from their record in this
        batch (persons are checked before events), else as the graph holds it."""
        here = {
            rec.id: rec.visor
            for w in work
            if isinstance(rec := w.parsed.record, PersonRecord) and rec.id in person_ids
        }
        stored = self.store.get_nodes(sorted(person_ids - here.keys())) if person_ids else {}
        held = {i: n.visor for i, n in stored.items() if isinstance(n, Person)}
        return {i: v.mappa_level for i, v in (held | here).items() if v is not None}

    def _reject(self, rejected: list[Rejection]) -> None:
        for r in rejected:
            self.summary.quarantined += 1
            self.summary.by_reason[r.code] += 1
            if len(self.summary.rejections) < 10_000:
                self.summary.rejections.append(r)
            if r.record_id:
                self._quarantined_ids.setdefault(r.record_id, r)
        if self.writes:
            self.state.quarantine(rejected)

    def _check_ids_and_refs(
        self, good: list[Parsed], rejected: list[Rejection], final: bool
    ) -> list[Parsed]:
        """Duplicate ids, id reused for another kind, references that do not resolve (yet)."""
        declared: list[Parsed] = []
        for p in good:
            rec = p.record
            when = self._disposed.get((rec.kind, rec.id))
            if when is not None:
                reason = (
                    f"{rec.kind} {rec.id!r} was disposed of after review on {when[:10]}; "
                    "it is not loaded again"
                )
                # The line is not kept: it holds what the disposal erased.
                rejected.append(replace(self._rejection(p, reader.DISPOSED, reason), raw=""))
                continue
            table = self._assoc_seen if rec.kind == "association" else self._seen
            before = table.get(rec.id)
            waiting = self._waiting.get((rec.kind == "association", rec.id))
            if (
                before is None
                and waiting is not None
                and waiting.at != (p.line.file, p.line.number)
            ):
                before = waiting
            if before is not None:
                if before.kind == rec.kind:
                    reason = (
                        f"{rec.kind} id {rec.id!r} is used again: first at {before.file} "
                        f"line {before.line} in this load"
                    )
                    rejected.append(self._rejection(p, reader.DUPLICATE_ID, reason))
                else:
                    reason = (
                        f"id {rec.id!r} is a {before.kind} ({before.file} line {before.line});"
                        f" a {rec.kind} cannot reuse it"
                    )
                    rejected.append(self._rejection(p, reader.KIND_CONFLICT, reason))
                continue
            table[rec.id] = _Seen(rec.kind, p.line.file, p.line.number)
            declared.append(p)
        lookup = {ref for p in declared for ref, _ in _refs(p.record) if ref not in self._seen}
        lookup |= {p.record.id for p in declared if p.record.kind != "association"}
        known = self._stored_kinds(sorted(lookup))
        accepted: list[Parsed] = []
        for p in declared:  # in KIND_ORDER, so a record waiting takes its dependants with it
            rec = p.record
            if rec.kind != "association":
                stored = known.get(rec.id)
                if stored is not None and stored != NODE_KIND_OF[rec.kind]:
                    del self._seen[rec.id]
                    reason = (
                        f"id {rec.id!r} is already a {WIRE_KIND_OF[stored]} in Mosaic;"
                        f" a {rec.kind} cannot reuse it"
                    )
                    rejected.append(self._rejection(p, reader.KIND_CONFLICT, reason))
                    continue
            problem = self._ref_problem(rec, known)
            waits = not final and (
                (problem is not None and problem[0] == reader.UNRESOLVED_REFERENCE)
                or self._waited_before(p.line)
            )
            if problem is None and not waits:
                accepted.append(p)
                continue
            table = self._assoc_seen if rec.kind == "association" else self._seen
            seen = table.pop(rec.id)
            if waits:
                self._pending.append(p.line)
                self._deferred.append(p.line)
                self._waiting.setdefault((rec.kind == "association", rec.id), seen)
            else:
                assert problem is not None
                rejected.append(self._rejection(p, *problem))
        return accepted

    def _waited_before(self, line: Line) -> bool:
        """The line waited in a load that did not finish: it waits again, even if what it
        waited for has been loaded since, as it waited in the load before the kill."""
        before = self._waited.get((line.file, line.number))
        return before is not None and before == digest(line.raw)

    def _ref_problem(self, rec: Record, known: dict[str, str]) -> tuple[str, str] | None:
        for ref, want in _refs(rec):
            seen = self._seen.get(ref)
            have = NODE_KIND_OF[seen.kind] if seen else known.get(ref)
            if have is None:
                reason = (
                    f"{rec.kind} {rec.id!r} refers to {WIRE_KIND_OF[want]} {ref!r}, "
                    "which is not in Mosaic and was not in this load"
                )
                earlier = self._quarantined_ids.get(ref)
                if earlier is not None:
                    reason += (
                        f" ({earlier.file} line {earlier.line} was quarantined: {earlier.reason})"
                    )
                return reader.UNRESOLVED_REFERENCE, reason
            if have != want:
                return (
                    reader.KIND_CONFLICT,
                    f"{rec.kind} {rec.id!r} refers to {ref!r} as a {WIRE_KIND_OF[want]}, "
                    f"but it is a {WIRE_KIND_OF[have]}",
                )
        return None

    def _stored_kinds(self, ids: list[str]) -> dict[str, str]:
        """Node kinds of ids not declared in this load: ingest bookkeeping first, then the
        store itself for nodes written by other means."""
        if not ids:
            return {}
        known = {i: NODE_KIND_OF[k] for i, k in self.state.node_kinds(ids).items()}
        rest = [i for i in ids if i not in known]
        if rest:
            known |= {i: str(n.kind) for i, n in self.store.get_nodes(rest).items()}
        return known

    def _forget(self, kind: str, record_id: str) -> None:
        """A record refused after it was declared: later references to it must not resolve."""
        (self._assoc_seen if kind == "association" else self._seen).pop(record_id, None)

    @staticmethod
    def _rejection(p: Parsed, code: str, reason: str) -> Rejection:
        return Rejection(
            file=p.line.file,
            line=p.line.number,
            record_id=p.record.id,
            kind=p.record.kind,
            code=code,
            reason=reason,
            raw=p.line.raw.decode("utf-8", errors="replace"),
        )

    def _classify(self, accepted: list[Parsed]) -> list[_Work]:
        """created / updated / unchanged, by the fingerprint of the last accepted version."""
        by_kind: dict[str, list[Parsed]] = {}
        for p in accepted:
            by_kind.setdefault(p.record.kind, []).append(p)
        work: list[_Work] = []
        for kind, group in by_kind.items():
            known = self.state.known_records(kind, [p.record.id for p in group])
            for p in group:
                raw_hash = digest(p.line.raw)
                before = known.get(p.record.id)
                if before is not None and before.raw_hash == raw_hash:
                    work.append(
                        _Work(p, "unchanged", raw_hash, before.canonical_hash, before.edge_ids)
                    )
                    continue
                canonical = digest(p.record.model_dump_json(by_alias=True))
                if before is None:
                    work.append(_Work(p, "created", raw_hash, canonical, []))
                elif before.canonical_hash == canonical:
                    work.append(_Work(p, "unchanged", raw_hash, canonical, before.edge_ids))
                else:
                    work.append(_Work(p, "updated", raw_hash, canonical, before.edge_ids))
        return work

    # -- mentions -------------------------------------------------------------------------

    def _resolve_mentions(self, work: list[_Work]) -> None:
        reports = [w for w in work if isinstance(w.parsed.record, ReportRecord)]
        keys = [
            mention_key(w.parsed.record.id, i)
            for w in reports
            for i in range(len(w.parsed.record.mentions))  # type: ignore[union-attr]
        ]
        decided = self.state.mention_decisions(keys) if keys else {}
        fresh: dict[str, MentionDecision] = {}
        for w in reports:
            rec = w.parsed.record
            assert isinstance(rec, ReportRecord)
            for i, mention in enumerate(rec.mentions):
                key = mention_key(rec.id, i)
                fingerprint = digest(mention.model_dump_json())
                before = decided.get(key)
                if before is not None and before.fingerprint == fingerprint:
                    if before.score is None:  # it made a person: keep its features current
                        self._add_person(w, before.person_id, mention_match_facts(mention))
                    continue
                found = self.matcher.match(key, mention) if self.matcher else None
                if found is None:
                    new_id = mention_person_id(rec.id, i)
                    fresh[key] = MentionDecision(fingerprint, new_id, None)
                    self._add_person(w, new_id, mention_match_facts(mention))
                else:
                    fresh[key] = MentionDecision(fingerprint, found[0], found[1])
        if fresh and self.writes:
            self.state.save_mention_decisions(fresh)  # before the graph batch: see module doc
        self._decisions = decided | fresh
        matched = [(k, d) for k, d in fresh.items() if d.score is not None]
        self.summary.mentions_matched += len(matched)
        self.summary.mentions_new += len(fresh) - len(matched)
        if matched and self.audit and self.writes:
            self.audit.record(
                self._event(
                    Operation.COMBINATION,
                    "resolve report mentions to persons",
                    sorted({d.person_id for _, d in matched}),
                    {
                        "matcher": self.matcher.version if self.matcher else None,
                        "matches": {k: [d.person_id, round(d.score or 0.0, 4)] for k, d in matched},
                    },
                )
            )

    def _facts(self, w: _Work) -> Facts:
        rec = w.parsed.record
        match rec:
            case PersonRecord():
                return person_facts(rec)
            case LocationRecord():
                return location_facts(rec)
            case ObjectRecord():
                return object_facts(rec)
            case SourceRecord():
                return source_facts(rec)
            case AssociationRecord():
                return association_facts(rec)
            case EventRecord():
                return event_facts(rec)
            case TaskingRecord():
                return tasking_facts(rec)
            case ReportRecord():
                targets = [
                    self._decisions[mention_key(rec.id, i)].person_id
                    for i in range(len(rec.mentions))
                ]
                return report_facts(rec, targets)
        raise AssertionError(f"unhandled record kind {rec.kind}")

    # -- writing --------------------------------------------------------------------------

    def _write(self, todo: list[_Work]) -> None:
        """Write the batch in one store transaction; if the store refuses it, split it to
        find the records at fault, quarantine them and write the rest."""
        if not todo:
            return
        try:
            self._write_batch(todo)
        except IntegrityError as exc:
            if len(todo) > 1:
                half = len(todo) // 2
                self._write(todo[:half])
                self._write(todo[half:])
                return
            w = todo[0]
            rec = w.parsed.record
            conflict = isinstance(exc, KindConflict | EndpointKindMismatch)
            code = reader.KIND_CONFLICT if conflict else reader.UNRESOLVED_REFERENCE
            self._forget(rec.kind, rec.id)
            self._reject([self._rejection(w.parsed, code, f"{rec.kind} {rec.id!r}: {exc}")])
            w.status = "rejected"

    def _write_batch(self, todo: list[_Work]) -> None:
        nodes: list[Node] = []
        incoming: dict[str, list[Edge]] = {}
        for w in todo:
            assert w.facts is not None
            nodes += w.facts.nodes
            for edge in w.facts.edges:
                incoming.setdefault(edge.id, []).append(edge)
        # A changed record's old supports are dropped from every edge it claimed before:
        # claims it still makes come back with its new support (under its new source
        # system, if that changed), claims it no longer makes lose its support.
        retract: dict[str, set[RecordKey]] = {}
        for w in todo:
            if w.status != "updated":
                continue
            key = self._record_key(w)
            for edge_id in w.old_edges:
                retract.setdefault(edge_id, set()).add(key)
        shared = [i for i, es in incoming.items() if es[0].kind in SHARED_KINDS or len(es) > 1]
        stored = self.store.get_edges(sorted(set(shared) | set(retract)))
        edges: list[Edge] = []
        doomed: list[str] = []
        for edge_id in sorted(set(incoming) | set(retract)):
            fresh = incoming.get(edge_id, [])
            if len(fresh) == 1 and edge_id not in stored and edge_id not in retract:
                edges.append(fresh[0])  # a claim only this record makes: nothing to merge
                continue
            merged = accumulate(stored.get(edge_id), fresh, retract)
            if merged is None:
                if edge_id in stored:
                    doomed.append(edge_id)
            else:
                edges.append(merged)
        result = self.store.upsert(nodes, edges)
        if doomed:
            self.store.delete_edges(doomed)
        gone = self._drop_orphaned_mentions(todo, stored, {n.id for n in nodes})
        if self.notifications is not None:
            self._notify(nodes, [e for e in edges if e.id in set(result.created)])
        if self.audit:
            self._audit_writes(todo, result.created, result.updated, doomed, gone)

    def _drop_orphaned_mentions(
        self, todo: list[_Work], stored: dict[str, Edge], kept: set[str]
    ) -> list[str]:
        """Persons a changed report made from its mentions and no longer makes (a mention
        removed, or now matched to someone): removed with their features when nothing else
        links to them, so they match no later mention. Returns the ids removed."""
        made: set[str] = set()
        for w in todo:
            rec = w.parsed.record
            if w.status != "updated" or not isinstance(rec, ReportRecord):
                continue
            prefix = mention_person_id(rec.id, 0)[:-1]
            made |= {
                e.dst
                for i in w.old_edges
                if (e := stored.get(i)) is not None
                and e.kind is EdgeKind.MENTIONS
                and e.dst.startswith(prefix)
            }
        candidates = sorted(made - kept)
        gone = self.store.delete_unlinked_nodes(candidates) if candidates else []
        if gone:
            self.state.forget_persons(gone)
            self.removed_persons.update(gone)
            for pid in gone:
                if self.matcher:
                    self.matcher.remove_person(pid)
        return gone

    def _notify(self, nodes: list[Node], created: list[Edge]) -> None:
        """New links to ViSOR nominals go to their offender managers (after the graph
        commit: a kill in between loses that batch's notifications, said in docs/ingest.md)."""
        assert self.notifications is not None
        persons = {n.id: n for n in nodes if isinstance(n, Person)}
        ends = {i for e in created if e.kind in NOTIFYING for i in (e.src, e.dst)} - set(persons)
        persons |= {
            i: n for i, n in self.store.get_nodes(sorted(ends)).items() if isinstance(n, Person)
        }
        self.summary.notifications += self.notifications.raise_for(
            notifications_for(created, persons)
        )

    @staticmethod
    def _record_key(w: _Work) -> RecordKey:
        rec = w.parsed.record
        return ("report", rec.id) if isinstance(rec, ReportRecord) else ("record", rec.id)

    def _event(
        self, operation: Operation, action: str, subjects: list[str], details: dict[str, Any]
    ) -> AuditEvent:
        """An audit event by this load's actor."""
        return AuditEvent(
            operation=operation,
            actor=self.actor.name,
            role=self.actor.role,
            purpose=self.actor.purpose,
            action=action,
            subjects=subjects,
            details=details,
        )

    def _audit_writes(
        self,
        todo: list[_Work],
        created: list[str],
        updated: list[str],
        deleted: list[str],
        persons_removed: list[str],
    ) -> None:
        assert self.audit is not None
        events = []
        if created:
            events.append(
                self._event(
                    Operation.COLLECTION,
                    "ingest interchange records",
                    created,
                    {"count": len(created)},
                )
            )
        altered = [w.parsed.record.id for w in todo if w.status == "updated"]
        if updated or deleted or altered or persons_removed:
            details: dict[str, Any] = {"updated": updated, "claims_withdrawn": deleted}
            if persons_removed:  # mention persons the changed reports no longer make
                details["persons_removed"] = persons_removed
            events.append(
                self._event(
                    Operation.ALTERATION, "ingest changed interchange records", altered, details
                )
            )
        self.audit.record_many(events)

    def _save(self, work: list[_Work], lines: Sequence[Line]) -> None:
        """Bookkeeping after the graph commit (see module doc for why this order)."""
        if not self.writes:
            return
        deferred = {(line.file, line.number): digest(line.raw) for line in self._deferred}
        settled = [
            (line.file, line.number)
            for line in lines
            if (line.file, line.number) not in deferred and self._waited_before(line)
        ]
        kept = [w for w in work if w.status != "rejected"]
        rows = []
        persons: list[tuple[str, str]] = []
        places: list[tuple[str, str, str | None]] = []
        for w in kept:
            rec = w.parsed.record
            edge_ids = w.old_edges if w.facts is None else sorted({e.id for e in w.facts.edges})
            rows.append(
                (
                    rec.kind,
                    rec.id,
                    w.raw_hash,
                    w.canonical_hash,
                    json.dumps(edge_ids),
                    w.parsed.line.file,
                    w.parsed.line.number,
                )
            )
            if isinstance(rec, LocationRecord):
                places.append((rec.id, rec.address, rec.postcode))
        persons = [(pid, json.dumps(f)) for w in kept for pid, f in w.match]
        with self.state.transaction() as conn:
            self.state.save_records(conn, rows)
            self.state.save_location_text(conn, places)
            self.state.save_person_facts(conn, persons)
            # An unchanged record closes entries too: a fix may restore the accepted
            # version exactly. Indexed by record id, one UPDATE a record.
            self.state.resolve_quarantined(
                conn, [(w.parsed.record.kind, w.parsed.record.id) for w in kept]
            )
            # With the batch's records: a line is known to wait before any later batch
            # can load what it waits for.
            self.state.save_waiting(conn, [(*at, h) for at, h in deferred.items()], settled)
        for at in settled:
            self._waited.pop(at, None)
        self._waited |= deferred
        self.changed_persons.update(pid for pid, _ in persons)
        for w in kept:
            rec = w.parsed.record
            if w.status != "unchanged" and isinstance(rec, ReportRecord) and rec.source_id:
                self.touched_sources.add(rec.source_id)
                if rec.police_request:
                    self.requests[rec.id] = rec.source_id
            if (
                w.status != "unchanged"
                and isinstance(rec, EventRecord)
                and rec.event_type in TRAVEL_EVENTS
            ):
                self.travel.append(rec)
            if w.status != "unchanged" and isinstance(rec, EventRecord) and rec.answer:
                self.answered.append(rec)
            if (
                w.status != "unchanged"
                and isinstance(rec, TaskingRecord)
                and rec.directed_person_id
            ):
                self.taskings.append(rec)

    def _match_facts(self, todo: list[_Work]) -> None:
        """Matching features of the batch's persons, known to the matcher before this
        batch's mentions are resolved (persons sort before reports in a batch)."""
        places = {
            w.parsed.record.id: (w.parsed.record.address, w.parsed.record.postcode)
            for w in todo
            if isinstance(w.parsed.record, LocationRecord)
        }
        needed = {
            s.location_id
            for w in todo
            if isinstance(w.parsed.record, PersonRecord)
            for s in w.parsed.record.addresses
        } - set(places)
        if needed:
            places |= self.state.location_text(sorted(needed))
        for w in todo:
            if isinstance(w.parsed.record, PersonRecord):
                self._add_person(w, w.parsed.record.id, person_match_facts(w.parsed.record, places))

    def _add_person(self, w: _Work, pid: str, facts: dict[str, Any]) -> None:
        w.match.append((pid, facts))
        if self.matcher:
            self.matcher.add_person(pid, facts)
