"""The migrations build exactly the tables the models describe (Alembic autogenerate finds nothing)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from migrations.metadata import all_metadata


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"include_schemas": True, "compare_type": True})
        return compare_metadata(context, all_metadata())

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
