"""Every endpoint x role x compartment: what each caller gets, checked against the live API.

`MATRIX` is the single statement of the expected behaviour; the same table is rendered into
`docs/access-matrix.md`, and a test keeps that document identical to what is tested here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from graph.access import Permission, Role
from graph.analysis.measures import MeasureStore, analyse, role_views
from graph.config import Settings
from graph.sharing.decisions import FREE_TEXT
from graph.stores.sqlite import SqliteGraphStore
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import scenario as sc
from tests import wire as w

DOC = Path(__file__).resolve().parents[1] / "docs" / "access-matrix.md"

CALLERS: dict[str, tuple[Role, frozenset[Permission]]] = {
    **{r.value: (r, frozenset()) for r in Role if r is not Role.SERVICE},
    "service (personal:read)": (Role.SERVICE, frozenset({Permission.READ_PERSONAL})),
    "service (no scope)": (Role.SERVICE, frozenset()),
}

# Cells: "deny" (403), "404" (hidden exactly as if absent), "-" (not applicable: the
# record itself was denied), or "yes"/"no" for whether the compartment's content appears.
COLUMNS = [
    ("GET /health", "status"),
    ("GET /store/status", "status"),
    ("GET /persons/P1", "general: ViSOR MO, risk factors, licence conditions"),
    ("GET /persons/P1", "medical: medical notes"),
    ("GET /reports/R1", "general: text, grading, handling conditions"),
    ("GET /reports/R1", "confidential: victim / third party / tactics"),
    ("GET /reports/R1", "source: the source link (PROVIDED_BY)"),
    ("GET /reports/R3", "legacy handling code 1 (law enforcement only)"),
    ("GET /audit", "status"),
    ("GET /audit/verify", "status"),
    ("POST /ingest", "status"),
    ("GET /quarantine", "status"),
    ("GET /quarantine", "source: why a source record was refused"),
    ("GET /resolution/queue", "status"),
    ("POST /resolution/judgements", "status"),
    ("GET /persons/P1/entity", "status"),
    ("GET /persons/P1/associates", "status"),
    ("GET /paths?from=P1&to=P2", "status"),
    ("POST /analysis/connecting-network", "status"),
    ("GET /persons/P1/timeline", "status"),
    ("GET /persons/P1/timeline", "the legacy law-enforcement-only report R3"),
    ("GET /persons/P1/risk", "status"),
    ("GET /risk/ranked", "status"),
    ("GET /analysis/measures", "status"),
    ("GET /notifications", "status"),
    ("GET /chis/candidates", "status"),
    ("GET /sources/S1/chronology", "status"),
    ("POST /chis/candidates/S1/review", "status"),
    ("GET /charts/persons/P1", "status"),
    ("GET /charts/persons/P1.json", "source: S1 and who it is (P4)"),
    ("GET /charts/persons/P1/export", "status"),
    ("GET /persons?q=Hume", "status"),
    ("POST /sharing-decisions", "status"),
    ("GET /persons/P1/sharing", "status"),
    ("GET /reviews/due", "status"),
    ("GET /persons/P1/subject-access", "status"),
    ("GET /kpis/mappa", "status"),
    ("GET /disclosure-schemes/applications", "status"),
    ("GET /persons/P1/management", "status"),
    ("GET /travel", "status"),
    ("GET /persons/P1/mapp-minutes", "status"),
    ("GET /mapp/actions", "status"),
    ("GET /partner-requests", "status"),
    ("GET /taskings", "status"),
]

W = ["200", "200", "no", "200", "200", "200"]  # may write intelligence, not see sources
NO_W = ["deny", "deny", "-", "deny", "deny"]  # may not write intelligence
MATRIX: dict[str, list[str]] = {
    # health  store  P1-gen  P1-med  R1-gen  R1-conf R1-src  R3     audit   verify
    # then: ingest, quarantine, quarantined source reason, queue, judgement, P1 entity
    "frontline": [
        *["200", "deny", "yes", "no", "yes", "no", "no", "yes", "deny", "deny"],
        *NO_W,
        "200",
    ],
    "offender_manager": [
        *["200", "deny", "yes", "yes", "yes", "yes", "no", "yes", "deny", "deny"],
        *W,
    ],
    "analyst": [
        *["200", "deny", "yes", "no", "yes", "yes", "no", "yes", "deny", "deny"],
        *W,
    ],
    "fib_reviewer": [
        *["200", "deny", "yes", "no", "yes", "yes", "yes", "yes", "deny", "deny"],
        *["200", "200", "yes", "200", "200", "200"],
    ],
    "supervisor": [
        *["200", "deny", "yes", "yes", "yes", "yes", "no", "yes", "deny", "deny"],
        *W,
    ],
    "partner_agency": [
        *["200", "deny", "yes", "no", "yes", "no", "no", "404", "deny", "deny"],
        *NO_W,
        "200",
    ],
    "auditor": [
        *["200", "deny", "deny", "-", "deny", "-", "-", "deny", "200", "200"],
        *NO_W,
        "deny",
    ],
    "admin": [
        *["200", "200", "deny", "-", "deny", "-", "-", "deny", "deny", "deny"],
        *NO_W,
        "deny",
    ],
    "service (personal:read)": [
        *["200", "deny", "yes", "no", "yes", "no", "no", "yes", "deny", "deny"],
        *NO_W,
        "200",
    ],
    "service (no scope)": [
        *["200", "deny", "deny", "-", "deny", "-", "-", "deny", "deny", "deny"],
        *NO_W,
        "deny",
    ],
}


for _row in MATRIX.values():  # associates, paths, network, timeline: as any personal read
    _row += [_row[-1]] * 4
    _row.append("-" if _row[-1] == "deny" else ("no" if _row[7] == "404" else "yes"))
    _row.append(_row[-2])  # risk: as any personal read
    _row.append("200" if _row is MATRIX.get("supervisor") else "deny")  # ranking: supervisors
    _row.append(_row[-2])  # measures (computed per role's view): as any personal read
    owners = (MATRIX.get("offender_manager"), MATRIX.get("supervisor"), MATRIX.get("fib_reviewer"))
    _row.append("200" if any(_row is m for m in owners) else "deny")  # notifications
    fib = _row is MATRIX.get("fib_reviewer")  # CHIS review: the FIB only
    _row += ["200", "200", "201"] if fib else ["deny"] * 3
    reads = _row[COLUMNS.index(("GET /persons/P1/associates", "status"))]
    _row += [reads, "-" if reads == "deny" else ("yes" if fib else "no")]  # link charts
    _row += [reads, reads]  # chart export, person search: as any personal read
    managers = (MATRIX.get("offender_manager"), MATRIX.get("supervisor"))
    confidential = (*managers, MATRIX.get("analyst"), MATRIX.get("fib_reviewer"))
    _row.append("201" if any(_row is m for m in managers) else "deny")  # record sharing
    _row.append("200" if any(_row is m for m in confidential) else "deny")  # read sharing
    _row.append("200" if any(_row is m for m in managers) else "deny")  # reviews due
    _row.append("200" if _row is MATRIX.get("supervisor") else "deny")  # subject access
    figures = (MATRIX.get("supervisor"), MATRIX.get("analyst"))
    _row.append("200" if any(_row is m for m in figures) else "deny")  # MAPPA figures
    _row.append("200" if any(_row is m for m in confidential) else "deny")  # schemes
    _row.append(reads)  # management status: every officer who may read the person
    _row.append("200" if any(_row is m for m in managers) else "deny")  # foreign travel
    _row += ["200" if any(_row is m for m in managers) else "deny"] * 2  # minutes, actions
    _row.append("200" if any(_row is m for m in confidential) else "deny")  # partner requests
    _row.append(reads)  # taskings: as any personal read (who was tasked: the FIB only)


SHARING = {  # P1 is category 1 at MAPPA level 2: the MAPP meeting chair decides
    "nominal_id": "P1",
    "outcome": "do_not_share",
    "answers": {
        **{q: "synthetic answer" for q in FREE_TEXT},
        "isa_in_place": False,
        "offender_consulted": True,
    },
    "decision_maker": {"name": "Chair", "role": "mapp_chair", "minute_ref": "M-1"},
    "rationale": "matrix",
}


def render_matrix() -> str:
    head = "| caller | " + " | ".join(f"{path}<br>{what}" for path, what in COLUMNS) + " |"
    rule = "|---" * (len(COLUMNS) + 1) + "|"
    rows = [f"| {caller} | " + " | ".join(cells) + " |" for caller, cells in MATRIX.items()]
    return "\n".join(
        [
            "# Access matrix",
            "",
            "Generated from `tests/test_access_matrix.py`, which checks every cell against the",
            "running API. `deny` = 403 (and the attempt is audited); `404` = hidden exactly as",
            "if it did not exist; `yes` / `no` = whether that compartment's content is in the",
            "response; `-` = the record itself was denied. Every personal-data endpoint also",
            "needs an `X-Purpose` header (400 without) and a valid token (401 without).",
            "",
            head,
            rule,
            *rows,
            "",
        ]
    )


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("matrix")
    store = SqliteGraphStore(tmp / "graph.db")
    store.upsert(sc.NODES, sc.EDGES)
    settings = Settings(
        db_path=tmp / "graph.db",
        governance_path=tmp / "gov.db",
        ingest_path=tmp / "ingest.db",
        analysis_path=tmp / "analysis.db",
    )
    with IngestState(settings.ingest_path) as state:  # a refused source, and two persons
        lines = [w.source("SX", "NOBODY"), w.person("MX1"), w.person("MX2", dob=None)]
        data = stream_lines(w.dumps(lines).encode().splitlines(), "matrix.jsonl")
        ingest(store, state, [data], actor=Actor("test:matrix", "admin"), audit=None)
    kept = MeasureStore(settings.analysis_path)
    analyse(store, kept, role_views())
    kept.close()
    accounts = AccountStore(settings.governance_path)
    tokens = {name: accounts.add(name, role, scopes) for name, (role, scopes) in CALLERS.items()}
    accounts.close()
    with TestClient(create_app(settings, store=store)) as client:
        yield client, tokens
    store.close()


def _get(client: TestClient, token: str, path: str) -> Any:
    return client.get(
        path, headers={"Authorization": f"Bearer {token}", "X-Purpose": "offender_management"}
    )


def _observe(client: TestClient, token: str) -> list[str]:
    """The caller's actual row of the matrix."""

    def status(path: str) -> str:
        code = _get(client, token, path).status_code
        return {403: "deny", 404: "404"}.get(code, str(code))

    cells = [status("/health"), status("/store/status")]
    person = _get(client, token, "/persons/P1")
    if person.status_code == 200:
        body = person.json()
        general = body["visor"]["licence_conditions"] == sc.P1.visor.licence_conditions  # type: ignore[union-attr]
        cells += ["yes" if general else "no", "yes" if body["medical"] else "no"]
    else:
        cells += [status("/persons/P1"), "-"]
    report = _get(client, token, "/reports/R1")
    if report.status_code == 200:
        body = report.json()
        rep = body["report"]
        general = rep["text"] == sc.R1.text and rep["grading"]["handling_conditions"]
        links = {link["kind"] for link in body["links"]}
        cells += [
            "yes" if general else "no",
            "yes" if rep["confidential"] else "no",
            "yes" if "PROVIDED_BY" in links else "no",
        ]
    else:
        cells += [status("/reports/R1"), "-", "-"]
    r3 = status("/reports/R3")
    cells += ["yes" if r3 == "200" else r3, status("/audit"), status("/audit/verify")]
    auth = {"Authorization": f"Bearer {token}", "X-Purpose": "intelligence_review"}
    loaded = client.post(
        "/ingest",
        content=w.dumps([w.location("LM1")]),
        headers={**auth, "Content-Type": "application/x-ndjson"},
    )
    cells.append({403: "deny"}.get(loaded.status_code, str(loaded.status_code)))
    quarantine = client.get("/quarantine", headers=auth)
    if quarantine.status_code == 200:
        (refused,) = quarantine.json()["items"]
        cells += ["200", "yes" if "NOBODY" in refused["reason"] else "no"]
    else:
        cells += [status("/quarantine"), "-"]
    cells.append(status("/resolution/queue"))
    verdict = {"a": "MX1", "b": "MX2", "verdict": "unsure", "reason": "matrix"}
    judged = client.post("/resolution/judgements", json=verdict, headers=auth)
    cells.append({403: "deny"}.get(judged.status_code, str(judged.status_code)))
    cells.append(status("/persons/P1/entity"))
    cells.append(status("/persons/P1/associates"))
    cells.append(status("/paths?from=P1&to=P2"))
    network = client.post(
        "/analysis/connecting-network", json={"people": ["P1", "P2"]}, headers=auth
    )
    cells.append({403: "deny"}.get(network.status_code, str(network.status_code)))
    line = _get(client, token, "/persons/P1/timeline")
    if line.status_code == 200:
        cells += ["200", "yes" if "R3" in {e["node_id"] for e in line.json()["events"]} else "no"]
    else:
        cells += [status("/persons/P1/timeline"), "-"]
    cells += [status("/persons/P1/risk"), status("/risk/ranked"), status("/analysis/measures")]
    cells.append(status("/notifications"))
    cells += [status("/chis/candidates"), status("/sources/S1/chronology")]
    decision = {"outcome": "no_further_action", "rationale": "matrix"}
    decided = client.post("/chis/candidates/S1/review", json=decision, headers=auth)
    cells.append({403: "deny"}.get(decided.status_code, str(decided.status_code)))
    cells.append(status("/charts/persons/P1"))
    chart = _get(client, token, "/charts/persons/P1.json?depth=3")
    if chart.status_code == 200:
        drawn = {n["id"] for n in chart.json()["nodes"]}
        cells.append("yes" if {"S1", "P4"} <= drawn else "no" if not drawn & {"S1", "P4"} else "?")
    else:
        cells.append("-")
    cells += [status("/charts/persons/P1/export"), status("/persons?q=Hume")]
    shared = client.post("/sharing-decisions", json=SHARING, headers=auth)
    cells.append({403: "deny"}.get(shared.status_code, str(shared.status_code)))
    cells.append(status("/persons/P1/sharing"))
    cells.append(status("/reviews/due"))
    cells.append(status("/persons/P1/subject-access"))
    cells.append(status("/kpis/mappa?from=2025-04-01&to=2026-03-31"))
    cells.append(status("/disclosure-schemes/applications"))
    cells += [status("/persons/P1/management"), status("/travel")]
    cells += [status("/persons/P1/mapp-minutes"), status("/mapp/actions")]
    cells.append(status("/partner-requests"))
    cells.append(status("/taskings"))
    return cells


@pytest.mark.parametrize("caller", list(MATRIX))
def test_matrix_row(api: tuple[TestClient, dict[str, str]], caller: str) -> None:
    client, tokens = api
    assert _observe(client, tokens[caller]) == MATRIX[caller]


def test_docs_show_the_tested_matrix() -> None:
    assert DOC.read_text() == render_matrix(), "run: python -m tests.test_access_matrix"


def test_authentication_failures_say_nothing(api: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = api
    for header in (
        {},
        {"Authorization": "Bearer mos_forged"},
        {"Authorization": "Basic x"},
        {"Authorization": "Bearer " + "x" * 500},
    ):
        response = client.get("/persons/P1", headers={**header, "X-Purpose": "investigation"})
        assert response.status_code == 401
        assert response.json() == {"detail": "not authenticated"}


def test_revoked_token_is_refused(tmp_path: Path) -> None:
    accounts = AccountStore(tmp_path / "gov.db")
    token = accounts.add("temp", Role.FRONTLINE)
    assert accounts.authenticate(token) is not None
    assert accounts.revoke("temp") and not accounts.revoke("temp")
    assert accounts.authenticate(token) is None
    accounts.close()


def test_purpose_is_required(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    auth = {"Authorization": f"Bearer {tokens['frontline']}"}
    assert client.get("/persons/P1", headers=auth).status_code == 400
    bad = client.get("/persons/P1", headers={**auth, "X-Purpose": "curiosity"})
    assert bad.status_code == 400 and "unknown purpose" in bad.json()["detail"]


def test_partner_sees_handling_conditions_on_what_it_receives(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = api
    body = _get(client, tokens["partner_agency"], "/reports/R1").json()
    assert body["report"]["marking"]["handling_conditions"] == "originator consent before action"
    assert all(link["marking"]["handling_code"] in (None, "P", "C", "2") for link in body["links"])


if __name__ == "__main__":
    DOC.write_text(render_matrix())
    print(f"wrote {DOC}")
