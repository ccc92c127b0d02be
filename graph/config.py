"""Settings from `MOSAIC_*` environment variables (pydantic-settings).

The embedded store is the default so that Mosaic runs on a fresh machine with nothing else
installed; set `MOSAIC_STORE=neo4j` and the `MOSAIC_NEO4J_*` values for production.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOSAIC_", env_file=".env", extra="ignore")

    store: Literal["embedded", "neo4j"] = "embedded"
    # Accounts and the s62 audit log live in this SQLite file whichever store is used.
    db_path: Path = Path("var/mosaic.db")
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"
    # Reads of the embedded store through a memory map (0 turns it off): walks touch
    # scattered pages, and mapping them saves a copy per page read.
    sqlite_mmap_mib: int = Field(default=4096, ge=0)
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    governance_path: Path = Path("var/governance.db")
    # Ingest bookkeeping, quarantine and entity resolution (beside the store).
    ingest_path: Path = Path("var/ingest.db")
    # Entity resolution: a pair scoring at least match_auto_link is linked without a
    # human; at least match_review goes to the review queue; at least match_possible is
    # kept apart but shown as a possible match in a nominal's risk assessment (unscored).
    match_auto_link: float = 0.85
    match_review: float = 0.5
    match_possible: float = 0.2
    # Network measures and communities kept by `mosaic analyse`, one set per role's view.
    analysis_path: Path = Path("var/analysis.db")
    ingest_batch_size: int = 2000
    # CHIS review thresholds and weights (TOML over the documented defaults; none: defaults).
    chis_policy: Path | None = None
    ingest_max_bytes: int = 64 * 1024 * 1024  # POST /ingest body limit
    purposes: list[str] = [
        "offender_management",
        "investigation",
        "safeguarding",
        "intelligence_review",
        "disclosure_decision",
        "audit",
    ]
    page_max: int = 500
    # Link charts: nodes drawn at most (the rest are counted and can be expanded into).
    chart_node_cap: int = Field(default=300, ge=1, le=1000)
    # Foreign travel: who notifications and border alerts go to (the MOSOVO single point of
    # contact's account name), and hours before an unevaluated border alert is overdue.
    mosovo_spoc: str = "mosovo"
    border_alert_hours: int = Field(default=24, ge=1)
    # Disclosure schemes: days from application to decision (DVDS, CSOD).
    dvds_days: int = Field(default=28, ge=1)
    csod_days: int = Field(default=45, ge=1)
    # Review periods in days by review group (public_protection, serious, other).
    review_periods_days: dict[str, int] = Field(
        default_factory=lambda: {"public_protection": 3650, "serious": 3650, "other": 2190}
    )
    host: str = "127.0.0.1"
    port: int = 8000
