"""Engine and session factory; one AsyncSession per request, committed at the boundary."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from kit.idempotency import mark_executed
from kit.settings import DatabaseSettings

# One naming convention for every schema, so Alembic names constraints predictably.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


# A connection idle longer than this is pinged before use. SQLAlchemy's pool_pre_ping pings on
# every checkout: a round trip per request, ~7% of a quote's CPU (bench/README.md). A connection
# used moments ago is alive unless the server just restarted; then its first statement fails as a
# disconnect, SQLAlchemy invalidates the whole pool, and that request answers 503 + Retry-After.
IDLE_PING_S = 10.0


def make_engine(settings: DatabaseSettings, *, application_name: str, schema: str) -> AsyncEngine:
    engine = create_async_engine(
        settings.database_url,
        # Bound values are ID numbers, phones and card numbers: never in an error or a log line.
        hide_parameters=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_recycle=1800,
        connect_args={
            "timeout": 5,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "application_name": application_name,
                "search_path": f"{schema},public",
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "lock_timeout": "5000",
                "timezone": "Asia/Shanghai",
            },
        },
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:  # the pool discards it and checks out another (up to 3 tries)
            raise DisconnectionError("connection dead after idling") from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads only: each statement runs on its own (autocommit), so no BEGIN and COMMIT
    round trips. Under READ COMMITTED each statement takes its own snapshot anyway, so a read gives
    the same answers either way. Never write through one."""
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False,
                              autoflush=False)


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commit when the handler returns, roll back on any exception; both before the response."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await mark_executed(session)  # an Idempotency-Key's effect and its mark commit together
            await session.commit()


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.read_sessionmaker() as session:
        yield session


# scope="function": commit before the response leaves, so a client never acts on a 201 that was not
# stored yet (the default, "request", would commit only after the response is sent).
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
# Read-only routes on the hot path (quotes): a session that never opens a transaction.
ReadSessionDep = Annotated[AsyncSession, Depends(read_session, scope="function")]
