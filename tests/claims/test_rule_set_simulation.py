"""POST /ops/v1/rule-sets/simulate: a draft version over a period's real claims and notices,
what would change and why; nothing stored or changed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.entitlement.rules import SHIPPED_DATA_DIR
from tests.claims.helpers import RELATIVE_DOCUMENTS, ready_claim, seed_donor
from tests.reductions.test_direct_reduction import hospital_token, notice_body
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id

DONOR_A = resident_id("19800101")  # the helpers' DONOR: the notice's donor too
DONOR_B = resident_id("19830101", seq=11)
PARENT = resident_id("19550101", seq=12)


def beijing_draft() -> dict[str, Any]:
    """BJ-2009 as posted by an admin, the relatives' multiplier raised from 1 to 2."""
    raw = yaml.safe_load((SHIPPED_DATA_DIR / "bj-2009.yaml").read_text(encoding="utf-8"))
    draft = json.loads(json.dumps(raw, default=str))  # dates as the ISO strings the schema wants
    draft["id"] = "BJ-DRAFT"
    draft["relatives"]["tiers"][0]["grant"]["windows"][0]["multiplier"] = 2
    return draft


async def snapshot(engine: AsyncEngine) -> dict[str, str]:
    """A digest of every row of the entitlement and claims schemas."""
    async with engine.connect() as conn:
        tables = (await conn.execute(text(
            "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN ('entitlement', 'claims')"
        ))).scalars().all()
        return {t: (await conn.execute(text(f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                                           f"FROM {t} x"))).scalar_one() for t in sorted(tables)}


@pytest.fixture
async def cases(stack: AppStack, admin_headers: dict[str, str]) -> dict[str, str]:
    """A relative's claim the draft changes, a donor's own claim and a notice it does not."""
    gw = stack.gateway
    await gw.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_op", "password": "correct horse battery", "roles": ["station_operator"], "province": "11"})
    await seed_donor(gw, admin_headers, cert=DONOR_A)
    await seed_donor(gw, admin_headers, cert=DONOR_B, no="B1")
    operator = await stack.login("bj_op", "correct horse battery")
    relative = await ready_claim(gw, operator, documents=RELATIVE_DOCUMENTS, donor=DONOR_B, beneficiary=PARENT,
                                 relationship="parent", kinship_evidence="pledge", invoice_number="S-1",
                                 items=[{"product": "red_cells", "quantity": 4}], blood_fee_fen=1_000_000)
    own = await ready_claim(gw, operator, donor=DONOR_A, invoice_number="S-2")
    for claim in (relative, own):
        assert (await gw.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)).status_code == 200
    his = await hospital_token(gw, admin_headers)
    notice = (await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()
    return {"relative": relative["reference"], "own": own["reference"], "notice": notice["notice_no"]}


async def test_a_larger_relatives_quota_changes_one_claim_by_440_yuan_and_says_why(
        gateway, admin_headers, cases, db) -> None:
    """Draft: relatives 2 x the donated volume instead of 1 x (seed 001 art. 3(三) changed). The
    parent's 4 U (800 mL) claim: BJ-2009 covers 400 mL (440.00), the draft 800 mL (880.00): +440.00.
    The donor's own claim and the notice (a parent's 1 U) are the same under both."""
    before = await snapshot(db)
    response = await gateway.post("/ops/v1/rule-sets/simulate", headers=admin_headers, json={
        "draft": beijing_draft(), "used_from": iso_days_ago(90), "used_to": iso_days_ago(0)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["draft_id"], body["cases"], body["changed"], body["increased"], body["decreased"]) == (
        "BJ-DRAFT", 3, 1, 1, 0)
    assert body["difference_fen"] == 44_000
    [change] = body["differences"]
    assert (change["reference"], change["kind"], change["baseline_rule_set"]) == (cases["relative"], "claim", "BJ-2009")
    assert (change["recorded_fen"], change["baseline_fen"], change["draft_fen"]) == (44_000, 44_000, 88_000)
    assert any(line.startswith("＋ ") and "按2倍计 800 mL" in line for line in change["why"])
    assert any(line.startswith("－ ") and "按1倍计 400 mL" in line for line in change["why"])
    assert await snapshot(db) == before  # a simulation stores and changes nothing


async def test_a_period_without_the_cases_examines_none(gateway, admin_headers, cases) -> None:
    response = await gateway.post("/ops/v1/rule-sets/simulate", headers=admin_headers, json={
        "draft": beijing_draft(), "used_from": "2015-01-01", "used_to": "2015-12-31"})
    assert (response.json()["cases"], response.json()["changed"]) == (0, 0)


async def test_only_an_admin_simulates(gateway, stack, cases) -> None:
    operator = await stack.login("bj_op", "correct horse battery")
    response = await gateway.post("/ops/v1/rule-sets/simulate", headers=operator, json={
        "draft": beijing_draft(), "used_from": iso_days_ago(90), "used_to": iso_days_ago(0)})
    assert response.status_code == 403


async def test_an_invalid_draft_is_a_422_naming_the_field(gateway, admin_headers, cases) -> None:
    draft = copy.deepcopy(beijing_draft())
    draft["relatives"]["fee_fraction"] = "3/2"
    response = await gateway.post("/ops/v1/rule-sets/simulate", headers=admin_headers, json={
        "draft": draft, "used_from": iso_days_ago(90), "used_to": iso_days_ago(0)})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"].startswith("draft.relatives")
