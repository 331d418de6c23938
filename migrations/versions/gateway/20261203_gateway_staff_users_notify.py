"""gateway: notify every gateway replica when a staff account changes

Revision ID: gw_i16_1
Revises: gw_i12_2
Create Date: 2026-12-03

Each gateway replica keeps the staff accounts behind bearer tokens in memory
(gateway/staff/accounts.py) and must forget one the moment it changes, whoever changes it: the
gateway's own endpoints, the seed, or an engineer in psql. A trigger sends the username on channel
`gateway_staff_users` for every inserted, updated or deleted row, and "" (everyone) on TRUNCATE,
which fires no row triggers. PostgreSQL delivers it when the transaction commits.
"""
from __future__ import annotations

from alembic import op

revision = "gw_i16_1"
down_revision = "gw_i12_2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION gateway.notify_staff_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                PERFORM pg_notify('gateway_staff_users', '');
            ELSIF TG_OP = 'DELETE' THEN
                PERFORM pg_notify('gateway_staff_users', OLD.username);
            ELSE
                PERFORM pg_notify('gateway_staff_users', NEW.username);
                IF TG_OP = 'UPDATE' AND NEW.username IS DISTINCT FROM OLD.username THEN
                    PERFORM pg_notify('gateway_staff_users', OLD.username);
                END IF;
            END IF;
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER staff_users_notify AFTER INSERT OR UPDATE OR DELETE ON gateway.staff_users
        FOR EACH ROW EXECUTE FUNCTION gateway.notify_staff_user_changed()
    """)
    op.execute("""
        CREATE TRIGGER staff_users_notify_truncate AFTER TRUNCATE ON gateway.staff_users
        FOR EACH STATEMENT EXECUTE FUNCTION gateway.notify_staff_user_changed()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER staff_users_notify_truncate ON gateway.staff_users")
    op.execute("DROP TRIGGER staff_users_notify ON gateway.staff_users")
    op.execute("DROP FUNCTION gateway.notify_staff_user_changed()")
