"""payments: the outbox keeps the trace context of the work that wrote each event

Revision ID: pa_i16_1
Revises: pa0002
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pa_i16_1"
down_revision = "pa0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("traceparent", sa.String(64), nullable=True), schema="payments")


def downgrade() -> None:
    op.drop_column("outbox", "traceparent", schema="payments")
