"""CHIS review at its edges: calendar-day windows, one person under several records, a
contact the FIB's decision never saw, who may be reviewed at all, and the CLI's output.

Each test runs real parts: the embedded store, ingest with entity resolution, the app
over HTTP and the `mosaic` CLI, on throwaway files.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from graph.access import AccessPolicy, Principal, Role
from graph.analysis.associates import HUB_LOCATION_TYPES
from graph.chis import indicators as ind
from graph.chis.ceiling import possible
from graph.chis.indicators import SourceContext
from graph.chis.policy import PERSONAL_RELATIONSHIPS, ChisPolicy
from graph.chis.queue import build_queue, contexts
from graph.chis.reviews import SCHEMA, Outcome, ReviewStore, case_state
from graph.markings import Compartment
from graph.nodes import SourceType
from graph.store import Contact
from graph.stores.sqlite import SqliteGraphStore
from ingest.entities import Resolution
from ingest.state import IngestState
from tests import wire as w
from tests.factories import contact_row
from tests.support.api_env import api_session, cli_env, load, remark, tmp_settings

FIB_VIEW = AccessPolicy(Principal("fib", Role.FIB_REVIEWER)).filter

POLICY = ChisPolicy()
NONE = SourceContext()
PURPOSE = "intelligence_review"


def at(i: int, moment: str, *subjects: str) -> Contact:
    """Contact row `R{i}` from source S1 at `moment` (UTC)."""
    return contact_row(i, f"{moment}+00:00", *subjects)


def about(rid: str, when: str, sid: str, *subjects: str, **kw: Any) -> w.Record:
    return w.report(
        rid, received_at=when, source_id=sid, subjects=[w.ref(s) for s in subjects], **kw
    )


# -- windows and spans are counted in calendar days (UTC), not in whole 24-hour periods -----


def test_the_window_and_span_edges_do_not_depend_on_the_time_of_day() -> None:
    """2026-01-01 to 2026-04-01 is 90 days whether the calls came in the morning or the
    evening; 2026-01-01 to 2027-01-01 is 365 days, outside a 365-day window, likewise."""
    evening_then_morning = [at(0, "2026-01-01T10:00:00"), at(1, "2026-04-01T09:00:00")]
    fired = ind.sustained_contact(evening_then_morning, NONE, POLICY)
    assert fired is not None and "over 90 days" in fired.reason
    year = [at(0, "2026-01-01T09:00:00"), at(1, "2026-06-01T12:00:00"), at(2, "2027-01-01T08:00")]
    assert ind.repeated_contact(year, NONE, POLICY) is None
    inside = [*year[:2], replace(year[2], received_at="2026-12-31T23:59:00+00:00")]
    assert ind.repeated_contact(inside, NONE, POLICY) is not None


def test_the_ceiling_lets_through_a_span_that_is_long_enough_by_the_calendar(
    tmp_path: Path,
) -> None:
    """The store's profile must not rule out `sustained_contact` on the same edge: two
    reports about one person, 90 calendar days apart, reach a threshold of 9 (8 + 1)."""
    policy = ChisPolicy(threshold=9)
    settings = tmp_settings(tmp_path)
    with api_session(tmp_path, (Role.ANALYST, Role.FIB_REVIEWER), PURPOSE) as (client, h, _):
        load(
            client,
            h[Role.ANALYST],
            [
                w.person("SX"),
                w.person("SP"),
                w.source("SS", "SP"),
                about("SR1", "2026-01-01T10:00:00Z", "SS", "SX"),
                about("SR2", "2026-04-01T09:00:00Z", "SS", "SX"),
            ],
        )
    with SqliteGraphStore(settings.db_path) as store:
        [profile] = store.source_profiles(2, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS)
        assert "sustained_contact" in possible(profile, policy)
        [c] = build_queue(store, policy, {}, date(2026, 11, 30))
    assert c.source_id == "SS" and c.indicators == ["sustained_contact", "same_subject"]


# -- one person under several records (entity resolution) -----------------------------------


def carver() -> list[w.Record]:
    """One man held twice: his ViSOR record and a PNC record, the same PNC id and date of
    birth (entity resolution links them), both at his home L1."""
    same = {"dob": "1975-03-04", "pnc_id": "75/000001X", "at": "L1"}
    return [
        w.location("L1"),
        w.nominal("PA", "William", "Carver", **same),
        w.person("PB", "Bill", "Carver", source_system="pnc", **same),
    ]


def test_two_reports_about_one_person_under_two_records_are_about_the_same_subject(
    tmp_path: Path,
) -> None:
    """A neighbour calls twice about the same man, once recorded against his PNC record and
    once against his ViSOR record: that is two reports about one person (`same_subject`, and
    both about a nominal), not two members of one household."""
    settings = tmp_settings(tmp_path)
    with api_session(tmp_path, (Role.ANALYST, Role.FIB_REVIEWER), PURPOSE) as (client, h, _):
        load(
            client,
            h[Role.ANALYST],
            [
                *carver(),
                w.person("NP", "Nell", "Pryor"),
                w.source("NS", "NP"),
                about("NR1", "2026-03-01T10:00:00Z", "NS", "PB"),
                about("NR2", "2026-03-20T10:00:00Z", "NS", "PA"),
            ],
        )
        entity = client.get("/persons/PB/entity", headers=h[Role.ANALYST]).json()
        assert [m["id"] for m in entity["members"]] == ["PA", "PB"]
        fib = h[Role.FIB_REVIEWER]
        items = client.get("/chis/candidates", headers=fib).json()["items"]
        assert [c["source_id"] for c in items] == ["NS"]
        fired = {i["indicator"]: i for i in items[0]["indicators"]}
        assert set(fired) == {"same_subject", "about_nominals"}
        assert fired["same_subject"]["evidence"] == ["NR1", "NR2"]
        assert fired["same_subject"]["reason"] == "2 reports about PA/PB"
        assert fired["about_nominals"]["evidence"] == ["NR1", "NR2"]
        assert items[0]["score"] == 10
        # asked about the ViSOR record, the queue finds the source who named either record
        only = client.get("/chis/candidates?nominal=PB", headers=fib).json()["items"]
        assert [c["source_id"] for c in only] == ["NS"]
        # and the FIB was told after the load, as the queue would list it
        notes = client.get("/notifications", headers=fib).json()["items"]
        assert [n["nominal_id"] for n in notes] == ["NS"]
    # A record the reviewer may not see tells them nothing: with the ViSOR record hidden,
    # the PNC record is just a person (not a nominal) and one report is about him.
    remark(settings.db_path, {"PA"}, Compartment.MEDICAL)
    with SqliteGraphStore(settings.db_path) as store, IngestState(settings.ingest_path) as st:
        records_of = Resolution(st).records_of
        rows = store.source_contacts(["NS"], view=FIB_VIEW)
        [ctx] = contexts(store, {"NS": rows}, FIB_VIEW, records_of).values()
        assert build_queue(store, POLICY, {}, date(2026, 11, 30), None, records_of, FIB_VIEW) == []
    assert [r.subjects for r in rows] == [("PB",), ()]
    assert (ctx.nominals, ctx.people, ctx.source_is_nominal) == (frozenset(), {}, False)


def test_one_report_naming_both_records_of_a_person_is_counted_once(tmp_path: Path) -> None:
    """A report whose subjects are both records of one man is one report about him, and he
    is one member of his household, not two: with a second report about him that is two
    reports about one person (not three), and no household of two."""
    settings = tmp_settings(tmp_path)
    with api_session(tmp_path, (Role.ANALYST,), PURPOSE) as (client, h, _):
        load(
            client,
            h[Role.ANALYST],
            [
                *carver(),
                w.person("OP", "Otto", "Pryor"),
                w.source("OS", "OP"),
                about("OR1", "2026-03-01T10:00:00Z", "OS", "PA", "PB"),
                about("OR2", "2026-03-20T10:00:00Z", "OS", "PB"),
            ],
        )
    with SqliteGraphStore(settings.db_path) as store, IngestState(settings.ingest_path) as st:
        records_of = Resolution(st).records_of
        [c] = build_queue(store, POLICY, {}, date(2026, 11, 30), ["OS"], records_of)
    fired = {f.indicator: f for f in c.fired}
    assert "same_household" not in fired
    assert fired["same_subject"].reason.startswith("2 reports about ")
    assert fired["same_subject"].evidence == ("OR1", "OR2")


# -- a decision closes the case until a contact it did not see -------------------------------


def test_a_contact_loaded_after_the_decision_reopens_the_case_though_received_before_it(
    tmp_path: Path,
) -> None:
    """Reports reach Mosaic in batches: one received before the FIB's decision but loaded
    after it was never part of what the reviewer decided on, so it re-opens the case."""
    first = [
        w.nominal("LN", "Lee", "Nash"),
        w.person("LP", "Lou", "Parr"),
        w.source("LS", "LP"),
        about("LR1", "2026-03-01T10:00:00Z", "LS", "LN"),
        about("LR2", "2026-03-20T10:00:00Z", "LS", "LN"),
    ]
    with api_session(tmp_path, (Role.ANALYST, Role.FIB_REVIEWER), PURPOSE) as (client, h, _):
        load(client, h[Role.ANALYST], first)
        fib = h[Role.FIB_REVIEWER]
        decided = client.post(
            "/chis/candidates/LS/review",
            json={"outcome": "no_further_action", "rationale": "a worried neighbour"},
            headers=fib,
        )
        assert decided.status_code == 201, decided.text
        assert client.get("/chis/candidates", headers=fib).json()["items"] == []
        # a paper report taken in April, keyed in and loaded only now, after the decision
        load(client, h[Role.ANALYST], [about("LR0", "2026-04-02T10:00:00Z", "LS", "LN")])
        [case] = client.get("/chis/candidates", headers=fib).json()["items"]
        assert case["source_id"] == "LS" and case["case"]["status"] == "reopened"
        assert "2026-04-02" in case["case"]["reason"]
        # a new decision takes every contact it was made on into account
        again = client.post(
            "/chis/candidates/LS/review",
            json={"outcome": "no_further_action", "rationale": "checked the April report"},
            headers=fib,
        )
        assert again.status_code == 201
        assert client.get("/chis/candidates", headers=fib).json()["items"] == []
        reviewed = client.get("/chis/candidates?status=reviewed", headers=fib).json()["items"]
        assert [c["case"]["status"] for c in reviewed] == ["reviewed"]


def test_a_decision_logged_before_decisions_kept_their_contacts_still_counts(
    tmp_path: Path,
) -> None:
    """A review log from before: opened, it gains the column, keeps its rows (append-only
    still), and such a decision re-opens on a contact received after it, as it did."""
    old = tmp_path / "gov.db"
    with sqlite3.connect(old) as conn:
        conn.executescript(
            SCHEMA.replace("next_review TEXT NOT NULL,\n    seen TEXT", "next_review TEXT NOT NULL")
        )
        conn.execute(
            "INSERT INTO chis_reviews (source_id, outcome, reviewer, decided_at, rationale, "
            "measures, referral_ref, next_review) VALUES ('S1', 'no_further_action', 'fib1', "
            "'2026-06-01T00:00:00+00:00', 'one-off', NULL, NULL, '2026-11-28')"
        )
        assert "seen" not in {r[1] for r in conn.execute("PRAGMA table_info(chis_reviews)")}
    reviews = ReviewStore(old)
    [kept] = reviews.history("S1")
    assert kept.seen is None and kept.outcome is Outcome.NO_FURTHER_ACTION
    before, after = at(0, "2026-05-30T10:00:00"), at(1, "2026-06-02T10:00:00")
    assert case_state(kept, [before], date(2026, 7, 1)).status == "reviewed"
    assert case_state(kept, [before, after], date(2026, 7, 1)).status == "reopened"
    made = reviews.decide(
        "S1", Outcome.NO_FURTHER_ACTION, "fib1", "checked", rereview_days=90, seen=["R0", "R1"]
    )
    assert reviews.latest()["S1"].seen == ("R0", "R1") == made.seen
    assert case_state(made, [before, after], date(2026, 7, 1)).status == "reviewed"
    reviews.close()
    with sqlite3.connect(old) as conn, pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE chis_reviews SET seen = NULL")


# -- who can be reviewed at all ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "why"),
    [
        (w.source("OC", "OCP", source_type=SourceType.POLICE_OFFICER.value), "police officer"),
        (w.source("OA", "OAP", source_type="chis", chis_status="authorised"), "authorised CHIS"),
        (w.source("OH", None, source_type="health"), "organisation"),
    ],
)
def test_a_source_who_is_never_a_candidate_cannot_be_reviewed_even_without_contacts(
    tmp_path: Path, source: w.Record, why: str
) -> None:
    """Officers, authorised CHIS and organisations are refused (422) whether or not any
    report of theirs is in view: the decision log must not hold a CHIS review of them."""
    people = [w.person(p) for p in ("OCP", "OAP")]
    with api_session(tmp_path, (Role.ANALYST, Role.FIB_REVIEWER), PURPOSE) as (client, h, _):
        load(client, h[Role.ANALYST], [*people, source])
        made = client.post(
            f"/chis/candidates/{source['id']}/review",
            json={"outcome": "no_further_action", "rationale": "checked"},
            headers=h[Role.FIB_REVIEWER],
        )
        assert made.status_code == 422, made.text
        assert why in made.json()["message"]


# -- the CLI shows what a source said, never runs it as console markup ------------------------


def test_chis_show_prints_a_police_request_with_brackets_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A police request is free text: `[/b]` in it must be printed, not read as a rich
    closing tag (which made `mosaic chis show` fail after the audit entry was written)."""
    settings = tmp_settings(tmp_path)
    with api_session(tmp_path, (Role.ANALYST,), PURPOSE) as (client, h, _):
        load(
            client,
            h[Role.ANALYST],
            [
                w.nominal("KN", "Kit", "Nolan"),
                w.person("KP", "Kay", "Parr"),
                w.source("KS", "KP"),
                about("KR1", "2026-03-01T10:00:00Z", "KS", "KN"),
                about("KR2", "2026-03-20T10:00:00Z", "KS", "KN", police_request="note [/b] [red]"),
            ],
        )
    cli_env(monkeypatch, settings)
    monkeypatch.setenv("COLUMNS", "400")
    out = CliRunner().invoke(cli, ["chis", "show", "KS", "--purpose", PURPOSE])
    assert out.exit_code == 0, out.output
    assert "'note [/b] [red]'" in out.output
