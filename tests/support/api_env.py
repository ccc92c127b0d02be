"""What an API test needs: settings whose every file is in the test's tmp_path, and one
account per role with the headers that carry its token and purpose."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from graph.access import Role
from graph.audit import AuditEntry, AuditEvent, AuditLog, Operation
from graph.config import Settings
from graph.markings import Compartment, Marking
from graph.stores.sqlite import SqliteGraphStore
from tests import wire as w


def tmp_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings with the store, governance, ingest and analysis files all under `tmp_path`
    (a default path would share `var/` between tests)."""
    files = {
        "db_path": tmp_path / "g.db",
        "governance_path": tmp_path / "gov.db",
        "ingest_path": tmp_path / "ingest.db",
        "analysis_path": tmp_path / "analysis.db",
    }
    return Settings(**(files | overrides))


def role_headers(
    governance: Path, roles: Iterable[Role], purpose: str, **extra: str
) -> dict[Role, dict[str, str]]:
    """An account named `u-ROLE` for each role, and its request headers (`extra` added)."""
    accounts = AccountStore(governance)
    try:
        return {
            r: {
                "Authorization": f"Bearer {accounts.add(f'u-{r.value}', r)}",
                "X-Purpose": purpose,
                **extra,
            }
            for r in roles
        }
    finally:
        accounts.close()


NDJSON = {"Content-Type": "application/x-ndjson"}


@contextmanager
def api_session(
    tmp_path: Path, roles: Iterable[Role], purpose: str, **overrides: Any
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Settings]]:
    """The real app on throwaway files, with one account per role: (client, headers by
    role, settings)."""
    settings = tmp_settings(tmp_path, **overrides)
    headers = role_headers(settings.governance_path, roles, purpose)
    with TestClient(create_app(settings)) as client:
        yield client, headers, settings


def load(
    client: TestClient, headers: dict[str, str], records: Sequence[Any], clean: bool = True
) -> Any:
    """`POST /ingest` the records as JSON Lines; the summary. `clean`: nothing quarantined."""
    response = client.post("/ingest", content=w.dumps(list(records)), headers={**headers, **NDJSON})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not clean or body["quarantined"] == 0, body["rejections"]
    return body


def remark(db_path: Path, ids: set[str], compartment: Compartment) -> None:
    """Move stored nodes into another compartment, as a hand-set marking would: ingest
    never produces most of these, so tests of hidden records make them this way."""
    with SqliteGraphStore(db_path) as store:
        nodes = store.get_nodes(sorted(ids))
        assert set(nodes) == ids
        store.upsert(
            [
                n.model_copy(update={"marking": Marking(compartment=compartment)})
                for n in nodes.values()
            ]
        )


def audit_entries(settings: Settings, limit: int = 500) -> list[AuditEntry]:
    """The audit log's entries, oldest first, read from the file the app writes."""
    log = AuditLog(settings.governance_path)
    try:
        return log.query(limit=limit)
    finally:
        log.close()


def sample_event(i: int, op: Operation = Operation.CONSULTATION) -> AuditEvent:
    """A person read by one of three analysts, for tests of the log itself."""
    return AuditEvent(
        operation=op,
        actor=f"user{i % 3}",
        role="analyst",
        purpose="investigation",
        action="read person",
        subjects=[f"P{i}"],
        returned=[f"P{i}"],
    )


def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point the `mosaic` CLI at the same files as `settings` (it reads the environment)."""
    for name, value in {
        "MOSAIC_DB_PATH": settings.db_path,
        "MOSAIC_GOVERNANCE_PATH": settings.governance_path,
        "MOSAIC_INGEST_PATH": settings.ingest_path,
        "MOSAIC_ANALYSIS_PATH": settings.analysis_path,
    }.items():
        monkeypatch.setenv(name, str(value))


def dispose(client: TestClient, headers: dict[str, str], record_id: str) -> Any:
    """Dispose of a report through `POST /reviews`; the disposal part of the answer."""
    made = client.post(
        "/reviews",
        json={"record_id": record_id, "outcome": "dispose", "rationale": "no longer necessary"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return made.json()["disposal"]
