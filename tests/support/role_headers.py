"""Accounts for API tests: one per role, with the headers that carry its token and purpose."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from api.accounts import AccountStore
from graph.access import Role


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
