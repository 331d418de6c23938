"""entitlement schema

Revision ID: en0001
Revises:
Create Date: 2026-11-23
"""
from __future__ import annotations

from alembic import op

revision = "en0001"
down_revision = None
branch_labels = ("entitlement",)
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS entitlement")


def downgrade() -> None:
    op.execute("DROP SCHEMA entitlement CASCADE")
