"""payments schema

Revision ID: pa0001
Revises:
Create Date: 2026-11-23
"""
from __future__ import annotations

from alembic import op

revision = "pa0001"
down_revision = None
branch_labels = ("payments",)
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS payments")


def downgrade() -> None:
    op.execute("DROP SCHEMA payments CASCADE")
