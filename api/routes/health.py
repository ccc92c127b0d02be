"""Liveness and store status: what an operator or a container healthcheck asks."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import Admin, StoreDep
from api.schemas import ERRORS

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class StoreStatus(BaseModel):
    backend: str
    nodes: dict[str, int]
    edges: dict[str, int]


@router.get("/health")
def health() -> Health:
    return Health(status="ok")


@router.get("/store/status", responses={k: v for k, v in ERRORS.items() if k in (401, 403, 503)})
def store_status(principal: Admin, store: StoreDep) -> StoreStatus:
    """Counts by kind over the whole store: for administrators only, since whole-store
    counts are not computed over a caller's visible subgraph."""
    counts = store.counts()
    return StoreStatus(backend=store.backend, nodes=counts.nodes, edges=counts.edges)
