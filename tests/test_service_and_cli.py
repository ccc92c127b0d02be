"""The service's health and status endpoints and the `mosaic` CLI, on the embedded store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.accounts import AccountStore
from api.app import create_app
from api.cli import app as cli
from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.config import Settings
from ingest.demo_seed import demo_graph


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a throwaway install; the CLI reads the same through the environment."""
    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "svc.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    return Settings()


def test_health_and_store_status(settings: Settings) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["seed-demo", "--db", str(settings.db_path)]).exit_code == 0
    accounts = AccountStore(settings.governance_path)
    admin, analyst = accounts.add("adm", Role.ADMIN), accounts.add("ana", Role.ANALYST)
    accounts.close()
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/store/status").status_code == 401
        denied = client.get("/store/status", headers={"Authorization": f"Bearer {analyst}"})
        assert denied.status_code == 403
        body = client.get("/store/status", headers={"Authorization": f"Bearer {admin}"}).json()
    nodes, edges = demo_graph()
    assert body["backend"] == "embedded"
    assert sum(body["nodes"].values()) == len(nodes)
    assert sum(body["edges"].values()) == len(edges)
    assert body["nodes"]["Person"] == sum(1 for n in nodes if n.kind == "Person")


def test_cli_seed_is_idempotent_audited_and_status_counts(settings: Settings) -> None:
    runner = CliRunner()
    db = str(settings.db_path)
    nodes, edges = demo_graph()
    first = runner.invoke(cli, ["seed-demo", "--db", db])
    assert first.exit_code == 0 and f"created {len(nodes) + len(edges)}," in first.output
    again = runner.invoke(cli, ["seed-demo", "--db", db])
    assert f"created 0, updated 0, unchanged {len(nodes) + len(edges)}" in again.output
    log = AuditLog(settings.governance_path)
    (collected,) = log.query(operation=Operation.COLLECTION)
    assert collected.actor == "cli:seed-demo" and len(collected.subjects) == len(nodes) + len(edges)
    assert log.count() == 1  # the second, unchanged load collected nothing
    log.close()
    status = runner.invoke(cli, ["status", "--db", db], env={"COLUMNS": "120"})
    assert status.exit_code == 0
    assert "total nodes" in status.output and f"{len(nodes)}" in status.output


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOSAIC_STORE", "neo4j")
    monkeypatch.setenv("MOSAIC_NEO4J_DATABASE", "intel")
    settings = Settings()
    assert settings.store == "neo4j" and settings.neo4j_database == "intel"
    monkeypatch.setenv("MOSAIC_STORE", "mongodb")
    with pytest.raises(ValueError, match="store"):
        Settings()


def test_demo_accounts_are_made_once_and_work(settings: Settings) -> None:
    from api.cli import DEMO_ROLES, _demo_accounts

    _demo_accounts(settings)
    _demo_accounts(settings)
    lines = settings.governance_path.with_name("demo-tokens.txt").read_text().splitlines()
    assert [line.split()[0] for line in lines] == [f"demo-{r.value}" for r in DEMO_ROLES]
    tokens = dict(line.split() for line in lines)
    runner = CliRunner()
    assert runner.invoke(cli, ["seed-demo", "--db", str(settings.db_path)]).exit_code == 0
    with TestClient(create_app(settings)) as client:
        ok = client.get(
            "/persons/DEMO-P1",
            headers={
                "Authorization": f"Bearer {tokens['demo-analyst']}",
                "X-Purpose": "investigation",
            },
        )
    assert ok.status_code == 200 and ok.json()["names"][0]["family"] == "Hume"
    assert ok.json()["medical"] is None  # analysts do not see medical details


def test_routes_mounted_flat_give_the_api_include_router_would(settings: Settings) -> None:
    """`mount` puts each router's routes on the app (no per-request re-matching of lazily
    included routers): the same operations, parameters, tags and responses as the usual
    `include_router`, and a router with dependencies of its own is still included."""
    from fastapi import APIRouter, Depends, FastAPI, HTTPException
    from fastapi.openapi.utils import get_openapi
    from fastapi.routing import APIRoute
    from starlette.routing import BaseRoute

    from api.app import ROUTERS, mount

    app = create_app(settings)
    reference = FastAPI()
    for router in ROUTERS:
        reference.include_router(router)

    def schema(routes: list[BaseRoute]) -> dict[str, Any]:
        return get_openapi(title="t", version="1", routes=routes)

    assert schema(app.routes) == schema(reference.routes)
    flat = [r for r in app.routes if isinstance(r, APIRoute)]
    assert len(flat) == sum(len(r.routes) for r in ROUTERS) >= 40

    def refuse() -> None:
        raise HTTPException(status_code=403)

    guarded = APIRouter(dependencies=[Depends(refuse)])

    @guarded.get("/guarded")
    def guarded_route() -> dict[str, str]:
        return {}

    other = FastAPI()
    mount(other, guarded)
    with TestClient(other) as client:
        assert client.get("/guarded").status_code == 403  # the router's dependency ran


def test_personal_reads_document_their_token_and_purpose(settings: Settings) -> None:
    """`personal_read` reads both headers itself; the schema must still state them."""
    schema = create_app(settings).openapi()
    for path in ("/persons/{person_id}", "/reports/{report_id}"):
        operation = schema["paths"][path]["get"]
        assert operation["security"] == [{"HTTPBearer": []}]
        (purpose,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert purpose["name"] == "x-purpose" and purpose["required"] is True
        assert purpose["schema"] == {"type": "string", "enum": settings.purposes}
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
