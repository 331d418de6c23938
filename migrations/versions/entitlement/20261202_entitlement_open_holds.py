"""entitlement: a hold may have no expiry (a claim's, for as long as the claim is open)

Revision ID: en_i12_1
Revises: en_i13_1
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "en_i12_1"
down_revision = "en_i13_1"  # after issue 13's hold parts: one head
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("holds", "expires_at", existing_type=sa.DateTime(timezone=True), nullable=True,
                    schema="entitlement")


def downgrade() -> None:
    op.execute("UPDATE entitlement.holds SET expires_at = created_at + interval '366 days' WHERE expires_at IS NULL")
    op.alter_column("holds", "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False,
                    schema="entitlement")
