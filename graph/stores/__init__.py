"""Backends of the `GraphStore` protocol, and the one place that picks between them."""

from __future__ import annotations

from graph.config import Settings
from graph.store import GraphStore


def open_store(settings: Settings) -> GraphStore:
    """Open the configured backend (imported lazily: the embedded path needs no driver)."""
    if settings.store == "neo4j":
        from graph.stores.neo4j import Neo4jGraphStore

        return Neo4jGraphStore.connect(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
        )
    from graph.stores.sqlite import SqliteGraphStore

    return SqliteGraphStore(
        settings.db_path,
        synchronous=settings.sqlite_synchronous,
        mmap_mib=settings.sqlite_mmap_mib,
    )
