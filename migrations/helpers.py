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


def create_idempotency_keys(schema: str) -> None:
    """The Idempotency-Key store of one app (kit/idempotency.py), in that app's schema."""
    import sqlalchemy as sa
    from sqlalchemy.dialects.postgresql import JSONB

    op.create_table(
        "idempotency_keys",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.Uuid(), nullable=False),
        sa.Column("executed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("headers", JSONB()),
        sa.Column("body", sa.LargeBinary()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('running', 'done')", name="ck_idempotency_keys_state"),
        sa.PrimaryKeyConstraint("key_hash", name="pk_idempotency_keys"),
        schema=schema,
    )
    op.create_index(f"ix_{schema}_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"], schema=schema)


def add_outbox_dead_letters(schema: str, *, due_index: str, aggregate_index: str, aggregate: list[str]) -> None:
    """An outbox table gets a status (pending, delivered, dead, discarded), an order (`seq`), who
    resolved a dead letter and why, and the indexes the delivery loop asks (kit/outbox.py)."""
    import sqlalchemy as sa

    op.add_column("outbox", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False), schema=schema)
    op.create_unique_constraint("uq_outbox_seq", "outbox", ["seq"], schema=schema)
    op.add_column("outbox", sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
                  schema=schema)
    for column in (sa.Column("dead_at", sa.DateTime(timezone=True)), sa.Column("resolved_by", sa.String(64)),
                   sa.Column("resolved_reason", sa.Text())):
        op.add_column("outbox", column, schema=schema)
    op.execute(f"UPDATE {schema}.outbox SET status = 'delivered' WHERE delivered_at IS NOT NULL")
    op.create_check_constraint("ck_outbox_status", "outbox", "status IN ('pending', 'delivered', 'dead', 'discarded')",
                               schema=schema)
    op.drop_index(due_index, "outbox", schema=schema)
    op.create_index(due_index, "outbox", ["next_attempt_at"], schema=schema,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index(aggregate_index, "outbox", [*aggregate, "seq"], schema=schema,
                    postgresql_where=sa.text("status IN ('pending', 'dead')"))


def drop_outbox_dead_letters(schema: str, *, due_index: str, old_due_where: str, aggregate_index: str) -> None:
    import sqlalchemy as sa

    op.drop_index(aggregate_index, "outbox", schema=schema)
    op.drop_index(due_index, "outbox", schema=schema)
    op.create_index(due_index, "outbox", ["next_attempt_at"], schema=schema, postgresql_where=sa.text(old_due_where))
    op.drop_constraint("ck_outbox_status", "outbox", schema=schema)
    for column in ("resolved_reason", "resolved_by", "dead_at", "status", "seq"):
        op.drop_column("outbox", column, schema=schema)
