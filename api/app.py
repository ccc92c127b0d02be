"""The FastAPI application factory.

The store is opened once per process in the lifespan and handed to routes through a typed
dependency, as in the FastAPI full-stack template.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp

from api import errors
from api.accounts import AccountStore
from api.routes import (
    analysis,
    api_docs,
    audit,
    charts,
    chis,
    health,
    kpis,
    management,
    notifications,
    records,
    resolution,
    reviews,
    schemes,
    sharing,
    subject_access,
    workspace,
)
from api.routes import ingest as ingest_routes
from api.security import SecurityHeaders
from graph.analysis.measures import MeasureStore
from graph.audit import AuditLog
from graph.chis.policy import load_policy
from graph.chis.reviews import ReviewStore
from graph.config import Settings
from graph.notifications import NotificationStore
from graph.retention.reviews import ReviewLog
from graph.sharing.schemes import SchemeStore
from graph.sharing.store import SharingStore
from graph.store import GraphStore
from graph.stores import open_store
from graph.subject_access import RestrictionStore
from ingest.entities import Resolution
from ingest.pipeline import thresholds_from
from ingest.state import IngestState


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """Build the app; pass `store` to share one already open (tests, notebooks)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store if store is not None else open_store(settings)
        app.state.settings = settings
        app.state.accounts = AccountStore(settings.governance_path)
        app.state.audit = AuditLog(settings.governance_path)
        app.state.ingest = IngestState(settings.ingest_path)
        app.state.measures = MeasureStore(settings.analysis_path)
        app.state.notifications = NotificationStore(settings.governance_path)
        app.state.chis_reviews = ReviewStore(settings.governance_path)
        app.state.sharing = SharingStore(settings.governance_path)
        app.state.record_reviews = ReviewLog(settings.governance_path)
        app.state.sar_restrictions = RestrictionStore(settings.governance_path)
        app.state.schemes = SchemeStore(
            settings.governance_path, settings.dvds_days, settings.csod_days
        )
        app.state.chis_policy = load_policy(settings.chis_policy)
        app.state.ingest_lock = threading.Lock()  # one load or judgement at a time
        app.state.resolution = Resolution(
            app.state.ingest, thresholds_from(settings), app.state.audit
        )
        try:
            yield
        finally:
            app.state.ingest.close()
            app.state.measures.close()
            app.state.notifications.close()
            app.state.chis_reviews.close()
            app.state.sharing.close()
            app.state.record_reviews.close()
            app.state.sar_restrictions.close()
            app.state.schemes.close()
            app.state.audit.close()
            app.state.accounts.close()
            if owned:
                app.state.store.close()

    # FastAPI's /docs and /redoc load from a CDN: Mosaic serves its own (api.routes.api_docs).
    app = MosaicAPI(
        title="Mosaic", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    _document_settings(app, settings)
    errors.install(app)
    for router in ROUTERS:
        mount(app, router)
    return app


class MosaicAPI(FastAPI):
    """FastAPI with the security headers outside the whole stack: Starlette puts its
    `ServerErrorMiddleware` outside every added middleware, so the bare 500 it sends for an
    unhandled exception would otherwise go out without them."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


ROUTERS = (
    health.router,
    records.router,
    audit.router,
    ingest_routes.router,
    resolution.router,
    analysis.router,
    notifications.router,
    chis.router,
    charts.router,
    sharing.router,
    schemes.router,
    reviews.router,
    subject_access.router,
    kpis.router,
    management.router,
    workspace.router,
    api_docs.router,
)


def mount(app: FastAPI, router: APIRouter) -> None:
    """Put a router's routes on the app itself, as `include_router` did before FastAPI
    made it lazy: a lazily included router is matched again on every request (twice, to
    match and to handle). Measured on a synthetic app of 16 routers: ~23 us a request for
    a route in the second router (GET /persons/{id}), ~110 us in the last (bench/RESULTS.md).
    Each route already carries its router's prefix, tags and responses, so the OpenAPI
    schema is the same (`tests/test_service_and_cli.py` checks it). A router with
    dependencies of its own is included the usual way, so they are never dropped."""
    if router.dependencies:
        app.include_router(router)
        return
    app.router.routes.extend(router.routes)


def _document_settings(app: FastAPI, settings: Settings) -> None:
    """State in the OpenAPI schema what this deployment's settings enforce: `X-Purpose` is
    required and takes one of the configured purposes, and `POST /ingest` takes a body up
    to the configured size."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for param in operation.get("parameters", []):
                        if param.get("in") == "header" and param["name"].lower() == "x-purpose":
                            param["required"] = True
                            param["schema"] = {"type": "string", "enum": list(settings.purposes)}
            ingest_routes.document_limit(schema, settings.ingest_max_bytes)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
