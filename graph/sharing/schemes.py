"""Disclosure schemes: the domestic violence disclosure scheme (right to ask, right to
know) and the child sex offender disclosure scheme, from first contact to a decision.

An application moves through the stages in order: `initial_contact`, `checks`,
`risk_assessment`, `multi_agency_decision`, then `disclosed` or `not_disclosed`; it may
be `withdrawn` before a decision. Each move is kept (append-only) with who, when and a
note; a decision needs its rationale. Due dates come from the configured time limits
(defaults 28 days for DVDS, 45 for CSOD) counted from the application. Under the child
sex offender scheme, a subject with convictions for child sexual offences carries a
presumption to disclose, flagged for the decision maker: deciding not to disclose then
needs the reason the presumption is rebutted. The presumption follows the subject's record
as it stands, not only as it stood at the application: convictions the checks bring to
light (and ViSOR then records) flag it from then on, and bind the decision.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field

from graph.errors import NotFound, ValidationFailed
from graph.nodes import Person
from graph.sqlite_files import AppendOnlyStore, append_only, write_transaction


class Scheme(StrEnum):
    DVDS_RIGHT_TO_ASK = "dvds_right_to_ask"
    DVDS_RIGHT_TO_KNOW = "dvds_right_to_know"
    CSOD = "csod"


class Stage(StrEnum):
    INITIAL_CONTACT = "initial_contact"
    CHECKS = "checks"
    RISK_ASSESSMENT = "risk_assessment"
    MULTI_AGENCY_DECISION = "multi_agency_decision"
    DISCLOSED = "disclosed"
    NOT_DISCLOSED = "not_disclosed"
    WITHDRAWN = "withdrawn"


ORDER = [Stage.INITIAL_CONTACT, Stage.CHECKS, Stage.RISK_ASSESSMENT, Stage.MULTI_AGENCY_DECISION]
DECISIONS = frozenset({Stage.DISCLOSED, Stage.NOT_DISCLOSED})
CLOSED = DECISIONS | {Stage.WITHDRAWN}


def next_stages(stage: Stage) -> frozenset[Stage]:
    """Where an application at `stage` may go next."""
    if stage in CLOSED:
        return frozenset()
    if stage is Stage.MULTI_AGENCY_DECISION:
        return DECISIONS | {Stage.WITHDRAWN}
    return frozenset({ORDER[ORDER.index(stage) + 1], Stage.WITHDRAWN})


def presumes_disclosure(scheme: Scheme, subject: Person) -> bool:
    """The child sex offender scheme's presumption to disclose: the subject's ViSOR record
    shows convictions for child sexual offences."""
    convicted = bool(subject.visor and subject.visor.child_sexual_offence_convictions)
    return scheme is Scheme.CSOD and convicted


class ApplicationIn(BaseModel):
    scheme: Scheme
    applicant: str = Field(min_length=1, max_length=200)
    applicant_relationship: str = Field(
        min_length=1,
        max_length=200,
        description="To the person at risk (or 'police' for right to know).",
    )
    subject_id: str = Field(min_length=1, max_length=200)
    at_risk: list[str] = Field(min_length=1, max_length=20, description="The person(s) at risk.")
    received_on: date
    note: str = Field(default="", max_length=4000)


class Move(BaseModel):
    stage: Stage
    at: datetime
    by: str
    note: str
    rationale: str | None = None
    presumption_rebutted_reason: str | None = None


class Application(ApplicationIn):
    seq: int
    due_on: date
    presumption_to_disclose: bool = Field(
        description="CSOD and the subject has convictions for child sexual offences."
    )
    moves: list[Move]

    @property
    def current_stage(self) -> Stage:
        return self.moves[-1].stage

    def is_overdue(self, today: date) -> bool:
        return self.current_stage not in CLOSED and today > self.due_on

    def as_of(self, subject: Person) -> Application:
        """The application with the presumption as the subject's record stands now (once
        flagged, it stays flagged: the decision maker was told of it)."""
        if self.presumption_to_disclose or not presumes_disclosure(self.scheme, subject):
            return self
        return self.model_copy(update={"presumption_to_disclose": True})


SCHEMA = """
CREATE TABLE IF NOT EXISTS scheme_applications (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scheme_moves (
    id INTEGER PRIMARY KEY,
    application INTEGER NOT NULL REFERENCES scheme_applications(seq),
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scheme_moves_application ON scheme_moves(application, id);
"""
SCHEMA += append_only("scheme_applications", "disclosure scheme records")
SCHEMA += append_only("scheme_moves", "disclosure scheme records")


def _plus_days(day: date, days: int) -> date:
    """`day` + `days`, or the last representable date if that is beyond it."""
    return day + timedelta(days=days) if day <= date.max - timedelta(days=days) else date.max


class SchemeStore(AppendOnlyStore):
    def __init__(self, path: Path, dvds_days: int = 28, csod_days: int = 45) -> None:
        super().__init__(path, "the disclosure scheme records", SCHEMA)
        self.limits = {
            Scheme.DVDS_RIGHT_TO_ASK: dvds_days,
            Scheme.DVDS_RIGHT_TO_KNOW: dvds_days,
            Scheme.CSOD: csod_days,
        }

    def apply(
        self, application: ApplicationIn, subject: Person, by: str, at: datetime | None = None
    ) -> Application:
        """Open an application at `initial_contact`, with its due date and presumption."""
        if subject.id != application.subject_id:
            raise ValueError("the subject given is not the application's")
        when = (at or datetime.now(UTC)).astimezone(UTC)
        first = Move(stage=Stage.INITIAL_CONTACT, at=when, by=by, note=application.note)
        with write_transaction(self._conn, self._lock) as conn:
            seq = self._next_seq(conn, "scheme_applications")
            made = Application(
                **application.model_dump(),
                seq=seq,
                due_on=_plus_days(application.received_on, self.limits[application.scheme]),
                presumption_to_disclose=presumes_disclosure(application.scheme, subject),
                moves=[first],
            )
            header = made.model_copy(update={"moves": []})
            conn.execute(
                "INSERT INTO scheme_applications (seq, body) VALUES (?, ?)",
                (seq, header.model_dump_json()),
            )
            conn.execute(
                "INSERT INTO scheme_moves (application, body) VALUES (?, ?)",
                (seq, first.model_dump_json()),
            )
        return made

    def move(
        self,
        seq: int,
        stage: Stage,
        by: str,
        note: str = "",
        rationale: str | None = None,
        presumption_rebutted_reason: str | None = None,
        at: datetime | None = None,
        subject: Person | None = None,
    ) -> Application:
        """Move an application on; ValidationFailed names what is wrong. `subject`, the
        subject's record as it stands now, brings a presumption to disclose it has come
        to carry since the application was opened to bear on the decision.

        The stage is read and the move written in one write transaction (BEGIN IMMEDIATE),
        so a move another process makes at the same moment waits and is then checked
        against this one: two decisions on one application cannot both pass the check."""
        with write_transaction(self._conn, self._lock) as conn:
            current = self.get(seq)
            if subject is not None:
                if subject.id != current.subject_id:
                    raise ValueError("the subject given is not the application's")
                current = current.as_of(subject)
            allowed = next_stages(current.current_stage)
            if stage not in allowed:
                where = ", ".join(sorted(allowed)) or "nowhere: it is closed"
                raise ValidationFailed(
                    f"application {seq} is at {current.current_stage.value}; it can move to {where}"
                )
            if stage in DECISIONS and not (rationale or "").strip():
                raise ValidationFailed(f"{stage.value} needs the decision's rationale")
            if (
                stage is Stage.NOT_DISCLOSED
                and current.presumption_to_disclose
                and not (presumption_rebutted_reason or "").strip()
            ):
                raise ValidationFailed(
                    "the subject has convictions for child sexual offences: there is a "
                    "presumption to disclose, so not_disclosed needs presumption_rebutted_reason"
                )
            made = Move(
                stage=stage,
                at=(at or datetime.now(UTC)).astimezone(UTC),
                by=by,
                note=note,
                rationale=rationale,
                presumption_rebutted_reason=presumption_rebutted_reason,
            )
            conn.execute(
                "INSERT INTO scheme_moves (application, body) VALUES (?, ?)",
                (seq, made.model_dump_json()),
            )
        return current.model_copy(update={"moves": [*current.moves, made]})

    def get(self, seq: int) -> Application:
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM scheme_applications WHERE seq = ?", (seq,)
            ).fetchone()
            moves = self._conn.execute(
                "SELECT body FROM scheme_moves WHERE application = ? ORDER BY id", (seq,)
            ).fetchall()
        if row is None:
            raise NotFound(f"disclosure scheme application {seq} not found")
        header = Application.model_validate_json(row[0])
        return header.model_copy(update={"moves": [Move.model_validate_json(m[0]) for m in moves]})

    def listing(self, today: date, overdue_only: bool = False) -> list[Application]:
        """Applications, open ones first by due date; `overdue_only` keeps those past due."""
        with self._lock:
            seqs = [r[0] for r in self._conn.execute("SELECT seq FROM scheme_applications")]
        found = [self.get(s) for s in seqs]
        if overdue_only:
            found = [a for a in found if a.is_overdue(today)]
        return sorted(found, key=lambda a: (a.current_stage in CLOSED, a.due_on, a.seq))
