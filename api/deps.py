"""Typed dependency aliases shared by the routers (as in the FastAPI full-stack template).

The dependencies are `async def` on purpose: none of them waits on I/O for long (the token
lookup is one indexed SQLite read), and a plain `def` dependency costs a thread-pool hop
each, which the load benchmark showed to dominate a person read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.accounts import AccountStore
from graph.access import AccessPolicy, Permission, Principal
from graph.audit import AuditEvent, AuditLog, Operation
from graph.config import Settings
from graph.errors import AccessDenied, NotAuthenticated, NotFound, PurposeRequired
from graph.nodes import Person, Report
from graph.store import GraphStore
from ingest.entities import Resolution

T = TypeVar("T")
V = TypeVar("V", Person, Report)

bearer = HTTPBearer(auto_error=False, description="A token made by `mosaic users add`.")
PURPOSE_DOC = "Why personal data is processed: one of the configured purposes."


async def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


async def get_audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    accounts: AccountStore = request.app.state.accounts
    principal = accounts.authenticate(credentials.credentials) if credentials else None
    if principal is None:
        raise NotAuthenticated("not authenticated")
    request.state.principal = principal
    return principal


StoreDep = Annotated[GraphStore, Depends(get_store)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the caller must hold `permission`."""

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.can(permission):
            raise AccessDenied(f"role {principal.role.value!r} may not do this")
        return principal

    return check


async def get_purpose(
    settings: SettingsDep,
    x_purpose: Annotated[
        str | None,
        Header(description=PURPOSE_DOC),
    ] = None,
) -> str:
    if not x_purpose:
        raise PurposeRequired("an X-Purpose header is required for personal data")
    if x_purpose not in settings.purposes:
        raise PurposeRequired(
            f"unknown purpose {x_purpose!r}; expected one of: {', '.join(settings.purposes)}"
        )
    return x_purpose


@dataclass(frozen=True)
class PersonalRead:
    """Everything a personal-data read needs, checked in the order callers are told:
    token (401), permission (403), purpose (400).

    A route's own permission checks (FIB only, supervisors only, ...) run in the handler,
    after this dependency, and use only `principal` and `policy`. So a missing or unknown
    purpose is kept, not raised, until the handler first reaches for the data or the audit
    log (`store`, `resolution`, `audit`, `purpose`, or an entry): a caller refused by a
    route's permission gets 403 (and the refusal is audited) whatever their purpose."""

    principal: Principal
    _purpose: str | None
    _store: GraphStore
    _audit: AuditLog
    _resolution: Resolution | None = None
    _refused: PurposeRequired | None = None

    def _purpose_given(self) -> None:
        if self._refused is not None:
            raise self._refused

    def require_purpose(self) -> None:
        """Raise the purpose refusal now: called by each route's permission check once it
        has passed, so nothing is read or written for a request without a purpose."""
        self._purpose_given()

    @property
    def purpose(self) -> str:
        self._purpose_given()
        return self._purpose or ""

    @property
    def store(self) -> GraphStore:
        self._purpose_given()
        return self._store

    @property
    def audit(self) -> AuditLog:
        self._purpose_given()
        return self._audit

    @property
    def resolution(self) -> Resolution | None:
        self._purpose_given()
        return self._resolution

    @property
    def policy(self) -> AccessPolicy:
        return AccessPolicy(self.principal)

    async def consulted(
        self, action: str, subjects: list[str], returned: list[str], **details: Any
    ) -> None:
        """Write the consultation entry; returns once it is durable (before any response)."""
        await self.recorded(Operation.CONSULTATION, action, subjects, returned, **details)

    async def disclosed(
        self,
        action: str,
        subjects: list[str],
        returned: list[str],
        recipients: list[str],
        **details: Any,
    ) -> None:
        """The s62 disclosure entry, with its recipients; returns once it is durable."""
        await self.recorded(
            Operation.DISCLOSURE, action, subjects, returned, recipients=recipients, **details
        )

    async def recorded(
        self,
        operation: Operation,
        action: str,
        subjects: list[str],
        returned: list[str] | None = None,
        recipients: list[str] | None = None,
        **details: Any,
    ) -> None:
        """Write an audit entry for this caller and purpose; returns once it is durable."""
        await self.audit.record_async(
            AuditEvent(
                operation=operation,
                actor=self.principal.name,
                role=self.principal.role.value,
                purpose=self.purpose,
                action=action,
                subjects=subjects,
                returned=returned or [],
                recipients=recipients or [],
                details=details,
            )
        )


PERSONAL_READ_OPENAPI: dict[str, Any] = {
    "security": [{bearer.scheme_name: []}],
    "parameters": [{"name": "x-purpose", "in": "header", "description": PURPOSE_DOC, "schema": {}}],
}
"""What `personal_read` reads, for the OpenAPI schema of each route that uses it (the
X-Purpose entry is completed by the app with the configured purposes)."""


async def personal_read(request: Request) -> PersonalRead:
    """One dependency for the hot path, taking only the request: each FastAPI dependency and
    declared parameter costs resolution work per request (declaring the bearer scheme and
    the X-Purpose header as sub-dependencies cost about 80 us a read in the load benchmark),
    so it reads both headers itself and routes document them with `PERSONAL_READ_OPENAPI`.
    """
    principal = await get_principal(request, await bearer(request))
    if not principal.can(Permission.READ_PERSONAL):
        raise AccessDenied(f"role {principal.role.value!r} may not do this")
    state = request.app.state
    given = request.headers.get("x-purpose")
    try:
        purpose, refused = await get_purpose(state.settings, given), None
    except PurposeRequired as exc:
        purpose, refused = None, exc
    return PersonalRead(principal, purpose, state.store, state.audit, state.resolution, refused)


ReadDep = Annotated[PersonalRead, Depends(personal_read)]
Auditor = Annotated[Principal, Depends(require(Permission.READ_AUDIT))]
Admin = Annotated[Principal, Depends(require(Permission.ADMIN_STORE))]
PurposeDep = Annotated[str, Depends(get_purpose)]


def policy_for(principal: Principal) -> AccessPolicy:
    return AccessPolicy(principal)


async def store_call(store: GraphStore, fn: Callable[..., T], *args: Any) -> T:
    """Run a store read from an async route.

    The embedded store answers from indexed SQLite in well under a millisecond, so it runs
    inline; a networked backend (Neo4j) runs in a worker thread so the event loop never
    waits on the network.
    """
    if store.backend == "embedded":
        return fn(*args)
    return await run_in_threadpool(fn, *args)


async def visible(ctx: PersonalRead, node_id: str, kind: type[V], label: str) -> V:
    """The record as the caller may see it; hidden and missing are the same NotFound."""
    node = await store_call(ctx.store, ctx.store.get_node, node_id)
    view = ctx.policy.node_view(node) if node is not None else None
    if not isinstance(view, kind):
        raise NotFound(f"{label} {node_id!r} not found")
    return view
