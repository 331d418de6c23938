"""Test fixtures: a throwaway embedded PostgreSQL with every migration applied, and the apps.

Set TEST_DATABASE_URL to run against an external server instead (its database is reset).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kit import clock
from stack import keys as devkeys
from stack import migrate
from stack.embedded_pg import EmbeddedPostgres
from tests.support.apps import AppStack, start_stack
from tests.support.calendar import enter_stand_in_schedule, years_to_cover

T = TypeVar("T")
SCHEMAS = ("gateway", "entitlement", "claims", "payments", "interop")
ADMIN_PASSWORD = "admin-test-password"


def in_own_thread(fn: Callable[..., T], *args: object) -> T:
    """Run set-up that calls asyncio.run() (ours, Alembic's) on a fresh thread, so it works even
    when the calling thread already has a running loop (pytest-asyncio, Playwright's sync API)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        in_own_thread(migrate.upgrade, external)
        yield external
        return
    root = Path(tempfile.mkdtemp(prefix="xuefei-test-pg-"))
    pg = EmbeddedPostgres(root / "pg")
    pg.start()
    try:
        in_own_thread(asyncio.run, pg.ensure_database("xuefei_test"))
        url = pg.url("xuefei_test")
        in_own_thread(migrate.upgrade, url)
        os.environ["XUEFEI_TEST_PG_SOCKET"] = pg.socket_dir
        yield url
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def keys() -> devkeys.DevKeys:
    return devkeys.generate()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(database_url, pool_size=2)
    yield eng
    await eng.dispose()


async def truncate_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        rows = await conn.execute(text(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(:schemas)"
        ), {"schemas": list(SCHEMAS)})
        tables = [f'"{s}"."{t}"' for s, t in rows]
        if tables:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A clean database for the test. Apps commit for real (as in production), so each test
    starts from empty tables instead of a rolled-back savepoint."""
    await truncate_all(engine)
    yield engine


@pytest.fixture
async def stack(db: AsyncEngine, database_url: str, keys: devkeys.DevKeys, tmp_path: Path) -> AsyncIterator[AppStack]:
    """The three services and the gateway in-process; the gateway reaches them over its real
    HTTP clients through ASGI transports. The working-day calendar covers this year and the next
    (tests/support/calendar.py), so due dates exist on any day the suite runs."""
    await enter_stand_in_schedule(db, years_to_cover(clock.today()))
    async with start_stack(database_url, keys, admin_password=ADMIN_PASSWORD, documents_dir=tmp_path / "docs") as s:
        yield s


@pytest.fixture
async def gateway(stack: AppStack) -> httpx.AsyncClient:
    return stack.gateway


@pytest.fixture
async def admin_headers(stack: AppStack) -> dict[str, str]:
    return await stack.login("admin", ADMIN_PASSWORD)
