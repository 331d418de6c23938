"""entitlement: the platform person index on donors; holds' quotes encrypted (expand step)

Revision ID: en_i11_1
Revises: en0003
Create Date: 2026-12-02

The service fills `donors.person_index` and `holds.quote_encrypted` for existing rows when it
starts (kit.backfill): a migration has no keys. `holds.quote` (plaintext) becomes nullable and is
emptied by that backfill; a later release drops it.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "en_i11_1"
down_revision = "en0003"
branch_labels = None
depends_on = None
S = "entitlement"


def upgrade() -> None:
    op.add_column("donors", sa.Column("person_index", sa.String(64)), schema=S)
    op.create_index("ix_entitlement_donors_person_index", "donors", ["person_index"], schema=S)
    op.add_column("holds", sa.Column("quote_encrypted", sa.Text()), schema=S)
    op.alter_column("holds", "quote", existing_type=JSONB, nullable=True, schema=S)


def downgrade() -> None:
    op.alter_column("holds", "quote", existing_type=JSONB, nullable=False, schema=S)
    op.drop_column("holds", "quote_encrypted", schema=S)
    op.drop_index("ix_entitlement_donors_person_index", "donors", schema=S)
    op.drop_column("donors", "person_index", schema=S)
