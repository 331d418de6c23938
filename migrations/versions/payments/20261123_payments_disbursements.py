"""payments: disbursements, funding lines, transfer attempts, history, outbox, reconciliation

Revision ID: pa0002
Revises: pa0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.helpers import make_append_only

revision = "pa0002"
down_revision = "pa0001"
branch_labels = None
depends_on = None
S = "payments"


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "disbursements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("source_ref", sa.String(128), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("payee_name", sa.String(64), nullable=False),
        sa.Column("payee_bank_name", sa.String(128), nullable=False),
        sa.Column("payee_account_encrypted", sa.Text(), nullable=False),
        sa.Column("payee_account_masked", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("merchant_transfer_no", sa.String(32), nullable=False),
        sa.Column("send_tries", sa.Integer(), nullable=False),
        sa.Column("polls", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_token", sa.Uuid()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_by", sa.String(64), nullable=False),
        _created_at(),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('pending', 'sent', 'succeeded', 'failed', 'returned')",
                           name="ck_disbursements_state"),
        sa.CheckConstraint("amount_fen > 0", name="ck_disbursements_amount_positive"),
        sa.CheckConstraint("attempt >= 1", name="ck_disbursements_attempt_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_disbursements"),
        sa.UniqueConstraint("idempotency_key", name="uq_disbursements_idempotency_key"),
        schema=S,
    )
    op.create_index("uq_disbursements_live_source_ref", "disbursements", ["source_ref"], unique=True, schema=S,
                    postgresql_where=sa.text("state <> 'failed'"))
    op.create_index("ix_disbursements_due", "disbursements", ["next_attempt_at"], schema=S,
                    postgresql_where=sa.text("state IN ('pending', 'sent')"))
    op.create_index("ix_payments_disbursements_created_at", "disbursements", ["created_at"], schema=S)
    op.create_index("ix_payments_disbursements_finished_at", "disbursements", ["finished_at"], schema=S)

    op.create_table(
        "funding_lines",
        sa.Column("disbursement_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name="ck_funding_lines_amount_positive"),
        sa.ForeignKeyConstraint(["disbursement_id"], [f"{S}.disbursements.id"],
                                name="fk_funding_lines_disbursement_id_disbursements"),
        sa.PrimaryKeyConstraint("disbursement_id", "source", name="pk_funding_lines"),
        schema=S,
    )

    op.create_table(
        "transfer_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("disbursement_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("merchant_transfer_no", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("payee_name", sa.String(64), nullable=False),
        sa.Column("payee_bank_name", sa.String(128), nullable=False),
        sa.Column("payee_account_encrypted", sa.Text(), nullable=False),
        sa.Column("payee_account_masked", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel_reference", sa.String(64)),
        sa.Column("reason", sa.Text()),
        sa.Column("correction_key", sa.String(128)),
        sa.Column("first_tried_at", sa.DateTime(timezone=True)),
        sa.Column("accepted_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        _created_at(),
        sa.CheckConstraint("status IN ('new', 'processing', 'succeeded', 'failed', 'returned')",
                           name="ck_transfer_attempts_status"),
        sa.ForeignKeyConstraint(["disbursement_id"], [f"{S}.disbursements.id"],
                                name="fk_transfer_attempts_disbursement_id_disbursements"),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_attempts"),
        sa.UniqueConstraint("disbursement_id", "attempt", name="uq_transfer_attempts_disbursement_id_attempt"),
        sa.UniqueConstraint("disbursement_id", "correction_key",
                            name="uq_transfer_attempts_disbursement_id_correction_key"),
        sa.UniqueConstraint("merchant_transfer_no", name="uq_transfer_attempts_merchant_transfer_no"),
        schema=S,
    )
    op.create_index("ix_payments_transfer_attempts_disbursement_id", "transfer_attempts", ["disbursement_id"],
                    schema=S)
    op.create_index("ix_payments_transfer_attempts_accepted_at", "transfer_attempts", ["accepted_at"], schema=S)

    op.create_table(
        "disbursement_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("disbursement_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["disbursement_id"], [f"{S}.disbursements.id"],
                                name="fk_disbursement_history_disbursement_id_disbursements"),
        sa.PrimaryKeyConstraint("id", name="pk_disbursement_history"),
        schema=S,
    )
    op.create_index("ix_payments_disbursement_history_disbursement_id", "disbursement_history",
                    ["disbursement_id"], schema=S)
    make_append_only(S, "disbursement_history")

    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("destination", sa.String(16), nullable=False),
        sa.Column("disbursement_id", sa.Uuid(), nullable=False),
        sa.Column("source_ref", sa.String(128), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_token", sa.Uuid()),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text()),
        _created_at(),
        sa.CheckConstraint("event IN ('succeeded', 'returned', 'failed')", name="ck_outbox_event"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        schema=S,
    )
    op.create_index("ix_payments_outbox_disbursement_id", "outbox", ["disbursement_id"], schema=S)
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at"], schema=S,
                    postgresql_where=sa.text("delivered_at IS NULL"))

    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("channels", postgresql.JSONB(), nullable=False),
        sa.Column("counts", postgresql.JSONB(), nullable=False),
        sa.Column("ran_by", sa.String(64), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("trigger IN ('scheduled', 'manual')", name="ck_reconciliation_runs_trigger"),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_runs"),
        schema=S,
    )
    op.create_index("ix_payments_reconciliation_runs_run_date", "reconciliation_runs", ["run_date"], schema=S)
    op.create_index("uq_reconciliation_runs_scheduled_day", "reconciliation_runs", ["run_date"], unique=True,
                    schema=S, postgresql_where=sa.text("trigger = 'scheduled'"))
    make_append_only(S, "reconciliation_runs")

    op.create_table(
        "reconciliation_items",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("merchant_transfer_no", sa.String(64), nullable=False),
        sa.Column("disbursement_id", sa.Uuid()),
        sa.Column("source_ref", sa.String(128)),
        sa.Column("attempt", sa.Integer()),
        sa.Column("platform_amount_fen", sa.BigInteger()),
        sa.Column("bank_amount_fen", sa.BigInteger()),
        sa.Column("platform_status", sa.String(16)),
        sa.Column("bank_status", sa.String(16)),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('matched', 'missing_at_bank', 'missing_here', 'amount_mismatch', 'status_mismatch')",
            name="ck_reconciliation_items_kind"),
        sa.ForeignKeyConstraint(["run_id"], [f"{S}.reconciliation_runs.id"],
                                name="fk_reconciliation_items_run_id_reconciliation_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_items"),
        schema=S,
    )
    op.create_index("ix_payments_reconciliation_items_run_id", "reconciliation_items", ["run_id"], schema=S)
    make_append_only(S, "reconciliation_items")


def downgrade() -> None:
    for table in ("reconciliation_items", "reconciliation_runs", "outbox", "disbursement_history",
                  "transfer_attempts", "funding_lines", "disbursements"):
        op.drop_table(table, schema=S)
    op.execute(f"DROP FUNCTION IF EXISTS {S}.refuse_change()")
