"""interop schema

Revision ID: io_i14_1
Revises:
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "io_i14_1"
down_revision = None
branch_labels = ("interop",)
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS interop")


def downgrade() -> None:
    op.execute("DROP SCHEMA interop CASCADE")
