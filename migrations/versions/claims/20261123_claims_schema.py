"""claims schema

Revision ID: cl0001
Revises:
Create Date: 2026-11-23
"""
from __future__ import annotations

from alembic import op

revision = "cl0001"
down_revision = None
branch_labels = ("claims",)
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS claims")


def downgrade() -> None:
    op.execute("DROP SCHEMA claims CASCADE")
