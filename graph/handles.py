"""Opaque handles for records numbered by one sequence shared by callers who see different
parts of it.

A number from such a sequence counts what a caller may not see: the gap between two
notifications an offender manager is shown is how many went to other owners, and when.
Callers are given a handle instead: the number sealed under a per-deployment key with
HMAC-SHA256 (deterministic authenticated encryption, SIV-style: a tag that is a keyed
function of the number, then the number masked by a keyed function of the tag). The same
number always gets the same handle, a handle tells nothing of its number or of any other,
and only a handle this deployment made opens. Stored records and the audit log keep the
numbers (auditors see everything).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading

from graph.sqlite_files import write_transaction

HANDLE = r"^[0-9a-f]{48}$"
"""A handle as the OpenAPI schema states it: 24 bytes as lower-case hex."""
_FORM = re.compile(r"[0-9a-f]{48}")
_TAG, _BODY = 16, 8  # a 128-bit tag, then the 64-bit number masked

KEYS = "CREATE TABLE IF NOT EXISTS handle_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL)"


def kept_key(conn: sqlite3.Connection, lock: threading.Lock | threading.RLock, name: str) -> bytes:
    """The deployment's key for `name`, made at random the first time and kept in the file
    the numbered records live in, so every process serving them makes the same handles."""
    with write_transaction(conn, lock) as tx:
        tx.execute(KEYS)
        tx.execute(
            "INSERT OR IGNORE INTO handle_keys (name, key) VALUES (?, ?)",
            (name, secrets.token_bytes(32)),
        )
        (key,) = tx.execute("SELECT key FROM handle_keys WHERE name = ?", (name,)).fetchone()
    return bytes(key)


class Handles:
    """Handles for one kind of record: `kind` is bound into the key, so one kind's handle
    never opens as another's."""

    def __init__(self, key: bytes, kind: str) -> None:
        self._key = hmac.new(key, b"mosaic-handle:" + kind.encode(), hashlib.sha256).digest()

    def _prf(self, label: bytes, data: bytes) -> bytes:
        return hmac.new(self._key, label + data, hashlib.sha256).digest()

    def of(self, number: int) -> str:
        """The handle of `number` (0 <= number < 2**64)."""
        body = number.to_bytes(_BODY, "big")
        tag = self._prf(b"tag", body)[:_TAG]
        pad = self._prf(b"pad", tag)[:_BODY]
        return (tag + bytes(b ^ p for b, p in zip(body, pad, strict=True))).hex()

    def number(self, handle: str) -> int | None:
        """The number `handle` seals, or None when this deployment did not make it."""
        if not _FORM.fullmatch(handle):
            return None
        raw = bytes.fromhex(handle)
        tag, sealed = raw[:_TAG], raw[_TAG:]
        pad = self._prf(b"pad", tag)[:_BODY]
        body = bytes(s ^ p for s, p in zip(sealed, pad, strict=True))
        if not hmac.compare_digest(self._prf(b"tag", body)[:_TAG], tag):
            return None
        return int.from_bytes(body, "big")
