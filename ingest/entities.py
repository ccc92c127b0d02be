"""Entity resolution kept: scored pairs, the review queue, human judgements, entities.

The matcher (`ingest.resolution`) is pure; this module stores what it found and what
people decided, in the ingest state file, apart from the source records:

- `match_pairs`: the latest score and explanation of every candidate pair at review or
  above, replaced for the records a run re-scored;
- `judgements`: append-only; the latest row for a pair is in force, and `withdrawn`
  undoes it. Judgements win over the matcher and `not_same` is never overridden by
  transitivity (see `ingest.resolution.cluster`);
- `entities`: person id -> entity id from the latest clustering.

Every change of entity membership, judgement and undo is written to the audit log as a
combination, with the inputs and the matcher version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from graph.audit import AuditEvent, AuditLog, Operation
from graph.errors import NotFound, ValidationFailed
from ingest.interchange import Mention
from ingest.resolution import (
    Feature,
    MentionFacts,
    Outcome,
    PersonFacts,
    PersonIndex,
    ResolutionStats,
    ScoredPair,
    Thresholds,
    cluster_explained,
    match_mention,
    score_pairs,
)
from ingest.state import IngestState, now

MATCHER_VERSION = "mosaic-matcher-1"
Verdict = Literal["same", "not_same", "unsure", "withdrawn"]
VERDICTS: tuple[Verdict, ...] = ("same", "not_same", "unsure", "withdrawn")

SCHEMA = """
CREATE TABLE IF NOT EXISTS match_pairs (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    score REAL NOT NULL,
    outcome TEXT NOT NULL,
    features TEXT NOT NULL,
    matcher TEXT NOT NULL,
    scored_at TEXT NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS match_pairs_b ON match_pairs(b);
CREATE INDEX IF NOT EXISTS match_pairs_outcome ON match_pairs(outcome, score);
CREATE TABLE IF NOT EXISTS judgements (
    seq INTEGER PRIMARY KEY,
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    verdict TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS judgements_pair ON judgements(a, b, seq);
CREATE TRIGGER IF NOT EXISTS judgements_no_update BEFORE UPDATE ON judgements
BEGIN SELECT RAISE(ABORT, 'judgements are append-only'); END;
CREATE TRIGGER IF NOT EXISTS judgements_no_delete BEFORE DELETE ON judgements
BEGIN SELECT RAISE(ABORT, 'judgements are append-only'); END;
CREATE TABLE IF NOT EXISTS entities (
    person_id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entities_entity ON entities(entity_id);
"""


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def person_facts_from(pid: str, facts: dict[str, Any]) -> PersonFacts:
    return PersonFacts(
        id=pid,
        source_system=facts.get("source_system"),
        names=tuple((g, f) for g, f in facts["names"]),
        dob=date.fromisoformat(facts["dob"]) if facts.get("dob") else None,
        gender=facts.get("gender"),
        pnc_id=facts.get("pnc_id"),
        postcodes=tuple(facts.get("postcodes", ())),
        addresses=tuple(facts.get("addresses", ())),
    )


def feature_dicts(features: Iterable[Feature]) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "similarity": f.similarity, "weight": round(f.weight, 3), "note": f.note}
        for f in features
    ]


@dataclass(frozen=True)
class Judgement:
    seq: int
    a: str
    b: str
    verdict: str
    actor: str
    reason: str | None
    at: str


@dataclass(frozen=True)
class QueuedPair:
    a: str
    b: str
    score: float
    features: list[dict[str, Any]]
    scored_at: str


@dataclass(frozen=True)
class PossibleMatch:
    """`record` may be the same human as `of` (a record of the entity asked about)."""

    record: str
    of: str
    score: float
    outcome: Outcome


@dataclass
class ResolveSummary:
    persons: int = 0
    scored_pairs: int = 0
    auto_links: int = 0
    review: int = 0
    possible: int = 0
    entities: int = 0
    changed_persons: int = 0
    refused_links: int = 0
    refusals: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "persons": self.persons,
            "scored_pairs": self.scored_pairs,
            "auto_links": self.auto_links,
            "review_queue": self.review,
            "possible_matches": self.possible,
            "entities": self.entities,
            "persons_whose_entity_changed": self.changed_persons,
            "links_refused": self.refused_links,
        }


class IndexMatcher:
    """Mention matching for the loader, over an index of every person known so far."""

    version = MATCHER_VERSION

    def __init__(self, index: PersonIndex, thresholds: Thresholds) -> None:
        self.index = index
        self.thresholds = thresholds

    def match(self, key: str, mention: Mention) -> tuple[str, float] | None:
        facts = MentionFacts(
            key=key,
            name=(mention.name.given, mention.name.family),
            dob=mention.dob,
            address=mention.address,
            postcode=mention.postcode,
        )
        found = match_mention(self.index, facts, self.thresholds)
        return (found.person_id, found.score) if found else None

    def add_person(self, person_id: str, facts: dict[str, Any]) -> None:
        if person_id in self.index:
            self.index.remove(person_id)
        self.index.add(person_facts_from(person_id, facts))

    def remove_person(self, person_id: str) -> None:
        self.index.remove(person_id)


class Resolution:
    """Entity resolution over the persons in an ingest state file."""

    def __init__(
        self,
        state: IngestState,
        thresholds: Thresholds | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.state = state
        self.thresholds = thresholds or Thresholds()
        self.audit = audit
        state.ensure_schema(SCHEMA)

    # -- the index ------------------------------------------------------------------------

    def build_index(self) -> PersonIndex:
        index = PersonIndex()
        for pid, facts in self.state.all_person_facts():
            index.add(person_facts_from(pid, facts))
        return index

    def matcher(self) -> IndexMatcher:
        return IndexMatcher(self.build_index(), self.thresholds)

    # -- runs ------------------------------------------------------------------------------

    def resolve(
        self,
        changed: Sequence[str] | None = None,
        *,
        actor: str = "system:resolver",
        role: str = "service",
        index: PersonIndex | None = None,
    ) -> ResolveSummary:
        """Score the candidate pairs touching `changed` (all persons when None; by default
        the persons loaded since the last run), keep those at review or above, and
        re-cluster every person."""
        index = index or self.build_index()
        pending = self.state.unresolved()
        if changed is None:
            ids = list(index.ids())
        else:
            ids = sorted({i for i in [*changed, *pending] if i in index})
        stats = ResolutionStats()
        pairs = score_pairs(index, ids, self.thresholds, stats)
        at = now()
        with self.state.transaction() as conn:
            if changed is None:
                conn.execute("DELETE FROM match_pairs")
            else:
                for start in range(0, len(ids), 400):
                    chunk = ids[start : start + 400]
                    marks = ",".join("?" * len(chunk))
                    conn.execute(
                        f"DELETE FROM match_pairs WHERE a IN ({marks}) OR b IN ({marks})",
                        [*chunk, *chunk],
                    )
            conn.executemany(
                "INSERT OR REPLACE INTO match_pairs (a, b, score, outcome, features, matcher, "
                "scored_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        p.a,
                        p.b,
                        p.score,
                        p.outcome.value,
                        json.dumps(feature_dicts(p.features)),
                        MATCHER_VERSION,
                        at,
                    )
                    for p in pairs
                ],
            )
            self.state.mark_resolved(conn, pending)
        summary = self.recluster(list(index.ids()), actor=actor, role=role)
        summary.scored_pairs = stats.candidate_pairs
        return summary

    def _links(self) -> list[ScoredPair]:
        with self.state.reading() as conn:
            rows = conn.execute("SELECT a, b, score, outcome FROM match_pairs").fetchall()
        return [ScoredPair(a, b, score, Outcome(outcome)) for a, b, score, outcome in rows]

    def judgements_in_force(self) -> dict[tuple[str, str], str]:
        with self.state.reading() as conn:
            rows = conn.execute(
                "SELECT a, b, verdict FROM judgements j WHERE seq = "
                "(SELECT max(seq) FROM judgements k WHERE k.a = j.a AND k.b = j.b)"
            ).fetchall()
        return {(a, b): v for a, b, v in rows if v != "withdrawn"}

    def verdict_in_force(self, a: str, b: str) -> str | None:
        """The pair's latest judgement unless withdrawn, by the (a, b, seq) index."""
        a, b = _pair(a, b)
        with self.state.reading() as conn:
            row = conn.execute(
                "SELECT verdict FROM judgements WHERE a = ? AND b = ? ORDER BY seq DESC LIMIT 1",
                (a, b),
            ).fetchone()
        return None if row is None or row[0] == "withdrawn" else str(row[0])

    def recluster(
        self, person_ids: Sequence[str] | None = None, *, actor: str, role: str
    ) -> ResolveSummary:
        """Entities from auto links and judgements; membership changes are audited."""
        if person_ids is None:
            person_ids = [pid for pid, _ in self.state.all_person_facts()]
        links = self._links()
        clustering = cluster_explained(person_ids, links, self.judgements_in_force())
        before = self.entity_map()
        changed = {pid: eid for pid, eid in clustering.entity_of.items() if before.get(pid) != eid}
        with self.state.transaction() as conn:
            conn.execute("DELETE FROM entities")
            conn.executemany(
                "INSERT INTO entities (person_id, entity_id) VALUES (?, ?)",
                sorted(clustering.entity_of.items()),
            )
        if changed and self.audit:
            self._audit_membership(changed, clustering.entity_of, actor, role)
        summary = ResolveSummary(
            persons=len(person_ids),
            auto_links=sum(1 for p in links if p.outcome is Outcome.AUTO_LINK),
            review=sum(1 for p in links if p.outcome is Outcome.REVIEW),
            possible=sum(1 for p in links if p.outcome is Outcome.POSSIBLE),
            entities=len(set(clustering.entity_of.values())),
            changed_persons=len(changed),
            refused_links=len(clustering.refused),
            refusals=[f"{r.a} ~ {r.b}: {r.reason}" for r in clustering.refused[:50]],
        )
        return summary

    def _audit_membership(
        self, changed: dict[str, str], entity_of: dict[str, str], actor: str, role: str
    ) -> None:
        assert self.audit is not None
        members: dict[str, list[str]] = {}
        for pid, eid in entity_of.items():
            members.setdefault(eid, []).append(pid)
        touched = sorted({eid for eid in changed.values()})
        # One entry per 500 entities keeps entries readable; each names inputs and rule.
        for start in range(0, len(touched), 500):
            chunk = touched[start : start + 500]
            self.audit.record(
                AuditEvent(
                    operation=Operation.COMBINATION,
                    actor=actor,
                    role=role,
                    purpose="intelligence_review",
                    action="entity resolution: person records linked into entities",
                    subjects=sorted(p for e in chunk for p in members[e]),
                    details={
                        "matcher": MATCHER_VERSION,
                        "thresholds": {
                            "auto_link": self.thresholds.auto_link,
                            "review": self.thresholds.review,
                            "possible": self.thresholds.possible,
                        },
                        "entities": {e: sorted(members[e]) for e in chunk},
                    },
                )
            )

    # -- reading ---------------------------------------------------------------------------

    def entity_map(self) -> dict[str, str]:
        with self.state.reading() as conn:
            return dict(conn.execute("SELECT person_id, entity_id FROM entities").fetchall())

    def entity_of(self, person_id: str) -> tuple[str, list[str]] | None:
        """(entity id, member person ids) for a person, None if never resolved."""
        with self.state.reading() as conn:
            rows = conn.execute(
                "SELECT m.entity_id, m.person_id FROM entities e "
                "JOIN entities m ON m.entity_id = e.entity_id "
                "WHERE e.person_id = ? ORDER BY m.person_id",
                (person_id,),
            ).fetchall()
        return (rows[0][0], [r[1] for r in rows]) if rows else None

    def records_of(self, person_id: str) -> list[str]:
        """Every record of the person's entity (just the person if never resolved)."""
        found = self.entity_of(person_id)
        return found[1] if found else [person_id]

    def queue(
        self,
        limit: int = 50,
        after: tuple[float, str, str] | None = None,
        person: str | None = None,
    ) -> list[QueuedPair]:
        """Review pairs without a judgement in force, highest score first; only those
        involving `person` when given (triage one nominal's possible duplicates)."""
        judged = self.judgements_in_force()
        sql = "SELECT a, b, score, features, scored_at FROM match_pairs WHERE outcome = 'review'"
        params: tuple[str, ...] = ()
        if person is not None:
            sql += " AND (a = ? OR b = ?)"
            params = (person, person)
        with self.state.reading() as conn:
            rows = conn.execute(sql + " ORDER BY score DESC, a, b", params).fetchall()
        out: list[QueuedPair] = []
        for a, b, score, features, at in rows:
            if (a, b) in judged:
                continue
            if after is not None and (-score, a, b) <= (-after[0], after[1], after[2]):
                continue
            out.append(QueuedPair(a, b, score, json.loads(features), at))
            if len(out) >= limit:
                break
        return out

    def possible_matches(
        self, records: Sequence[str], limit: int | None = 10
    ) -> list[PossibleMatch]:
        """Records outside `records` (one entity) that may be the same human: pairs in the
        review or possible band not judged `not_same`, highest score first (an `unsure`
        judgement leaves a pair possible). A risk assessment shows what these records say,
        unscored, until someone judges them. `limit=None` lists them all (a caller that
        drops records it may not see must cut after dropping, not before)."""
        mine = set(records)
        if not mine:
            return []
        best: dict[str, PossibleMatch] = {}
        marks = ",".join("?" * len(mine))
        with self.state.reading() as conn:
            # Each pair's latest judgement, by the (a, b, seq) index: not every judgement.
            rows = conn.execute(
                "SELECT m.a, m.b, m.score, m.outcome, (SELECT j.verdict FROM judgements j "
                "WHERE j.a = m.a AND j.b = m.b ORDER BY j.seq DESC LIMIT 1) FROM match_pairs m "
                f"WHERE m.outcome IN ('review', 'possible') AND (m.a IN ({marks}) OR m.b IN "
                f"({marks}))",
                [*mine, *mine],
            ).fetchall()
        for a, b, score, outcome, verdict in rows:
            if verdict == "not_same" or (a in mine and b in mine):
                continue
            record, of = (b, a) if a in mine else (a, b)
            if record not in best or score > best[record].score:
                best[record] = PossibleMatch(record, of, score, Outcome(outcome))
        return sorted(best.values(), key=lambda m: (-m.score, m.record))[:limit]

    def judgements(self, person_id: str | None = None) -> list[Judgement]:
        sql = "SELECT seq, a, b, verdict, actor, reason, at FROM judgements"
        params: tuple[str, ...] = ()
        if person_id:
            sql += " WHERE a = ? OR b = ?"
            params = (person_id, person_id)
        with self.state.reading() as conn:
            return [Judgement(*row) for row in conn.execute(sql + " ORDER BY seq", params)]

    # -- judging ---------------------------------------------------------------------------

    def judge(
        self,
        a: str,
        b: str,
        verdict: str,
        *,
        actor: str,
        role: str,
        purpose: str | None = "intelligence_review",
        reason: str | None = None,
    ) -> tuple[Judgement, ResolveSummary]:
        """Record a human verdict on a pair (or `withdrawn` to undo the one in force), then
        re-cluster. Audited as a combination with the pair, verdict and reason."""
        if verdict not in VERDICTS:
            raise ValidationFailed(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        if a == b:
            raise ValidationFailed("a judgement is about two different person records")
        a, b = _pair(a, b)
        known = {pid for pid, _ in self.state.all_person_facts()}
        missing = [p for p in (a, b) if p not in known]
        if missing:
            raise NotFound(f"person record(s) not known to entity resolution: {', '.join(missing)}")
        previous = self.verdict_in_force(a, b)
        if verdict == "withdrawn" and previous is None:
            raise ValidationFailed(f"no judgement in force on {a} ~ {b} to withdraw")
        at = now()
        with self.state.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO judgements (a, b, verdict, actor, reason, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (a, b, verdict, actor, reason, at),
            )
            seq = int(cur.lastrowid or 0)
        if self.audit:
            self.audit.record(
                AuditEvent(
                    operation=Operation.COMBINATION,
                    actor=actor,
                    role=role,
                    purpose=purpose,
                    action="undo match judgement" if verdict == "withdrawn" else "match judgement",
                    subjects=[a, b],
                    details={
                        "verdict": verdict,
                        "previous": previous,
                        "reason": reason,
                        "seq": seq,
                    },
                )
            )
        summary = self.recluster(actor=actor, role=role)
        return Judgement(seq, a, b, verdict, actor, reason, at), summary
