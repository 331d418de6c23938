"""Small DDL helpers shared by migration files."""

from __future__ import annotations

from alembic import op


def make_append_only(schema: str, table: str) -> None:
    """Audit trails are only ever added to: UPDATE and DELETE raise."""
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {schema}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%.% is append-only', TG_TABLE_SCHEMA, TG_TABLE_NAME; END $$
    """)
    op.execute(f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {schema}.{table}
        FOR EACH ROW EXECUTE FUNCTION {schema}.refuse_change()
    """)
