"""claims: the outbox keeps the trace context of the request that wrote each message

Revision ID: cl_i16_1
Revises: cl0003
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cl_i16_1"
down_revision = "cl0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("traceparent", sa.String(64), nullable=True), schema="claims")


def downgrade() -> None:
    op.drop_column("outbox", "traceparent", schema="claims")
