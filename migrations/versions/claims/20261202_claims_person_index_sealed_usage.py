"""claims: the platform person index on claims; blood-use data encrypted (expand step)

Revision ID: cl_i11_1
Revises: cl0003
Create Date: 2026-12-02

The claims' own cert indexes (under the service's key) gave way to the platform person index a
donor's caller token carries. The hospital, products and quotes of claims and reduction notices
move to encrypted columns; the service fills them for existing rows when it starts
(kit.backfill), then the plaintext columns are empty and a later release drops them.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "cl_i11_1"
down_revision = "cl0003"
branch_labels = None
depends_on = None
S = "claims"


def upgrade() -> None:
    for prefix in ("donor", "beneficiary"):
        op.drop_index(f"ix_claims_claims_{prefix}_cert_index", "claims", schema=S)
        op.drop_column("claims", f"{prefix}_cert_index", schema=S)
        op.add_column("claims", sa.Column(f"{prefix}_person_index", sa.String(64)), schema=S)
        op.create_index(f"ix_claims_claims_{prefix}_person_index", "claims", [f"{prefix}_person_index"], schema=S)
    op.add_column("claims", sa.Column("usage_encrypted", sa.Text()), schema=S)
    op.add_column("claims", sa.Column("quote_encrypted", sa.Text()), schema=S)
    op.alter_column("claims", "hospital_name", existing_type=sa.String(128), nullable=True, schema=S)
    op.alter_column("claims", "items", existing_type=JSONB, nullable=True, schema=S)
    for column in ("items_encrypted", "quote_encrypted", "final_items_encrypted"):
        op.add_column("reduction_notices", sa.Column(column, sa.Text()), schema=S)
    op.alter_column("reduction_notices", "items", existing_type=JSONB, nullable=True, schema=S)
    op.alter_column("reduction_notices", "quote", existing_type=JSONB, nullable=True, schema=S)


def downgrade() -> None:
    op.alter_column("reduction_notices", "quote", existing_type=JSONB, nullable=False, schema=S)
    op.alter_column("reduction_notices", "items", existing_type=JSONB, nullable=False, schema=S)
    for column in ("items_encrypted", "quote_encrypted", "final_items_encrypted"):
        op.drop_column("reduction_notices", column, schema=S)
    op.alter_column("claims", "items", existing_type=JSONB, nullable=False, schema=S)
    op.alter_column("claims", "hospital_name", existing_type=sa.String(128), nullable=False, schema=S)
    op.drop_column("claims", "quote_encrypted", schema=S)
    op.drop_column("claims", "usage_encrypted", schema=S)
    for prefix in ("donor", "beneficiary"):
        op.drop_index(f"ix_claims_claims_{prefix}_person_index", "claims", schema=S)
        op.drop_column("claims", f"{prefix}_person_index", schema=S)
        op.add_column("claims", sa.Column(f"{prefix}_cert_index", sa.String(64), nullable=False,
                                          server_default=""), schema=S)
        op.create_index(f"ix_claims_claims_{prefix}_cert_index", "claims", [f"{prefix}_cert_index"], schema=S)
