"""gateway: hospital client credentials

Revision ID: gw0003
Revises: gw0002
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw0003"
down_revision = "gw0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hospital_credentials",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("hospital_code", sa.String(32), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        schema="gateway",
    )
    op.create_index("ix_gateway_hospital_credentials_hospital_code", "hospital_credentials", ["hospital_code"],
                    schema="gateway")


def downgrade() -> None:
    op.drop_table("hospital_credentials", schema="gateway")
