"""The code does what docs/sharing.md, docs/offender-management.md, docs/mappa-figures.md
and docs/retention.md promise, at the edges a review found: which events set the risk
level and the probation offender manager, a period given backwards from the CLI, a
nominal's earliest review date, a due date near midnight at a negative UTC offset, and
disclosures with blank recipients or blank answers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.management import management_status
from graph.errors import ValidationFailed
from graph.nodes import NominalType, Person, Visor
from graph.retention.policy import RetentionPolicy
from graph.retention.reviews import ReviewLog, ReviewOutcome
from graph.retention.service import alone, due_reviews, review
from graph.sharing.decisions import FREE_TEXT, SAYS_SOMETHING, DisclosureIn, SharingDecisionIn
from graph.sharing.store import SharingStore
from graph.stores.sqlite import SqliteGraphStore
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import wire as w
from tests.factories import person, report

TODAY = date(2026, 11, 30)
SUPERVISOR = AccessPolicy(Principal("sup", Role.SUPERVISOR))
MANAGER = AccessPolicy(Principal("om", Role.OFFENDER_MANAGER))


def _load(store: SqliteGraphStore, tmp: Path, lines: list[Any]) -> None:
    with IngestState(tmp / "i.db") as state:
        data = stream_lines(w.dumps(lines).encode().splitlines(), "events.jsonl")
        ingest(store, state, [data], actor=Actor("t", "admin"), audit=None)


def _status(tmp_path: Path, events: list[Any]) -> Any:
    with SqliteGraphStore(tmp_path / "g.db") as store:
        _load(store, tmp_path, [w.nominal("NL", "Corin", "Example"), *events])
        nominal = store.get_node("NL")
        assert isinstance(nominal, Person)
        return management_status(store, nominal, MANAGER.filter, TODAY)


# --- offender-management.md: GET /persons/{id}/management ---------------------------------


def test_risk_level_comes_only_from_the_latest_risk_reassessment(tmp_path: Path) -> None:
    """'their current risk level (the latest `risk_reassessment`, else ViSOR's)': a later
    event of another type that happens to carry a risk_level must not replace it."""
    got = _status(
        tmp_path,
        [
            w.event("EV-RISK", "NL", "risk_reassessment", "2026-06-10", risk_level="very_high"),
            w.event("EV-BRE", "NL", "licence_breach", "2026-07-01", risk_level="low"),
        ],
    )
    assert got.risk_level == "very_high"


def test_probation_offender_manager_comes_from_a_licence_or_recall(tmp_path: Path) -> None:
    """'their probation offender manager (from the latest licence or recall that names
    one)': a risk re-assessment naming someone else is neither."""
    got = _status(
        tmp_path,
        [
            w.event(
                "EV-LIC",
                "NL",
                "licence_start",
                "2026-01-05",
                licence_end_on="2027-06-30",
                probation_offender_manager="PO A Example (synthetic)",
            ),
            w.event(
                "EV-RISK",
                "NL",
                "risk_reassessment",
                "2026-06-10",
                risk_level="high",
                probation_offender_manager="PO B Other (synthetic)",
            ),
        ],
    )
    assert got.probation_offender_manager == "PO A Example (synthetic)"


# --- mappa-figures.md: a period given backwards ---------------------------------------------


def test_cli_reads_a_backwards_period_as_the_same_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'A period given backwards (`from` after `to`) is read as the same period' applies to
    `mosaic kpis --from ... --to ...` too; the CLI refuses it (exit 2)."""
    from typer.testing import CliRunner

    from api.cli import app as cli

    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    with SqliteGraphStore(tmp_path / "g.db") as store:
        _load(
            store,
            tmp_path,
            [
                w.nominal("N1", "Corin", "Example"),
                w.event("E1", "N1", "licence_breach", "2026-02-01"),
            ],
        )
    runner = CliRunner()
    args = ["kpis", "--purpose", "investigation", "--csv"]
    forward = runner.invoke(cli, [*args, "--from", "2026-01-01", "--to", "2026-12-31"])
    assert forward.exit_code == 0, forward.output
    backwards = runner.invoke(cli, [*args, "--from", "2026-12-31", "--to", "2026-01-01"])
    assert backwards.exit_code == 0, backwards.output
    assert backwards.output == forward.output


# --- retention.md: review dates -------------------------------------------------------------


def test_a_nominal_is_due_on_visor_next_review_date_even_after_a_review_here(
    tmp_path: Path,
) -> None:
    """'A nominal is due on ViSOR's next review date when one is recorded, or a group 1
    period after its last review here': the ViSOR date comes first."""
    visor = Visor(
        ref="V-N1",
        nominal_type=NominalType.RSO,
        mappa_category=1,
        mappa_level=1,
        next_review=TODAY + timedelta(days=10),
    )
    policy = RetentionPolicy()
    with SqliteGraphStore(tmp_path / "g.db") as store:
        store.upsert([person("N1", visor=visor)], [])
        log = ReviewLog(tmp_path / "gov.db")
        review(
            store,
            log,
            policy,
            record_id="N1",
            outcome=ReviewOutcome.RETAIN,
            reviewer="sup",
            reviewer_role="supervisor",
            rationale="synthetic review",
            triggers_verified=True,
            viewer=SUPERVISOR,
            records_of=alone,
            at=datetime(2026, 1, 5, 10, tzinfo=UTC),
        )
        due = due_reviews(store, log, policy, TODAY, 30, SUPERVISOR.filter, records_of=alone)
    assert [(d.record_id, d.due) for d in due] == [("N1", TODAY + timedelta(days=10))]


def test_a_report_due_on_the_windows_last_day_is_listed_whatever_its_utc_offset(
    tmp_path: Path,
) -> None:
    """'records due within the window ... Only reports received early enough to fall due
    inside the window are read': the due date is worked out on the received time's own
    calendar day, but the pre-filter cuts on UTC, so a report received late in the evening
    at a negative offset is never read although it is due on the window's last day."""
    received = "2016-06-01T23:30:00-05:00"  # 2016-06-02T04:30Z
    rep = report("RTZ", received)
    policy = RetentionPolicy()
    due_on = date(2016, 6, 1) + timedelta(days=2190)  # group 3 ('other')
    with SqliteGraphStore(tmp_path / "g.db") as store:
        store.upsert([rep], [])
        log = ReviewLog(tmp_path / "gov.db")
        # sanity: a wider window finds it, due on that day
        wide = due_reviews(
            store, log, policy, due_on - timedelta(days=5), 30, SUPERVISOR.filter, records_of=alone
        )
        assert [(d.record_id, d.due) for d in wide] == [("RTZ", due_on)]
        exact = due_reviews(
            store, log, policy, due_on - timedelta(days=5), 5, SUPERVISOR.filter, records_of=alone
        )
    assert [(d.record_id, d.due) for d in exact] == [("RTZ", due_on)]


# --- sharing.md: disclosures ------------------------------------------------------------------


def _decision(with_whom: list[str]) -> SharingDecisionIn:
    return SharingDecisionIn.model_validate(
        {
            "nominal_id": "C2",
            "outcome": "share",
            "answers": {
                **{name: f"synthetic answer: {name}" for name in FREE_TEXT},
                "isa_in_place": False,
                "with_whom": with_whom,
                "offender_consulted": False,
            },
            "principles": dict.fromkeys(
                ("lawful", "necessary", "proportionate", "secure", "accountable"), True
            ),
            "decision_maker": {"name": "Insp B Example", "role": "other"},
            "rationale": "synthetic rationale",
        }
    )


def _disclosure(**over: Any) -> DisclosureIn:
    full: dict[str, Any] = {
        "shared_at": "2026-03-02T10:00:00Z",
        "content": "synthetic content",
        "recipient": "Head teacher, Example Primary",
        "purpose": "protect pupils",
        "recipient_already_knew": "nothing",
        "told_to_do": "inform the DSL",
        "told_not_to_do": "tell parents",
    }
    return DisclosureIn.model_validate({**full, **over})


def test_a_disclosure_goes_only_to_a_recipient_the_decision_named(tmp_path: Path) -> None:
    """'only to a recipient that decision named (case and surrounding spaces aside)': a
    blank entry in with_whom names no one, so a blank recipient is refused."""
    visor = Visor(ref="V-C2", nominal_type=NominalType.VIOLENT_OFFENDER, mappa_category=2)
    nominal = person("C2", visor=visor)
    store = SharingStore(tmp_path / "gov.db")
    made = store.decide(_decision(["Head teacher, Example Primary", "  "]), nominal, "om")
    with pytest.raises((ValidationFailed, ValidationError)):  # refused, however early
        store.disclose(made.seq, _disclosure(recipient=" "), nominal, "om")
    assert store.for_nominal("C2")[1] == []  # nothing was recorded


def test_a_disclosure_needs_its_content(tmp_path: Path) -> None:
    """'When, the content, the recipient, ...: all required.' Blank content is not content
    (a decision's free-text answers are refused when blank; a disclosure's are not)."""
    visor = Visor(ref="V-C2", nominal_type=NominalType.VIOLENT_OFFENDER, mappa_category=2)
    nominal = person("C2", visor=visor)
    store = SharingStore(tmp_path / "gov.db")
    made = store.decide(_decision(["Head teacher, Example Primary"]), nominal, "om")
    with pytest.raises((ValidationFailed, ValueError)):
        store.disclose(made.seq, _disclosure(content="   ", told_not_to_do="   "), nominal, "om")


def test_the_schema_states_that_a_disclosure_text_must_say_something() -> None:
    """Clients read the rule from the OpenAPI schema: a request the schema calls valid is
    not refused for being blank (schemathesis found whitespace-only recipients that the
    schema allowed and the model refused)."""
    props = DisclosureIn.model_json_schema()["properties"]
    texts = [name for name, spec in props.items() if spec.get("type") == "string"]
    texts.remove("shared_at")
    assert len(texts) == 6  # content, recipient, purpose and the three answers
    for name in texts:
        assert props[name]["pattern"] == SAYS_SOMETHING, name
    with pytest.raises(ValidationError, match="recipient must say something"):
        _disclosure(recipient="\r")


# ECMA-262's `\s` (JSON Schema patterns are ECMA): its white space and line terminators.
ECMA_SPACE = "\t\n\v\f\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def test_a_text_the_model_calls_blank_never_matches_the_schema_pattern() -> None:
    r"""Read as a client's validator reads it (ECMA-262), the pattern refuses every text
    that `str.strip` empties: schemathesis sent a purpose of U+001C, which ECMA's `\S`
    matches and Python strips."""
    ecma = re.compile(SAYS_SOMETHING.replace("\\s", ECMA_SPACE))
    blank = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(blank) > 20
    for char in blank:
        assert not ecma.search(char * 3), hex(ord(char))
        with pytest.raises(ValidationError, match="purpose must say something"):
            _disclosure(purpose=char)
    assert ecma.search(" x ") and re.search(SAYS_SOMETHING, " x ")
