"""entitlement: a hold may have several parts, one per donor named for one blood use (DOMAIN 6.1)

Revision ID: en_i13_1
Revises: en_i11_1
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "en_i13_1"
down_revision = "en_i11_1"
branch_labels = None
depends_on = None
S = "entitlement"


def upgrade() -> None:
    op.add_column("holds", sa.Column("part", sa.SmallInteger(), nullable=False, server_default="0"), schema=S)
    op.drop_constraint("uq_holds_idempotency_key", "holds", schema=S)
    op.create_unique_constraint("uq_holds_idempotency_key_part", "holds", ["idempotency_key", "part"], schema=S)


def downgrade() -> None:
    op.execute(f"DELETE FROM {S}.holds WHERE part > 0")
    op.drop_constraint("uq_holds_idempotency_key_part", "holds", schema=S)
    op.create_unique_constraint("uq_holds_idempotency_key", "holds", ["idempotency_key"], schema=S)
    op.drop_column("holds", "part", schema=S)
