"""entitlement: a committed hold can be reversed (refunded bill after a direct reduction)

Revision ID: en0003
Revises: en0002
Create Date: 2026-11-23
"""
from __future__ import annotations

from alembic import op

revision = "en0003"
down_revision = "en0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("ck_holds_state", "holds", schema="entitlement")
    op.create_check_constraint("ck_holds_state", "holds",
                               "state IN ('held', 'committed', 'released', 'expired', 'reversed')",
                               schema="entitlement")


def downgrade() -> None:
    op.drop_constraint("ck_holds_state", "holds", schema="entitlement")
    op.create_check_constraint("ck_holds_state", "holds", "state IN ('held', 'committed', 'released', 'expired')",
                               schema="entitlement")
