"""claims: forwarded claims (跨省转办): the partner a claim went to, its reference and status;
one claim per partner case and each partner document attached once; reduction notices a
partner authorised (跨省直免)

Revision ID: cl_i14_1
Revises: cl_i12_2 (the one claims head after issues 11, 13, 15, 16 and 12)
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cl_i14_1"
down_revision = "cl_i12_2"  # after issue 12's keys (the one head after issues 11, 13, 15, 16, 12)
branch_labels = None
depends_on = None
S = "claims"


def upgrade() -> None:
    op.add_column("claims", sa.Column("forwarded_to", sa.String(length=32), nullable=True), schema=S)
    op.add_column("claims", sa.Column("partner_reference", sa.String(length=64), nullable=True), schema=S)
    op.add_column("claims", sa.Column("partner_status", sa.String(length=32), nullable=True), schema=S)
    op.add_column("claims", sa.Column("partner_seq", sa.Integer(), server_default="0", nullable=False), schema=S)
    op.create_index("uq_claims_interop_case", "claims", ["applicant_subject"], unique=True, schema=S,
                    postgresql_where=sa.text("channel = 'interop'"))
    op.add_column("claim_documents", sa.Column("source_sha256", sa.String(length=64), nullable=True), schema=S)
    op.add_column("reduction_notices", sa.Column("forwarded_to", sa.String(length=32), nullable=True), schema=S)
    op.add_column("reduction_notices", sa.Column("partner_notice_no", sa.String(length=32), nullable=True), schema=S)


def downgrade() -> None:
    for column in ("partner_notice_no", "forwarded_to"):
        op.drop_column("reduction_notices", column, schema=S)
    op.drop_column("claim_documents", "source_sha256", schema=S)
    op.drop_index("uq_claims_interop_case", table_name="claims", schema=S)
    for column in ("partner_seq", "partner_status", "partner_reference", "forwarded_to"):
        op.drop_column("claims", column, schema=S)
