"""claims: claims, documents, audit, outbox, calendar

Revision ID: cl0002
Revises: cl0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from migrations.helpers import make_append_only

revision = "cl0002"
down_revision = "cl0001"
branch_labels = None
depends_on = None
S = "claims"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    person = []
    for p in ("donor", "beneficiary"):
        person += [
            sa.Column(f"{p}_cert_type", sa.String(32), nullable=False),
            sa.Column(f"{p}_cert_encrypted", sa.Text(), nullable=False),
            sa.Column(f"{p}_cert_index", sa.String(64), nullable=False),
            sa.Column(f"{p}_cert_masked", sa.String(32), nullable=False),
            sa.Column(f"{p}_name", sa.String(64), nullable=False),
            sa.Column(f"{p}_phone_encrypted", sa.Text()),
            sa.Column(f"{p}_phone_masked", sa.String(16)),
        ]
    op.create_table(
        "claims",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("applicant_kind", sa.String(16), nullable=False),
        sa.Column("applicant_subject", sa.String(128), nullable=False),
        sa.Column("registered_by", sa.String(64)),
        *person,
        sa.Column("relationship", sa.String(32), nullable=False),
        sa.Column("kinship_evidence", sa.String(16)),
        sa.Column("agent", JSONB()),
        sa.Column("donor_deceased", sa.Boolean(), nullable=False),
        sa.Column("hospital_name", sa.String(128), nullable=False),
        sa.Column("usage_province", sa.String(2), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("items", JSONB(), nullable=False),
        sa.Column("invoice_code", sa.String(32), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("invoice_check_code", sa.String(32)),
        sa.Column("invoice_issued_on", sa.Date(), nullable=False),
        sa.Column("invoice_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("blood_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("payee_account_name", sa.String(64), nullable=False),
        sa.Column("payee_account_encrypted", sa.Text(), nullable=False),
        sa.Column("payee_account_masked", sa.String(32), nullable=False),
        sa.Column("payee_bank_name", sa.String(64), nullable=False),
        sa.Column("requested_fen", sa.BigInteger(), nullable=False),
        sa.Column("eligible_fen", sa.BigInteger()),
        sa.Column("approved_fen", sa.BigInteger()),
        sa.Column("paid_fen", sa.BigInteger()),
        sa.Column("quote", JSONB()),
        sa.Column("hold_key", sa.String(128)),
        sa.Column("submit_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("warnings", JSONB(), nullable=False, server_default="[]"),
        sa.Column("submitted_on", sa.Date()),
        sa.Column("due_on", sa.Date()),
        sa.Column("paused_days", JSONB(), nullable=False, server_default="[]"),
        sa.Column("info_requested_at", sa.Date()),
        sa.Column("first_approved_by", sa.String(64)),
        sa.Column("first_approved_fen", sa.BigInteger()),
        sa.Column("decision_reason_code", sa.String(64)),
        sa.Column("decision_note", sa.Text()),
        sa.Column("disbursement_id", sa.String(64)),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("seq", name="uq_claims_seq"),
        sa.UniqueConstraint("reference", name="uq_claims_reference"),
        sa.CheckConstraint("blood_fee_fen > 0 AND blood_fee_fen <= invoice_total_fen", name="ck_claims_fee"),
        sa.CheckConstraint("approved_fen IS NULL OR approved_fen <= eligible_fen", name="ck_claims_approved"),
        schema=S,
    )
    op.create_index("ix_claims_claims_donor_cert_index", "claims", ["donor_cert_index"], schema=S)
    op.create_index("ix_claims_claims_beneficiary_cert_index", "claims", ["beneficiary_cert_index"], schema=S)
    op.create_index("ix_claims_claims_queue", "claims", ["province", "status", "due_on"], schema=S)
    # One blood use is claimed once: an invoice may sit in at most one live claim (一次用血不得重复报销).
    op.execute("""CREATE UNIQUE INDEX uq_claims_live_invoice ON claims.claims (invoice_code, invoice_number)
                  WHERE status NOT IN ('draft', 'rejected', 'withdrawn')""")
    op.create_table(
        "claim_documents",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("claim_id", sa.Uuid(), sa.ForeignKey(f"{S}.claims.id", name="fk_claim_documents_claim_id_claims"),
                  nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("address", sa.String(80), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_index("ix_claims_claim_documents_claim_id", "claim_documents", ["claim_id"], schema=S)
    op.create_table(
        "claim_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("role", sa.String(64)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(128)),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("from_status", sa.String(32)),
        sa.Column("to_status", sa.String(32)),
        sa.Column("reason", sa.Text()),
        sa.Column("detail", JSONB()),
        schema=S,
    )
    op.create_index("ix_claims_claim_events_claim_id", "claim_events", ["claim_id"], schema=S)
    make_append_only(S, "claim_events")
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", JSONB(), nullable=False),
        sa.Column("idempotency_key", sa.String(160), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("delivered_at", TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
        schema=S,
    )
    op.create_index("ix_claims_outbox_claim_id", "outbox", ["claim_id"], schema=S)
    op.execute("CREATE INDEX ix_claims_outbox_due ON claims.outbox (next_attempt_at) WHERE delivered_at IS NULL")
    op.create_table(
        "sandbox_notifications",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_index("ix_claims_sandbox_notifications_claim_id", "sandbox_notifications", ["claim_id"], schema=S)
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("declared_by", sa.String(64), nullable=False),
        sa.Column("declared_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_table(
        "calendar_alarms",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("raised_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("resolved_at", TS),
        schema=S,
    )


def downgrade() -> None:
    for table in ("calendar_alarms", "calendar_years", "calendar_days", "sandbox_notifications", "outbox",
                  "claim_events", "claim_documents", "claims"):
        op.drop_table(table, schema=S)
    op.execute("DROP FUNCTION IF EXISTS claims.refuse_change()")
