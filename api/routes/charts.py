"""Link charts: `GET /charts/persons/{id}` (an HTML page), `.json` (the same nodes and
edges as data) and `/export` (a self-contained file or GraphML). The scripts a chart page
needs are served by `api.routes.workspace` (no CDN).

A chart is built over the caller's visible subgraph, narrowed by their filters, and is
audited as consultation with every node and edge it contains; an export as `link chart
export (FORMAT)`, a disclosure when it is for a recipient. Each response carries its
Content-Security-Policy (`api.security`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call, visible
from api.disclosed import chart_returned
from api.routes.analysis import Exclude, MinGrade, Types, caller_filter
from api.schemas import ERRORS, attachment, json_response
from api.security import CHART_PAGE_HEADERS, export_headers
from graph.charts.build import build_chart
from graph.charts.export import MEDIA_TYPES, export_chart
from graph.charts.model import MAX_CHART_DEPTH, MAX_NODE_CAP, Chart
from graph.charts.render import render_html
from graph.edges import AssociationType
from graph.nodes import Person

router = APIRouter(tags=["link charts"], responses=ERRORS)

Depth = Annotated[int, Query(ge=1, le=MAX_CHART_DEPTH, description="Hops from the person.")]
Cap = Annotated[
    int | None, Query(ge=1, le=MAX_NODE_CAP, description="Nodes drawn at most (default 300).")
]
Expand = Annotated[
    list[str] | None,
    Query(max_length=50, description="Nodes of the chart whose links to add (expand)."),
]


@dataclass(frozen=True)
class ChartQuery:
    """The query parameters every chart route takes."""

    depth: int
    types: list[AssociationType] | None
    min_grade: str | None
    since: date | None
    exclude: str
    include_hubs: bool
    cap: int | None
    expand: list[str] | None


async def chart_query(
    depth: Depth = 2,
    types: Types = None,
    min_grade: MinGrade = None,
    since: date | None = None,
    exclude: Exclude = "none",
    include_hubs: bool = False,
    cap: Cap = None,
    expand: Expand = None,
) -> ChartQuery:
    return ChartQuery(depth, types, min_grade, since, exclude, include_hubs, cap, expand)


Query_ = Annotated[ChartQuery, Depends(chart_query)]


async def _chart(request: Request, ctx: PersonalRead, person_id: str, q: ChartQuery) -> Chart:
    """The chart, audited as a consultation (a look at it, on screen or as data)."""
    chart = await _build(request, ctx, person_id, q)
    returned = chart_returned(chart)
    await ctx.consulted("link chart", [person_id], returned, depth=q.depth, expand=q.expand or [])
    return chart


async def _build(request: Request, ctx: PersonalRead, person_id: str, q: ChartQuery) -> Chart:
    await visible(ctx, person_id, Person, "person")
    flt = caller_filter(ctx, q.types, q.min_grade, q.since, q.exclude)
    limit = q.cap or request.app.state.settings.chart_node_cap
    chart = await store_call(
        ctx.store,
        lambda: build_chart(
            ctx.store,
            person_id,
            ctx.policy,
            depth=q.depth,
            flt=flt,
            include_hubs=q.include_hubs,
            cap=limit,
            expand=q.expand or (),
        ),
    )
    return chart


@router.get(
    "/charts/persons/{person_id}.json", response_model=Chart, openapi_extra=PERSONAL_READ_OPENAPI
)
async def get_chart_data(
    request: Request,
    person_id: Annotated[str, Path(max_length=200)],
    ctx: ReadDep,
    q: Query_,
) -> Response:
    """The nodes and edges of the person's link chart, with what was left out."""
    chart = await _chart(request, ctx, person_id, q)
    return json_response(chart)


@router.get(
    "/charts/persons/{person_id}",
    response_model=None,
    openapi_extra=PERSONAL_READ_OPENAPI,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def get_chart_page(
    request: Request,
    person_id: Annotated[str, Path(max_length=200)],
    ctx: ReadDep,
    q: Query_,
) -> HTMLResponse:
    """The person's link chart as a page (vis-network, served by Mosaic), with the
    classification banner top and bottom."""
    chart = await _chart(request, ctx, person_id, q)
    return HTMLResponse(render_html(chart, assets="served"), headers=CHART_PAGE_HEADERS)


@router.get(
    "/charts/persons/{person_id}/export",
    response_model=None,
    openapi_extra=PERSONAL_READ_OPENAPI,
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/graphml+xml": {"schema": {"type": "string"}},
            }
        }
    },
)
async def export_chart_file(
    request: Request,
    person_id: Annotated[str, Path(max_length=200)],
    ctx: ReadDep,
    q: Query_,
    format: Literal["html", "graphml"] = "html",
    recipient: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Who the export is for: recorded as a disclosure to them.",
        ),
    ] = None,
) -> Response:
    """The chart and its evidence table as one self-contained HTML file, or GraphML, with
    the classification and every handling condition. Audited as the export it is (`link
    chart export (FORMAT)`, as `mosaic chart -o` records it): a consultation, or for
    someone else (`recipient`) a disclosure to them, recorded before the file is returned."""
    chart = await _build(request, ctx, person_id, q)
    action, returned = f"link chart export ({format})", chart_returned(chart)
    detail = {"depth": q.depth, "expand": q.expand or []}
    if recipient:
        await ctx.disclosed(action, [person_id], returned, [recipient], **detail)
    else:
        await ctx.consulted(action, [person_id], returned, **detail)
    body = export_chart(chart, format, title=f"Link chart: {person_id}")
    name = f"chart-{person_id}.{format}"
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={**export_headers(format == "html"), "Content-Disposition": attachment(name)},
    )
