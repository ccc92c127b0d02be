"""The one place Mosaic errors become HTTP responses.

Denied attempts are themselves audited here, so a refused look at personal data is on the
record even though nothing was disclosed.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from graph.audit import AuditEvent, AuditLog, Operation
from graph.errors import (
    AccessDenied,
    MosaicError,
    NotAuthenticated,
    NotFound,
    PurposeRequired,
    StoreError,
    StoreUnavailable,
    TooLarge,
    ValidationFailed,
)

log = logging.getLogger(__name__)
UNAVAILABLE = "the service cannot answer now; nothing was disclosed"
STATUS: list[tuple[type[MosaicError], int]] = [
    (NotAuthenticated, 401),
    (AccessDenied, 403),
    (PurposeRequired, 400),
    (NotFound, 404),
    (ValidationFailed, 422),
    (TooLarge, 413),
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
    if isinstance(exc, StoreUnavailable):
        # The cause (SQLite's or the driver's message, a path, a URI) is for the operator's
        # log, not the caller.
        log.error("%s %s: %s", request.method, request.url.path, exc, exc_info=exc)
        return JSONResponse({"detail": UNAVAILABLE}, status)
    principal = getattr(request.state, "principal", None)
    if isinstance(exc, AccessDenied) and principal is not None:
        audit: AuditLog = request.app.state.audit
        given = request.headers.get("x-purpose")
        # The purpose has not been checked yet (403 comes first): it is recorded as the
        # purpose only when it is a configured one, else what was sent, cut short, as a
        # detail.
        known = given if given in request.app.state.settings.purposes else None
        details = {"purpose_given": given[:100]} if given and known is None else {}
        try:
            await audit.record_async(
                AuditEvent(
                    operation=Operation.CONSULTATION,
                    actor=principal.name,
                    role=principal.role.value,
                    purpose=known,
                    action=f"{request.method} {request.url.path}",
                    outcome="denied",
                    details=details,
                )
            )
        except StoreUnavailable as failed:
            log.error("a refusal could not be audited: %s", failed, exc_info=failed)
            return JSONResponse({"detail": UNAVAILABLE}, 503)
    if isinstance(exc, ValidationFailed):
        # The shape FastAPI documents for every 422, so one schema holds for all of them;
        # `message` repeats the sentence for people and scripts that want just that.
        problem = {"type": "value_error", "loc": ["body"], "msg": str(exc)}
        return JSONResponse({"detail": [problem], "message": str(exc)}, status)
    return JSONResponse({"detail": str(exc)}, status)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's own handling, except that a 405 lists every method the path has: one
    path can be served by several routes (GET and POST), each knowing only its own."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != 405:
        return await http_exception_handler(request, exc)
    allowed: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        methods = getattr(route, "methods", None)
        if match is not Match.NONE and methods:
            allowed |= set(methods)
    return JSONResponse(
        {"detail": "Method Not Allowed"}, 405, headers={"Allow": ", ".join(sorted(allowed))}
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(MosaicError, mosaic_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
