"""The audit log, for auditors: query it and check that its chain is unbroken."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AuditDep, Auditor, PurposeDep, SettingsDep
from api.schemas import ERRORS, Page, errors
from graph.audit import AuditEntry, AuditEvent, ChainReport, Operation, as_utc
from graph.errors import ValidationFailed

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", responses=ERRORS)
def query_audit(
    principal: Auditor,
    purpose: PurposeDep,
    audit: AuditDep,
    settings: SettingsDep,
    subject: str | None = None,
    actor: str | None = None,
    operation: Operation | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="Entries after this sequence number.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[AuditEntry]:
    """Entries by person (subject), actor, operation and time, oldest first. A time without
    an offset is UTC, as the entries' times are."""
    try:
        since = as_utc(since) if since is not None else None
        until = as_utc(until) if until is not None else None
    except OverflowError as exc:
        raise ValidationFailed("since or until is out of range") from exc
    if since is not None and until is not None and since > until:
        raise ValidationFailed(f"since ({since.isoformat()}) is after until ({until.isoformat()})")
    limit = min(limit, settings.page_max)
    items = audit.query(
        subject=subject,
        actor=actor,
        operation=operation,
        since=since,
        until=until,
        after_seq=after,
        limit=limit,
    )
    # Reading the log is reading personal data: the entry names the person asked about and
    # every id the page shows, so the query is on those people's audit trails too.
    shown = {i for e in items for i in (*e.subjects, *e.returned)}
    audit.record(
        AuditEvent(
            operation=Operation.CONSULTATION,
            actor=principal.name,
            role=principal.role.value,
            purpose=purpose,
            action="query audit log",
            subjects=[subject] if subject is not None else [],
            returned=sorted(shown),
            details={
                "subject": subject,
                "actor": actor,
                "operation": operation.value if operation is not None else None,
                "since": since.isoformat() if since is not None else None,
                "until": until.isoformat() if until is not None else None,
                "after": after,
                "count": len(items),
                "entries": [e.seq for e in items],
            },
        )
    )
    next_after = items[-1].seq if len(items) == limit else None
    return Page[AuditEntry](items=items, limit=limit, next_after=next_after)


@router.get("/verify", responses=errors(401, 403, 503))
def verify_audit(principal: Auditor, audit: AuditDep) -> ChainReport:
    """Recompute the hash chain; names the first entry that breaks it. No purpose is
    asked (no personal data); a refusal (403) is audited, so it can answer 503."""
    return audit.verify()
