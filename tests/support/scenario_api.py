"""The hand-built scenario behind a running app, with one account per role asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from graph.access import Role
from graph.config import Settings
from graph.edges import Edge
from graph.nodes import Node
from graph.stores.sqlite import SqliteGraphStore
from tests import scenario as sc

Auth = Callable[[Role], dict[str, str]]


@contextmanager
def scenario_api(
    tmp_path: Path,
    roles: tuple[Role, ...],
    purpose: str = "investigation",
    more: tuple[Sequence[Node], Sequence[Edge]] = ((), ()),
) -> Iterator[tuple[TestClient, Auth, Settings]]:
    """(client, auth headers by role, settings); accounts are named after their role.
    `more` nodes and edges are loaded beside the scenario."""
    store = SqliteGraphStore(tmp_path / "g.db")
    store.upsert(sc.NODES, sc.EDGES)
    if more[0] or more[1]:
        store.upsert(more[0], more[1])
    settings = Settings(
        db_path=tmp_path / "g.db",
        governance_path=tmp_path / "gov.db",
        ingest_path=tmp_path / "i.db",
        analysis_path=tmp_path / "a.db",
    )
    accounts = AccountStore(settings.governance_path)
    tokens = {r: accounts.add(r.value, r) for r in roles}
    accounts.close()

    def auth(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}", "X-Purpose": purpose}

    try:
        with TestClient(create_app(settings, store=store)) as client:
            yield client, auth, settings
    finally:
        store.close()
