"""Entity resolution kept: scored pairs, the review queue, human judgements, entities.

The matcher (`ingest.resolution`) is pure; this module stores what it found and what
people decided, in the ingest state file, apart from the source records:

- `match_pairs`: the latest score and explanation of every candidate pair at review or
  above, replaced for the records a run re-scored;
- `match_context`, `match_name_counts`, `match_oversized`: what the stored scores were
  computed in (matcher, thresholds, model population, name counts, oversized blocks). A
  run re-scores the records a load changed *and* every record whose context changed
  since, so the pairs kept after any sequence of loads are the pairs a full run would
  make now (and when the population or the thresholds changed, it is a full run);
- `judgements`: append-only; each pair's verdicts form a stack: a verdict is pushed,
  `withdrawn` pops the latest one (the one before it is in force again). Judgements win
  over the matcher and `not_same` is never overridden by transitivity (see
  `ingest.resolution.cluster`). Only erasure removes rows: the judgements naming a person
  record that is forgotten (disposed of) go with it;
- `entities`: person id -> entity id from the latest clustering.

Every change of entity membership, judgement and undo is written to the audit log as a
combination, with the inputs and the matcher version, for the purpose of the request that
caused it: `resolve`, `recluster` and `judge` take `purpose` (the API passes the request's
X-Purpose, the CLI its `--purpose`). Library callers that pass none (benches, scripts)
record `DEFAULT_PURPOSE`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from graph.audit import AuditEvent, AuditLog, Operation
from graph.errors import NotFound, ValidationFailed
from ingest.interchange import Mention
from ingest.resolution import (
    Clustering,
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
from ingest.resolution.weights import model_population
from ingest.state import IngestState, now

MATCHER_VERSION = "mosaic-matcher-1"
DEFAULT_PURPOSE = "intelligence_review"
"""The purpose entries record when a caller gives none (as `ingest.loader.Actor`'s): every
caller acting on a request passes the request's own, which the caller has checked is a
configured one."""
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
-- Rows go only with an erased person record (`IngestState.forget_persons` lists it here
-- for the length of its transaction).
CREATE TABLE IF NOT EXISTS judgement_erasures (person_id TEXT PRIMARY KEY) WITHOUT ROWID;
DROP TRIGGER IF EXISTS judgements_no_delete;
CREATE TRIGGER IF NOT EXISTS judgements_delete_only_erased BEFORE DELETE ON judgements
WHEN NOT EXISTS (SELECT 1 FROM judgement_erasures WHERE person_id IN (OLD.a, OLD.b))
BEGIN SELECT RAISE(ABORT, 'judgements are append-only'); END;
CREATE TABLE IF NOT EXISTS match_context (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS match_name_counts (
    name TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS match_oversized (key TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entities (
    person_id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entities_entity ON entities(entity_id);
"""


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _in_force(rows: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], str]:
    """Each pair's verdict in force from its judgements in `seq` order: a verdict is
    pushed, `withdrawn` pops the latest (so an undo brings back the one it replaced)."""
    stacks: dict[tuple[str, str], list[str]] = {}
    for a, b, verdict in rows:
        stack = stacks.setdefault((a, b), [])
        if verdict != "withdrawn":
            stack.append(verdict)
        elif stack:
            stack.pop()
    return {pair: stack[-1] for pair, stack in stacks.items() if stack}


class JudgementConflict(ValidationFailed):
    """A 'same' judgement that would put two records judged not_same in one entity."""

    def __init__(self, message: str, conflict: tuple[str, str]) -> None:
        super().__init__(message)
        self.conflict = conflict


def _refused_same(clustering: Clustering) -> dict[tuple[str, str], tuple[str, str]]:
    """The 'same' judgements a clustering could not apply, with the not_same pair each
    would have joined."""
    return {
        (r.a, r.b): r.conflict
        for r in clustering.refused
        if r.score is None and r.conflict is not None
    }


@dataclass(frozen=True)
class _ScoringContext:
    """What stored scores depend on besides the two records (see the module doc)."""

    settings: str  # matcher, thresholds, model population, block cap
    names: dict[str, int]
    oversized: set[str]

    @classmethod
    def of(cls, index: PersonIndex, thresholds: Thresholds) -> _ScoringContext:
        settings = {
            "matcher": MATCHER_VERSION,
            "thresholds": [thresholds.auto_link, thresholds.review, thresholds.possible],
            "population": model_population(len(index)),
            "block_cap": index.block_cap,
        }
        return cls(
            json.dumps(settings, sort_keys=True),
            index.name_frequencies.counts(),
            index.oversized_blocks(),
        )


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
    repeated: bool = False  # the verdict was in force already: this is that judgement


@dataclass(frozen=True)
class QueuedPair:
    a: str
    b: str
    score: float
    features: list[dict[str, Any]]
    scored_at: str


QUEUE_CURSOR = r"^[0-9]{1,20}(\.[0-9]{1,20})?(e[-+]?[0-9]{1,3})?_([0-9a-f]{2})+_([0-9a-f]{2})+$"
"""A place in the review queue, as `QueuePosition.token` writes it: the score (as Python
prints a float: exact), then each id's UTF-8 bytes in hex. Every string this matches is a
position (a pair or not), so a caller's cursor is refused only by this pattern."""


@dataclass(frozen=True)
class QueuePosition:
    """A place in the review queue's order: score descending, then the pair's ids as SQLite
    orders text (by UTF-8 bytes). A page starts strictly after it, so pairs judged (and
    gone) since the previous page make the next one skip nothing."""

    score: float
    a: bytes
    b: bytes

    @classmethod
    def of(cls, pair: QueuedPair) -> QueuePosition:
        return cls(pair.score, pair.a.encode(), pair.b.encode())

    def token(self) -> str:
        return f"{self.score!r}_{self.a.hex()}_{self.b.hex()}"

    @classmethod
    def parse(cls, token: str) -> QueuePosition:
        """The position a token names; ValidationFailed when it does not match
        `QUEUE_CURSOR` (any that does is a position: float() and fromhex accept it)."""
        if not re.fullmatch(QUEUE_CURSOR, token):
            raise ValidationFailed("a queue cursor is the `next` of an earlier page")
        score, a, b = token.split("_")
        return cls(float(score), bytes.fromhex(a), bytes.fromhex(b))


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

    def __init__(
        self,
        index: PersonIndex,
        thresholds: Thresholds,
        judged: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.index = index
        self.thresholds = thresholds
        self.judged = judged or {}  # the judgements in force: they win over scores

    def match(self, key: str, mention: Mention) -> tuple[str, float] | None:
        facts = MentionFacts(
            key=key,
            name=(mention.name.given, mention.name.family),
            dob=mention.dob,
            address=mention.address,
            postcode=mention.postcode,
        )
        found = match_mention(self.index, facts, self.thresholds, self.judged)
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
        return IndexMatcher(self.build_index(), self.thresholds, self.judgements_in_force())

    # -- runs ------------------------------------------------------------------------------

    def resolve(
        self,
        changed: Sequence[str] | None = None,
        *,
        actor: str = "system:resolver",
        role: str = "service",
        purpose: str | None = DEFAULT_PURPOSE,
        index: PersonIndex | None = None,
    ) -> ResolveSummary:
        """Score the candidate pairs touching `changed` (all persons when None; by default
        the persons loaded since the last run), keep those at review or above, and
        re-cluster every person. Membership changes are audited for `purpose`."""
        # The records as this run reads them: a load in another process may add or change
        # some while it scores, and the write below must leave those alone.
        read = self.state.person_fact_digests()
        index = index or self.build_index()
        pending = self.state.unresolved()
        context = _ScoringContext.of(index, self.thresholds)
        stale = None if changed is None else self._stale(index, context)
        full = stale is None
        if full:
            ids = list(index.ids())
        else:
            assert changed is not None and stale is not None
            ids = sorted({i for i in [*changed, *pending, *stale] if i in index})
        stats = ResolutionStats()
        pairs = score_pairs(index, ids, self.thresholds, stats)
        at = now()
        # The pairs and the entities clustered from them (with the judgements in force) are
        # written in one transaction: a judgement another process makes meanwhile waits,
        # then re-clusters over these pairs.
        with self.state.transaction() as conn:
            now_held = self.state.person_fact_digests(conn)
            moved = {i for i, facts in now_held.items() if read.get(i) != facts} | (
                read.keys() - now_held.keys()
            )
            pairs = [p for p in pairs if p.a not in moved and p.b not in moved]
            self._save_context(conn, context, full)
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS moved_persons (id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM moved_persons")
            conn.executemany("INSERT INTO moved_persons (id) VALUES (?)", [(i,) for i in moved])
            kept = " AND ".join(f"{end} NOT IN (SELECT id FROM moved_persons)" for end in "ab")
            if full:
                conn.execute(f"DELETE FROM match_pairs WHERE {kept}")
            else:
                for start in range(0, len(ids), 400):
                    chunk = ids[start : start + 400]
                    marks = ",".join("?" * len(chunk))
                    conn.execute(
                        f"DELETE FROM match_pairs WHERE (a IN ({marks}) OR b IN ({marks})) "
                        f"AND {kept}",
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
            # A record another process added or changed meanwhile was scored by that
            # process's own run (or waits, unresolved, for the next): its pairs stay as
            # they are, and every record held now is clustered.
            self.state.mark_resolved(conn, [i for i in pending if i not in moved])
            before, entity_of, summary = self._recluster(conn, sorted(now_held))
        if self.audit:
            self._audit_membership(before, entity_of, actor, role, purpose)
        summary.scored_pairs = stats.candidate_pairs
        return summary

    def _stale(self, index: PersonIndex, context: _ScoringContext) -> set[str] | None:
        """Records whose stored pairs were scored in another context than `index` gives
        them now; None when every pair was (other settings, or none known)."""
        with self.state.reading() as conn:
            row = conn.execute("SELECT value FROM match_context WHERE name = 'settings'").fetchone()
            if row is None or row[0] != context.settings:
                return None
            names = dict(conn.execute("SELECT name, n FROM match_name_counts").fetchall())
            oversized = {r[0] for r in conn.execute("SELECT key FROM match_oversized")}
        now_names = context.names
        moved = {k for k in names.keys() | now_names.keys() if names.get(k) != now_names.get(k)}
        return index.holding_names(moved) | index.block_members(oversized ^ context.oversized)

    def _save_context(self, conn: Any, context: _ScoringContext, full: bool) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO match_context (name, value) VALUES ('settings', ?)",
            (context.settings,),
        )
        if full:
            conn.execute("DELETE FROM match_name_counts")
            changed = context.names
        else:
            stored = dict(conn.execute("SELECT name, n FROM match_name_counts").fetchall())
            changed = {k: n for k, n in context.names.items() if stored.get(k) != n}
            gone = [(k,) for k in stored.keys() - context.names.keys()]
            conn.executemany("DELETE FROM match_name_counts WHERE name = ?", gone)
        conn.executemany(
            "INSERT OR REPLACE INTO match_name_counts (name, n) VALUES (?, ?)",
            sorted(changed.items()),
        )
        conn.execute("DELETE FROM match_oversized")
        oversized = [(k,) for k in sorted(context.oversized)]
        conn.executemany("INSERT INTO match_oversized (key) VALUES (?)", oversized)

    def _links(self) -> list[ScoredPair]:
        with self.state.reading() as conn:
            rows = conn.execute("SELECT a, b, score, outcome FROM match_pairs").fetchall()
        return [ScoredPair(a, b, score, Outcome(outcome)) for a, b, score, outcome in rows]

    def judgements_in_force(self) -> dict[tuple[str, str], str]:
        """Every judged pair's verdict in force (pairs whose verdicts were all withdrawn
        are left out)."""
        with self.state.reading() as conn:
            rows = conn.execute("SELECT a, b, verdict FROM judgements ORDER BY seq").fetchall()
        return _in_force(rows)

    def verdict_in_force(self, a: str, b: str) -> str | None:
        """The pair's verdict in force, by the (a, b, seq) index."""
        a, b = _pair(a, b)
        with self.state.reading() as conn:
            rows = conn.execute(
                "SELECT a, b, verdict FROM judgements WHERE a = ? AND b = ? ORDER BY seq",
                (a, b),
            ).fetchall()
        return _in_force(rows).get((a, b))

    def recluster(
        self,
        person_ids: Sequence[str] | None = None,
        *,
        actor: str,
        role: str,
        purpose: str | None = DEFAULT_PURPOSE,
    ) -> ResolveSummary:
        """Entities from auto links and judgements; membership changes are audited (a
        combination by `actor` for `purpose`). Read and written in one write transaction,
        so the entities kept are those of the judgements in force when they are written,
        whatever another process judges at the same moment."""
        with self.state.transaction() as conn:
            before, entity_of, summary = self._recluster(conn, person_ids)
        if self.audit:
            self._audit_membership(before, entity_of, actor, role, purpose)
        return summary

    def _recluster(
        self,
        conn: sqlite3.Connection,
        person_ids: Sequence[str] | None,
        links: Sequence[ScoredPair] | None = None,
    ) -> tuple[dict[str, str], dict[str, str], ResolveSummary]:
        """Cluster and keep the entities, inside the caller's write transaction `conn`:
        (entities before, entities now, summary). The caller audits the change once the
        transaction is committed."""
        if person_ids is None:
            person_ids = [pid for pid, _ in self.state.all_person_facts()]
        if links is None:
            links = self._links()
        clustering = cluster_explained(person_ids, links, self.judgements_in_force())
        before = self.entity_map()
        changed = {pid: eid for pid, eid in clustering.entity_of.items() if before.get(pid) != eid}
        conn.execute("DELETE FROM entities")
        conn.executemany(
            "INSERT INTO entities (person_id, entity_id) VALUES (?, ?)",
            sorted(clustering.entity_of.items()),
        )
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
        return before, clustering.entity_of, summary

    def _audit_membership(
        self,
        before: dict[str, str],
        entity_of: dict[str, str],
        actor: str,
        role: str,
        purpose: str | None,
    ) -> None:
        """One combination entry for every entity whose members changed: one that gained
        or lost a record as well as one a record moved to, so every record whose entity
        changed (a split leaves the rest behind) is a subject."""
        assert self.audit is not None
        members: dict[str, list[str]] = {}
        for pid, eid in entity_of.items():
            members.setdefault(eid, []).append(pid)
        now = {e: frozenset(m) for e, m in members.items()}
        was: dict[str, set[str]] = {}
        for pid, eid in before.items():
            was.setdefault(eid, set()).add(pid)
        then = {e: frozenset(m) for e, m in was.items()}
        touched = sorted(
            {
                eid
                for pid, eid in entity_of.items()
                if (old := before.get(pid)) != eid or then[old] != now[eid]
            }
        )
        if not touched:
            return
        # One entry per 500 entities keeps entries readable; each names inputs and rule.
        for start in range(0, len(touched), 500):
            chunk = touched[start : start + 500]
            self.audit.record(
                AuditEvent(
                    operation=Operation.COMBINATION,
                    actor=actor,
                    role=role,
                    purpose=purpose,
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
        after: QueuePosition | None = None,
        person: str | None = None,
    ) -> list[QueuedPair]:
        """Review pairs someone has to decide, in `QueuePosition` order (highest score
        first, ties by ids) from strictly after `after`; only those involving `person` when
        given (triage one nominal's possible duplicates).

        Left out: a pair with a judgement in force (any verdict, `unsure` too), and a pair
        whose two records are already one entity through other links (A ~ B and B ~ C
        linked leave nothing to decide on A ~ C). The second is read against the entities
        kept now, so the pair is back as soon as its records are apart again (a not_same,
        an unsure replacing a same, or an undo on the chain). A not_same pair is never in
        one entity, so no pair a not_same makes relevant is left out."""
        judged = self.judgements_in_force()
        sql = (
            "SELECT m.a, m.b, m.score, m.features, m.scored_at FROM match_pairs m "
            "LEFT JOIN entities ea ON ea.person_id = m.a "
            "LEFT JOIN entities eb ON eb.person_id = m.b "
            "WHERE m.outcome = 'review' AND (ea.entity_id IS NULL OR eb.entity_id IS NULL "
            "OR ea.entity_id <> eb.entity_id)"
        )
        params: list[Any] = []
        if person is not None:
            sql += " AND (m.a = ? OR m.b = ?)"
            params += [person, person]
        if after is not None:
            # Text compared as BLOB is compared by its UTF-8 bytes, as ORDER BY orders it.
            sql += (
                " AND (m.score < ? OR (m.score = ? AND "
                "(CAST(m.a AS BLOB), CAST(m.b AS BLOB)) > (?, ?)))"
            )
            params += [after.score, after.score, after.a, after.b]
        out: list[QueuedPair] = []
        with self.state.reading() as conn:
            rows = conn.execute(sql + " ORDER BY m.score DESC, m.a, m.b", params)
            try:
                for a, b, score, features, at in rows:
                    if (a, b) in judged:
                        continue
                    out.append(QueuedPair(a, b, score, json.loads(features), at))
                    if len(out) >= limit:
                        break
            finally:
                rows.close()
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
            rows = conn.execute(
                "SELECT m.a, m.b, m.score, m.outcome FROM match_pairs m "
                f"WHERE m.outcome IN ('review', 'possible') AND (m.a IN ({marks}) OR m.b IN "
                f"({marks}))",
                [*mine, *mine],
            ).fetchall()
            # The judgements of these pairs only, by the (a, b, seq) index.
            judged: list[tuple[str, str, str]] = []
            for a, b, _, _ in rows:
                judged += conn.execute(
                    "SELECT a, b, verdict FROM judgements WHERE a = ? AND b = ? ORDER BY seq",
                    (a, b),
                ).fetchall()
        verdicts = _in_force(judged)
        for a, b, score, outcome in rows:
            if verdicts.get((a, b)) == "not_same" or (a in mine and b in mine):
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
        purpose: str | None = DEFAULT_PURPOSE,
        reason: str | None = None,
    ) -> tuple[Judgement, ResolveSummary]:
        """Record a human verdict on a pair (or `withdrawn` to undo the latest one: the
        verdict it replaced is in force again), then re-cluster. Audited as a combination
        with the pair, the verdict, the reason and what the matcher had scored the pair;
        that entry and the re-clustering's are for `purpose`.

        A verdict already in force records nothing and returns the judgement in force
        (`repeated`). Refused (ValidationFailed): a self-pair, nothing to withdraw, and a
        'same' that could not be applied because it would put records
        judged not_same in one entity (`JudgementConflict`, naming that pair), including
        by displacing an earlier 'same'. A 'not_same' is never refused: it always wins."""
        if verdict not in VERDICTS:
            raise ValidationFailed(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        if a == b:
            raise ValidationFailed("a judgement is about two different person records")
        a, b = _pair(a, b)
        # Checked and written in one write transaction (BEGIN IMMEDIATE takes SQLite's
        # write lock first): a judgement another process (the CLI, the API server) makes at
        # the same moment waits, then is checked against this one, and never the reverse
        # half-way. Refusals roll back, having written nothing.
        with self.state.transaction() as conn:
            person_ids = [pid for pid, _ in self.state.all_person_facts()]
            known = set(person_ids)
            missing = [p for p in (a, b) if p not in known]
            if missing:
                raise NotFound(
                    f"person record(s) not known to entity resolution: {', '.join(missing)}"
                )
            in_force = self.judgements_in_force()
            previous = in_force.get((a, b))
            if verdict == "withdrawn" and previous is None:
                raise ValidationFailed(f"no judgement in force on {a} ~ {b} to withdraw")
            if verdict == previous:
                # Nothing changes, so nothing is recorded: a retried request, or a second
                # reviewer agreeing, must not need two undos to take the verdict back.
                standing = self._standing(a, b)
                entities = len(set(self.entity_map().values()))
                return standing, ResolveSummary(persons=len(person_ids), entities=entities)
            links = self._links()
            if verdict == "same":
                self._check_same(a, b, person_ids, links, in_force)
            scored = next((p for p in links if (p.a, p.b) == (a, b)), None)
            at = now()
            cur = conn.execute(
                "INSERT INTO judgements (a, b, verdict, actor, reason, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (a, b, verdict, actor, reason, at),
            )
            seq = int(cur.lastrowid or 0)
            now_in_force = self.verdict_in_force(a, b)
            before, entity_of, summary = self._recluster(conn, person_ids, links)
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
                        "in_force": now_in_force,
                        "reason": reason,
                        "seq": seq,
                        "matcher": MATCHER_VERSION,
                        "score": scored.score if scored else None,
                        "outcome": scored.outcome.value if scored else None,
                    },
                )
            )
            self._audit_membership(before, entity_of, actor, role, purpose)
        return Judgement(seq, a, b, verdict, actor, reason, at), summary

    def _standing(self, a: str, b: str) -> Judgement:
        """The judgement in force on a pair (which has one), marked as repeated."""
        with self.state.reading() as conn:
            rows = conn.execute(
                "SELECT seq, a, b, verdict, actor, reason, at FROM judgements "
                "WHERE a = ? AND b = ? ORDER BY seq",
                (a, b),
            ).fetchall()
        stack: list[Judgement] = []
        for seq, x, y, verdict, actor, reason, at in rows:
            if verdict != "withdrawn":
                stack.append(Judgement(seq, x, y, verdict, actor, reason, at, repeated=True))
            elif stack:
                stack.pop()
        return stack[-1]

    def _check_same(
        self,
        a: str,
        b: str,
        person_ids: Sequence[str],
        links: Sequence[ScoredPair],
        in_force: dict[tuple[str, str], str],
    ) -> None:
        """Refuse a 'same' that the clustering could not apply (or that would make it drop
        an earlier 'same'): every way it fails is a not_same between the two entities."""
        before = _refused_same(cluster_explained(person_ids, links, in_force))
        after = _refused_same(cluster_explained(person_ids, links, {**in_force, (a, b): "same"}))
        new = sorted(after.keys() - before.keys())
        if new:
            c, d = after[new[0]]
            raise JudgementConflict(
                f"{a} ~ {b} cannot be judged same: with the judgements in force it would put "
                f"{c} and {d}, judged not_same, in one entity (withdraw one of them first)",
                (c, d),
            )
