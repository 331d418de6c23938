"""claims: review locks; audit log searchable by person and time

Revision ID: cl_i15_1
Revises: cl_i11_1, cl_i16_1
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cl_i15_1"
down_revision = "cl_i13_1"  # after issue 13's invoice registry (which joined issues 11 and 16)
branch_labels = None
depends_on = None
S = "claims"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_locks",
        sa.Column("claim_id", sa.Uuid(), sa.ForeignKey(f"{S}.claims.id", name="fk_review_locks_claim_id_claims"),
                  primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("acquired_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        schema=S,
    )
    op.create_index("ix_claims_claim_events_actor", "claim_events", ["actor"], schema=S)
    op.create_index("ix_claims_claim_events_at", "claim_events", ["at"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_claims_claim_events_at", "claim_events", schema=S)
    op.drop_index("ix_claims_claim_events_actor", "claim_events", schema=S)
    op.drop_table("review_locks", schema=S)
