"""The FIB's CHIS review decisions: append-only, never cleared silently.

Each decision names the reviewer, the date, the rationale and the outcome's own details
(the sensitivity measures for `managed_as_public_contact`, the referral reference for
`referred_for_chis_assessment`). A later contact re-opens the case, and so does the
policy's periodic re-review date; both are reported with the reason.
"""

from __future__ import annotations

import threading
from dataclasses import astuple, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from graph.errors import ValidationFailed
from graph.sqlite_files import open_sqlite, write_transaction

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
    next_review TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chis_reviews_source ON chis_reviews(source_id, seq);
CREATE TRIGGER IF NOT EXISTS chis_reviews_no_update BEFORE UPDATE ON chis_reviews
BEGIN SELECT RAISE(ABORT, 'CHIS review decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS chis_reviews_no_delete BEFORE DELETE ON chis_reviews
BEGIN SELECT RAISE(ABORT, 'CHIS review decisions are append-only'); END;
"""


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
    ) -> Decision:
        """Record a decision; the outcome's own detail is mandatory."""
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
        )
        with write_transaction(self._conn, self._lock) as conn:
            cur = conn.execute(
                "INSERT INTO chis_reviews (source_id, outcome, reviewer, decided_at, rationale, "
                "measures, referral_ref, next_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                astuple(made)[1:],
            )
            return replace(made, seq=int(cur.lastrowid or 0))

    def _select(self, where: str, params: tuple[str, ...] = ()) -> list[Decision]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, source_id, outcome, reviewer, decided_at, rationale, measures, "
                f"referral_ref, next_review FROM chis_reviews WHERE {where} ORDER BY seq",
                params,
            ).fetchall()
        return [Decision(r[0], r[1], Outcome(r[2]), *r[3:]) for r in rows]

    def history(self, source_id: str) -> list[Decision]:
        return self._select("source_id = ?", (source_id,))

    def latest(self) -> dict[str, Decision]:
        """Each source's most recent decision."""
        found = self._select("seq IN (SELECT max(seq) FROM chis_reviews GROUP BY source_id)")
        return {d.source_id: d for d in found}


def case_state(last: Decision | None, contact_times: list[str], today: date) -> CaseState:
    """Open, reviewed, or re-opened by a later contact or the re-review date."""
    if last is None:
        return CaseState("open", "never reviewed", None)
    decided = datetime.fromisoformat(last.decided_at)
    later = [t for t in contact_times if datetime.fromisoformat(t) > decided]
    if later:
        reason = (
            f"{len(later)} new contact(s) since the decision of {last.decided_at[:10]}, "
            f"first on {later[0][:10]}"
        )
        return CaseState("reopened", reason, last)
    if today >= date.fromisoformat(last.next_review):
        return CaseState("reopened", f"periodic re-review due on {last.next_review}", last)
    return CaseState("reviewed", f"{last.outcome.value} on {last.decided_at[:10]}", last)
