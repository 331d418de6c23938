"""claims: outbox dead letters and per-aggregate order; claim pay-by day, needs_attention and
payment_failed reasons, a deceased donor's named payee; statements' payment errors

Revision ID: cl_i12_1
Revises: cl_i15_1
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from migrations.helpers import add_outbox_dead_letters, drop_outbox_dead_letters

revision = "cl_i12_1"
down_revision = "cl_i15_1"  # after issue 15 (which follows 13, 11 and 16): one head
branch_labels = None
depends_on = None
S = "claims"


def upgrade() -> None:
    # Money calls, applicant messages and hold guards are ordered separately per claim.
    op.add_column("outbox", sa.Column("lane", sa.String(16), nullable=False, server_default="peer"), schema=S)
    op.execute("UPDATE claims.outbox SET lane = 'notify' WHERE kind = 'notification'")
    add_outbox_dead_letters(S, due_index="ix_claims_outbox_due", aggregate_index="ix_claims_outbox_aggregate",
                            aggregate=["claim_id", "lane"])

    op.add_column("claims", sa.Column("payee_relative", JSONB()), schema=S)
    for column in (sa.Column("approved_on", sa.Date()), sa.Column("pay_due_on", sa.Date()),
                   sa.Column("attention_reason", sa.Text()), sa.Column("payment_error", sa.Text())):
        op.add_column("claims", column, schema=S)
    op.add_column("hospital_statements", sa.Column("payment_error", sa.Text()), schema=S)


def downgrade() -> None:
    op.drop_column("hospital_statements", "payment_error", schema=S)
    for column in ("payment_error", "attention_reason", "pay_due_on", "approved_on", "payee_relative"):
        op.drop_column("claims", column, schema=S)
    drop_outbox_dead_letters(S, due_index="ix_claims_outbox_due", old_due_where="delivered_at IS NULL",
                             aggregate_index="ix_claims_outbox_aggregate")
    op.drop_column("outbox", "lane", schema=S)
