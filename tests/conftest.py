"""Test fixtures: a throwaway embedded PostgreSQL with every migration applied, and the apps.

Set TEST_DATABASE_URL to run against an external server instead (its database is reset; under
pytest-xdist each worker gets a database of its own on that server, named after the worker).

`make test` runs the suite on every CPU with pytest-xdist (`--dist loadscope`: a module's tests stay
on one worker, so the tests sharing one set of real processes start it once).
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

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from argon2 import profiles as argon2_profiles
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gateway.hospitals import service as hospital_service
from gateway.staff import service as staff_service
from kit import clock
from stack import keys as devkeys
from stack import migrate
from stack.embedded_pg import EmbeddedPostgres
from tests.support.apps import AppStack, start_stack
from tests.support.calendar import enter_stand_in_schedule, years_to_cover

T = TypeVar("T")

# argon2's own profile for tests (a password check in about a millisecond instead of a tenth of a
# second, many times per test). The real processes of tests/e2e keep the production parameters.
for _hashing in (staff_service, hospital_service):
    _hashing.hasher = PasswordHasher.from_parameters(argon2_profiles.CHEAPEST)
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
        url = in_own_thread(asyncio.run, database_of_this_worker(external))
        in_own_thread(migrate.upgrade, url)
        yield url
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


async def database_of_this_worker(url: str) -> str:
    """The external database itself, or under xdist `<name>_<worker>` on the same server (created
    if missing): two workers truncating one database would wipe each other's tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    conn = await asyncpg.connect(parsed.set(drivername="postgresql", database="postgres")
                                 .render_as_string(hide_password=False))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def keys() -> devkeys.DevKeys:
    return devkeys.generate()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(database_url, pool_size=2)
    yield eng
    await eng.dispose()


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty what the last test wrote: TRUNCATE the tables holding rows and restart the sequences
    it used. Truncating all ~100 tables every time cost most of a fifth of a second per test."""
    async with engine.begin() as conn:
        tables = [f'"{s}"."{t}"' for s, t in await conn.execute(text(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(:schemas) ORDER BY 1, 2"
        ), {"schemas": list(SCHEMAS)})]
        if not tables:
            return
        holding = (await conn.execute(text(" UNION ALL ".join(
            f"SELECT '{t}' FROM (SELECT 1 FROM {t} LIMIT 1) AS r" for t in tables)))).scalars().all()
        if holding:
            await conn.execute(text(f"TRUNCATE {', '.join(holding)} CASCADE"))
        used = await conn.execute(text(
            "SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = ANY(:schemas) "
            "AND last_value IS NOT NULL"), {"schemas": list(SCHEMAS)})
        for schema, sequence in used:
            await conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))


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
