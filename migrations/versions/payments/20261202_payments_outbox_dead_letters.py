"""payments: outbox dead letters, per-source order, ops' actions on them

Revision ID: pa_i12_1
Revises: pa_i16_1
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations.helpers import add_outbox_dead_letters, drop_outbox_dead_letters, make_append_only

revision = "pa_i12_1"
down_revision = "pa_i16_1"
branch_labels = None
depends_on = None
S = "payments"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    add_outbox_dead_letters(S, due_index="ix_outbox_due", aggregate_index="ix_outbox_aggregate",
                            aggregate=["source_ref"])
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
    drop_outbox_dead_letters(S, due_index="ix_outbox_due", old_due_where="delivered_at IS NULL",
                             aggregate_index="ix_outbox_aggregate")
