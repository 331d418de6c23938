"""interop: Idempotency-Key records for the internal /v1 routes (kit.idempotency; issue 12), which
claims' outbox and the staff console call with a key

Revision ID: io_i14_4
Revises: io_i14_3
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

from migrations.helpers import create_idempotency_keys

revision = "io_i14_4"
down_revision = "io_i14_3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_keys("interop")


def downgrade() -> None:
    op.drop_table("idempotency_keys", schema="interop")
