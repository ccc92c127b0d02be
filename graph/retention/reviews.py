"""Review records: outcome (retain or dispose), reviewer, rationale, and for a nominal the
supervisor's check of the notification-trigger settings. Append-only, like every other
decision Mosaic keeps; a later review follows, it never rewrites."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from graph.sqlite_files import AppendOnlyStore, append_only, write_transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS record_reviews (
    seq INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS record_reviews_record ON record_reviews(record_id, seq);
""" + append_only("record_reviews", "review records")


class ReviewOutcome(StrEnum):
    RETAIN = "retain"
    DISPOSE = "dispose"


class RecordKind(StrEnum):
    """What a review is of, since the rules differ: a report may be retained or disposed
    of; a nominal is retained by a supervisor who verifies the notification triggers; any
    other person record is retained (the reports about them are disposed of instead)."""

    REPORT = "report"
    NOMINAL = "nominal"  # a person with a ViSOR record
    PERSON = "person"  # any other person record


class RecordReview(BaseModel):
    seq: int
    record_id: str
    kind: str  # Report or Person
    group: str
    outcome: ReviewOutcome
    reviewer: str
    reviewer_role: str
    rationale: str
    triggers_verified: bool  # notification-trigger settings checked (nominals: required)
    reviewed_at: datetime
    next_review: date | None  # None once disposed


class ReviewLog(AppendOnlyStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path, "the record review log", SCHEMA)

    def add(self, review: RecordReview) -> RecordReview:
        with write_transaction(self._conn, self._lock) as conn:
            seq = self._next_seq(conn, "record_reviews")
            made = review.model_copy(
                update={"seq": seq, "reviewed_at": review.reviewed_at.astimezone(UTC)}
            )
            conn.execute(
                "INSERT INTO record_reviews (seq, record_id, body) VALUES (?, ?, ?)",
                (seq, made.record_id, made.model_dump_json()),
            )
        return made

    def latest(self) -> dict[str, RecordReview]:
        """Each record's most recent review."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT body FROM record_reviews WHERE seq IN "
                "(SELECT max(seq) FROM record_reviews GROUP BY record_id)"
            ).fetchall()
        found = [RecordReview.model_validate_json(r[0]) for r in rows]
        return {r.record_id: r for r in found}

    def history(self, record_id: str) -> list[RecordReview]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT body FROM record_reviews WHERE record_id = ? ORDER BY seq", (record_id,)
            ).fetchall()
        return [RecordReview.model_validate_json(r[0]) for r in rows]
