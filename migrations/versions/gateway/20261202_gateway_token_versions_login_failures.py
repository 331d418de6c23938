"""gateway: staff token versions, failed sign-ins per username and address, no SMS text stored

Revision ID: gw_i11_1
Revises: gw0003
Create Date: 2026-12-02

`token_version` ends every earlier token of an account when it is disabled, its password reset
or it signs out. The lockout moves from the account (which anyone could trigger) to
`login_failures`, keyed by username and address. `sandbox_sms` goes: the SMS sandbox now plays
the provider over HTTP and the gateway keeps no message text.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw_i11_1"
down_revision = "gw0003"
branch_labels = None
depends_on = None
S = "gateway"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("staff_users", sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"),
                  schema=S)
    op.drop_column("staff_users", "failed_logins", schema=S)
    op.drop_column("staff_users", "locked_until", schema=S)
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(128), primary_key=True),
        sa.Column("ip", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", TS),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.drop_table("sandbox_sms", schema=S)


def downgrade() -> None:
    op.create_table(
        "sandbox_sms",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("phone_encrypted", sa.Text(), nullable=False),
        sa.Column("phone_masked", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.drop_table("login_failures", schema=S)
    op.add_column("staff_users", sa.Column("locked_until", TS), schema=S)
    op.add_column("staff_users", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
                  schema=S)
    op.drop_column("staff_users", "token_version", schema=S)
