"""The interactive API docs at `/docs`: Swagger UI served by Mosaic itself, no CDN.

Police networks are often air-gapped, and a page that pulls script from a third party is a
supply-chain risk, so FastAPI's own `/docs` and `/redoc` (which load from a CDN) are off
and this page takes Swagger UI's script and style from `/static`. The files come from the
`fastapi-offline` wheel (MIT; Swagger UI itself is Apache-2.0), which ships Swagger UI 5,
the first that reads the OpenAPI 3.1 schema FastAPI writes; `swagger-ui-bundle` on PyPI
still ships Swagger UI 4. Only its files are used, not its app factory.

The page is FastAPI's (`get_swagger_ui_html`, as FastAPI documents for self-hosted docs);
its one inline start-up script is allowed by hash (`api.security.docs_headers`), computed
from the page as sent, so nothing else inline would run. ReDoc is not offered: it injects
inline styles at run time, which the policy forbids. There is no OAuth2 redirect page
either: Mosaic takes bearer tokens.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.security import docs_headers

SWAGGER_DIR = Path(fastapi_offline.__file__).parent / "static"
DOCS_ASSETS = {
    "swagger-ui-bundle.js": SWAGGER_DIR / "swagger-ui-bundle.js",
    "swagger-ui.css": SWAGGER_DIR / "swagger-ui.css",
    "swagger-favicon.png": SWAGGER_DIR / "favicon.png",
}
"""Static files the docs page needs, by the name `/static` serves them under."""

router = APIRouter()


@router.get("/docs", include_in_schema=False)
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over this app's schema, everything loaded from Mosaic."""
    app = request.app
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=f"{root}{app.openapi_url}",
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{root}/static/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/static/swagger-ui.css",
        swagger_favicon_url=f"{root}/static/swagger-favicon.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters=app.swagger_ui_parameters,
    )
    html = bytes(page.body).decode("utf-8")
    return HTMLResponse(html, headers=docs_headers(inline_scripts(html)))


def inline_scripts(html: str) -> list[str]:
    """The text of every inline `<script>` in a page, as the browser hashes it (line
    breaks normalised to LF, as the HTML parser does)."""
    found = _InlineScripts()
    found.feed(html.replace("\r\n", "\n").replace("\r", "\n"))
    found.close()
    return found.scripts


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._body: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and "src" not in dict(attrs):
            self._body = []

    def handle_data(self, data: str) -> None:
        if self._body is not None:
            self._body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._body is not None:
            self.scripts.append("".join(self._body))
            self._body = None
