"""Users and service accounts with bearer tokens.

A token is 32 random bytes shown once when the account is made; only its SHA-256 is kept
(a random 256-bit secret needs no slow hash). Unknown, revoked and malformed tokens are
indistinguishable to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from graph.access import Permission, Principal, Role
from graph.errors import ValidationFailed
from graph.notifications import OWNERS_NOT_ACCOUNTS
from graph.sqlite_files import open_sqlite

TOKEN_PREFIX = "mos_"

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""


class Account(BaseModel):
    name: str
    role: Role
    scopes: list[Permission]
    created_at: datetime
    revoked_at: datetime | None


OWNER_NAMES = OWNERS_NOT_ACCOUNTS
"""Notification owners that are not accounts: `fib` (the intelligence unit's CHIS
notifications) and `unassigned` (nominals with no offender manager). An offender manager's
notifications are found by account name, so no offender manager may be called these."""
CLI_PREFIX = "cli:"
"""How the audit log names someone at the shell (`cli:USER`): no account's name."""


def is_reserved(name: str, role: Role = Role.OFFENDER_MANAGER) -> bool:
    """Whether an account of `role` may not be called `name`: it would be taken for
    someone (or something) else."""
    folded = name.casefold()
    if folded.startswith(CLI_PREFIX):
        return True
    return role is Role.OFFENDER_MANAGER and folded in OWNER_NAMES


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = open_sqlite(self.path, "the accounts")
        self._lock = threading.Lock()
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def add(self, name: str, role: Role, scopes: frozenset[Permission] = frozenset()) -> str:
        """Create an account and return its token (shown once, never stored)."""
        if not name.strip():
            raise ValidationFailed("an account needs a name")
        if name != name.strip() or not name.isprintable():
            raise ValidationFailed(
                f"an account name has no leading or trailing spaces and no control "
                f"characters: {name!r}"
            )
        if is_reserved(name, role):
            raise ValidationFailed(
                f"{name!r} is reserved for role {role.value!r}: it names a notification "
                "owner, or someone at the shell in the audit log; choose another name"
            )
        unknown = sorted(str(s) for s in scopes if s not in set(Permission))
        if unknown:
            raise ValidationFailed(
                f"unknown scope {', '.join(unknown)}; "
                f"expected some of: {', '.join(p.value for p in Permission)}"
            )
        scopes = frozenset(Permission(s) for s in scopes)
        if scopes and role is not Role.SERVICE:
            raise ValidationFailed("scopes are for service accounts (role 'service')")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT INTO accounts (name, role, scopes, token_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        name,
                        role.value,
                        ",".join(sorted(scopes)),
                        _hash(token),
                        datetime.now(UTC).isoformat(),
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise ValidationFailed(
                f"an account named {name!r} already exists (a revoked account's name is not "
                "reused: the audit log keeps one actor a name)"
            ) from exc
        return token

    def revoke(self, name: str) -> bool:
        with self._lock:
            cur = self._conn.execute(
                "UPDATE accounts SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(), name),
            )
        return cur.rowcount == 1

    def list(self) -> list[Account]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT name, role, scopes, created_at, revoked_at FROM accounts ORDER BY name"
            ).fetchall()
        return [
            Account(
                name=n,
                role=Role(r),
                scopes=[Permission(s) for s in sc.split(",") if s],
                created_at=c,
                revoked_at=v,
            )
            for n, r, sc, c, v in rows
        ]

    def authenticate(self, token: str) -> Principal | None:
        """The principal a live token belongs to, or None for any other token."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = _hash(token)
        with self._lock:
            row = self._conn.execute(
                "SELECT name, role, scopes, token_hash FROM accounts "
                "WHERE token_hash = ? AND revoked_at IS NULL",
                (digest,),
            ).fetchone()
        if row is None or not hmac.compare_digest(row[3], digest):
            return None
        scopes = frozenset(Permission(s) for s in row[2].split(",") if s)
        return Principal(name=row[0], role=Role(row[1]), scopes=scopes)
