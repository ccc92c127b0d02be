"""The audit log, for auditors: query it and check that its chain is unbroken."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AuditDep, Auditor, PurposeDep, SettingsDep
from api.schemas import ERRORS, Page
from graph.audit import AuditEntry, AuditEvent, ChainReport, Operation

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERRORS)


@router.get("")
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
    """Entries by person (subject), actor, operation and time, oldest first."""
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
    audit.record(
        AuditEvent(
            operation=Operation.CONSULTATION,
            actor=principal.name,
            role=principal.role.value,
            purpose=purpose,
            action="query audit log",
            details={"subject": subject, "actor": actor, "count": len(items)},
        )
    )
    next_after = items[-1].seq if len(items) == limit else None
    return Page[AuditEntry](items=items, limit=limit, next_after=next_after)


@router.get("/verify")
def verify_audit(principal: Auditor, audit: AuditDep) -> ChainReport:
    """Recompute the hash chain; names the first entry that breaks it."""
    return audit.verify()
