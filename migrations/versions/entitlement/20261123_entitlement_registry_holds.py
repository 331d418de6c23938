"""entitlement: donors, donations, holds

Revision ID: en0002
Revises: en0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "en0002"
down_revision = "en0001"
branch_labels = None
depends_on = None
S = "entitlement"


def upgrade() -> None:
    op.create_table(
        "donors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cert_type", sa.String(32), nullable=False),
        sa.Column("cert_number_encrypted", sa.Text(), nullable=False),
        sa.Column("cert_number_index", sa.String(64), nullable=False),
        sa.Column("cert_number_masked", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("phone_encrypted", sa.Text()),
        sa.Column("phone_masked", sa.String(16)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_donors"),
        sa.UniqueConstraint("cert_type", "cert_number_index", name="uq_donors_cert_type_cert_number_index"),
        schema=S,
    )
    op.create_table(
        "donations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("donor_id", sa.Uuid(), nullable=False),
        sa.Column("station_code", sa.String(32), nullable=False),
        sa.Column("donation_no", sa.String(64), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("military", sa.Boolean(), nullable=False),
        sa.Column("donated_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("volume_ml", sa.Integer()),
        sa.Column("units", sa.Integer()),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("record_digest", sa.String(64), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'whole_blood' AND volume_ml IN (200, 300, 400) AND units IS NULL) OR "
            "(kind = 'platelet_apheresis' AND units BETWEEN 1 AND 2 AND volume_ml IS NULL)",
            name="ck_donations_measure",
        ),
        sa.ForeignKeyConstraint(["donor_id"], [f"{S}.donors.id"], name="fk_donations_donor_id_donors"),
        sa.PrimaryKeyConstraint("id", name="pk_donations"),
        sa.UniqueConstraint("station_code", "donation_no", name="uq_donations_station_code_donation_no"),
        schema=S,
    )
    op.create_index("ix_entitlement_donations_donor_id", "donations", ["donor_id"], schema=S)
    op.create_table(
        "holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("donor_id", sa.Uuid(), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("pool", sa.String(16), nullable=False),
        sa.Column("ml", sa.Integer(), nullable=False),
        sa.Column("reducible_fen", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("quote", postgresql.JSONB(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.Column("settle_reason", sa.Text()),
        sa.CheckConstraint("state IN ('held', 'committed', 'released', 'expired')", name="ck_holds_state"),
        sa.CheckConstraint("pool IN ('self', 'relatives')", name="ck_holds_pool"),
        sa.CheckConstraint("ml >= 0", name="ck_holds_ml_not_negative"),
        sa.ForeignKeyConstraint(["donor_id"], [f"{S}.donors.id"], name="fk_holds_donor_id_donors"),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
        sa.UniqueConstraint("idempotency_key", name="uq_holds_idempotency_key"),
        schema=S,
    )
    op.create_index("ix_entitlement_holds_donor_id", "holds", ["donor_id"], schema=S)


def downgrade() -> None:
    op.drop_table("holds", schema=S)
    op.drop_table("donations", schema=S)
    op.drop_table("donors", schema=S)
