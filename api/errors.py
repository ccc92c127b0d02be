"""The one place Mosaic errors become HTTP responses.

Denied attempts are themselves audited here, so a refused look at personal data is on the
record even though nothing was disclosed.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from graph.audit import AuditEvent, AuditLog, Operation
from graph.errors import (
    AccessDenied,
    MosaicError,
    NotAuthenticated,
    NotFound,
    PurposeRequired,
    StoreError,
    StoreUnavailable,
    ValidationFailed,
)

STATUS: list[tuple[type[MosaicError], int]] = [
    (NotAuthenticated, 401),
    (AccessDenied, 403),
    (PurposeRequired, 400),
    (NotFound, 404),
    (ValidationFailed, 422),
    (StoreUnavailable, 503),
    (StoreError, 409),
]


def status_for(exc: MosaicError) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 500


async def mosaic_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MosaicError)
    status = status_for(exc)
    if isinstance(exc, NotAuthenticated):
        return JSONResponse(
            {"detail": "not authenticated"}, status, headers={"WWW-Authenticate": "Bearer"}
        )
    principal = getattr(request.state, "principal", None)
    if isinstance(exc, AccessDenied) and principal is not None:
        audit: AuditLog = request.app.state.audit
        await audit.record_async(
            AuditEvent(
                operation=Operation.CONSULTATION,
                actor=principal.name,
                role=principal.role.value,
                purpose=request.headers.get("x-purpose"),
                action=f"{request.method} {request.url.path}",
                outcome="denied",
            )
        )
    return JSONResponse({"detail": str(exc)}, status)


def install(app: FastAPI) -> None:
    app.add_exception_handler(MosaicError, mosaic_error_handler)
