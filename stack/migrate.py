"""Apply every app's migrations (alembic upgrade heads)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Blocking: runs its own event loop, so call it outside a running loop (or in a thread)."""
    command.upgrade(alembic_config(database_url), "heads")
