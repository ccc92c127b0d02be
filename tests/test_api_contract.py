"""The HTTP API keeps the contract its OpenAPI schema states: lists are paged with a stated
maximum and skip or repeat nothing, times are UTC and in time order, a body the schema
accepts is not refused, and every status a route answers is documented.

Each test runs the real app on throwaway files (`tests/support/api_env.py`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from graph.access import Role
from graph.chis.reviews import Outcome
from graph.config import Settings
from graph.edges import AssociationType, Edge
from graph.nodes import Initiator, Node
from tests import wire as w
from tests.factories import disclosure, sharing_decision
from tests.support.api_env import NDJSON, api_session, audit_entries, load
from tests.support.scenario_api import scenario_api
from tests.test_chis import history, nominal

Headers = dict[str, str]


def walk(client: TestClient, url: str, headers: Headers, limit: int) -> list[dict[str, Any]]:
    """Every item of a paged list, following `next_after` from the first page to the last."""
    items: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"after": after} if after else {})
        got = client.get(url, params=params, headers=headers)
        assert got.status_code == 200, got.text
        body = got.json()
        assert len(body["items"]) <= limit and body["limit"] == limit, (url, body)
        items += body["items"]
        after = body["next_after"]
        if after is None:
            return items


def operation(client: TestClient, method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = client.get("/openapi.json").json()["paths"][path][method]
    return op


def body_schema(client: TestClient, method: str, path: str) -> Draft202012Validator:
    """A validator for the operation's JSON request body, `$ref`s resolved in the schema."""
    doc = client.get("/openapi.json").json()
    body = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**body, "components": doc["components"]})


# -- paging ---------------------------------------------------------------------------------


def test_a_review_between_pages_of_the_chis_queue_makes_the_next_page_skip_no_one(
    tmp_path: Path,
) -> None:
    """The queue was cut by offset: reviewing the first page's candidate took it out of
    the pending list, so `after=1` then started one further down and skipped the next."""
    three = ["2026-01-10", "2026-03-10", "2026-05-10"]
    nodes: list[Node] = [nominal("N1")]
    edges: list[Edge] = []
    for n, e in (
        history("PUB", three, relationship=AssociationType.NEIGHBOUR),
        history("ASKED", three, initiated_by=Initiator.POLICE, police_request="who visits?"),
    ):
        nodes += n
        edges += e
    with scenario_api(tmp_path, (Role.FIB_REVIEWER,), "intelligence_review", (nodes, edges)) as (
        client,
        auth,
        _,
    ):
        fib = auth(Role.FIB_REVIEWER)
        first = client.get("/chis/candidates", params={"limit": 1}, headers=fib).json()
        assert [c["source_id"] for c in first["items"]] == ["ASKED"]
        decided = client.post(
            "/chis/candidates/ASKED/review",
            json={"outcome": "no_further_action", "rationale": "a police request, answered"},
            headers=fib,
        )
        assert decided.status_code == 201, decided.text
        rest = client.get(
            "/chis/candidates", params={"limit": 1, "after": first["next_after"]}, headers=fib
        ).json()
        assert [c["source_id"] for c in rest["items"]] == ["PUB"]
        assert [c["source_id"] for c in walk(client, "/chis/candidates", fib, 1)] == ["PUB", "S1"]


TASKINGS = [w.tasking(f"TK{i}", opened_on="2026-02-01") for i in (3, 1, 2, 5, 4)]
REQUESTS = [
    w.event(
        f"EV-REQ{i}",
        "NM",
        "partner_request",
        "2026-03-01",
        agency="housing",
        requester="Housing Officer (synthetic)",
        purpose="tenancy allocation",
        due_on="2026-03-15",  # every one due the same day: ties all the way down to the id
    )
    for i in (3, 1, 2, 5, 4)
]
SAME_ACTION = {"action": "home visit", "owner": "DC Example", "due_on": "2026-02-15"}
MEETING = w.event(
    "EV-MAPP",
    "NM",
    "mapp_meeting",
    "2026-02-01",
    meeting_level=2,
    chair="DI Chair (synthetic)",
    attendees=["police", "probation"],
    decisions=["visit weekly"],
    # the same action set twice (two visits), and others due the same day
    actions=[SAME_ACTION, SAME_ACTION, {**SAME_ACTION, "action": "a check"}, SAME_ACTION],
)
LISTS = ["/taskings", "/partner-requests", "/mapp/actions"]


@pytest.fixture
def force_wide(tmp_path: Path) -> Iterator[tuple[TestClient, Headers]]:
    """Five taskings, five partner requests and a meeting's four actions, all tied."""
    with api_session(tmp_path, [Role.SUPERVISOR], "offender_management") as (client, headers, _):
        supervisor = headers[Role.SUPERVISOR]
        load(client, supervisor, [w.nominal("NM", "Tavis", "Example"), *TASKINGS, *REQUESTS])
        load(client, supervisor, [MEETING])
        yield client, supervisor


@pytest.mark.parametrize("url", LISTS)
def test_force_wide_lists_are_paged_with_a_stated_maximum(
    force_wide: tuple[TestClient, Headers], url: str
) -> None:
    """These lists grew with the force's records and came back whole in one answer; now
    each states its maximum page in the schema and refuses more."""
    client, supervisor = force_wide
    params = {p["name"]: p for p in operation(client, "get", url)["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 500
    assert "after" in params
    assert client.get(url, params={"limit": 501}, headers=supervisor).status_code == 422


@pytest.mark.parametrize("url", LISTS)
def test_paging_a_list_of_ties_gives_every_item_once_in_order(
    force_wide: tuple[TestClient, Headers], url: str
) -> None:
    client, supervisor = force_wide
    whole = client.get(url, params={"limit": 500}, headers=supervisor).json()
    assert whole["next_after"] is None and len(whole["items"]) in (4, 5)
    for size in (1, 2, 3):
        assert walk(client, url, supervisor, size) == whole["items"], size


def test_a_meeting_that_sets_the_same_action_twice_lists_it_twice(
    force_wide: tuple[TestClient, Headers],
) -> None:
    client, supervisor = force_wide
    items = client.get("/mapp/actions", headers=supervisor).json()["items"]
    # in the order the minutes set them, each time it was set
    assert [a["action"] for a in items] == ["home visit", "home visit", "a check", "home visit"]


# -- times ----------------------------------------------------------------------------------


def test_times_are_utc_and_in_time_order(tmp_path: Path) -> None:
    """A report received at 10:00+05:00 (05:00 UTC) answered a tasking before one received
    at 07:00 UTC, yet was listed after it (ordered by text) with its offset; a disclosure's
    `shared_at` went into the timeline with the caller's offset though `when` is UTC."""
    with api_session(tmp_path, [Role.SUPERVISOR], "offender_management") as (client, headers, _):
        supervisor = headers[Role.SUPERVISOR]
        answers: dict[str, Any] = {"subjects": [w.ref("N1")], "answers_taskings": ["TK1"]}
        load(
            client,
            supervisor,
            [
                w.nominal("N1", "Corin", "Example"),
                w.tasking("TK1", requirement="specific", subject_id="N1"),
                w.report("RA", received_at="2026-03-01T10:00:00+05:00", **answers),
                w.report("RB", received_at="2026-03-01T07:00:00+00:00", **answers),
            ],
        )
        [tasking] = client.get("/taskings", headers=supervisor).json()["items"]
        assert [(a["report_id"], a["received_at"]) for a in tasking["answered_by"]] == [
            ("RA", "2026-03-01T05:00:00+00:00"),
            ("RB", "2026-03-01T07:00:00+00:00"),
        ]
        made = client.post("/sharing-decisions", json=sharing_decision("N1"), headers=supervisor)
        assert made.status_code == 201, made.text
        # shared after the decision, on a clock at +05:00
        at = datetime.now(timezone(timedelta(hours=5))).replace(microsecond=0)
        shared = client.post(
            f"/sharing-decisions/{made.json()['seq']}/disclosures",
            json=disclosure(shared_at=at.isoformat()),
            headers=supervisor,
        )
        assert shared.status_code == 201, shared.text
        assert at.isoformat().endswith("+05:00")
        events = client.get("/persons/N1/timeline", headers=supervisor).json()["events"]
        whens = {e["edge_id"]: e["when"] for e in events}
        assert whens["disclosure:1"] == at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert whens["sharing-decision:1"].endswith("Z")


# -- request bodies -------------------------------------------------------------------------


def _refused_only_by_schema(
    client: TestClient, path: str, template: str, cases: list[dict[str, Any]], headers: Headers
) -> None:
    """Each body is refused (422) exactly when the operation's schema refuses it."""
    schema = body_schema(client, "post", template)
    for body in cases:
        got = client.post(path, json=body, headers=headers)
        allowed = schema.is_valid(body)
        assert (got.status_code != 422) == allowed, (body, allowed, got.status_code, got.text)


def test_a_notification_change_the_schema_accepts_is_not_refused(tmp_path: Path) -> None:
    """`actioned` needs an action that says something: a rule of the handler only, so a
    client following the schema got 422."""
    with api_session(tmp_path, [Role.SUPERVISOR], "offender_management") as (client, headers, _):
        supervisor = headers[Role.SUPERVISOR]
        records = [w.nominal("N1", "Corin", "Example"), w.person("P2")]
        load(client, supervisor, [*records, w.association("A1", "N1", "P2")])
        [note] = client.get("/notifications", headers=supervisor).json()["items"]
        cases: list[dict[str, Any]] = [
            {"state": "actioned"},
            {"state": "actioned", "action": None},
            {"state": "actioned", "action": " \t"},
            {"state": "seen"},
            {"state": "seen", "action": "read it"},
            {"state": "actioned", "action": "visited the address"},
        ]
        path = f"/notifications/{note['id']}"
        _refused_only_by_schema(client, path, "/notifications/{notification_id}", cases, supervisor)


def test_a_chis_review_the_schema_accepts_is_not_refused(tmp_path: Path) -> None:
    """Each outcome's own detail (measures, a referral reference) and a rationale that says
    something were rules of the review log only."""
    with scenario_api(tmp_path, (Role.FIB_REVIEWER,), "intelligence_review") as (client, auth, _):
        fib = auth(Role.FIB_REVIEWER)
        cases: list[dict[str, Any]] = [
            {"outcome": Outcome.MANAGED_AS_PUBLIC_CONTACT, "rationale": "neighbour"},
            {
                "outcome": Outcome.MANAGED_AS_PUBLIC_CONTACT,
                "rationale": "neighbour",
                "measures": "  ",
            },
            {"outcome": Outcome.REFERRED_FOR_CHIS_ASSESSMENT, "rationale": "tasked twice"},
            {"outcome": Outcome.NO_FURTHER_ACTION, "rationale": "\n"},
            {
                "outcome": Outcome.MANAGED_AS_PUBLIC_CONTACT,
                "rationale": "neighbour",
                "measures": "details restricted to FIB",
            },
            {
                "outcome": Outcome.REFERRED_FOR_CHIS_ASSESSMENT,
                "rationale": "tasked twice",
                "referral_ref": "SU-2026-1",
            },
            {"outcome": Outcome.NO_FURTHER_ACTION, "rationale": "one-off caller"},
        ]
        template = "/chis/candidates/{source_id}/review"
        _refused_only_by_schema(client, "/chis/candidates/S1/review", template, cases, fib)


# -- statuses -------------------------------------------------------------------------------


def test_the_503_every_audited_route_can_answer_is_in_its_schema(tmp_path: Path) -> None:
    """With the audit log unwritable a route answers 503 (docs/access-and-audit.md), a
    status no operation listed. Any route that can refuse (403) writes an entry, the refusal
    itself, so each lists it; `GET /me` refuses nothing and writes nothing."""
    with api_session(tmp_path, [Role.ANALYST], "investigation") as (client, headers, _):
        analyst = headers[Role.ANALYST]
        load(client, analyst, [w.person("P1")])
        client.app.state.audit._conn.execute("PRAGMA query_only=1")  # type: ignore[attr-defined]
        got = client.get("/persons/P1", headers=analyst)
        assert got.status_code == 503
        doc = client.get("/openapi.json").json()
        unlisted = [
            f"{method.upper()} {path}"
            for path, ops in doc["paths"].items()
            for method, op in ops.items()
            if "403" in op["responses"] and "503" not in op["responses"]
        ]
        assert unlisted == []
        documented = doc["paths"]["/persons/{person_id}"]["get"]["responses"]["503"]
        schema = documented["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": doc["components"]}).validate(got.json())


# -- paging the lists that came back whole --------------------------------------------------

SCHEME = {
    "scheme": "dvds_right_to_ask",
    "applicant": "Jo Applicant (synthetic)",
    "applicant_relationship": "new partner",
    "subject_id": "NM",
    "at_risk": ["Jo Applicant (synthetic)"],
    "received_on": "2026-10-01",  # every one due the same day: ties down to the number
}
WHOLE = ["/disclosure-schemes/applications", "/persons/NM/sharing", "/reviews/due"]
"""Lists that came back whole (the due list cut at 1,000 with no way to the rest)."""


@pytest.fixture
def long_lists(tmp_path: Path) -> Iterator[tuple[TestClient, Headers, Settings]]:
    """Five applications due the same day, three decisions and two disclosures about one
    nominal, and five reports received at the same moment (due the same day)."""
    with api_session(tmp_path, [Role.SUPERVISOR], "offender_management") as (client, h, settings):
        supervisor = h[Role.SUPERVISOR]
        load(client, supervisor, [w.nominal("NM", "Tavis", "Example")])
        load(client, supervisor, [w.report(f"RD{i}", day=1) for i in (3, 1, 2, 5, 4)])
        for _ in range(5):
            made = client.post("/disclosure-schemes/applications", json=SCHEME, headers=supervisor)
            assert made.status_code == 201, made.text
        for _ in range(3):
            decided = client.post(
                "/sharing-decisions", json=sharing_decision("NM"), headers=supervisor
            )
            assert decided.status_code == 201, decided.text
        for _ in range(2):
            shared = client.post(
                "/sharing-decisions/1/disclosures", json=disclosure(), headers=supervisor
            )
            assert shared.status_code == 201, shared.text
        yield client, supervisor, settings


def _params(url: str) -> dict[str, Any]:
    return {"within_days": 3650} if url == "/reviews/due" else {}


def pages(client: TestClient, url: str, headers: Headers, limit: int) -> list[dict[str, Any]]:
    """Every page of a paged answer, following `next_after` from the first to the last."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params = _params(url) | {"limit": limit} | ({"after": after} if after else {})
        got = client.get(url, params=params, headers=headers)
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["limit"] == limit, (url, body)
        found.append(body)
        after = body["next_after"]
        if after is None:
            return found


def shown(url: str, body: dict[str, Any]) -> list[str]:
    """What a page shows, by the names its audit entry gives them."""
    if url.endswith("/sharing"):
        return [f"sharing-decision:{d['seq']}" for d in body["decisions"]] + [
            f"disclosure:{d['seq']}" for d in body["disclosures"]
        ]
    if url.startswith("/disclosure-schemes"):
        return [f"scheme-application:{a['seq']}" for a in body["items"]]
    return [i["record_id"] for i in body["items"]]


@pytest.mark.parametrize("url", WHOLE)
def test_lists_that_came_back_whole_are_paged_with_a_stated_maximum(
    long_lists: tuple[TestClient, Headers, Settings], url: str
) -> None:
    client, supervisor, _ = long_lists
    template = url.replace("/NM/", "/{person_id}/")
    params = {p["name"]: p for p in operation(client, "get", template)["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 500
    assert "after" in params
    too_many = _params(url) | {"limit": 501}
    assert client.get(url, params=too_many, headers=supervisor).status_code == 422


@pytest.mark.parametrize("url", WHOLE)
def test_paging_a_whole_list_gives_every_item_once_in_order(
    long_lists: tuple[TestClient, Headers, Settings], url: str
) -> None:
    client, supervisor, _ = long_lists
    [whole] = pages(client, url, supervisor, 500)
    everything = shown(url, whole)
    assert len(everything) in (5, 6), everything  # the due list also holds the nominal
    for size in (1, 2, 3):
        walked = pages(client, url, supervisor, size)
        assert all(len(shown(url, p)) <= size for p in walked)
        assert [i for p in walked for i in shown(url, p)] == everything, size


def test_the_sharing_record_pages_decisions_and_disclosures_as_recorded(
    long_lists: tuple[TestClient, Headers, Settings],
) -> None:
    """One record, oldest first: the decisions, then the disclosures made under the first."""
    client, supervisor, _ = long_lists
    walked = pages(client, "/persons/NM/sharing", supervisor, 2)
    assert [shown("/persons/NM/sharing", p) for p in walked] == [
        ["sharing-decision:1", "sharing-decision:2"],
        ["sharing-decision:3", "disclosure:1"],
        ["disclosure:2"],
    ]
    assert all(p["nominal_id"] == "NM" for p in walked)


@pytest.mark.parametrize("url", WHOLE)
def test_each_page_is_audited_as_the_page_it_showed(
    long_lists: tuple[TestClient, Headers, Settings], url: str
) -> None:
    client, supervisor, settings = long_lists
    after: str | None = None
    while True:
        params = _params(url) | {"limit": 2} | ({"after": after} if after else {})
        body = client.get(url, params=params, headers=supervisor).json()
        entry = audit_entries(settings, limit=10_000)[-1]
        assert sorted(entry.returned) == sorted(shown(url, body)), (url, after)
        after = body["next_after"]
        if after is None:
            break


# -- request bodies: sharing decisions and record reviews -----------------------------------


def _decision(**answers: Any) -> dict[str, Any]:
    """A complete decision to share about N2 (category 2: any named officer decides), with
    `answers` replaced; `_top` keys replace top-level parts."""
    top = answers.pop("_top", {})
    made = sharing_decision("N2", **top)
    made["answers"] = {**made["answers"], **answers}
    return made


def test_a_sharing_decision_the_schema_accepts_is_not_refused(tmp_path: Path) -> None:
    """Answers said, the agreement's reference, recipients and the five principles when
    sharing, a rationale and a named decision maker with their reference were rules of
    `problems` only: a body the schema accepted got 422."""
    c2 = w.nominal("N2", "Corin", "Example")
    c2["visor"] = {**c2["visor"], "nominal_type": "VIOLENT_OFFENDER", "mappa_category": 2}
    refuse = {"outcome": "do_not_share", "principles": {}}
    maker = {"name": "Insp Example (synthetic)"}
    cases: list[dict[str, Any]] = [
        _decision(legal_basis=" \t"),
        _decision(isa_in_place=None),
        _decision(isa_in_place=True, isa_reference=None),
        _decision(isa_in_place=True, isa_reference=" "),
        _decision(offender_consulted=None),
        _decision(with_whom=[]),
        _decision(with_whom=["  "]),
        _decision(_top={"principles": {"lawful": True}}),
        _decision(_top={"outcome": "share_limited", "principles": {}}),
        _decision(_top={"rationale": "\n"}),
        _decision(_top={"decision_maker": {"name": " ", "role": "other"}}),
        _decision(_top={"decision_maker": {**maker, "role": "delegate"}}),
        _decision(_top={"decision_maker": {**maker, "role": "mapp_chair", "minute_ref": ""}}),
        _decision(with_whom=["  ", "Housing officer (synthetic)"]),
        _decision(isa_in_place=False, isa_reference=None),
        _decision(_top={"decision_maker": maker}),  # an officer, the role left out
        _decision(_top={"decision_maker": {**maker, "role": "delegate", "delegation_ref": "D-1"}}),
        _decision(_top={"decision_maker": {**maker, "role": "mapp_chair", "minute_ref": "M-1"}}),
        _decision(with_whom=[], _top=refuse),
        _decision(with_whom=["Housing officer (synthetic)"], _top=refuse),
        _decision(),
    ]
    with api_session(tmp_path, [Role.SUPERVISOR], "disclosure_decision") as (client, h, _):
        supervisor = h[Role.SUPERVISOR]
        load(client, supervisor, [c2])
        path = "/sharing-decisions"
        _refused_only_by_schema(client, path, path, cases, supervisor)


def test_a_sharing_decision_refused_for_what_is_held_names_the_record(tmp_path: Path) -> None:
    """Who decides follows the nominal's MAPPA level, which only the record holds: those
    refusals stay, as a sentence naming the nominal; a nominal not held is 404."""
    with api_session(tmp_path, [Role.SUPERVISOR], "disclosure_decision") as (client, h, _):
        supervisor = h[Role.SUPERVISOR]
        at_two = w.nominal("N3", "Rowan", "Example")
        at_two["visor"] = {**at_two["visor"], "mappa_level": 2}
        load(client, supervisor, [at_two])
        superintendent = client.post(
            "/sharing-decisions", json=sharing_decision("N3"), headers=supervisor
        )
        assert superintendent.status_code == 422
        assert superintendent.json()["message"] == (
            "decision_maker.role must be mapp_chair: N3 is managed at MAPPA level 2"
        )
        missing = client.post("/sharing-decisions", json=sharing_decision("N9"), headers=supervisor)
        assert missing.status_code == 404 and "N9" in missing.json()["detail"]


def test_a_record_review_the_schema_accepts_is_not_refused(tmp_path: Path) -> None:
    """A nominal's review verifies the notification triggers and is never a disposal, and a
    rationale says something: rules of `review` only, so a body the schema accepted got
    422. The body now says what is reviewed (`record_kind`, a report when left out)."""
    nominal = {"record_id": "N1", "record_kind": "nominal", "rationale": "MAPPA level 1"}
    person = {"record_id": "P2", "record_kind": "person", "rationale": "still linked"}
    cases: list[dict[str, Any]] = [
        {"record_id": "R1", "outcome": "retain", "rationale": " "},
        {**nominal, "outcome": "retain"},
        {**nominal, "outcome": "retain", "triggers_verified": False},
        {**nominal, "outcome": "dispose", "triggers_verified": True},
        {**person, "outcome": "dispose"},
        {"record_id": "R1", "outcome": "retain", "rationale": "still necessary"},
        {"record_id": "R1", "record_kind": "report", "outcome": "retain", "rationale": "kept"},
        {**nominal, "outcome": "retain", "triggers_verified": True},
        {**person, "outcome": "retain"},
        {"record_id": "R2", "record_kind": "report", "outcome": "dispose", "rationale": "spent"},
    ]
    with api_session(tmp_path, [Role.SUPERVISOR], "offender_management") as (client, h, _):
        supervisor = h[Role.SUPERVISOR]
        records = [w.nominal("N1", "Corin", "Example"), w.person("P2")]
        load(client, supervisor, [*records, w.report("R1"), w.report("R2")])
        path = "/reviews"
        _refused_only_by_schema(client, path, path, cases, supervisor)


def test_a_record_review_refused_for_what_is_held_names_the_record(tmp_path: Path) -> None:
    """What a record is, and whether the caller may review a nominal, stay rules of the
    record and the role: 422 naming the record when the body says it is something else,
    403 for a nominal's review by anyone but a supervisor, 404 for a record not held."""
    roles = [Role.SUPERVISOR, Role.OFFENDER_MANAGER]
    with api_session(tmp_path, roles, "offender_management") as (client, h, _):
        supervisor, om = h[Role.SUPERVISOR], h[Role.OFFENDER_MANAGER]
        load(client, supervisor, [w.nominal("N1", "Corin", "Example"), w.report("R1")])
        as_report = {"record_id": "N1", "outcome": "retain", "rationale": "kept"}
        got = client.post("/reviews", json=as_report, headers=supervisor)
        assert got.status_code == 422
        assert got.json()["message"] == (
            "record 'N1' is a nominal (a person with a ViSOR record), not a report: "
            "review it with record_kind nominal"
        )
        as_nominal = {
            "record_id": "R1",
            "record_kind": "nominal",
            "outcome": "retain",
            "rationale": "kept",
            "triggers_verified": True,
        }
        got = client.post("/reviews", json=as_nominal, headers=supervisor)
        assert got.status_code == 422
        assert got.json()["message"] == (
            "record 'R1' is a report, not a nominal: review it with record_kind report"
        )
        by_om = client.post("/reviews", json={**as_nominal, "record_id": "N1"}, headers=om)
        assert by_om.status_code == 403
        assert by_om.json()["detail"] == "a nominal's review is made by a supervisor"
        missing = client.post("/reviews", json={**as_report, "record_id": "R9"}, headers=om)
        assert missing.status_code == 404 and "R9" in missing.json()["detail"]


# -- statuses and limits --------------------------------------------------------------------


def test_me_and_audit_verify_list_only_the_statuses_they_answer(tmp_path: Path) -> None:
    """`GET /me` needs a token and no purpose; `GET /audit/verify` needs the audit
    permission and no purpose, and its refusal is audited: neither answers 400 or 404, yet
    both listed them (and `/me` 403 and 503)."""
    roles = [Role.ANALYST, Role.AUDITOR]
    with api_session(tmp_path, roles, "investigation") as (client, h, _):
        bare = {k: v for k, v in h[Role.ANALYST].items() if k != "X-Purpose"}
        auditor = {k: v for k, v in h[Role.AUDITOR].items() if k != "X-Purpose"}
        seen = {
            "/me": {
                client.get("/me").status_code,
                client.get("/me", headers=bare).status_code,
                client.get("/me", headers={**bare, "X-Purpose": "nonsense"}).status_code,
            },
            "/audit/verify": {
                client.get("/audit/verify").status_code,
                client.get("/audit/verify", headers=auditor).status_code,
                client.get("/audit/verify", headers=bare).status_code,
            },
        }
        client.app.state.audit._conn.execute("PRAGMA query_only=1")  # type: ignore[attr-defined]
        seen["/audit/verify"].add(client.get("/audit/verify", headers=bare).status_code)
        assert seen == {"/me": {200, 401}, "/audit/verify": {200, 401, 403, 503}}
        for path, statuses in seen.items():
            listed = operation(client, "get", path)["responses"]
            assert set(listed) == {str(s) for s in statuses}, path


def test_an_ingest_body_over_the_limit_is_413_stating_the_limit(tmp_path: Path) -> None:
    """It was 422 (as if the lines were wrong), with the limit stated nowhere in the
    schema."""
    with api_session(tmp_path, [Role.ANALYST], "investigation", ingest_max_bytes=1000) as (
        client,
        h,
        _,
    ):
        analyst = {**h[Role.ANALYST], **NDJSON}
        lines = w.dumps([w.person(f"P{i}") for i in range(20)])
        assert len(lines.encode()) > 1000
        got = client.post("/ingest", content=lines, headers=analyst)
        assert got.status_code == 413, got.text
        assert "1,000 bytes" in got.json()["detail"]
        # sent without a length, it is cut off as it streams in
        streamed = client.post("/ingest", content=iter([lines.encode()]), headers=analyst)
        assert streamed.status_code == 413, streamed.text
        assert "over 1,000 bytes" in streamed.json()["detail"]
        assert client.post("/ingest", content=w.dumps([w.person("P1")]), headers=analyst).is_success
        documented = operation(client, "post", "/ingest")
        assert "1,000 bytes" in documented["responses"]["413"]["description"]
        assert "1,000 bytes" in documented["requestBody"]["description"]
        assert "413" not in operation(client, "get", "/quarantine")["responses"]


# -- times ----------------------------------------------------------------------------------

NOT_TIMES = {"directed_at"}  # whom a tasking is directed at
TIME_NAME = re.compile(r"(^|_)(at|when|seen|contact|crossed|on)$")


def _string_formats(schema: dict[str, Any]) -> list[str | None]:
    branches = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return [b.get("format") for b in branches if b.get("type") == "string"]


def test_time_fields_are_stated_as_date_times(tmp_path: Path) -> None:
    """`created_at`, `first_contact`, `decided_at` and others were plain strings in the
    schema, so clients could not know them for times."""
    with api_session(tmp_path, [Role.SUPERVISOR], "offender_management") as (client, _, _s):
        doc = client.get("/openapi.json").json()
    untyped = sorted(
        f"{name}.{prop}"
        for name, model in doc["components"]["schemas"].items()
        for prop, schema in model.get("properties", {}).items()
        if TIME_NAME.search(prop) and prop not in NOT_TIMES
        for fmt in _string_formats(schema)
        if fmt not in ("date-time", "date")
    )
    assert untyped == []


def test_time_text_is_kept_as_it_was(tmp_path: Path) -> None:
    """Declaring the format changed no text: UTC, with its offset, as before."""
    with api_session(tmp_path, [Role.SUPERVISOR, Role.ANALYST], "offender_management") as (
        client,
        h,
        _,
    ):
        supervisor = h[Role.SUPERVISOR]
        records = [w.nominal("N1", "Corin", "Example"), w.person("P2")]
        load(client, supervisor, [*records, w.association("A1", "N1", "P2")])
        [note] = client.get("/notifications", headers=supervisor).json()["items"]
        seen = client.post(
            f"/notifications/{note['id']}", json={"state": "seen"}, headers=supervisor
        ).json()
        bad = w.dumps([{**w.person("P3"), "dob": "not a date"}])
        client.post("/ingest", content=bad, headers={**h[Role.ANALYST], **NDJSON})
        [line] = client.get("/quarantine", headers=h[Role.ANALYST]).json()["items"]
    utc_seconds = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
    for text in (note["created_at"], seen["history"][-1]["at"], line["first_seen"]):
        assert utc_seconds.match(text), text


def test_a_scheme_move_the_schema_accepts_is_not_refused(tmp_path: Path) -> None:
    """A decision (disclosed, not disclosed) needs its rationale, and nothing moves back to
    initial contact: rules of the scheme store only, so a body the schema accepted got
    422. Which stage comes next stays the application's (422 naming where it can go)."""
    with api_session(tmp_path, [Role.SUPERVISOR], "disclosure_decision") as (client, h, _):
        supervisor = h[Role.SUPERVISOR]
        load(client, supervisor, [w.nominal("NM", "Tavis", "Example")])
        made = client.post("/disclosure-schemes/applications", json=SCHEME, headers=supervisor)
        moves = f"/disclosure-schemes/applications/{made.json()['seq']}/moves"
        skipped = client.post(moves, json={"stage": "risk_assessment"}, headers=supervisor)
        assert skipped.status_code == 422
        assert skipped.json()["message"] == (
            "application 1 is at initial_contact; it can move to checks, withdrawn"
        )
        for stage in ("checks", "risk_assessment", "multi_agency_decision"):
            moved = client.post(moves, json={"stage": stage}, headers=supervisor)
            assert moved.status_code == 200, moved.text
        cases: list[dict[str, Any]] = [
            {"stage": "disclosed"},
            {"stage": "not_disclosed", "rationale": None},
            {"stage": "disclosed", "rationale": "\t"},
            {"stage": "initial_contact"},
            {"stage": "not_disclosed", "rationale": "no risk found (synthetic)"},
        ]
        template = "/disclosure-schemes/applications/{seq}/moves"
        _refused_only_by_schema(client, moves, template, cases, supervisor)
