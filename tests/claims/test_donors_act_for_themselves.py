"""Issue 11.1: on the client surface a donor acts for themselves (or a relative as beneficiary),
checked in the claims and entitlement services, and a refusal reveals nothing about the other."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.donors import service as donor_service
from stack import keys as devkeys
from tests.claims.helpers import claim_body, upload
from tests.entitlement.helpers import record
from tests.support.apps import AppStack
from tests.support.callers import donor_headers, person
from tests.support.dates import iso_days_ago
from tests.support.donors import signed_in_donor
from tests.support.people import resident_id

ZHANG = ("张三", "110105198503120215")
LI = ("李四", "110108199007080326")
FATHER = resident_id("19560101", area="110105", seq=43)


@pytest.fixture
async def donors(stack: AppStack, admin_headers: dict[str, str]) -> None:
    """张三 and 李四 as `make run` seeds them: Beijing donors with a phone on their records."""
    records = [record("Z1", ZHANG[1], name=ZHANG[0], donated_on=iso_days_ago(900), phone="13800138000"),
               record("L1", LI[1], name=LI[0], donated_on=iso_days_ago(800), phone="13900139000")]
    response = await stack.gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": records})
    assert response.json()["created"] == 2, response.text


async def counts(engine: AsyncEngine) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        return tuple((await conn.execute(text(  # type: ignore[return-value]
            "SELECT (SELECT count(*) FROM claims.claims), (SELECT count(*) FROM entitlement.holds), "
            "(SELECT count(*) FROM claims.claim_events)"))).one())


async def test_zhang_cannot_file_a_claim_naming_li_as_donor_and_beneficiary(
        stack: AppStack, donors, db: AsyncEngine) -> None:
    zhang = await signed_in_donor(stack.gateway, "wx-zhang", *ZHANG)
    before = await counts(db)
    body = claim_body(donor=LI[1], name=LI[0], channel=None)
    refused = await stack.gateway.post("/api/v1/claims", headers=zhang, json=body)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["errors"][0]["field"] == "donor.cert_number"
    # Nothing about 李四 in the answer: not a masked ID, not a phone, not whether she is a donor.
    for secret in (LI[1], LI[1][:6] + "********" + LI[1][-4:], "139****9000", LI[0], "李*"):
        assert secret not in refused.text
    assert await counts(db) == before  # nothing stored, no hold placed, no audit row
    assert (await stack.gateway.get("/api/v1/claims", headers=zhang)).json() == []


async def test_the_refusal_is_the_same_whether_or_not_the_other_person_is_a_donor(stack: AppStack, donors) -> None:
    zhang = await signed_in_donor(stack.gateway, "wx-zhang", *ZHANG)
    nobody = resident_id("19770707", seq=77)
    as_li = await stack.gateway.post("/api/v1/claims", headers=zhang, json=claim_body(donor=LI[1], channel=None))
    as_nobody = await stack.gateway.post("/api/v1/claims", headers=zhang, json=claim_body(donor=nobody, channel=None))
    assert as_li.status_code == as_nobody.status_code == 403
    strip = lambda p: {k: v for k, v in p.items() if k != "request_id"}  # noqa: E731
    assert strip(as_li.json()) == strip(as_nobody.json())


async def test_a_donor_files_for_a_parent_as_the_beneficiary_with_kinship_evidence(stack: AppStack, donors) -> None:
    zhang = await signed_in_donor(stack.gateway, "wx-zhang", *ZHANG)
    for_father = claim_body(donor=ZHANG[1], name=ZHANG[0], beneficiary=FATHER, relationship="parent",
                            kinship_evidence="pledge", channel=None)
    created = await stack.gateway.post("/api/v1/claims", headers=zhang, json=for_father)
    assert created.status_code == 201, created.text
    assert created.json()["channel"] == "online"
    no_evidence = {**for_father, "kinship_evidence": None}
    assert (await stack.gateway.post("/api/v1/claims", headers=zhang, json=no_evidence)).status_code == 422
    # The father as donor of a claim filed by his son: refused like any other stranger.
    swapped = claim_body(donor=FATHER, name="张父", beneficiary=ZHANG[1], relationship="child",
                         kinship_evidence="pledge", channel=None)
    assert (await stack.gateway.post("/api/v1/claims", headers=zhang, json=swapped)).status_code == 403


async def test_the_beneficiary_reads_but_only_the_donor_changes_the_claim(
        stack: AppStack, donors, keys: devkeys.DevKeys) -> None:
    claims = stack.services["claims"]
    me = donor_headers(keys, "acct:zhang", ZHANG[1])
    body = claim_body(donor=ZHANG[1], name=ZHANG[0], beneficiary=FATHER, relationship="parent",
                      kinship_evidence="pledge", channel=None)
    claim = (await claims.post("/v1/claims", headers=me, json=body)).json()
    father = donor_headers(keys, "acct:father", FATHER)
    assert (await claims.get(f"/v1/claims/{claim['id']}", headers=father)).status_code == 200
    for method, path, payload in (("POST", "/submit", None), ("POST", "/withdraw", {}),
                                  ("PUT", "/payee", {"payee": body["payee"]})):
        response = await claims.request(method, f"/v1/claims/{claim['id']}{path}", headers=father, json=payload)
        assert response.status_code == 403, (path, response.text)
    assert (await upload(claims, f"/v1/claims/{claim['id']}/documents", "invoice", father)).status_code == 403
    stranger = donor_headers(keys, "acct:li", LI[1])
    for method, path in (("GET", ""), ("GET", "/history"), ("POST", "/submit"), ("POST", "/withdraw")):
        response = await claims.request(method, f"/v1/claims/{claim['id']}{path}", headers=stranger, json={})
        assert response.status_code == 404, (path, response.status_code)
    assert (await claims.get("/v1/claims", headers=stranger)).json() == []


async def test_estimate_and_certificate_are_always_the_callers_own(stack: AppStack, donors) -> None:
    zhang = await signed_in_donor(stack.gateway, "wx-zhang", *ZHANG)
    certificate = (await stack.gateway.get("/api/v1/me/certificate", headers=zhang)).json()
    assert certificate["cert_number_masked"] == "110105********0215" and certificate["name"] == "张三"
    # The estimate body names no person; an attempt to name one is refused, not obeyed.
    named = await stack.gateway.post("/api/v1/me/estimate", headers=zhang, json={
        "items": [{"product": "red_cells", "quantity": 1}], "blood_fee_fen": 22_000,
        "donor": {"cert_type": "resident_id", "cert_number": LI[1]}})
    assert named.status_code == 422 and named.json()["errors"][0]["field"] == "donor"
    own = await stack.gateway.post("/api/v1/me/estimate", headers=zhang, json={
        "items": [{"product": "red_cells", "quantity": 1}], "blood_fee_fen": 22_000})
    assert own.status_code == 200 and own.json()["reducible_fen"] == 22_000


async def test_a_bound_donor_token_carries_no_id_number(stack: AppStack, donors, keys: devkeys.DevKeys) -> None:
    zhang = await signed_in_donor(stack.gateway, "wx-zhang", *ZHANG)
    state = stack.apps["gateway"].state
    async with state.sessionmaker() as session:
        _, account = await donor_service.account_for(session, zhang["Authorization"].removeprefix("Bearer "))
    token = state.signer.sign(donor_service.caller_for(account, state.cipher, state.person_index))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert ZHANG[1] not in token and ZHANG[1] not in str(claims) and "cert_number" not in claims["caller"]
    assert claims["caller"]["cert_index"] == person(keys, ZHANG[1])
