"""Start-up backfills for expand-then-contract migrations.

A migration cannot encrypt or index existing rows (it has no keys), so it adds the new columns
nullable and the service fills them from the old ones when it starts, in small batches, each its
own transaction, skipping rows another instance has locked. The contract step (dropping the
emptied legacy columns) comes in a later release, once every deployment has run this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def backfill(sessionmaker: async_sessionmaker[AsyncSession], model: type[Any], pending: ColumnElement[bool],
                   fix: Callable[[Any], None], *, batch: int = 500) -> int:
    """Apply `fix` to every row matching `pending` (which `fix` must make false); returns the count."""
    done = 0
    while True:
        async with sessionmaker() as session, session.begin():
            stmt = select(model).where(pending).limit(batch).with_for_update(skip_locked=True)
            rows = list((await session.execute(stmt)).scalars())
            for row in rows:
                fix(row)
        done += len(rows)
        if len(rows) < batch:
            return done
