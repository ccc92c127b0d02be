"""The MAPPA annual figures: `GET /kpis/mappa?from=&to=[&format=csv]`.

Aggregates only (no person is named), for supervisors and analysts, counted over their
visible subgraph and audited as a consultation."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.deps import PERSONAL_READ_OPENAPI, ReadDep, store_call
from api.schemas import ERRORS, attachment, json_response
from graph.access import Role
from graph.analysis.mappa import mappa_figures
from graph.errors import AccessDenied

router = APIRouter(tags=["figures"], responses=ERRORS)
FIGURE_ROLES = frozenset({Role.SUPERVISOR, Role.ANALYST})


class MappaView(BaseModel):
    start: date
    end: date
    in_community: dict[int, int]
    events: dict[str, int]
    events_by_category: dict[str, dict[int, int]]


@router.get(
    "/kpis/mappa",
    response_model=MappaView,
    openapi_extra=PERSONAL_READ_OPENAPI,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def get_mappa(
    ctx: ReadDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Category 1, 2 and 3 offenders in the community at the period's end; serious further
    offences and breaches (licence, notification requirements, preventive orders) in it."""
    if ctx.principal.role not in FIGURE_ROLES:
        raise AccessDenied("the MAPPA figures are for supervisors and analysts")
    start, end = min(start, end), max(start, end)  # a period given backwards is the same period
    flt = ctx.policy.filter
    found = await store_call(ctx.store, lambda: mappa_figures(ctx.store, start, end, flt))
    await ctx.consulted("mappa figures", [], [], start=start.isoformat(), end=end.isoformat())
    if format == "csv":
        name = f"mappa-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            found.csv(),
            media_type="text/csv",
            headers={"Content-Disposition": attachment(name)},
        )
    return json_response(MappaView(**found.__dict__))
