"""Ingest over HTTP: a JSON Lines body is loaded exactly as `mosaic ingest` loads a file.

Role-restricted (`intel:write`) and audited as collection (and alteration) with the caller
as actor. One load runs at a time per process; the body size is capped by
`MOSAIC_INGEST_MAX_BYTES` (413 over it, read no further than the limit; the schema states
this deployment's limit, `document_limit`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import PurposeDep, SettingsDep, require
from api.schemas import ERRORS, ErrorBody, Page
from graph.access import Permission, Principal
from graph.audit import AuditEvent, Operation
from graph.errors import TooLarge
from graph.markings import Compartment
from graph.times import Instant
from ingest.loader import Actor
from ingest.pipeline import ingest, thresholds_from
from ingest.reader import stream_lines

router = APIRouter(tags=["ingest"], responses=ERRORS)
Writer = Annotated[Principal, Depends(require(Permission.WRITE_INTEL))]


class Rejected(BaseModel):
    file: str
    line: int
    record_id: str | None
    code: str
    reason: str


class IngestResult(BaseModel):
    """The load summary: accepted + quarantined always equals lines_read."""

    lines_read: int
    accepted: int
    created: int
    updated: int
    unchanged: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    accepted_by_kind: dict[str, int]
    mentions_matched: int
    mentions_new_persons: int
    notifications_raised: int = 0
    seconds: float
    records_per_second: float
    rejections: list[Rejected]
    warnings: dict[str, str] = Field(
        default_factory=dict,
        description="Record id -> why an accepted record is doubtful (kept with the record): "
        "a ViSOR offender manager named `fib` or `unassigned` leaves the nominal unassigned.",
    )
    resolution: dict[str, Any] | None
    chis: dict[str, Any] | None = Field(
        default=None,
        description="Do-not-task warnings: report id -> why a recorded police request may "
        "amount to use of a CHIS (kept with the record).",
    )


class QuarantinedLine(BaseModel):
    """A refused line. The raw text is not served (it is unvalidated and may hold any
    compartment); `mosaic quarantine export` gives it to the operator who fixes feeds."""

    seq: int
    file: str
    line: int
    record_id: str | None
    kind: str | None
    code: str
    reason: str
    first_seen: Instant
    last_seen: Instant
    resolved_at: Instant | None


LIMIT = "at most `MOSAIC_INGEST_MAX_BYTES` bytes (64 MiB unless configured)"


def document_limit(schema: dict[str, Any], max_bytes: int) -> None:
    """State this deployment's body limit in the OpenAPI schema, where clients look for
    it: on the request body and on the 413 that enforces it."""
    operation = schema["paths"]["/ingest"]["post"]
    limit = f"at most {max_bytes:,} bytes (`MOSAIC_INGEST_MAX_BYTES`)"
    operation["requestBody"]["description"] = f"interchange-v1 JSON Lines, {limit}"
    operation["responses"]["413"]["description"] = f"The body is larger than allowed: {limit}"


async def _capped_body(request: Request, max_bytes: int) -> bytes:
    """The body, or TooLarge as soon as it is known to exceed `max_bytes`: from its
    declared length before a byte is read, else while it streams in, so an oversized upload
    is never held in memory whole."""

    def too_large(size: str) -> TooLarge:
        return TooLarge(
            f"the body is {size} bytes; POST /ingest takes at most {max_bytes:,} bytes "
            "(MOSAIC_INGEST_MAX_BYTES): split the file, or use `mosaic ingest`"
        )

    declared = request.headers.get("content-length", "")
    if re.fullmatch(r"[0-9]+", declared) and (len(declared) > 18 or int(declared) > max_bytes):
        raise too_large(f"{int(declared):,}" if len(declared) <= 18 else f"over {max_bytes:,}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(f"over {max_bytes:,}")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/ingest",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"interchange-v1 JSON Lines, {LIMIT}",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
    responses={
        413: {"model": ErrorBody, "description": f"The body is larger than allowed: {LIMIT}"}
    },
)
async def post_ingest(
    request: Request,
    principal: Writer,
    purpose: PurposeDep,
    settings: SettingsDep,
    name: Annotated[str, Query(max_length=200, description="Name for quarantine entries.")] = (
        "upload"
    ),
    resolve: bool = True,
) -> IngestResult:
    """Load an interchange-v1 JSON Lines body; bad lines are quarantined, not fatal."""
    body = await _capped_body(request, settings.ingest_max_bytes)
    state = request.app.state
    actor = Actor(name=principal.name, role=principal.role.value, purpose=purpose)

    def run() -> IngestResult:
        with state.ingest_lock:
            outcome = ingest(
                state.store,
                state.ingest,
                [stream_lines(body.splitlines(keepends=True), f"{principal.name}:{name}")],
                actor=actor,
                audit=state.audit,
                thresholds=thresholds_from(settings),
                resolve=resolve,
                batch_size=settings.ingest_batch_size,
                notifications=state.notifications,
                chis=state.chis_policy,
                travel_owner=settings.mosovo_spoc,
                sharing=state.sharing.cover_problem,
            )
        return IngestResult.model_validate(outcome.as_dict())

    return await run_in_threadpool(run)


@router.get("/quarantine")
async def get_quarantine(
    request: Request,
    principal: Writer,
    purpose: PurposeDep,
    settings: SettingsDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    include_resolved: bool = False,
) -> Page[QuarantinedLine]:
    """Lines ingest refused, oldest first, with the reason; fix and POST them again.

    The reason for a refused `source` record can name the person behind the source, so it
    is withheld from roles that may not see the `source` compartment."""
    limit = min(limit, settings.page_max)
    entries = request.app.state.ingest.quarantined(include_resolved, limit, after)
    sees_sources = Compartment.SOURCE in principal.rule.compartments
    items = []
    for e in entries:
        item = QuarantinedLine.model_validate(e.__dict__)
        if e.kind == "source" and not sees_sources:
            item = item.model_copy(update={"reason": "withheld: source records are need-to-know"})
        items.append(item)
    await request.app.state.audit.record_async(
        AuditEvent(
            operation=Operation.CONSULTATION,
            actor=principal.name,
            role=principal.role.value,
            purpose=purpose,
            action="list quarantined ingest lines",
            # the record each refused line was about, too: a line refused as an update of
            # a stored person is about that person
            returned=[f"quarantine:{i.seq}" for i in items]
            + sorted({i.record_id for i in items if i.record_id}),
        )
    )
    next_after = items[-1].seq if len(items) == limit else None
    return Page[QuarantinedLine](items=items, limit=limit, next_after=next_after)
