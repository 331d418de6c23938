"""gateway: donor accounts, sessions, bind challenges, sandbox SMS, rate counters

Revision ID: gw0002
Revises: gw0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw0002"
down_revision = "gw0001"
branch_labels = None
depends_on = None
S = "gateway"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "donor_accounts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("openid", sa.String(128), nullable=False),
        sa.Column("cert_type", sa.String(32)),
        sa.Column("cert_encrypted", sa.Text()),
        sa.Column("cert_index", sa.String(64)),
        sa.Column("cert_masked", sa.String(32)),
        sa.Column("name", sa.String(64)),
        sa.Column("bound_at", TS),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("openid", name="uq_donor_accounts_openid"),
        schema=S,
    )
    op.create_index("ix_gateway_donor_accounts_cert_index", "donor_accounts", ["cert_index"], schema=S)
    op.create_table(
        "donor_sessions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey(f"{S}.donor_accounts.id",
                                                          name="fk_donor_sessions_account_id_donor_accounts"),
                  nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.UniqueConstraint("token_hash", name="uq_donor_sessions_token_hash"),
        schema=S,
    )
    op.create_index("ix_gateway_donor_sessions_account_id", "donor_sessions", ["account_id"], schema=S)
    op.create_table(
        "bind_challenges",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey(f"{S}.donor_accounts.id",
                                                          name="fk_bind_challenges_account_id_donor_accounts"),
                  nullable=False),
        sa.Column("cert_type", sa.String(32), nullable=False),
        sa.Column("cert_encrypted", sa.Text(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_index("ix_gateway_bind_challenges_account_id", "bind_challenges", ["account_id"], schema=S)
    op.create_table(
        "sandbox_sms",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("phone_encrypted", sa.Text(), nullable=False),
        sa.Column("phone_masked", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("key", "window_start", name="pk_rate_counters"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("rate_counters", "sandbox_sms", "bind_challenges", "donor_sessions", "donor_accounts"):
        op.drop_table(table, schema=S)
