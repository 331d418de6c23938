"""claims: Idempotency-Key records (a request with a key runs once; its answer is replayed)

Revision ID: cl_i12_2
Revises: cl_i12_1
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

from migrations.helpers import create_idempotency_keys

revision = "cl_i12_2"
down_revision = "cl_i12_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_keys("claims")


def downgrade() -> None:
    op.drop_table("idempotency_keys", schema="claims")
