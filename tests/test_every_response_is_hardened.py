"""The security headers reach every response, even the bare 500 Starlette sends when a
route fails, and the interactive API docs are Mosaic's own page: Swagger UI served by
Mosaic (no CDN: police networks are often air-gapped, and script from a third party is a
supply-chain risk) under a policy as strict as the other pages'.

Real app from `create_app`, real store; Debian's Chromium where the browser decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.stores.sqlite import SqliteGraphStore
from tests.support.api_env import tmp_settings
from tests.support.browser import live_server
from tests.test_chart_pages_are_safe import Page, csp, script_sources, sha256

SECRET = "db password is hunter2 at /srv/mosaic/secret.db"
"""What a failing route's exception says: none of it may reach the caller."""


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The real app, with one test-only route that fails as a bug would."""
    app = create_app(tmp_settings(tmp_path))

    @app.get("/test-only/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError(SECRET)

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_an_unhandled_error_is_a_bare_500_with_every_security_header(
    client: TestClient,
) -> None:
    """Starlette's last-resort 500 comes from the outermost layer; it is as hardened as
    any other answer (not sniffed, not cached, no referrer, runs and loads nothing) and
    says nothing of the exception."""
    response = client.get("/test-only/boom")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    policy = csp(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"] and "sandbox" in policy, policy
    assert policy["frame-ancestors"] == ["'none'"], policy
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert "secret" not in response.text.lower()


def test_handled_errors_keep_their_own_answers_and_headers(client: TestClient) -> None:
    """Moving the header layer outward changes nothing for the errors Mosaic handles:
    a 401 still asks for a bearer token, a 404 is still JSON, both hardened."""
    for url, status in (("/persons/P1", 401), ("/no-such-page", 404)):
        response = client.get(url)
        assert response.status_code == status, (url, response.text)
        assert response.headers["content-type"].startswith("application/json"), url
        assert "detail" in response.json(), url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert "sandbox" in csp(response.headers["content-security-policy"]), url
    assert client.get("/persons/P1").headers["www-authenticate"] == "Bearer"


# -- the interactive API docs ----------------------------------------------------------


def _references(page: str) -> list[str]:
    """Every URL the docs page loads: scripts, stylesheets and icons."""
    found: list[str] = []

    class Refs(Page):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            super().handle_starttag(tag, attrs)
            a = dict(attrs)
            if tag == "script" and a.get("src"):
                found.append(a["src"] or "")
            if tag == "link" and a.get("href"):
                found.append(a["href"] or "")

    Refs(page)
    return found


def test_the_docs_page_loads_only_from_mosaic_under_a_strict_policy(
    client: TestClient,
) -> None:
    """/docs is Swagger UI from Mosaic's own /static: every script, style and icon the page
    names is served by Mosaic, the policy allows no other origin, no inline script but the
    page's own (by hash), no eval and no inline style, and the page may not be framed."""
    response = client.get("/docs")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    policy = csp(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]  # the schema, and "Try it out"
    scripts = script_sources(policy)
    assert "'self'" in scripts
    assert all(s == "'self'" or s.startswith("'sha256-") for s in scripts), scripts
    for sources in policy.values():
        for source in sources:
            assert "://" not in source and source not in {"*", "http:", "https:"}, policy
            assert source not in {"'unsafe-inline'", "'unsafe-eval'"}, policy

    page = Page(response.text)
    inline = [body for t, src, body in page.scripts if src is None and t is None]
    assert inline and {sha256(b) for b in inline} == set(scripts) - {"'self'"}
    assert page.styles == [] and page.style_attrs == [] and page.handlers == []

    refs = _references(response.text)
    assert any(r.endswith(".js") for r in refs) and any(r.endswith(".css") for r in refs)
    for ref in refs:
        assert not urlsplit(ref).netloc and ref.startswith("/"), ref
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.headers["x-content-type-options"] == "nosniff", ref
    assert "SwaggerUIBundle" in client.get(next(r for r in refs if r.endswith(".js"))).text


def test_the_schema_is_served_and_redoc_is_not(client: TestClient) -> None:
    """/openapi.json is what the docs page and the fuzz test read; ReDoc is not offered
    (it injects inline styles, which the policy forbids) rather than served from a CDN."""
    schema = client.get("/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "Mosaic"
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404  # no OAuth2 here


# -- in the browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("docs-page")
    settings = tmp_settings(tmp)
    store = SqliteGraphStore(settings.db_path)
    with live_server(create_app(settings, store=store)) as url:
        yield url
    store.close()


@pytest.mark.browser
def test_swagger_ui_renders_the_api_with_no_policy_violation(browser: Any, site: str) -> None:
    """The browser enforces the policy: Swagger UI draws Mosaic's operations, nothing it
    needs is refused, and it asks nothing of any other origin."""
    page = browser.new_page()
    violations: list[str] = []
    errors: list[str] = []
    requests: list[str] = []
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        response = page.goto(site + "/docs")
        assert response is not None and response.status == 200
        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
        assert "Mosaic" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector(".opblock", timeout=20_000)
        assert page.locator(".opblock").count() > 20
        page.locator(".opblock-summary").first.click()  # expand one: more React, more style
        page.wait_for_selector(".opblock-body", timeout=10_000)
        violations = page.evaluate("window.__violations")
    finally:
        page.close()
    assert violations == [], violations
    assert errors == [], errors
    assert all(r.startswith(site + "/") for r in requests), requests
    assert httpx.get(site + "/openapi.json").status_code == 200
