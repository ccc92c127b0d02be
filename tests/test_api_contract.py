"""The HTTP API keeps the contract its OpenAPI schema states: lists are paged with a stated
maximum and skip or repeat nothing, times are UTC and in time order, a body the schema
accepts is not refused, and every status a route answers is documented.

Each test runs the real app on throwaway files (`tests/support/api_env.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from graph.access import Role
from graph.chis.reviews import Outcome
from graph.edges import AssociationType, Edge
from graph.nodes import Initiator, Node
from tests import wire as w
from tests.factories import disclosure, sharing_decision
from tests.support.api_env import api_session, load
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
        path = f"/notifications/{note['seq']}"
        _refused_only_by_schema(client, path, "/notifications/{seq}", cases, supervisor)


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
    status no operation listed."""
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
            if "401" in op["responses"] and "503" not in op["responses"]
        ]
        assert unlisted == []
        documented = doc["paths"]["/persons/{person_id}"]["get"]["responses"]["503"]
        schema = documented["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": doc["components"]}).validate(got.json())
