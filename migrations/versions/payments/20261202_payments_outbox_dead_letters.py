"""payments: outbox dead letters, per-source order, ops' actions on them

Revision ID: pa_i12_1
Revises: pa0002
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations.helpers import make_append_only

revision = "pa_i12_1"
down_revision = "pa0002"
branch_labels = None
depends_on = None
S = "payments"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("outbox", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False), schema=S)
    op.create_unique_constraint("uq_outbox_seq", "outbox", ["seq"], schema=S)
    op.add_column("outbox", sa.Column("status", sa.String(16), nullable=False, server_default="pending"), schema=S)
    for column in (sa.Column("dead_at", TS), sa.Column("resolved_by", sa.String(64)),
                   sa.Column("resolved_reason", sa.Text())):
        op.add_column("outbox", column, schema=S)
    op.execute("UPDATE payments.outbox SET status = 'delivered' WHERE delivered_at IS NOT NULL")
    op.create_check_constraint("ck_outbox_status", "outbox", "status IN ('pending', 'delivered', 'dead', 'discarded')",
                               schema=S)
    op.drop_index("ix_outbox_due", "outbox", schema=S)
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at"], schema=S,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_outbox_aggregate", "outbox", ["source_ref", "seq"], schema=S,
                    postgresql_where=sa.text("status IN ('pending', 'dead')"))
    op.create_table(
        "outbox_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(128)),
        sa.Column("at", TS, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_actions"),
        schema=S,
    )
    op.create_index("ix_payments_outbox_actions_event_id", "outbox_actions", ["event_id"], schema=S)
    make_append_only(S, "outbox_actions")


def downgrade() -> None:
    op.drop_table("outbox_actions", schema=S)
    op.drop_index("ix_outbox_aggregate", "outbox", schema=S)
    op.drop_index("ix_outbox_due", "outbox", schema=S)
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at"], schema=S,
                    postgresql_where=sa.text("delivered_at IS NULL"))
    op.drop_constraint("ck_outbox_status", "outbox", schema=S)
    for column in ("resolved_reason", "resolved_by", "dead_at", "status", "seq"):
        op.drop_column("outbox", column, schema=S)
