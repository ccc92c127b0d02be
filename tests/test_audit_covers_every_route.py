"""Every route that answers with personal data, for every role that may call it, writes
audit entries naming every record id its answer shows (DPA 2018 s62,
docs/access-and-audit.md), with the request's purpose.

The routes are read from `app.routes`, so a new route fails `test_every_route_is_covered`
until it has a case here or a documented place in `NO_PERSONAL_DATA`. One world is loaded
for the module (the hand-built scenario, plus events, taskings, a CHIS candidate, a review
queue pair and notifications through `POST /ingest`), every caller makes each request,
and each node id of the world found in the body as a whole token (`P1` is not found in
`P12`, `LI-P1` or `ENT-P1`; it is in `ASSOCIATED_WITH:P1:P2`, an edge id naming its ends)
must be named in the `subjects`, `returned` or `recipients` of an entry that request
wrote: what `GET /audit?subject=ID` finds. Only the store's node ids are looked for, so an
account name, a notification or decision number or a date never counts as one.
Exceptions, each documented where it is kept: `NO_PERSONAL_DATA`, `SHOWS_NO_ID`,
`NAMED_NOT_SHOWN`, and the ingest echo (`_own_lines_left_out`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from api.accounts import AccountStore
from api.app import create_app
from graph.access import Permission, Role
from graph.analysis.measures import MeasureStore, analyse, role_views
from graph.audit import AuditEntry, AuditLog, Operation
from graph.charts.render import ASSETS, _asset
from graph.config import Settings
from graph.stores.sqlite import SqliteGraphStore
from tests import scenario as sc
from tests import wire as w
from tests.factories import disclosure, sharing_decision
from tests.support.api_env import NDJSON, load, role_headers, tmp_settings

NO_PERSONAL_DATA: dict[tuple[str, str], str] = {
    ("GET", "/health"): "liveness: {'status': 'ok'}",
    ("GET", "/store/status"): "whole-store counts by kind, for administrators: no id",
    ("GET", "/audit/verify"): "the hash chain's verdict: sequence numbers and hashes only",
    ("GET", "/openapi.json"): "the schema",
    ("HEAD", "/openapi.json"): "the schema",
    ("GET", "/docs"): "Swagger UI, served by Mosaic",
    ("GET", "/static/{name}"): "scripts and styles",
    ("GET", "/"): "the workspace page: it holds no data and calls the API like any client",
    ("GET", "/me"): "the caller's own account name, role and permissions",
}
"""Routes that answer with no personal data, and so need no consultation entry."""

OM_NAME = "u-offender_manager"  # `role_headers` names accounts u-ROLE
NOMINAL = w.nominal("NT", "Alden", "Example")
NOMINAL["visor"] = {**NOMINAL["visor"], "offender_manager": OM_NAME}
WORLD: list[w.Record] = [
    NOMINAL,
    w.person("PM", "Robin", "Neighbour"),
    w.source("SM", "PM"),
    # three reports from the caller about the nominal: a CHIS candidate; the third crosses
    # the threshold after the nominal is known, so its owner and the FIB are notified
    *(
        w.report(f"RM{i}", day=d, source_id="SM", subjects=[w.ref("NT")])
        for i, d in enumerate((2, 9, 20))
    ),
    w.tasking("TK-GEN", title="who supplies the estate", due_on="2026-03-01"),
    w.tasking(
        "TK-SPEC", requirement="specific", subject_id="NT", title="where", due_on="2099-01-01"
    ),
    w.tasking(
        "TK-MOP",
        directed_at="member_of_public",
        directed_person_id="PM",
        title="ask the neighbour to note visitors",
    ),
    w.report(
        "RA",
        day=25,
        subjects=[w.ref("NT")],
        answers_taskings=["TK-SPEC"],
        associations=[{"a": w.ref("NT"), "b": w.ref("PK"), "type": "associate", "note": None}],
    ),
    w.person("PK", "Keziah", "Dunmore"),
    w.event(
        "EV-LIC",
        "NT",
        "licence_start",
        "2026-01-05",
        licence_end_on="2099-06-30",
        conditions=["no contact with under 18s"],
        probation_offender_manager="PO A Example (synthetic)",
    ),
    w.event("EV-BRE", "NT", "licence_breach", "2026-05-01", details="missed appointments"),
    w.event(
        "EV-TRV",
        "NT",
        "travel_notification",
        "2026-11-20",
        destination="Exampleland",
        depart_on="2026-12-01",
        return_on="2026-12-08",
    ),
    w.event("EV-BOR", "NT", "border_alert", "2026-11-25", port="Example Port"),
    w.event(
        "EV-MAPP",
        "NT",
        "mapp_meeting",
        "2026-02-01",
        meeting_level=2,
        chair="DI Chair (synthetic)",
        attendees=["police", "probation"],
        decisions=["share address with the school"],
        actions=[{"action": "home visit", "owner": "DC Example", "due_on": "2026-02-15"}],
    ),
    w.event(
        "EV-REQ",
        "NT",
        "partner_request",
        "2026-03-01",
        agency="housing",
        requester="Housing Officer (synthetic)",
        purpose="tenancy allocation near a school",
        due_on="2026-03-15",
    ),
    # entity resolution: a pair for the review queue, and one to judge
    w.person("MX1", "Perrin", "Stallard"),
    w.person("MX2", "Perrin", "Stallard", dob=None),
    w.person("MJ1", "Quenby", "Thorne"),
    w.person("MJ2", "Quenby", "Thorne", dob=None),
]

SHARE = sharing_decision("NT")
APPLICATION = {
    "scheme": "dvds_right_to_ask",
    "applicant": "Jo Applicant (synthetic)",
    "applicant_relationship": "new partner",
    "subject_id": "NT",
    "at_risk": ["Jo Applicant (synthetic)"],
    "received_on": "2026-10-01",
}
SHOWS_NO_ID: dict[tuple[str, str], str] = {
    ("GET", "/kpis/mappa"): "aggregates only (its entry still records the consultation)",
    ("POST", "/chis/candidates/{source_id}/review"): "the decision: seq, outcome, rationale",
    ("POST", "/ingest"): "counts, and ids of the caller's own refused lines (see below)",
}
"""Routes whose answers here name no record. Every other case must show some world id, so
a scan that finds nothing (an id escaped in a way `shown_ids` misses) fails."""

NAMED_NOT_SHOWN: dict[tuple[str, str], set[str]] = {
    # each item's reason describes the travel notification or border alert it comes from:
    # the event's content is shown without its id, and the entry names it
    ("GET", "/travel"): {"EV-TRV", "EV-BOR"},
}
"""The reverse rule (entries name what was shown): a world id an entry names must be in
the answer, or in the request, except these, whose content the answer shows by another
name."""

DISCLOSED_TO: dict[tuple[str, str], str] = {
    ("GET", "/charts/persons/{person_id}/export"): "Partner X",
    ("POST", "/sharing-decisions/{seq}/disclosures"): "Head teacher, Example Primary",
    ("POST", "/disclosure-schemes/applications/{seq}/moves"): "Jo Applicant (synthetic)",
    ("GET", "/persons/{person_id}/subject-access"): "data subject P1",
}
"""Cases that disclose to someone: a disclosure entry of the request names the recipient."""

SERVICE = "service (personal:read)"
CALLERS = [*(r.value for r in Role if r is not Role.SERVICE), SERVICE]
PURPOSES = ("investigation", "safeguarding", "offender_management", "intelligence_review")


@dataclass
class World:
    client: TestClient
    headers: dict[str, dict[str, str]]
    settings: Settings
    store: SqliteGraphStore
    made: dict[str, Any] = field(default_factory=dict)

    def call(self, caller: str, method: str, url: str, **kw: Any) -> Any:
        """A setup request; its JSON body, or None when the caller may not make it (403)."""
        response = self.client.request(method, url, headers=self.headers[caller], **kw)
        if response.status_code == 403:
            return None
        assert response.is_success, (method, url, caller, response.text)
        return response.json()

    def ids(self) -> set[str]:
        return set(self.store.projection().nodes)


@dataclass(frozen=True)
class Req:
    """One request of a case: `url` with its query, and a JSON or raw body."""

    method: str
    url: str
    json: Any = None
    content: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


Case = Callable[[World, str], Req | None]
"""The request a caller makes; None when the caller may not make its setup (403)."""
SETUP = "supervisor"  # may record decisions and applications


def _notification(world: World, caller: str) -> Req | None:
    """Mark seen one of the caller's own notifications (the first one they are shown)."""
    page = world.call(caller, "GET", "/notifications")
    if page is None:
        return None
    assert page["items"], f"{caller} has no notification to change"
    return Req("POST", f"/notifications/{page['items'][0]['id']}", json={"state": "seen"})


def _disclosure(world: World, caller: str) -> Req:
    seq = world.call(SETUP, "POST", "/sharing-decisions", json=SHARE)["seq"]
    # shared after the decision (now): a disclosure rests on the decisions made by then
    return Req("POST", f"/sharing-decisions/{seq}/disclosures", json=disclosure())


def _move(world: World, caller: str) -> Req:
    """An application taken to the decision, then disclosed (to the applicant)."""
    seq = world.call(SETUP, "POST", "/disclosure-schemes/applications", json=APPLICATION)["seq"]
    moves = f"/disclosure-schemes/applications/{seq}/moves"
    for stage in ("checks", "risk_assessment", "multi_agency_decision"):
        world.call(SETUP, "POST", moves, json={"stage": stage})
    return Req(
        "POST", moves, json={"stage": "disclosed", "rationale": "risk to the applicant (synthetic)"}
    )


def _application(world: World, caller: str) -> Req:
    seq = world.call(SETUP, "POST", "/disclosure-schemes/applications", json=APPLICATION)["seq"]
    return Req("GET", f"/disclosure-schemes/applications/{seq}")


def _judgement(world: World, caller: str) -> Req:
    """Each caller's verdict differs from the one in force, so each is recorded."""
    n = world.made["judgements"] = world.made.get("judgements", 0) + 1
    verdict = ("unsure", "not_same")[n % 2]
    return Req("POST", "/resolution/judgements", json={"a": "MJ1", "b": "MJ2", "verdict": verdict})


def _ingest(world: World, caller: str) -> Req:
    """A report about the nominal, and a refused update of the stored person PK."""
    lines = [
        w.report(f"RI-{caller[:3]}", day=26, subjects=[w.ref("NT")], mentions=[]),
        {**w.person("PK", "Keziah", "Dunmore"), "dob": "not a date"},
    ]
    return Req("POST", "/ingest", content=w.dumps(lines), extra=NDJSON)


def _get(url: str) -> Case:
    return lambda world, caller: Req("GET", url)


def _post(url: str, body: Any) -> Case:
    return lambda world, caller: Req("POST", url, json=body)


CHART = "depth=3"
CASES: dict[tuple[str, str], Case] = {
    ("GET", "/persons"): _get("/persons?q=Masonby"),
    ("GET", "/persons/{person_id}"): _get("/persons/P1"),
    ("GET", "/reports/{report_id}"): _get("/reports/R1"),
    ("GET", "/audit"): _get("/audit?limit=50"),
    ("POST", "/ingest"): _ingest,
    ("GET", "/quarantine"): _get("/quarantine"),
    ("GET", "/resolution/queue"): _get("/resolution/queue"),
    ("POST", "/resolution/judgements"): _judgement,
    ("GET", "/persons/{person_id}/entity"): _get("/persons/MX1/entity"),
    ("GET", "/persons/{person_id}/associates"): _get("/persons/P1/associates?depth=2"),
    ("GET", "/paths"): _get("/paths?from=P2&to=P5"),
    ("POST", "/analysis/connecting-network"): _post(
        "/analysis/connecting-network", {"people": ["P3", "P5", "P6"]}
    ),
    ("GET", "/persons/{person_id}/timeline"): _get("/persons/NT/timeline"),
    ("GET", "/persons/{person_id}/risk"): _get("/persons/P1/risk"),
    ("GET", "/risk/ranked"): _get("/risk/ranked"),
    ("GET", "/analysis/measures"): _get("/analysis/measures?limit=200"),
    ("GET", "/notifications"): _get("/notifications"),
    ("POST", "/notifications/{notification_id}"): _notification,
    ("GET", "/chis/candidates"): _get("/chis/candidates?status=all"),
    ("GET", "/sources/{source_id}/chronology"): _get("/sources/SM/chronology"),
    ("POST", "/chis/candidates/{source_id}/review"): _post(
        "/chis/candidates/SM/review", {"outcome": "no_further_action", "rationale": "test"}
    ),
    ("GET", "/charts/persons/{person_id}.json"): _get(f"/charts/persons/P1.json?{CHART}"),
    ("GET", "/charts/persons/{person_id}"): _get(f"/charts/persons/P1?{CHART}"),
    ("GET", "/charts/persons/{person_id}/export"): _get(
        f"/charts/persons/P1/export?{CHART}&format=html&recipient=Partner%20X"
    ),
    ("POST", "/sharing-decisions"): _post("/sharing-decisions", SHARE),
    ("POST", "/sharing-decisions/{seq}/disclosures"): _disclosure,
    ("GET", "/persons/{person_id}/sharing"): _get("/persons/NT/sharing"),
    ("POST", "/disclosure-schemes/applications"): _post(
        "/disclosure-schemes/applications", APPLICATION
    ),
    ("POST", "/disclosure-schemes/applications/{seq}/moves"): _move,
    ("GET", "/disclosure-schemes/applications"): _get("/disclosure-schemes/applications"),
    ("GET", "/disclosure-schemes/applications/{seq}"): _application,
    ("GET", "/reviews/due"): _get("/reviews/due?within_days=3650"),
    ("POST", "/reviews"): _post(
        "/reviews", {"record_id": "R2", "outcome": "retain", "rationale": "still necessary"}
    ),
    ("POST", "/persons/{person_id}/sar-restrictions"): _post(
        "/persons/P1/sar-restrictions", {"record_id": "R1", "ground": "s45(4)(b)"}
    ),
    ("GET", "/persons/{person_id}/subject-access"): _get("/persons/P1/subject-access"),
    ("GET", "/kpis/mappa"): _get("/kpis/mappa?from=2025-04-01&to=2026-12-31&format=csv"),
    ("GET", "/persons/{person_id}/management"): _get("/persons/NT/management"),
    ("GET", "/travel"): _get("/travel"),
    ("GET", "/partner-requests"): _get("/partner-requests"),
    ("GET", "/persons/{person_id}/mapp-minutes"): _get("/persons/NT/mapp-minutes"),
    ("GET", "/mapp/actions"): _get("/mapp/actions"),
    ("GET", "/taskings"): _get("/taskings"),
}
"""One request with valid parameters per route, reaching records of every kind."""

EXTRA: dict[tuple[str, str], list[Case]] = {
    # the same data as other formats: each must be named as the JSON is
    ("GET", "/charts/persons/{person_id}/export"): [
        _get(f"/charts/persons/P1/export?{CHART}&format=graphml")
    ],
    ("GET", "/sources/{source_id}/chronology"): [_get("/sources/SM/chronology?format=markdown")],
    ("GET", "/kpis/mappa"): [_get("/kpis/mappa?from=2025-04-01&to=2026-12-31")],
    ("GET", "/audit"): [_get("/audit?subject=P1")],
    # a first page: its entry names that page only (the reverse rule)
    ("GET", "/reviews/due"): [_get("/reviews/due?within_days=3650&limit=1")],
    ("GET", "/disclosure-schemes/applications"): [_get("/disclosure-schemes/applications?limit=1")],
    ("GET", "/persons/{person_id}/sharing"): [_get("/persons/NT/sharing?limit=1")],
}


def _routes() -> set[tuple[str, str]]:
    app = create_app()
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, APIRoute | Route):
            found.update((m, route.path) for m in route.methods or ())
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The scenario (P1..P6, R1..R3, S1 who is P4, ...) and WORLD loaded through ingest,
    with measures computed, and one account per caller."""
    tmp = tmp_path_factory.mktemp("audit-routes")
    settings = tmp_settings(tmp)
    store = SqliteGraphStore(settings.db_path)
    store.upsert(sc.NODES, sc.EDGES)
    by_role = role_headers(settings.governance_path, [r for r in Role if r is not Role.SERVICE], "")
    headers = {r.value: h for r, h in by_role.items()}
    accounts = AccountStore(settings.governance_path)
    token = accounts.add("u-service", Role.SERVICE, frozenset({Permission.READ_PERSONAL}))
    accounts.close()
    headers[SERVICE] = {"Authorization": f"Bearer {token}"}
    for h in headers.values():
        h["X-Purpose"] = "intelligence_review"
    with TestClient(create_app(settings, store=store)) as client:
        load(client, headers[Role.ANALYST.value], WORLD)
        kept = MeasureStore(settings.analysis_path)
        analyse(store, kept, role_views())
        kept.close()
        world = World(client, headers, settings, store)
        assert {"P1", "S1", "NT", "EV-BOR", "TK-MOP", "MX2"} <= world.ids()
        yield world
    store.close()


def test_every_route_is_covered() -> None:
    """A route added without a case here (or a reason it shows no personal data) fails."""
    routes = _routes()
    assert routes - CASES.keys() - NO_PERSONAL_DATA.keys() == set()
    assert (CASES.keys() | NO_PERSONAL_DATA.keys()) - routes == set(), "stale entries"


TOKEN = re.compile(r"[A-Za-z0-9_-]+")
INLINE_ASSETS = [_asset(name) for name in ASSETS]


def shown_ids(text: str, content_type: str, world_ids: set[str]) -> set[str]:
    """The world's node ids found in a body as whole tokens. JSON is read back first (an id
    next to a `\\u` escape is still found); HTML pages are unescaped, and the chart
    library a standalone export inlines (code, no data) is left out."""
    if content_type.startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    elif content_type.startswith("text/html"):
        for asset in INLINE_ASSETS:
            text = text.replace(asset, "")
        text = html.unescape(text)
        text = re.sub(r"\\u00([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), text)
    return set(TOKEN.findall(text)) & world_ids


def _own_lines_left_out(req: Req, text: str) -> str:
    """`POST /ingest` answers with the ids of the caller's own refused lines (`rejections`):
    an echo of the request, not a stored record read, so the collection entry does not
    name them (`GET /quarantine`, which shows them to others, does)."""
    if req.url != "/ingest" or req.content is None:
        return text
    body = json.loads(text)
    sent = set(TOKEN.findall(req.content))
    body["rejections"] = [r for r in body["rejections"] if r["record_id"] not in sent]
    return json.dumps(body)


def _entries_after(settings: Settings, seq: int) -> list[AuditEntry]:
    log = AuditLog(settings.governance_path)
    try:
        return log.query(after_seq=seq, limit=10_000)
    finally:
        log.close()


def _last_seq(settings: Settings) -> int:
    log = AuditLog(settings.governance_path)
    try:
        head = log.query(limit=1_000_000)
        return head[-1].seq if head else 0
    finally:
        log.close()


@dataclass
class Outcome:
    allowed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unshown: list[str] = field(default_factory=list)
    shown: set[str] = field(default_factory=set)


def check(
    world: World, route: tuple[str, str], caller: str, req: Req, purpose: str, out: Outcome
) -> None:
    """Make the request as `caller` for `purpose`; note every id it showed that no entry
    it wrote names, and any entry for another purpose or actor."""
    headers = {**world.headers[caller], **req.extra, "X-Purpose": purpose}
    before = _last_seq(world.settings)
    ids = world.ids()
    response = world.client.request(
        req.method, req.url, headers=headers, json=req.json, content=req.content
    )
    where = f"{caller} {req.method} {req.url}"
    if response.status_code == 403:
        return
    if not response.is_success:
        out.problems.append(f"{where}: {response.status_code} {response.text[:300]}")
        return
    out.allowed.append(caller)
    ids |= world.ids()  # a write may have made records the answer names
    shown = shown_ids(
        _own_lines_left_out(req, response.text), response.headers["content-type"], ids
    )
    entries = _entries_after(world.settings, before)
    if not entries:
        out.problems.append(f"{where}: no audit entry (showed {sorted(shown)})")
        return
    named = {i for e in entries for i in (*e.subjects, *e.returned, *e.recipients)}
    missing = shown - named
    if missing:
        out.problems.append(f"{where}: shown but not named: {sorted(missing)}")
    out.shown |= shown
    asked = set(TOKEN.findall(f"{req.url} {json.dumps(req.json)} {req.content or ''}"))
    extra = (named & ids) - shown - asked - NAMED_NOT_SHOWN.get(route, set())
    if extra:
        out.unshown.append(f"{where}: named but neither shown nor asked for: {sorted(extra)}")
    recipient = DISCLOSED_TO.get(route)
    if recipient and ("/export" not in req.url or "recipient=" in req.url):
        told = [e for e in entries if e.operation is Operation.DISCLOSURE]
        if not any(recipient in e.recipients for e in told):
            out.problems.append(f"{where}: no disclosure entry to {recipient!r}")
    for e in entries:
        if e.purpose != purpose or e.role != (caller if caller != SERVICE else "service"):
            out.problems.append(f"{where}: entry {e.seq} is {e.purpose!r} by {e.role!r}")


@pytest.mark.parametrize("route", list(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_audit_names_every_id_shown(world: World, route: tuple[str, str]) -> None:
    """Each caller allowed the route gets an answer whose every world id an entry it wrote
    names, for the purpose it gave; at least one caller is allowed."""
    out = Outcome()
    for n, case in enumerate([CASES[route], *EXTRA.get(route, [])]):
        for i, caller in enumerate(CALLERS):
            req = case(world, caller)
            if req is not None:
                check(world, route, caller, req, PURPOSES[(i + n) % len(PURPOSES)], out)
    assert out.allowed, f"no caller may use {route}"
    assert not out.problems, "\n".join(out.problems)
    assert bool(out.shown) != (route in SHOWS_NO_ID), ("ids shown", sorted(out.shown))
    assert not out.unshown, "\n".join(out.unshown)
