"""Security headers: every response, and the policy of each page Mosaic serves.

Every response is `nosniff` (a JSON answer holding `<script>` from a record is never
rendered as a page), sends no referrer, and is `no-store` unless it says otherwise (only
the public scripts and styles under `/static` do): personal data stays out of browser and
proxy caches on shared terminals. An answer that is data, not a page (JSON, GraphML, CSV,
errors), gets a policy that runs nothing and may not be framed, should a browser ever be
pointed at it.

The pages carry their own policy: the workspace (`WORKSPACE_POLICY`), a chart page
(`CHART_PAGE_POLICY`) and a chart export (its inline scripts by hash,
`graph.charts.render.inline_policy`). None allows inline script, eval, plugins or `<base>`.
A chart drawn in the workspace is written into its frame with `srcdoc`, so it runs under
the workspace's policy, which therefore allows what a chart needs and no more.

A plain ASGI middleware (not `BaseHTTPMiddleware`): it only edits the response's first
message, so it costs next to nothing a request and never buffers a body. It wraps the whole
stack (`api.app.MosaicAPI`), outside Starlette's `ServerErrorMiddleware`, so the bare 500
sent for an unhandled exception is hardened too.

The API docs page (`/docs`, `api.routes.api_docs`) is Swagger UI served by Mosaic, under
`docs_headers`: FastAPI's page starts Swagger UI with one inline script, allowed by hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.charts.render import SERVED_POLICY, inline_policy

WORKSPACE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
"""The workspace calls the API on its own origin and draws charts in a same-origin frame;
no one may frame it (its CHIS review form is not to be clicked through someone's page)."""
CHART_PAGE_POLICY = f"{SERVED_POLICY}; frame-ancestors 'self'"
DATA_POLICY = (
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)
"""For anything that is not a page Mosaic made: nothing runs, nothing loads."""

WORKSPACE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": WORKSPACE_POLICY,
    "X-Frame-Options": "DENY",
}
CHART_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": CHART_PAGE_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
}


def docs_headers(inline_scripts: Iterable[str]) -> dict[str, str]:
    """The API docs page: Swagger UI's script and style from Mosaic, its start-up script
    by hash, the schema (and "Try it out") from Mosaic only; no one may frame it."""
    scripts = " ".join(["'self'", *sorted({sha256_source(body) for body in inline_scripts})])
    policy = (
        f"default-src 'none'; script-src {scripts}; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
    }


def sha256_source(text: str) -> str:
    """A CSP hash source for an inline script exactly as it stands between its tags."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def export_headers(html: bool) -> dict[str, str]:
    """A chart export: no-store; an HTML one with the same policy as the one in the file."""
    policy = f"{inline_policy()}; frame-ancestors 'none'" if html else DATA_POLICY
    return {"Cache-Control": "no-store", "Content-Security-Policy": policy}


ALWAYS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


class SecurityHeaders:
    """Add the headers every response carries, leaving a route's own values alone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                headers.setdefault("cache-control", "no-store")
                page = headers.get("content-type", "").startswith("text/html")
                if not page and "content-security-policy" not in headers:
                    headers["content-security-policy"] = DATA_POLICY
            await send(message)

        await self.app(scope, receive, sending)
