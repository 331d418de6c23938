"""The migration that introduces the normalised invoice key backfills what the platform already holds
(issue 12.3): rows typed three ways become one invoice with three registered uses, oldest first."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from stack.migrate import alembic_config
from tests.conftest import in_own_thread

SPELLINGS = ("14157314", "1 4 1 57314", "１４１５７３１４")


@pytest.fixture
async def scratch_url(engine: AsyncEngine, database_url: str) -> AsyncIterator[str]:
    """A database of its own, so migrating down and up again touches no other test."""
    name = f"migration_{uuid.uuid4().hex[:8]}"
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text(f"CREATE DATABASE {name}"))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))


async def insert_claim(url: str, number: str, n: int) -> None:
    scratch = create_async_engine(url)
    person = {f"{p}_{k}": v for p in ("donor", "beneficiary") for k, v in (
        ("cert_type", "resident_id"), ("cert_encrypted", "x"), ("cert_index", "idx"), ("cert_masked", "m"),
        ("name", "张三"))}
    row = {"id": uuid.uuid4(), "reference": f"BX1120241001{n:06d}", "province": "11", "channel": "counter",
           "status": "paid", "applicant_kind": "staff", "applicant_subject": "op", **person,
           "relationship": "self", "donor_deceased": False, "hospital_name": "医院", "usage_province": "13",
           "used_on": date(2024, 10, 1), "paid_on": date(2024, 10, 2), "items": "[]", "invoice_code": "130100226",
           "invoice_number": number, "invoice_issued_on": date(2024, 10, 2), "invoice_total_fen": 100_000,
           "blood_fee_fen": 88_000, "payee_account_name": "张三", "payee_account_encrypted": "x",
           "payee_account_masked": "m", "payee_bank_name": "银行", "requested_fen": 88_000, "eligible_fen": 88_000,
           "approved_fen": 88_000, "quote": '{"covered_ml": 800}',
           "created_at": datetime(2024, 10, 3 + n, 12, tzinfo=UTC)}
    columns = ", ".join(row)
    values = ", ".join(f"CAST(:{k} AS jsonb)" if k in ("items", "quote") else f":{k}" for k in row)
    async with scratch.begin() as conn:
        await conn.execute(text(f"INSERT INTO claims.claims ({columns}) VALUES ({values})"), row)
    await scratch.dispose()


async def test_three_spellings_of_one_invoice_become_one_key_with_three_uses(scratch_url: str) -> None:
    in_own_thread(command.upgrade, alembic_config(scratch_url), "cl0003")
    for n, number in enumerate(SPELLINGS):
        await insert_claim(scratch_url, number, n)
    in_own_thread(command.upgrade, alembic_config(scratch_url), "heads")
    scratch = create_async_engine(scratch_url)
    async with scratch.connect() as conn:
        numbers = (await conn.execute(text("SELECT DISTINCT invoice_number FROM claims.claims"))).scalars().all()
        uses = (await conn.execute(text(
            "SELECT invoice_number, seq, reference, reduced_fen, covered_ml, live FROM claims.invoice_uses "
            "ORDER BY seq"))).all()
    await scratch.dispose()
    assert numbers == ["14157314"]
    assert [tuple(u) for u in uses] == [("14157314", n + 1, f"BX1120241001{n:06d}", 88_000, 800, True)
                                        for n in range(3)]
