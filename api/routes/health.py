"""Liveness and store status: what an operator or a container healthcheck asks."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import StoreDep

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


@router.get("/store/status")
def store_status(store: StoreDep) -> StoreStatus:
    """Counts by kind straight from the store (no personal data; locked down with roles)."""
    counts = store.counts()
    return StoreStatus(backend=store.backend, nodes=counts.nodes, edges=counts.edges)
