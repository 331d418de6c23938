"""claims: hospitals, reduction notices, hospital settlement statements

Revision ID: cl0003
Revises: cl0002
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "cl0003"
down_revision = "cl0002"
branch_labels = None
depends_on = None
S = "claims"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hospitals",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("district_office", sa.String(64), nullable=False),
        sa.Column("military", sa.Boolean(), nullable=False),
        sa.Column("account_name", sa.String(128), nullable=False),
        sa.Column("account_encrypted", sa.Text(), nullable=False),
        sa.Column("account_masked", sa.String(32), nullable=False),
        sa.Column("bank_name", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    person = []
    for p in ("patient", "donor"):
        person += [sa.Column(f"{p}_cert_type", sa.String(32), nullable=False),
                   sa.Column(f"{p}_cert_encrypted", sa.Text(), nullable=False),
                   sa.Column(f"{p}_cert_masked", sa.String(32), nullable=False),
                   sa.Column(f"{p}_name", sa.String(64), nullable=False)]
    op.create_table(
        "reduction_notices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("notice_no", sa.String(32), nullable=False),
        sa.Column("hospital_code", sa.String(32), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        *person,
        sa.Column("relationship", sa.String(32), nullable=False),
        sa.Column("kinship_evidence", JSONB()),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("items", JSONB(), nullable=False),
        sa.Column("blood_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("max_reducible_fen", sa.BigInteger(), nullable=False),
        sa.Column("quote", JSONB(), nullable=False),
        sa.Column("hold_key", sa.String(64), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("receipt_no", sa.String(64)),
        sa.Column("settled_on", sa.Date()),
        sa.Column("final_items", JSONB()),
        sa.Column("final_blood_fee_fen", sa.BigInteger()),
        sa.Column("reduced_fen", sa.BigInteger()),
        sa.Column("invoice_code", sa.String(32)),
        sa.Column("invoice_number", sa.String(32)),
        sa.Column("settled_at", TS),
        sa.Column("corrected_at", TS),
        sa.Column("correction_reason", sa.Text()),
        sa.Column("statement_id", sa.Uuid()),
        sa.UniqueConstraint("seq", name="uq_reduction_notices_seq"),
        sa.UniqueConstraint("notice_no", name="uq_reduction_notices_notice_no"),
        sa.UniqueConstraint("receipt_no", name="uq_reduction_notices_receipt_no"),
        sa.CheckConstraint("reduced_fen IS NULL OR (reduced_fen <= max_reducible_fen AND reduced_fen <= final_blood_fee_fen)",
                           name="ck_reduction_notices_reduced"),
        schema=S,
    )
    op.create_index("ix_claims_reduction_notices_hospital_code", "reduction_notices", ["hospital_code"], schema=S)
    op.create_index("ix_claims_reduction_notices_statement_id", "reduction_notices", ["statement_id"], schema=S)
    # A settled reduction uses its invoice once, like a live claim (一次用血不得重复报销).
    op.execute("""CREATE UNIQUE INDEX uq_reduction_notices_settled_invoice ON claims.reduction_notices
                  (invoice_code, invoice_number) WHERE status = 'settled'""")
    op.create_table(
        "hospital_statements",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("hospital_code", sa.String(32), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("funding", JSONB(), nullable=False),
        sa.Column("reduction_count", sa.BigInteger(), nullable=False),
        sa.Column("filed_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("approved_by", sa.String(64)),
        sa.Column("approved_at", TS),
        sa.Column("disbursement_id", sa.String(64)),
        sa.UniqueConstraint("hospital_code", "period", name="uq_hospital_statements_hospital_code_period"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("hospital_statements", "reduction_notices", "hospitals"):
        op.drop_table(table, schema=S)
