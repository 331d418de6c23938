"""Issue 11.5: blood-use data (products, hospital, quotes) encrypted at rest like IDs; names
masked where they are not needed whole; SQL parameters never in errors or logs; no SMS text kept;
rows from before are encrypted by the start-up backfill."""

from __future__ import annotations

import json
import logging
import re

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from kit.db import make_engine
from kit.logging import configure_logging
from kit.settings import DatabaseSettings
from tests.claims.helpers import DONOR, ready_claim, seed_donor
from tests.entitlement.helpers import record
from tests.support.apps import AppStack, service_app
from tests.support.dates import iso_days_ago
from tests.support.donors import signed_in_donor

HOSPITAL = "河北医科大学第二医院"


async def rows_as_text(engine: AsyncEngine, table: str) -> str:
    async with engine.connect() as conn:
        return "\n".join(r[0] for r in await conn.execute(text(f"SELECT row_to_json(t)::text FROM {table} t")))


async def test_blood_use_is_encrypted_in_claims_holds_and_notices(stack: AppStack, admin_headers, db) -> None:
    await seed_donor(stack.gateway, admin_headers)
    claim = await ready_claim(stack.gateway, admin_headers)
    submitted = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["usage"]["hospital_name"] == HOSPITAL  # whole in the API (the claim's own)
    assert submitted.json()["explanation"]
    claims_rows = await rows_as_text(db, "claims.claims")
    holds_rows = await rows_as_text(db, "entitlement.holds")
    for rows in (claims_rows, holds_rows):
        assert HOSPITAL not in rows and "red_cells" not in rows and "explanation" not in rows
    async with db.connect() as conn:
        usage, quote, items = (await conn.execute(text(
            "SELECT usage_encrypted, quote_encrypted, items FROM claims.claims"))).one()
    assert usage.startswith("v1.") and quote.startswith("v1.") and items is None


async def test_names_are_masked_unless_a_reviewer_opens_the_audited_view(stack: AppStack, admin_headers) -> None:
    await seed_donor(stack.gateway, admin_headers)
    claim = await ready_claim(stack.gateway, admin_headers)
    assert (claim["donor"]["name"], claim["beneficiary"]["name"], claim["payee"]["account_name"]) == ("张*",) * 3
    await stack.gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_rev", "password": "correct horse battery", "roles": ["reviewer"], "province": "11"})
    reviewer = await stack.login("bj_rev", "correct horse battery")
    listed = (await stack.gateway.get("/ops/v1/claims", headers=reviewer)).json()
    assert listed[0]["donor"]["name"] == "张*"
    whole = (await stack.gateway.get(f"/ops/v1/claims/{claim['id']}/unmasked", params={"reason": "核对收款人"},
                                     headers=reviewer)).json()
    assert (whole["donor_name"], whole["payee_account_name"], whole["donor_cert_number"]) == ("张三", "张三", DONOR)


async def test_sql_parameters_never_reach_a_log_line(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(DatabaseSettings(database_url=database_url), application_name="t", schema="public")
    try:
        with pytest.raises(DBAPIError) as raised:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT CAST(:v AS integer), :card, :phone"),
                                   {"v": DONOR, "card": "6222021234567891234", "phone": "13912345678"})
        assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)
        # The driver's own message still quotes the bad value: the log scrubber masks it.
        configure_logging("test", "INFO", json=True)
        try:
            raise raised.value
        except DBAPIError:
            structlog.get_logger("t").exception("unhandled error")
        structlog.get_logger("t").warning("transfer refused 6222021234567891234 to 13912345678")
        logged = capsys.readouterr().out
        [line] = [json.loads(x) for x in logged.splitlines() if '"unhandled error"' in x]
        assert line["exception"][0]["exc_type"] == "DBAPIError"  # the traceback, structured (issue 12)
        assert DONOR[:6] + "********" + DONOR[-4:] in line["exception"][0]["exc_value"]
        assert DONOR not in logged and DONOR[:6] + "********" + DONOR[-4:] in logged
        assert "6222021234567891234" not in logged and "6222 **** **** 1234" in logged
        assert "13912345678" not in logged and "139****5678" in logged
    finally:
        await engine.dispose()
        logging.getLogger().handlers.clear()


async def test_no_sms_text_or_code_is_kept_by_the_platform(stack: AppStack, admin_headers, db) -> None:
    await stack.gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": [
        record("D1", DONOR, donated_on=iso_days_ago(900), phone="13912345678")]})
    await signed_in_donor(stack.gateway, "wx-1", "张三", DONOR)
    text_sent = (await stack.gateway.get("/api/v1/dev/sms")).json()[0]["text"]
    code = re.search(r"验证码\s*(\d{6})", text_sent).group(1)  # type: ignore[union-attr]
    async with db.connect() as conn:
        tables = [r[0] for r in await conn.execute(text(
            "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN "
            "('gateway', 'entitlement', 'claims', 'payments')"))]
    assert "gateway.sandbox_sms" not in tables
    everything = "\n".join([await rows_as_text(db, t) for t in tables])
    assert "验证码" not in everything and code not in everything and "13912345678" not in everything


async def test_rows_from_before_are_encrypted_and_indexed_when_the_service_starts(
        stack: AppStack, admin_headers, db, database_url, keys, tmp_path) -> None:
    await seed_donor(stack.gateway, admin_headers)
    claim = await ready_claim(stack.gateway, admin_headers)
    async with db.begin() as conn:  # as an older release left it: plaintext, no person index
        await conn.execute(text(
            "UPDATE claims.claims SET hospital_name = :h, items = CAST(:i AS jsonb), usage_encrypted = NULL, "
            "donor_person_index = NULL, beneficiary_person_index = NULL"),
            {"h": HOSPITAL, "i": '[{"product": "red_cells", "quantity": 2}]'})
        await conn.execute(text("UPDATE entitlement.donors SET person_index = NULL"))
    for name, extra in (("claims", {"documents_dir": tmp_path, "outbox_enabled": False}), ("entitlement", {})):
        app = service_app(name, database_url, keys, **extra)
        async with app.router.lifespan_context(app):
            pass
    rows = await rows_as_text(db, "claims.claims")
    assert HOSPITAL not in rows and "red_cells" not in rows
    async with db.connect() as conn:
        missing = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM claims.claims WHERE donor_person_index IS NULL OR usage_encrypted IS NULL)"
            " + (SELECT count(*) FROM entitlement.donors WHERE person_index IS NULL)"))).scalar_one()
    assert missing == 0
    again = (await stack.gateway.get(f"/ops/v1/claims/{claim['id']}", headers=admin_headers)).json()
    assert again["usage"]["hospital_name"] == HOSPITAL and again["usage"]["items"][0]["product"] == "red_cells"
