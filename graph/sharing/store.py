"""Sharing decisions and disclosures, kept append-only in the governance database.

A decision or disclosure is stored as its full JSON with the columns it is found by; the
database refuses updates and deletes (triggers), as for CHIS reviews: a decision that
turns out wrong is followed by a new one, never rewritten.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from graph.errors import NotFound, ValidationFailed
from graph.nodes import Person
from graph.sharing.decisions import (
    DeciderRole,
    Disclosure,
    DisclosureIn,
    SharingDecision,
    SharingDecisionIn,
    SharingOutcome,
    problems,
)
from graph.sqlite_files import AppendOnlyStore, append_only, write_transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS sharing_decisions (
    seq INTEGER PRIMARY KEY,
    nominal_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sharing_decisions_nominal ON sharing_decisions(nominal_id, seq);
CREATE TABLE IF NOT EXISTS disclosures (
    seq INTEGER PRIMARY KEY,
    decision_seq INTEGER NOT NULL REFERENCES sharing_decisions(seq),
    nominal_id TEXT NOT NULL,
    shared_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS disclosures_nominal ON disclosures(nominal_id, seq);
"""
SCHEMA += append_only("sharing_decisions", "sharing decisions")
SCHEMA += append_only("disclosures", "disclosure records")

CLOCK_SKEW = timedelta(minutes=5)
"""How far a caller's clock may run ahead of ours (or behind the decision's recording)
before a disclosure's `shared_at` counts as in the future (or before the decision)."""


def shared_by_end_of(day: date) -> datetime:
    """The `shared_at` of sharing known only by its date (a partner answer's `answered_on`):
    the last instant of that day, UTC. What was recorded by then is in force for it: a
    decision recorded that day covers it (and one recorded up to CLOCK_SKEW after midnight,
    as for any `shared_at`), and a refusal recorded that day withdraws the cover, since the
    date cannot say which came first."""
    return datetime.combine(day, time.max, tzinfo=UTC)


class SharingStore(AppendOnlyStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path, "the sharing decision log", SCHEMA)

    def decide(
        self,
        decision: SharingDecisionIn,
        nominal: Person,
        recorded_by: str,
        at: datetime | None = None,
    ) -> SharingDecision:
        """Record a decision, or ValidationFailed naming everything missing or wrong."""
        if nominal.id != decision.nominal_id:
            raise ValueError("the nominal given is not the one the decision is about")
        wrong = problems(decision, nominal)
        if wrong:
            raise ValidationFailed("; ".join(wrong))
        visor = nominal.visor
        made = SharingDecision(
            **decision.model_dump(),
            seq=0,
            recorded_by=recorded_by,
            recorded_at=(at or datetime.now(UTC)).astimezone(UTC),
            mappa_category=visor.mappa_category if visor else None,
            mappa_level=visor.mappa_level if visor else None,
        )
        with write_transaction(self._conn, self._lock) as conn:
            seq = self._next_seq(conn, "sharing_decisions")
            made = made.model_copy(update={"seq": seq})
            conn.execute(
                "INSERT INTO sharing_decisions (seq, nominal_id, outcome, recorded_at, body) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    seq,
                    made.nominal_id,
                    made.outcome.value,
                    made.recorded_at.isoformat(),
                    made.model_dump_json(),
                ),
            )
        return made

    def decision(self, seq: int) -> SharingDecision:
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM sharing_decisions WHERE seq = ?", (seq,)
            ).fetchone()
        if row is None:
            raise NotFound(f"sharing decision {seq} not found")
        return SharingDecision.model_validate_json(row[0])

    def disclose(
        self,
        decision_seq: int,
        disclosure: DisclosureIn,
        nominal: Person,
        recorded_by: str,
        at: datetime | None = None,
    ) -> Disclosure:
        """Record what was shared under a decision to share, with one of its recipients.
        Cover is judged at `shared_at`, not when the record is made: the decision must have
        been recorded by then, and only a refusal recorded by then withdraws it. `nominal`
        is the decision's nominal as ViSOR holds it now: at MAPPA level 2 or 3 only the
        MAPP meeting chair's decision covers sharing. A disclosure recorded after the case
        moved level states the level it was shared at (`mappa_level_when_shared`), and is
        judged at that level: otherwise what was shared at level 1 could never be
        recorded once the nominal moved up."""
        decided = self.decision(decision_seq)
        if nominal.id != decided.nominal_id:
            raise ValueError("the nominal given is not the one the decision is about")
        now = (at or datetime.now(UTC)).astimezone(UTC)
        if disclosure.shared_at > now + CLOCK_SKEW:
            raise ValidationFailed(
                f"shared_at {disclosure.shared_at.isoformat()} is in the future: a disclosure "
                "records what was shared, once it has been"
            )
        with write_transaction(self._conn, self._lock) as conn:
            stated = disclosure.mappa_level_when_shared
            level = stated or _level(nominal)
            problem = _uncovered(conn, decided, disclosure.recipient, disclosure.shared_at, level)
            if problem is not None:
                if stated is None and level in (2, 3) and problem.startswith(decided.nominal_id):
                    problem += (
                        "; or, if this was shared before the case moved to that level, state "
                        "the level it was shared at (mappa_level_when_shared)"
                    )
                raise ValidationFailed(problem)
            seq = self._next_seq(conn, "disclosures")
            made = Disclosure(
                **disclosure.model_dump(),
                seq=seq,
                decision_seq=decision_seq,
                nominal_id=decided.nominal_id,
                recorded_by=recorded_by,
                recorded_at=now,
            )
            conn.execute(
                "INSERT INTO disclosures (seq, decision_seq, nominal_id, shared_at, body) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    seq,
                    decision_seq,
                    made.nominal_id,
                    made.shared_at.isoformat(),
                    made.model_dump_json(),
                ),
            )
        return made

    def cover_problem(
        self,
        decision_seq: int,
        nominal_id: str,
        recipient: str,
        *,
        shared_at: datetime | None = None,
        mappa_level: int | None,
    ) -> str | None:
        """Why decision `decision_seq` does not cover sharing about `nominal_id` with
        `recipient` at `shared_at` (default: now), the nominal being managed at
        `mappa_level` (ViSOR's, as held now), or None when it does: the rule `disclose`
        enforces, for callers (ingest) that check a disclosure recorded elsewhere."""
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM sharing_decisions WHERE seq = ?", (decision_seq,)
            ).fetchone()
            if row is None:
                return f"sharing decision {decision_seq} is not in the sharing log"
            decided = SharingDecision.model_validate_json(row[0])
            if decided.nominal_id != nominal_id:
                # Not naming whom it is about: quarantine reasons are read by roles that
                # may not see that nominal.
                return f"sharing decision {decision_seq} is not about {nominal_id!r}"
            return _uncovered(self._conn, decided, recipient, shared_at, mappa_level)

    def for_nominal(self, nominal_id: str) -> tuple[list[SharingDecision], list[Disclosure]]:
        """Every decision and disclosure about the nominal, oldest first."""
        with self._lock:
            ds = self._conn.execute(
                "SELECT body FROM sharing_decisions WHERE nominal_id = ? ORDER BY seq",
                (nominal_id,),
            ).fetchall()
            xs = self._conn.execute(
                "SELECT body FROM disclosures WHERE nominal_id = ? ORDER BY seq", (nominal_id,)
            ).fetchall()
        return (
            [SharingDecision.model_validate_json(r[0]) for r in ds],
            [Disclosure.model_validate_json(r[0]) for r in xs],
        )


def _names(with_whom: list[str]) -> set[str]:
    return {w.strip().casefold() for w in with_whom if w.strip()}


def _level(nominal: Person) -> int | None:
    return nominal.visor.mappa_level if nominal.visor else None


def _uncovered(
    conn: sqlite3.Connection,
    decided: SharingDecision,
    recipient: str,
    shared_at: datetime | None,
    mappa_level: int | None,
) -> str | None:
    """Why `decided` does not cover sharing with `recipient` at `shared_at` (None: now), or
    None: it must be a decision to share that names the recipient (case-insensitively,
    stripped), recorded before the sharing, and no later refusal about the same nominal
    recorded before the sharing may withdraw it (a refusal does not reach back to what was
    already shared). While the nominal is managed at MAPPA level 2 or 3 (`mappa_level`,
    ViSOR's level as held now: Mosaic keeps no history of it) it must be the MAPP meeting
    chair's decision: one made at level 1 by a superintendent or delegate was theirs to
    make then, not once the case is managed at a MAPP meeting. Call with the store's lock
    held."""
    seq = decided.seq
    if decided.outcome is SharingOutcome.DO_NOT_SHARE:
        return f"decision {seq} was not to share"
    if mappa_level in (2, 3) and decided.decision_maker.role is not DeciderRole.MAPP_CHAIR:
        then = decided.mappa_level or "not recorded"
        return (
            f"{decided.nominal_id} is managed at MAPPA level {mappa_level}, where the MAPP "
            f"meeting chair decides on sharing; decision {seq} was not the chair's "
            f"(decision maker: {decided.decision_maker.role.value}; MAPPA level then: "
            f"{then}): record the chair's decision first"
        )
    if shared_at is not None and shared_at < decided.recorded_at - CLOCK_SKEW:
        return (
            f"shared_at {shared_at.isoformat()} is before decision {seq} was recorded "
            f"({decided.recorded_at.isoformat()}): the decision comes before the sharing"
        )
    key = recipient.strip().casefold()
    if key not in _names(decided.answers.with_whom):
        return (
            f"recipient {recipient!r} is not one the decision named "
            f"({', '.join(decided.answers.with_whom)}): record a new decision first"
        )
    # A changed view is a new decision: a later refusal that names this recipient, or
    # names no one (no sharing at all), withdraws the earlier decision's cover.
    later = conn.execute(
        "SELECT body FROM sharing_decisions WHERE nominal_id = ? AND seq > ? "
        "AND outcome = ? ORDER BY seq",
        (decided.nominal_id, seq, SharingOutcome.DO_NOT_SHARE.value),
    ).fetchall()
    for (body,) in later:
        refusal = SharingDecision.model_validate_json(body)
        if shared_at is not None and refusal.recorded_at > shared_at:
            continue  # refused after this was shared: it stops later sharing only
        refused = _names(refusal.answers.with_whom)
        if not refused or key in refused:
            return (
                f"decision {refusal.seq} (after decision {seq}) was not to "
                f"share with {recipient.strip()!r}: record a new decision first"
            )
    return None
