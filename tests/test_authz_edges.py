"""Authorisation edge cases: the order of refusals (401, 403, 400, with the 403 audited),
scopes that must not widen a view, and CLI reads of raw quarantined lines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.accounts import AccountStore
from api.app import create_app
from api.cli import app as cli
from graph.access import Permission, Role
from graph.config import Settings
from tests import wire as w
from tests.support.api_env import audit_entries, cli_env, role_headers, tmp_settings

MEDICAL = "synthetic medical note: insulin dependent"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Settings]]:
    settings = tmp_settings(tmp_path)
    headers = role_headers(
        settings.governance_path,
        (Role.ANALYST, Role.FRONTLINE, Role.SUPERVISOR),
        "investigation",
    )
    with TestClient(create_app(settings)) as client:
        records = [w.person("P1", "Alden", "Quarry", medical={"notes": MEDICAL})]
        loaded = client.post(
            "/ingest",
            content=w.dumps(records),
            headers={**headers[Role.ANALYST], "Content-Type": "application/x-ndjson"},
        )
        assert loaded.status_code == 200 and loaded.json()["accepted"] == 1, loaded.text
        yield client, headers, settings


@pytest.mark.parametrize(
    "path", ["/chis/candidates", "/risk/ranked", "/reviews/due", "/persons/P1/subject-access"]
)
def test_permission_is_refused_before_the_purpose_is_asked_for(api: Any, path: str) -> None:
    """Documented order: token (401), permission (403), purpose (400). A frontline officer
    without `X-Purpose` asking for what their role may never have must get 403, and the
    refused attempt must be audited; the role checks made inside the handlers run after
    `ReadDep` has already asked for the purpose, so the caller gets 400 and no audit entry."""
    client, headers, settings = api
    bare = {"Authorization": headers[Role.FRONTLINE]["Authorization"]}
    response = client.get(path, headers=bare)
    assert response.status_code == 403, (response.status_code, response.text)
    denied = [
        e for e in audit_entries(settings) if e.actor == "u-frontline" and e.outcome == "denied"
    ]
    assert denied, "the refused attempt was not audited"


def test_service_scope_for_subject_access_gives_no_more_than_the_general_compartment(
    api: Any,
) -> None:
    """A service account sees the `general` compartment only (graph/access.py) and acts
    only through its scopes; with `sar:produce` it nevertheless receives a person's medical
    block through the subject access pack, which it cannot see on `GET /persons/P1`."""
    client, _, settings = api
    accounts = AccountStore(settings.governance_path)
    try:
        token = accounts.add(
            "svc-sar",
            Role.SERVICE,
            frozenset({Permission.READ_PERSONAL, Permission.SUBJECT_ACCESS}),
        )
    finally:
        accounts.close()
    auth = {"Authorization": f"Bearer {token}", "X-Purpose": "investigation"}
    person = client.get("/persons/P1", headers=auth)
    assert person.status_code == 200 and person.json()["medical"] is None
    pack = client.get("/persons/P1/subject-access", headers=auth)
    assert MEDICAL not in pack.text, (pack.status_code, pack.text[:300])


def test_cli_quarantine_export_of_personal_data_is_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`GET /quarantine` needs a purpose, withholds the raw lines and is audited; the CLI
    writes the raw refused lines (a person's medical notes here) with no purpose and no
    audit entry, although every consultation of personal data is to be audited."""
    settings = tmp_settings(tmp_path)
    cli_env(monkeypatch, settings)
    bad = w.person("P9", "Alden", "Quarry", gender="Q", medical={"notes": MEDICAL})
    feed = w.write(tmp_path / "feed.jsonl", [bad])
    runner = CliRunner()
    loaded = runner.invoke(cli, ["ingest", str(feed), "--json"])
    assert loaded.exit_code == 0, loaded.output
    before = len(audit_entries(settings))
    out = tmp_path / "fix.jsonl"
    exported = runner.invoke(cli, ["quarantine", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert MEDICAL in out.read_text()  # personal data left the system
    after = audit_entries(settings)
    assert len(after) > before, "quarantine export wrote no audit entry"
