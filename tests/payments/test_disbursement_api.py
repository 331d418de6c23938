"""Creating disbursements: masked and encrypted payee, idempotency, validation naming fields, roles."""

from __future__ import annotations

from sqlalchemy import text

from tests.payments.support import account, body

PROBLEM = "application/problem+json"


async def test_a_created_disbursement_is_pending_with_a_masked_payee_and_its_history(rig) -> None:
    funding = [{"source": "local_fund", "amount_fen": 33_000}, {"source": "military_fund", "amount_fen": 11_000}]
    response = await rig.api.post("/v1/disbursements", json=body(funding=funding), headers={"Idempotency-Key": "k1"})
    assert response.status_code == 201, response.text
    d = response.json()
    assert (d["state"], d["amount_fen"], d["attempt"]) == ("pending", 44_000, 1)
    assert d["payee"] == {"account_name": "张*", "account_number_masked": "6222 **** **** 1234",
                          "bank_name": "中国工商银行北京分行"}
    assert d["funding"] == funding
    assert d["merchant_transfer_no"].startswith("XF") and d["merchant_transfer_no"].endswith("01")
    assert d["merchant_transfer_no"][10:22] == d["id"].replace("-", "")[:12].upper()
    assert [(h["from_state"], h["to_state"]) for h in d["history"]] == [(None, "pending")]
    assert account() not in response.text


async def test_the_account_number_is_encrypted_at_rest(rig, db) -> None:
    await rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "k1"})
    async with db.connect() as conn:
        stored = (await conn.execute(text(
            "SELECT payee_account_encrypted, payee_account_masked FROM payments.disbursements"))).one()
        attempt = (await conn.execute(text("SELECT payee_account_encrypted FROM payments.transfer_attempts"))).one()
    assert stored[0].startswith("v1.") and account() not in stored[0]
    assert stored[1] == "6222 **** **** 1234"
    cipher = rig.app.state.cipher
    assert cipher.decrypt(stored[0], context="payments.disbursements.account_number") == account()
    assert cipher.decrypt(attempt[0], context="payments.transfer_attempts.account_number") == account()


async def test_the_same_key_and_body_return_the_first_with_200(rig) -> None:
    funding = [{"source": "local_fund", "amount_fen": 30_000}, {"source": "military_fund", "amount_fen": 14_000}]
    first = await rig.api.post("/v1/disbursements", json=body(funding=funding), headers={"Idempotency-Key": "k1"})
    # Spaces in the card number and the order of funding lines carry no meaning.
    again = body(funding=list(reversed(funding)))
    again["payee"]["account_number"] = " ".join(account()[i:i + 4] for i in range(0, 16, 4))
    replay = await rig.api.post("/v1/disbursements", json=again, headers={"Idempotency-Key": "k1"})
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json()["id"] == first.json()["id"]


async def test_the_same_key_with_another_body_is_a_409_naming_the_key(rig) -> None:
    await rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "k1"})
    other = await rig.api.post("/v1/disbursements", json=body(tail="5678"), headers={"Idempotency-Key": "k1"})
    assert other.status_code == 409
    assert other.headers["content-type"] == PROBLEM
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_another_key_for_a_source_already_being_paid_is_a_409_naming_source_ref(rig) -> None:
    await rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "k1"})
    second = await rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "k2"})
    assert second.status_code == 409
    assert second.json()["errors"][0]["field"] == "source_ref"


async def test_funding_lines_that_do_not_add_up_are_a_422_naming_funding(rig) -> None:
    bad = body(amount_fen=44_000, funding=[{"source": "local_fund", "amount_fen": 40_000}])
    response = await rig.api.post("/v1/disbursements", json=bad, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["funding"]
    assert "40000" in response.json()["errors"][0]["message"]


async def test_a_funding_source_may_appear_once_and_must_be_known(rig) -> None:
    twice = body(amount_fen=2, funding=[{"source": "local_fund", "amount_fen": 1}] * 2)
    unknown = body(amount_fen=2, funding=[{"source": "lottery", "amount_fen": 2}])
    r1 = await rig.api.post("/v1/disbursements", json=twice, headers={"Idempotency-Key": "k1"})
    r2 = await rig.api.post("/v1/disbursements", json=unknown, headers={"Idempotency-Key": "k2"})
    assert r1.json()["errors"][0]["field"] == "funding"
    assert r2.json()["errors"][0]["field"] == "funding[0].source"


async def test_another_province_can_fund_a_disbursement(rig) -> None:
    funding = [{"source": "province:32", "amount_fen": 44_000}]
    response = await rig.api.post("/v1/disbursements", json=body(funding=funding), headers={"Idempotency-Key": "k"})
    assert response.status_code == 201, response.text


async def test_a_bad_card_number_and_a_missing_key_are_named(rig) -> None:
    bad = body()
    bad["payee"]["account_number"] = "6222-abc"
    r1 = await rig.api.post("/v1/disbursements", json=bad, headers={"Idempotency-Key": "k1"})
    r2 = await rig.api.post("/v1/disbursements", json=body())
    assert r1.status_code == r2.status_code == 422
    assert r1.json()["errors"][0]["field"] == "payee.account_number"
    assert r2.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_channel_that_is_not_enabled_is_refused_clearly(rig) -> None:
    for channel in ("alipay", "wechat_pay"):
        response = await rig.api.post("/v1/disbursements", json=body(channel=channel),
                                      headers={"Idempotency-Key": channel})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "channel"
        assert "not enabled" in response.json()["detail"]


async def test_only_the_claims_service_creates(rig) -> None:
    # Least privilege: no person, not even an admin, creates or redirects a disbursement.
    for caller, expected in (({"roles": ("finance",), "province": "11"}, 403), ({"roles": ("reviewer",)}, 403),
                             ({"roles": ("admin",)}, 403), ({"subject": "entitlement", "kind": "system"}, 403),
                             ({"subject": "claims", "kind": "system"}, 201)):
        response = await rig.api.post("/v1/disbursements", json=body(), headers={
            "Idempotency-Key": "k1", **rig.headers(**caller)})
        assert response.status_code == expected, (caller, response.text)
    anonymous = await rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "k1", "X-Caller": ""})
    assert anonymous.status_code == 401


async def test_reading_needs_finance_admin_or_a_peer_service(rig) -> None:
    created = (await rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "k1"})).json()
    path = f"/v1/disbursements/{created['id']}"
    assert (await rig.api.get(path)).status_code == 200  # the claims service that asked for it
    assert (await rig.api.get(path, headers=rig.headers(roles=("finance",), province="11"))).status_code == 200
    assert (await rig.api.get(path, headers=rig.headers(roles=("reviewer",)))).status_code == 403
    assert (await rig.api.get("/v1/disbursements", headers=rig.headers(roles=("reviewer",)))).status_code == 403
    # The peer service reads its own disbursements but does not browse the ledger.
    assert (await rig.api.get("/v1/disbursements")).status_code == 403


async def test_finance_of_one_province_sees_only_its_province(rig) -> None:
    await rig.api.post("/v1/disbursements", json=body("claim:a", province="11"), headers={"Idempotency-Key": "a"})
    js = (await rig.api.post("/v1/disbursements", json=body("claim:b", province="32"),
                             headers={"Idempotency-Key": "b"})).json()
    bj_finance = rig.headers(roles=("finance",), province="11")
    listed = (await rig.api.get("/v1/disbursements", headers=bj_finance)).json()
    assert [d["source_ref"] for d in listed] == ["claim:a"]
    assert (await rig.api.get(f"/v1/disbursements/{js['id']}", headers=bj_finance)).status_code == 404
    everything = (await rig.api.get("/v1/disbursements", headers=rig.headers(roles=("admin",)))).json()
    assert [d["source_ref"] for d in everything] == ["claim:b", "claim:a"]  # newest first


async def test_the_list_filters_by_state_source_and_date(rig) -> None:
    for n in range(3):
        await rig.api.post("/v1/disbursements", json=body(f"claim:{n}"), headers={"Idempotency-Key": str(n)})
    admin = rig.headers(roles=("admin",))
    by_source = (await rig.api.get("/v1/disbursements", params={"source_ref": "claim:1"}, headers=admin)).json()
    assert [d["source_ref"] for d in by_source] == ["claim:1"]
    assert "history" not in by_source[0]
    pending = (await rig.api.get("/v1/disbursements", params={"state": "pending"}, headers=admin)).json()
    assert len(pending) == 3
    sent = (await rig.api.get("/v1/disbursements", params={"state": "sent"}, headers=admin)).json()
    assert sent == []
    old = (await rig.api.get("/v1/disbursements", params={"date_to": "2020-01-01"}, headers=admin)).json()
    assert old == []
    backwards = await rig.api.get("/v1/disbursements", params={"date_from": "2026-02-01", "date_to": "2026-01-01"},
                                  headers=admin)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "date_to"


async def test_the_payee_can_be_corrected_only_after_a_return(rig) -> None:
    created = (await rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "k1"})).json()
    correction = {"payee": body(tail="5678")["payee"], "reason": "更正账户"}
    response = await rig.api.post(f"/v1/disbursements/{created['id']}/payee", json=correction)
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    missing = await rig.api.post("/v1/disbursements/00000000-0000-0000-0000-000000000000/payee", json=correction)
    assert missing.status_code == 404


async def test_a_hospital_account_may_be_shorter_than_a_card_but_a_claim_pays_a_card(rig) -> None:
    hospital = body("statement:0b7f6c1e-4a59-4b4e-9f7e-6c2d1f0a9b11", name="北京朝阳医院")
    hospital["payee"]["account_number"] = "020000140901"
    assert (await rig.api.post("/v1/disbursements", json=hospital, headers={"Idempotency-Key": "s"})).status_code == 201
    claim = body()
    claim["payee"]["account_number"] = "020000140901"
    refused = await rig.api.post("/v1/disbursements", json=claim, headers={"Idempotency-Key": "c"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "payee.account_number"


async def test_a_zero_funding_line_is_accepted_and_not_stored(rig) -> None:
    funding = [{"source": "local_fund", "amount_fen": 1}, {"source": "military_fund", "amount_fen": 0}]
    response = await rig.api.post("/v1/disbursements", json=body(amount_fen=1, funding=funding),
                                  headers={"Idempotency-Key": "k"})
    assert response.status_code == 201, response.text
    assert response.json()["funding"] == [{"source": "local_fund", "amount_fen": 1}]
    replay = await rig.api.post("/v1/disbursements", json=body(amount_fen=1, funding=funding[:1]),
                                headers={"Idempotency-Key": "k"})
    assert replay.status_code == 200


async def test_the_history_is_append_only(rig, db) -> None:
    await rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "k1"})
    async with db.connect() as conn:
        refused = None
        try:
            await conn.execute(text("UPDATE payments.disbursement_history SET reason = 'rewritten'"))
        except Exception as exc:  # noqa: BLE001 - the trigger's error, whatever the driver calls it
            refused = str(exc)
    assert refused and "append-only" in refused
