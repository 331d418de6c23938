"""claims: outbox dead letters and per-aggregate order; claim pay-by day, needs_attention and
payment_failed reasons, a deceased donor's named payee; statements' payment errors

Revision ID: cl_i12_1
Revises: cl0003
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "cl_i12_1"
down_revision = "cl0003"
branch_labels = None
depends_on = None
S = "claims"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("outbox", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False), schema=S)
    op.create_unique_constraint("uq_outbox_seq", "outbox", ["seq"], schema=S)
    op.add_column("outbox", sa.Column("lane", sa.String(16), nullable=False, server_default="peer"), schema=S)
    op.add_column("outbox", sa.Column("status", sa.String(16), nullable=False, server_default="pending"), schema=S)
    for column in (sa.Column("dead_at", TS), sa.Column("resolved_by", sa.String(64)),
                   sa.Column("resolved_reason", sa.Text())):
        op.add_column("outbox", column, schema=S)
    op.execute("UPDATE claims.outbox SET status = 'delivered' WHERE delivered_at IS NOT NULL")
    op.execute("UPDATE claims.outbox SET lane = 'notify' WHERE kind = 'notification'")
    op.create_check_constraint("ck_outbox_status", "outbox", "status IN ('pending', 'delivered', 'dead', 'discarded')",
                               schema=S)
    op.drop_index("ix_claims_outbox_due", "outbox", schema=S)
    op.create_index("ix_claims_outbox_due", "outbox", ["next_attempt_at"], schema=S,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_claims_outbox_aggregate", "outbox", ["claim_id", "lane", "seq"], schema=S,
                    postgresql_where=sa.text("status IN ('pending', 'dead')"))

    op.add_column("claims", sa.Column("payee_relative", JSONB()), schema=S)
    for column in (sa.Column("approved_on", sa.Date()), sa.Column("pay_due_on", sa.Date()),
                   sa.Column("attention_reason", sa.Text()), sa.Column("payment_error", sa.Text())):
        op.add_column("claims", column, schema=S)
    op.add_column("hospital_statements", sa.Column("payment_error", sa.Text()), schema=S)


def downgrade() -> None:
    op.drop_column("hospital_statements", "payment_error", schema=S)
    for column in ("payment_error", "attention_reason", "pay_due_on", "approved_on", "payee_relative"):
        op.drop_column("claims", column, schema=S)
    op.drop_index("ix_claims_outbox_aggregate", "outbox", schema=S)
    op.drop_index("ix_claims_outbox_due", "outbox", schema=S)
    op.execute("CREATE INDEX ix_claims_outbox_due ON claims.outbox (next_attempt_at) WHERE delivered_at IS NULL")
    op.drop_constraint("ck_outbox_status", "outbox", schema=S)
    for column in ("resolved_reason", "resolved_by", "dead_at", "status", "lane", "seq"):
        op.drop_column("outbox", column, schema=S)
