"""The analyst workspace at `/`: one page and one script, served by Mosaic (no CDN).

The page holds no data: it signs in with a bearer token and a purpose kept in the tab's
session storage, and every panel calls the same API (and so the same access policy and
audit) as any other client. `GET /me` tells the page who the token belongs to. The page
is served with a policy that allows Mosaic's own scripts, styles and API only
(`api.security.WORKSPACE_POLICY`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, Template
from pydantic import BaseModel

from api.deps import PrincipalDep
from api.routes.api_docs import DOCS_ASSETS
from api.schemas import errors, json_response
from api.security import WORKSPACE_HEADERS
from graph.charts.render import ASSETS
from graph.edges import AssociationType
from graph.errors import NotFound

router = APIRouter(tags=["workspace"])

STATIC = Path(__file__).resolve().parents[1] / "static"
FILES = {
    **ASSETS,
    **DOCS_ASSETS,
    "workspace.js": STATIC / "workspace.js",
    "workspace.css": STATIC / "workspace.css",
}
"""Every static file Mosaic serves, by name: nothing else under /static resolves."""


class Me(BaseModel):
    name: str
    role: str
    permissions: list[str]


@router.get("/me", response_model=Me, responses=errors(401))
async def get_me(principal: PrincipalDep) -> Response:
    """Who this token belongs to and what it may do (no personal data, so no purpose;
    nothing is audited, so no 503)."""
    perms = sorted(p.value for p in principal.permissions)
    return json_response(Me(name=principal.name, role=principal.role.value, permissions=perms))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def workspace(request: Request) -> HTMLResponse:
    page: str = _page().render(
        purposes=request.app.state.settings.purposes,
        types=[t.value for t in AssociationType],
    )
    return HTMLResponse(page, headers=WORKSPACE_HEADERS)


@router.get("/static/{name}", include_in_schema=False)
async def get_static(name: str) -> FileResponse:
    """Scripts and styles (public code, no data)."""
    path = FILES.get(name)
    if path is None:
        raise NotFound(f"no static file {name!r}")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


@cache
def _page() -> Template:
    env = Environment(autoescape=True)
    return env.from_string((STATIC / "workspace.html").read_text(encoding="utf-8"))
