"""Finance reaches payments through the gateway's /ops/v1/payments routes (roles checked there)."""

from __future__ import annotations

import httpx

from kit import clock
from sandboxes.bank.app import create_app as create_bank
from sandboxes.bank.settings import SandboxSettings
from services.payments.channels import registry
from tests.payments.support import CLAIM_CALLER, body
from tests.support.callers import caller_headers

PASSWORD = "correct horse battery"


async def _staff(stack, admin_headers, username: str, role: str) -> dict[str, str]:
    created = await stack.gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": username, "password": PASSWORD, "roles": [role], "province": "11"})
    assert created.status_code == 201, created.text
    return await stack.login(username, PASSWORD)


async def test_finance_reads_disbursements_totals_and_reconciliation_through_the_gateway(
        stack, admin_headers, keys) -> None:
    payments = stack.apps["payments"]
    bank = create_bank(SandboxSettings(settle_delay_s=0))
    await registry.close_all(payments.state.channels)  # the stack's own point at no bank; use a sandbox
    payments.state.channels = registry.build_channels(payments.state.settings,
                                                      bank_transport=httpx.ASGITransport(app=bank))
    created = await stack.services["payments"].post("/v1/disbursements", json=body(), headers={
        "Idempotency-Key": "k1", **caller_headers(keys, **CLAIM_CALLER)})
    assert created.status_code == 201, created.text
    finance = await _staff(stack, admin_headers, "bj_fin", "finance")
    reviewer = await _staff(stack, admin_headers, "bj_rev", "reviewer")
    gw = stack.gateway

    listing = await gw.get("/ops/v1/payments/disbursements", params={"state": "pending"}, headers=finance)
    assert listing.status_code == 200, listing.text
    assert [d["id"] for d in listing.json()] == [created.json()["id"]]
    one = await gw.get(f"/ops/v1/payments/disbursements/{created.json()['id']}", headers=finance)
    assert one.json()["history"][0]["to_state"] == "pending"
    assert one.json()["payee"]["account_number_masked"] == "6222 **** **** 1234"
    today = clock.china_date(clock.now()).isoformat()
    totals = await gw.get("/ops/v1/payments/funding-totals", params={"date_from": today, "date_to": today},
                          headers=finance)
    assert totals.status_code == 200 and totals.json()["total_fen"] == 0

    not_yet = await gw.get("/ops/v1/payments/reconciliation", params={"date": today}, headers=finance)
    assert not_yet.status_code == 404 and not_yet.headers["content-type"] == "application/problem+json"
    run = await gw.post("/ops/v1/payments/reconciliation/run", params={"date": today}, headers=finance)
    assert run.status_code == 201, run.text
    exported = await gw.get("/ops/v1/payments/reconciliation.csv", params={"date": today}, headers=finance)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"].endswith(f'reconciliation-{today}.csv"')
    assert exported.content.startswith("\ufeff".encode())

    for path in ("/ops/v1/payments/disbursements", "/ops/v1/payments/reconciliation.csv"):
        assert (await gw.get(path, params={"date": today}, headers=reviewer)).status_code == 403
    assert (await gw.get("/ops/v1/payments/disbursements", headers=admin_headers)).status_code == 200
