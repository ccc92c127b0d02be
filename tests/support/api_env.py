"""What an API test needs: settings whose every file is in the test's tmp_path, and one
account per role with the headers that carry its token and purpose."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from api.accounts import AccountStore
from graph.access import Role
from graph.config import Settings


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
