"""The FIB's CHIS review decisions: append-only, never cleared silently.

Each decision names the reviewer, the date, the rationale and the outcome's own details
(the sensitivity measures for `managed_as_public_contact`, the referral reference for
`referred_for_chis_assessment`). A later contact re-opens the case, and so does the
policy's periodic re-review date; both are reported with the reason. A decision keeps
the contacts it was made on (`seen`): reports reach Mosaic in batches, so a contact
received before the decision but loaded after it is as new to the reviewer as a later one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from graph.errors import ValidationFailed
from graph.sqlite_files import open_sqlite, write_transaction
from graph.store import Contact

SCHEMA = """
CREATE TABLE IF NOT EXISTS chis_reviews (
    seq INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    rationale TEXT NOT NULL,
    measures TEXT,
    referral_ref TEXT,
    next_review TEXT NOT NULL,
    seen TEXT
);
CREATE INDEX IF NOT EXISTS chis_reviews_source ON chis_reviews(source_id, seq);
CREATE TRIGGER IF NOT EXISTS chis_reviews_no_update BEFORE UPDATE ON chis_reviews
BEGIN SELECT RAISE(ABORT, 'CHIS review decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS chis_reviews_no_delete BEFORE DELETE ON chis_reviews
BEGIN SELECT RAISE(ABORT, 'CHIS review decisions are append-only'); END;
"""
COLUMNS = (
    "source_id, outcome, reviewer, decided_at, rationale, measures, referral_ref, next_review, seen"
)


class Outcome(StrEnum):
    MANAGED_AS_PUBLIC_CONTACT = "managed_as_public_contact"
    REFERRED_FOR_CHIS_ASSESSMENT = "referred_for_chis_assessment"
    NO_FURTHER_ACTION = "no_further_action"


@dataclass(frozen=True)
class Decision:
    seq: int
    source_id: str
    outcome: Outcome
    reviewer: str
    decided_at: str  # ISO 8601, UTC
    rationale: str
    measures: str | None
    referral_ref: str | None
    next_review: str  # ISO date
    # The report ids of the contacts the decision was made on; None for a decision
    # recorded without them (before they were kept): then a contact received after it is new.
    seen: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CaseState:
    """Where a source's case stands: `open` (never decided), `reviewed` (decided, nothing
    new since) or `reopened` (with why)."""

    status: str
    reason: str
    last: Decision | None


class ReviewStore:
    """Decisions in the governance database (beside accounts and notifications)."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self._conn = open_sqlite(path, "the CHIS review log")
        self._conn.executescript(SCHEMA)
        known = {row[1] for row in self._conn.execute("PRAGMA table_info(chis_reviews)")}
        if "seen" not in known:  # a log written before decisions kept their contacts
            with write_transaction(self._conn, self._lock) as conn:
                conn.execute("ALTER TABLE chis_reviews ADD COLUMN seen TEXT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def decide(
        self,
        source_id: str,
        outcome: Outcome,
        reviewer: str,
        rationale: str,
        *,
        rereview_days: int,
        measures: str | None = None,
        referral_ref: str | None = None,
        at: datetime | None = None,
        seen: Iterable[str] | None = None,
    ) -> Decision:
        """Record a decision; the outcome's own detail is mandatory. `seen`: the report ids
        of the source's contacts the reviewer decided on (`case_state` re-opens the case
        on any other)."""
        if not rationale.strip():
            raise ValidationFailed("a CHIS review needs a rationale")
        if outcome is Outcome.MANAGED_AS_PUBLIC_CONTACT and not (measures or "").strip():
            raise ValidationFailed(
                "managed_as_public_contact needs the sensitivity and confidentiality measures"
            )
        if outcome is Outcome.REFERRED_FOR_CHIS_ASSESSMENT and not (referral_ref or "").strip():
            raise ValidationFailed("referred_for_chis_assessment needs the referral reference")
        when = (at or datetime.now(UTC)).astimezone(UTC)
        due = (when.date() + timedelta(days=rereview_days)).isoformat()
        made = Decision(
            0,
            source_id,
            outcome,
            reviewer,
            when.isoformat(),
            rationale,
            measures,
            referral_ref,
            due,
            tuple(sorted(set(seen))) if seen is not None else None,
        )
        row = (
            *(made.source_id, made.outcome.value, made.reviewer, made.decided_at),
            *(made.rationale, made.measures, made.referral_ref, made.next_review),
            json.dumps(list(made.seen)) if made.seen is not None else None,
        )
        with write_transaction(self._conn, self._lock) as conn:
            cur = conn.execute(
                f"INSERT INTO chis_reviews ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row
            )
            return replace(made, seq=int(cur.lastrowid or 0))

    def _select(self, where: str, params: tuple[str, ...] = ()) -> list[Decision]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT seq, {COLUMNS} FROM chis_reviews WHERE {where} ORDER BY seq",
                params,
            ).fetchall()
        return [_decision(r) for r in rows]

    def history(self, source_id: str) -> list[Decision]:
        return self._select("source_id = ?", (source_id,))

    def latest(self) -> dict[str, Decision]:
        """Each source's most recent decision."""
        found = self._select("seq IN (SELECT max(seq) FROM chis_reviews GROUP BY source_id)")
        return {d.source_id: d for d in found}


def _decision(r: tuple[Any, ...]) -> Decision:
    """A decision from its row (`seq` then `COLUMNS`)."""
    seen = tuple(json.loads(r[9])) if r[9] is not None else None
    return Decision(r[0], r[1], Outcome(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], seen)


def case_state(last: Decision | None, contacts: Sequence[Contact], today: date) -> CaseState:
    """Open, reviewed, or re-opened by a contact the decision was not made on (received
    after it, or loaded after it though received before) or by the re-review date."""
    if last is None:
        return CaseState("open", "never reviewed", None)
    decided = datetime.fromisoformat(last.decided_at)
    if last.seen is not None:
        known = frozenset(last.seen)
        new = [c for c in contacts if c.report_id not in known]
    else:
        new = [c for c in contacts if datetime.fromisoformat(c.received_at) > decided]
    if new:
        reason = (
            f"{len(new)} new contact(s) since the decision of {last.decided_at[:10]}, "
            f"first on {new[0].received_at[:10]}"
        )
        earlier = sum(datetime.fromisoformat(c.received_at) <= decided for c in new)
        if earlier:
            reason += f" ({earlier} received before it but loaded after it)"
        return CaseState("reopened", reason, last)
    if today >= date.fromisoformat(last.next_review):
        return CaseState("reopened", f"periodic re-review due on {last.next_review}", last)
    return CaseState("reviewed", f"{last.outcome.value} on {last.decided_at[:10]}", last)
